//! The append-only audit trail. Each row's `hash` is SHA-256 of the previous row's hash and
//! the row's canonical JSON, so any later change to a row breaks the chain from there on, and
//! triggers refuse UPDATE and DELETE on the table. Personal data (client address, user
//! agent, the e-mail a sign-in was tried for) is kept beside the chain in `audit_context`,
//! so erasing a person deletes it there without touching a hashed row.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, QueryResult, TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::StoreResult;
use crate::forecasting::stmt;

/// `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Personal data about an audited action, stored outside the hash chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditContext {
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Who the action was about when no user id says so (the e-mail of a failed sign-in).
    pub subject: Option<String>,
}

impl AuditContext {
    fn is_empty(&self) -> bool {
        self.ip.is_none() && self.user_agent.is_none() && self.subject.is_none()
    }
}

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
    /// What changed (old and new values); never personal data.
    pub details: serde_json::Value,
    /// Request id, if known.
    pub request_id: Option<String>,
    /// Personal data, kept outside the chain.
    pub context: AuditContext,
}

impl AuditEntry {
    /// An entry at `now` by `user_id` with no details or context yet.
    pub fn new(
        now: DateTime<Utc>,
        user_id: Option<i64>,
        action: &str,
        entity: &str,
        entity_id: Option<String>,
    ) -> Self {
        AuditEntry {
            occurred_at: now,
            user_id,
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id,
            details: serde_json::json!({}),
            request_id: None,
            context: AuditContext::default(),
        }
    }

    /// With these details.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
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
        e.request_id,
    ])
    .to_string()
}

/// The hash of a row chained to `prev`.
pub fn chain_hash(prev: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(canonical(e).as_bytes());
    hex::encode(h.finalize())
}

/// The hashed fields of a stored row (`occurred_at, user_id, action, entity, entity_id,
/// details, request_id`).
pub fn entry_of(r: &QueryResult) -> Result<AuditEntry, DbErr> {
    let details: serde_json::Value = match r.try_get::<serde_json::Value>("", "details") {
        Ok(v) => v,
        // SQLite keeps JSON as text.
        Err(_) => {
            let text: String = r.try_get("", "details")?;
            serde_json::from_str(&text).map_err(|e| DbErr::Custom(e.to_string()))?
        }
    };
    Ok(AuditEntry {
        occurred_at: r.try_get("", "occurred_at")?,
        user_id: r.try_get("", "user_id")?,
        action: r.try_get("", "action")?,
        entity: r.try_get("", "entity")?,
        entity_id: r.try_get("", "entity_id")?,
        details,
        request_id: r.try_get("", "request_id")?,
        context: AuditContext::default(),
    })
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
    let hash = chain_hash(&prev, e);
    let row = conn
        .query_one_raw(stmt(
            b,
            "INSERT INTO audit_log (occurred_at, user_id, action, entity, entity_id, details, \
             request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            vec![
                crate::db_time(e.occurred_at).into(),
                e.user_id.into(),
                e.action.as_str().into(),
                e.entity.as_str().into(),
                e.entity_id.clone().into(),
                sea_orm::Value::Json(Some(Box::new(e.details.clone()))),
                e.request_id.clone().into(),
                prev.into(),
                hash.as_str().into(),
            ],
        ))
        .await?
        .ok_or_else(|| crate::StoreError::Invalid("audit insert returned no id".into()))?;
    let id: i64 = row.try_get("", "id")?;
    if !e.context.is_empty() {
        conn.execute_raw(stmt(
            b,
            "INSERT INTO audit_context (audit_id, ip, user_agent, subject) VALUES (?, ?, ?, ?)",
            vec![
                id.into(),
                e.context.ip.clone().into(),
                e.context.user_agent.clone().into(),
                e.context.subject.clone().into(),
            ],
        ))
        .await?;
    }
    Ok(hash)
}

/// Appends an entry in a transaction of its own (for events that change nothing else, such
/// as a refused sign-in).
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    e: &AuditEntry,
) -> StoreResult<String> {
    let txn = crate::begin_write(db).await?;
    let hash = append(&txn, e).await?;
    txn.commit().await?;
    Ok(hash)
}

