//! JSON views of the forecasting API.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A forecast run.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastRun {
    /// Run id.
    pub id: i64,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// What started it (`startup`, `api`, `cli`).
    pub triggered_by: String,
    /// Series forecast.
    pub series_count: i32,
    /// Wall time in milliseconds.
    pub duration_ms: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

impl From<sentia_store::forecasting::RunRecord> for ForecastRun {
    fn from(r: sentia_store::forecasting::RunRecord) -> Self {
        Self {
            id: r.id,
            state: r.state,
            started_at: r.started_at,
            finished_at: r.finished_at,
            triggered_by: r.triggered_by,
            series_count: r.series_count,
            duration_ms: r.duration_ms,
            error: r.error,
        }
    }
}

/// The latest runs, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastRunList {
    /// Runs.
    pub runs: Vec<ForecastRun>,
}

/// One series in the list, with its current forecast in brief.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastSeriesSummary {
    /// SKU code (`*` in a total over every SKU).
    pub sku: String,
    /// Channel code (`*` in a total over every channel, `region:CODE` in a region's total).
    pub channel: String,
    /// Region of the channel (`*` in a total across regions).
    pub region: String,
    /// Units ordered over the last 13 complete weeks (uncensored and censored alike).
    pub recent_units: f64,
    /// Forecast units over the next 13 weeks (`None` before the first run).
    pub forecast_units: Option<f64>,
    /// Model of the current forecast.
    pub model: Option<String>,
    /// The model with the largest weight.
    pub top_model: Option<String>,
    /// Backtest WAPE of the current forecast, percent.
    pub wape: Option<f64>,
    /// Weeks of history with a stockout.
    pub censored_weeks: usize,
    /// Last week the current forecast saw.
    pub origin_date: Option<NaiveDate>,
}

/// Every series with its current forecast.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastSeriesList {
    /// Period length: `week` (ISO weeks starting Monday).
    pub granularity: String,
    /// Series, by SKU then channel.
    pub series: Vec<ForecastSeriesSummary>,
    /// Totals of the series, reconciled so that each equals the sum of its series: overall
    /// (`sku` and `channel` both `*`), per region (`channel` `region:CODE`), per channel (`sku`
    /// `*`) and per SKU (`channel` `*`). Each opens like a series
    /// (`/api/v1/forecasting/series/{sku}/{channel}`, path segments URL-encoded).
    pub totals: Vec<ForecastSeriesSummary>,
    /// The newest run, if any.
    pub latest_run: Option<ForecastRun>,
}

/// One week of history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryPoint {
    /// Monday of the week.
    pub period_start: NaiveDate,
    /// Units ordered; `null` for a gap (no data).
    pub units: Option<f64>,
    /// Whether stock ran out that week (the units are a lower bound on demand).
    pub censored: bool,
    /// Days that ended with no stock.
    pub stockout_days: u8,
}

/// One forecast week.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastPoint {
    /// Steps ahead, from 1.
    pub step: i32,
    /// Monday of the week.
    pub period_start: NaiveDate,
    /// Point forecast (units).
    pub point: f64,
    /// 80 % interval, lower bound.
    pub lo80: f64,
    /// 80 % interval, upper bound.
    pub hi80: f64,
    /// 95 % interval, lower bound.
    pub lo95: f64,
    /// 95 % interval, upper bound.
    pub hi95: f64,
    /// The planner's active override of the week, if any.
    pub override_value: Option<f64>,
}

/// Backtest metrics of one model.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ModelMetrics {
    /// Model name (`ensemble` is the combination).
    pub model: String,
    /// Backtest origins.
    pub folds: i32,
    /// Mean absolute error (units).
    pub mae: Option<f64>,
    /// Root mean squared error (units).
    pub rmse: Option<f64>,
    /// Symmetric MAPE, percent.
    pub smape: Option<f64>,
    /// Mean absolute scaled error.
    pub mase: Option<f64>,
    /// Weighted absolute percentage error, percent.
    pub wape: Option<f64>,
    /// Mean forecast − actual (positive: over-forecast).
    pub bias: Option<f64>,
    /// Share of actuals inside the 80 % interval, percent.
    pub coverage80: Option<f64>,
    /// Share of actuals inside the 95 % interval, percent.
    pub coverage95: Option<f64>,
    /// Weight in the combined forecast (0–1; the combination itself shows 1).
    pub weight: f64,
    /// Fallbacks taken, or why the model could not run.
    pub note: Option<String>,
}

impl From<sentia_store::forecasting::ModelMetrics> for ModelMetrics {
    fn from(m: sentia_store::forecasting::ModelMetrics) -> Self {
        Self {
            model: m.model,
            folds: m.folds,
            mae: m.mae,
            rmse: m.rmse,
            smape: m.smape,
            mase: m.mase,
            wape: m.wape,
            bias: m.bias,
            coverage80: m.coverage80,
            coverage95: m.coverage95,
            weight: m.weight,
            note: m.note,
        }
    }
}

