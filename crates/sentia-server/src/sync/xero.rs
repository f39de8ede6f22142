//! Syncing one Xero organisation: receivable (ACCREC) and payable (ACCPAY) invoices,
//! incrementally from the stored `invoices:ACCREC` and `invoices:ACCPAY` cursors.
//!
//! Settings: `tenant_id`, and optionally `identity_url` and `api_url` (proxies).
//! Credentials: `client_id`, `client_secret`, `refresh_token`. Xero rotates the refresh token
//! on every use: the rotated one (with the access token and its expiry) is written back
//! sealed, atomically and only if the stored one is still the one that was spent, while a
//! lease in the database lets one worker of any instance refresh at a time.
//!
//! A receivable names its customer by the contact's name: a contact no customer is named
//! after becomes a trade customer (region from its first invoice's currency, payment terms
//! from its due date). A payable names its supplier by the contact's name as the supplier
//! code; suppliers are not created (purchasing keeps their lead times and terms), so a bill
//! from an unknown supplier is refused and listed on the source, the rest are stored.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sentia_connectors::xero::{
    InvoiceKind, RefreshLease, TokenStore, XeroClient, XeroConfig, XeroInvoice, XeroTokens,
};
use sentia_connectors::{ConnectorError, IncrementalCursor, Secret};
use sentia_store::ingest::{self, IncomingCustomer, IncomingInvoice};
use sentia_store::sources::{self, Source};

use super::{Reconciliation, SyncError, SyncReport, optional, required, settings_of};
use crate::state::AppState;

/// The cursor object of one kind of invoice.
fn object(kind: InvoiceKind) -> String {
    format!("invoices:{}", kind.code())
}

/// How long one worker may hold the token-refresh lease.
const LEASE: Duration = Duration::seconds(60);
/// How long a worker waits for another's refresh before giving up this attempt.
const LEASE_WAIT: StdDuration = StdDuration::from_secs(30);

/// The source's tokens, kept sealed in its credentials.
#[derive(Debug, Clone)]
struct DbTokens {
    state: AppState,
    code: String,
}

/// Gives the refresh lease back when dropped.
struct LeaseGuard {
    state: AppState,
    code: String,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        let (state, code) = (self.state.clone(), self.code.clone());
        tokio::spawn(async move {
            if let Err(e) = sources::release_token_lease(&state.db, &code).await {
                tracing::warn!(error = %e, code, "token lease not released; it expires on its own");
            }
        });
    }
}

fn store_error(e: sentia_store::StoreError) -> ConnectorError {
    ConnectorError::Transient(format!("token store: {e}"))
}

impl TokenStore for DbTokens {
    fn lease(
        &self,
    ) -> sentia_connectors::xero::BoxFuture<'_, Result<RefreshLease, ConnectorError>> {
        Box::pin(async move {
            let give_up = tokio::time::Instant::now() + LEASE_WAIT;
            loop {
                let now = self.state.now();
                if sources::take_token_lease(&self.state.db, &self.code, now, now + LEASE)
                    .await
                    .map_err(store_error)?
                {
                    return Ok(Box::new(LeaseGuard {
                        state: self.state.clone(),
                        code: self.code.clone(),
                    }) as RefreshLease);
                }
                if tokio::time::Instant::now() >= give_up {
                    return Err(ConnectorError::Transient(
                        "another worker is refreshing the Xero tokens".into(),
                    ));
                }
                tokio::time::sleep(StdDuration::from_millis(200)).await;
            }
        })
    }

    fn load(&self) -> sentia_connectors::xero::BoxFuture<'_, Result<XeroTokens, ConnectorError>> {
        Box::pin(async move {
            let c = sources::credentials(&self.state.db, &self.state.master_key, &self.code)
                .await
                .map_err(store_error)?;
            let text = |k: &str| c.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            let refresh = text("refresh_token")
                .ok_or_else(|| ConnectorError::Auth("no Xero refresh token is stored".into()))?;
            Ok(XeroTokens {
                refresh_token: Secret::new(refresh),
                access_token: text("access_token").map(Secret::new),
                expires_at: text("expires_at").and_then(|t| t.parse::<DateTime<Utc>>().ok()),
            })
        })
    }

    fn swap<'a>(
        &'a self,
        previous_refresh: &'a Secret,
        new: &'a XeroTokens,
    ) -> sentia_connectors::xero::BoxFuture<'a, Result<bool, ConnectorError>> {
        Box::pin(async move {
            let mut change = serde_json::Map::new();
            change.insert(
                "refresh_token".into(),
                new.refresh_token.expose().to_owned().into(),
            );
            change.insert(
                "access_token".into(),
                new.access_token
                    .as_ref()
                    .map_or(serde_json::Value::Null, |t| t.expose().to_owned().into()),
            );
            change.insert(
                "expires_at".into(),
                new.expires_at
                    .map_or(serde_json::Value::Null, |t| t.to_rfc3339().into()),
            );
            sources::swap_credentials(
                &self.state.db,
                &self.state.master_key,
                &self.code,
                "refresh_token",
                previous_refresh.expose(),
                &change,
            )
            .await
            .map_err(store_error)
        })
    }
}

