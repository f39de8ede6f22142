use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Spaces calls to one API as its server asks: after a hint ("wait 2 s", "bucket empty,
/// restoring 50 points a second") every following call waits until the hinted instant.
#[derive(Debug, Default)]
pub struct Pacer {
    next_allowed: Mutex<Option<Instant>>,
    min_interval: Option<Duration>,
    last_call: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer with no wait in force.
    pub fn new() -> Self {
        Self::default()
    }

    /// A pacer that also keeps at least `interval` between calls (for APIs with a fixed rate).
    pub fn with_min_interval(interval: Duration) -> Self {
        Self {
            min_interval: Some(interval),
            ..Self::default()
        }
    }

    /// Makes calls wait at least `d` from now (a later wait already in force is kept).
    pub fn defer_for(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut next = self.next_allowed.lock().unwrap_or_else(|p| p.into_inner());
        if next.is_none_or(|n| n < until) {
            *next = Some(until);
        }
    }

    /// Time left until the next call may go, zero when none is pending.
    pub fn pending(&self) -> Duration {
        let next = *self.next_allowed.lock().unwrap_or_else(|p| p.into_inner());
        next.map_or(Duration::ZERO, |n| {
            n.saturating_duration_since(Instant::now())
        })
    }

    /// Waits until the next call may go.
    pub async fn wait(&self) {
        let mut until = *self.next_allowed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(interval) = self.min_interval {
            let last = *self.last_call.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(last) = last {
                let by_rate = last + interval;
                until = Some(until.map_or(by_rate, |u| u.max(by_rate)));
            }
        }
        if let Some(until) = until {
            tokio::time::sleep_until(until).await;
        }
        *self.last_call.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_the_hinted_time_and_keeps_the_later_hint() {
        let p = Pacer::new();
        let t0 = Instant::now();
        p.wait().await;
        assert!(t0.elapsed() < Duration::from_millis(20));
        p.defer_for(Duration::from_millis(60));
        p.defer_for(Duration::from_millis(10));
        assert!(p.pending() > Duration::from_millis(30));
        p.wait().await;
        assert!(t0.elapsed() >= Duration::from_millis(60));
        assert_eq!(p.pending(), Duration::ZERO);
    }

    #[tokio::test]
    async fn keeps_the_minimum_interval() {
        let p = Pacer::with_min_interval(Duration::from_millis(40));
        let t0 = Instant::now();
        p.wait().await;
        p.wait().await;
        p.wait().await;
        assert!(t0.elapsed() >= Duration::from_millis(80));
    }
}
