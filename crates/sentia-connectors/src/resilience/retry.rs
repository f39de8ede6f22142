use std::time::Duration;

use rand::Rng;

/// How transient failures are retried: exponential backoff from `base` (2 s, 4 s, 8 s by
/// default) plus up to 25 % random jitter, so several workers do not retry in lockstep.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the first retry; doubled for each further one.
    pub base: Duration,
    /// Attempts in all (the first call included) before a transient error is returned.
    pub max_attempts: u32,
    /// Rate-limit answers tolerated in one call before giving up; these wait as long as the
    /// server asked and do not use up `max_attempts`.
    pub max_rate_limited: u32,
    /// Longest single backoff delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            max_attempts: 4,
            max_rate_limited: 20,
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The default policy with its backoff scaled down to start at `base` (for tests).
    pub fn with_base(base: Duration) -> Self {
        Self {
            base,
            ..Self::default()
        }
    }

    /// The nominal delay before retry number `retry` (1-based), without jitter.
    pub fn nominal_delay(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(16);
        self.base.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay before retry number `retry` (1-based): nominal plus 0–25 % jitter.
    pub fn delay(&self, retry: u32) -> Duration {
        let nominal = self.nominal_delay(retry);
        let jitter = rand::thread_rng().gen_range(0.0..=0.25);
        nominal + nominal.mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_two_four_eight_seconds_with_bounded_jitter() {
        let p = RetryPolicy::default();
        assert_eq!(p.nominal_delay(1), Duration::from_secs(2));
        assert_eq!(p.nominal_delay(2), Duration::from_secs(4));
        assert_eq!(p.nominal_delay(3), Duration::from_secs(8));
        assert_eq!(p.nominal_delay(30), Duration::from_secs(60));
        for retry in 1..=3 {
            let d = p.delay(retry);
            let n = p.nominal_delay(retry);
            assert!(d >= n && d <= n + n / 4, "{d:?} vs {n:?}");
        }
    }
}
