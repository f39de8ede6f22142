//! The Shopify client against the local fake store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use sentia_connectors::fake::shopify::FakeShopifyTotals;
use sentia_connectors::fake::{FakeShopify, FakeShopifyConfig, Fault};
use sentia_connectors::resilience::BreakerState;
use sentia_connectors::shopify::{ShopifyClient, ShopifyConfig, SourceOrder};
use sentia_connectors::{ConnectorError, IncrementalCursor, ManualClock, RetryPolicy};
use sentia_core::currency::Currency;

fn config(fake: &FakeShopify, token: &str) -> ShopifyConfig {
    let mut c = ShopifyConfig::new("sentia-uk.myshopify.com", "2026-10", token);
    c.base_url = Some(fake.base_url().to_owned());
    c.page_size = 25;
    c.line_page_size = 2;
    c.timeout = Duration::from_millis(400);
    c.retry = RetryPolicy::with_base(Duration::from_millis(5));
    c
}

fn client(fake: &FakeShopify) -> ShopifyClient {
    ShopifyClient::new(config(fake, &FakeShopifyConfig::default().access_token)).unwrap()
}

/// What a store would hold after upserting by (source, external_id).
#[derive(Default)]
struct Local(BTreeMap<(String, String), SourceOrder>);

impl Local {
    fn upsert(&mut self, orders: Vec<SourceOrder>) {
        for o in orders {
            self.0.insert((o.source.clone(), o.external_id.clone()), o);
        }
    }

    fn totals(&self) -> FakeShopifyTotals {
        let mut t = FakeShopifyTotals::default();
        for o in self.0.values() {
            t.orders += 1;
            t.lines += o.lines.len();
            t.refunds += o.refunds.len();
            t.cancelled += usize::from(o.cancelled);
            assert_eq!(o.shop_total.currency, Currency::Gbp);
            t.shop_total += o.shop_total.minor;
            *t.presentment_total
                .entry(o.presentment_total.currency)
                .or_default() += o.presentment_total.minor;
            t.refunded_shop += o.refunded.shop.minor;
        }
        t
    }

    fn assert_matches(&self, fake: &FakeShopify) {
        assert_eq!(self.totals(), fake.totals());
        for f in fake.orders() {
            let o = &self.0[&("shopify:sentia-uk.myshopify.com".to_owned(), f.gid())];
            assert_eq!(o.updated_at, f.updated_at);
            assert_eq!(o.shop_total.minor, f.total_shop());
            assert_eq!(o.presentment_total.minor, f.total_presentment());
            assert_eq!(o.presentment_total.currency, f.presentment_currency);
            assert_eq!(o.refunded.presentment.minor, f.refunded_presentment());
            let line_sum: i64 = o
                .lines
                .iter()
                .map(|l| l.unit_price.shop.minor * l.quantity.milli() / 1000)
                .sum();
            assert_eq!(line_sum, f.total_shop());
        }
    }
}

#[tokio::test]
async fn full_then_incremental_sync_ends_with_exactly_the_fakes_orders_through_throttling_and_faults()
 {
    let fake = FakeShopify::start(FakeShopifyConfig {
        orders: 130,
        bucket_max: 400.0,
        restore_rate: 2000.0,
        ..FakeShopifyConfig::default()
    })
    .await
    .unwrap();
    let c = client(&fake);
    // Six pages; faults land between them (request numbers count faulted answers too).
    fake.faults().inject_after(1, Fault::Throttle, 2);
    fake.faults().inject_after(4, Fault::Status(503), 3);
    fake.faults()
        .inject_after(9, Fault::RateLimit(Duration::from_millis(20)), 1);
    fake.faults()
        .inject_after(10, Fault::Delay(Duration::from_secs(1)), 1);

    let full = c.orders(&IncrementalCursor::full()).await.unwrap();
    assert_eq!(fake.faults().pending(), 0, "every injected fault was hit");
    assert!(fake.throttled() >= 2, "THROTTLED answers were retried");
    assert_eq!(full.orders.len(), 130);
    assert_eq!(
        full.cursor.at,
        fake.orders().iter().map(|o| o.updated_at).max()
    );
    let mut local = Local::default();
    local.upsert(full.orders);
    local.assert_matches(&fake);
    assert!(local.totals().refunds > 0 && local.totals().presentment_total.len() == 3);

    let mut changed: BTreeSet<String> = fake.add_orders(4).into_iter().collect();
    changed.insert(fake.refund_order(3));
    changed.insert(fake.cancel_order(17));
    fake.faults().inject_after(1, Fault::Status(502), 2);
    fake.faults().inject(Fault::Throttle, 1);
    let inc = c.orders(&full.cursor).await.unwrap();
    let got: BTreeSet<String> = inc.orders.iter().map(|o| o.external_id.clone()).collect();
    assert_eq!(got, changed, "exactly the new and changed orders");
    local.upsert(inc.orders);
    local.assert_matches(&fake);
    assert_eq!(local.0.len(), 134);

    let again = c.orders(&inc.cursor).await.unwrap();
    assert!(
        again.orders.is_empty(),
        "nothing new: {:?}",
        again.orders.len()
    );
    assert_eq!(again.cursor, inc.cursor);
}

