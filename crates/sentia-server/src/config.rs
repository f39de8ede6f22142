//! Typed configuration: built-in defaults, then `sentia.toml`, then `SENTIA_*` environment
//! variables (and the conventional `DATABASE_URL`).

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything the server needs to start.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Config {
    /// `sqlite://…` (embedded, the default) or `postgres://…`.
    pub database_url: String,
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
    /// The audience (client id) those tokens must name in `aud` or `azp`.
    pub oidc_audience: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://./sentia-data/sentia.db?mode=rwc".to_owned(),
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
            Ok(())
        });
    }
}
