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

/// Request rate limits, kept in this instance's memory (GCRA, `governor`): sign-in endpoints
/// per client address, the rest of the API per signed-in user. A refused request is answered
/// 429 `rate_limited` with `Retry-After`. Several instances each apply the limits.
#[derive(Debug)]
pub struct RateLimits {
    auth: governor::DefaultKeyedRateLimiter<std::net::IpAddr>,
    api: governor::DefaultKeyedRateLimiter<i64>,
}

impl RateLimits {
    /// Limits of `auth_per_minute` per address and `api_per_minute` per user (each also the
    /// burst allowed at once).
    pub fn new(auth_per_minute: u32, api_per_minute: u32) -> Self {
        let quota = |n: u32| {
            governor::Quota::per_minute(std::num::NonZeroU32::new(n.max(1)).expect("at least 1"))
        };
        RateLimits {
            auth: governor::RateLimiter::keyed(quota(auth_per_minute)),
            api: governor::RateLimiter::keyed(quota(api_per_minute)),
        }
    }

    fn refused<P: governor::clock::Reference>(
        not_until: &governor::NotUntil<P>,
        now: P,
    ) -> ApiError {
        ApiError::RateLimited {
            retry_after_secs: not_until.wait_time_from(now).as_secs().max(1),
        }
    }

    /// Counts a sign-in request from `ip`.
    pub fn check_auth(&self, ip: std::net::IpAddr) -> Result<(), ApiError> {
        use governor::clock::Clock;
        self.auth
            .check_key(&ip)
            .map_err(|n| Self::refused(&n, governor::clock::DefaultClock::default().now()))
    }

    /// Counts an API request by user `id`.
    pub fn check_api(&self, id: i64) -> Result<(), ApiError> {
        use governor::clock::Clock;
        self.api
            .check_key(&id)
            .map_err(|n| Self::refused(&n, governor::clock::DefaultClock::default().now()))
    }

    /// Forgets keys whose limits have fully recovered (bounds memory).
    pub fn shrink(&self) {
        self.auth.retain_recent();
        self.api.retain_recent();
    }
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
