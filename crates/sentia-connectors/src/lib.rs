//! Clients for the external systems Sentia ingests from (Shopify, Amazon, Unleashed, Xero), the
//! resilience they share (pacing from server hints, retry with backoff and jitter, a circuit
//! breaker per connector) and their mapping to connector records that carry `source` +
//! `external_id`.
//!
//! Amazon ([`amazon`]): one [`amazon::AmazonClient`] per seller account and region (NA or EU)
//! signs in with Login with Amazon, syncs orders incrementally from the 2026-01-01 Orders API
//! ([`amazon::AmazonClient::orders`], returning [`Synced`] orders and the next cursor), reads
//! bulk history from the all-orders report ([`amazon::AmazonClient::order_report`]) and lists
//! FBA stock per marketplace ([`amazon::AmazonClient::inventory`]). Each operation keeps to its
//! own rate limit, taken from `x-amzn-RateLimit-Limit`.
//!
//! Money is parsed from decimal text into integer minor units ([`Money`]), never through
//! `f64`. Incremental syncs return an [`IncrementalCursor`] to pass to the next one.
//!
//! With the `fake` feature, the `fake` module holds local fake servers that behave like the
//! real APIs (auth checks, paging, throttling, injected faults) so tests never reach the
//! internet.
#![forbid(unsafe_code)]

pub mod amazon;
pub mod error;
pub mod http;
pub mod money;
pub mod resilience;
pub mod secret;
pub mod shopify;
pub mod sync;
pub mod unleashed;
pub mod xero;

#[cfg(feature = "fake")]
pub mod fake;

pub use error::ConnectorError;
pub use money::{Money, Qty, UnitPrice};
pub use resilience::{
    CircuitBreaker, Clock, ManualClock, Pacer, Resilience, RetryPolicy, SystemClock,
};
pub use secret::Secret;
pub use sync::{IncrementalCursor, Modified, Synced};
