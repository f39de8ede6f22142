//! The data sources on the Data page: each source with its status, freshness (green under
//! 2 minutes since its last good sync, yellow to 5, red after), last and next sync, record
//! counts, last error and circuit; its settings and credentials (stored sealed, never shown
//! back: only which fields are set); "sync now"; and reconciliation with the source.

use std::collections::BTreeMap;

use axum::extract::State;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sentia_store::sources::{self, Circuit, Source, SourceChange};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, RequestMeta};
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json, Path, Query};
use crate::state::AppState;
use crate::sync::{self, Reconciliation, SyncRequest};

/// Under this age since the last good sync a source is green.
pub const FRESH_SECS: i64 = 120;
/// Under this age it is yellow; older is red.
pub const STALE_SECS: i64 = 300;

/// Settings each kind of source accepts (besides none).
fn setting_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "shopify" => &["shop", "channel", "api_version", "base_url"],
        "amazon" => &["region", "seller_id", "channels", "base_url", "lwa_url"],
        "unleashed" => &["base_url", "warehouses"],
        "xero" => &["tenant_id", "identity_url", "api_url"],
        _ => &[],
    }
}

/// Credential fields each kind of source accepts.
fn credential_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "shopify" => &["access_token"],
        "amazon" => &["client_id", "client_secret", "refresh_token"],
        "unleashed" => &["api_id", "api_key"],
        "xero" => &["client_id", "client_secret", "refresh_token"],
        _ => &[],
    }
}

/// A source as the Data page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SourceView {
    /// Code, e.g. `shopify-uk`.
    pub code: String,
    /// `shopify`, `amazon`, `unleashed` or `xero`.
    pub kind: String,
    /// Name.
    pub label: String,
    /// `not_connected`, `disabled`, `ok`, `failing` or `circuit_open`.
    pub status: String,
    /// `green`, `yellow`, `red`, or `none` before the first good sync.
    pub freshness: String,
    /// Seconds since the last good sync.
    pub age_secs: Option<i64>,
    /// Non-secret settings.
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    /// Settings this kind accepts.
    pub setting_fields: Vec<String>,
    /// Credential fields this kind accepts.
    pub credential_fields: Vec<String>,
    /// Credential fields that are set (their values are never returned).
    pub credentials_set: Vec<String>,
    /// Scheduled syncs on.
    pub enabled: bool,
    /// Seconds between scheduled syncs.
    pub sync_every_secs: i32,
    /// Last sync started.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Last sync succeeded.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Next scheduled sync.
    pub next_sync_at: Option<DateTime<Utc>>,
    /// A sync started after the last outcome was recorded (it is running or was cut off).
    pub syncing: bool,
    /// The last error (or the records the last sync refused).
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failed syncs in a row.
    pub consecutive_failures: i32,
    /// `closed`, `open` or `half_open`.
    pub circuit: String,
    /// Until when an open circuit holds scheduled syncs back.
    pub circuit_open_until: Option<DateTime<Utc>>,
    /// Records the last sync stored.
    pub last_sync_records: i64,
    /// Records all syncs stored.
    pub records_synced: i64,
    /// Records Sentia holds from this source, per kind of record.
    pub record_counts: BTreeMap<String, i64>,
    /// The last reconciliation, per object.
    pub reconciliation: Option<Vec<Reconciliation>>,
    /// When it ran.
    pub reconciled_at: Option<DateTime<Utc>>,
}

/// Every source.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SourceList {
    /// The sources, by code.
    pub sources: Vec<SourceView>,
    /// The server's time the ages are counted from.
    pub now: DateTime<Utc>,
}

/// The tables a source's records land in, by the name the page shows.
const RECORD_TABLES: [(&str, &str); 5] = [
    ("orders", "sales_orders"),
    ("invoices", "invoices"),
    ("stock counts", "stock_movements"),
    ("purchase orders", "purchase_orders"),
    ("production orders", "production_orders"),
];

