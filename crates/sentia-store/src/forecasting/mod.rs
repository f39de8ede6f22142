//! Forecasting storage: runs, stored forecasts (current and frozen), their points and
//! per-model backtest metrics, planner overrides, and the weekly demand history the
//! forecasts are made from ([`history`]).
//!
//! Past forecasts are never rewritten: when a run succeeds, the previous current forecasts
//! are only marked frozen, so accuracy over time can be scored against actuals that arrive
//! later. A run's results and its move to `succeeded` are written in one transaction.

pub mod history;
mod overrides;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, QueryResult, Statement, TransactionSession, TransactionTrait, Value,
};

use crate::bulk::Rows;
use crate::{StoreError, StoreResult};

pub use overrides::{
    NewOverride, Override, OwnOverride, create_override, list_overrides, overrides_by_user,
    record_override,
};

/// A forecast run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Run id.
    pub id: i64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended (`None` while running).
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// What started it (`startup`, `api:<user id>`, `cli`).
    pub triggered_by: String,
    /// SKU × channel series forecast, totals not counted (set when it succeeds).
    pub series_count: i32,
    /// Wall time in milliseconds (set when it ends).
    pub duration_ms: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// One forecast period with its intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastPoint {
    /// Steps ahead of the origin, from 1.
    pub step: i32,
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Point forecast.
    pub point: f64,
    /// Lower bound of the 80 % interval.
    pub lo80: f64,
    /// Upper bound of the 80 % interval.
    pub hi80: f64,
    /// Lower bound of the 95 % interval.
    pub lo95: f64,
    /// Upper bound of the 95 % interval.
    pub hi95: f64,
}

/// Rolling-origin backtest result of one candidate model for one series.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMetrics {
    /// Model name (`ets`, `snaive`, …, `ensemble`).
    pub model: String,
    /// Backtest origins scored.
    pub folds: i32,
    /// Mean absolute error.
    pub mae: Option<f64>,
    /// Root mean squared error.
    pub rmse: Option<f64>,
    /// Symmetric MAPE, percent.
    pub smape: Option<f64>,
    /// Mean absolute scaled error (seasonal naive scale).
    pub mase: Option<f64>,
    /// Weighted absolute percentage error, percent.
    pub wape: Option<f64>,
    /// Mean of forecast − actual (positive: over-forecast).
    pub bias: Option<f64>,
    /// Share of actuals inside the 80 % interval, percent.
    pub coverage80: Option<f64>,
    /// Share of actuals inside the 95 % interval, percent.
    pub coverage95: Option<f64>,
    /// Weight in the combined forecast (0 to 1).
    pub weight: f64,
    /// Why the model was not used, or which fallback it took.
    pub note: Option<String>,
}

/// A forecast to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewForecast {
    /// SKU code.
    pub sku: String,
    /// Channel code.
    pub channel: String,
    /// `week`.
    pub granularity: String,
    /// Season length used.
    pub season: i32,
    /// Model that produced the points (`ensemble` for the combination).
    pub model: String,
    /// Engine and library versions.
    pub engine_version: String,
    /// Model parameters and run settings.
    pub parameters: serde_json::Value,
    /// Periods forecast.
    pub horizon: i32,
    /// Start of the last period of history the forecast saw.
    pub origin_date: NaiveDate,
    /// Whether it is stored frozen (a forecast as of a past origin).
    pub frozen: bool,
    /// Points, by step.
    pub points: Vec<ForecastPoint>,
    /// Backtest metrics of every candidate model.
    pub metrics: Vec<ModelMetrics>,
}

/// A stored forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredForecast {
    /// Forecast id.
    pub id: i64,
    /// Run that made it.
    pub run_id: i64,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// Everything else, as it was stored.
    pub forecast: NewForecast,
}

