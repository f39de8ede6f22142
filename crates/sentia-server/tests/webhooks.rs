//! Shopify webhooks: a well-signed order delivery is answered at once and stored by a job;
//! the same delivery again (same event id) is not queued twice; a stale retry (older
//! `updated_at`) changes nothing; a newer update changes the order; a bad signature is refused
//! with 401, audited and never processed — on every backend.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use sentia_store::jobs::{self, JobState};
use serde_json::{Value, json};

const SECRET: &str = "shopify-app-secret";
const SHOP: &str = "sentia-uk.myshopify.com";

fn order(sku: &str, quantity: i64, updated_at: &str) -> Value {
    let m = |a: &str| json!({ "shop_money": { "amount": a, "currency_code": "GBP" }, "presentment_money": { "amount": a, "currency_code": "GBP" } });
    let total = format!("{}.00", 30 * quantity);
    json!({
        "id": 5_550_001u64, "name": "#W1001", "created_at": "2026-11-30T10:00:00Z",
        "updated_at": updated_at, "cancelled_at": null, "financial_status": "paid",
        "currency": "GBP", "presentment_currency": "GBP", "total_price_set": m(&total),
        "line_items": [{ "id": 77, "sku": sku, "quantity": quantity, "price_set": m("30.00"),
            "total_discount_set": m("0.00") }],
        "refunds": []
    })
}

async fn deliver(app: &TestApp, event_id: &str, body: &Value, secret: &str) -> reqwest::Response {
    let raw = serde_json::to_vec(body).unwrap();
    let sig = sentia_connectors::shopify::sign_shopify_body(secret.as_bytes(), &raw);
    reqwest::Client::new()
        .post(app.url("/api/v1/webhooks/shopify"))
        .header("content-type", "application/json")
        .header("x-shopify-topic", "orders/updated")
        .header("x-shopify-shop-domain", SHOP)
        .header("x-shopify-event-id", event_id)
        .header("x-shopify-hmac-sha256", sig)
        .body(raw)
        .send()
        .await
        .unwrap()
}

async fn done(app: &TestApp, id: i64) -> jobs::Job {
    app.job_when(id, |s| matches!(s, JobState::Succeeded | JobState::Dead))
        .await
}

async fn accepted(r: reqwest::Response) -> (i64, bool) {
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    (
        v["job_id"].as_i64().unwrap(),
        v["duplicate"].as_bool().unwrap(),
    )
}

/// Delivers a well-signed order and returns its job once it has finished.
async fn stored(app: &TestApp, event_id: &str, body: &Value) -> jobs::Job {
    let (job, duplicate) = accepted(deliver(app, event_id, body, SECRET).await).await;
    assert!(!duplicate, "{event_id} is new");
    done(app, job).await
}

#[tokio::test]
async fn shopify_orders_arrive_once_and_stale_retries_change_nothing() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn_with(backend, |c| {
            c.shopify_webhook_secret = Some(sentia_server::config::Redacted(SECRET.into()));
            c.shopify_shops = format!("{SHOP}=SHOP-UK");
        })
        .await;
        let sku = app
            .text("SELECT sku FROM products WHERE kind = 'finished' ORDER BY sku LIMIT 1")
            .await;
        let orders =
            "SELECT COUNT(*) FROM sales_orders WHERE external_id = 'gid://shopify/Order/5550001'";
        let qty = "SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM sales_order_lines l JOIN sales_orders o ON o.id = l.order_id WHERE o.external_id = 'gid://shopify/Order/5550001'";

        // A bad signature: 401, audited, nothing queued.
        let jobs_before = app.scalar("SELECT COUNT(*) FROM jobs").await;
        let r = deliver(
            &app,
            "ev-0",
            &order(&sku, 2, "2026-11-30T10:00:00Z"),
            "wrong",
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{backend}");
        let refused = app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.refused'")
            .await;
        assert_eq!(refused, 1, "{backend}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, jobs_before);

        // Delivered: stored by its job.
        let first = order(&sku, 2, "2026-11-30T10:00:00Z");
        let job = stored(&app, "ev-1", &first).await;
        assert_eq!(job.state, JobState::Succeeded, "{backend}");
        assert_eq!(app.scalar(orders).await, 1, "{backend}");
        assert_eq!(app.scalar(qty).await, 2);

        // The same delivery again: recognised, not queued again.
        let (again, dup) = accepted(deliver(&app, "ev-1", &first, SECRET).await).await;
        assert!(dup, "{backend}");
        assert_eq!(again, job.id);

        // A newer update changes the order; a stale retry of the first state does not.
        let newer = stored(&app, "ev-2", &order(&sku, 3, "2026-11-30T11:00:00Z")).await;
        assert_eq!(newer.state, JobState::Succeeded);
        assert_eq!(app.scalar(qty).await, 3, "{backend}");
        let stale = stored(&app, "ev-3", &first).await;
        assert_eq!(stale.state, JobState::Succeeded);
        assert_eq!(app.scalar(qty).await, 3, "{backend}: stale retry ignored");
        assert_eq!(app.scalar(orders).await, 1);

        // An order for a product Sentia does not sell cannot succeed by retrying.
        let dead = stored(
            &app,
            "ev-4",
            &order("NO-SUCH-SKU", 1, "2026-11-30T12:00:00Z"),
        )
        .await;
        assert_eq!(dead.state, JobState::Dead, "{backend}");
        assert!(dead.last_error.unwrap().contains("NO-SUCH-SKU"));
        app.finish().await;
    }
}

#[tokio::test]
async fn without_a_secret_webhooks_are_not_taken() {
    let app = TestApp::spawn("sqlite").await;
    let r = deliver(&app, "ev", &json!({}), SECRET).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.finish().await;
}
