//! Login, logout and the current user.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, Utc};
use sentia_store::audit;
use sentia_store::users::{self, NewSession};

use crate::auth::session::{
    MAX_SESSIONS_PER_USER, cookie, idle_timeout, new_token, session_lifetime, set_cookie,
    token_from, token_hash,
};
use crate::auth::{CurrentUser, RequestMeta};
use crate::auth::{mfa, password};
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json};
use crate::state::AppState;
use crate::views::{LoginRequest, Me, MfaCode};

/// Failed sign-ins for one e-mail within [`LOCKOUT_WINDOW`] that lock it.
pub const LOCKOUT_THRESHOLD: u64 = 5;

/// The sliding window failed sign-ins are counted over; a lockout lasts until the oldest of
/// the counted failures leaves it.
pub const LOCKOUT_WINDOW: Duration = Duration::minutes(15);

/// When the lockout of an e-mail ends, if it is locked at `now`. Attempts refused while
/// locked are not recorded, so retrying does not extend the lockout.
async fn locked_until(
    state: &AppState,
    email: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<DateTime<Utc>>> {
    let recent =
        users::recent_login_failures(&state.db, email, now - LOCKOUT_WINDOW, LOCKOUT_THRESHOLD)
            .await?;
    Ok((recent.len() as u64 >= LOCKOUT_THRESHOLD)
        .then(|| recent.last().map(|oldest| *oldest + LOCKOUT_WINDOW))
        .flatten())
}

/// The API view of a signed-in user.
pub fn me(u: &CurrentUser) -> Me {
    Me {
        id: u.user.id,
        email: u.user.email.clone(),
        name: u.user.name.clone(),
        role: u.user.role.into(),
        mfa_enabled: u.mfa_enabled,
        mfa_pending: u.mfa_pending(),
        mfa_required: u.permissions.iter().any(|p| p.starts_with("admin:")),
        step_up_until: u.step_up_until(),
        permissions: if u.mfa_pending() {
            vec![]
        } else {
            u.permissions.clone()
        },
    }
}

/// Finishes a sign-in with the second factor, or steps up an existing session: checks a
/// TOTP code (each time step accepted once) or an unused recovery code, and records the
/// check on the session — admin changes and exports are then allowed for 5 minutes.
/// Five wrong codes in 15 minutes lock code entry (429).
#[utoipa::path(post, path = "/api/v1/auth/mfa/verify", operation_id = "verify_mfa", tag = "auth",
    request_body = MfaCode,
    responses((status = 200, body = Me), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 409, description = "Two-factor sign-in is not set up", body = ApiErrorBody),
        (status = 422, description = "Wrong or already used code", body = ApiErrorBody),
        (status = 429, description = "Too many wrong codes; see `Retry-After`", body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn verify_mfa(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(body): Json<MfaCode>,
) -> ApiResult<Json<Me>> {
    let purpose = if user.mfa_pending() {
        "sign_in"
    } else {
        "step_up"
    };
    mfa::verify(&state, &user, &meta, &body.code, purpose).await?;
    let mut user = user;
    user.mfa_at = Some(state.now());
    Ok(Json(me(&user)))
}

/// Signs in with e-mail and password and sets the session cookie.
///
/// After [`LOCKOUT_THRESHOLD`] failures for an e-mail within [`LOCKOUT_WINDOW`] every sign-in
/// for it, even with the right password, is answered 429 `account_locked` with `Retry-After`
/// until the window has passed — for unknown e-mails too, so a lockout reveals nothing. A
/// successful sign-in clears the e-mail's failures and revokes the user's oldest sessions
/// beyond [`MAX_SESSIONS_PER_USER`]. For a user with two-factor sign-in the answer has
/// `mfa_pending: true` and the session reaches nothing until `POST /api/v1/auth/mfa/verify`.
#[utoipa::path(post, path = "/api/v1/auth/login", operation_id = "login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
        (status = 403, description = "Sent from a page of another origin", body = ApiErrorBody),
        (status = 429, description = "Locked after repeated failures; see `Retry-After`", body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    meta: RequestMeta,
    Json(req): Json<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    if req.email.len() > 320 || req.password.len() > 1024 {
        return Err(ApiError::InvalidCredentials);
    }
    let email = req.email.trim().to_lowercase();
    // Stored instants are truncated to microseconds; compare like with like.
    let now = state.now();
    if let Some(until) = locked_until(&state, &email, now).await? {
        let secs = (until - now).num_seconds().max(1);
        tracing::warn!("sign-in refused: e-mail locked after repeated failures");
        let mut e = meta.entry(now, None, "auth.login_locked", "session", None);
        e.context.subject = Some(email.clone());
        audit::record(&state.db, &e).await?;
        return Err(ApiError::AccountLocked {
            retry_after_secs: u64::try_from(secs).unwrap_or(1),
        });
    }
    let user = users::find_by_email(&state.db, &email).await?;
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
        other => {
            let reason = match &other {
                None => "unknown_email",
                Some(u) if !u.active => "inactive",
                Some(_) => "wrong_password",
            };
            let mut e = meta
                .entry(
                    now,
                    other.as_ref().map(|u| u.id),
                    "auth.login_failed",
                    "session",
                    None,
                )
                .details(serde_json::json!({ "reason": reason }));
            e.context.subject = Some(email.clone());
            audit::record(&state.db, &e).await?;
            users::record_login_failure(
                &state.db,
                &email,
                now,
                Some(peer.ip().to_string()),
                now - LOCKOUT_WINDOW,
            )
            .await?;
            if locked_until(&state, &email, now).await?.is_some() {
                let mut e = meta
                    .entry(
                        now,
                        other.as_ref().map(|u| u.id),
                        "auth.lockout",
                        "session",
                        None,
                    )
                    .details(serde_json::json!({
                        "failures": LOCKOUT_THRESHOLD,
                        "window_minutes": LOCKOUT_WINDOW.num_minutes(),
                    }));
                e.context.subject = Some(email.clone());
                audit::record(&state.db, &e).await?;
            }
            return Err(ApiError::InvalidCredentials);
        }
    };
    users::clear_login_failures(&state.db, &email).await?;
    let (out, me) = start_session(&state, user, &meta, "password", now).await?;
    Ok((out, Json(me)))
}

/// Opens a session for a user who has proved who they are (by password, or at an external
/// provider): revokes their oldest sessions beyond [`MAX_SESSIONS_PER_USER`], audits the
/// sign-in, and returns the session cookie and the user as the API shows them — pending
/// until the second factor when the user has two-factor sign-in.
pub async fn start_session(
    state: &AppState,
    user: users::User,
    meta: &RequestMeta,
    method: &str,
    now: DateTime<Utc>,
) -> ApiResult<(HeaderMap, Me)> {
    let token = new_token();
    users::purge_expired_sessions(&state.db, now).await?;
    let lifetime = session_lifetime(user.role);
    let session_id = users::create_session(
        &state.db,
        NewSession {
            user_id: user.id,
            token_hash: &token_hash(&token),
            now,
            expires_at: now + lifetime,
            ip: meta.ip.clone(),
            user_agent: meta.user_agent.clone(),
        },
    )
    .await?;
    let revoked = users::prune_sessions(
        &state.db,
        user.id,
        MAX_SESSIONS_PER_USER,
        now - idle_timeout(user.role),
    )
    .await?;
    if revoked > 0 {
        tracing::info!(revoked, "older sessions revoked at sign-in");
    }
    audit::record(
        &state.db,
        &meta
            .entry(
                now,
                Some(user.id),
                "auth.login",
                "session",
                Some(session_id.to_string()),
            )
            .details(serde_json::json!({ "method": method, "revoked_sessions": revoked })),
    )
    .await?;
    let permissions = users::permissions_of(&state.db, user.role).await?;
    let mfa_enabled = sentia_store::mfa::state(&state.db, user.id)
        .await?
        .enabled_at
        .is_some();
    let current = CurrentUser {
        session_id,
        token_id: None,
        bearer: false,
        mfa_enabled,
        mfa_at: None,
        user,
        permissions,
    };
    let mut out = HeaderMap::new();
    set_cookie(
        &mut out,
        cookie(Some(&token), lifetime, state.config.secure_cookies),
    );
    Ok((out, me(&current)))
}

/// Ends the current session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", operation_id = "logout", tag = "auth",
    responses((status = 204, description = "Signed out"),
        (status = 403, description = "Sent from a page of another origin", body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: RequestMeta,
) -> ApiResult<impl IntoResponse> {
    if let Some(t) = token_from(&headers) {
        let now = state.now();
        if let Some(p) = users::session_principal(&state.db, &token_hash(&t), now).await? {
            users::delete_session_by_id(&state.db, p.session_id).await?;
            audit::record(
                &state.db,
                &meta.entry(
                    now,
                    Some(p.user.id),
                    "auth.logout",
                    "session",
                    Some(p.session_id.to_string()),
                ),
            )
            .await?;
        } else {
            users::delete_session(&state.db, &token_hash(&t)).await?;
        }
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
