//! Data sources: a Shopify store connected on the Data page API (credentials stored sealed
//! and never shown back) is synced by a job — in full, then incrementally from the stored
//! cursor after new orders and a refund — ending with exactly the fake store's orders and
//! money; syncing again stores nothing; reconciliation finds no difference, and finds the
//! order removed from Sentia. Failing syncs open the circuit after five in a row. Xero's
//! webhook answers intent-to-receive (200 signed, 401 not) and queues a sync once per
//! delivery. On every backend.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use sentia_connectors::fake::Fault;
use sentia_connectors::fake::shopify::{FakeShopify, FakeShopifyConfig};
use sentia_store::jobs::JobState;
use serde_json::{Value, json};

const SHOP: &str = "sentia-uk.myshopify.com";
const TOKEN: &str = "shpat_sync_test_token";

/// The first column of every row of `sql`, as text.
async fn column(app: &TestApp, sql: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    app.db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

async fn finished_skus(app: &TestApp) -> Vec<String> {
    column(
        app,
        "SELECT sku FROM products WHERE kind = 'finished' ORDER BY sku",
    )
    .await
}

async fn fake_store(app: &TestApp) -> FakeShopify {
    let skus = finished_skus(app).await;
    FakeShopify::start(FakeShopifyConfig {
        orders: 60,
        skus,
        access_token: TOKEN.into(),
        restore_rate: 100_000.0,
        ..FakeShopifyConfig::default()
    })
    .await
    .unwrap()
}

async fn put_source(
    app: &TestApp,
    c: &reqwest::Client,
    code: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = c
        .put(app.url(&format!("/api/v1/sources/{code}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Asks for a sync now and returns its finished job.
async fn sync_now(app: &TestApp, c: &reqwest::Client, code: &str) -> sentia_store::jobs::Job {
    let r = c
        .post(app.url(&format!("/api/v1/sources/{code}/sync")))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let id = v["job_id"].as_i64().unwrap();
    app.job_when(id, |s| {
        matches!(s, JobState::Succeeded | JobState::Dead | JobState::Retrying)
    })
    .await
}

/// The job finished well; its last error otherwise.
fn assert_succeeded(job: &sentia_store::jobs::Job, backend: &str) {
    assert_eq!(
        job.state,
        JobState::Succeeded,
        "{backend}: {:?}",
        job.last_error
    );
}

async fn source(app: &TestApp, c: &reqwest::Client, code: &str) -> Value {
    let v: Value = c
        .get(app.url("/api/v1/sources"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .cloned()
        .unwrap()
}

const ORDERS: &str =
    "SELECT COUNT(*) FROM sales_orders WHERE source = 'shopify:sentia-uk.myshopify.com'";
const TOTAL: &str = "SELECT CAST(COALESCE(SUM(total_shop_minor), 0) AS BIGINT) FROM sales_orders WHERE source = 'shopify:sentia-uk.myshopify.com'";
const LINES: &str =
    "SELECT COUNT(*) FROM sales_order_lines WHERE source = 'shopify:sentia-uk.myshopify.com'";
const REFUNDED: &str = "SELECT CAST(COALESCE(SUM(r.amount_shop_minor), 0) AS BIGINT) FROM refunds r JOIN sales_orders o ON o.id = r.order_id WHERE o.source = 'shopify:sentia-uk.myshopify.com'";

async fn assert_matches_fake(app: &TestApp, fake: &FakeShopify, backend: &str) {
    let t = fake.totals();
    assert_eq!(
        app.scalar(ORDERS).await,
        t.orders as i64,
        "{backend}: orders"
    );
    assert_eq!(app.scalar(LINES).await, t.lines as i64, "{backend}: lines");
    assert_eq!(app.scalar(TOTAL).await, t.shop_total, "{backend}: totals");
    assert_eq!(
        app.scalar(REFUNDED).await,
        t.refunded_shop,
        "{backend}: refunds"
    );
}

#[tokio::test]
async fn a_shopify_store_syncs_fully_then_incrementally_and_reconciles() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let fake = fake_store(&app).await;
        let admin = app.admin_with_mfa().await;

        // Not connected: sync now is refused.
        let r = admin
            .post(app.url("/api/v1/sources/shopify-uk/sync"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{backend}");

        // Bad settings are named and change nothing.
        let (status, body) = put_source(
            &app,
            &admin,
            "shopify-uk",
            json!({ "settings": { "channel": "NO-SUCH" } }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend}");
        assert_eq!(
            body["error"]["details"][0]["field"], "settings.channel",
            "{body}"
        );
        let (status, _) = put_source(
            &app,
            &admin,
            "shopify-uk",
            json!({ "credentials": { "password": "x" } }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Connected: the token is sealed at rest and never shown back.
        let (status, body) = put_source(
            &app,
            &admin,
            "shopify-uk",
            json!({
                "settings": { "shop": SHOP, "base_url": fake.base_url() },
                "credentials": { "access_token": TOKEN },
                "enabled": true,
            }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{backend}: {body}");
        assert_eq!(body["credentials_set"], json!(["access_token"]));
        assert!(!body.to_string().contains(TOKEN));
        let stored = app
            .text("SELECT credentials FROM data_sources WHERE code = 'shopify-uk'")
            .await;
        assert!(stored.starts_with("v1."), "{backend}: sealed");
        assert!(!stored.contains(TOKEN));
        let audit = app
            .text("SELECT CAST(details AS TEXT) FROM audit_log WHERE action = 'source.configure' ORDER BY id DESC LIMIT 1")
            .await;
        assert!(
            audit.contains("access_token") && !audit.contains(TOKEN),
            "{audit}"
        );

        // A full sync, throttled on its second page and then answered 503 twice: the client
        // waits for the cost bucket and retries with backoff.
        fake.faults().inject_after(1, Fault::Throttle, 1);
        fake.faults().inject_after(2, Fault::Status(503), 2);
        let job = sync_now(&app, &admin, "shopify-uk").await;
        assert_succeeded(&job, backend);
        assert_eq!(fake.faults().pending(), 0, "{backend}: the faults were met");
        assert!(fake.throttled() >= 1, "{backend}");
        assert_matches_fake(&app, &fake, backend).await;
        let s = source(&app, &admin, "shopify-uk").await;
        assert_eq!(s["status"], "ok", "{backend}: {s}");
        assert_eq!(s["freshness"], "green");
        assert_eq!(s["last_sync_records"], 60);
        assert_eq!(s["record_counts"]["orders"], 60);
        assert!(s["last_error"].is_null(), "{s}");

        // New orders and a refund at the store: the incremental sync fetches only those.
        fake.add_orders(4);
        fake.refund_order(3);
        fake.faults().inject(Fault::Throttle, 1);
        fake.faults().inject_after(1, Fault::Status(502), 1);
        app.clock.advance(chrono::Duration::seconds(11));
        let job = sync_now(&app, &admin, "shopify-uk").await;
        assert_eq!(job.state, JobState::Succeeded, "{:?}", job.last_error);
        assert_eq!(fake.faults().pending(), 0, "{backend}");
        assert_matches_fake(&app, &fake, backend).await;
        let s = source(&app, &admin, "shopify-uk").await;
        assert_eq!(s["last_sync_records"], 5, "{backend}: 4 new + 1 refunded");
        assert_eq!(s["records_synced"], 65);

        // Again: nothing new is stored.
        app.clock.advance(chrono::Duration::seconds(11));
        let job = sync_now(&app, &admin, "shopify-uk").await;
        assert_eq!(job.state, JobState::Succeeded);
        assert_eq!(
            source(&app, &admin, "shopify-uk").await["last_sync_records"],
            0
        );
        assert_matches_fake(&app, &fake, backend).await;

        // Reconciliation: none missing either way; then an order deleted from Sentia is named.
        let reconcile = |app: &TestApp| {
            let admin = admin.clone();
            let url = app.url("/api/v1/sources/shopify-uk/reconcile");
            async move {
                let r = admin.post(url).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::ACCEPTED);
                r.json::<Value>().await.unwrap()["job_id"].as_i64().unwrap()
            }
        };
        let id = reconcile(&app).await;
        let j = app
            .job_when(id, |s| matches!(s, JobState::Succeeded | JobState::Dead))
            .await;
        assert_eq!(j.state, JobState::Succeeded, "{:?}", j.last_error);
        let rec = source(&app, &admin, "shopify-uk").await["reconciliation"][0].clone();
        assert_eq!(rec["in_source"], 64, "{backend}: {rec}");
        assert_eq!(rec["in_sentia"], 64);
        assert_eq!(rec["missing_in_sentia_count"], 0);
        assert_eq!(rec["missing_in_source_count"], 0);
        let gone = fake.orders()[0].gid();
        app.exec(&format!("DELETE FROM refunds WHERE order_id IN (SELECT id FROM sales_orders WHERE external_id = '{gone}')")).await;
        app.exec(&format!("DELETE FROM sales_order_lines WHERE order_id IN (SELECT id FROM sales_orders WHERE external_id = '{gone}')")).await;
        app.exec(&format!(
            "DELETE FROM sales_orders WHERE external_id = '{gone}'"
        ))
        .await;
        app.clock.advance(chrono::Duration::seconds(11));
        let id = reconcile(&app).await;
        app.job_when(id, |s| matches!(s, JobState::Succeeded)).await;
        let rec = source(&app, &admin, "shopify-uk").await["reconciliation"][0].clone();
        assert_eq!(rec["missing_in_sentia"], json!([gone]), "{backend}: {rec}");
        assert_eq!(rec["missing_in_source_count"], 0);

        // A full sync brings it back.
        let r = admin
            .post(app.url("/api/v1/sources/shopify-uk/sync?full=true"))
            .send()
            .await
            .unwrap();
        let id = r.json::<Value>().await.unwrap()["job_id"].as_i64().unwrap();
        app.job_when(id, |s| matches!(s, JobState::Succeeded)).await;
        assert_matches_fake(&app, &fake, backend).await;
        app.finish().await;
    }
}

#[tokio::test]
async fn failing_syncs_open_the_circuit_and_a_success_closes_it() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let fake = fake_store(&app).await;
        let admin = app.admin_with_mfa().await;
        let (status, _) = put_source(
            &app,
            &admin,
            "shopify-uk",
            json!({
                "settings": { "shop": SHOP, "base_url": fake.base_url() },
                "credentials": { "access_token": "shpat_wrong" },
            }),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        for n in 1..=5 {
            let job = sync_now(&app, &admin, "shopify-uk").await;
            assert_ne!(job.state, JobState::Succeeded, "{backend}: wrong token");
            let s = source(&app, &admin, "shopify-uk").await;
            assert_eq!(s["consecutive_failures"], n, "{backend}: {s}");
            let expected = if n < 5 { "failing" } else { "circuit_open" };
            assert_eq!(s["status"], expected, "{backend}: after {n}");
            assert!(s["last_error"].as_str().is_some_and(|e| !e.is_empty()));
            app.clock.advance(chrono::Duration::seconds(11));
        }
        assert_eq!(app.scalar(ORDERS).await, 0);
        // Half-open after 30 s; a good token's sync closes it.
        app.clock.advance(chrono::Duration::seconds(30));
        assert_eq!(
            source(&app, &admin, "shopify-uk").await["circuit"],
            "half_open"
        );
        put_source(
            &app,
            &admin,
            "shopify-uk",
            json!({ "credentials": { "access_token": TOKEN } }),
        )
        .await;
        let job = sync_now(&app, &admin, "shopify-uk").await;
        assert_eq!(job.state, JobState::Succeeded, "{:?}", job.last_error);
        let s = source(&app, &admin, "shopify-uk").await;
        assert_eq!(s["circuit"], "closed", "{backend}: {s}");
        assert_eq!(s["consecutive_failures"], 0);
        assert_matches_fake(&app, &fake, backend).await;
        app.finish().await;
    }
}

fn xero_sign(key: &str, body: &[u8]) -> String {
    // Xero signs like Shopify: base64 HMAC-SHA256 of the raw body.
    sentia_connectors::shopify::sign_shopify_body(key.as_bytes(), body)
}

#[tokio::test]
async fn xero_webhooks_answer_intent_to_receive_and_queue_one_sync_per_delivery() {
    const KEY: &str = "xero-webhook-key";
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn_with(backend, |c| {
            c.xero_webhook_key = Some(sentia_server::config::Redacted(KEY.into()));
            // Only the answers are checked here, not the sync the job would run.
            c.run_jobs = false;
        })
        .await;
        let post = |body: Vec<u8>, sig: String| {
            let url = app.url("/api/v1/webhooks/xero");
            async move {
                reqwest::Client::new()
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-xero-signature", sig)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let intent =
            br#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"ABCDEF"}"#
                .to_vec();
        let r = post(intent.clone(), xero_sign(KEY, &intent)).await;
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let r = post(intent.clone(), xero_sign("another key", &intent)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{backend}");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.refused'")
                .await,
            1
        );
        let jobs = "SELECT COUNT(*) FROM jobs WHERE kind = 'source.sync'";
        assert_eq!(app.scalar(jobs).await, 0);
        let events = serde_json::to_vec(&json!({
            "events": [{ "resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/1",
                "resourceId": "1", "eventDateUtc": "2026-12-01T10:00:00", "eventType": "UPDATE",
                "eventCategory": "INVOICE", "tenantId": "t-1" }],
            "firstEventSequence": 7, "lastEventSequence": 7, "entropy": "XYZ"
        }))
        .unwrap();
        let r = post(events.clone(), xero_sign(KEY, &events)).await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["duplicate"], false, "{backend}");
        let r = post(events.clone(), xero_sign(KEY, &events)).await;
        let again: Value = r.json().await.unwrap();
        assert_eq!(
            again["duplicate"], true,
            "{backend}: the same delivery again"
        );
        assert_eq!(again["job_id"], v["job_id"]);
        assert_eq!(app.scalar(jobs).await, 1);
        app.finish().await;
    }
}

#[tokio::test]
async fn an_amazon_account_syncs_its_priced_orders_once_and_counts_its_fba_stock() {
    use sentia_connectors::amazon::Marketplace;
    use sentia_connectors::fake::amazon::{FakeAmazon, FakeAmazonConfig};
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let skus = finished_skus(&app).await;
        // 250 orders: three pages, so faults can meet the second page, after the first
        // answer announced the (fast) rate.
        let fake = FakeAmazon::start(FakeAmazonConfig {
            skus: skus.len(),
            sku_names: skus,
            orders: 250,
            ..FakeAmazonConfig::with_rates(100.0, 20.0)
        })
        .await
        .unwrap();
        let defaults = FakeAmazonConfig::default();
        let admin = app.admin_with_mfa().await;
        let (status, body) = put_source(
            &app,
            &admin,
            "amazon-eu",
            json!({
                "settings": { "seller_id": "A2SELLER", "base_url": fake.base_url(), "lwa_url": fake.base_url() },
                "credentials": { "client_id": defaults.client_id, "client_secret": defaults.client_secret,
                    "refresh_token": defaults.refresh_token },
            }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{backend}: {body}");
        // Mid-run, Amazon answers 503 twice.
        fake.faults().inject_after(1, Fault::Status(503), 2);
        let job = sync_now(&app, &admin, "amazon-eu").await;
        assert_succeeded(&job, backend);
        assert_eq!(fake.faults().pending(), 0, "{backend}: the faults were met");

        let eu: Vec<Marketplace> = Marketplace::ALL
            .into_iter()
            .filter(|m| *m != Marketplace::Us)
            .collect();
        let t = fake.totals(&eu);
        let priced = t.orders - t.statuses.get("Pending").copied().unwrap_or(0);
        let count = "SELECT COUNT(*) FROM sales_orders WHERE source = 'amazon:A2SELLER:eu'";
        assert_eq!(app.scalar(count).await, priced as i64, "{backend}: {t:?}");
        for (currency, total) in &t.total {
            let sum = app
                .scalar(&format!(
                    "SELECT CAST(COALESCE(SUM(total_shop_minor), 0) AS BIGINT) FROM sales_orders \
                     WHERE source = 'amazon:A2SELLER:eu' AND shop_currency = '{}'",
                    currency.code()
                ))
                .await;
            assert_eq!(sum, *total, "{backend}: {currency:?}");
        }
        let s = source(&app, &admin, "amazon-eu").await;
        assert_eq!(s["record_counts"]["orders"], priced as i64, "{s}");
        // FBA stock: each fulfilment location is counted once (the Pan-EU pool through its
        // first marketplace), at its units at Amazon's sites.
        let fba = |location: &'static str| {
            let app = &app;
            async move {
                let mut out = std::collections::BTreeMap::new();
                use sea_orm::{ConnectionTrait, Statement};
                for r in app
                    .db
                    .query_all_raw(Statement::from_string(
                        app.db.get_database_backend(),
                        format!(
                            "SELECT x.sku, p.on_hand FROM inventory_positions p \
                             JOIN products x ON x.id = p.product_id JOIN locations l ON l.id = p.location_id \
                             WHERE l.code = '{location}'"
                        ),
                    ))
                    .await
                    .unwrap()
                {
                    out.insert(
                        r.try_get::<String>("", "sku").unwrap(),
                        r.try_get::<i64>("", "on_hand").unwrap(),
                    );
                }
                out
            }
        };
        let (uk, eu) = (fba("FBA-UK").await, fba("FBA-EU").await);
        for item in fake.inventory(Marketplace::Uk) {
            let at_amazon = item.fulfillable + item.reserved + item.unfulfillable;
            assert_eq!(
                uk.get(&item.sku),
                Some(&at_amazon),
                "{backend}: {} FBA-UK",
                item.sku
            );
            assert_eq!(
                eu.get(&item.sku),
                Some(&at_amazon),
                "{backend}: {} FBA-EU",
                item.sku
            );
        }
        let counts = "SELECT COUNT(*) FROM stock_movements WHERE source = 'amazon:A2SELLER:eu'";
        let n_counts = app.scalar(counts).await;
        assert_eq!(
            n_counts,
            2 * fake.inventory(Marketplace::Uk).len() as i64,
            "{backend}: one count per SKU and location"
        );

        // Again: nothing changes.
        app.clock.advance(chrono::Duration::seconds(11));
        let job = sync_now(&app, &admin, "amazon-eu").await;
        assert_eq!(job.state, JobState::Succeeded, "{:?}", job.last_error);
        assert_eq!(
            source(&app, &admin, "amazon-eu").await["last_sync_records"],
            0
        );
        assert_eq!(app.scalar(count).await, priced as i64);
        assert_eq!(
            app.scalar(counts).await,
            n_counts,
            "{backend}: the day's counts again"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_xero_organisation_syncs_its_invoices_and_rotates_tokens_in_the_database() {
    use sentia_connectors::fake::xero::{FakeXero, FakeXeroConfig};
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let customers = column(
            &app,
            "SELECT name FROM customers GROUP BY name HAVING COUNT(*) = 1 ORDER BY name LIMIT 5",
        )
        .await;
        // Two trade customers Sentia has never heard of: they become customers on the sync.
        const NEW: [&str; 2] = ["Highland Wine Merchants Ltd", "Caves du Rhône SARL"];
        let mut customers = customers;
        customers.extend(NEW.iter().map(|n| (*n).to_owned()));
        let suppliers = column(&app, "SELECT code FROM suppliers ORDER BY code LIMIT 3").await;
        let fake = FakeXero::start(FakeXeroConfig {
            customer_names: customers,
            supplier_names: suppliers,
            minute_limit: 10_000,
            ..FakeXeroConfig::default()
        })
        .await
        .unwrap();
        let d = FakeXeroConfig::default();
        // The fake's invoices reach back before the demo's rate history: give those days the
        // first known rate, as a finance team loading older rates would.
        let day = if backend == "postgres" {
            "DATE '2025-01-01'"
        } else {
            "'2025-01-01'"
        };
        for quote in ["EUR", "USD"] {
            app.exec(&format!(
                "INSERT INTO fx_rates (rate_date, base_currency, quote_currency, rate_scaled, source, external_id) \
                 SELECT {day}, base_currency, quote_currency, rate_scaled, 'test', 'early-{quote}' \
                 FROM fx_rates WHERE base_currency = 'GBP' AND quote_currency = '{quote}' \
                 ORDER BY rate_date LIMIT 1"
            ))
            .await;
        }
        let admin = app.admin_with_mfa().await;
        let (status, body) = put_source(
            &app,
            &admin,
            "xero",
            json!({
                "settings": { "tenant_id": d.tenant_id, "identity_url": fake.base_url(), "api_url": fake.base_url() },
                "credentials": { "client_id": d.client_id, "client_secret": d.client_secret,
                    "refresh_token": d.initial_refresh_token },
            }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{backend}: {body}");
        // Mid-run, Xero answers 429 with Retry-After once and then 503 twice.
        fake.faults().inject_after(
            1,
            Fault::RateLimit(std::time::Duration::from_millis(500)),
            1,
        );
        fake.faults().inject_after(2, Fault::Status(503), 2);
        let job = sync_now(&app, &admin, "xero").await;
        assert_succeeded(&job, backend);
        let source_tag = format!("xero:{}", d.tenant_id);
        for kind in ["ACCREC", "ACCPAY"] {
            let t = fake.totals(kind);
            let n = app
                .scalar(&format!(
                    "SELECT COUNT(*) FROM invoices WHERE source = '{source_tag}' AND kind = '{kind}'"
                ))
                .await;
            let why = source(&app, &admin, "xero").await["last_error"].clone();
            assert_eq!(n, t.count as i64, "{backend}: {kind} {t:?} {why}");
            for (currency, total) in &t.total {
                let sum = app
                    .scalar(&format!(
                        "SELECT CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) FROM invoices \
                         WHERE source = '{source_tag}' AND kind = '{kind}' AND currency = '{}'",
                        currency.code()
                    ))
                    .await;
                assert_eq!(sum, *total, "{backend}: {kind} {currency:?}");
            }
        }
        assert_eq!(fake.faults().pending(), 0, "{backend}: the faults were met");
        let s = source(&app, &admin, "xero").await;
        assert!(s["last_error"].is_null(), "{backend}: {s}");
        let billed: std::collections::BTreeSet<String> = fake
            .invoices()
            .iter()
            .filter(|i| i.kind == "ACCREC" && matches!(i.status, "AUTHORISED" | "PAID"))
            .map(|i| fake.contact_of(i))
            .collect();
        for name in NEW {
            let rows = app
                .scalar(&format!(
                    "SELECT COUNT(*) FROM customers WHERE name = '{name}' AND kind = 'trade' \
                     AND source = '{source_tag}'"
                ))
                .await;
            assert_eq!(rows, i64::from(billed.contains(name)), "{backend}: {name}");
        }
        assert!(
            NEW.iter().any(|n| billed.contains(*n)),
            "{backend}: the fake bills a new customer"
        );
        // The refresh token rotated at Xero is the one now stored (sealed).
        let stored = app
            .text("SELECT credentials FROM data_sources WHERE code = 'xero'")
            .await;
        assert!(stored.starts_with("v1.") && !stored.contains(&fake.current_refresh_token()));
        assert!(fake.refreshes() >= 1);
        // Tokens expire at Xero: the next sync refreshes with the stored (rotated) token.
        fake.expire_access_tokens();
        fake.add_invoices(3, "ACCREC");
        app.clock.advance(chrono::Duration::seconds(11));
        let job = sync_now(&app, &admin, "xero").await;
        assert_succeeded(&job, backend);
        let n = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM invoices WHERE source = '{source_tag}' AND kind = 'ACCREC'"
            ))
            .await;
        assert_eq!(n, fake.totals("ACCREC").count as i64, "{backend}");
        app.finish().await;
    }
}

/// Counts and money of the purchase orders Sentia holds from Unleashed.
async fn unleashed_purchases(app: &TestApp) -> (i64, i64, std::collections::BTreeMap<String, i64>) {
    use sea_orm::{ConnectionTrait, Statement};
    let orders = app
        .scalar("SELECT COUNT(*) FROM purchase_orders WHERE source = 'unleashed'")
        .await;
    let lines = app
        .scalar(
            "SELECT COUNT(*) FROM purchase_order_lines l JOIN purchase_orders o ON o.id = l.purchase_order_id \
             WHERE o.source = 'unleashed'",
        )
        .await;
    let totals = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT currency, CAST(SUM(total_minor) AS BIGINT) AS t FROM purchase_orders \
             WHERE source = 'unleashed' GROUP BY currency"
                .to_owned(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "currency").unwrap(),
                r.try_get::<i64>("", "t").unwrap(),
            )
        })
        .collect();
    (orders, lines, totals)
}

/// Every stock row of the fake equals Sentia's position of its product at the mapped location.
async fn assert_stock_matches(
    app: &TestApp,
    fake: &sentia_connectors::fake::FakeUnleashed,
    locations: &[(&str, &str)],
    backend: &str,
) {
    let products = fake.products();
    for s in fake.stock() {
        let location = locations.iter().find(|l| l.0 == s.warehouse).unwrap().1;
        let on_hand = app
            .scalar(&format!(
                "SELECT p.on_hand FROM inventory_positions p JOIN products x ON x.id = p.product_id \
                 JOIN locations l ON l.id = p.location_id WHERE x.sku = '{}' AND l.code = '{location}'",
                products[s.product].code
            ))
            .await;
        assert_eq!(
            on_hand, s.on_hand,
            "{backend}: {} at {location}",
            products[s.product].code
        );
    }
}

#[tokio::test]
async fn an_unleashed_account_syncs_stock_and_purchase_orders_through_faults() {
    use sentia_connectors::fake::{FakeUnleashed, FakeUnleashedConfig};
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let skus = column(&app, "SELECT sku FROM products ORDER BY sku").await;
        let suppliers = column(
            &app,
            "SELECT code || '|' || name FROM suppliers ORDER BY code LIMIT 3",
        )
        .await
        .into_iter()
        .map(|t| {
            let (code, name) = t.split_once('|').unwrap();
            (code.to_owned(), name.to_owned())
        })
        .collect::<Vec<_>>();
        let locations = [("MAIN", "WH-UK"), ("OVF", "WH-EU")];
        let fake = FakeUnleashed::start(FakeUnleashedConfig {
            products: skus.len(),
            skus,
            suppliers,
            purchase_orders: 30,
            ..FakeUnleashedConfig::default()
        })
        .await
        .unwrap();
        let d = FakeUnleashedConfig::default();
        let admin = app.admin_with_mfa().await;
        let (status, body) = put_source(
            &app,
            &admin,
            "unleashed",
            json!({
                "settings": { "base_url": fake.base_url(), "warehouses": ["MAIN=WH-UK", "OVF=WH-EU"] },
                "credentials": { "api_id": d.api_id, "api_key": d.api_key },
            }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{backend}: {body}");
        // A 5xx burst from the third call on: retried with backoff, the sync still succeeds.
        fake.faults().inject_after(2, Fault::Status(503), 2);
        let job = sync_now(&app, &admin, "unleashed").await;
        assert_succeeded(&job, backend);
        assert_eq!(fake.faults().pending(), 0, "{backend}: the faults were met");
        let s = source(&app, &admin, "unleashed").await;
        assert!(s["last_error"].is_null(), "{backend}: {s}");
        let t = fake.totals();
        let expect = |t: &sentia_connectors::fake::unleashed::FakeUnleashedTotals| {
            (
                t.purchase_orders as i64,
                t.purchase_lines as i64,
                t.purchase_total
                    .iter()
                    .map(|(c, v)| (c.code().to_owned(), *v))
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
        };
        assert_eq!(unleashed_purchases(&app).await, expect(&t), "{backend}");
        assert_stock_matches(&app, &fake, &locations, backend).await;
        let counts = app
            .scalar("SELECT COUNT(*) FROM stock_movements WHERE source = 'unleashed'")
            .await;
        assert_eq!(counts, t.stock_rows as i64, "{backend}: one count per row");

        // Changes at Unleashed, then an incremental sync that meets a malformed answer
        // halfway: the attempt fails and keeps the old cursors, and its retry (after the
        // stored backoff) ends with exactly the fake's records.
        fake.add_purchase_orders(4);
        fake.set_stock(0, 7);
        fake.set_stock(3, 0);
        fake.faults().inject_after(1, Fault::Malformed, 1);
        app.clock.advance(chrono::Duration::seconds(11));
        let job = sync_now(&app, &admin, "unleashed").await;
        assert_eq!(
            job.state,
            JobState::Retrying,
            "{backend}: {:?}",
            job.last_error
        );
        assert!(
            job.last_error
                .as_deref()
                .unwrap_or("")
                .contains("malformed"),
            "{backend}: {:?}",
            job.last_error
        );
        app.clock.advance(chrono::Duration::minutes(1));
        let job = app
            .job_when(job.id, |s| {
                matches!(s, JobState::Succeeded | JobState::Dead)
            })
            .await;
        assert_succeeded(&job, backend);
        let t = fake.totals();
        assert_eq!(unleashed_purchases(&app).await, expect(&t), "{backend}");
        assert_stock_matches(&app, &fake, &locations, backend).await;
        let after = app
            .scalar("SELECT COUNT(*) FROM stock_movements WHERE source = 'unleashed'")
            .await;
        assert_eq!(after, counts + 2, "{backend}: two new counts");

        // Again: nothing changes.
        app.clock.advance(chrono::Duration::seconds(11));
        let job = sync_now(&app, &admin, "unleashed").await;
        assert_eq!(job.state, JobState::Succeeded, "{backend}");
        assert_eq!(unleashed_purchases(&app).await, expect(&t), "{backend}");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM stock_movements WHERE source = 'unleashed'")
                .await,
            after,
            "{backend}"
        );
        // A full sync from scratch also changes nothing.
        app.clock.advance(chrono::Duration::seconds(11));
        let r = admin
            .post(app.url("/api/v1/sources/unleashed/sync?full=true"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let id = r.json::<Value>().await.unwrap()["job_id"].as_i64().unwrap();
        let job = app
            .job_when(id, |s| matches!(s, JobState::Succeeded | JobState::Dead))
            .await;
        assert_succeeded(&job, backend);
        assert_eq!(unleashed_purchases(&app).await, expect(&t), "{backend}");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM stock_movements WHERE source = 'unleashed'")
                .await,
            after,
            "{backend}"
        );
        assert_stock_matches(&app, &fake, &locations, backend).await;
        app.finish().await;
    }
}
