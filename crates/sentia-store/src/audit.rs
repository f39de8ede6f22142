//! The append-only audit log: each row's `hash` is SHA-256 of the previous row's hash and
//! the row's canonical JSON, so any later change to a row breaks the chain from there on.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend};
use sha2::{Digest, Sha256};

use crate::StoreResult;
use crate::forecasting::stmt;

/// `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audited action.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it.
    pub user_id: Option<i64>,
    /// What was done (`forecast_override.create`).
    pub action: String,
    /// Kind of thing changed (`forecast_override`).
    pub entity: String,
    /// Which one.
    pub entity_id: Option<String>,
    /// What changed.
    pub details: serde_json::Value,
    /// Client address, if known.
    pub ip: Option<String>,
    /// Request id, if known.
    pub request_id: Option<String>,
}

/// The canonical text hashed for a row (fields in a fixed order, instant in RFC 3339 µs).
pub fn canonical(e: &AuditEntry) -> String {
    serde_json::json!([
        crate::db_time(e.occurred_at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.user_id,
        e.action,
        e.entity,
        e.entity_id,
        e.details,
        e.ip,
        e.request_id,
    ])
    .to_string()
}

/// Appends an entry, chained to the last row. Call inside the transaction that made the
/// change; on PostgreSQL the table is locked for the rest of it so concurrent writers
/// cannot fork the chain (SQLite has one writer at a time anyway). Returns the new hash.
#[tracing::instrument(skip_all)]
pub async fn append<C: ConnectionTrait>(conn: &C, e: &AuditEntry) -> StoreResult<String> {
    let b = conn.get_database_backend();
    if b == DbBackend::Postgres {
        conn.execute_unprepared("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
            .await?;
    }
    let prev: String = match conn
        .query_one_raw(stmt(
            b,
            "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1",
            vec![],
        ))
        .await?
    {
        Some(r) => r.try_get("", "hash")?,
        None => GENESIS.to_owned(),
    };
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(canonical(e).as_bytes());
    let hash = hex::encode(h.finalize());
    conn.execute_raw(stmt(
        b,
        "INSERT INTO audit_log (occurred_at, user_id, action, entity, entity_id, details, ip, \
         request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            crate::db_time(e.occurred_at).into(),
            e.user_id.into(),
            e.action.as_str().into(),
            e.entity.as_str().into(),
            e.entity_id.clone().into(),
            sea_orm::Value::Json(Some(Box::new(e.details.clone()))),
            e.ip.clone().into(),
            e.request_id.clone().into(),
            prev.into(),
            hash.as_str().into(),
        ],
    ))
    .await?;
    Ok(hash)
}