/// The `source` value records from this source carry, when it is known.
pub fn record_source(source: &Source) -> Option<String> {
    let s = |k: &str| {
        source
            .settings
            .get(k)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match source.kind.as_str() {
        "shopify" => s("shop").map(|shop| format!("shopify:{shop}")),
        "xero" => s("tenant_id").map(|t| format!("xero:{t}")),
        "amazon" => s("seller_id")
            .zip(s("region"))
            .map(|(seller, region)| format!("amazon:{seller}:{region}")),
        "unleashed" => Some("unleashed".into()),
        _ => None,
    }
}

async fn record_counts(state: &AppState, source: &Source) -> ApiResult<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    let Some(tag) = record_source(source) else {
        return Ok(out);
    };
    let backend = state.db.get_database_backend();
    let mut sql = String::new();
    for (i, (_, table)) in RECORD_TABLES.iter().enumerate() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str(&format!(
            "SELECT {i} AS k, CAST(COUNT(*) AS BIGINT) AS n FROM {table} WHERE source = {}",
            match backend {
                sea_orm::DbBackend::Postgres => "$1".to_owned(),
                _ => "?1".to_owned(),
            }
        ));
    }
    let rows = state
        .db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            vec![tag.into()],
        ))
        .await
        .map_err(sentia_store::StoreError::from)?;
    for r in rows {
        let k: i32 = r.try_get("", "k").map_err(sentia_store::StoreError::from)?;
        let n: i64 = r.try_get("", "n").map_err(sentia_store::StoreError::from)?;
        if let Some((name, _)) = RECORD_TABLES.get(k as usize) {
            out.insert((*name).to_owned(), n);
        }
    }
    Ok(out)
}

/// The freshness colour of a last good sync `age` seconds ago.
pub fn freshness(age_secs: Option<i64>) -> &'static str {
    match age_secs {
        None => "none",
        Some(a) if a < FRESH_SECS => "green",
        Some(a) if a <= STALE_SECS => "yellow",
        Some(_) => "red",
    }
}

async fn view(state: &AppState, s: Source, now: DateTime<Utc>) -> ApiResult<SourceView> {
    let circuit = s.circuit(now);
    let status = if !s.connected() {
        "not_connected"
    } else if circuit == Circuit::Open {
        "circuit_open"
    } else if s.consecutive_failures > 0 {
        "failing"
    } else if !s.enabled {
        "disabled"
    } else {
        "ok"
    };
    let age_secs = s.last_success_at.map(|t| (now - t).num_seconds().max(0));
    let syncing = s.last_attempt_at.is_some_and(|a| {
        s.last_success_at.is_none_or(|t| t < a) && s.last_error_at.is_none_or(|t| t < a)
    });
    let reconciliation = s
        .reconciliation
        .clone()
        .and_then(|v| serde_json::from_value(v).ok());
    Ok(SourceView {
        record_counts: record_counts(state, &s).await?,
        status: status.to_owned(),
        freshness: freshness(age_secs).to_owned(),
        age_secs,
        setting_fields: setting_keys(&s.kind)
            .iter()
            .map(|k| (*k).to_owned())
            .collect(),
        credential_fields: credential_keys(&s.kind)
            .iter()
            .map(|k| (*k).to_owned())
            .collect(),
        credentials_set: s.credential_fields.clone(),
        next_sync_at: s.next_sync_at(now),
        syncing,
        circuit: match circuit {
            Circuit::Closed => "closed",
            Circuit::Open => "open",
            Circuit::HalfOpen => "half_open",
        }
        .to_owned(),
        reconciliation,
        code: s.code,
        kind: s.kind,
        label: s.label,
        settings: s.settings,
        enabled: s.enabled,
        sync_every_secs: s.sync_every_secs,
        last_attempt_at: s.last_attempt_at,
        last_success_at: s.last_success_at,
        last_error: s.last_error,
        last_error_at: s.last_error_at,
        consecutive_failures: s.consecutive_failures,
        circuit_open_until: s.circuit_open_until,
        last_sync_records: s.last_sync_records,
        records_synced: s.records_synced,
        reconciled_at: s.reconciled_at,
    })
}

async fn load(state: &AppState, code: &str) -> ApiResult<Source> {
    Ok(sources::get(&state.db, &state.master_key, code).await?)
}

