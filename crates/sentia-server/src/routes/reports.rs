//! Sales summary and executive KPIs.

use axum::extract::State;

use crate::auth::CurrentUser;
use crate::error::{ApiErrorBody, ApiResult, Json, Query};
use crate::reporting::query::{OverviewParams, Report, ReportParams, overview, summary};
use crate::state::AppState;
use crate::views::{KpiOverview, SalesSummary};

/// Revenue, units and gross margin over time, grouped and filtered, in a reporting currency.
#[utoipa::path(get, path = "/api/v1/sales/summary", operation_id = "get_sales_summary", tag = "sales",
    params(ReportParams),
    responses((status = 200, body = SalesSummary), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_sales_summary(
    _user: CurrentUser,
    State(state): State<AppState>,
    Query(p): Query<ReportParams>,
) -> ApiResult<Json<SalesSummary>> {
    let cube = state.cube.get(&state.db, state.events.latest()).await?;
    let report = Report::parse(&p, &cube)?;
    Ok(Json(summary(&cube, &report)))
}

/// Revenue, units, gross margin %, inventory value and stock cover, each with the previous
/// period of equal length.
#[utoipa::path(get, path = "/api/v1/kpis/overview", operation_id = "get_kpi_overview", tag = "sales",
    params(OverviewParams),
    responses((status = 200, body = KpiOverview), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_kpi_overview(
    _user: CurrentUser,
    State(state): State<AppState>,
    Query(p): Query<OverviewParams>,
) -> ApiResult<Json<KpiOverview>> {
    let cube = state.cube.get(&state.db, state.events.latest()).await?;
    let report = Report::parse(&ReportParams::from(p), &cube)?;
    Ok(Json(overview(&cube, &report)))
}
