//! Series: the list, one series in full, its accuracy over time and its CSV export.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use sentia_store::forecasting::history::{DemandSeries, WEEK_SEASON};
use sentia_store::forecasting::{self as store, StoredForecast};

use super::views::{
    AccuracyPoint, Decomposition, DecompositionPoint, ForecastAccuracy, ForecastPoint,
    ForecastSeriesDetail, ForecastSeriesList, ForecastSeriesSummary, HistoryPoint, ModelMetrics,
    ModelWeight,
};
use super::{find_series, history};
use crate::auth::CurrentUser;
use crate::error::{ApiErrorBody, ApiResult, Json, Path};
use crate::forecasting::runner::ENSEMBLE;
use crate::forecasting::{accuracy, decompose, engine};
use crate::state::AppState;

/// Weeks summed for the list's recent and forecast units.
const SUMMARY_WEEKS: usize = 13;

fn top_model(f: &StoredForecast) -> Option<String> {
    f.forecast
        .metrics
        .iter()
        .filter(|m| m.model != ENSEMBLE && m.weight > 0.0)
        .max_by(|a, b| a.weight.total_cmp(&b.weight))
        .map(|m| m.model.clone())
}

/// Every SKU × channel series and every total with its current forecast in brief.
#[utoipa::path(get, path = "/api/v1/forecasting/series", operation_id = "list_forecast_series", tag = "forecasting",
    responses((status = 200, body = ForecastSeriesList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 503, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_forecast_series(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<ForecastSeriesList>> {
    let h = history(&state).await?;
    let current = store::current_forecasts(&state.db).await?;
    let by_key: HashMap<(&str, &str), &StoredForecast> = current
        .iter()
        .map(|f| ((f.forecast.sku.as_str(), f.forecast.channel.as_str()), f))
        .collect();
    let latest_run = store::list_runs(&state.db, 1).await?.into_iter().next();
    let summary = |s: &DemandSeries| {
        let f = by_key.get(&(s.sku.as_str(), s.channel.as_str()));
        let n = s.periods.len();
        ForecastSeriesSummary {
            sku: s.sku.clone(),
            channel: s.channel.clone(),
            region: s.region.clone(),
            recent_units: s.periods[n.saturating_sub(SUMMARY_WEEKS)..]
                .iter()
                .filter_map(|p| p.units)
                .sum(),
            forecast_units: f.map(|f| {
                f.forecast
                    .points
                    .iter()
                    .take(SUMMARY_WEEKS)
                    .map(|p| p.point)
                    .sum()
            }),
            model: f.map(|f| f.forecast.model.clone()),
            top_model: f.and_then(|f| top_model(f)),
            wape: f.and_then(|f| {
                f.forecast
                    .metrics
                    .iter()
                    .find(|m| m.model == ENSEMBLE)
                    .and_then(|m| m.wape)
            }),
            censored_weeks: s.periods.iter().filter(|p| p.censored).count(),
            origin_date: f.map(|f| f.forecast.origin_date),
        }
    };
    Ok(Json(ForecastSeriesList {
        granularity: "week".into(),
        series: h.series.iter().map(summary).collect(),
        totals: h.totals.iter().map(summary).collect(),
        latest_run: latest_run.map(Into::into),
    }))
}

fn accuracy_points(forecasts: &[StoredForecast], s: &DemandSeries) -> Vec<AccuracyPoint> {
    let frozen: Vec<StoredForecast> = forecasts
        .iter()
        .filter(|f| f.forecast.frozen)
        .cloned()
        .collect();
    accuracy::forecast_accuracy(&frozen, &accuracy::actuals(s))
        .into_iter()
        .map(|a| AccuracyPoint {
            forecast_id: a.forecast_id,
            run_id: a.run_id,
            origin_date: a.origin_date,
            scored: a.scored,
            mape: a.mape,
            wape: a.wape,
            mae: a.mae,
            actual_units: a.actual_units,
            forecast_units: a.forecast_units,
        })
        .collect()
}

/// The active override value per week.
pub(crate) async fn active_overrides(
    state: &AppState,
    sku: &str,
    channel: &str,
) -> ApiResult<HashMap<NaiveDate, f64>> {
    Ok(store::list_overrides(&state.db, sku, channel)
        .await?
        .into_iter()
        .filter(|o| o.superseded_by.is_none())
        .map(|o| (o.record.period_start, o.record.value))
        .collect())
}

fn decomposition(s: &DemandSeries) -> Decomposition {
    let values: Vec<f64> = match engine::to_series(&s.periods, WEEK_SEASON) {
        Ok(series) => series.values().to_vec(),
        Err(_) => vec![0.0; s.periods.len()],
    };
    let d = decompose::classical(&values, WEEK_SEASON);
    Decomposition {
        method: d.method,
        season: d.season,
        points: s
            .periods
            .iter()
            .enumerate()
            .map(|(i, p)| DecompositionPoint {
                period_start: p.start,
                trend: d.trend[i],
                seasonal: d.seasonal[i],
                remainder: d.remainder[i],
            })
            .collect(),
    }
}

/// One series: weekly history (stockout weeks marked), the current forecast with 80 % and
/// 95 % intervals and active overrides, per-model backtest metrics, the combination's
/// weights and why, a classical trend/seasonal decomposition and accuracy over time.
#[utoipa::path(get, path = "/api/v1/forecasting/series/{sku}/{channel}", operation_id = "get_forecast_series", tag = "forecasting",
    params(("sku" = String, Path, description = "SKU code, e.g. GIN-70"),
        ("channel" = String, Path, description = "Channel code, e.g. AMZ-UK")),
    responses((status = 200, body = ForecastSeriesDetail), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 503, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_forecast_series(
    _user: CurrentUser,
    State(state): State<AppState>,
    Path((sku, channel)): Path<(String, String)>,
) -> ApiResult<Json<ForecastSeriesDetail>> {
    let h = history(&state).await?;
    let s = find_series(&h, &sku, &channel)?;
    let forecasts = store::series_forecasts(&state.db, &sku, &channel).await?;
    let current = forecasts.iter().rev().find(|f| !f.forecast.frozen);
    let overrides = active_overrides(&state, &sku, &channel).await?;
    let mut models: Vec<ModelMetrics> = current
        .map(|f| f.forecast.metrics.iter().cloned().map(Into::into).collect())
        .unwrap_or_default();
    models.sort_by(|a: &ModelMetrics, b: &ModelMetrics| {
        (b.model == ENSEMBLE)
            .cmp(&(a.model == ENSEMBLE))
            .then(b.weight.total_cmp(&a.weight))
            .then(
                a.mae
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.mae.unwrap_or(f64::INFINITY)),
            )
    });
    let weights: Vec<ModelWeight> = models
        .iter()
        .filter(|m| m.model != ENSEMBLE && m.weight > 0.0)
        .map(|m| ModelWeight {
            model: m.model.clone(),
            weight: m.weight,
        })
        .collect();
    Ok(Json(ForecastSeriesDetail {
        sku: s.sku.clone(),
        channel: s.channel.clone(),
        granularity: "week".into(),
        season: WEEK_SEASON as i32,
        history: s
            .periods
            .iter()
            .map(|p| HistoryPoint {
                period_start: p.start,
                units: p.units,
                censored: p.censored,
                stockout_days: p.stockout_days,
            })
            .collect(),
        forecast_id: current.map(|f| f.id),
        run_id: current.map(|f| f.run_id),
        model: current.map(|f| f.forecast.model.clone()),
        engine_version: current.map(|f| f.forecast.engine_version.clone()),
        origin_date: current.map(|f| f.forecast.origin_date),
        created_at: current.map(|f| f.created_at),
        parameters: current
            .map(|f| f.forecast.parameters.clone())
            .unwrap_or(serde_json::Value::Null),
        forecast: current
            .map(|f| {
                f.forecast
                    .points
                    .iter()
                    .map(|p| ForecastPoint {
                        step: p.step,
                        period_start: p.period_start,
                        point: p.point,
                        lo80: p.lo80,
                        hi80: p.hi80,
                        lo95: p.lo95,
                        hi95: p.hi95,
                        override_value: overrides.get(&p.period_start).copied(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        weight_reason: current.and_then(|f| {
            f.forecast
                .parameters
                .get("reason")
                .and_then(|r| r.as_str())
                .map(str::to_owned)
        }),
        models,
        weights,
        decomposition: decomposition(s),
        accuracy: accuracy_points(&forecasts, s),
    }))
}

/// Accuracy over time: every frozen forecast of the series scored against the actuals that
/// are known now (stockout weeks and gaps are not scored).
#[utoipa::path(get, path = "/api/v1/forecasting/series/{sku}/{channel}/accuracy", operation_id = "get_forecast_accuracy", tag = "forecasting",
    params(("sku" = String, Path, description = "SKU code"),
        ("channel" = String, Path, description = "Channel code")),
    responses((status = 200, body = ForecastAccuracy), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 503, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_forecast_accuracy(
    _user: CurrentUser,
    State(state): State<AppState>,
    Path((sku, channel)): Path<(String, String)>,
) -> ApiResult<Json<ForecastAccuracy>> {
    let h = history(&state).await?;
    let s = find_series(&h, &sku, &channel)?;
    let forecasts = store::series_forecasts(&state.db, &sku, &channel).await?;
    Ok(Json(ForecastAccuracy {
        sku: s.sku.clone(),
        channel: s.channel.clone(),
        points: accuracy_points(&forecasts, s),
    }))
}

/// The series' weekly history and current forecast as CSV (one row per week).
#[utoipa::path(get, path = "/api/v1/forecasting/series/{sku}/{channel}/export", operation_id = "export_forecast_series", tag = "forecasting",
    params(("sku" = String, Path, description = "SKU code"),
        ("channel" = String, Path, description = "Channel code")),
    responses((status = 200, content_type = "text/csv", body = String,
            description = "Columns: sku, channel, week_start, kind (history|forecast), units, censored, point, lo80, hi80, lo95, hi95, override"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 503, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn export_forecast_series(
    user: CurrentUser,
    State(state): State<AppState>,
    Path((sku, channel)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    crate::auth::require_feature(&state, &user, "forecast_export").await?;
    let h = history(&state).await?;
    let s = find_series(&h, &sku, &channel)?;
    let forecasts = store::series_forecasts(&state.db, &sku, &channel).await?;
    let overrides = active_overrides(&state, &sku, &channel).await?;
    let mut out = String::from(
        "sku,channel,week_start,kind,units,censored,point,lo80,hi80,lo95,hi95,override\n",
    );
    let num = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
    for p in &s.periods {
        let _ = writeln!(
            out,
            "{},{},{},history,{},{},,,,,,",
            s.sku,
            s.channel,
            p.start,
            num(p.units),
            p.censored
        );
    }
    if let Some(f) = forecasts.iter().rev().find(|f| !f.forecast.frozen) {
        for p in &f.forecast.points {
            let _ = writeln!(
                out,
                "{},{},{},forecast,,,{:.3},{:.3},{:.3},{:.3},{:.3},{}",
                s.sku,
                s.channel,
                p.period_start,
                p.point,
                p.lo80,
                p.hi80,
                p.lo95,
                p.hi95,
                num(overrides.get(&p.period_start).copied())
            );
        }
    }
    // A total's keys (`*`, `region:UK`) make no file name.
    let name = |k: &str| k.replace('*', "all").replace(':', "-");
    let disposition = format!(
        "attachment; filename=\"sentia-forecast-{}-{}.csv\"",
        name(&s.sku),
        name(&s.channel)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    ))
}
