//! Forecasting: series with their forecasts, model comparison, accuracy over time, planner
//! overrides, CSV export and forecast runs.

pub mod overrides;
pub mod runs;
pub mod series;
pub mod views;

use std::sync::Arc;

use sentia_store::forecasting::history::{DemandHistory, DemandSeries};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The demand history, or 503 while there is none.
pub(crate) async fn history(state: &AppState) -> ApiResult<Arc<DemandHistory>> {
    state
        .history
        .get(&state.db)
        .await?
        .ok_or_else(|| ApiError::Unavailable("there is no demand history yet".into()))
}

/// The series of `sku` × `channel`, or 404 naming the unknown part.
pub(crate) fn find_series<'h>(
    h: &'h DemandHistory,
    sku: &str,
    channel: &str,
) -> ApiResult<&'h DemandSeries> {
    if let Some(s) = h.find(sku, channel) {
        return Ok(s);
    }
    if !h.series.iter().any(|s| s.sku == sku) {
        Err(ApiError::missing("sku", format!("no finished SKU '{sku}'")))
    } else {
        Err(ApiError::missing(
            "channel",
            format!("no channel '{channel}'"),
        ))
    }
}
