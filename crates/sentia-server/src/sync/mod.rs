//! Syncs from the data sources, run as jobs.
//!
//! A [`SYNC_KIND`] job syncs one source: it reads the source's settings and sealed
//! credentials, fetches what changed since the stored cursor (everything for a full sync),
//! upserts each record by (source, external id) and stores the next cursor only after every
//! record is committed. A sync killed halfway is taken again by a worker when its lease runs
//! out and repeats from the old cursor; the upserts make the repetition change nothing, so
//! nothing is lost or doubled.
//!
//! Each sync's outcome is kept on the source (last attempt, success, error, record counts)
//! with a circuit: after five failures in a row scheduled syncs pause for 30 s, then one
//! trial sync runs; "sync now" always runs. The scheduler enqueues a sync of every enabled,
//! connected source when its interval has passed, under a key of the interval's time bucket,
//! so however many instances run, each interval's sync is queued once.

pub mod amazon;
pub mod shopify;
pub mod unleashed;
pub mod xero;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use sentia_store::Db;
use sentia_store::ingest::{self, BatchCounts, Problem};
use sentia_store::jobs::{self, Enqueued, NewJob};
use sentia_store::sources::{self, Circuit, Source};
use serde::{Deserialize, Serialize};

use crate::jobs::JobError;
use crate::state::AppState;

/// Job kind: sync one source.
pub const SYNC_KIND: &str = "source.sync";
/// Job kind: compare a source's records with Sentia's.
pub const RECONCILE_KIND: &str = "source.reconcile";
/// Attempts of one sync job before it is dead (the next interval's sync starts afresh).
pub const SYNC_ATTEMPTS: i32 = 5;
/// Code of the Xero source, which Xero's webhooks wake.
pub const XERO_SOURCE: &str = "xero";
/// Records a sync that refuses some lists in its error, at most.
const REFUSED_SHOWN: usize = 5;

/// What a sync job is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The source's code.
    pub code: String,
    /// Ignore the stored cursors and fetch everything.
    #[serde(default)]
    pub full: bool,
    /// Asked for by a user ("sync now"): runs even while the circuit is open or the source
    /// is disabled.
    #[serde(default)]
    pub manual: bool,
}

/// What one sync stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Records fetched from the source.
    pub fetched: i64,
    /// Records inserted or changed.
    pub stored: i64,
    /// Records already stored as they are (or older than what is stored).
    pub unchanged: i64,
    /// Records Sentia cannot take (an unknown SKU, a currency without a rate), with why.
    pub refused: Vec<String>,
}

impl SyncReport {
    /// Adds another object's report to this one.
    pub fn absorb(&mut self, other: SyncReport) {
        self.fetched += other.fetched;
        self.stored += other.stored;
        self.unchanged += other.unchanged;
        self.refused.extend(other.refused);
    }
}

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The source is not set up well enough to sync (a missing setting or credential).
    #[error("{0}")]
    Config(String),
    /// The source refused us (credentials, spent quota, a request it will always refuse):
    /// trying again cannot help until someone changes something.
    #[error("{0}")]
    Refused(String),
    /// The source failed or could not be reached; worth trying again.
    #[error("{0}")]
    Source(String),
    /// Sentia's database failed.
    #[error(transparent)]
    Store(#[from] sentia_store::StoreError),
}

impl From<sentia_connectors::ConnectorError> for SyncError {
    fn from(e: sentia_connectors::ConnectorError) -> Self {
        use sentia_connectors::ConnectorError as E;
        match e {
            E::Auth(_) | E::QuotaSpent(_) | E::Other(_) => SyncError::Refused(e.to_string()),
            _ => SyncError::Source(e.to_string()),
        }
    }
}

/// A required text setting or credential.
pub(crate) fn required<'a>(
    map: &'a serde_json::Map<String, serde_json::Value>,
    key: &str,
    what: &str,
) -> Result<&'a str, SyncError> {
    map.get(key)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| SyncError::Config(format!("{what} {key} is not set")))
}