/// Why a row fails verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The row's contents no longer hash to its stored `hash`: it was edited.
    Edited,
    /// The row's `prev_hash` is not the hash of the row before it: a row before it was
    /// deleted or inserted, or the chain was re-linked.
    Unlinked {
        /// The previous row's id, or `None` when the row is the first.
        previous: Option<i64>,
    },
}

/// The first row that fails verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenRow {
    /// Its id.
    pub id: i64,
    /// What is wrong with it.
    pub why: Break,
}

impl std::fmt::Display for BrokenRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.why {
            Break::Edited => write!(
                f,
                "audit row {} was changed after it was written (its contents do not match its hash)",
                self.id
            ),
            Break::Unlinked { previous: Some(p) } => write!(
                f,
                "audit row {} does not follow row {p} (a row between them was deleted or inserted)",
                self.id
            ),
            Break::Unlinked { previous: None } => write!(
                f,
                "audit row {} is the first row but does not start the chain (earlier rows were deleted)",
                self.id
            ),
        }
    }
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Rows read.
    pub rows: u64,
    /// The first broken row, `None` when the chain is whole.
    pub first_broken: Option<BrokenRow>,
}

/// Rows read per query while verifying.
const VERIFY_PAGE: u64 = 2000;

/// Walks the chain from the first row and names the first broken one.
#[tracing::instrument(skip_all)]
pub async fn verify<C: ConnectionTrait>(conn: &C) -> StoreResult<Verification> {
    let b = conn.get_database_backend();
    let mut prev_hash = GENESIS.to_owned();
    let mut prev_id: Option<i64> = None;
    let mut rows = 0u64;
    loop {
        let page = conn
            .query_all_raw(stmt(
                b,
                "SELECT id, occurred_at, user_id, action, entity, entity_id, details, \
                 request_id, prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
                vec![
                    prev_id.unwrap_or(i64::MIN).into(),
                    (VERIFY_PAGE as i64).into(),
                ],
            ))
            .await?;
        if page.is_empty() {
            return Ok(Verification {
                rows,
                first_broken: None,
            });
        }
        for r in &page {
            rows += 1;
            let id: i64 = r.try_get("", "id")?;
            let stored_prev: String = r.try_get("", "prev_hash")?;
            let stored: String = r.try_get("", "hash")?;
            let entry = entry_of(r)?;
            if chain_hash(&stored_prev, &entry) != stored {
                return Ok(Verification {
                    rows,
                    first_broken: Some(BrokenRow {
                        id,
                        why: Break::Edited,
                    }),
                });
            }
            if stored_prev != prev_hash {
                return Ok(Verification {
                    rows,
                    first_broken: Some(BrokenRow {
                        id,
                        why: Break::Unlinked { previous: prev_id },
                    }),
                });
            }
            prev_hash = stored;
            prev_id = Some(id);
        }
    }
}

/// A stored audit row with its personal context (when it still exists).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// Row id.
    pub id: i64,
    /// The hashed entry (its `context` filled from `audit_context`).
    pub entry: AuditEntry,
    /// E-mail of the acting user, when known.
    pub user_email: Option<String>,
    /// The row's hash.
    pub hash: String,
}

/// Filters for listing the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this action, or actions starting with it when it ends in `.` (`user.`).
    pub action: Option<String>,
    /// Only this entity kind.
    pub entity: Option<String>,
    /// Only rows by this user.
    pub user_id: Option<i64>,
    /// Free text matched against action, entity, entity id and details.
    pub search: Option<String>,
    /// Only rows with an id below this (paging backwards).
    pub before_id: Option<i64>,
    /// At most this many rows (newest first).
    pub limit: u64,
}

