//! Browser sign-in at an external OpenID Connect provider (Clerk or any other): the
//! authorization code flow with PKCE (S256), a `state` bound to the browser and a `nonce`
//! bound to the ID token. What the callback needs (state, code verifier, nonce, where to go
//! next) travels in a short-lived cookie sealed under the master key, so any instance can
//! finish a sign-in another one started. A verified ID token maps to the local user (or
//! provisions one) exactly as the provider's bearer JWTs do, and opens an ordinary Sentia
//! session — pending until Sentia's own second factor when the user has one.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::RequestMeta;
use crate::auth::session::{cookie_value, http_only_cookie, set_cookie, user_for_claims};
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json};
use crate::state::AppState;

/// The cookie carrying a sign-in in progress.
pub const LOGIN_COOKIE: &str = "sentia_oidc";
/// How long a started sign-in may take at the provider.
pub const LOGIN_WINDOW: Duration = Duration::minutes(10);
const PURPOSE: &str = "oidc-login";
const CALLBACK_PATH: &str = "/api/v1/auth/oidc/callback";

/// Sign-in methods besides e-mail and password.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Providers {
    /// The configured OpenID Connect provider, if any.
    pub oidc: Option<OidcProvider>,
}

/// An external provider the browser can sign in with.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OidcProvider {
    /// Name for the button ("Sign in with …").
    pub label: String,
    /// Where the browser goes to start (add `?next=/path` to land there afterwards).
    pub start_url: String,
}

/// What the sign-in page may offer.
#[utoipa::path(get, path = "/api/v1/auth/providers", operation_id = "list_sign_in_providers", tag = "auth",
    responses((status = 200, body = Providers)))]
#[tracing::instrument(skip_all)]
pub async fn providers(State(state): State<AppState>) -> Json<Providers> {
    Json(Providers {
        oidc: state.oidc.as_ref().map(|_| OidcProvider {
            label: state.config.oidc_label.clone(),
            start_url: "/api/v1/auth/oidc/start".into(),
        }),
    })
}

/// The sign-in in progress, sealed in [`LOGIN_COOKIE`].
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: String,
    nonce: String,
    next: String,
    redirect_uri: String,
    expires: i64,
}

/// Query of [`start`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StartQuery {
    /// A path of this app to land on after signing in (default `/`).
    pub next: Option<String>,
}

/// Query of [`callback`], as the provider sends it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The state sent at the start.
    pub state: Option<String>,
    /// Set when the provider refused or the user cancelled.
    pub error: Option<String>,
}

fn random_b64(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// The PKCE S256 challenge of a code verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Only same-app paths are allowed as a post-sign-in destination.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.into(),
        _ => "/".into(),
    }
}

