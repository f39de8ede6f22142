//! Login, logout and the current user.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;
use sentia_store::users::{self, NewSession};

use crate::auth::CurrentUser;
use crate::auth::password;
use crate::auth::session::{
    cookie, new_token, session_lifetime, set_cookie, token_from, token_hash,
};
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json};
use crate::state::AppState;
use crate::views::{LoginRequest, Me};

fn me(u: &CurrentUser) -> Me {
    Me {
        id: u.user.id,
        email: u.user.email.clone(),
        name: u.user.name.clone(),
        role: u.user.role.into(),
        permissions: u.permissions.clone(),
    }
}

/// Signs in with e-mail and password and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", operation_id = "login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    if req.email.len() > 320 || req.password.len() > 1024 {
        return Err(ApiError::InvalidCredentials);
    }
    let user = users::find_by_email(&state.db, req.email.trim()).await?;
    let pw = req.password.clone();
    let phc = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy().to_owned());
    // argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &phc))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => return Err(ApiError::InvalidCredentials),
    };
    let token = new_token();
    let now = Utc::now();
    users::purge_expired_sessions(&state.db, now).await?;
    let lifetime = session_lifetime(user.role);
    users::create_session(
        &state.db,
        NewSession {
            user_id: user.id,
            token_hash: &token_hash(&token),
            now,
            expires_at: now + lifetime,
            ip: Some(peer.ip().to_string()),
            user_agent: headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect()),
        },
    )
    .await?;
    let permissions = users::permissions_of(&state.db, user.role).await?;
    let current = CurrentUser { user, permissions };
    let mut out = HeaderMap::new();
    set_cookie(
        &mut out,
        cookie(Some(&token), lifetime, state.config.secure_cookies),
    );
    Ok((out, Json(me(&current))))
}

/// Ends the current session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", operation_id = "logout", tag = "auth",
    responses((status = 204, description = "Signed out")))]
#[tracing::instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    if let Some(t) = token_from(&headers) {
        users::delete_session(&state.db, &token_hash(&t)).await?;
    }
    let mut out = HeaderMap::new();
    set_cookie(
        &mut out,
        cookie(None, chrono::Duration::zero(), state.config.secure_cookies),
    );
    Ok((StatusCode::NO_CONTENT, out))
}

/// The signed-in user and their permissions.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "get_me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_me(user: CurrentUser) -> ApiResult<Json<Me>> {
    Ok(Json(me(&user)))
}