/// The trail, newest first, filtered.
#[tracing::instrument(skip_all)]
pub async fn list<C: ConnectionTrait>(conn: &C, f: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
    let b = conn.get_database_backend();
    let details_text = match b {
        DbBackend::Postgres => "a.details::text",
        _ => "a.details",
    };
    let mut sql = String::from(
        "SELECT a.id, a.occurred_at, a.user_id, a.action, a.entity, a.entity_id, a.details, \
         a.request_id, a.hash, c.ip, c.user_agent, c.subject, u.email AS user_email \
         FROM audit_log a LEFT JOIN audit_context c ON c.audit_id = a.id \
         LEFT JOIN users u ON u.id = a.user_id WHERE 1 = 1",
    );
    let mut values: Vec<sea_orm::Value> = Vec::new();
    if let Some(a) = &f.action {
        if let Some(prefix) = a.strip_suffix('.') {
            sql.push_str(" AND a.action LIKE ?");
            values.push(format!("{prefix}.%").into());
        } else {
            sql.push_str(" AND a.action = ?");
            values.push(a.clone().into());
        }
    }
    if let Some(e) = &f.entity {
        sql.push_str(" AND a.entity = ?");
        values.push(e.clone().into());
    }
    if let Some(u) = f.user_id {
        sql.push_str(" AND a.user_id = ?");
        values.push(u.into());
    }
    if let Some(s) = f.search.as_ref().filter(|s| !s.is_empty()) {
        let like = format!("%{}%", s.to_lowercase());
        sql.push_str(&format!(
            " AND (LOWER(a.action) LIKE ? OR LOWER(a.entity) LIKE ? OR LOWER(COALESCE(a.entity_id, '')) LIKE ? \
             OR LOWER({details_text}) LIKE ? OR LOWER(COALESCE(u.email, '')) LIKE ?)"
        ));
        for _ in 0..5 {
            values.push(like.clone().into());
        }
    }
    if let Some(before) = f.before_id {
        sql.push_str(" AND a.id < ?");
        values.push(before.into());
    }
    sql.push_str(" ORDER BY a.id DESC LIMIT ?");
    values.push((f.limit.clamp(1, 10_000) as i64).into());
    let rows = conn.query_all_raw(stmt(b, &sql, values)).await?;
    rows.iter()
        .map(|r| {
            let mut entry = entry_of(r)?;
            entry.context = AuditContext {
                ip: r.try_get("", "ip")?,
                user_agent: r.try_get("", "user_agent")?,
                subject: r.try_get("", "subject")?,
            };
            Ok(AuditRow {
                id: r.try_get("", "id")?,
                entry,
                user_email: r.try_get("", "user_email")?,
                hash: r.try_get("", "hash")?,
            })
        })
        .collect()
}

/// Deletes the personal context of every row by or about a user (`subject` = their
/// e-mail). The chain is untouched.
pub async fn erase_context_of<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    email: &str,
) -> StoreResult<u64> {
    let b = conn.get_database_backend();
    let r = conn
        .execute_raw(stmt(
            b,
            "DELETE FROM audit_context WHERE audit_id IN (SELECT id FROM audit_log WHERE user_id = ?) \
             OR subject = ?",
            vec![user_id.into(), email.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_chained_field_but_not_the_context() {
        let now = chrono::Utc::now();
        let e = AuditEntry::new(now, Some(1), "user.update", "user", Some("7".into()))
            .details(serde_json::json!({"role": {"old": "VIEWER", "new": "MANAGER"}}));
        let h = chain_hash(GENESIS, &e);
        let mut with_ip = e.clone();
        with_ip.context.ip = Some("10.0.0.1".into());
        assert_eq!(
            chain_hash(GENESIS, &with_ip),
            h,
            "personal context is outside the chain"
        );
        let mut edited = e.clone();
        edited.details = serde_json::json!({"role": {"old": "VIEWER", "new": "ADMIN"}});
        assert_ne!(chain_hash(GENESIS, &edited), h);
        let mut other_user = e.clone();
        other_user.user_id = Some(2);
        assert_ne!(chain_hash(GENESIS, &other_user), h);
        assert_ne!(chain_hash(&h, &e), h, "the previous hash is chained in");
    }
}
