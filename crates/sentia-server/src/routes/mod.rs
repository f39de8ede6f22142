//! HTTP routes, one module per area, and [`ACCESS`]: what every route requires. The
//! [`crate::auth::authorize`] middleware enforces it before a handler (or its body
//! extractor) runs, and a test fails when a documented route has no entry here.

use axum::http::Method;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub mod admin;
pub mod auth;
pub mod events;
pub mod forecasting;
pub mod health;
pub mod imports;
pub mod jobs;
pub mod me;
pub mod oidc;
pub mod reference;
pub mod reports;
pub mod sources;
pub mod webhooks;

/// What a route requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (their own account and sessions).
    SignedIn,
    /// Any session, even one still awaiting its second factor (to finish signing in).
    Pending,
    /// A signed-in user whose role holds this permission in the matrix.
    Permission(&'static str),
    /// As [`Access::Permission`], and a second-factor check within the last 5 minutes
    /// (step-up): admin changes and exports of personal or financial data.
    StepUp(&'static str),
}

/// The routes open to anyone (method, path).
pub fn public_routes() -> impl Iterator<Item = (&'static Method, &'static str)> {
    ACCESS
        .iter()
        .filter(|(_, _, a)| *a == Access::Public)
        .map(|(m, p, _)| (m, *p))
}

/// Every API route (method, path as in the OpenAPI document) and what it requires.
pub const ACCESS: &[(Method, &str, Access)] = &[
    (Method::GET, "/api/health", Access::Public),
    (Method::POST, "/api/v1/auth/login", Access::Public),
    (Method::POST, "/api/v1/auth/logout", Access::Public),
    (Method::GET, "/api/v1/auth/providers", Access::Public),
    // Signed by the source, checked by the handler.
    (Method::POST, "/api/v1/webhooks/shopify", Access::Public),
    (Method::POST, "/api/v1/webhooks/xero", Access::Public),
    (
        Method::GET,
        "/api/v1/sources",
        Access::Permission("data:read"),
    ),
    (
        Method::PUT,
        "/api/v1/sources/{code}",
        Access::StepUp("data:configure"),
    ),
    (
        Method::POST,
        "/api/v1/sources/{code}/sync",
        Access::Permission("data:execute"),
    ),
    (
        Method::POST,
        "/api/v1/sources/{code}/reconcile",
        Access::Permission("data:execute"),
    ),
    (
        Method::GET,
        "/api/v1/admin/jobs",
        Access::Permission("admin:read"),
    ),
    (
        Method::POST,
        "/api/v1/admin/jobs/{id}/retry",
        Access::StepUp("admin:write"),
    ),
    (
        Method::POST,
        "/api/v1/admin/jobs/{id}/discard",
        Access::StepUp("admin:write"),
    ),
    (
        Method::GET,
        "/api/v1/events",
        Access::Permission("dashboard:read"),
    ),
    (Method::GET, "/api/v1/auth/oidc/start", Access::Public),
    (Method::GET, "/api/v1/auth/oidc/callback", Access::Public),
    (Method::GET, "/api/v1/me", Access::Pending),
    (Method::POST, "/api/v1/auth/mfa/verify", Access::Pending),
    (Method::POST, "/api/v1/me/mfa/enroll", Access::SignedIn),
    (Method::POST, "/api/v1/me/mfa/confirm", Access::SignedIn),
    (
        Method::POST,
        "/api/v1/admin/users/{id}/reset-mfa",
        Access::StepUp("admin:write"),
    ),
    (Method::GET, "/api/v1/features", Access::SignedIn),
    (
        Method::GET,
        "/api/v1/admin/features",
        Access::Permission("admin:read"),
    ),
    (
        Method::PUT,
        "/api/v1/admin/features/{key}",
        Access::StepUp("admin:write"),
    ),
    (Method::GET, "/api/v1/me/tokens", Access::SignedIn),
    (Method::POST, "/api/v1/me/tokens", Access::SignedIn),
    (Method::DELETE, "/api/v1/me/tokens/{id}", Access::SignedIn),
    (
        Method::GET,
        "/api/v1/admin/tokens",
        Access::Permission("admin:read"),
    ),
    (
        Method::DELETE,
        "/api/v1/admin/tokens/{id}",
        Access::StepUp("admin:write"),
    ),
    (Method::GET, "/api/v1/me/sessions", Access::SignedIn),
    (Method::DELETE, "/api/v1/me/sessions/{id}", Access::SignedIn),
    (
        Method::GET,
        "/api/v1/regions",
        Access::Permission("dashboard:read"),
    ),
    (
        Method::GET,
        "/api/v1/channels",
        Access::Permission("dashboard:read"),
    ),
    (
        Method::GET,
        "/api/v1/products",
        Access::Permission("inventory:read"),
    ),
    (
        Method::GET,
        "/api/v1/sales/summary",
        Access::Permission("dashboard:read"),
    ),
    (
        Method::GET,
        "/api/v1/kpis/overview",
        Access::Permission("dashboard:read"),
    ),
    (
        Method::GET,
        "/api/v1/forecasting/series",
        Access::Permission("forecasting:read"),
    ),
    (
        Method::GET,
        "/api/v1/forecasting/series/{sku}/{channel}",
        Access::Permission("forecasting:read"),
    ),
    (
        Method::GET,
        "/api/v1/forecasting/series/{sku}/{channel}/accuracy",
        Access::Permission("forecasting:read"),
    ),
    (
        Method::GET,
        "/api/v1/forecasting/series/{sku}/{channel}/export",
        Access::Permission("forecasting:read"),
    ),
    (
        Method::GET,
        "/api/v1/forecasting/series/{sku}/{channel}/overrides",
        Access::Permission("forecasting:read"),
    ),
    (
        Method::POST,
        "/api/v1/forecasting/series/{sku}/{channel}/overrides",
        Access::Permission("forecasting:write"),
    ),
    (
        Method::GET,
        "/api/v1/forecasting/runs",
        Access::Permission("forecasting:read"),
    ),
    (
        Method::POST,
        "/api/v1/forecasting/runs",
        Access::Permission("forecasting:execute"),
    ),
    (
        Method::GET,
        "/api/v1/forecasting/runs/{id}",
        Access::Permission("forecasting:read"),
    ),
    (
        Method::GET,
        "/api/v1/admin/permissions",
        Access::Permission("admin:read"),
    ),
    (
        Method::PUT,
        "/api/v1/admin/roles/{role}/permissions",
        Access::StepUp("admin:write"),
    ),
    (
        Method::GET,
        "/api/v1/admin/users",
        Access::Permission("admin:read"),
    ),
    (
        Method::POST,
        "/api/v1/admin/users",
        Access::StepUp("admin:write"),
    ),
    (
        Method::PATCH,
        "/api/v1/admin/users/{id}",
        Access::StepUp("admin:write"),
    ),
    (
        Method::POST,
        "/api/v1/admin/users/{id}/erase",
        Access::StepUp("admin:write"),
    ),
    (
        Method::GET,
        "/api/v1/admin/users/{id}/export",
        Access::StepUp("admin:read"),
    ),
    (
        Method::GET,
        "/api/v1/admin/sessions",
        Access::Permission("admin:read"),
    ),
    (
        Method::DELETE,
        "/api/v1/admin/sessions/{id}",
        Access::StepUp("admin:write"),
    ),
    (
        Method::GET,
        "/api/v1/admin/audit",
        Access::Permission("admin:read"),
    ),
    (
        Method::GET,
        "/api/v1/admin/audit/export",
        Access::StepUp("admin:read"),
    ),
    (
        Method::GET,
        "/api/v1/admin/audit/verify",
        Access::Permission("admin:read"),
    ),
    (
        Method::GET,
        "/api/v1/admin/health",
        Access::Permission("admin:read"),
    ),
    (
        Method::GET,
        "/api/v1/imports",
        Access::Permission("data:read"),
    ),
    (
        Method::GET,
        "/api/v1/imports/templates/{kind}",
        Access::Permission("data:read"),
    ),
    (
        Method::POST,
        "/api/v1/imports/{kind}",
        Access::Permission("data:execute"),
    ),
];

/// What a route requires; `None` for a route missing from [`ACCESS`] (refused). HEAD is
/// answered by the GET route.
pub fn access_of(method: &Method, path: &str) -> Option<Access> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    ACCESS
        .iter()
        .find(|(m, p, _)| m == method && *p == path)
        .map(|(_, _, a)| *a)
}