/// A model's share of the combined forecast.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ModelWeight {
    /// Model name.
    pub model: String,
    /// Weight, 0–1.
    pub weight: f64,
}

/// One week of the decomposition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DecompositionPoint {
    /// Monday of the week.
    pub period_start: NaiveDate,
    /// Trend-cycle.
    pub trend: Option<f64>,
    /// Seasonal component.
    pub seasonal: Option<f64>,
    /// Remainder.
    pub remainder: Option<f64>,
}

/// Trend/seasonal decomposition of the history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Decomposition {
    /// How it was computed.
    pub method: String,
    /// Season length (1: no seasonal part).
    pub season: usize,
    /// Components per week.
    pub points: Vec<DecompositionPoint>,
}

/// Accuracy of one stored (frozen) forecast against the actuals known now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccuracyPoint {
    /// Forecast id.
    pub forecast_id: i64,
    /// Run that made it.
    pub run_id: i64,
    /// Last week the forecast saw.
    pub origin_date: NaiveDate,
    /// Weeks scored (uncensored actuals only).
    pub scored: usize,
    /// MAPE over weeks with non-zero actuals, percent.
    pub mape: Option<f64>,
    /// WAPE, percent.
    pub wape: Option<f64>,
    /// MAE (units).
    pub mae: Option<f64>,
    /// Actual units over the scored weeks.
    pub actual_units: f64,
    /// Forecast units over the scored weeks.
    pub forecast_units: f64,
}

/// Accuracy over time of a series' frozen forecasts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastAccuracy {
    /// SKU code.
    pub sku: String,
    /// Channel code.
    pub channel: String,
    /// One entry per stored forecast with scored weeks, oldest origin first.
    pub points: Vec<AccuracyPoint>,
}

/// One series: history, current forecast, model comparison, weights, decomposition and
/// accuracy over time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastSeriesDetail {
    /// SKU code.
    pub sku: String,
    /// Channel code.
    pub channel: String,
    /// `week`.
    pub granularity: String,
    /// Season length (52).
    pub season: i32,
    /// Weekly history, oldest first.
    pub history: Vec<HistoryPoint>,
    /// Current forecast id (`None` before the first run).
    pub forecast_id: Option<i64>,
    /// Run that made it.
    pub run_id: Option<i64>,
    /// Model of the current forecast.
    pub model: Option<String>,
    /// Engine and library versions.
    pub engine_version: Option<String>,
    /// Last week the forecast saw.
    pub origin_date: Option<NaiveDate>,
    /// When it was stored.
    pub created_at: Option<DateTime<Utc>>,
    /// Model parameters and run settings.
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    /// Forecast weeks with 80 % and 95 % intervals.
    pub forecast: Vec<ForecastPoint>,
    /// Per-model backtest metrics, combination first.
    pub models: Vec<ModelMetrics>,
    /// The combination's weights, largest first.
    pub weights: Vec<ModelWeight>,
    /// Why these weights.
    pub weight_reason: Option<String>,
    /// Trend/seasonal decomposition of the history.
    pub decomposition: Decomposition,
    /// Accuracy over time of the frozen forecasts.
    pub accuracy: Vec<AccuracyPoint>,
}

/// A planner override to record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateForecastOverride {
    /// Monday of a week of the current forecast (`YYYY-MM-DD`).
    pub period_start: String,
    /// Units the planner expects (finite, ≥ 0).
    pub value: f64,
    /// Why (required, up to 500 characters).
    pub reason: String,
}

/// How an override did against the actual of its week.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverrideScore {
    /// `pending` (week not complete yet), `unscorable` (stockout or no data) or `scored`.
    pub status: String,
    /// Actual units.
    pub actual: Option<f64>,
    /// |override − actual|.
    pub override_error: Option<f64>,
    /// |system forecast − actual|.
    pub forecast_error: Option<f64>,
    /// Whether the override beat the system forecast.
    pub improved: Option<bool>,
}

/// A stored override.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastOverride {
    /// Override id.
    pub id: i64,
    /// SKU code.
    pub sku: String,
    /// Channel code.
    pub channel: String,
    /// Monday of the week.
    pub period_start: NaiveDate,
    /// Planner's value (units).
    pub value: f64,
    /// Why.
    pub reason: String,
    /// Who.
    pub user_email: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// System forecast of the week when the override was made.
    pub base_point: Option<f64>,
    /// The override this one replaced.
    pub supersedes_id: Option<i64>,
    /// The override that replaced this one.
    pub superseded_by: Option<i64>,
    /// Whether this is the override in force for its week.
    pub active: bool,
    /// Score against the actual.
    pub score: OverrideScore,
}

/// Every override of a series, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastOverrideList {
    /// Overrides.
    pub overrides: Vec<ForecastOverride>,
}
