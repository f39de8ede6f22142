//! Planner overrides: kept forever; a new override of the same period supersedes the
//! previous one instead of overwriting it.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, TransactionSession, TransactionTrait};

use super::stmt;
use crate::{StoreError, StoreResult};

/// An override to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOverride {
    /// SKU code.
    pub sku: String,
    /// Channel code.
    pub channel: String,
    /// First day of the period overridden.
    pub period_start: NaiveDate,
    /// The planner's value (units, ≥ 0).
    pub value: f64,
    /// Why (non-empty).
    pub reason: String,
    /// Who.
    pub user_id: i64,
    /// The forecast shown when the override was made.
    pub base_forecast_id: Option<i64>,
    /// Its point for the period.
    pub base_point: Option<f64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A stored override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Override id.
    pub id: i64,
    /// The override as recorded.
    pub record: NewOverride,
    /// The override this one replaced, if any.
    pub supersedes_id: Option<i64>,
    /// The later override that replaced this one, if any.
    pub superseded_by: Option<i64>,
    /// E-mail of the user who made it.
    pub user_email: String,
}

fn override_of(r: &QueryResult) -> StoreResult<Override> {
    Ok(Override {
        id: r.try_get("", "id")?,
        record: NewOverride {
            sku: r.try_get("", "sku")?,
            channel: r.try_get("", "channel")?,
            period_start: r.try_get("", "period_start")?,
            value: r.try_get("", "value")?,
            reason: r.try_get("", "reason")?,
            user_id: r.try_get("", "user_id")?,
            base_forecast_id: r.try_get("", "base_forecast_id")?,
            base_point: r.try_get("", "base_point")?,
            created_at: r.try_get("", "created_at")?,
        },
        supersedes_id: r.try_get("", "supersedes_id")?,
        superseded_by: r.try_get("", "superseded_by")?,
        user_email: r.try_get("", "email")?,
    })
}

const SELECT: &str = "SELECT o.id, o.sku, o.channel, o.period_start, o.value, o.reason, o.user_id, \
     o.base_forecast_id, o.base_point, o.created_at, o.supersedes_id, u.email, \
     (SELECT MIN(n.id) FROM forecast_overrides n WHERE n.supersedes_id = o.id) AS superseded_by \
     FROM forecast_overrides o JOIN users u ON u.id = o.user_id";

/// Records an override; the newest earlier override of the same series and period (if any)
/// becomes superseded. Run it in the transaction that also writes the audit row.
#[tracing::instrument(skip_all)]
pub async fn create_override<C: ConnectionTrait>(
    conn: &C,
    o: &NewOverride,
) -> StoreResult<Override> {
    let b = conn.get_database_backend();
    let prev = conn
        .query_one_raw(stmt(
            b,
            "SELECT MAX(id) AS id FROM forecast_overrides \
             WHERE sku = ? AND channel = ? AND period_start = ?",
            vec![
                o.sku.as_str().into(),
                o.channel.as_str().into(),
                o.period_start.into(),
            ],
        ))
        .await?
        .map(|r| r.try_get::<Option<i64>>("", "id"))
        .transpose()?
        .flatten();
    let row = conn
        .query_one_raw(stmt(
            b,
            "INSERT INTO forecast_overrides (sku, channel, period_start, value, reason, user_id, \
             base_forecast_id, base_point, supersedes_id, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            vec![
                o.sku.as_str().into(),
                o.channel.as_str().into(),
                o.period_start.into(),
                o.value.into(),
                o.reason.as_str().into(),
                o.user_id.into(),
                o.base_forecast_id.into(),
                o.base_point.into(),
                prev.into(),
                crate::db_time(o.created_at).into(),
            ],
        ))
        .await?
        .ok_or_else(|| StoreError::Invalid("insert returned no row".into()))?;
    let id: i64 = row.try_get("", "id")?;
    let row = conn
        .query_one_raw(stmt(
            b,
            &format!("{SELECT} WHERE o.id = ?"),
            vec![id.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    override_of(&row)
}

/// Every override of a series, oldest first.
#[tracing::instrument(skip_all)]
pub async fn list_overrides<C: ConnectionTrait>(
    conn: &C,
    sku: &str,
    channel: &str,
) -> StoreResult<Vec<Override>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &format!("{SELECT} WHERE o.sku = ? AND o.channel = ? ORDER BY o.id"),
            vec![sku.into(), channel.into()],
        ))
        .await?;
    rows.iter().map(override_of).collect()
}

/// Records an override and its audit row (built by `audit` from the stored override) in
/// one transaction: neither exists without the other.
#[tracing::instrument(skip_all)]
pub async fn record_override<C, F>(db: &C, o: &NewOverride, audit: F) -> StoreResult<Override>
where
    C: ConnectionTrait + TransactionTrait,
    F: FnOnce(&Override) -> crate::audit::AuditEntry,
{
    let txn = crate::begin_write(db).await?;
    let saved = create_override(&txn, o).await?;
    crate::audit::append(&txn, &audit(&saved)).await?;
    txn.commit().await?;
    Ok(saved)
}

/// An override as a user's data export lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnOverride {
    /// Row id.
    pub id: i64,
    /// SKU.
    pub sku: String,
    /// Channel.
    pub channel: String,
    /// Week overridden.
    pub period_start: NaiveDate,
    /// Units set.
    pub value: f64,
    /// Reason given.
    pub reason: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Every override a user made, oldest first.
#[tracing::instrument(skip_all)]
pub async fn overrides_by_user<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> StoreResult<Vec<OwnOverride>> {
    let b = conn.get_database_backend();
    let rows = conn
        .query_all_raw(stmt(
            b,
            "SELECT id, sku, channel, period_start, value, reason, created_at FROM forecast_overrides \
             WHERE user_id = ? ORDER BY id",
            vec![user_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(OwnOverride {
                id: r.try_get("", "id")?,
                sku: r.try_get("", "sku")?,
                channel: r.try_get("", "channel")?,
                period_start: r.try_get("", "period_start")?,
                value: r.try_get("", "value")?,
                reason: r.try_get("", "reason")?,
                created_at: r.try_get("", "created_at")?,
            })
        })
        .collect()
}
