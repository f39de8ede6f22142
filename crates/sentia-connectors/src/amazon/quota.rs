//! Client-side mirror of one operation's token bucket.
//!
//! Every SP-API operation has its own bucket (a rate in requests a second and a burst).
//! Answers carry the rate in `x-amzn-RateLimit-Limit` (not always); the burst is only
//! documented, so it comes from the contract. The client spends one token a call and, when the
//! mirror is empty, defers the operation's [`Pacer`] until a token is back, so a long sync keeps
//! to the rate instead of collecting 429s. After a 429 the mirror is emptied: the server's
//! bucket is known to be empty.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::resilience::Pacer;

/// A documented rate limit: `rate` requests a second, bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests restored per second.
    pub rate: f64,
    /// Bucket size.
    pub burst: f64,
}

impl RateLimit {
    /// `getOrders` (2026-01-01): 0.0056 req/s, burst 20.
    pub const ORDERS: Self = Self::new(0.0056, 20.0);
    /// `getInventorySummaries`: 2 req/s, burst 2.
    pub const INVENTORY: Self = Self::new(2.0, 2.0);
    /// `createReport`: 0.0167 req/s, burst 15.
    pub const CREATE_REPORT: Self = Self::new(0.0167, 15.0);
    /// `getReport`: 2 req/s, burst 15.
    pub const GET_REPORT: Self = Self::new(2.0, 15.0);
    /// `getReportDocument`: 0.0167 req/s, burst 15.
    pub const REPORT_DOCUMENT: Self = Self::new(0.0167, 15.0);

    /// A limit of `rate` per second with bursts of `burst`.
    pub const fn new(rate: f64, burst: f64) -> Self {
        Self { rate, burst }
    }
}

/// The header carrying an operation's rate (requests per second, decimal).
pub const RATE_LIMIT_HEADER: &str = "x-amzn-RateLimit-Limit";

#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.at = now;
    }
}

/// One operation's bucket mirror and pacer.
#[derive(Debug)]
pub(crate) struct Quota {
    pacer: Pacer,
    bucket: Mutex<Bucket>,
}

impl Quota {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let rate = if limit.rate > 0.0 { limit.rate } else { 1.0 };
        Self {
            pacer: Pacer::new(),
            bucket: Mutex::new(Bucket {
                rate,
                burst: limit.burst.max(1.0),
                tokens: limit.burst.max(1.0),
                at: Instant::now(),
            }),
        }
    }

    /// Waits until the operation may be called and spends a token.
    pub(crate) async fn acquire(&self) {
        let wait = {
            let mut b = self.lock();
            b.refill();
            b.tokens -= 1.0;
            if b.tokens < 0.0 {
                Duration::from_secs_f64((-b.tokens / b.rate).min(3600.0))
            } else {
                Duration::ZERO
            }
        };
        if !wait.is_zero() {
            self.pacer.defer_for(wait);
        }
        self.pacer.wait().await;
    }

    /// Takes the rate the server announced, when it did.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let rate = headers
            .get(RATE_LIMIT_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|r| r.is_finite() && *r > 0.0);
        if let Some(rate) = rate {
            self.lock().rate = rate;
        }
    }

    /// The server said its bucket is empty: empties the mirror and returns how long until
    /// one token is back.
    pub(crate) fn throttled(&self) -> Duration {
        let mut b = self.lock();
        b.refill();
        b.tokens = 0.0;
        Duration::from_secs_f64((1.0 / b.rate).min(3600.0))
    }

    /// The rate in force (requests a second).
    #[cfg(test)]
    pub(crate) fn rate(&self) -> f64 {
        self.lock().rate
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bucket> {
        self.bucket.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bursts_then_keeps_the_announced_rate() {
        let q = Quota::new(RateLimit::new(1.0, 2.0));
        let mut h = HeaderMap::new();
        h.insert(RATE_LIMIT_HEADER, "50".parse().unwrap());
        q.observe(&h);
        assert_eq!(q.rate(), 50.0);
        let t0 = Instant::now();
        q.acquire().await;
        q.acquire().await;
        assert!(
            t0.elapsed() < Duration::from_millis(15),
            "the burst goes at once"
        );
        q.acquire().await;
        q.acquire().await;
        assert!(
            t0.elapsed() >= Duration::from_millis(35),
            "then 50 a second"
        );
        assert!((q.throttled().as_secs_f64() - 0.02).abs() < 1e-6);
    }
}