/// Replaces `?` placeholders by `$n` on PostgreSQL.
pub(crate) fn sql(backend: DbBackend, text: &str) -> String {
    if backend != DbBackend::Postgres {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut n = 0;
    for c in text.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn stmt(backend: DbBackend, text: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql(backend, text), values)
}

fn run_of(r: &QueryResult) -> StoreResult<RunRecord> {
    Ok(RunRecord {
        id: r.try_get("", "id")?,
        started_at: r.try_get("", "started_at")?,
        finished_at: r.try_get("", "finished_at")?,
        state: r.try_get("", "state")?,
        triggered_by: r.try_get("", "triggered_by")?,
        series_count: r.try_get("", "series_count")?,
        duration_ms: r.try_get("", "duration_ms")?,
        error: r.try_get("", "error")?,
    })
}

const RUN_COLS: &str =
    "id, started_at, finished_at, state, triggered_by, series_count, duration_ms, error";

/// How long a running run's heartbeat stays good: a run whose owner has not renewed it for
/// longer counts as interrupted (its instance stopped or lost the database).
pub const RUN_LEASE: chrono::Duration = chrono::Duration::seconds(120);

/// How often the owner of a running run renews its heartbeat (well inside [`RUN_LEASE`]).
pub const RUN_HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(20);

/// The error stored on a run found without a live owner.
const INTERRUPTED: &str = "interrupted: the instance running it stopped";

/// Records a new run as `running`, owned by the instance `owner` with a fresh heartbeat.
/// A running run whose heartbeat is older than [`RUN_LEASE`] is marked failed first
/// (interrupted); a live one refuses the start with [`StoreError::Conflict`]. Concurrent
/// starts from several instances are refused by a unique index, so at most one runs.
#[tracing::instrument(skip_all)]
pub async fn start_run<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    triggered_by: &str,
    owner: &str,
    now: DateTime<Utc>,
) -> StoreResult<RunRecord> {
    let now = crate::db_time(now);
    let txn = crate::begin_write(db).await?;
    let b = txn.get_database_backend();
    let running = txn
        .query_one_raw(stmt(
            b,
            "SELECT id, started_at, heartbeat_at FROM forecast_runs WHERE state = 'running'",
            vec![],
        ))
        .await?;
    if let Some(r) = running {
        let id: i64 = r.try_get("", "id")?;
        let started: DateTime<Utc> = r.try_get("", "started_at")?;
        let beat: Option<DateTime<Utc>> = r.try_get("", "heartbeat_at")?;
        if now - beat.unwrap_or(started) <= RUN_LEASE {
            return Err(StoreError::Conflict(format!(
                "forecast run {id} is running"
            )));
        }
        txn.execute_raw(stmt(
            b,
            "UPDATE forecast_runs SET state = 'failed', finished_at = ?, error = ? \
             WHERE id = ? AND state = 'running'",
            vec![now.into(), INTERRUPTED.into(), id.into()],
        ))
        .await?;
        tracing::warn!(
            run_id = id,
            "forecast run without a live owner marked interrupted"
        );
    }
    let row = txn
        .query_one_raw(stmt(
            b,
            &format!(
                "INSERT INTO forecast_runs (started_at, state, triggered_by, owner, heartbeat_at) \
                 VALUES (?, 'running', ?, ?, ?) RETURNING {RUN_COLS}"
            ),
            vec![now.into(), triggered_by.into(), owner.into(), now.into()],
        ))
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                StoreError::Conflict("another forecast run started at the same moment".into())
            }
            _ => StoreError::Db(e),
        })?
        .ok_or_else(|| StoreError::Invalid("insert returned no row".into()))?;
    let run = run_of(&row)?;
    txn.commit().await?;
    Ok(run)
}

