//! The Xero client against the local fake (identity + accounting).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use sentia_connectors::fake::xero::FakeXeroTotals;
use sentia_connectors::fake::{FakeXero, FakeXeroConfig, Fault};
use sentia_connectors::xero::*;
use sentia_connectors::{ConnectorError, IncrementalCursor, RetryPolicy};

fn config(fake: &FakeXero, secret: &str, tenant: &str) -> XeroConfig {
    let d = FakeXeroConfig::default();
    let mut c = XeroConfig::new(d.client_id, secret, tenant);
    c.identity_url = fake.base_url().to_owned();
    c.api_url = fake.base_url().to_owned();
    c.min_interval = Duration::ZERO;
    c.timeout = Duration::from_millis(400);
    c.retry = RetryPolicy::with_base(Duration::from_millis(5));
    c
}

fn store() -> Arc<MemoryTokenStore> {
    Arc::new(MemoryTokenStore::new(XeroTokens::from_refresh_token(
        FakeXeroConfig::default().initial_refresh_token,
    )))
}

fn client(fake: &FakeXero, store: Arc<MemoryTokenStore>) -> XeroClient {
    let d = FakeXeroConfig::default();
    XeroClient::new(config(fake, &d.client_secret, &d.tenant_id), store).unwrap()
}

#[derive(Default)]
struct Local {
    invoices: BTreeMap<String, XeroInvoice>,
    cursors: BTreeMap<InvoiceKind, IncrementalCursor>,
}

impl Local {
    async fn sync(&mut self, c: &XeroClient) -> BTreeMap<InvoiceKind, BTreeSet<String>> {
        let mut changed = BTreeMap::new();
        for kind in [InvoiceKind::Receivable, InvoiceKind::Payable] {
            let cursor = self.cursors.get(&kind).cloned().unwrap_or_default();
            let s = c.invoices(kind, &cursor).await.unwrap();
            changed.insert(
                kind,
                s.records.iter().map(|r| r.external_id.clone()).collect(),
            );
            for r in s.records {
                self.invoices.insert(r.external_id.clone(), r);
            }
            self.cursors.insert(kind, s.cursor);
        }
        changed
    }

    fn totals(&self, kind: InvoiceKind) -> FakeXeroTotals {
        let mut t = FakeXeroTotals::default();
        for i in self.invoices.values() {
            if i.kind == kind && matches!(i.status.as_str(), "AUTHORISED" | "PAID") {
                t.count += 1;
                assert_eq!(i.total.minor, i.sub_total.minor + i.total_tax.minor);
                *t.total.entry(i.currency).or_default() += i.total.minor;
                *t.due.entry(i.currency).or_default() += i.amount_due.minor;
            }
        }
        t
    }

    fn assert_matches(&self, fake: &FakeXero) {
        assert_eq!(self.totals(InvoiceKind::Receivable), fake.totals("ACCREC"));
        assert_eq!(self.totals(InvoiceKind::Payable), fake.totals("ACCPAY"));
    }
}