#[tokio::test]
async fn the_default_page_sizes_fit_shopifys_query_cost_limit() {
    // A standard 1000-point bucket, refilled fast so the test does not wait on pacing.
    let fake = FakeShopify::start(FakeShopifyConfig {
        restore_rate: 5000.0,
        ..FakeShopifyConfig::default()
    })
    .await
    .unwrap();
    let mut cfg = ShopifyConfig::new(
        "sentia-uk.myshopify.com",
        "2026-10",
        FakeShopifyConfig::default().access_token,
    );
    cfg.base_url = Some(fake.base_url().to_owned());
    let c = ShopifyClient::new(cfg).unwrap();
    let full = c.orders(&IncrementalCursor::full()).await.unwrap();
    assert_eq!(full.orders.len(), fake.orders().len());
    let big = full.orders.iter().filter(|o| o.lines.len() > 10).count();
    assert!(
        big > 0,
        "orders with more lines than one page were completed"
    );
    let mut local = Local::default();
    local.upsert(full.orders);
    local.assert_matches(&fake);
}

#[tokio::test]
async fn products_and_stock_per_location_match_the_fake() {
    let fake = FakeShopify::start(FakeShopifyConfig::default())
        .await
        .unwrap();
    let c = client(&fake);
    let products = c.products().await.unwrap();
    let expected = fake.products();
    assert_eq!(products.len(), expected.len());
    let variants: Vec<_> = products.iter().flat_map(|p| &p.variants).collect();
    let fake_variants: Vec<_> = expected.iter().flat_map(|p| &p.variants).collect();
    assert_eq!(variants.len(), fake_variants.len());
    assert_eq!(
        variants.iter().map(|v| v.price.minor).sum::<i64>(),
        fake_variants.iter().map(|v| v.price).sum::<i64>()
    );
    let v = fake_variants[3];
    let levels = c.stock_levels(&v.sku).await.unwrap();
    let got: Vec<_> = levels
        .iter()
        .map(|l| (l.location_name.clone(), l.available, l.on_hand))
        .collect();
    assert_eq!(got, v.stock);
    assert!(c.stock_levels("NO-SUCH-SKU").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_token_is_an_auth_error_and_is_not_retried() {
    let fake = FakeShopify::start(FakeShopifyConfig::default())
        .await
        .unwrap();
    let c = ShopifyClient::new(config(&fake, "shpat_wrong")).unwrap();
    let err = c.orders(&IncrementalCursor::full()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), 1);
}

#[tokio::test]
async fn malformed_json_is_a_malformed_error() {
    let fake = FakeShopify::start(FakeShopifyConfig::default())
        .await
        .unwrap();
    let c = client(&fake);
    fake.faults().inject(Fault::Malformed, 1);
    let err = c.orders(&IncrementalCursor::full()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Malformed(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), 1, "not retried");
}

#[tokio::test]
async fn a_5xx_burst_longer_than_the_retry_budget_fails_as_transient() {
    let fake = FakeShopify::start(FakeShopifyConfig::default())
        .await
        .unwrap();
    let c = client(&fake);
    fake.faults().inject(Fault::Status(500), 4);
    let err = c.products().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), 4, "four attempts in all");
}

#[tokio::test]
async fn the_circuit_opens_after_five_failures_and_half_opens_after_thirty_seconds() {
    let fake = FakeShopify::start(FakeShopifyConfig::default())
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new());
    let mut cfg = config(&fake, &FakeShopifyConfig::default().access_token);
    cfg.retry.max_attempts = 1;
    let c = ShopifyClient::with_clock(cfg, clock.clone()).unwrap();
    fake.faults().inject(Fault::Status(503), 100);
    for _ in 0..5 {
        assert!(matches!(
            c.products().await,
            Err(ConnectorError::Transient(_))
        ));
    }
    let err = c.products().await.unwrap_err();
    assert!(matches!(err, ConnectorError::CircuitOpen { .. }), "{err:?}");
    assert_eq!(fake.faults().requests(), 5, "an open circuit makes no call");
    clock.advance(Duration::from_secs(29));
    assert!(matches!(
        c.products().await,
        Err(ConnectorError::CircuitOpen { .. })
    ));
    clock.advance(Duration::from_secs(1));
    assert_eq!(c.resilience().breaker().state(), BreakerState::HalfOpen);
    assert!(
        matches!(c.products().await, Err(ConnectorError::Transient(_))),
        "the probe went through"
    );
    assert_eq!(fake.faults().requests(), 6);
    assert!(
        matches!(c.products().await, Err(ConnectorError::CircuitOpen { .. })),
        "a failed probe reopens"
    );
    clock.advance(Duration::from_secs(30));
    fake.faults().clear();
    assert!(c.products().await.is_ok());
    assert_eq!(
        c.resilience().breaker().state(),
        BreakerState::Closed { failures: 0 }
    );
}