/// Renews the heartbeat of a running run owned by `owner`. Returns `false` when the run is
/// no longer running under that owner (another instance took it as interrupted).
#[tracing::instrument(skip_all)]
pub async fn heartbeat<C: ConnectionTrait>(
    conn: &C,
    run_id: i64,
    owner: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let r = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE forecast_runs SET heartbeat_at = ? \
             WHERE id = ? AND owner = ? AND state = 'running'",
            vec![crate::db_time(now).into(), run_id.into(), owner.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Marks a run failed with its error.
#[tracing::instrument(skip_all)]
pub async fn fail_run<C: ConnectionTrait>(
    conn: &C,
    run_id: i64,
    error: &str,
    now: DateTime<Utc>,
    duration_ms: i64,
) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE forecast_runs SET state = 'failed', finished_at = ?, duration_ms = ?, error = ? \
         WHERE id = ? AND state = 'running'",
        vec![
            crate::db_time(now).into(),
            duration_ms.into(),
            error.into(),
            run_id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Marks every run still `running` as failed. For an embedded (single-process) database at
/// start-up, when no run can still be alive; instances sharing a database leave each other's
/// runs to the lease instead (see [`start_run`]).
#[tracing::instrument(skip_all)]
pub async fn interrupt_running<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let r = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE forecast_runs SET state = 'failed', finished_at = ?, error = ? \
             WHERE state = 'running'",
            vec![crate::db_time(now).into(), INTERRUPTED.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// Stores a run's forecasts and marks it succeeded, in one transaction: with
/// `freeze_previous` the previous current forecasts are frozen first (a run of current
/// forecasts; a backfill of past origins leaves them), then the new ones are inserted with
/// their points and metrics.
#[tracing::instrument(skip_all, fields(run_id, forecasts = forecasts.len()))]
pub async fn complete_run<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    run_id: i64,
    forecasts: &[NewForecast],
    freeze_previous: bool,
    now: DateTime<Utc>,
    duration_ms: i64,
) -> StoreResult<()> {
    let now = crate::db_time(now);
    let txn = crate::begin_write(db).await?;
    let b = txn.get_database_backend();
    // Claim the run first: a run taken as interrupted meanwhile stores nothing, and the row
    // lock keeps a concurrent takeover out until this transaction ends.
    let claimed = txn
        .execute_raw(stmt(
            b,
            "UPDATE forecast_runs SET state = 'succeeded', finished_at = ?, duration_ms = ? \
             WHERE id = ? AND state = 'running'",
            vec![now.into(), duration_ms.into(), run_id.into()],
        ))
        .await?;
    if claimed.rows_affected() != 1 {
        return Err(StoreError::Conflict(format!(
            "forecast run {run_id} is no longer running; its results are discarded"
        )));
    }
    if freeze_previous {
        txn.execute_raw(stmt(
            b,
            "UPDATE forecasts SET frozen = TRUE WHERE frozen = FALSE",
            vec![],
        ))
        .await?;
    }
    let mut points = Rows::new(
        "forecast_points",
        &[
            "forecast_id",
            "step",
            "period_start",
            "point",
            "lo80",
            "hi80",
            "lo95",
            "hi95",
        ],
    );
    let mut metrics = Rows::new(
        "forecast_model_metrics",
        &[
            "forecast_id",
            "model",
            "folds",
            "mae",
            "rmse",
            "smape",
            "mase",
            "wape",
            "bias",
            "coverage80",
            "coverage95",
            "weight",
            "note",
        ],
    );
    let mut series = std::collections::HashSet::new();
    for f in forecasts {
        if history::is_series_key(&f.sku, &f.channel) {
            series.insert((f.sku.as_str(), f.channel.as_str()));
        }
        let row = txn
            .query_one_raw(stmt(
                b,
                "INSERT INTO forecasts (run_id, sku, channel, granularity, season, model, \
                 engine_version, parameters, horizon, origin_date, frozen, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                vec![
                    run_id.into(),
                    f.sku.as_str().into(),
                    f.channel.as_str().into(),
                    f.granularity.as_str().into(),
                    f.season.into(),
                    f.model.as_str().into(),
                    f.engine_version.as_str().into(),
                    Value::Json(Some(Box::new(f.parameters.clone()))),
                    f.horizon.into(),
                    f.origin_date.into(),
                    f.frozen.into(),
                    now.into(),
                ],
            ))
            .await?
            .ok_or_else(|| StoreError::Invalid("insert returned no row".into()))?;
        let id: i64 = row.try_get("", "id")?;
        for p in &f.points {
            points.push(vec![
                id.into(),
                p.step.into(),
                p.period_start.into(),
                p.point.into(),
                p.lo80.into(),
                p.hi80.into(),
                p.lo95.into(),
                p.hi95.into(),
            ]);
        }
        for m in &f.metrics {
            metrics.push(vec![
                id.into(),
                m.model.as_str().into(),
                m.folds.into(),
                m.mae.into(),
                m.rmse.into(),
                m.smape.into(),
                m.mase.into(),
                m.wape.into(),
                m.bias.into(),
                m.coverage80.into(),
                m.coverage95.into(),
                m.weight.into(),
                m.note.clone().into(),
            ]);
        }
    }
    points.insert(&txn).await?;
    metrics.insert(&txn).await?;
    txn.execute_raw(stmt(
        b,
        "UPDATE forecast_runs SET series_count = ? WHERE id = ?",
        vec![(series.len() as i32).into(), run_id.into()],
    ))
    .await?;
    // Last, as the outbox asks: open pages learn of the new forecasts.
    crate::events::append(
        &txn,
        FORECAST_EVENT,
        &serde_json::json!({ "run_id": run_id, "series": series.len(), "forecasts": forecasts.len() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The event a finished forecast run appends.
pub const FORECAST_EVENT: &str = "forecast.completed";

/// One run by id.
#[tracing::instrument(skip_all)]
pub async fn get_run<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<RunRecord> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &format!("SELECT {RUN_COLS} FROM forecast_runs WHERE id = ?"),
            vec![id.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    run_of(&row)
}

/// The newest runs, newest first.
#[tracing::instrument(skip_all)]
pub async fn list_runs<C: ConnectionTrait>(conn: &C, limit: u64) -> StoreResult<Vec<RunRecord>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &format!("SELECT {RUN_COLS} FROM forecast_runs ORDER BY id DESC LIMIT ?"),
            vec![(limit as i64).into()],
        ))
        .await?;
    rows.iter().map(run_of).collect()
}

/// Whether any forecast is stored.
#[tracing::instrument(skip_all)]
pub async fn has_forecasts<C: ConnectionTrait>(conn: &C) -> StoreResult<bool> {
    Ok(conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT id FROM forecasts LIMIT 1",
            vec![],
        ))
        .await?
        .is_some())
}

const FORECAST_COLS: &str = "id, run_id, sku, channel, granularity, season, model, engine_version, \
     parameters, horizon, origin_date, frozen, created_at";

async fn load_forecasts<C: ConnectionTrait>(
    conn: &C,
    filter: &str,
    values: Vec<Value>,
) -> StoreResult<Vec<StoredForecast>> {
    let b = conn.get_database_backend();
    let rows = conn
        .query_all_raw(stmt(
            b,
            &format!("SELECT {FORECAST_COLS} FROM forecasts WHERE {filter} ORDER BY id"),
            values.clone(),
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut index = HashMap::new();
    for r in &rows {
        let id: i64 = r.try_get("", "id")?;
        index.insert(id, out.len());
        out.push(StoredForecast {
            id,
            run_id: r.try_get("", "run_id")?,
            created_at: r.try_get("", "created_at")?,
            forecast: NewForecast {
                sku: r.try_get("", "sku")?,
                channel: r.try_get("", "channel")?,
                granularity: r.try_get("", "granularity")?,
                season: r.try_get("", "season")?,
                model: r.try_get("", "model")?,
                engine_version: r.try_get("", "engine_version")?,
                parameters: r.try_get("", "parameters")?,
                horizon: r.try_get("", "horizon")?,
                origin_date: r.try_get("", "origin_date")?,
                frozen: r.try_get("", "frozen")?,
                points: Vec::new(),
                metrics: Vec::new(),
            },
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let sub = format!("SELECT id FROM forecasts WHERE {filter}");
    let rows = conn
        .query_all_raw(stmt(
            b,
            &format!(
                "SELECT forecast_id, step, period_start, point, lo80, hi80, lo95, hi95 \
                 FROM forecast_points WHERE forecast_id IN ({sub}) ORDER BY forecast_id, step"
            ),
            values.clone(),
        ))
        .await?;
    for r in &rows {
        let id: i64 = r.try_get("", "forecast_id")?;
        if let Some(&i) = index.get(&id) {
            out[i].forecast.points.push(ForecastPoint {
                step: r.try_get("", "step")?,
                period_start: r.try_get("", "period_start")?,
                point: r.try_get("", "point")?,
                lo80: r.try_get("", "lo80")?,
                hi80: r.try_get("", "hi80")?,
                lo95: r.try_get("", "lo95")?,
                hi95: r.try_get("", "hi95")?,
            });
        }
    }
    let rows = conn
        .query_all_raw(stmt(
            b,
            &format!(
                "SELECT forecast_id, model, folds, mae, rmse, smape, mase, wape, bias, \
                 coverage80, coverage95, weight, note FROM forecast_model_metrics \
                 WHERE forecast_id IN ({sub}) ORDER BY forecast_id, weight DESC, model"
            ),
            values,
        ))
        .await?;
    for r in &rows {
        let id: i64 = r.try_get("", "forecast_id")?;
        if let Some(&i) = index.get(&id) {
            out[i].forecast.metrics.push(ModelMetrics {
                model: r.try_get("", "model")?,
                folds: r.try_get("", "folds")?,
                mae: r.try_get("", "mae")?,
                rmse: r.try_get("", "rmse")?,
                smape: r.try_get("", "smape")?,
                mase: r.try_get("", "mase")?,
                wape: r.try_get("", "wape")?,
                bias: r.try_get("", "bias")?,
                coverage80: r.try_get("", "coverage80")?,
                coverage95: r.try_get("", "coverage95")?,
                weight: r.try_get("", "weight")?,
                note: r.try_get("", "note")?,
            });
        }
    }
    Ok(out)
}

/// The current (not frozen) forecast of every series, with points and metrics.
#[tracing::instrument(skip_all)]
pub async fn current_forecasts<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<StoredForecast>> {
    load_forecasts(conn, "frozen = FALSE", vec![]).await
}

/// Every stored forecast of one series (current and frozen), oldest first.
#[tracing::instrument(skip_all)]
pub async fn series_forecasts<C: ConnectionTrait>(
    conn: &C,
    sku: &str,
    channel: &str,
) -> StoreResult<Vec<StoredForecast>> {
    load_forecasts(
        conn,
        "sku = ? AND channel = ?",
        vec![sku.into(), channel.into()],
    )
    .await
}
