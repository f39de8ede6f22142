//! Imports over HTTP: templates, a dry run that reports a bad row and keeps nothing, a commit
//! that is audited and listed, a re-import that changes nothing, and the permissions.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use sentia_store::testing::backends;
use serde_json::Value;

fn sales_file(day: &str, qty: &str) -> String {
    format!(
        "order_number,line,ordered_at,channel,sku,quantity,unit_price\n\
         W-1,1,{day}T09:00:00Z,SHOP-UK,GIN-70,{qty},24.99\n\
         W-1,2,{day}T09:00:00Z,SHOP-UK,RUM-70,1,19.99\n"
    )
}

async fn post(app: &TestApp, c: &reqwest::Client, q: &str, body: String) -> (StatusCode, Value) {
    let r = c
        .post(app.url(&format!("/api/v1/imports/sales_orders?{q}")))
        .body(body)
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn import_over_http_reports_commits_audits_and_lists() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let c = app.signed_in_client("manager@sentia.demo").await;
        let day = app
            .text("SELECT CAST(MAX(order_date) AS TEXT) FROM sales_orders")
            .await;

        let t = c
            .get(app.url("/api/v1/imports/templates/stock_counts"))
            .send()
            .await
            .unwrap();
        assert_eq!(t.status(), StatusCode::OK, "{backend}");
        assert!(
            t.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let body = t.text().await.unwrap();
        assert!(
            body.starts_with("sku,location,counted_on,on_hand\n"),
            "{backend}: {body}"
        );
        let x = c
            .get(app.url("/api/v1/imports/templates/invoices?format=xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(x.status(), StatusCode::OK, "{backend}");
        assert!(
            x.bytes().await.unwrap().starts_with(b"PK\x03\x04"),
            "{backend}"
        );
        let unknown = c
            .get(app.url("/api/v1/imports/templates/widgets"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND, "{backend}");

        // A bad quantity: the report names row and column, nothing is written.
        let (s, r) = post(
            &app,
            &c,
            "dry_run=false&filename=w.csv",
            sales_file(&day, "0"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend}: {r}");
        assert_eq!(r["committed"], false, "{backend}");
        assert_eq!(r["problems"][0]["row"], 2, "{backend}: {r}");
        assert_eq!(r["problems"][0]["field"], "quantity", "{backend}");
        let imported = "SELECT COUNT(*) FROM sales_orders WHERE source = 'import'";
        assert_eq!(app.scalar(imported).await, 0, "{backend}");

        // Fixed: a dry run counts, a commit writes and is audited.
        let (_, r) = post(&app, &c, "filename=w.csv", sales_file(&day, "2")).await;
        assert_eq!(
            (r["dry_run"].clone(), r["committed"].clone()),
            (Value::Bool(true), Value::Bool(false)),
            "{backend}: {r}"
        );
        assert_eq!(r["counts"]["inserted"], 1, "{backend}");
        assert_eq!(app.scalar(imported).await, 0, "{backend}");
        let (_, r) = post(
            &app,
            &c,
            "dry_run=false&filename=w.csv",
            sales_file(&day, "2"),
        )
        .await;
        assert_eq!(r["committed"], true, "{backend}: {r}");
        assert_eq!(r["counts"]["inserted"], 1, "{backend}");
        assert_eq!(app.scalar(imported).await, 1, "{backend}");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'import.commit'")
                .await,
            1,
            "{backend}"
        );
        let (_, r) = post(
            &app,
            &c,
            "dry_run=false&filename=w.csv",
            sales_file(&day, "2"),
        )
        .await;
        assert_eq!(r["counts"]["unchanged"], 1, "{backend}: {r}");
        assert_eq!(r["counts"]["inserted"], 0, "{backend}");

        let (s, list) = {
            let r = c.get(app.url("/api/v1/imports")).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        };
        assert_eq!(s, StatusCode::OK, "{backend}");
        let batches = list["batches"].as_array().unwrap();
        assert_eq!(batches.len(), 2, "{backend}: {list}");
        assert_eq!(batches[0]["created_by"], "manager@sentia.demo", "{backend}");
        assert_eq!(batches[0]["unchanged"], 1, "{backend}");

        // A viewer may not see imports, an operator may not run them.
        let viewer = app.signed_in_client("viewer@sentia.demo").await;
        let r = viewer.get(app.url("/api/v1/imports")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{backend}");
        let operator = app.signed_in_client("operator@sentia.demo").await;
        let (s, _) = post(&app, &operator, "dry_run=false", sales_file(&day, "2")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{backend}");
        app.finish().await;
    }
}
