//! HTTP routes, one module per area. Every `/api/v1` handler takes [`crate::auth::CurrentUser`]
//! (so it requires a session) and checks its permission.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub mod auth;
pub mod forecasting;
pub mod health;
pub mod reference;
pub mod reports;

/// The documented API routes.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::get_health))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::get_me))
        .routes(routes!(reference::list_regions))
        .routes(routes!(reference::list_channels))
        .routes(routes!(reference::list_products))
        .routes(routes!(reports::get_sales_summary))
        .routes(routes!(reports::get_kpi_overview))
        .routes(routes!(forecasting::series::list_forecast_series))
        .routes(routes!(forecasting::series::get_forecast_series))
        .routes(routes!(forecasting::series::get_forecast_accuracy))
        .routes(routes!(forecasting::series::export_forecast_series))
        .routes(routes!(
            forecasting::overrides::list_forecast_overrides,
            forecasting::overrides::create_forecast_override
        ))
        .routes(routes!(
            forecasting::runs::list_forecast_runs,
            forecasting::runs::create_forecast_run
        ))
        .routes(routes!(forecasting::runs::get_forecast_run))
}
