//! Scoring stored forecasts and planner overrides against the actuals that arrived after
//! them. Censored weeks (stockouts) and gaps are not scored: their sales are not demand.

use std::collections::HashMap;

use chrono::NaiveDate;
use sentia_store::forecasting::history::DemandSeries;
use sentia_store::forecasting::{Override, StoredForecast};

/// Accuracy of one stored forecast over the periods that have actuals now.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastAccuracy {
    /// Forecast id.
    pub forecast_id: i64,
    /// Run that made it.
    pub run_id: i64,
    /// Last period of history it saw.
    pub origin_date: NaiveDate,
    /// Periods scored.
    pub scored: usize,
    /// Mean absolute percentage error over periods with non-zero actuals, percent.
    pub mape: Option<f64>,
    /// Weighted absolute percentage error, percent.
    pub wape: Option<f64>,
    /// Mean absolute error.
    pub mae: Option<f64>,
    /// Sum of actual units scored.
    pub actual_units: f64,
    /// Sum of forecast units over the same periods.
    pub forecast_units: f64,
}

/// Usable actual per period start.
pub fn actuals(series: &DemandSeries) -> HashMap<NaiveDate, f64> {
    series
        .periods
        .iter()
        .filter(|p| !p.censored)
        .filter_map(|p| Some((p.start, p.units?)))
        .collect()
}

/// Accuracy of each forecast that has at least one scored period, oldest origin first.
pub fn forecast_accuracy(
    forecasts: &[StoredForecast],
    actuals: &HashMap<NaiveDate, f64>,
) -> Vec<ForecastAccuracy> {
    let mut out: Vec<ForecastAccuracy> = forecasts
        .iter()
        .filter_map(|f| {
            let pairs: Vec<(f64, f64)> = f
                .forecast
                .points
                .iter()
                .filter_map(|p| Some((*actuals.get(&p.period_start)?, p.point)))
                .collect();
            if pairs.is_empty() {
                return None;
            }
            let abs: f64 = pairs.iter().map(|(a, f)| (a - f).abs()).sum();
            let actual_units: f64 = pairs.iter().map(|(a, _)| a).sum();
            let pct: Vec<f64> = pairs
                .iter()
                .filter(|(a, _)| *a > 0.0)
                .map(|(a, f)| 100.0 * (a - f).abs() / a)
                .collect();
            Some(ForecastAccuracy {
                forecast_id: f.id,
                run_id: f.run_id,
                origin_date: f.forecast.origin_date,
                scored: pairs.len(),
                mape: (!pct.is_empty()).then(|| pct.iter().sum::<f64>() / pct.len() as f64),
                wape: (actual_units > 0.0).then(|| 100.0 * abs / actual_units),
                mae: Some(abs / pairs.len() as f64),
                actual_units,
                forecast_units: pairs.iter().map(|(_, f)| f).sum(),
            })
        })
        .collect();
    out.sort_by_key(|a| (a.origin_date, a.forecast_id));
    out
}

/// How an override did against the actual of its period.
#[derive(Debug, Clone, PartialEq)]
pub struct OverrideScore {
    /// `pending` (period not complete yet), `unscorable` (stockout or no data) or `scored`.
    pub status: &'static str,
    /// Actual units of the period.
    pub actual: Option<f64>,
    /// |override − actual|.
    pub override_error: Option<f64>,
    /// |system forecast − actual|.
    pub forecast_error: Option<f64>,
    /// Whether the override was closer than the system forecast.
    pub improved: Option<bool>,
}

/// Scores an override once its period's actual is known.
pub fn score_override(o: &Override, series: &DemandSeries) -> OverrideScore {
    let period = series
        .periods
        .iter()
        .find(|p| p.start == o.record.period_start);
    let Some(p) = period else {
        return OverrideScore {
            status: "pending",
            actual: None,
            override_error: None,
            forecast_error: None,
            improved: None,
        };
    };
    match p.units.filter(|_| !p.censored) {
        None => OverrideScore {
            status: "unscorable",
            actual: p.units,
            override_error: None,
            forecast_error: None,
            improved: None,
        },
        Some(a) => {
            let oe = (o.record.value - a).abs();
            let fe = o.record.base_point.map(|b| (b - a).abs());
            OverrideScore {
                status: "scored",
                actual: Some(a),
                override_error: Some(oe),
                forecast_error: fe,
                improved: fe.map(|fe| oe < fe),
            }
        }
    }
}
