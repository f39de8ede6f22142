//! Access control, generated from the route table: every documented route has a declared
//! access, and every route called as every role (and anonymously) is allowed or denied
//! exactly as the matrix in the database says — before and after an admin edits the matrix
//! through the API, with no restart and no new sign-in.

mod common;

use std::collections::BTreeSet;

use common::{TestApp, error_code};
use reqwest::{Method, StatusCode};
use sentia_server::routes::{ACCESS, Access};
use serde_json::{Value, json};

#[test]
fn every_documented_route_declares_its_access_and_nothing_else_is_declared() {
    let doc: Value = serde_json::from_str(&sentia_server::openapi_json()).unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let declared: BTreeSet<(String, String)> = ACCESS
        .iter()
        .map(|(m, p, _)| (m.as_str().to_owned(), (*p).to_owned()))
        .collect();
    let undeclared: Vec<_> = documented.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "routes without a declared access: {undeclared:?}"
    );
    let stale: Vec<_> = declared.difference(&documented).collect();
    assert!(stale.is_empty(), "declared but not routed: {stale:?}");
    assert_eq!(declared.len(), ACCESS.len(), "each route is declared once");
    // Only sign-in (with a password or at the provider), sign-out, the health probe and the
    // source-signed webhooks are open to anyone.
    let public: BTreeSet<&str> = sentia_server::routes::public_routes()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(
        public,
        BTreeSet::from([
            "/api/health",
            "/api/v1/auth/login",
            "/api/v1/auth/logout",
            "/api/v1/auth/oidc/callback",
            "/api/v1/auth/oidc/start",
            "/api/v1/auth/providers",
            "/api/v1/webhooks/shopify",
            "/api/v1/webhooks/xero",
        ])
    );
}

const ROLES: [(&str, &str); 4] = [
    ("ADMIN", "admin@sentia.demo"),
    ("MANAGER", "manager@sentia.demo"),
    ("OPERATOR", "operator@sentia.demo"),
    ("VIEWER", "viewer@sentia.demo"),
];

/// A concrete URL for a route: path parameters get values that exist where it matters
/// (a demo series) and ids that match nothing elsewhere, so allowed calls change no
/// business data.
fn concrete(path: &str) -> String {
    path.replace("{sku}", "GIN-70")
        .replace("{channel}", "SHOP-UK")
        .replace("{role}", "VIEWER")
        .replace("{id}", "987654321")
        .replace("{key}", "no_such_flag")
}

async fn call(app: &TestApp, client: &reqwest::Client, method: &Method, path: &str) -> StatusCode {
    let mut req = client.request(method.clone(), app.url(&concrete(path)));
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        // Bodies that no handler accepts: an allowed call is refused by validation (400/422),
        // never carried out, so the walk itself changes no data.
        req = req.json(&json!({ "not_a_field": true }));
    }
    req.send().await.expect("request").status()
}

