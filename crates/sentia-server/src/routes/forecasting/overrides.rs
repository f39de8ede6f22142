//! Planner overrides: recorded with a reason, audited, kept when superseded, and scored
//! against the actual once their week is complete.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use sentia_store::forecasting::history::DemandSeries;
use sentia_store::forecasting::{self as store, NewOverride, Override};

use super::views::{CreateForecastOverride, ForecastOverride, ForecastOverrideList, OverrideScore};
use super::{find_series, history};
use crate::auth::{CurrentUser, RequestMeta};
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json, Path};
use crate::forecasting::accuracy;
use crate::state::AppState;

/// Longest reason accepted, in characters.
pub const MAX_REASON: usize = 500;
/// Largest value accepted (units per week).
pub const MAX_VALUE: f64 = 1e9;

fn view(o: Override, s: &DemandSeries) -> ForecastOverride {
    let score = accuracy::score_override(&o, s);
    ForecastOverride {
        id: o.id,
        active: o.superseded_by.is_none(),
        sku: o.record.sku,
        channel: o.record.channel,
        period_start: o.record.period_start,
        value: o.record.value,
        reason: o.record.reason,
        user_email: o.user_email,
        created_at: o.record.created_at,
        base_point: o.record.base_point,
        supersedes_id: o.supersedes_id,
        superseded_by: o.superseded_by,
        score: OverrideScore {
            status: score.status.to_owned(),
            actual: score.actual,
            override_error: score.override_error,
            forecast_error: score.forecast_error,
            improved: score.improved,
        },
    }
}

/// Every override of the series (superseded ones too), oldest first, with its score.
#[utoipa::path(get, path = "/api/v1/forecasting/series/{sku}/{channel}/overrides", operation_id = "list_forecast_overrides", tag = "forecasting",
    params(("sku" = String, Path, description = "SKU code"),
        ("channel" = String, Path, description = "Channel code")),
    responses((status = 200, body = ForecastOverrideList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 503, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_forecast_overrides(
    _user: CurrentUser,
    State(state): State<AppState>,
    Path((sku, channel)): Path<(String, String)>,
) -> ApiResult<Json<ForecastOverrideList>> {
    let h = history(&state).await?;
    let s = find_series(&h, &sku, &channel)?;
    let list = store::list_overrides(&state.db, &sku, &channel).await?;
    Ok(Json(ForecastOverrideList {
        overrides: list.into_iter().map(|o| view(o, s)).collect(),
    }))
}

/// The body, checked field by field.
fn parse_body(body: &[u8]) -> ApiResult<(String, f64, String)> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        if e.to_string().contains("number out of range") {
            ApiError::unprocessable("value", "must be a finite number")
        } else {
            ApiError::BadRequest {
                code: "invalid_body",
                message: format!("the body is not valid JSON: {e}"),
                details: vec![],
            }
        }
    })?;
    let obj = v.as_object().ok_or_else(|| ApiError::BadRequest {
        code: "invalid_body",
        message: "the body must be a JSON object".into(),
        details: vec![],
    })?;
    if let Some(k) = obj
        .keys()
        .find(|k| !["period_start", "value", "reason"].contains(&k.as_str()))
    {
        return Err(ApiError::unprocessable(k, "unknown field"));
    }
    let period = obj
        .get("period_start")
        .and_then(|p| p.as_str())
        .ok_or_else(|| ApiError::unprocessable("period_start", "required, a date YYYY-MM-DD"))?;
    let value = match obj.get("value") {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::unprocessable("value", "required, a number of units"))?;
    if !value.is_finite() {
        return Err(ApiError::unprocessable("value", "must be a finite number"));
    }
    if !(0.0..=MAX_VALUE).contains(&value) {
        return Err(ApiError::unprocessable(
            "value",
            format!("must be between 0 and {MAX_VALUE}"),
        ));
    }
    let reason = obj
        .get("reason")
        .and_then(|r| r.as_str())
        .map(str::trim)
        .unwrap_or("");
    if reason.is_empty() {
        return Err(ApiError::unprocessable("reason", "required: say why"));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(ApiError::unprocessable(
            "reason",
            format!("at most {MAX_REASON} characters"),
        ));
    }
    Ok((period.to_owned(), value, reason.to_owned()))
}

/// Overrides one week of the current forecast. Earlier overrides of the week are kept and
/// marked superseded; the change is written to the audit log in the same transaction.
#[utoipa::path(post, path = "/api/v1/forecasting/series/{sku}/{channel}/overrides", operation_id = "create_forecast_override", tag = "forecasting",
    params(("sku" = String, Path, description = "SKU code"),
        ("channel" = String, Path, description = "Channel code")),
    request_body = CreateForecastOverride,
    responses((status = 201, body = ForecastOverride), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody), (status = 503, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn create_forecast_override(
    user: CurrentUser,
    State(state): State<AppState>,
    Path((sku, channel)): Path<(String, String)>,
    meta: RequestMeta,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ForecastOverride>)> {
    crate::auth::require_feature(&state, &user, "forecast_overrides").await?;
    let h = history(&state).await?;
    let s = find_series(&h, &sku, &channel)?;
    if !s.is_bottom() {
        return Err(ApiError::unprocessable(
            "channel",
            "a total is the sum of its series; override one of its SKU × channel series instead",
        ));
    }
    let (period, value, reason) = parse_body(&body)?;
    let period = NaiveDate::parse_from_str(&period, "%Y-%m-%d")
        .map_err(|_| ApiError::unprocessable("period_start", "not a date (YYYY-MM-DD)"))?;
    let forecasts = store::series_forecasts(&state.db, &sku, &channel).await?;
    let current = forecasts
        .iter()
        .rev()
        .find(|f| !f.forecast.frozen)
        .ok_or_else(|| ApiError::Conflict("the series has no forecast yet".into()))?;
    let point = current
        .forecast
        .points
        .iter()
        .find(|p| p.period_start == period)
        .ok_or_else(|| {
            let first = current.forecast.points.first().map(|p| p.period_start);
            let last = current.forecast.points.last().map(|p| p.period_start);
            ApiError::unprocessable(
                "period_start",
                match (first, last) {
                    (Some(a), Some(b)) => {
                        format!("not a week of the current forecast (Mondays {a} to {b})")
                    }
                    _ => "the current forecast has no weeks".to_owned(),
                },
            )
        })?;
    let now = state.now();
    let new = NewOverride {
        sku: s.sku.clone(),
        channel: s.channel.clone(),
        period_start: period,
        value,
        reason,
        user_id: user.user.id,
        base_forecast_id: Some(current.id),
        base_point: Some(point.point),
        created_at: now,
    };
    let base_id = current.id;
    let saved = store::record_override(&state.db, &new, |saved| {
        meta.entry(
            now,
            Some(user.user.id),
            "forecast_override.create",
            "forecast_override",
            Some(saved.id.to_string()),
        )
        .details(serde_json::json!({
            "sku": saved.record.sku, "channel": saved.record.channel,
            "period_start": saved.record.period_start, "value": saved.record.value,
            "reason": saved.record.reason, "base_point": saved.record.base_point,
            "base_forecast_id": base_id, "supersedes_id": saved.supersedes_id,
        }))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(view(saved, s))))
}