#[tokio::test]
async fn full_then_incremental_sync_through_the_minute_limit_and_faults() {
    let fake = FakeXero::start(FakeXeroConfig {
        invoices: 90,
        page_size: 8,
        minute_limit: 3,
        minute_window: Duration::from_millis(150),
        ..FakeXeroConfig::default()
    })
    .await
    .unwrap();
    let tokens = store();
    let c = client(&fake, tokens.clone());
    fake.faults().inject_after(3, Fault::Status(503), 3);
    fake.faults()
        .inject_after(8, Fault::Delay(Duration::from_secs(1)), 1);

    let mut local = Local::default();
    local.sync(&c).await;
    assert_eq!(fake.faults().pending(), 0);
    assert!(
        fake.rate_limited() > 0,
        "the minute limit was hit and waited out"
    );
    local.assert_matches(&fake);
    let full = fake.totals("ACCREC").count + fake.totals("ACCPAY").count;
    assert_eq!(
        local.invoices.len(),
        full,
        "drafts and voided invoices are not fetched in a full sync"
    );
    assert_eq!(fake.refreshes(), 1);
    assert_eq!(
        tokens.current().refresh_token.expose(),
        fake.current_refresh_token(),
        "the rotated token was persisted"
    );

    let mut expected: BTreeMap<InvoiceKind, BTreeSet<String>> = BTreeMap::new();
    let mut rec: BTreeSet<String> = fake.add_invoices(2, "ACCREC").into_iter().collect();
    rec.insert(fake.pay_invoice("ACCREC", 0));
    rec.insert(fake.void_invoice("ACCREC", 10));
    expected.insert(InvoiceKind::Receivable, rec);
    expected.insert(
        InvoiceKind::Payable,
        fake.add_invoices(1, "ACCPAY").into_iter().collect(),
    );
    fake.faults().inject_after(1, Fault::Status(500), 2);
    let changed = local.sync(&c).await;
    assert_eq!(changed, expected);
    local.assert_matches(&fake);

    let again = local.sync(&c).await;
    assert!(again.values().all(BTreeSet::is_empty), "{again:?}");
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_and_the_rotation_persisted() {
    let fake = FakeXero::start(FakeXeroConfig::default()).await.unwrap();
    let tokens = store();
    let c = client(&fake, tokens.clone());
    c.invoices(InvoiceKind::Payable, &IncrementalCursor::full())
        .await
        .unwrap();
    let first = tokens.current();
    fake.expire_access_tokens();
    c.invoices(InvoiceKind::Payable, &IncrementalCursor::full())
        .await
        .unwrap();
    assert_eq!(fake.refreshes(), 2);
    let second = tokens.current();
    assert_ne!(first.refresh_token, second.refresh_token);
    assert_eq!(second.refresh_token.expose(), fake.current_refresh_token());
    assert_eq!(tokens.swaps(), 2);
}

#[tokio::test]
async fn workers_sharing_a_store_refresh_once() {
    let fake = FakeXero::start(FakeXeroConfig::default()).await.unwrap();
    let tokens = store();
    let a = client(&fake, tokens.clone());
    let b = client(&fake, tokens.clone());
    let full = IncrementalCursor::full();
    let (ra, rb) = tokio::join!(
        a.invoices(InvoiceKind::Receivable, &full),
        b.invoices(InvoiceKind::Payable, &full),
    );
    ra.unwrap();
    rb.unwrap();
    // Both start without an access token; the store's lease makes the second wait and then
    // use the token the first stored, so the refresh token is spent once.
    assert_eq!(fake.refreshes(), 1);
    assert_eq!(tokens.swaps(), 1);
    assert_eq!(
        tokens.current().refresh_token.expose(),
        fake.current_refresh_token()
    );
    let before = fake.refreshes();
    a.connections().await.unwrap();
    b.connections().await.unwrap();
    assert_eq!(
        fake.refreshes(),
        before,
        "the stored access token is reused"
    );
}

#[tokio::test]
async fn a_spent_refresh_token_or_a_wrong_secret_is_an_auth_error() {
    let fake = FakeXero::start(FakeXeroConfig::default()).await.unwrap();
    let d = FakeXeroConfig::default();
    let bad_secret = XeroClient::new(config(&fake, "wrong", &d.tenant_id), store()).unwrap();
    let err = bad_secret.connections().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), 1, "not retried");

    // Rotate twice past the grace period: the original token is dead.
    let live = store();
    client(&fake, live.clone()).connections().await.unwrap();
    fake.end_refresh_grace();
    let stale = client(&fake, store());
    let err = stale.connections().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
}

#[tokio::test]
async fn the_previous_refresh_token_still_works_within_the_grace_period() {
    let fake = FakeXero::start(FakeXeroConfig::default()).await.unwrap();
    client(&fake, store()).connections().await.unwrap();
    // A second store still holding rt-0 (e.g. a save that was lost) recovers within the grace.
    let late = store();
    client(&fake, late.clone()).connections().await.unwrap();
    assert_eq!(
        late.current().refresh_token.expose(),
        fake.current_refresh_token()
    );
}

#[tokio::test]
async fn the_wrong_tenant_is_an_auth_error_and_the_day_limit_stops_the_sync() {
    let fake = FakeXero::start(FakeXeroConfig {
        day_limit: 2,
        page_size: 10,
        ..FakeXeroConfig::default()
    })
    .await
    .unwrap();
    let d = FakeXeroConfig::default();
    let wrong = XeroClient::new(config(&fake, &d.client_secret, "someone-else"), store()).unwrap();
    let err = wrong
        .invoices(InvoiceKind::Receivable, &IncrementalCursor::full())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");

    let c = client(&fake, store());
    let err = c
        .invoices(InvoiceKind::Receivable, &IncrementalCursor::full())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::QuotaSpent(_)), "{err:?}");
    assert_eq!(
        fake.api_calls(),
        2,
        "two pages, then refused without retrying"
    );
}

#[tokio::test]
async fn malformed_json_is_a_malformed_error() {
    let fake = FakeXero::start(FakeXeroConfig::default()).await.unwrap();
    let c = client(&fake, store());
    c.connections().await.unwrap();
    fake.faults().inject(Fault::Malformed, 1);
    let before = fake.faults().requests();
    let err = c
        .invoices(InvoiceKind::Receivable, &IncrementalCursor::full())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Malformed(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), before + 1);
}
