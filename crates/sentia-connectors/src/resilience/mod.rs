//! What every connector shares: a pacer that follows the server's hints, retry with
//! exponential backoff and jitter for transient errors only, and a circuit breaker.

mod breaker;
mod clock;
mod pacer;
mod retry;

use std::future::Future;
use std::sync::Arc;

pub use breaker::{BreakerState, CircuitBreaker};
pub use clock::{Clock, ManualClock, SystemClock};
pub use pacer::Pacer;
pub use retry::RetryPolicy;

use crate::error::ConnectorError;

/// Pacer, retry policy and circuit breaker of one connector, applied around each call.
#[derive(Debug)]
pub struct Resilience {
    name: String,
    policy: RetryPolicy,
    breaker: CircuitBreaker,
    pacer: Pacer,
}

impl Resilience {
    /// Resilience for connector `name` with the default breaker (open after 5 consecutive
    /// failures, half-open after 30 s) on `clock`.
    pub fn new(name: impl Into<String>, policy: RetryPolicy, clock: Arc<dyn Clock>) -> Self {
        let name = name.into();
        Self {
            breaker: CircuitBreaker::new(name.clone(), clock),
            name,
            policy,
            pacer: Pacer::new(),
        }
    }

    /// Replaces the pacer (e.g. with [`Pacer::with_min_interval`] for an API with a fixed rate).
    pub fn with_pacer(mut self, pacer: Pacer) -> Self {
        self.pacer = pacer;
        self
    }

    /// The connector's circuit breaker.
    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    /// The connector's pacer.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Runs `op` (one HTTP attempt) under the breaker and the pacer, retrying transient
    /// failures with backoff and rate-limit answers after the wait the server asked for.
    /// Auth, quota, malformed and other errors return at once.
    pub async fn run<T, F, Fut>(&self, mut op: F) -> Result<T, ConnectorError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ConnectorError>>,
    {
        let mut failures = 0u32;
        let mut limited = 0u32;
        loop {
            self.breaker.check()?;
            self.pacer.wait().await;
            let outcome = op().await;
            self.breaker.record(&outcome);
            let err = match outcome {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            match &err {
                ConnectorError::RateLimited { retry_after } => {
                    limited += 1;
                    if limited > self.policy.max_rate_limited {
                        return Err(err);
                    }
                    let wait = retry_after.unwrap_or_else(|| self.policy.delay(limited));
                    tracing::debug!(connector = %self.name, ?wait, "rate limited; waiting");
                    self.pacer.defer_for(wait);
                }
                ConnectorError::Transient(msg) => {
                    failures += 1;
                    if failures >= self.policy.max_attempts {
                        return Err(err);
                    }
                    let wait = self.policy.delay(failures);
                    tracing::warn!(connector = %self.name, attempt = failures, ?wait, error = %msg, "transient failure; retrying");
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(err),
            }
        }
    }
}
