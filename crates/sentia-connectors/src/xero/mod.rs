//! Xero Accounting client: OAuth2 refresh with rotating refresh tokens (persisted through a
//! [`TokenStore`]), the tenant header, ACCREC/ACCPAY invoices paged and synced incrementally
//! with `If-Modified-Since`, minute/day limits, and the webhook signature check.

pub mod model;
mod token;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use sentia_core::currency::Currency;
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub use model::*;
pub use token::{BoxFuture, MemoryTokenStore, RefreshLease, TokenStore, XeroTokens};

use crate::error::ConnectorError;
use crate::http;
use crate::money::{Money, parse_decimal_rounded};
use crate::resilience::{Clock, Pacer, Resilience, RetryPolicy, SystemClock};
use crate::secret::Secret;
use crate::shopify::webhook_hmac;
use crate::sync::{IncrementalCursor, Modified, Synced};
use crate::unleashed::wire::{de_date, de_decimal};

/// Settings for one Xero tenant.
#[derive(Debug, Clone)]
pub struct XeroConfig {
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: Secret,
    /// Tenant (organisation) id, sent as `xero-tenant-id`.
    pub tenant_id: String,
    /// Identity host (`https://identity.xero.com`); tests point it at the fake.
    pub identity_url: String,
    /// API host (`https://api.xero.com`); tests point it at the fake.
    pub api_url: String,
    /// Least time between calls: 1 s keeps one worker under Xero's 60 calls a minute.
    pub min_interval: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retry policy for transient failures.
    pub retry: RetryPolicy,
}

impl XeroConfig {
    /// Settings with defaults: production hosts, 1 call a second, 30 s timeout.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        tenant_id: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            tenant_id: tenant_id.into(),
            identity_url: "https://identity.xero.com".into(),
            api_url: "https://api.xero.com".into(),
            min_interval: Duration::from_secs(1),
            timeout: http::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

/// Whether `header_b64` (`x-xero-signature`) is the base64 HMAC-SHA256 of the raw body under
/// the webhook key. Constant time. Answer 401 to deliveries that fail this.
pub fn verify_xero_signature(webhook_key: &[u8], raw_body: &[u8], header_b64: &str) -> bool {
    let Ok(given) = STANDARD.decode(header_b64.trim()) else {
        return false;
    };
    let expected = webhook_hmac(webhook_key, raw_body);
    given.len() == expected.len() && bool::from(given.ct_eq(&expected))
}

/// Seconds of life an access token must have left to be used.
const TOKEN_MARGIN_SECS: i64 = 60;

/// A client for one Xero tenant.
#[derive(Debug)]
pub struct XeroClient {
    http: reqwest::Client,
    config: XeroConfig,
    store: Arc<dyn TokenStore>,
    cached: Mutex<Option<XeroTokens>>,
    refresh_lock: tokio::sync::Mutex<()>,
    resilience: Resilience,
    source: String,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
}

/// The call was refused with 401: the access token is no longer good.
struct Unauthorized;

impl XeroClient {
    /// A client on the system clock whose tokens live in `store`.
    pub fn new(config: XeroConfig, store: Arc<dyn TokenStore>) -> Result<Self, ConnectorError> {
        Self::with_clock(config, store, Arc::new(SystemClock))
    }

    /// A client whose circuit breaker runs on `clock`.
    pub fn with_clock(
        mut config: XeroConfig,
        store: Arc<dyn TokenStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ConnectorError> {
        config.identity_url = config.identity_url.trim_end_matches('/').to_owned();
        config.api_url = config.api_url.trim_end_matches('/').to_owned();
        let source = format!("xero:{}", config.tenant_id);
        Ok(Self {
            http: http::client(config.timeout)?,
            resilience: Resilience::new(source.clone(), config.retry.clone(), clock)
                .with_pacer(Pacer::with_min_interval(config.min_interval)),
            store,
            cached: Mutex::new(None),
            refresh_lock: tokio::sync::Mutex::new(()),
            config,
            source,
        })
    }

    /// The `source` value on this tenant's records.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The pacer, retry policy and circuit breaker of this tenant.
    pub fn resilience(&self) -> &Resilience {
        &self.resilience
    }

    /// The tenants the app is connected to (`GET /connections`).
    pub async fn connections(&self) -> Result<Vec<XeroConnection>, ConnectorError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Row {
            tenant_id: String,
            tenant_type: String,
            tenant_name: Option<String>,
        }
        let url = format!("{}/connections", self.config.api_url);
        let rows: Vec<Row> = self.get(&url, &[], None, false).await?;
        Ok(rows
            .into_iter()
            .map(|r| XeroConnection {
                tenant_id: r.tenant_id,
                tenant_type: r.tenant_type,
                tenant_name: r.tenant_name,
            })
            .collect())
    }