fn redirect_uri(state: &AppState, headers: &HeaderMap) -> ApiResult<String> {
    if let Some(u) = &state.config.oidc_redirect_uri {
        return Ok(u.clone());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .ok_or_else(|| ApiError::field("Host", "is needed to build the redirect URI"))?;
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{host}{CALLBACK_PATH}"))
}

fn login_cookie(value: Option<&str>, secure: bool) -> HeaderValue {
    // Lax, not Strict: the browser must send it on the provider's top-level redirect back.
    http_only_cookie(
        LOGIN_COOKIE,
        value,
        "/api/v1/auth/oidc",
        "Lax",
        LOGIN_WINDOW,
        secure,
    )
}

fn see_other(location: &str, mut headers: HeaderMap) -> Response {
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (StatusCode::SEE_OTHER, headers).into_response()
}

/// Starts signing in at the provider: redirects the browser to its authorization endpoint
/// with a PKCE challenge, a fresh `state` and `nonce`, remembered in a sealed cookie for
/// 10 minutes. 404 when no provider is configured, 503 when it cannot be reached.
#[utoipa::path(get, path = "/api/v1/auth/oidc/start", operation_id = "start_oidc_sign_in", tag = "auth",
    params(StartQuery),
    responses((status = 303, description = "To the provider's sign-in page"),
        (status = 404, body = ApiErrorBody), (status = 503, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StartQuery>,
) -> ApiResult<Response> {
    let oidc = state.oidc.clone().ok_or(ApiError::NotFound)?;
    let endpoints = oidc.endpoints().await.map_err(|e| {
        tracing::warn!(error = %e, "identity provider unreachable at sign-in");
        ApiError::Unavailable("the identity provider cannot be reached".into())
    })?;
    let pending = Pending {
        state: random_b64(24),
        verifier: random_b64(32),
        nonce: random_b64(24),
        next: safe_next(q.next.as_deref()),
        redirect_uri: redirect_uri(&state, &headers)?,
        expires: (state.now() + LOGIN_WINDOW).timestamp(),
    };
    let mut url = reqwest::Url::parse(&endpoints.authorization)
        .map_err(|e| ApiError::Unavailable(format!("bad authorization endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", oidc.audience())
        .append_pair("redirect_uri", &pending.redirect_uri)
        .append_pair("scope", "openid email profile")
        .append_pair("state", &pending.state)
        .append_pair("nonce", &pending.nonce)
        .append_pair("code_challenge", &pkce_challenge(&pending.verifier))
        .append_pair("code_challenge_method", "S256");
    let sealed = state.master_key.seal(
        PURPOSE,
        &serde_json::to_string(&pending).map_err(|e| ApiError::Internal(e.into()))?,
    );
    let mut out = HeaderMap::new();
    set_cookie(
        &mut out,
        login_cookie(Some(&sealed), state.config.secure_cookies),
    );
    Ok(see_other(url.as_str(), out))
}

/// Why a browser sign-in failed, as the sign-in page is told (`/login?sso_error=…`).
#[derive(Debug, Clone, Copy)]
enum Failure {
    /// The provider refused, or the user cancelled there.
    Denied,
    /// No sign-in in progress in this browser, or it took too long.
    Expired,
    /// The state does not match this browser's sign-in.
    State,
    /// The code could not be exchanged, or the ID token failed verification.
    Token,
    /// No active local user for the token (no e-mail, or deactivated).
    Account,
}

impl Failure {
    fn code(self) -> &'static str {
        match self {
            Failure::Denied => "denied",
            Failure::Expired => "expired",
            Failure::State => "state",
            Failure::Token => "token",
            Failure::Account => "account",
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

/// Finishes signing in: checks the state against this browser's cookie, exchanges the code
/// (with the PKCE verifier) for an ID token, verifies it (signature from the JWKS, `iss`,
/// `aud`, `exp`, `nbf`, and the `nonce`), and opens a session for the local user. Every
/// outcome redirects: to the page asked for, or to `/login?sso_error=…`; failures are
/// audited.
#[utoipa::path(get, path = "/api/v1/auth/oidc/callback", operation_id = "finish_oidc_sign_in", tag = "auth",
    params(CallbackQuery),
    responses((status = 303, description = "Signed in (to the page asked for), or to the sign-in page with `sso_error`"),
        (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: RequestMeta,
    Query(q): Query<CallbackQuery>,
) -> ApiResult<Response> {
    if state.oidc.is_none() {
        return Err(ApiError::NotFound);
    }
    let mut out = HeaderMap::new();
    // Whatever happens, the sign-in in progress is used up.
    set_cookie(&mut out, login_cookie(None, state.config.secure_cookies));
    match finish(&state, &headers, &meta, &q).await? {
        Ok((session, next)) => {
            for v in session.get_all(header::SET_COOKIE) {
                out.append(header::SET_COOKIE, v.clone());
            }
            Ok(see_other(&next, out))
        }
        Err(why) => {
            let now = state.now();
            audit(&state, &meta, now, why).await?;
            Ok(see_other(&format!("/login?sso_error={}", why.code()), out))
        }
    }
}

async fn audit(
    state: &AppState,
    meta: &RequestMeta,
    now: chrono::DateTime<chrono::Utc>,
    why: Failure,
) -> ApiResult<()> {
    sentia_store::audit::record(
        &state.db,
        &meta
            .entry(now, None, "auth.login_failed", "session", None)
            .details(serde_json::json!({ "method": "oidc", "reason": why.code() })),
    )
    .await?;
    Ok(())
}

/// Equal texts, compared in constant time.
fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    meta: &RequestMeta,
    q: &CallbackQuery,
) -> ApiResult<Result<(HeaderMap, String), Failure>> {
    let oidc = state.oidc.clone().ok_or(ApiError::NotFound)?;
    let now = state.now();
    let Some(pending) = cookie_value(headers, LOGIN_COOKIE)
        .and_then(|c| state.master_key.open(PURPOSE, &c).ok())
        .and_then(|json| serde_json::from_str::<Pending>(&json).ok())
        .filter(|p| p.expires >= now.timestamp())
    else {
        return Ok(Err(Failure::Expired));
    };
    if !q.state.as_deref().is_some_and(|s| same(s, &pending.state)) {
        return Ok(Err(Failure::State));
    }
    if let Some(e) = &q.error {
        tracing::info!(error = %e, "the identity provider refused the sign-in");
        return Ok(Err(Failure::Denied));
    }
    let Some(code) = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 4096)
    else {
        return Ok(Err(Failure::Denied));
    };
    let endpoints = oidc.endpoints().await.map_err(|e| {
        tracing::warn!(error = %e, "identity provider unreachable at sign-in");
        ApiError::Unavailable("the identity provider cannot be reached".into())
    })?;
    let mut req = oidc.http().post(&endpoints.token).form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", pending.redirect_uri.as_str()),
        ("client_id", oidc.audience()),
        ("code_verifier", pending.verifier.as_str()),
    ]);
    if let Some(secret) = &state.config.oidc_client_secret {
        req = req.basic_auth(oidc.audience(), Some(&secret.0));
    }
    let token = match req
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
    {
        Ok(r) => r
            .json::<TokenResponse>()
            .await
            .ok()
            .and_then(|t| t.id_token),
        Err(e) => {
            tracing::info!(error = %e, "the code exchange failed");
            None
        }
    };
    let Some(token) = token else {
        return Ok(Err(Failure::Token));
    };
    let claims = match oidc.verify(&token).await {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(error = %e, "ID token refused");
            return Ok(Err(Failure::Token));
        }
    };
    if !claims
        .nonce
        .as_deref()
        .is_some_and(|n| same(n, &pending.nonce))
    {
        tracing::info!("ID token with a wrong or missing nonce refused");
        return Ok(Err(Failure::Token));
    }
    let Some(user) = user_for_claims(state, &claims, meta, now).await? else {
        return Ok(Err(Failure::Account));
    };
    let (session, _me) = super::auth::start_session(state, user, meta, "oidc", now).await?;
    Ok(Ok((session, pending.next)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn only_local_paths_are_destinations() {
        assert_eq!(safe_next(Some("/forecasting?s=1")), "/forecasting?s=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "evil"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
