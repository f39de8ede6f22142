//! Orders that come from outside (Shopify webhooks and syncs, Amazon, Unleashed, CSV import)
//! are upserted by (source, external_id), see `crate::ingest`.
//!
//! `sales_orders.source_updated_at` is when the source last changed the order, as the source
//! says: a delivery older than the stored one is stale and changes nothing, so webhooks that
//! arrive out of order never roll an order back. It is NULL for orders written before this
//! migration and by the demo loader, and any delivery counts as newer than NULL.
//!
//! `refunds_order` serves reading the refunds of one order, as an upsert compares them.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_order_ingest"
    }
}

// No `;` inside comments: run_script splits statements on it.
const UP: &str = r#"
-- When the source last changed the order (its own clock), NULL when unknown.
ALTER TABLE sales_orders ADD COLUMN source_updated_at {TS};
-- The refunds of one order, read by every upsert of that order.
CREATE INDEX refunds_order ON refunds (order_id)
"#;

const DOWN: &str = r#"
DROP INDEX refunds_order;
ALTER TABLE sales_orders DROP COLUMN source_updated_at
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
