//! The Amazon SP-API client against the local fake (LWA, orders, reports, FBA inventory).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sentia_connectors::amazon::*;
use sentia_connectors::fake::amazon::FakeAmazonTotals;
use sentia_connectors::fake::{FakeAmazon, FakeAmazonConfig, Fault};
use sentia_connectors::resilience::BreakerState;
use sentia_connectors::{ConnectorError, IncrementalCursor, ManualClock, RetryPolicy};
use sentia_core::currency::Currency;

fn config(fake: &FakeAmazon, region: Region) -> AmazonConfig {
    let d = FakeAmazonConfig::default();
    let mut c = AmazonConfig::new(
        d.client_id,
        d.client_secret,
        d.refresh_token,
        "A2SENTIA",
        region,
    );
    c.lwa_url = fake.base_url().to_owned();
    c.api_url = fake.base_url().to_owned();
    c.page_size = 10;
    c.report_poll_interval = Duration::from_millis(5);
    c.timeout = Duration::from_millis(400);
    c.retry = RetryPolicy::with_base(Duration::from_millis(5));
    // The fake's rates (see `fast`) with the contract's bursts: a 429 met before any
    // `x-amzn-RateLimit-Limit` header is waited out at this rate, not the contract's.
    let r = |burst| RateLimit::new(50.0, burst);
    c.limits = AmazonLimits {
        orders: r(20.0),
        inventory: r(2.0),
        create_report: r(15.0),
        get_report: r(15.0),
        report_document: r(15.0),
    };
    c
}

fn client(fake: &FakeAmazon, region: Region) -> AmazonClient {
    AmazonClient::new(config(fake, region)).unwrap()
}

/// Fast limits so tests do not wait on the contract's 0.0056 orders a second; a small burst
/// so the client does meet 429 `QuotaExceeded`.
fn fast() -> FakeAmazonConfig {
    FakeAmazonConfig::with_rates(50.0, 3.0)
}

/// What a store would hold after upserting by (source, external_id).
#[derive(Default)]
struct Local {
    orders: BTreeMap<(String, String), AmazonOrder>,
    cursors: BTreeMap<String, IncrementalCursor>,
}

impl Local {
    async fn sync(&mut self, clients: &[&AmazonClient]) -> BTreeSet<String> {
        let mut changed = BTreeSet::new();
        for c in clients {
            let cursor = self.cursors.get(c.source()).cloned().unwrap_or_default();
            let s = c.orders(&cursor).await.unwrap();
            for o in s.records {
                assert!(changed.insert(o.external_id.clone()), "returned twice");
                self.orders
                    .insert((o.source.clone(), o.external_id.clone()), o);
            }
            self.cursors.insert(c.source().to_owned(), s.cursor);
        }
        changed
    }

    fn totals(&self) -> FakeAmazonTotals {
        let mut t = FakeAmazonTotals::default();
        for o in self.orders.values() {
            t.orders += 1;
            t.items += o.lines.len();
            t.units += o
                .lines
                .iter()
                .map(|l| l.quantity.milli() / 1000)
                .sum::<i64>();
            *t.statuses.entry(format!("{:?}", o.status)).or_default() += 1;
            let Some(total) = o.total else {
                assert_eq!(o.status, OrderStatus::Pending, "{}", o.external_id);
                assert!(o.lines.iter().all(|l| l.price.is_none()));
                continue;
            };
            let price: i64 = o.lines.iter().map(|l| l.price.unwrap().minor).sum();
            let discount: i64 = o
                .lines
                .iter()
                .filter_map(|l| l.discount)
                .map(|d| d.minor)
                .sum();
            assert_eq!(total.minor, price - discount, "{}", o.external_id);
            let expected = Marketplace::from_id(&o.marketplace_id).unwrap().currency();
            assert_eq!(total.currency, expected);
            *t.total.entry(total.currency).or_default() += total.minor;
            *t.item_price.entry(total.currency).or_default() += price;
        }
        t
    }

    fn assert_matches(&self, fake: &FakeAmazon) {
        assert_eq!(self.totals(), fake.totals(&Marketplace::ALL));
        for f in fake.orders() {
            let source = if f.marketplace == Marketplace::Us {
                "amazon:A2SENTIA:na"
            } else {
                "amazon:A2SENTIA:eu"
            };
            let o = &self.orders[&(source.to_owned(), f.id.clone())];
            assert_eq!(o.updated_at, f.updated_at);
            assert_eq!(o.total.map(|m| m.minor), f.total());
            assert_eq!(o.lines.len(), f.items.len());
        }
    }
}