    /// Invoices of `kind` changed since `cursor`. A full sync asks for AUTHORISED and PAID;
    /// incremental ones add VOIDED and DELETED so an invoice cancelled after it was synced is
    /// seen. Some Xero edits do not bump `UpdatedDateUTC`: run a full sync now and then.
    #[tracing::instrument(skip_all, fields(source = %self.source, kind = kind.code()))]
    pub async fn invoices(
        &self,
        kind: InvoiceKind,
        cursor: &IncrementalCursor,
    ) -> Result<Synced<XeroInvoice>, ConnectorError> {
        let since = cursor
            .since()
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string());
        let statuses = if since.is_some() {
            "AUTHORISED,PAID,VOIDED,DELETED"
        } else {
            "AUTHORISED,PAID"
        };
        let filter = format!("Type==\"{}\"", kind.code());
        let url = format!("{}/api.xro/2.0/Invoices", self.config.api_url);
        let mut records = Vec::new();
        let mut page = 1u64;
        loop {
            let page_s = page.to_string();
            let query = [
                ("where", filter.as_str()),
                ("Statuses", statuses),
                ("page", page_s.as_str()),
            ];
            let body: InvoicesPage = self.get(&url, &query, since.as_deref(), true).await?;
            let n = body.invoices.len();
            for inv in body.invoices {
                let r = self.map_invoice(inv, kind)?;
                if !r
                    .modified_at
                    .is_some_and(|m| cursor.already_seen(&r.external_id, m))
                {
                    records.push(r);
                }
            }
            if n == 0
                || body
                    .pagination
                    .as_ref()
                    .is_none_or(|p| page >= p.page_count)
            {
                break;
            }
            page += 1;
        }
        let cursor = cursor.advance(
            records
                .iter()
                .filter_map(|r| Some((r.external_id(), r.modified_at?))),
        );
        tracing::info!(invoices = records.len(), "xero synced");
        Ok(Synced { records, cursor })
    }

    fn map_invoice(
        &self,
        i: WireInvoice,
        kind: InvoiceKind,
    ) -> Result<XeroInvoice, ConnectorError> {
        let bad =
            |e: &dyn std::fmt::Display| ConnectorError::Malformed(format!("{}: {e}", i.invoice_id));
        let currency: Currency = i.currency_code.parse().map_err(|e| bad(&e))?;
        let money = |v: &Option<String>| match v {
            None => Ok(Money::new(0, currency)),
            Some(s) => Money::parse(s, currency).map_err(|e| bad(&e)),
        };
        if i.kind != kind.code() {
            return Err(bad(&format!(
                "asked for {} but got {}",
                kind.code(),
                i.kind
            )));
        }
        Ok(XeroInvoice {
            source: self.source.clone(),
            number: i.invoice_number.clone(),
            kind,
            contact_id: i.contact.as_ref().and_then(|c| c.contact_id.clone()),
            contact_name: i.contact.as_ref().and_then(|c| c.name.clone()),
            date: i.date,
            due_date: i.due_date,
            status: i.status.clone(),
            currency,
            currency_rate: match &i.currency_rate {
                None => sentia_core::currency::FX_SCALE,
                Some(s) => parse_decimal_rounded(s, 9).map_err(|e| bad(&e))?,
            },
            sub_total: money(&i.sub_total)?,
            total_tax: money(&i.total_tax)?,
            total: money(&i.total)?,
            amount_due: money(&i.amount_due)?,
            amount_paid: money(&i.amount_paid)?,
            amount_credited: money(&i.amount_credited)?,
            fully_paid_on: i.fully_paid_on_date,
            modified_at: i.updated_date_utc,
            external_id: i.invoice_id,
        })
    }

