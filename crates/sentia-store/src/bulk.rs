//! Fast multi-row inserts for loaders (demo company, imports).
//!
//! Rows are sent as multi-row `INSERT … VALUES (…), (…)` statements sized to stay under the
//! bind-parameter limits of both backends. Callers run them inside a transaction.

use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};

use crate::StoreResult;

/// Largest number of bound values per statement (SQLite allows 32 766, PostgreSQL 65 535).
const MAX_PARAMS: usize = 30_000;

/// A table's rows waiting to be inserted, column values in `columns` order.
#[derive(Debug, Clone)]
pub struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Vec<Value>>,
}

impl Rows {
    /// An empty batch for `table` with these columns.
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            table,
            columns,
            values: Vec::new(),
        }
    }

    /// Adds one row. Panics in debug builds when the arity is wrong (a programming error).
    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(
            row.len(),
            self.columns.len(),
            "row arity for {}",
            self.table
        );
        self.values.push(row);
    }

    /// Number of rows held.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Inserts every row, in chunks, on `conn`.
    #[tracing::instrument(skip_all, fields(table = self.table, rows = self.values.len()))]
    pub async fn insert<C: ConnectionTrait>(self, conn: &C) -> StoreResult<u64> {
        let per_stmt = (MAX_PARAMS / self.columns.len().max(1)).max(1);
        let mut total = 0;
        let mut iter = self.values.into_iter().peekable();
        while iter.peek().is_some() {
            let mut stmt = Query::insert();
            stmt.into_table(Alias::new(self.table))
                .columns(self.columns.iter().map(|c| Alias::new(*c)));
            for row in iter.by_ref().take(per_stmt) {
                stmt.values_panic(row.into_iter().map(SimpleExpr::from));
            }
            total += conn.execute(&stmt).await?.rows_affected();
        }
        Ok(total)
    }
}

/// After rows were inserted with explicit ids, moves PostgreSQL's identity sequence past the
/// largest id so later inserts get fresh ones. SQLite needs nothing.
pub async fn sync_id_sequence<C: ConnectionTrait>(conn: &C, table: &str) -> StoreResult<()> {
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
        );
        conn.execute_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
            .await?;
    }
    Ok(())
}
