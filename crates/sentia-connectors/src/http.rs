//! HTTP plumbing shared by the clients: classifying transport errors and status codes.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::error::ConnectorError;

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the HTTP client every connector uses (rustls, a request timeout).
pub fn client(timeout: Duration) -> Result<reqwest::Client, ConnectorError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("sentia/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConnectorError::Other(format!("building the HTTP client: {e}")))
}

/// Maps a transport error: timeouts and connection failures are transient, a body that cannot
/// be decoded is malformed.
pub fn transport_error(e: reqwest::Error) -> ConnectorError {
    if e.is_decode() {
        ConnectorError::Malformed(e.to_string())
    } else if e.is_builder() {
        ConnectorError::Other(e.to_string())
    } else {
        ConnectorError::Transient(e.to_string())
    }
}

/// Parses `Retry-After` given in seconds (integer or decimal, as Shopify sends `2.0`).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The error for a non-success status common to all APIs: 5xx and 408 are transient, 429 is
/// rate limiting, 401/403 are auth refusals, any other 4xx is final.
pub fn status_error(status: StatusCode, headers: &HeaderMap, body: &str) -> ConnectorError {
    let snippet: String = body.chars().take(200).collect();
    match status.as_u16() {
        408 | 500..=599 => ConnectorError::Transient(format!("HTTP {status}")),
        429 => ConnectorError::RateLimited {
            retry_after: retry_after(headers),
        },
        401 | 403 => ConnectorError::Auth(format!("HTTP {status}: {snippet}")),
        _ => ConnectorError::Other(format!("HTTP {status}: {snippet}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statuses() {
        let h = HeaderMap::new();
        assert!(matches!(
            status_error(StatusCode::BAD_GATEWAY, &h, ""),
            ConnectorError::Transient(_)
        ));
        assert!(matches!(
            status_error(StatusCode::UNAUTHORIZED, &h, ""),
            ConnectorError::Auth(_)
        ));
        assert!(matches!(
            status_error(StatusCode::UNPROCESSABLE_ENTITY, &h, ""),
            ConnectorError::Other(_)
        ));
        let mut h = HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "2.0".parse().unwrap());
        assert_eq!(
            status_error(StatusCode::TOO_MANY_REQUESTS, &h, ""),
            ConnectorError::RateLimited {
                retry_after: Some(Duration::from_secs(2))
            }
        );
    }
}
