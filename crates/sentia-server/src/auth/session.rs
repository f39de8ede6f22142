//! Session cookies and the signed-in user extractor.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Duration, Utc};
use sentia_core::reference::Role;
use sentia_store::users::{self, User};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sentia_session";

/// How long a session lasts, by role (the seeds' policy: ADMIN 4 h, MANAGER 8 h, others 12 h).
pub fn session_lifetime(role: Role) -> Duration {
    match role {
        Role::Admin => Duration::hours(4),
        Role::Manager => Duration::hours(8),
        Role::Operator | Role::Viewer => Duration::hours(12),
    }
}

/// How long a session may go without a request before it ends, by role. The seeds give no
/// figure; the most powerful role gets the shortest: ADMIN 30 min, MANAGER 1 h, OPERATOR and
/// VIEWER 2 h.
pub fn idle_timeout(role: Role) -> Duration {
    match role {
        Role::Admin => Duration::minutes(30),
        Role::Manager => Duration::hours(1),
        Role::Operator | Role::Viewer => Duration::hours(2),
    }
}

/// `last_seen_at` is written at most this often, so most requests only read. The idle
/// timeout therefore ends a session between `idle_timeout - TOUCH_INTERVAL` and
/// `idle_timeout` after its last request.
pub const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// Live sessions a user may hold; a new sign-in revokes the oldest beyond this.
pub const MAX_SESSIONS_PER_USER: u64 = 2;

/// A fresh random token (256 bits, hex).
pub fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The API token of an `Authorization: Bearer …` header, if any.
pub fn bearer_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Prefix of every API token (so leaked ones are easy to find in logs and code).
pub const API_TOKEN_PREFIX: &str = "sentia_";

/// Looks an API token up: the owner with their role's permissions narrowed to the token's
/// scopes. Uses are recorded at most once a minute (and audited then).
pub async fn resolve_token(
    state: &AppState,
    token: &str,
    meta: &super::RequestMeta,
    now: DateTime<Utc>,
) -> Result<Option<CurrentUser>, ApiError> {
    if !token.starts_with(API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some((t, user)) =
        sentia_store::api_tokens::resolve(&state.db, &token_hash(token), now).await?
    else {
        return Ok(None);
    };
    if t.last_used_at.is_none_or(|at| now - at >= TOUCH_INTERVAL) {
        sentia_store::api_tokens::touch(&state.db, t.id, now).await?;
        sentia_store::audit::record(
            &state.db,
            &meta.entry(
                now,
                Some(user.id),
                "api_token.use",
                "api_token",
                Some(t.id.to_string()),
            ),
        )
        .await?;
    }
    let held = users::permissions_of(&state.db, user.role).await?;
    Ok(Some(CurrentUser {
        session_id: -1,
        token_id: Some(t.id),
        bearer: true,
        mfa_enabled: false,
        mfa_at: None,
        permissions: held.into_iter().filter(|p| t.scopes.contains(p)).collect(),
        user,
    }))
}

/// Looks a provider's JWT up: the local user with its e-mail, provisioned (audited) with
/// the token's `sentia_role` (VIEWER if absent) when there is none yet. `None` when no
/// provider is configured, the token fails verification, or the user is inactive.
pub async fn resolve_jwt(
    state: &AppState,
    token: &str,
    meta: &super::RequestMeta,
    now: DateTime<Utc>,
) -> Result<Option<CurrentUser>, ApiError> {
    let Some(oidc) = &state.oidc else {
        return Ok(None);
    };
    let claims = match oidc.verify(token).await {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(error = %e, "bearer JWT refused");
            return Ok(None);
        }
    };
    let Some(user) = user_for_claims(state, &claims, meta, now).await? else {
        return Ok(None);
    };
    let permissions = users::permissions_of(&state.db, user.role).await?;
    Ok(Some(CurrentUser {
        session_id: -1,
        token_id: None,
        bearer: true,
        mfa_enabled: false,
        mfa_at: None,
        permissions,
        user,
    }))
}

/// The local user a provider's verified claims name, by e-mail: provisioned (audited) with
/// the claims' `sentia_role` (VIEWER if absent) when there is none yet. `None` when the
/// claims carry no e-mail or the user is inactive.
pub async fn user_for_claims(
    state: &AppState,
    claims: &super::oidc::Claims,
    meta: &super::RequestMeta,
    now: DateTime<Utc>,
) -> Result<Option<users::User>, ApiError> {
    let Some(email) = claims.email.as_deref().map(str::to_lowercase) else {
        tracing::info!("provider token without an e-mail claim refused");
        return Ok(None);
    };
    let user = match users::find_by_email(&state.db, &email).await? {
        Some(u) => u,
        None => {
            let role: Role = claims
                .sentia_role
                .as_deref()
                .and_then(|r| r.parse().ok())
                .unwrap_or(Role::Viewer);
            let name = claims.name.clone().unwrap_or_else(|| email.clone());
            let txn = sentia_store::begin_write(&state.db)
                .await
                .map_err(sentia_store::StoreError::from)?;
            let created = users::create(&txn, &email, &name, role, None, now).await?;
            sentia_store::audit::append(
                &txn,
                &meta
                    .entry(
                        now,
                        Some(created.id),
                        "user.provision",
                        "user",
                        Some(created.id.to_string()),
                    )
                    .details(serde_json::json!({ "role": role.code(), "source": "oidc" })),
            )
            .await?;
            txn.commit().await.map_err(sentia_store::StoreError::from)?;
            created
        }
    };
    Ok(user.active.then_some(user))
}