fn client(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
) -> Result<XeroClient, SyncError> {
    let settings = settings_of(source);
    let tenant = required(&settings, "tenant_id", "setting")?;
    let mut config = XeroConfig::new(
        required(creds, "client_id", "credential")?,
        required(creds, "client_secret", "credential")?.to_owned(),
        tenant,
    );
    required(creds, "refresh_token", "credential")?;
    if let Some(url) = optional(&settings, "identity_url") {
        config.identity_url = url.trim_end_matches('/').to_owned();
    }
    if let Some(url) = optional(&settings, "api_url") {
        config.api_url = url.trim_end_matches('/').to_owned();
    }
    let store = Arc::new(DbTokens {
        state: state.clone(),
        code: source.code.clone(),
    });
    Ok(XeroClient::new(config, store)?)
}

/// Maps a Xero invoice to the store's invoice.
pub fn incoming(inv: &XeroInvoice) -> Result<IncomingInvoice, String> {
    let issued = inv
        .date
        .ok_or_else(|| format!("{}: no date", inv.external_id))?
        .date_naive();
    let contact = inv
        .contact_name
        .clone()
        .ok_or_else(|| format!("{}: no contact", inv.external_id))?;
    let receivable = inv.kind == InvoiceKind::Receivable;
    Ok(IncomingInvoice {
        source: inv.source.clone(),
        external_id: inv.external_id.clone(),
        kind: inv.kind.code().to_owned(),
        invoice_number: inv
            .number
            .clone()
            .unwrap_or_else(|| inv.external_id.clone()),
        customer_name: receivable.then(|| contact.clone()),
        supplier_code: (!receivable).then_some(contact),
        issued_on: issued,
        due_on: inv.due_date.map_or(issued, |d| d.date_naive()).max(issued),
        currency: inv.currency.code().to_owned(),
        total_minor: inv.total.minor,
        status: match inv.status.as_str() {
            "DELETED" => "VOIDED".to_owned(),
            other => other.to_owned(),
        },
    })
}

/// The region of a customer billed in `currency`.
fn region_of(currency: sentia_core::currency::Currency) -> &'static str {
    use sentia_core::currency::Currency;
    match currency {
        Currency::Gbp => "UK",
        Currency::Eur => "EU",
        Currency::Usd => "US",
    }
}

/// Trade customers for the receivables' contacts, by contact: region from the currency of
/// their first invoice, payment terms from its due date. The store adds those whose name it
/// does not know.
pub fn new_customers(invoices: &[XeroInvoice]) -> Vec<IncomingCustomer> {
    let mut seen = std::collections::BTreeSet::new();
    invoices
        .iter()
        .filter(|i| i.kind == InvoiceKind::Receivable)
        .filter_map(|i| {
            let name = i.contact_name.clone()?;
            let id = i.contact_id.clone().unwrap_or_else(|| name.clone());
            if !seen.insert(id.clone()) {
                return None;
            }
            let terms = match (i.date, i.due_date) {
                (Some(d), Some(due)) => (due.date_naive() - d.date_naive()).num_days(),
                _ => 0,
            };
            Some(IncomingCustomer {
                source: i.source.clone(),
                external_id: id,
                name,
                kind: "trade".into(),
                region: region_of(i.currency).into(),
                payment_terms_days: terms.clamp(0, 365) as i32,
            })
        })
        .collect()
}

/// Syncs both kinds of invoice changed since their stored cursors (all when `full`).
pub async fn sync(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
    full: bool,
) -> Result<SyncReport, SyncError> {
    let client = client(state, source, creds)?;
    let mut report = SyncReport::default();
    for kind in [InvoiceKind::Receivable, InvoiceKind::Payable] {
        let object = object(kind);
        let cursor = super::cursor_of(state, &source.code, &object, full).await?;
        let synced = client.invoices(kind, &cursor).await?;
        if kind == InvoiceKind::Receivable {
            let added =
                ingest::add_unknown_customers(&state.db, &new_customers(&synced.records)).await?;
            if added > 0 {
                tracing::info!(added, "customers added from Xero contacts");
            }
        }
        let mapped = synced.records.iter().map(incoming).collect();
        report.absorb(super::store_mapped(state, mapped).await?);
        super::save_cursor_of(state, &source.code, &object, &synced.cursor).await?;
    }
    Ok(report)
}

/// Compares the organisation's invoices with the invoices Sentia holds from it.
pub async fn reconcile(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<Reconciliation>, SyncError> {
    let client = client(state, source, creds)?;
    let mut in_source = std::collections::BTreeSet::new();
    for kind in [InvoiceKind::Receivable, InvoiceKind::Payable] {
        let all = client.invoices(kind, &IncrementalCursor::full()).await?;
        in_source.extend(all.records.into_iter().map(|i| i.external_id));
    }
    let in_sentia = super::stored_ids(state, "invoices", client.source()).await?;
    Ok(vec![super::compare("invoices", &in_source, &in_sentia)])
}