#[tokio::test]
async fn full_then_incremental_sync_ends_with_exactly_the_fakes_orders_through_throttling_and_faults()
 {
    // The client's mirror starts from the contract's burst of 20; this bucket holds 2 and
    // refills every 100 ms, so back-to-back pages meet real 429s, not only injected ones.
    let fake = FakeAmazon::start(FakeAmazonConfig {
        orders: 90,
        orders_rate: RateLimit::new(10.0, 2.0),
        ..fast()
    })
    .await
    .unwrap();
    let limited = |region| {
        let mut c = config(&fake, region);
        c.limits.orders = RateLimit::new(10.0, 20.0);
        AmazonClient::new(c).unwrap()
    };
    let eu = limited(Region::Europe);
    let na = limited(Region::NorthAmerica);
    // Mid-run: a 5xx burst, an injected 429, a timeout (request numbers count faulted ones).
    fake.faults().inject_after(3, Fault::Status(503), 3);
    fake.faults()
        .inject_after(9, Fault::RateLimit(Duration::ZERO), 1);
    fake.faults()
        .inject_after(11, Fault::Delay(Duration::from_secs(1)), 1);

    let mut local = Local::default();
    let first = local.sync(&[&eu, &na]).await;
    assert_eq!(fake.faults().pending(), 0, "every injected fault was hit");
    assert!(
        fake.throttled() >= 2,
        "the bucket ran dry and QuotaExceeded was waited out: {}",
        fake.throttled()
    );
    assert_eq!(first.len(), 90);
    local.assert_matches(&fake);
    let t = local.totals();
    assert_eq!(t.total.len(), 3, "GBP, EUR and USD: {:?}", t.total);
    assert!(t.statuses["Pending"] > 0 && t.items > t.orders);
    assert_eq!(fake.refreshes(), 2, "one token per client");

    let mut changed: BTreeSet<String> = fake.add_orders(3, Marketplace::Uk).into_iter().collect();
    changed.extend(fake.add_orders(1, Marketplace::Us));
    changed.insert(fake.update_order(0, "Pending", "Unshipped"));
    changed.insert(fake.update_order(10, "Unshipped", "Shipped"));
    changed.insert(fake.update_order(0, "Shipped", "Canceled"));
    assert!(!changed.contains(""));
    assert_eq!(changed.len(), 7);
    fake.faults().inject_after(1, Fault::Status(500), 2);
    fake.faults().inject(Fault::RateLimit(Duration::ZERO), 1);
    let got = local.sync(&[&eu, &na]).await;
    assert_eq!(got, changed, "exactly the new and changed orders");
    assert_eq!(local.orders.len(), 94);
    local.assert_matches(&fake);

    let cursors = local.cursors.clone();
    let again = local.sync(&[&eu, &na]).await;
    assert!(again.is_empty(), "nothing new: {again:?}");
    assert_eq!(local.cursors, cursors);
}

#[tokio::test]
async fn an_access_token_expiring_mid_run_is_refreshed_once_and_the_sync_continues() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let c = client(&fake, Region::Europe);
    // LWA, then two pages; the third page meets an hour later and an expired token.
    fake.advance_clock_after(3, Duration::from_secs(3600));
    let s = c.orders(&IncrementalCursor::full()).await.unwrap();
    assert_eq!(fake.refused(), 1, "the expired token was refused once");
    assert_eq!(fake.refreshes(), 2, "and refreshed once");
    let eu: Vec<Marketplace> = Region::Europe.marketplaces().to_vec();
    assert_eq!(s.records.len(), fake.totals(&eu).orders);
    assert!(s.records.len() > 30, "several pages");

    fake.expire_access_tokens();
    c.inventory_page(Marketplace::Uk, None).await.unwrap();
    assert_eq!((fake.refused(), fake.refreshes()), (2, 3));
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_it_is_used() {
    let clock = Arc::new(ManualClock::new());
    let fake = FakeAmazon::start(FakeAmazonConfig {
        clock: clock.clone(),
        ..fast()
    })
    .await
    .unwrap();
    let c = AmazonClient::with_clock(config(&fake, Region::Europe), clock.clone()).unwrap();
    c.inventory_page(Marketplace::Uk, None).await.unwrap();
    c.inventory_page(Marketplace::Uk, None).await.unwrap();
    assert_eq!(fake.refreshes(), 1, "the cached token is reused");
    clock.advance(Duration::from_secs(3600 - 30));
    c.inventory_page(Marketplace::Uk, None).await.unwrap();
    assert_eq!(fake.refreshes(), 2);
    assert_eq!(fake.refused(), 0, "never sent an expired token");
}

