//! The `import_batches` table: one row per committed import.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::{Actor, ImportReport};
use crate::forecasting::stmt;
use crate::{StoreError, StoreResult, db_time};

/// A committed import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportBatch {
    /// Row id.
    pub id: i64,
    /// Kind of records (`sales_orders`).
    pub kind: String,
    /// The file's name as given.
    pub file_name: String,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// Data rows of the file.
    pub row_count: i64,
    /// Records that were new.
    pub inserted: i64,
    /// Records that were changed.
    pub updated: i64,
    /// Records that were already so.
    pub unchanged: i64,
    /// Who ran it (an e-mail address, or `cli`).
    pub created_by: String,
    /// When it was committed.
    pub created_at: DateTime<Utc>,
    /// Time taken, milliseconds.
    pub duration_ms: i64,
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Records a committed import in the caller's transaction; returns the row id.
pub(crate) async fn insert<C: ConnectionTrait>(
    conn: &C,
    r: &ImportReport,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO import_batches (kind, file_name, sha256, row_count, inserted, updated, \
             unchanged, user_id, created_by, created_at, duration_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            vec![
                r.kind.as_str().into(),
                r.file_name.as_str().into(),
                r.sha256.as_str().into(),
                i(r.rows).into(),
                i(r.counts.inserted).into(),
                i(r.counts.updated).into(),
                i(r.counts.unchanged).into(),
                actor.user_id.into(),
                actor.name.as_str().into(),
                db_time(now).into(),
                i(r.duration_ms).into(),
            ],
        ))
        .await?
        .ok_or_else(|| StoreError::Invalid("import batch insert returned no id".into()))?;
    Ok(row.try_get("", "id")?)
}

/// The most recent committed imports, newest first, at most `limit`.
#[tracing::instrument(skip_all)]
pub async fn list_batches<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> StoreResult<Vec<ImportBatch>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, kind, file_name, sha256, row_count, inserted, updated, unchanged, \
             created_by, created_at, duration_ms FROM import_batches ORDER BY id DESC LIMIT ?",
            vec![i(limit).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ImportBatch {
                id: r.try_get("", "id")?,
                kind: r.try_get("", "kind")?,
                file_name: r.try_get("", "file_name")?,
                sha256: r.try_get("", "sha256")?,
                row_count: r.try_get("", "row_count")?,
                inserted: r.try_get("", "inserted")?,
                updated: r.try_get("", "updated")?,
                unchanged: r.try_get("", "unchanged")?,
                created_by: r.try_get("", "created_by")?,
                created_at: r.try_get("", "created_at")?,
                duration_ms: r.try_get("", "duration_ms")?,
            })
        })
        .collect()
}