/// The documented API routes.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::get_health))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(events::stream_events))
        .routes(routes!(webhooks::shopify))
        .routes(routes!(webhooks::xero))
        .routes(routes!(sources::list_sources))
        .routes(routes!(sources::update_source))
        .routes(routes!(sources::sync_source))
        .routes(routes!(sources::reconcile_source))
        .routes(routes!(jobs::list_jobs))
        .routes(routes!(jobs::retry_job))
        .routes(routes!(jobs::discard_job))
        .routes(routes!(oidc::providers))
        .routes(routes!(oidc::start))
        .routes(routes!(oidc::callback))
        .routes(routes!(auth::get_me))
        .routes(routes!(auth::verify_mfa))
        .routes(routes!(me::enroll_mfa))
        .routes(routes!(me::confirm_mfa))
        .routes(routes!(admin::reset_mfa))
        .routes(routes!(me::list_my_features))
        .routes(routes!(admin::list_feature_flags))
        .routes(routes!(admin::set_feature_flag))
        .routes(routes!(me::list_my_tokens, me::create_my_token))
        .routes(routes!(me::revoke_my_token))
        .routes(routes!(admin::list_tokens))
        .routes(routes!(admin::revoke_token))
        .routes(routes!(me::list_my_sessions))
        .routes(routes!(me::revoke_my_session))
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
        .routes(routes!(admin::get_permission_matrix))
        .routes(routes!(admin::set_role_permissions))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::update_user))
        .routes(routes!(admin::erase_user))
        .routes(routes!(admin::export_user))
        .routes(routes!(admin::list_sessions))
        .routes(routes!(admin::revoke_session))
        .routes(routes!(admin::list_audit))
        .routes(routes!(admin::export_audit))
        .routes(routes!(admin::verify_audit))
        .routes(routes!(admin::get_system_health))
        .routes(routes!(imports::list_imports))
        .routes(routes!(imports::get_import_template))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(imports::create_import))
                .layer(axum::extract::DefaultBodyLimit::max(
                    imports::MAX_IMPORT_BYTES,
                )),
        )
}