    /// A GET with a valid access token; a 401 refreshes the token once and tries again.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
        if_modified_since: Option<&str>,
        tenant: bool,
    ) -> Result<T, ConnectorError> {
        let mut rejected: Option<Secret> = None;
        for _ in 0..2 {
            let token = self.access_token(rejected.as_ref()).await?;
            let outcome = self
                .resilience
                .run(|| self.attempt(url, query, if_modified_since, tenant, &token))
                .await?;
            match outcome {
                Ok(text) => {
                    return serde_json::from_str(&text).map_err(|e| {
                        ConnectorError::Malformed(format!("unexpected Xero answer: {e}"))
                    });
                }
                Err(Unauthorized) => rejected = Some(token),
            }
        }
        Err(ConnectorError::Auth(
            "Xero refused a freshly refreshed access token".into(),
        ))
    }

    async fn attempt(
        &self,
        url: &str,
        query: &[(&str, &str)],
        if_modified_since: Option<&str>,
        tenant: bool,
        token: &Secret,
    ) -> Result<Result<String, Unauthorized>, ConnectorError> {
        let mut req = self
            .http
            .get(url)
            .query(query)
            .bearer_auth(token.expose())
            .header("Accept", "application/json");
        if tenant {
            req = req.header("xero-tenant-id", &self.config.tenant_id);
        }
        if let Some(ims) = if_modified_since {
            req = req.header("If-Modified-Since", ims);
        }
        let resp = req.send().await.map_err(http::transport_error)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.map_err(http::transport_error)?;
        if status.as_u16() == 401 {
            return Ok(Err(Unauthorized));
        }
        if status.as_u16() == 429 {
            let problem = headers
                .get("X-Rate-Limit-Problem")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase();
            if problem == "day" {
                tracing::error!(source = %self.source, "Xero daily call limit reached; syncing stops until it resets");
                return Err(ConnectorError::QuotaSpent(
                    "Xero daily call limit reached".into(),
                ));
            }
            return Err(ConnectorError::RateLimited {
                retry_after: http::retry_after(&headers),
            });
        }
        if !status.is_success() {
            return Err(http::status_error(status, &headers, &text));
        }
        Ok(Ok(text))
    }

    /// A live access token: the cached one, one another worker stored, or a fresh one.
    /// `rejected` is a token the API just refused.
    async fn access_token(&self, rejected: Option<&Secret>) -> Result<Secret, ConnectorError> {
        let now = Utc::now();
        let usable = |t: &XeroTokens| {
            t.live_access_token(now, TOKEN_MARGIN_SECS)
                .filter(|a| Some(*a) != rejected)
                .cloned()
        };
        if let Some(t) = self.cached().as_ref().and_then(usable) {
            return Ok(t);
        }
        // One refresh at a time: in this process, then across every worker sharing the store.
        let _guard = self.refresh_lock.lock().await;
        let _lease = self.store.lease().await?;
        let stored = self.store.load().await?;
        if let Some(t) = usable(&stored) {
            self.set_cached(stored.clone());
            return Ok(t);
        }
        let fresh = self.refresh(&stored.refresh_token).await?;
        if self.store.swap(&stored.refresh_token, &fresh).await? {
            let token = fresh.access_token.clone();
            self.set_cached(fresh);
            return token.ok_or_else(|| ConnectorError::Malformed("no access token".into()));
        }
        // Another worker rotated without the lease; its tokens are the ones to use.
        tracing::warn!(source = %self.source, "refresh token rotated elsewhere during a leased refresh");
        let theirs = self.store.load().await?;
        let token = theirs.live_access_token(now, 0).cloned().ok_or_else(|| {
            ConnectorError::Auth("refresh token rotated elsewhere without an access token".into())
        })?;
        self.set_cached(theirs);
        Ok(token)
    }

    async fn refresh(&self, refresh_token: &Secret) -> Result<XeroTokens, ConnectorError> {
        let url = format!("{}/connect/token", self.config.identity_url);
        let answer: TokenAnswer = self
            .resilience
            .run(|| async {
                let resp = self
                    .http
                    .post(&url)
                    .basic_auth(
                        &self.config.client_id,
                        Some(self.config.client_secret.expose()),
                    )
                    .form(&[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", refresh_token.expose()),
                    ])
                    .send()
                    .await
                    .map_err(http::transport_error)?;
                let status = resp.status();
                let headers = resp.headers().clone();
                let text = resp.text().await.map_err(http::transport_error)?;
                match status.as_u16() {
                    400 | 401 | 403 => Err(ConnectorError::Auth(format!(
                        "token refresh refused: {}",
                        text.chars().take(200).collect::<String>()
                    ))),
                    _ if !status.is_success() => Err(http::status_error(status, &headers, &text)),
                    _ => serde_json::from_str(&text)
                        .map_err(|e| ConnectorError::Malformed(format!("token answer: {e}"))),
                }
            })
            .await?;
        tracing::info!(source = %self.source, "Xero access token refreshed");
        Ok(XeroTokens {
            refresh_token: Secret::new(answer.refresh_token),
            access_token: Some(Secret::new(answer.access_token)),
            expires_at: Some(Utc::now() + chrono::TimeDelta::seconds(answer.expires_in)),
        })
    }

    fn cached(&self) -> Option<XeroTokens> {
        self.cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_cached(&self, t: XeroTokens) {
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(t);
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    page_count: u64,
}

#[derive(Debug, Deserialize)]
struct InvoicesPage {
    pagination: Option<Pagination>,
    #[serde(rename = "Invoices", default)]
    invoices: Vec<WireInvoice>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireContact {
    #[serde(rename = "ContactID")]
    contact_id: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireInvoice {
    #[serde(rename = "InvoiceID")]
    invoice_id: String,
    invoice_number: Option<String>,
    #[serde(rename = "Type")]
    kind: String,
    contact: Option<WireContact>,
    #[serde(default, deserialize_with = "de_date")]
    date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de_date")]
    due_date: Option<DateTime<Utc>>,
    status: String,
    currency_code: String,
    #[serde(default, deserialize_with = "de_decimal")]
    currency_rate: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    sub_total: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    total_tax: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    total: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    amount_due: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    amount_paid: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    amount_credited: Option<String>,
    #[serde(default, deserialize_with = "de_date")]
    fully_paid_on_date: Option<DateTime<Utc>>,
    #[serde(rename = "UpdatedDateUTC", default, deserialize_with = "de_date")]
    updated_date_utc: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_webhook_signatures() {
        let body = br#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}"#;
        let sig = STANDARD.encode(webhook_hmac(b"webhook-key", body));
        assert!(verify_xero_signature(b"webhook-key", body, &sig));
        assert!(!verify_xero_signature(b"other-key", body, &sig));
        assert!(!verify_xero_signature(b"webhook-key", b"{}", &sig));
        assert!(!verify_xero_signature(b"webhook-key", body, "%%%"));
    }
}
