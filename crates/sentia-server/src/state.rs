//! Shared application state handed to every handler.

use std::sync::Arc;
use std::time::Instant;

use sentia_store::Db;

use crate::clock::Clock;
use crate::config::Config;
use crate::forecasting::history_cache::HistoryCache;
use crate::reporting::cache::CubeCache;

/// Cheap-to-clone handle on everything a request may need.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Database pool.
    pub db: Db,
    /// Sales cube for reports.
    pub cube: Arc<CubeCache>,
    /// Weekly demand history for forecasting.
    pub history: Arc<HistoryCache>,
    /// Configuration.
    pub config: Arc<Config>,
    /// Process start, for uptime.
    pub started: Instant,
    /// Source of "now" for session and lockout rules (the system clock outside tests).
    pub clock: Clock,
    /// Verifier of an external provider's bearer JWTs, when one is configured.
    pub oidc: Option<Arc<crate::auth::oidc::OidcVerifier>>,
    /// Request rate limits of this instance.
    pub limits: Arc<crate::security::RateLimits>,
    /// The newest outbox id, which wakes the live event streams.
    pub events: Arc<crate::realtime::EventFeed>,
    /// The key that seals secrets at rest.
    pub master_key: Arc<sentia_store::secrets::MasterKey>,
}

impl AppState {
    /// "Now" for session, lockout and audit rules, truncated to what the database stores.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        sentia_store::db_time(self.clock.now())
    }
}
