//! The signed-in user's own account: their sessions (list, end) and setting up two-factor
//! sign-in.

use axum::extract::State;
use axum::http::StatusCode;

use super::admin::{SessionList, session_view};
use crate::auth::{CurrentUser, RequestMeta, mfa};
use crate::error::{ApiErrorBody, ApiResult, Json, Path};
use crate::state::AppState;
use crate::views::MfaCode;

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

/// A new two-factor enrolment: the secret to add to an authenticator app.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MfaEnrollment {
    /// The secret, base32 (to type in when the QR code cannot be scanned).
    pub secret: String,
    /// The `otpauth://` URL.
    pub otpauth_url: String,
    /// The URL as an SVG QR code.
    pub qr_svg: String,
}

/// Codes that each sign in once when the authenticator app is lost.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Shown once; only their hashes are kept.
    pub codes: Vec<String>,
}

/// Starts setting up two-factor sign-in: issues a secret (replacing an unconfirmed one).
/// Refused (409) when it is already set up: an admin resets it first.
#[utoipa::path(post, path = "/api/v1/me/mfa/enroll", operation_id = "enroll_mfa", tag = "auth",
    responses((status = 200, body = MfaEnrollment), (status = 401, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn enroll_mfa(
    user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<MfaEnrollment>> {
    if user.mfa_enabled {
        return Err(crate::error::ApiError::Conflict(
            "two-factor sign-in is already set up".into(),
        ));
    }
    let secret = mfa::new_secret();
    sentia_store::mfa::set_pending(&state.db, user.user.id, &secret).await?;
    let url = mfa::otpauth_url(&secret, &user.user.email)?;
    Ok(Json(MfaEnrollment {
        qr_svg: mfa::qr_svg(&url)?,
        otpauth_url: url,
        secret,
    }))
}

/// Confirms the enrolment with a first code from the app: two-factor sign-in is on from
/// now, this session counts as checked, and ten recovery codes are returned, once.
#[utoipa::path(post, path = "/api/v1/me/mfa/confirm", operation_id = "confirm_mfa", tag = "auth",
    request_body = MfaCode,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn confirm_mfa(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(body): Json<MfaCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    use sea_orm::TransactionTrait;
    if user.mfa_enabled {
        return Err(crate::error::ApiError::Conflict(
            "two-factor sign-in is already set up".into(),
        ));
    }
    let st = sentia_store::mfa::state(&state.db, user.user.id).await?;
    let secret = st.pending_secret.ok_or_else(|| {
        crate::error::ApiError::Conflict(
            "start an enrolment first (POST /api/v1/me/mfa/enroll)".into(),
        )
    })?;
    let now = sentia_store::db_time(state.clock.now());
    let step = mfa::matching_step(&secret, body.code.trim(), now)?.ok_or_else(|| {
        crate::error::ApiError::unprocessable(
            "code",
            "does not match the new secret; enter the current code from your app",
        )
    })?;
    let codes = mfa::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| mfa::recovery_hash(c)).collect();
    let txn = state
        .db
        .begin()
        .await
        .map_err(sentia_store::StoreError::from)?;
    sentia_store::mfa::enable(&txn, user.user.id, &secret, step, now, &hashes).await?;
    sentia_store::mfa::mark_session(&txn, user.session_id, now).await?;
    sentia_store::audit::append(
        &txn,
        &meta.entry(
            now,
            Some(user.user.id),
            "mfa.enroll",
            "user",
            Some(user.user.id.to_string()),
        ),
    )
    .await?;
    txn.commit().await.map_err(sentia_store::StoreError::from)?;
    Ok(Json(RecoveryCodes { codes }))
}
