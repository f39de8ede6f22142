//! CSV and Excel imports, and stock counts from any source.
//!
//! `import_batches` records every committed import: what kind of records, the file's name
//! and SHA-256, how many data rows it had and what became of the records (inserted, updated,
//! unchanged), who ran it and when. It is written in the import's own transaction, so a batch
//! row exists exactly when the import's records were committed. Refused imports and dry runs
//! write nothing.
//!
//! `stock_movements.counted_on_hand` is the quantity a stock count found, on movements of
//! kind `count` (NULL on other movements): a re-delivered count with the same quantity is
//! recognised as unchanged, a corrected one moves the stock by the correction, see
//! `crate::ingest` (stock counts).

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_imports"
    }
}

// No `;` inside comments: run_script splits statements on it.
const UP: &str = r#"
CREATE TABLE import_batches (
    id {ID},
    -- products, sales_orders, stock_counts, purchase_orders, invoices, production_runs
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- Lower-case hex SHA-256 of the file's bytes.
    sha256 TEXT NOT NULL,
    -- Data rows of the file (the header row not counted).
    row_count BIGINT NOT NULL,
    -- Records of the kind (orders for order kinds) by outcome.
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    -- The signed-in user who ran it, NULL for the command line.
    user_id BIGINT REFERENCES users(id),
    -- Who ran it as shown to people (an e-mail address, or cli).
    created_by TEXT NOT NULL,
    created_at {TS} NOT NULL,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX import_batches_created ON import_batches (created_at);
-- The quantity a stock count found (kind = count), NULL for other movements.
ALTER TABLE stock_movements ADD COLUMN counted_on_hand BIGINT
"#;

const DOWN: &str = r#"
ALTER TABLE stock_movements DROP COLUMN counted_on_hand;
DROP INDEX import_batches_created;
DROP TABLE import_batches
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, UP).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, DOWN).await
    }
}