/// Every data source with its sync state.
#[utoipa::path(get, path = "/api/v1/sources", operation_id = "list_sources", tag = "data",
    responses((status = 200, body = SourceList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_sources(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<SourceList>> {
    let now = state.now();
    let mut out = Vec::new();
    for s in sources::list(&state.db, &state.master_key).await? {
        out.push(view(&state, s, now).await?);
    }
    Ok(Json(SourceList { sources: out, now }))
}

/// A change of a source's configuration. Omitted fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SourceUpdate {
    /// New name.
    pub label: Option<String>,
    /// Settings to set (`null` removes one).
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// Credential fields to set (an empty string removes one). Stored sealed; never returned.
    #[schema(value_type = Option<Object>)]
    pub credentials: Option<serde_json::Map<String, serde_json::Value>>,
    /// Turn scheduled syncs on or off.
    pub enabled: Option<bool>,
    /// Seconds between scheduled syncs (30–86400).
    pub sync_every_secs: Option<i32>,
}

async fn check_update(state: &AppState, kind: &str, u: &SourceUpdate) -> ApiResult<()> {
    if let Some(settings) = &u.settings {
        let allowed = setting_keys(kind);
        for (k, v) in settings {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::field(
                    &format!("settings.{k}"),
                    format!(
                        "is not a setting of {kind} sources ({})",
                        allowed.join(", ")
                    ),
                ));
            }
            let field = format!("settings.{k}");
            match (k.as_str(), v) {
                (_, serde_json::Value::Null) => {}
                ("channels", serde_json::Value::Object(m)) => {
                    for (marketplace, c) in m {
                        let code = c.as_str().ok_or_else(|| {
                            ApiError::field(&format!("{field}.{marketplace}"), "must be text")
                        })?;
                        check_channel(state, &format!("{field}.{marketplace}"), code).await?;
                    }
                }
                ("channels", _) => {
                    return Err(ApiError::field(
                        &field,
                        "must map marketplace ids to channel codes",
                    ));
                }
                (_, serde_json::Value::String(text)) => match k.as_str() {
                    "channel" => check_channel(state, &field, text).await?,
                    "shop" if !valid_host(text) => {
                        return Err(ApiError::field(
                            &field,
                            "must be the store's domain, e.g. sentia-uk.myshopify.com",
                        ));
                    }
                    "base_url" | "lwa_url" | "identity_url" | "api_url"
                        if !(text.starts_with("https://") || text.starts_with("http://")) =>
                    {
                        return Err(ApiError::field(&field, "must be an http(s) URL"));
                    }
                    "region" if !matches!(text.as_str(), "eu" | "na") => {
                        return Err(ApiError::field(&field, "must be eu or na"));
                    }
                    _ => {}
                },
                ("warehouses", serde_json::Value::Array(_)) => {}
                _ => return Err(ApiError::field(&field, "must be text")),
            }
        }
    }
    if let Some(creds) = &u.credentials {
        let allowed = credential_keys(kind);
        for (k, v) in creds {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::field(
                    &format!("credentials.{k}"),
                    format!(
                        "is not a credential of {kind} sources ({})",
                        allowed.join(", ")
                    ),
                ));
            }
            if !v.is_string() {
                return Err(ApiError::field(&format!("credentials.{k}"), "must be text"));
            }
        }
    }
    if u.sync_every_secs
        .is_some_and(|s| !(30..=86_400).contains(&s))
    {
        return Err(ApiError::field(
            "sync_every_secs",
            "must be between 30 and 86400",
        ));
    }
    if u.label.as_deref().is_some_and(|l| l.trim().is_empty()) {
        return Err(ApiError::field("label", "must not be empty"));
    }
    Ok(())
}

