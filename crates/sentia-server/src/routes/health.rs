//! Liveness and readiness.

use axum::extract::State;

use crate::error::{ApiResult, Json};
use crate::state::AppState;
use crate::views::Health;

/// Reports whether the server and its database answer.
#[utoipa::path(get, path = "/api/health", operation_id = "get_health", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    sentia_store::ping(&state.db)
        .await
        .map_err(|_| crate::error::ApiError::Unavailable("database unreachable".into()))?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
