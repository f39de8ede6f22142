//! OAuth2 tokens and where they are kept.
//!
//! Xero rotates the refresh token on every use (the old one stays valid for a 30-minute
//! grace), so the new one must be persisted atomically before it is relied on, and several
//! workers must not each spend the same refresh token. The [`TokenStore`] therefore hands out
//! a refresh lease (one holder at a time, across processes for a database-backed store) and
//! holds the access token too: a worker that gets the lease after another refreshed finds a
//! live access token and uses it instead of refreshing again.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::error::ConnectorError;
use crate::secret::Secret;

/// A boxed, sendable future (keeps [`TokenStore`] usable as a trait object).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The tokens of one Xero connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XeroTokens {
    /// The current refresh token (rotates on every refresh).
    pub refresh_token: Secret,
    /// The current access token, when one was issued.
    pub access_token: Option<Secret>,
    /// When the access token expires.
    pub expires_at: Option<DateTime<Utc>>,
}

impl XeroTokens {
    /// Tokens holding only a refresh token (as after the consent flow or an import).
    pub fn from_refresh_token(refresh_token: impl Into<Secret>) -> Self {
        Self {
            refresh_token: refresh_token.into(),
            access_token: None,
            expires_at: None,
        }
    }

    /// The access token if it is still good for at least `margin` seconds at `now`.
    pub fn live_access_token(&self, now: DateTime<Utc>, margin_secs: i64) -> Option<&Secret> {
        match (&self.access_token, self.expires_at) {
            (Some(t), Some(exp)) if exp - chrono::TimeDelta::seconds(margin_secs) > now => Some(t),
            _ => None,
        }
    }
}

/// Held while refreshing; dropping it lets the next worker refresh.
pub type RefreshLease = Box<dyn Send + Sync>;

/// Durable storage of a connection's tokens (the server keeps them encrypted in its database).
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    /// Waits for the refresh lease: while it is held no other worker (in any process sharing
    /// the store) refreshes. A database store takes a row lock or advisory lock here.
    fn lease(&self) -> BoxFuture<'_, Result<RefreshLease, ConnectorError>>;

    /// The tokens as last stored.
    fn load(&self) -> BoxFuture<'_, Result<XeroTokens, ConnectorError>>;

    /// Atomically replaces the stored tokens with `new` if the stored refresh token is still
    /// `previous_refresh`; returns `false` (storing nothing) when another worker rotated it
    /// first (which the lease should make impossible).
    fn swap<'a>(
        &'a self,
        previous_refresh: &'a Secret,
        new: &'a XeroTokens,
    ) -> BoxFuture<'a, Result<bool, ConnectorError>>;
}

/// Tokens kept in memory: for one process and for tests.
#[derive(Debug)]
pub struct MemoryTokenStore {
    tokens: Mutex<XeroTokens>,
    swaps: Mutex<u32>,
    lease: Arc<tokio::sync::Mutex<()>>,
}

impl MemoryTokenStore {
    /// A store holding `tokens`.
    pub fn new(tokens: XeroTokens) -> Self {
        Self {
            tokens: Mutex::new(tokens),
            swaps: Mutex::new(0),
            lease: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The tokens held now.
    pub fn current(&self) -> XeroTokens {
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Successful swaps so far.
    pub fn swaps(&self) -> u32 {
        *self.swaps.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for MemoryTokenStore {
    fn lease(&self) -> BoxFuture<'_, Result<RefreshLease, ConnectorError>> {
        let lock = self.lease.clone();
        Box::pin(async move { Ok(Box::new(lock.lock_owned().await) as RefreshLease) })
    }

    fn load(&self) -> BoxFuture<'_, Result<XeroTokens, ConnectorError>> {
        let t = self.current();
        Box::pin(async move { Ok(t) })
    }

    fn swap<'a>(
        &'a self,
        previous_refresh: &'a Secret,
        new: &'a XeroTokens,
    ) -> BoxFuture<'a, Result<bool, ConnectorError>> {
        Box::pin(async move {
            let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
            if &t.refresh_token != previous_refresh {
                return Ok(false);
            }
            *t = new.clone();
            *self.swaps.lock().unwrap_or_else(|p| p.into_inner()) += 1;
            Ok(true)
        })
    }
}
