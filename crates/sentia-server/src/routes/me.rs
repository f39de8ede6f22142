//! The signed-in user's own sessions: list them and end any of them.

use axum::extract::State;
use axum::http::StatusCode;

use super::admin::{SessionList, session_view};
use crate::auth::{CurrentUser, RequestMeta};
use crate::error::{ApiErrorBody, ApiResult, Json, Path};
use crate::state::AppState;

/// The caller's live sessions, newest first; `current` marks the one making this request.
#[utoipa::path(get, path = "/api/v1/me/sessions", operation_id = "list_my_sessions", tag = "auth",
    responses((status = 200, body = SessionList), (status = 401, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_my_sessions(
    user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<SessionList>> {
    let now = sentia_store::db_time(state.clock.now());
    let list = sentia_store::users::list_sessions(&state.db, Some(user.user.id), now).await?;
    Ok(Json(SessionList {
        sessions: list
            .into_iter()
            .map(|s| session_view(s, user.session_id))
            .collect(),
    }))
}

/// Ends one of the caller's sessions (their current one included); someone else's session
/// is answered 404 like a missing one.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", operation_id = "revoke_my_session", tag = "auth",
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 204, description = "Ended"), (status = 401, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn revoke_my_session(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    super::admin::revoke(&state, &user, &meta, id, Some(user.user.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
