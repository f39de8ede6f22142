//! Typed configuration: built-in defaults, then `sentia.toml`, then `SENTIA_*` environment
//! variables (and the conventional `DATABASE_URL`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything the server needs to start.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Config {
    /// `sqlite://…` (embedded, the default) or `postgres://…`.
    pub database_url: String,
    /// Pooled database connections of this instance (keep instances × this under
    /// PostgreSQL's `max_connections`).
    pub database_max_connections: u32,
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Load the demo company into an empty database at start.
    pub demo_on_empty: bool,
    /// Days of history the demo company gets.
    pub demo_days: u32,
    /// Password for every demo user; random (and printed) when unset.
    pub demo_password: Option<String>,
    /// Mark the session cookie `Secure` (set when served over TLS).
    pub secure_cookies: bool,
    /// Start a forecast run at start-up when there is demand history but no forecast yet.
    pub forecast_on_start: bool,
    /// Requests per minute one client address may make to the sign-in endpoints
    /// (`/api/v1/auth/…`).
    pub auth_rate_per_minute: u32,
    /// API requests per minute one signed-in user may make.
    pub api_rate_per_minute: u32,
    /// Issuer URL of an OpenID Connect provider whose bearer JWTs the API accepts.
    pub oidc_issuer: Option<String>,
    /// The audience (client id) those tokens must name in `aud` or `azp`; also the client
    /// id of the browser sign-in ("Sign in with …", authorization code + PKCE).
    pub oidc_audience: Option<String>,
    /// Client secret for providers that register Sentia as a confidential client; unset for
    /// a public client (PKCE only).
    pub oidc_client_secret: Option<Redacted>,
    /// The redirect URI registered at the provider; by default
    /// `http(s)://<host of the request>/api/v1/auth/oidc/callback`.
    pub oidc_redirect_uri: Option<String>,
    /// Name of the provider on the sign-in button.
    pub oidc_label: String,
    /// The Shopify app's secret, which signs its webhooks; webhooks are refused (404) unset.
    pub shopify_webhook_secret: Option<Redacted>,
    /// Which channel each Shopify store sells on: `domain=CHANNEL` pairs, comma-separated
    /// (e.g. `sentia-uk.myshopify.com=SHOP-UK,sentia-eu.myshopify.com=SHOP-EU`).
    pub shopify_shops: String,
    /// Run the job worker (and the scheduler of periodic jobs) in this process.
    pub run_jobs: bool,
    /// Seconds a worker holds a job without renewing it; a job whose worker died is taken
    /// again after this (at least 3).
    pub job_lease_secs: u32,
    /// The Xero webhook key, which signs Xero's webhooks; they are refused (404) unset.
    pub xero_webhook_key: Option<Redacted>,
    /// Where the master key that seals secrets at rest is kept when `SENTIA_MASTER_KEY` is
    /// not set; created on first start. Instances sharing a database need the same key.
    pub master_key_file: PathBuf,
}

impl Config {
    /// The channel code of a Shopify store, from [`Config::shopify_shops`].
    pub fn shopify_channel(&self, domain: &str) -> Option<String> {
        self.shopify_shops
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .find(|(d, _)| d.trim().eq_ignore_ascii_case(domain.trim()))
            .map(|(_, c)| c.trim().to_owned())
            .filter(|c| !c.is_empty())
    }
}

/// A configuration value that must never reach logs: its `Debug` shows `***`.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://./sentia-data/sentia.db?mode=rwc".to_owned(),
            database_max_connections: 16,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            demo_on_empty: true,
            demo_days: 1096,
            demo_password: None,
            secure_cookies: false,
            forecast_on_start: true,
            auth_rate_per_minute: 20,
            api_rate_per_minute: 100,
            oidc_issuer: None,
            oidc_audience: None,
            oidc_client_secret: None,
            oidc_redirect_uri: None,
            oidc_label: "single sign-on".to_owned(),
            master_key_file: PathBuf::from("./sentia-data/master.key"),
            run_jobs: true,
            job_lease_secs: 60,
            xero_webhook_key: None,
            shopify_webhook_secret: None,
            shopify_shops: String::new(),
        }
    }
}

impl Config {
    /// Loads defaults → `path` (if it exists) → environment.
    pub fn load(path: &Path) -> Result<Self, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if path.exists() {
            fig = fig.merge(Toml::file(path));
        }
        fig = fig
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("SENTIA_").ignore(&["TEST_DATABASE_URL", "MASTER_KEY"]));
        fig.extract().map_err(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail API returns its own error"
    )]
    fn layers_file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("sentia.toml", "bind = \"127.0.0.1:9000\"\ndemo_days = 30\n")?;
            jail.set_env("SENTIA_DEMO_DAYS", "45");
            jail.set_env("DATABASE_URL", "postgres://x@localhost/db");
            let c = Config::load(Path::new("sentia.toml")).map_err(|e| e.to_string())?;
            assert_eq!(c.bind.port(), 9000);
            assert_eq!(c.demo_days, 45);
            assert_eq!(c.database_url, "postgres://x@localhost/db");
            assert!(c.demo_on_empty);
            jail.set_env("SENTIA_OIDC_CLIENT_SECRET", "s3cret");
            let c = Config::load(Path::new("sentia.toml")).map_err(|e| e.to_string())?;
            assert_eq!(c.oidc_client_secret, Some(Redacted("s3cret".into())));
            assert!(
                !format!("{c:?}").contains("s3cret"),
                "secrets stay out of logs"
            );
            Ok(())
        });
    }
}
