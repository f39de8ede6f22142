//! The one error type every connector call returns.

use std::time::Duration;

/// Why a connector call failed. The variant decides what the caller does next: retry
/// ([`Transient`](Self::Transient), [`RateLimited`](Self::RateLimited)), fix credentials
/// ([`Auth`](Self::Auth)), stop until the quota renews ([`QuotaSpent`](Self::QuotaSpent)),
/// or report a broken answer ([`Malformed`](Self::Malformed)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// A failure that may pass on its own: timeout, connection error, 5xx.
    #[error("transient failure: {0}")]
    Transient(String),
    /// The API asked us to slow down (429, Shopify `THROTTLED`), optionally saying for how long.
    #[error("rate limited (retry after {retry_after:?})")]
    RateLimited {
        /// How long the server asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// Credentials were refused (401/403, bad signature). Never retried.
    #[error("authentication refused: {0}")]
    Auth(String),
    /// The plan's call quota is spent; every call is refused until it renews. Never retried.
    #[error("API call quota spent: {0}")]
    QuotaSpent(String),
    /// The answer could not be understood (bad JSON, missing fields, inexact money).
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The connector's circuit breaker is open after repeated failures; no call was made.
    #[error("circuit open for {connector} (next probe in {retry_in:?})")]
    CircuitOpen {
        /// Connector whose breaker is open.
        connector: String,
        /// Time until the breaker lets a probe call through.
        retry_in: Duration,
    },
    /// Anything else, e.g. a 4xx validation answer. Never retried.
    #[error("{0}")]
    Other(String),
}

impl ConnectorError {
    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient(_) | Self::RateLimited { .. })
    }

    /// Whether this error says the remote side is unhealthy (counts towards opening the
    /// circuit). Answers that prove the server is up — auth refusals, throttling, quota —
    /// do not.
    pub fn is_outage(&self) -> bool {
        matches!(self, Self::Transient(_) | Self::Malformed(_))
    }
}