/// An optional text setting.
pub(crate) fn optional<'a>(
    map: &'a serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Option<&'a str> {
    map.get(key)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The settings of a source as a map.
pub(crate) fn settings_of(source: &Source) -> serde_json::Map<String, serde_json::Value> {
    source.settings.as_object().cloned().unwrap_or_default()
}

/// Why a source without credentials cannot sync.
pub fn not_connected(source: &Source) -> String {
    format!(
        "{} is not connected: enter its credentials first",
        source.label
    )
}

/// Queues a sync of `code`. A manual sync is keyed by the 10-second window it was asked in,
/// so a double click queues one.
pub async fn enqueue(
    state: &AppState,
    request: &SyncRequest,
    now: DateTime<Utc>,
) -> sentia_store::StoreResult<Enqueued> {
    let every = if request.manual {
        Duration::seconds(10)
    } else {
        let source = sources::get(&state.db, &state.master_key, &request.code).await?;
        Duration::seconds(i64::from(source.sync_every_secs))
    };
    let bucket = jobs::time_bucket(now, every);
    let key = format!(
        "sync:{}:{}{}:{}",
        request.code,
        if request.manual {
            "manual"
        } else {
            "scheduled"
        },
        if request.full { ":full" } else { "" },
        bucket.timestamp()
    );
    let job = NewJob::new(
        crate::jobs::DEFAULT_QUEUE,
        SYNC_KIND,
        serde_json::to_value(request).unwrap_or_default(),
    )
    .priority(if request.manual { 20 } else { 0 })
    .max_attempts(SYNC_ATTEMPTS)
    .idempotency_key(key);
    jobs::enqueue(&state.db, &job, now).await
}

/// Queues a reconciliation of `code`.
pub async fn enqueue_reconcile(
    state: &AppState,
    code: &str,
    now: DateTime<Utc>,
) -> sentia_store::StoreResult<Enqueued> {
    let bucket = jobs::time_bucket(now, Duration::seconds(10));
    let job = NewJob::new(
        crate::jobs::DEFAULT_QUEUE,
        RECONCILE_KIND,
        serde_json::json!({ "code": code }),
    )
    .priority(15)
    .max_attempts(3)
    .idempotency_key(format!("reconcile:{code}:{}", bucket.timestamp()));
    jobs::enqueue(&state.db, &job, now).await
}

/// Queues the syncs that are due: every enabled, connected source whose interval has passed
/// since its last attempt and whose circuit is not open.
pub async fn schedule_due(state: &AppState) -> sentia_store::StoreResult<usize> {
    let now = state.now();
    let mut queued = 0;
    for source in sources::list(&state.db, &state.master_key).await? {
        let due = source.next_sync_at(now).is_some_and(|t| t <= now);
        if !due || source.circuit(now) == Circuit::Open {
            continue;
        }
        let request = SyncRequest {
            code: source.code.clone(),
            full: false,
            manual: false,
        };
        if enqueue(state, &request, now).await?.inserted {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Runs a [`SYNC_KIND`] job.
pub async fn run(state: &AppState, payload: &serde_json::Value) -> Result<(), JobError> {
    let request: SyncRequest = serde_json::from_value(payload.clone())
        .map_err(|e| JobError::Permanent(format!("sync job payload: {e}")))?;
    let code = request.code.as_str();
    let source = match sources::get(&state.db, &state.master_key, code).await {
        Ok(s) => s,
        Err(sentia_store::StoreError::NotFound) => {
            return Err(JobError::Permanent(format!("no source {code:?}")));
        }
        Err(e) => return Err(e.into()),
    };
    let now = state.now();
    if !request.manual {
        if !source.enabled {
            tracing::info!(code, "source disabled; scheduled sync skipped");
            return Ok(());
        }
        if source.circuit(now) == Circuit::Open {
            tracing::info!(code, "circuit open; scheduled sync skipped");
            return Ok(());
        }
    }
    if !source.connected() {
        let why = not_connected(&source);
        sources::record_failure(&state.db, code, &why, now).await?;
        return Err(JobError::Permanent(why));
    }
    sources::record_attempt(&state.db, code, now).await?;
    let outcome = sync_source(state, &source, request.full).await;
    let now = state.now();
    match outcome {
        Ok(report) => {
            sources::record_success(&state.db, code, report.stored, now).await?;
            if !report.refused.is_empty() {
                let mut why = format!(
                    "{} of {} records refused: ",
                    report.refused.len(),
                    report.fetched
                );
                why.push_str(
                    &report
                        .refused
                        .iter()
                        .take(REFUSED_SHOWN)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                sources::record_refusals(&state.db, code, &why, now).await?;
            }
            tracing::info!(
                code,
                fetched = report.fetched,
                stored = report.stored,
                unchanged = report.unchanged,
                refused = report.refused.len(),
                "source synced"
            );
            Ok(())
        }
        Err(e) => {
            let failures = sources::record_failure(&state.db, code, &e.to_string(), now).await?;
            tracing::warn!(code, failures, error = %e, "source sync failed");
            match e {
                SyncError::Config(why) | SyncError::Refused(why) => Err(JobError::Permanent(why)),
                other => Err(JobError::Transient(other.to_string())),
            }
        }
    }
}

async fn sync_source(
    state: &AppState,
    source: &Source,
    full: bool,
) -> Result<SyncReport, SyncError> {
    let creds = sources::credentials(&state.db, &state.master_key, &source.code).await?;
    match source.kind.as_str() {
        "shopify" => shopify::sync(state, source, &creds, full).await,
        "amazon" => amazon::sync(state, source, &creds, full).await,
        "unleashed" => unleashed::sync(state, source, &creds, full).await,
        "xero" => xero::sync(state, source, &creds, full).await,
        other => Err(SyncError::Config(format!(
            "syncing {other} sources is not available in this version"
        ))),
    }
}

/// Runs a [`RECONCILE_KIND`] job: fetches the source's full record list and compares it with
/// what Sentia holds from that source, both ways, and stores the findings on the source.
pub async fn reconcile(state: &AppState, payload: &serde_json::Value) -> Result<(), JobError> {
    let code = payload["code"]
        .as_str()
        .ok_or_else(|| JobError::Permanent("reconcile job payload has no code".into()))?;
    let source = sources::get(&state.db, &state.master_key, code)
        .await
        .map_err(|e| match e {
            sentia_store::StoreError::NotFound => {
                JobError::Permanent(format!("no source {code:?}"))
            }
            e => e.into(),
        })?;
    let creds = sources::credentials(&state.db, &state.master_key, code).await?;
    let findings = match source.kind.as_str() {
        "shopify" => shopify::reconcile(state, &source, &creds).await,
        "amazon" => amazon::reconcile(state, &source, &creds).await,
        "unleashed" => unleashed::reconcile(state, &source, &creds).await,
        "xero" => xero::reconcile(state, &source, &creds).await,
        other => Err(SyncError::Config(format!(
            "reconciling {other} sources is not available in this version"
        ))),
    };
    match findings {
        Ok(f) => {
            let value = serde_json::to_value(&f).unwrap_or_default();
            sources::record_reconciliation(&state.db, code, &value, state.now()).await?;
            Ok(())
        }
        Err(SyncError::Config(why) | SyncError::Refused(why)) => Err(JobError::Permanent(why)),
        Err(e) => Err(JobError::Transient(e.to_string())),
    }
}

/// What a reconciliation found for one object.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reconciliation {
    /// The object compared (`orders`, `invoices`).
    pub object: String,
    /// Records the source holds.
    pub in_source: i64,
    /// Records Sentia holds from the source.
    pub in_sentia: i64,
    /// Records in the source but not in Sentia (external ids, at most 100).
    pub missing_in_sentia: Vec<String>,
    /// How many there are in all.
    pub missing_in_sentia_count: i64,
    /// Records in Sentia that the source no longer has (external ids, at most 100).
    pub missing_in_source: Vec<String>,
    /// How many there are in all.
    pub missing_in_source_count: i64,
}

/// The comparison of the source's ids with Sentia's ids for one object.
pub(crate) fn compare(
    object: &str,
    in_source: &std::collections::BTreeSet<String>,
    in_sentia: &std::collections::BTreeSet<String>,
) -> Reconciliation {
    let missing_in_sentia: Vec<String> = in_source.difference(in_sentia).cloned().collect();
    let missing_in_source: Vec<String> = in_sentia.difference(in_source).cloned().collect();
    Reconciliation {
        object: object.to_owned(),
        in_source: in_source.len() as i64,
        in_sentia: in_sentia.len() as i64,
        missing_in_sentia_count: missing_in_sentia.len() as i64,
        missing_in_source_count: missing_in_source.len() as i64,
        missing_in_sentia: missing_in_sentia.into_iter().take(100).collect(),
        missing_in_source: missing_in_source.into_iter().take(100).collect(),
    }
}

/// The external ids Sentia holds from `source` in `table`.
pub(crate) async fn stored_ids(
    state: &AppState,
    table: &str,
    source: &str,
) -> Result<std::collections::BTreeSet<String>, SyncError> {
    use sea_orm::ConnectionTrait;
    let backend = state.db.get_database_backend();
    let sql = format!("SELECT external_id FROM {table} WHERE source = $1");
    let sql = match backend {
        sea_orm::DbBackend::Postgres => sql,
        _ => sql.replace("$1", "?"),
    };
    let rows = state
        .db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            vec![source.into()],
        ))
        .await
        .map_err(sentia_store::StoreError::from)?;
    rows.iter()
        .map(|r| {
            r.try_get::<String>("", "external_id")
                .map_err(|e| SyncError::Store(e.into()))
        })
        .collect()
}

/// A future the store's batch functions return, boxed.
pub(crate) type StoreFuture<'a, T> =
    Pin<Box<dyn Future<Output = sentia_store::StoreResult<T>> + Send + 'a>>;

/// A kind of record the store takes in batches: checked first, then upserted.
pub(crate) trait Batch: Sized + Send + Sync {
    /// How a refused record is named in the source's error (its number, not its id).
    fn label(&self) -> String;
    /// The store's check of a batch.
    fn validate<'a>(db: &'a Db, items: &'a [Self]) -> StoreFuture<'a, Vec<Problem>>;
    /// The store's upsert of a valid batch.
    fn upsert<'a>(
        db: &'a Db,
        items: &'a [Self],
        now: DateTime<Utc>,
    ) -> StoreFuture<'a, BatchCounts>;
}

/// Stores the records of `batch` the store accepts, in one transaction, and lists the ones it
/// refuses (an unknown SKU, supplier or location) with why.
pub(crate) async fn store_valid<T: Batch>(
    state: &AppState,
    batch: Vec<T>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let problems = T::validate(&state.db, &batch).await?;
    let bad: std::collections::BTreeSet<usize> = problems.iter().map(|p| p.item).collect();
    for p in &problems {
        report.refused.push(format!(
            "{} {}: {}",
            batch[p.item].label(),
            p.field,
            p.reason
        ));
    }
    let good: Vec<T> = batch
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !bad.contains(i))
        .map(|(_, v)| v)
        .collect();
    if !good.is_empty() {
        let counts = T::upsert(&state.db, &good, state.now()).await?;
        report.stored += (counts.inserted + counts.updated) as i64;
        report.unchanged += counts.unchanged as i64;
    }
    Ok(())
}