#[tokio::test]
async fn wrong_lwa_credentials_are_an_auth_error_and_are_not_retried() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let mut cfg = config(&fake, Region::Europe);
    cfg.client_secret = "wrong".into();
    let err = AmazonClient::new(cfg)
        .unwrap()
        .orders(&IncrementalCursor::full())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), 1);

    let mut cfg = config(&fake, Region::Europe);
    cfg.refresh_token = "Atzr|revoked".into();
    let err = AmazonClient::new(cfg)
        .unwrap()
        .inventory(Marketplace::De)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Auth(m) if m.contains("invalid_grant")),
        "{err:?}"
    );
    assert_eq!(fake.refreshes(), 0);
}

#[tokio::test]
async fn last_updated_before_is_clamped_to_two_minutes_ago() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let c = client(&fake, Region::NorthAmerica);
    // The fake refuses a lastUpdatedBefore later than two minutes ago with 400 InvalidInput.
    let s = c
        .orders_until(&IncrementalCursor::full(), Utc::now() + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(s.records.len(), fake.totals(&[Marketplace::Us]).orders);
    assert!(
        s.records
            .iter()
            .all(|o| o.marketplace_id == "ATVPDKIKX0DER")
    );
    // A window that ends before the data starts returns nothing.
    let old = c
        .orders_until(
            &IncrementalCursor::full(),
            Utc::now() - TimeDelta::days(100),
        )
        .await
        .unwrap();
    assert!(old.records.is_empty());
}

fn report_sums(rows: &[OrderReportRow]) -> (usize, BTreeMap<Currency, i64>, i64) {
    let mut sums = BTreeMap::new();
    for r in rows {
        if let Some(p) = r.price {
            *sums.entry(p.currency).or_default() += p.minor;
        } else {
            assert_eq!(r.status, OrderStatus::Pending);
        }
    }
    let units = rows.iter().map(|r| r.quantity.milli() / 1000).sum();
    (rows.len(), sums, units)
}

#[tokio::test]
async fn the_order_report_flow_reads_gzip_and_plain_documents_matching_the_fake() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let c = client(&fake, Region::Europe);
    let eu: Vec<Marketplace> = Region::Europe.marketplaces().to_vec();
    let (start, end) = (Utc::now() - TimeDelta::days(60), Utc::now());

    fake.set_report_gzip(true);
    let before = fake.faults().requests();
    fake.faults().inject_after(4, Fault::Status(503), 1);
    let rows = c.order_report(start, end).await.unwrap();
    // LWA, create, three polls (IN_QUEUE, IN_PROGRESS, DONE), a 503, document, download.
    assert_eq!(fake.faults().requests() - before, 8);
    let t = fake.totals(&eu);
    let (n, sums, units) = report_sums(&rows);
    assert_eq!(n, t.items);
    assert_eq!(units, t.units);
    assert_eq!(sums, t.item_price, "item-price is the line total");
    assert!(rows.iter().any(|r| r.price.is_none()), "pending rows");
    assert!(rows.iter().all(|r| r.source == "amazon:A2SENTIA:eu"));
    let ids: BTreeSet<&str> = rows.iter().map(|r| r.order_id.as_str()).collect();
    assert_eq!(ids.len(), t.orders);

    fake.set_report_gzip(false);
    let plain = c.order_report(start, end).await.unwrap();
    assert_eq!(plain, rows);

    // A window holding only part of the orders.
    let orders = fake.orders();
    let mid = orders[orders.len() / 2].purchased_at;
    let part = c.order_report(start, mid).await.unwrap();
    let expected: usize = orders
        .iter()
        .filter(|o| eu.contains(&o.marketplace) && o.purchased_at < mid)
        .map(|o| o.items.len())
        .sum();
    assert_eq!(part.len(), expected);
    assert!(part.len() < rows.len());
}

#[tokio::test]
async fn a_fatal_report_is_a_clear_error() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let c = client(&fake, Region::Europe);
    fake.fail_next_report();
    let id = c
        .request_order_report(Utc::now() - TimeDelta::days(60), Utc::now())
        .await
        .unwrap();
    let err = c.wait_for_report(&id).await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Other(m) if m.contains("FATAL") && m.contains(&id)),
        "{err:?}"
    );
    let report = c.report(&id).await.unwrap();
    assert_eq!(report.status, ReportStatus::Fatal);
    assert_eq!(report.document_id, None);
}