/// The matrix as the API reports it: role → permission codes.
async fn matrix(app: &TestApp, admin: &reqwest::Client) -> Vec<(String, BTreeSet<String>)> {
    let m: Value = admin
        .get(app.url("/api/v1/admin/permissions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    m["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_owned(),
                r["permissions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// Calls every route as every role and anonymously; returns how many calls were allowed.
async fn walk(
    app: &TestApp,
    clients: &[(&str, reqwest::Client)],
    m: &[(String, BTreeSet<String>)],
    what: &str,
) -> usize {
    let anon = TestApp::new_client();
    let mut allowed = 0;
    for (method, path, access) in ACCESS {
        if *access == Access::Public {
            // Anyone: only the anonymous call (signing out a role's client would end its
            // session for the rest of the walk).
            let s = call(app, &anon, method, path).await;
            assert!(
                s != StatusCode::UNAUTHORIZED || *path == "/api/v1/auth/login",
                "{what}: anonymous {method} {path} → {s}"
            );
            assert_ne!(
                s,
                StatusCode::FORBIDDEN,
                "{what}: anonymous {method} {path}"
            );
            continue;
        }
        let s = call(app, &anon, method, path).await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "{what}: anonymous {method} {path}"
        );
        for (role, client) in clients {
            let may = match access {
                Access::SignedIn | Access::Pending => true,
                Access::Permission(p) | Access::StepUp(p) => m
                    .iter()
                    .find(|(r, _)| r == role)
                    .is_some_and(|(_, codes)| codes.contains(*p)),
                Access::Public => unreachable!(),
            };
            let r = client
                .request(method.clone(), app.url(&concrete(path)))
                .json(&json!({ "not_a_field": true }))
                .send()
                .await
                .unwrap();
            let s = r.status();
            if may {
                assert!(
                    s != StatusCode::FORBIDDEN && s != StatusCode::UNAUTHORIZED,
                    "{what}: {role} may {method} {path} but got {s}"
                );
                allowed += 1;
            } else {
                assert_eq!(s, StatusCode::FORBIDDEN, "{what}: {role} {method} {path}");
                let body: Value = r.json().await.unwrap();
                assert_eq!(
                    error_code(&body),
                    "forbidden",
                    "{what}: {role} {method} {path}"
                );
            }
        }
    }
    allowed
}

#[tokio::test]
async fn every_route_as_every_role_follows_the_live_matrix() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let mut clients = Vec::new();
        for (role, email) in ROLES {
            clients.push((role, app.signed_in_client(email).await));
        }
        // Administration needs two-factor sign-in (and admin changes a fresh check).
        app.enroll_mfa(&clients[0].1).await;
        let admin = clients[0].1.clone();
        let before = matrix(&app, &admin).await;

        // The default matrix of the product.
        let of = |role: &str| {
            before
                .iter()
                .find(|(r, _)| r == role)
                .map(|(_, c)| c.clone())
                .unwrap()
        };
        assert!(of("ADMIN").contains("admin:write"), "{backend}");
        assert!(!of("MANAGER").contains("admin:read"), "{backend}");
        assert!(of("MANAGER").contains("forecasting:configure"), "{backend}");
        assert!(!of("MANAGER").contains("data:configure"), "{backend}");
        assert!(of("OPERATOR").contains("production:execute"), "{backend}");
        assert!(!of("OPERATOR").contains("forecasting:read"), "{backend}");
        assert!(!of("OPERATOR").contains("finance:read"), "{backend}");
        assert!(of("VIEWER").contains("finance:read"), "{backend}");
        assert!(!of("VIEWER").contains("forecasting:write"), "{backend}");
        assert!(!of("VIEWER").contains("data:read"), "{backend}");

        let allowed_before = walk(&app, &clients, &before, &format!("{backend}, default")).await;

        // An admin takes the overview from VIEWER and gives forecasts to OPERATOR.
        let mut viewer: Vec<String> = of("VIEWER")
            .into_iter()
            .filter(|p| p != "dashboard:read")
            .collect();
        viewer.sort();
        let r = admin
            .put(app.url("/api/v1/admin/roles/VIEWER/permissions"))
            .json(&json!({ "permissions": viewer }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let mut operator: Vec<String> = of("OPERATOR").into_iter().collect();
        operator.push("forecasting:read".into());
        let r = admin
            .put(app.url("/api/v1/admin/roles/OPERATOR/permissions"))
            .json(&json!({ "permissions": operator }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let after = matrix(&app, &admin).await;
        assert_ne!(after, before, "{backend}");

        // The same sessions, their next requests: the new matrix holds.
        let viewer_client = &clients[3].1;
        let me: Value = viewer_client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            !me["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "dashboard:read"),
            "{backend}: /me reflects the edit"
        );
        let allowed_after = walk(&app, &clients, &after, &format!("{backend}, edited")).await;
        // VIEWER lost the regions, channels, sales, KPI and live-event routes (5); OPERATOR
        // gained the seven forecasting reads.
        assert_eq!(
            allowed_after + 5,
            allowed_before + 7,
            "{backend}: {allowed_before} → {allowed_after}"
        );

        // The edits are audited with old and new lists.
        let n = app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'role.permissions_update'")
            .await;
        assert_eq!(n, 2, "{backend}");
        app.finish().await;
    }
}

#[tokio::test]
async fn matrix_edits_are_validated() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin_with_mfa().await;
        let put = |role: &'static str, body: Value| {
            admin
                .put(app.url(&format!("/api/v1/admin/roles/{role}/permissions")))
                .json(&body)
                .send()
        };
        // ADMIN cannot lose the matrix editor.
        let r = put(
            "ADMIN",
            json!({ "permissions": ["admin:read", "dashboard:read"] }),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["details"][0]["field"], "permissions");
        assert!(
            body["error"]["details"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("admin:write"),
            "{body}"
        );
        // Unknown codes are named.
        let r = put(
            "VIEWER",
            json!({ "permissions": ["dashboard:read", "dashboard:fly"] }),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("dashboard:fly"),
            "{body}"
        );
        // An unknown role is a bad path.
        let r = put("ROOT", json!({ "permissions": [] })).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{backend}");
        // Nothing changed, nothing audited.
        let viewer = app
            .scalar("SELECT COUNT(*) FROM role_permissions WHERE role_code = 'VIEWER'")
            .await;
        assert_eq!(
            viewer, 4,
            "{backend}: dashboard, inventory, finance, forecasting"
        );
        let n = app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'role.permissions_update'")
            .await;
        assert_eq!(n, 0, "{backend}");
        app.finish().await;
    }
}