/// Stores the records that mapped (those the store accepts) and lists the ones that did not
/// map, or that the store refuses, with why.
pub(crate) async fn store_mapped<T: Batch>(
    state: &AppState,
    mapped: Vec<Result<T, String>>,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport {
        fetched: mapped.len() as i64,
        ..SyncReport::default()
    };
    let mut batch = Vec::with_capacity(mapped.len());
    for m in mapped {
        match m {
            Ok(v) => batch.push(v),
            Err(why) => report.refused.push(why),
        }
    }
    store_valid(state, batch, &mut report).await?;
    Ok(report)
}

impl Batch for ingest::IncomingInvoice {
    fn label(&self) -> String {
        self.invoice_number.clone()
    }
    fn validate<'a>(db: &'a Db, items: &'a [Self]) -> StoreFuture<'a, Vec<Problem>> {
        Box::pin(ingest::validate_invoices(db, items))
    }
    fn upsert<'a>(
        db: &'a Db,
        items: &'a [Self],
        now: DateTime<Utc>,
    ) -> StoreFuture<'a, BatchCounts> {
        Box::pin(ingest::upsert_invoices(db, items, now))
    }
}

impl Batch for ingest::IncomingPurchaseOrder {
    fn label(&self) -> String {
        self.po_number.clone()
    }
    fn validate<'a>(db: &'a Db, items: &'a [Self]) -> StoreFuture<'a, Vec<Problem>> {
        Box::pin(ingest::validate_purchase_orders(db, items))
    }
    fn upsert<'a>(
        db: &'a Db,
        items: &'a [Self],
        now: DateTime<Utc>,
    ) -> StoreFuture<'a, BatchCounts> {
        Box::pin(ingest::upsert_purchase_orders(db, items, now))
    }
}

