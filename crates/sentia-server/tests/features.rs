//! Feature flags: an admin switches a feature off, or on only for some roles; the next
//! request of every user follows (the server refuses it with `feature_disabled` and
//! `/api/v1/features` tells the web app to hide it) — on every backend.

mod common;

use common::{TestApp, error_code};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn enabled(app: &TestApp, c: &reqwest::Client, key: &str) -> bool {
    let f: Value = c
        .get(app.url("/api/v1/features"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    f["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap()["enabled"]
        .as_bool()
        .unwrap()
}

async fn code_of(r: reqwest::Response) -> (StatusCode, String) {
    let s = r.status();
    let b: Value = r.json().await.unwrap_or(Value::Null);
    (
        s,
        if b["error"].is_object() {
            error_code(&b)
        } else {
            String::new()
        },
    )
}

#[tokio::test]
async fn flags_switch_features_per_role_on_the_next_request() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin_with_mfa().await;
        let manager = app.signed_in_client("manager@sentia.demo").await;
        let viewer = app.signed_in_client("viewer@sentia.demo").await;
        assert!(
            enabled(&app, &manager, "forecast_overrides").await,
            "{backend}: on by default"
        );

        let set = |key: &str, body: Value| {
            admin
                .put(app.url(&format!("/api/v1/admin/features/{key}")))
                .json(&body)
                .send()
        };
        let r = set(
            "forecast_overrides",
            json!({ "mode": "roles", "roles": ["ADMIN"] }),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        assert!(
            !enabled(&app, &manager, "forecast_overrides").await,
            "{backend}"
        );
        assert!(
            enabled(&app, &admin, "forecast_overrides").await,
            "{backend}"
        );

        let post = |c: &reqwest::Client| {
            c.post(app.url("/api/v1/forecasting/series/GIN-70/SHOP-UK/overrides"))
                .json(&json!({ "period_start": "2030-01-07", "value": 5, "reason": "test" }))
                .send()
        };
        let (s, code) = code_of(post(&manager).await.unwrap()).await;
        assert_eq!(
            (s, code.as_str()),
            (StatusCode::FORBIDDEN, "feature_disabled"),
            "{backend}"
        );
        let (_, code) = code_of(post(&admin).await.unwrap()).await;
        assert_ne!(code, "feature_disabled", "{backend}: still on for ADMIN");

        let r = set("forecast_export", json!({ "mode": "off" }))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let (s, code) = code_of(
            viewer
                .get(app.url("/api/v1/forecasting/series/GIN-70/SHOP-UK/export"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (s, code.as_str()),
            (StatusCode::FORBIDDEN, "feature_disabled"),
            "{backend}"
        );

        // Bad settings change nothing.
        let r = set("forecast_export", json!({ "mode": "sometimes" }))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = set(
            "forecast_export",
            json!({ "mode": "on", "roles": ["VIEWER"] }),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = set("no_such_flag", json!({ "mode": "on" })).await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(
            !enabled(&app, &viewer, "forecast_export").await,
            "{backend}"
        );

        // Back on, and audited with old and new settings.
        set("forecast_export", json!({ "mode": "on" }))
            .await
            .unwrap();
        assert!(enabled(&app, &viewer, "forecast_export").await);
        let n = app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'feature_flag.update'")
            .await;
        assert_eq!(n, 3, "{backend}");
        let list: Value = admin
            .get(app.url("/api/v1/admin/features"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let overrides = list["flags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == "forecast_overrides")
            .unwrap()
            .clone();
        assert_eq!(overrides["mode"], "roles");
        assert_eq!(overrides["roles"], json!(["ADMIN"]));
        app.finish().await;
    }
}
