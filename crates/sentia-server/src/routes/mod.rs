//! HTTP routes, one module per area. Every `/api/v1` handler takes [`crate::auth::CurrentUser`]
//! (so it requires a session) and checks its permission.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub mod auth;
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
}
