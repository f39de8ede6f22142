use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Clock;
use crate::error::ConnectorError;

/// The state of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through; counts consecutive outage failures.
    Closed {
        /// Consecutive failures so far.
        failures: u32,
    },
    /// Calls are refused without reaching the server.
    Open {
        /// When the breaker opened.
        since: Instant,
    },
    /// The cool-down passed: calls go through as probes; a success closes the breaker,
    /// a failure opens it again.
    HalfOpen,
}

/// Stops calling a connector that keeps failing: opens after `threshold` consecutive outage
/// failures (5 by default), lets probes through after `cooldown` (30 s by default).
#[derive(Debug)]
pub struct CircuitBreaker {
    name: String,
    clock: Arc<dyn Clock>,
    threshold: u32,
    cooldown: Duration,
    state: Mutex<BreakerState>,
}

impl CircuitBreaker {
    /// Consecutive failures that open the breaker by default.
    pub const DEFAULT_THRESHOLD: u32 = 5;
    /// Time an open breaker waits before letting a probe through by default.
    pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30);

    /// A closed breaker for connector `name` with the default threshold and cool-down.
    pub fn new(name: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        Self::with_limits(name, clock, Self::DEFAULT_THRESHOLD, Self::DEFAULT_COOLDOWN)
    }

    /// A closed breaker with its own threshold and cool-down.
    pub fn with_limits(
        name: impl Into<String>,
        clock: Arc<dyn Clock>,
        threshold: u32,
        cooldown: Duration,
    ) -> Self {
        Self {
            name: name.into(),
            clock,
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(BreakerState::Closed { failures: 0 }),
        }
    }

    /// The current state (an open breaker whose cool-down passed reports half-open).
    pub fn state(&self) -> BreakerState {
        let mut state = self.lock();
        self.refresh(&mut state);
        *state
    }

    /// Refuses with [`ConnectorError::CircuitOpen`] while open.
    pub fn check(&self) -> Result<(), ConnectorError> {
        let mut state = self.lock();
        self.refresh(&mut state);
        match *state {
            BreakerState::Open { since } => Err(ConnectorError::CircuitOpen {
                connector: self.name.clone(),
                retry_in: self.cooldown.saturating_sub(self.clock.now() - since),
            }),
            _ => Ok(()),
        }
    }

    /// Records the outcome of a call that went through.
    pub fn record<T>(&self, outcome: &Result<T, ConnectorError>) {
        let failed = matches!(outcome, Err(e) if e.is_outage());
        let mut state = self.lock();
        self.refresh(&mut state);
        *state = match (*state, failed) {
            (_, false) => BreakerState::Closed { failures: 0 },
            (BreakerState::Closed { failures }, true) if failures + 1 < self.threshold => {
                BreakerState::Closed {
                    failures: failures + 1,
                }
            }
            (BreakerState::Open { since }, true) => BreakerState::Open { since },
            (_, true) => {
                tracing::warn!(connector = %self.name, "circuit opened");
                BreakerState::Open {
                    since: self.clock.now(),
                }
            }
        };
    }

    fn refresh(&self, state: &mut BreakerState) {
        if let BreakerState::Open { since } = *state
            && self.clock.now() - since >= self.cooldown
        {
            *state = BreakerState::HalfOpen;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::ManualClock;

    fn fail() -> Result<(), ConnectorError> {
        Err(ConnectorError::Transient("503".into()))
    }

    #[test]
    fn opens_after_five_failures_half_opens_after_cooldown_and_closes_on_success() {
        let clock = Arc::new(ManualClock::new());
        let b = CircuitBreaker::new("t", clock.clone());
        for _ in 0..4 {
            b.record(&fail());
            assert!(b.check().is_ok());
        }
        b.record(&fail());
        assert!(matches!(b.check(), Err(ConnectorError::CircuitOpen { .. })));
        clock.advance(Duration::from_secs(29));
        assert!(b.check().is_err());
        clock.advance(Duration::from_secs(1));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.record(&fail());
        assert!(b.check().is_err(), "a failed probe opens it again");
        clock.advance(Duration::from_secs(30));
        assert!(b.check().is_ok());
        b.record(&Ok::<(), ConnectorError>(()));
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
    }

    #[test]
    fn auth_and_throttle_answers_do_not_count_and_a_success_resets() {
        let b = CircuitBreaker::new("t", Arc::new(ManualClock::new()));
        for _ in 0..4 {
            b.record(&fail());
        }
        b.record(&Err::<(), _>(ConnectorError::Auth("no".into())));
        b.record(&fail());
        b.record(&Err::<(), _>(ConnectorError::RateLimited {
            retry_after: None,
        }));
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
    }
}
