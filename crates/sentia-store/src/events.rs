//! The events outbox: one row per change, appended in the transaction that made the change,
//! so an event exists exactly when its change was committed. Readers follow the outbox by id
//! (`since(last seen)`), which is how SSE streams replay what a browser missed and how other
//! instances catch up after a reconnect.
//!
//! Ids are handed out in commit order. PostgreSQL allocates identity values at insert time,
//! so two transactions could otherwise commit ids 8 and 7 in that order and a reader that had
//! already seen 8 would skip 7 for ever; [`append`] therefore holds a transaction-level
//! advisory lock from the insert until the end of the caller's transaction, which serialises
//! event-writing transactions for that short tail. Append last in a transaction to keep the
//! tail short (and never wait on another row lock after appending). SQLite has one writer at
//! a time, so its ids are in commit order anyway.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, QueryResult, TransactionSession, TransactionTrait, Value,
};

use crate::forecasting::stmt;
use crate::{StoreError, StoreResult};

/// The PostgreSQL `NOTIFY` channel on which [`append`] announces each new event id (sent when
/// the transaction commits), so other instances can wake and read [`since`] their last id.
pub const NOTIFY_CHANNEL: &str = "sentia_events";

/// Key of the advisory lock that orders event appends on PostgreSQL.
const APPEND_LOCK: i64 = 0x5345_4E54_4941_4556; // "SENTIAEV"

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Outbox id: increasing in commit order, never reused.
    pub id: i64,
    /// What happened (`job.updated`).
    pub kind: String,
    /// Details of the change.
    pub payload: serde_json::Value,
    /// When it was appended.
    pub created_at: DateTime<Utc>,
}

/// Reads a JSON column: JSONB on PostgreSQL, text on SQLite.
pub(crate) fn json_col(r: &QueryResult, col: &str) -> Result<serde_json::Value, DbErr> {
    match r.try_get::<serde_json::Value>("", col) {
        Ok(v) => Ok(v),
        Err(_) => {
            let text: String = r.try_get("", col)?;
            serde_json::from_str(&text).map_err(|e| DbErr::Custom(format!("{col}: {e}")))
        }
    }
}

/// Reads a nullable JSON column.
pub(crate) fn json_col_opt(r: &QueryResult, col: &str) -> Result<Option<serde_json::Value>, DbErr> {
    match r.try_get::<Option<serde_json::Value>>("", col) {
        Ok(v) => Ok(v),
        Err(_) => {
            let text: Option<String> = r.try_get("", col)?;
            text.map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(|e| DbErr::Custom(format!("{col}: {e}")))
        }
    }
}

fn event_of(r: &QueryResult) -> StoreResult<Event> {
    Ok(Event {
        id: r.try_get("", "id")?,
        kind: r.try_get("", "kind")?,
        payload: json_col(r, "payload")?,
        created_at: r.try_get("", "created_at")?,
    })
}

/// Appends an event and returns its id. Pass the transaction that made the change (a plain
/// connection works too: the append then commits on its own). On PostgreSQL the append lock
/// is held until the caller's transaction ends, see the module documentation.
#[tracing::instrument(skip_all, fields(kind = %kind))]
pub async fn append<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    kind: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    // A savepoint inside a caller's transaction, a transaction of its own otherwise: either
    // way the lock below lasts until the outermost transaction ends.
    let txn = crate::begin_write(conn).await?;
    let b = txn.get_database_backend();
    if b == DbBackend::Postgres {
        txn.execute_raw(stmt(
            b,
            "SELECT pg_advisory_xact_lock(?)",
            vec![APPEND_LOCK.into()],
        ))
        .await?;
    }
    let row = txn
        .query_one_raw(stmt(
            b,
            "INSERT INTO events (kind, payload, created_at) VALUES (?, ?, ?) RETURNING id",
            vec![
                kind.into(),
                Value::Json(Some(Box::new(payload.clone()))),
                crate::db_time(now).into(),
            ],
        ))
        .await?
        .ok_or_else(|| StoreError::Invalid("event insert returned no id".into()))?;
    let id: i64 = row.try_get("", "id")?;
    if b == DbBackend::Postgres {
        txn.execute_raw(stmt(
            b,
            "SELECT pg_notify(?, ?)",
            vec![NOTIFY_CHANNEL.into(), id.to_string().into()],
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(id)
}

/// Events after `last_id`, oldest first, at most `limit`. Pass the last id seen (0 for the
/// start); the next page starts after the last returned id.
#[tracing::instrument(skip_all)]
pub async fn since<C: ConnectionTrait>(
    conn: &C,
    last_id: i64,
    limit: u64,
) -> StoreResult<Vec<Event>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, kind, payload, created_at FROM events WHERE id > ? ORDER BY id LIMIT ?",
            vec![last_id.into(), (limit.min(i64::MAX as u64) as i64).into()],
        ))
        .await?;
    rows.iter().map(event_of).collect()
}

/// The id of the newest event, 0 when there is none: where a new reader starts when it only
/// wants what happens from now on.
#[tracing::instrument(skip_all)]
pub async fn latest_id<C: ConnectionTrait>(conn: &C) -> StoreResult<i64> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT COALESCE(MAX(id), 0) AS id FROM events",
            vec![],
        ))
        .await?
        .ok_or_else(|| StoreError::Invalid("MAX returned no row".into()))?;
    Ok(row.try_get("", "id")?)
}

/// Deletes events appended before `created_before`; returns how many. Readers further
/// behind than that must reload their state instead of replaying.
#[tracing::instrument(skip_all)]
pub async fn prune_before<C: ConnectionTrait>(
    conn: &C,
    created_before: DateTime<Utc>,
) -> StoreResult<u64> {
    let r = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM events WHERE created_at < ?",
            vec![crate::db_time(created_before).into()],
        ))
        .await?;
    Ok(r.rows_affected())
}