fn valid_host(text: &str) -> bool {
    !text.is_empty()
        && text.contains('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

async fn check_channel(state: &AppState, field: &str, code: &str) -> ApiResult<()> {
    let known = sentia_store::reference::list_channels(&state.db)
        .await?
        .into_iter()
        .any(|c| c.code == code);
    if known {
        Ok(())
    } else {
        Err(ApiError::field(field, format!("{code:?} is not a channel")))
    }
}

/// Changes a source's settings, credentials or schedule. Audited with the names of the
/// fields changed, never their values.
#[utoipa::path(put, path = "/api/v1/sources/{code}", operation_id = "update_source", tag = "data",
    params(("code" = String, Path, description = "Source code")),
    request_body = SourceUpdate,
    responses((status = 200, body = SourceView), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(code = %code))]
pub async fn update_source(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(code): Path<String>,
    Json(update): Json<SourceUpdate>,
) -> ApiResult<Json<SourceView>> {
    let before = load(&state, &code).await?;
    check_update(&state, &before.kind, &update).await?;
    let now = state.now();
    let change = SourceChange {
        label: update.label.clone(),
        settings: update.settings.clone(),
        credentials: update.credentials.clone(),
        enabled: update.enabled,
        sync_every_secs: update.sync_every_secs,
    };
    let after = sources::configure(&state.db, &state.master_key, &code, &change, now)
        .await
        .map_err(|e| match e {
            sentia_store::StoreError::Invalid(why) => ApiError::field("body", why),
            e => e.into(),
        })?;
    let keys = |m: &Option<serde_json::Map<String, serde_json::Value>>| {
        m.as_ref()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    sentia_store::audit::record(
        &state.db,
        &meta
            .entry(
                now,
                Some(user.user.id),
                "source.configure",
                "source",
                Some(code.clone()),
            )
            .details(serde_json::json!({
                "settings": keys(&update.settings),
                "credentials": keys(&update.credentials),
                "enabled": update.enabled,
                "sync_every_secs": update.sync_every_secs,
            })),
    )
    .await?;
    Ok(Json(view(&state, after, now).await?))
}

/// Options of "sync now".
#[derive(Debug, Deserialize, IntoParams)]
pub struct SyncQuery {
    /// Fetch everything instead of what changed since the last sync.
    pub full: Option<bool>,
}

/// A queued job.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueuedJob {
    /// The job.
    pub job_id: i64,
    /// One was already queued for this: nothing new was added.
    pub duplicate: bool,
}

/// The source, when it has credentials; 409 naming it otherwise.
async fn load_connected(state: &AppState, code: &str) -> ApiResult<Source> {
    let source = load(state, code).await?;
    if !source.connected() {
        return Err(ApiError::Conflict(sync::not_connected(&source)));
    }
    Ok(source)
}

/// The answer to a queued job; wakes this instance's worker at once.
async fn accepted(
    state: &AppState,
    queued: sentia_store::jobs::Enqueued,
) -> (axum::http::StatusCode, Json<QueuedJob>) {
    state.events.refresh(&state.db).await;
    (
        axum::http::StatusCode::ACCEPTED,
        Json(QueuedJob {
            job_id: queued.id,
            duplicate: !queued.inserted,
        }),
    )
}

/// Queues a sync of the source now (even while its circuit is open or it is disabled).
#[utoipa::path(post, path = "/api/v1/sources/{code}/sync", operation_id = "sync_source", tag = "data",
    params(("code" = String, Path, description = "Source code"), SyncQuery),
    responses((status = 202, body = QueuedJob), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, description = "Not connected", body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(code = %code))]
pub async fn sync_source(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(code): Path<String>,
    Query(q): Query<SyncQuery>,
) -> ApiResult<(axum::http::StatusCode, Json<QueuedJob>)> {
    load_connected(&state, &code).await?;
    let now = state.now();
    let request = SyncRequest {
        code: code.clone(),
        full: q.full.unwrap_or(false),
        manual: true,
    };
    let queued = sync::enqueue(&state, &request, now).await?;
    if queued.inserted {
        sentia_store::audit::record(
            &state.db,
            &meta
                .entry(
                    now,
                    Some(user.user.id),
                    "source.sync",
                    "source",
                    Some(code.clone()),
                )
                .details(serde_json::json!({ "full": request.full, "job_id": queued.id })),
        )
        .await?;
    }
    Ok(accepted(&state, queued).await)
}

/// Queues a reconciliation: the source's full record list compared with Sentia's, both ways.
#[utoipa::path(post, path = "/api/v1/sources/{code}/reconcile", operation_id = "reconcile_source", tag = "data",
    params(("code" = String, Path, description = "Source code")),
    responses((status = 202, body = QueuedJob), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, description = "Not connected", body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(code = %code))]
pub async fn reconcile_source(
    _user: CurrentUser,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<(axum::http::StatusCode, Json<QueuedJob>)> {
    load_connected(&state, &code).await?;
    let queued = sync::enqueue_reconcile(&state, &code, state.now()).await?;
    Ok(accepted(&state, queued).await)
}