#[tokio::test]
async fn a_report_still_running_after_the_timeout_is_transient() {
    let fake = FakeAmazon::start(FakeAmazonConfig {
        report_polls: 1000,
        ..fast()
    })
    .await
    .unwrap();
    let mut cfg = config(&fake, Region::Europe);
    cfg.report_timeout = Duration::from_millis(60);
    let c = AmazonClient::new(cfg).unwrap();
    let err = c
        .order_report(Utc::now() - TimeDelta::days(60), Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Transient(m) if m.contains("InProgress")),
        "{err:?}"
    );
}

fn figures(rows: &[FbaInventory]) -> Vec<(String, i64, i64, i64, i64)> {
    rows.iter()
        .map(|r| {
            assert_eq!(
                r.total,
                r.fulfillable
                    + r.inbound_working
                    + r.inbound_shipped
                    + r.inbound_receiving
                    + r.reserved
                    + r.unfulfillable
            );
            (
                r.sku.clone(),
                r.total,
                r.fulfillable,
                r.reserved,
                r.unfulfillable,
            )
        })
        .collect()
}

#[tokio::test]
async fn inventory_pages_and_lists_again_after_an_expired_next_token() {
    let fake = FakeAmazon::start(FakeAmazonConfig {
        skus: 12,
        inventory_page_size: 5,
        ..fast()
    })
    .await
    .unwrap();
    let c = client(&fake, Region::Europe);
    let first = c.inventory_page(Marketplace::Uk, None).await.unwrap();
    assert_eq!(first.summaries.len(), 5);
    let token = first.next_token.clone().unwrap();
    fake.advance_clock(Duration::from_secs(31));
    let err = c
        .inventory_page(Marketplace::Uk, Some(&token))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Other(m) if m.contains("expired")),
        "{err:?}"
    );
    assert_eq!(fake.stale_tokens(), 1);

    // Page 1, then 31 s pass: page 2's token is stale, so the listing starts over.
    fake.advance_clock_after(1, Duration::from_secs(31));
    let de = c.inventory(Marketplace::De).await.unwrap();
    assert_eq!(fake.stale_tokens(), 2);
    let expected: Vec<_> = fake
        .inventory(Marketplace::De)
        .iter()
        .map(|i| {
            (
                i.sku.clone(),
                i.total(),
                i.fulfillable,
                i.reserved,
                i.unfulfillable,
            )
        })
        .collect();
    assert_eq!(figures(&de), expected);
    assert_eq!(de.len(), 12);
    assert!(
        de.iter()
            .all(|r| r.external_id.ends_with("@A1PA6795UKMFR9"))
    );

    let uk = c.inventory(Marketplace::Uk).await.unwrap();
    assert_eq!(figures(&uk), figures(&de), "Pan-EU: one pool");
    let us = client(&fake, Region::NorthAmerica)
        .inventory(Marketplace::Us)
        .await
        .unwrap();
    assert_ne!(figures(&us), figures(&de));
    assert_eq!(us.len(), 12);
}

#[tokio::test]
async fn inventory_keeps_the_contract_rate_without_quota_errors() {
    // Contract limits (2 a second, burst 2): the client's mirror paces the third page.
    let fake = FakeAmazon::start(FakeAmazonConfig {
        skus: 9,
        inventory_page_size: 3,
        ..FakeAmazonConfig::default()
    })
    .await
    .unwrap();
    let mut cfg = config(&fake, Region::Europe);
    cfg.limits = AmazonLimits::default();
    let c = AmazonClient::new(cfg).unwrap();
    let t0 = std::time::Instant::now();
    let rows = c.inventory(Marketplace::Fr).await.unwrap();
    assert_eq!(rows.len(), 9);
    assert_eq!(fake.throttled(), 0, "paced, not throttled");
    assert!(t0.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn malformed_json_is_a_malformed_error() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let c = client(&fake, Region::Europe);
    c.inventory_page(Marketplace::Uk, None).await.unwrap();
    fake.faults().inject(Fault::Malformed, 1);
    let before = fake.faults().requests();
    let err = c.orders(&IncrementalCursor::full()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Malformed(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), before + 1, "not retried");
}

#[tokio::test]
async fn the_circuit_opens_after_five_consecutive_failures_and_half_opens_after_thirty_seconds() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let clock = Arc::new(ManualClock::new());
    let mut cfg = config(&fake, Region::Europe);
    cfg.retry.max_attempts = 1;
    let c = AmazonClient::with_clock(cfg, clock.clone()).unwrap();
    c.inventory_page(Marketplace::Uk, None).await.unwrap();
    let before = fake.faults().requests();
    fake.faults().inject(Fault::Status(503), 100);
    for _ in 0..5 {
        let err = c.inventory_page(Marketplace::Uk, None).await.unwrap_err();
        assert!(matches!(err, ConnectorError::Transient(_)), "{err:?}");
    }
    let err = c.inventory_page(Marketplace::Uk, None).await.unwrap_err();
    assert!(matches!(err, ConnectorError::CircuitOpen { .. }), "{err:?}");
    assert_eq!(
        fake.faults().requests() - before,
        5,
        "an open circuit makes no call"
    );
    clock.advance(Duration::from_secs(30));
    assert_eq!(c.resilience().breaker().state(), BreakerState::HalfOpen);
    fake.faults().clear();
    c.inventory_page(Marketplace::Uk, None).await.unwrap();
    assert_eq!(
        c.resilience().breaker().state(),
        BreakerState::Closed { failures: 0 }
    );
}