impl Batch for ingest::IncomingStockCount {
    fn label(&self) -> String {
        format!("stock of {} at {}", self.sku, self.location_code)
    }
    fn validate<'a>(db: &'a Db, items: &'a [Self]) -> StoreFuture<'a, Vec<Problem>> {
        Box::pin(ingest::validate_stock_counts(db, items))
    }
    fn upsert<'a>(
        db: &'a Db,
        items: &'a [Self],
        now: DateTime<Utc>,
    ) -> StoreFuture<'a, BatchCounts> {
        Box::pin(ingest::upsert_stock_counts(db, items, now))
    }
}

/// The stored cursor of `object` of a source, or a full one (when `full`, or none is stored).
pub(crate) async fn cursor_of(
    state: &AppState,
    code: &str,
    object: &str,
    full: bool,
) -> Result<sentia_connectors::IncrementalCursor, SyncError> {
    match sources::cursor(&state.db, code, object).await? {
        Some(text) if !full => serde_json::from_str(&text)
            .map_err(|e| SyncError::Config(format!("stored {object} cursor: {e}"))),
        _ => Ok(sentia_connectors::IncrementalCursor::full()),
    }
}

/// Stores the next cursor of `object`, after what it covers is committed.
pub(crate) async fn save_cursor_of(
    state: &AppState,
    code: &str,
    object: &str,
    cursor: &sentia_connectors::IncrementalCursor,
) -> Result<(), SyncError> {
    let next = serde_json::to_string(cursor).unwrap_or_default();
    sources::save_cursor(&state.db, code, object, &next, state.now()).await?;
    Ok(())
}
