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
    let now = state.now();
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
    sentia_store::mfa::set_pending(&state.db, user.user.id, &mfa::seal(&state, &secret)).await?;
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
    if user.mfa_enabled {
        return Err(crate::error::ApiError::Conflict(
            "two-factor sign-in is already set up".into(),
        ));
    }
    let st = sentia_store::mfa::state(&state.db, user.user.id).await?;
    let sealed = st.pending_secret.ok_or_else(|| {
        crate::error::ApiError::Conflict(
            "start an enrolment first (POST /api/v1/me/mfa/enroll)".into(),
        )
    })?;
    let secret = mfa::open(&state, &sealed)?;
    let now = state.now();
    let step = mfa::matching_step(&secret, body.code.trim(), now)?.ok_or_else(|| {
        crate::error::ApiError::unprocessable(
            "code",
            "does not match the new secret; enter the current code from your app",
        )
    })?;
    let codes = mfa::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| mfa::recovery_hash(c)).collect();
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(sentia_store::StoreError::from)?;
    sentia_store::mfa::enable(&txn, user.user.id, &sealed, step, now, &hashes).await?;
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

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ApiTokenView {
    /// Id.
    pub id: i64,
    /// Owner's e-mail.
    pub user_email: String,
    /// What it is for.
    pub name: String,
    /// Permission codes it may use (while the owner's role holds them).
    pub scopes: Vec<String>,
    /// Made.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Ends.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Last used (to about a minute).
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Revoked.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// API tokens.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ApiTokenList {
    /// Newest first.
    pub tokens: Vec<ApiTokenView>,
}

/// A token to make.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiToken {
    /// What it is for (1–100 characters).
    pub name: String,
    /// Permission codes it may use: some of the caller's own, none of `admin:`.
    pub scopes: Vec<String>,
    /// Days until it ends, 1–365.
    pub expires_in_days: u32,
}

/// A new token: `token` is shown this once.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CreatedApiToken {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The stored token.
    pub info: ApiTokenView,
}

/// The API view of a stored token.
pub fn token_view(t: sentia_store::api_tokens::ApiToken) -> ApiTokenView {
    ApiTokenView {
        id: t.id,
        user_email: t.user_email,
        name: t.name,
        scopes: t.scopes,
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
        revoked_at: t.revoked_at,
    }
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/me/tokens", operation_id = "list_my_tokens", tag = "auth",
    responses((status = 200, body = ApiTokenList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_my_tokens(
    user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<ApiTokenList>> {
    let list = sentia_store::api_tokens::list(&state.db, Some(user.user.id)).await?;
    Ok(Json(ApiTokenList {
        tokens: list.into_iter().map(token_view).collect(),
    }))
}

/// Makes an API token for a machine, limited to some of the caller's permissions (never
/// administration, which needs a second factor) and to at most a year.
#[utoipa::path(post, path = "/api/v1/me/tokens", operation_id = "create_my_token", tag = "auth",
    request_body = CreateApiToken,
    responses((status = 201, body = CreatedApiToken), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn create_my_token(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(body): Json<CreateApiToken>,
) -> ApiResult<(StatusCode, Json<CreatedApiToken>)> {
    use crate::error::ApiError;
    crate::auth::require_feature(&state, &user, "api_tokens").await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::unprocessable(
            "name",
            "must be 1 to 100 characters",
        ));
    }
    if !(1..=365).contains(&body.expires_in_days) {
        return Err(ApiError::unprocessable(
            "expires_in_days",
            "must be 1 to 365",
        ));
    }
    let mut scopes = body.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::unprocessable(
            "scopes",
            "name at least one permission",
        ));
    }
    if let Some(a) = scopes.iter().find(|s| s.starts_with("admin:")) {
        return Err(ApiError::unprocessable(
            "scopes",
            format!("{a}: administration needs a second factor, which tokens do not have"),
        ));
    }
    if let Some(missing) = scopes.iter().find(|s| !user.permissions.contains(s)) {
        return Err(ApiError::unprocessable(
            "scopes",
            format!("{missing} is not one of your permissions"),
        ));
    }
    let token = format!(
        "{}{}",
        crate::auth::session::API_TOKEN_PREFIX,
        crate::auth::session::new_token()
    );
    let now = state.now();
    let expires = now + chrono::Duration::days(i64::from(body.expires_in_days));
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(sentia_store::StoreError::from)?;
    let saved = sentia_store::api_tokens::create(
        &txn,
        user.user.id,
        name,
        &crate::auth::session::token_hash(&token),
        &scopes,
        now,
        expires,
    )
    .await?;
    sentia_store::audit::append(
        &txn,
        &meta
            .entry(
                now,
                Some(user.user.id),
                "api_token.create",
                "api_token",
                Some(saved.id.to_string()),
            )
            .details(serde_json::json!({ "scopes": scopes, "expires_at": expires })),
    )
    .await?;
    txn.commit().await.map_err(sentia_store::StoreError::from)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiToken {
            token,
            info: token_view(saved),
        }),
    ))
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", operation_id = "revoke_my_token", tag = "auth",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn revoke_my_token(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    revoke_token(&state, &user, &meta, id, Some(user.user.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes token `id` (of `owner` only, when given) and audits it, in one transaction.
pub(crate) async fn revoke_token(
    state: &AppState,
    user: &CurrentUser,
    meta: &RequestMeta,
    id: i64,
    owner: Option<i64>,
) -> ApiResult<()> {
    let now = state.now();
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(sentia_store::StoreError::from)?;
    sentia_store::api_tokens::revoke(&txn, id, owner, now).await?;
    sentia_store::audit::append(
        &txn,
        &meta.entry(
            now,
            Some(user.user.id),
            "api_token.revoke",
            "api_token",
            Some(id.to_string()),
        ),
    )
    .await?;
    txn.commit().await.map_err(sentia_store::StoreError::from)?;
    Ok(())
}

/// A feature flag as it applies to the caller.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FeatureState {
    /// Key.
    pub key: String,
    /// What it switches.
    pub description: String,
    /// Whether it is on for the caller's role.
    pub enabled: bool,
}

/// Feature flags for the caller.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FeatureList {
    /// By key.
    pub features: Vec<FeatureState>,
}

/// Which features are on for the caller (the web app hides the rest; the server refuses
/// them regardless).
#[utoipa::path(get, path = "/api/v1/features", operation_id = "list_my_features", tag = "auth",
    responses((status = 200, body = FeatureList), (status = 401, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_my_features(
    user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<FeatureList>> {
    let flags = sentia_store::features::list(&state.db).await?;
    Ok(Json(FeatureList {
        features: flags
            .into_iter()
            .map(|f| FeatureState {
                enabled: f.on_for(user.user.role),
                key: f.key,
                description: f.description,
            })
            .collect(),
    }))
}
