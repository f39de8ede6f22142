//! The access check every API request passes before its handler: the route's entry in
//! [`crate::routes::ACCESS`] decides whether it is public, needs a session, or needs a
//! permission of the matrix. The signed-in user is resolved once here and handed to the
//! handler's [`super::CurrentUser`] extractor through the request's extensions.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sentia_store::audit::{AuditContext, AuditEntry};

use super::session::{
    API_TOKEN_PREFIX, bearer_from, resolve, resolve_jwt, resolve_token, token_from,
};
use crate::error::ApiError;
use crate::routes::{Access, access_of};
use crate::state::AppState;

/// Middleware: refuses a request its route's [`Access`] does not allow — 401 without a
/// valid session, 403 without the permission. A route missing from the table is refused
/// too (and logged), so forgetting to declare one fails closed.
pub async fn authorize(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(path) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(req).await;
    };
    let access = match access_of(req.method(), &path) {
        Some(a) => a,
        None => {
            tracing::error!(method = %req.method(), %path, "route without a declared permission refused");
            return ApiError::Forbidden("undeclared".into()).into_response();
        }
    };
    if path.starts_with("/api/v1/auth/") {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(ip) = peer
            && let Err(e) = state.limits.check_auth(ip)
        {
            tracing::warn!(%ip, "sign-in rate limit reached");
            return e.into_response();
        }
    }
    if access == Access::Public {
        return next.run(req).await;
    }
    let now = state.now();
    let resolved = if let Some(token) = token_from(req.headers()) {
        resolve(&state, &token, now).await
    } else if let Some(token) = bearer_from(req.headers()) {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let meta = RequestMeta::of(req.headers(), peer);
        if token.starts_with(API_TOKEN_PREFIX) {
            resolve_token(&state, &token, &meta, now).await
        } else {
            resolve_jwt(&state, &token, &meta, now).await
        }
    } else {
        return ApiError::Unauthorized.into_response();
    };
    let user = match resolved {
        Ok(Some(u)) => u,
        Ok(None) => return ApiError::Unauthorized.into_response(),
        Err(e) => return e.into_response(),
    };
    // A machine's token reaches the product's data, never the account itself (sessions,
    // second factor, other tokens).
    if user.bearer && matches!(access, Access::SignedIn | Access::Pending) && path != "/api/v1/me" {
        return ApiError::Forbidden("a signed-in session (not an API token)".into())
            .into_response();
    }
    if let Err(e) = state.limits.check_api(user.user.id) {
        return e.into_response();
    }
    if let Err(e) = admit(&user, access, now) {
        return e.into_response();
    }
    req.extensions_mut().insert(user);
    next.run(req).await
}

/// Whether a signed-in user passes a route's access: a session awaiting its second factor
/// reaches only [`Access::Pending`] routes; a permission must be held; routes needing an
/// `admin:` permission need two-factor sign-in set up; [`Access::StepUp`] routes need a
/// second-factor check within [`super::mfa::STEP_UP_WINDOW`].
pub fn admit(
    user: &super::CurrentUser,
    access: Access,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let permission = match access {
        Access::Public | Access::Pending => return Ok(()),
        _ if user.mfa_pending() => return Err(ApiError::MfaRequired),
        Access::SignedIn => return Ok(()),
        Access::Permission(p) | Access::StepUp(p) => p,
    };
    user.require(permission)?;
    if permission.starts_with("admin:") && !user.mfa_enabled {
        return Err(ApiError::MfaEnrollmentRequired);
    }
    if matches!(access, Access::StepUp(_)) && user.step_up_until().is_none_or(|until| until <= now)
    {
        return Err(ApiError::StepUpRequired);
    }
    Ok(())
}

/// Who sent a request and from where: what an audit row records beside the chain.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent (at most 256 characters).
    pub user_agent: Option<String>,
    /// The request id (`X-Request-Id`).
    pub request_id: Option<String>,
}

impl RequestMeta {
    /// Reads it from a request's headers and peer address.
    pub fn of(headers: &HeaderMap, peer: Option<SocketAddr>) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect::<String>())
        };
        RequestMeta {
            ip: peer.map(|p| p.ip().to_string()),
            user_agent: text("user-agent"),
            request_id: text("x-request-id"),
        }
    }

    /// An audit entry of this request at `now`.
    pub fn entry(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        user_id: Option<i64>,
        action: &str,
        entity: &str,
        entity_id: Option<String>,
    ) -> AuditEntry {
        let mut e = AuditEntry::new(now, user_id, action, entity, entity_id);
        e.request_id = self.request_id.clone();
        e.context = AuditContext {
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            subject: None,
        };
        e
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(RequestMeta::of(&parts.headers, peer))
    }
}
