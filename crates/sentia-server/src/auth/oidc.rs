//! Bearer JWTs from an external identity provider (Clerk or any OpenID Connect provider):
//! keys come from the provider's JWKS (found through its discovery document), cached and
//! fetched again when a token names an unknown `kid` (a key rotation); `iss`, `aud` or
//! `azp`, `exp` and `nbf` are checked; only RS256 is accepted (so `alg: none` and
//! HMAC-with-the-public-key tricks fail). Claims map to a local user by e-mail; an unknown
//! e-mail is provisioned with the role in the token's `sentia_role` claim (VIEWER if absent).

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::RwLock;

/// Why a token was refused (logged, never shown beyond 401).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Not a JWT, or not signed with RS256.
    #[error("malformed or unsupported token: {0}")]
    Malformed(String),
    /// No key with the token's `kid`, even after fetching the keys again.
    #[error("unknown signing key {0:?}")]
    UnknownKey(Option<String>),
    /// Signature, issuer, expiry or not-before check failed.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// Neither `aud` nor `azp` names this application.
    #[error("token is for another audience")]
    Audience,
    /// The provider could not be reached.
    #[error("identity provider unreachable: {0}")]
    Provider(String),
}

/// The claims Sentia reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    /// Subject at the provider.
    pub sub: String,
    /// E-mail, which maps to the local user.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Audience: one string or several.
    #[serde(default)]
    pub aud: Option<serde_json::Value>,
    /// Authorized party (Clerk puts the app's origin here).
    pub azp: Option<String>,
    /// Role for a user provisioned on first sign-in.
    pub sentia_role: Option<String>,
    /// The nonce of a browser sign-in (ID tokens only).
    pub nonce: Option<String>,
}

/// Seconds of clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;
/// Keys are fetched again at most this often, whatever tokens arrive.
pub const REFETCH_MIN: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
struct Cache {
    keys: Option<JwkSet>,
    fetched: Option<Instant>,
    endpoints: Option<Endpoints>,
}

/// Where the browser sign-in (authorization code + PKCE) goes at the provider.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Where the browser is sent to sign in.
    pub authorization: String,
    /// Where the code is exchanged for tokens.
    pub token: String,
}

/// Verifies bearer JWTs of one provider.
#[derive(Debug)]
pub struct OidcVerifier {
    issuer: String,
    audience: String,
    http: reqwest::Client,
    cache: RwLock<Cache>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
}

impl OidcVerifier {
    /// A verifier for tokens of `issuer` meant for `audience`.
    pub fn new(issuer: &str, audience: &str) -> Self {
        OidcVerifier {
            issuer: issuer.trim_end_matches('/').to_owned(),
            audience: audience.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client"),
            cache: RwLock::default(),
        }
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience, which is also Sentia's client id at the provider.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The HTTP client used to reach the provider.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The provider's authorization and token endpoints, from its discovery document
    /// (fetched once, then cached).
    pub async fn endpoints(&self) -> Result<Endpoints, OidcError> {
        if let Some(e) = self.cache.read().await.endpoints.clone() {
            return Ok(e);
        }
        let d = self.discovery().await?;
        let e = Endpoints {
            authorization: d.authorization_endpoint.ok_or_else(|| {
                OidcError::Provider("discovery names no authorization_endpoint".into())
            })?,
            token: d
                .token_endpoint
                .ok_or_else(|| OidcError::Provider("discovery names no token_endpoint".into()))?,
        };
        self.cache.write().await.endpoints = Some(e.clone());
        Ok(e)
    }

    async fn discovery(&self) -> Result<Discovery, OidcError> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let d: Discovery = self
            .http
            .get(&url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| OidcError::Provider(e.to_string()))?
            .json()
            .await
            .map_err(|e| OidcError::Provider(format!("discovery document: {e}")))?;
        if d.issuer.trim_end_matches('/') != self.issuer {
            return Err(OidcError::Provider(format!(
                "discovery names issuer {}, not {}",
                d.issuer, self.issuer
            )));
        }
        Ok(d)
    }

    async fn fetch(&self) -> Result<JwkSet, OidcError> {
        let d = self.discovery().await?;
        self.http
            .get(&d.jwks_uri)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| OidcError::Provider(e.to_string()))?
            .json()
            .await
            .map_err(|e| OidcError::Provider(format!("JWKS: {e}")))
    }

    /// The key with `kid`, fetching the keys when none are cached or `kid` is unknown (at
    /// most every [`REFETCH_MIN`]).
    async fn key(&self, kid: Option<&str>) -> Result<DecodingKey, OidcError> {
        let find = |set: &JwkSet| {
            set.keys
                .iter()
                .find(|k| kid.is_some() && k.common.key_id.as_deref() == kid)
                .map(DecodingKey::from_jwk)
        };
        {
            let c = self.cache.read().await;
            if let Some(found) = c.keys.as_ref().and_then(find) {
                return found.map_err(|e| OidcError::Invalid(e.to_string()));
            }
        }
        let mut c = self.cache.write().await;
        if c.fetched.is_none_or(|t| t.elapsed() >= REFETCH_MIN) {
            let set = self.fetch().await?;
            c.keys = Some(set);
            c.fetched = Some(Instant::now());
        }
        c.keys
            .as_ref()
            .and_then(find)
            .ok_or_else(|| OidcError::UnknownKey(kid.map(str::to_owned)))?
            .map_err(|e| OidcError::Invalid(e.to_string()))
    }

    /// Verifies a token and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, OidcError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| OidcError::Malformed(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(OidcError::Malformed(format!(
                "{:?} is not accepted",
                header.alg
            )));
        }
        let key = self.key(header.kid.as_deref()).await?;
        let mut v = Validation::new(Algorithm::RS256);
        v.set_issuer(&[&self.issuer]);
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        v.validate_nbf = true;
        v.leeway = LEEWAY_SECS;
        // Checked below: `aud` or, for providers that leave it out, `azp`.
        v.validate_aud = false;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &v)
            .map_err(|e| OidcError::Invalid(e.to_string()))?;
        let c = data.claims;
        // A token with an audience must name us there; one without must name us as `azp`.
        let ours = match &c.aud {
            Some(serde_json::Value::String(a)) => *a == self.audience,
            Some(serde_json::Value::Array(a)) => a.iter().any(|x| x == &self.audience),
            Some(serde_json::Value::Null) | None => {
                c.azp.as_deref() == Some(self.audience.as_str())
            }
            Some(_) => false,
        };
        if !ours {
            return Err(OidcError::Audience);
        }
        Ok(c)
    }
}