#[tokio::test]
async fn the_fake_is_strict_about_tokens_the_two_minute_rule_and_the_signed_url() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let http = reqwest::Client::new();
    let orders = format!("{}/orders/2026-01-01/orders", fake.base_url());
    let after = (Utc::now() - TimeDelta::days(90)).format("%Y-%m-%dT%H:%M:%SZ");
    let query = [
        ("marketplaceIds", "A1F83G8C2ARO7P".to_owned()),
        ("lastUpdatedAfter", after.to_string()),
        ("maxResultsPerPage", "5".to_owned()),
    ];
    let resp = http.get(&orders).query(&query).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "Unauthorized");

    let d = FakeAmazonConfig::default();
    let token: serde_json::Value = http
        .post(format!("{}/auth/o2/token", fake.base_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", d.refresh_token.as_str()),
            ("client_id", d.client_id.as_str()),
            ("client_secret", d.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 3600);
    let access = token["access_token"].as_str().unwrap();

    let ok = http
        .get(&orders)
        .query(&query)
        .header("x-amz-access-token", access)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()[RATE_LIMIT_HEADER], "50");
    let body: serde_json::Value = ok.json().await.unwrap();
    assert!(body.get("payload").is_none(), "no payload wrapper");
    assert!(body["pagination"]["nextToken"].is_string());

    let now = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let late = http
        .get(&orders)
        .query(&query)
        .query(&[("lastUpdatedBefore", now)])
        .header("x-amz-access-token", access)
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 400);
    assert!(late.headers().contains_key(RATE_LIMIT_HEADER));
    let body: serde_json::Value = late.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "InvalidInput");

    // A report document's pre-signed URL refuses an access token.
    let c = client(&fake, Region::Europe);
    let id = c
        .request_order_report(Utc::now() - TimeDelta::days(60), Utc::now())
        .await
        .unwrap();
    let doc_id = c.wait_for_report(&id).await.unwrap();
    let doc: serde_json::Value = http
        .get(format!(
            "{}/reports/2021-06-30/documents/{doc_id}",
            fake.base_url()
        ))
        .header("x-amz-access-token", access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = doc["url"].as_str().unwrap();
    let with_token = http
        .get(url)
        .header("x-amz-access-token", access)
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), 400);
    assert_eq!(http.get(url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn quota_exceeded_is_waited_out_then_reported_and_a_long_5xx_burst_is_transient() {
    let fake = FakeAmazon::start(fast()).await.unwrap();
    let mut cfg = config(&fake, Region::Europe);
    cfg.retry.max_rate_limited = 2;
    let c = AmazonClient::new(cfg).unwrap();
    c.inventory_page(Marketplace::Uk, None).await.unwrap();

    fake.faults().inject(Fault::RateLimit(Duration::ZERO), 2);
    let before = fake.faults().requests();
    c.inventory_page(Marketplace::Uk, None).await.unwrap();
    assert_eq!(fake.faults().requests() - before, 3, "two 429s waited out");

    fake.faults().inject(Fault::RateLimit(Duration::ZERO), 3);
    let err = c.inventory_page(Marketplace::Uk, None).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after: Some(d) } if d <= Duration::from_millis(21)),
        "{err:?}"
    );
    assert_eq!(
        c.resilience().breaker().state(),
        BreakerState::Closed { failures: 0 },
        "throttling is not an outage"
    );

    fake.faults().clear();
    fake.faults().inject(Fault::Status(500), 4);
    let before = fake.faults().requests();
    let err = c.orders(&IncrementalCursor::full()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient(_)), "{err:?}");
    assert_eq!(fake.faults().requests() - before, 4, "four attempts in all");
}
