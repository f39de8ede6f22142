//! API tokens for machines: scoped to some of the owner's permissions (never
//! administration), stored hashed, expiring on the app's clock, revocable by the owner and
//! by an admin, narrowed further when the matrix changes, and never able to manage the
//! account — on every backend.

mod common;

use chrono::Duration;
use common::{TestApp, error_code};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn bearer(app: &TestApp, token: &str, path: &str) -> StatusCode {
    reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn tokens_are_scoped_hashed_expiring_and_revocable() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let manager = app.signed_in_client("manager@sentia.demo").await;
        let create = |body: Value| {
            manager
                .post(app.url("/api/v1/me/tokens"))
                .json(&body)
                .send()
        };
        // Refused: administration, a permission the user lacks, no scopes, too long.
        for (body, field) in [
            (
                json!({"name": "x", "scopes": ["admin:read"], "expires_in_days": 30}),
                "scopes",
            ),
            (
                json!({"name": "x", "scopes": ["data:configure"], "expires_in_days": 30}),
                "scopes",
            ),
            (
                json!({"name": "x", "scopes": [], "expires_in_days": 30}),
                "scopes",
            ),
            (
                json!({"name": "x", "scopes": ["dashboard:read"], "expires_in_days": 400}),
                "expires_in_days",
            ),
            (
                json!({"name": " ", "scopes": ["dashboard:read"], "expires_in_days": 30}),
                "name",
            ),
        ] {
            let r = create(body.clone()).await.unwrap();
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend}: {body}"
            );
            let b: Value = r.json().await.unwrap();
            assert_eq!(b["error"]["details"][0]["field"], field, "{backend}: {b}");
        }
        let r = create(
            json!({"name": "BI export", "scopes": ["dashboard:read"], "expires_in_days": 30}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
        let made: Value = r.json().await.unwrap();
        let token = made["token"].as_str().unwrap().to_owned();
        let id = made["info"]["id"].as_i64().unwrap();
        assert!(token.starts_with("sentia_"));
        let plain = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{token}'"
            ))
            .await;
        assert_eq!(plain, 0, "{backend}: only the hash is stored");

        // In scope: the overview. Out of scope (though the role has it): forecasts.
        assert_eq!(
            bearer(&app, &token, "/api/v1/kpis/overview").await,
            StatusCode::OK,
            "{backend}"
        );
        assert_eq!(
            bearer(&app, &token, "/api/v1/forecasting/series").await,
            StatusCode::FORBIDDEN
        );
        // Never the account: sessions, tokens, second factor.
        assert_eq!(
            bearer(&app, &token, "/api/v1/me/sessions").await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bearer(&app, &token, "/api/v1/me/tokens").await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(bearer(&app, &token, "/api/v1/me").await, StatusCode::OK);
        // Garbage and unknown tokens.
        assert_eq!(
            bearer(&app, "sentia_0000", "/api/v1/kpis/overview").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            bearer(&app, "nonsense", "/api/v1/kpis/overview").await,
            StatusCode::UNAUTHORIZED
        );
        let used = app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'api_token.use'")
            .await;
        assert_eq!(
            used, 1,
            "{backend}: a use is audited once a minute, not per request"
        );

        // The matrix still rules: without dashboard:read for MANAGER the token is refused.
        let admin = app.admin_with_mfa().await;
        let m: Value = admin
            .get(app.url("/api/v1/admin/permissions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let manager_perms: Vec<String> = m["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["role"] == "MANAGER")
            .unwrap()["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .filter(|p| p != "dashboard:read")
            .collect();
        let r = admin
            .put(app.url("/api/v1/admin/roles/MANAGER/permissions"))
            .json(&json!({ "permissions": manager_perms }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = reqwest::Client::new()
            .get(app.url("/api/v1/kpis/overview"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{backend}");
        assert_eq!(error_code(&r.json().await.unwrap()), "forbidden");
        let mut back = manager_perms.clone();
        back.push("dashboard:read".into());
        admin
            .put(app.url("/api/v1/admin/roles/MANAGER/permissions"))
            .json(&json!({ "permissions": back }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            bearer(&app, &token, "/api/v1/kpis/overview").await,
            StatusCode::OK
        );

        // Expiry on the app's clock.
        let r =
            create(json!({"name": "short", "scopes": ["dashboard:read"], "expires_in_days": 1}))
                .await
                .unwrap();
        let short: Value = r.json().await.unwrap();
        let short = short["token"].as_str().unwrap().to_owned();
        assert_eq!(
            bearer(&app, &short, "/api/v1/kpis/overview").await,
            StatusCode::OK
        );
        app.clock.advance(Duration::days(1) + Duration::seconds(1));
        assert_eq!(
            bearer(&app, &short, "/api/v1/kpis/overview").await,
            StatusCode::UNAUTHORIZED,
            "{backend}: expired"
        );
        assert_eq!(
            bearer(&app, &token, "/api/v1/kpis/overview").await,
            StatusCode::OK
        );

        // Revoked by its owner (someone else cannot), then listed as revoked.
        let manager = app.signed_in_client("manager@sentia.demo").await;
        let viewer = app.signed_in_client("viewer@sentia.demo").await;
        let r = viewer
            .delete(app.url(&format!("/api/v1/me/tokens/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{backend}");
        let r = manager
            .delete(app.url(&format!("/api/v1/me/tokens/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{backend}");
        assert_eq!(
            bearer(&app, &token, "/api/v1/kpis/overview").await,
            StatusCode::UNAUTHORIZED
        );
        let list: Value = manager
            .get(app.url("/api/v1/me/tokens"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed = list["tokens"].as_array().unwrap();
        assert_eq!(listed.len(), 2, "{backend}");
        assert!(
            listed
                .iter()
                .any(|t| t["id"] == id && t["revoked_at"].is_string())
        );
        assert!(
            listed.iter().all(|t| t.get("token").is_none()),
            "never listed"
        );
        for action in ["api_token.create", "api_token.revoke"] {
            let n = app
                .scalar(&format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
                ))
                .await;
            assert!(n >= 1, "{backend}: {action}");
        }
        app.finish().await;
    }
}
