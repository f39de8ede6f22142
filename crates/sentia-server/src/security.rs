//! Request-level defences shared by every route: the `Origin` check on state-changing
//! requests and the values of the security headers set in [`crate::app`].

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// `Permissions-Policy`: the app needs no device or payment features, so none may be used,
/// by it or anything it embeds.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), \
     magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()";

/// `Strict-Transport-Security`, sent only when the server is configured for TLS
/// (`secure_cookies`): a year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The HSTS header value for a configuration: `None` unless served over TLS.
pub fn hsts(secure: bool) -> Option<HeaderValue> {
    secure.then(|| HeaderValue::from_static(HSTS))
}

/// Whether a method changes state (and so must come from our own pages).
fn state_changing(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Whether `origin` names this server: same scheme (https when configured for TLS) and the
/// same host and port as the request was addressed to.
fn same_origin(origin: &str, host: Option<&str>, secure: bool) -> bool {
    let scheme = if secure { "https" } else { "http" };
    host.is_some_and(|h| {
        origin
            .strip_prefix(scheme)
            .and_then(|r| r.strip_prefix("://"))
            .is_some_and(|o| o.eq_ignore_ascii_case(h))
    })
}

/// Middleware: a POST/PUT/PATCH/DELETE whose `Origin` header is present and is not this
/// server's own origin is refused with 403 `forbidden_origin`. Requests without `Origin`
/// (curl, server-to-server clients) pass; the session cookie is
/// `SameSite=Strict`, so this is a second line against cross-site requests.
pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state_changing(req.method())
        && let Some(origin) = req.headers().get(header::ORIGIN)
    {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()));
        let ok = origin
            .to_str()
            .is_ok_and(|o| same_origin(o, host, state.config.secure_cookies));
        if !ok {
            tracing::warn!(origin = ?origin, "cross-origin state-changing request refused");
            return ApiError::ForeignOrigin.into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_origin_is_same_origin() {
        assert!(same_origin(
            "http://127.0.0.1:8080",
            Some("127.0.0.1:8080"),
            false
        ));
        assert!(same_origin(
            "https://Sentia.example",
            Some("sentia.example"),
            true
        ));
        assert!(!same_origin(
            "http://sentia.example",
            Some("sentia.example"),
            true
        ));
        assert!(!same_origin(
            "http://evil.example",
            Some("127.0.0.1:8080"),
            false
        ));
        assert!(!same_origin(
            "http://127.0.0.1:9090",
            Some("127.0.0.1:8080"),
            false
        ));
        assert!(!same_origin("null", Some("127.0.0.1:8080"), false));
        assert!(!same_origin("http://127.0.0.1:8080", None, false));
        assert!(state_changing(&Method::DELETE) && !state_changing(&Method::GET));
        assert!(hsts(true).is_some() && hsts(false).is_none());
    }
}