/// The session token sent by the browser, if any.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` sent by the browser, if any (and not empty).
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` value carrying a session token (or clearing it when `token` is `None`).
pub fn cookie(token: Option<&str>, max_age: Duration, secure: bool) -> HeaderValue {
    http_only_cookie(SESSION_COOKIE, token, "/", "Strict", max_age, secure)
}

/// `Set-Cookie` value of an HttpOnly cookie `name` on `path` (cleared when `value` is
/// `None`), `Secure` when served over TLS.
pub fn http_only_cookie(
    name: &str,
    value: Option<&str>,
    path: &str,
    same_site: &str,
    max_age: Duration,
    secure: bool,
) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let (value, age) = match value {
        Some(v) => (v, max_age.num_seconds()),
        None => ("", 0),
    };
    let v = format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite={same_site}; Max-Age={age}{secure}"
    );
    HeaderValue::from_str(&v).expect("cookie is ASCII")
}

/// Adds a `Set-Cookie` header.
pub fn set_cookie(headers: &mut HeaderMap, v: HeaderValue) {
    headers.append(SET_COOKIE, v);
}

/// The signed-in user of a request with the permissions of their role.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The session's row id (`-1` for a request signed with an API token).
    pub session_id: i64,
    /// The API token the request was signed with, if it was.
    pub token_id: Option<i64>,
    /// Signed with a bearer credential (an API token or a provider's JWT), not a session:
    /// such requests never reach the account itself.
    pub bearer: bool,
    /// Whether the user has two-factor sign-in enabled.
    pub mfa_enabled: bool,
    /// Last second-factor check on this session.
    pub mfa_at: Option<DateTime<Utc>>,
    /// The user.
    pub user: User,
    /// Permission codes held.
    pub permissions: Vec<String>,
}

impl CurrentUser {
    /// Whether the session still awaits its second factor.
    pub fn mfa_pending(&self) -> bool {
        self.mfa_enabled && self.mfa_at.is_none()
    }

    /// Until when the last second-factor check counts as a step-up.
    pub fn step_up_until(&self) -> Option<DateTime<Utc>> {
        self.mfa_at.map(|t| t + super::mfa::STEP_UP_WINDOW)
    }

    /// Fails with 403 unless the user holds `permission`.
    pub fn require(&self, permission: &str) -> Result<(), ApiError> {
        if self.permissions.iter().any(|p| p == permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(permission.to_owned()))
        }
    }
}

/// Looks a token up; `None` when it is unknown, past its absolute end or idle timeout, or
/// its user is inactive. An idle session is deleted; an active one has its `last_seen_at`
/// moved forward when it is at least [`TOUCH_INTERVAL`] old.
pub async fn resolve(
    state: &AppState,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<CurrentUser>, ApiError> {
    let Some(p) = users::session_principal(&state.db, &token_hash(token), now).await? else {
        return Ok(None);
    };
    let quiet = now - p.last_seen_at;
    if quiet >= idle_timeout(p.user.role) {
        users::delete_session_by_id(&state.db, p.session_id).await?;
        return Ok(None);
    }
    if quiet >= TOUCH_INTERVAL {
        users::touch_session(&state.db, p.session_id, now).await?;
    }
    Ok(Some(CurrentUser {
        session_id: p.session_id,
        token_id: None,
        bearer: false,
        mfa_enabled: p.mfa_enabled,
        mfa_at: p.mfa_at,
        user: p.user,
        permissions: p.permissions,
    }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Resolved already by the access check for this request.
        if let Some(u) = parts.extensions.get::<CurrentUser>() {
            return Ok(u.clone());
        }
        let token = token_from(&parts.headers).ok_or(ApiError::Unauthorized)?;
        resolve(state, &token, state.now())
            .await?
            .ok_or(ApiError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; sentia_session=abc; b=2"),
        );
        assert_eq!(token_from(&h).as_deref(), Some("abc"));
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("sentia_session="));
        assert_eq!(token_from(&h), None);
        assert_eq!(token_hash("x").len(), 64);
        let c = cookie(Some("t"), Duration::hours(4), false);
        let c = c.to_str().unwrap();
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Max-Age=14400")
        );
        assert!(!c.contains("Secure"));
    }
}
