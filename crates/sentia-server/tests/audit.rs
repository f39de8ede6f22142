//! The audit trail: sign-in events and admin changes are recorded with old and new values
//! and their request's address, user agent and id; the database refuses UPDATE and DELETE on
//! it; with the triggers dropped, an edited or deleted row is found by `sentia audit verify`
//! (the real binary) and by the admin API, naming the row; a GDPR erasure removes a person's
//! data and keeps the chain valid — on every backend.

mod common;

use common::{PASSWORD, TestApp, error_code};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

async fn exec(app: &TestApp, sql: &str) -> Result<(), sea_orm::DbErr> {
    app.db
        .execute_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .map(|_| ())
}

async fn drop_triggers(app: &TestApp) {
    let sql: &[&str] = match app.db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => &[
            "DROP TRIGGER audit_log_no_change ON audit_log",
            "DROP TRIGGER audit_log_no_truncate ON audit_log",
        ],
        _ => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
    };
    for s in sql {
        exec(app, s).await.expect("drop trigger");
    }
}

/// `sentia audit verify` on the app's database: (exit code, stdout + stderr).
fn cli_verify(app: &TestApp) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentia"))
        .args(["--config", "/nonexistent/sentia.toml", "audit", "verify"])
        .env("SENTIA_DATABASE_URL", &app.test_db.url)
        .env("SENTIA_LOG", "error")
        .output()
        .expect("run sentia");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn api_verify(app: &TestApp, admin: &reqwest::Client) -> Value {
    admin
        .get(app.url("/api/v1/admin/audit/verify"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn audit(app: &TestApp, admin: &reqwest::Client, query: &str) -> Vec<Value> {
    let r = admin
        .get(app.url(&format!("/api/v1/admin/audit{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let body: Value = r.json().await.unwrap();
    body["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn tampering_is_refused_then_detected_and_named() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        // A few audited events: two failed sign-ins, sign-ins, a matrix edit.
        for _ in 0..2 {
            let r = TestApp::new_client()
                .post(app.url("/api/v1/auth/login"))
                .header("user-agent", "audit-test/1.0")
                .json(&json!({ "email": "viewer@sentia.demo", "password": "nope" }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let _viewer = app.signed_in_client("viewer@sentia.demo").await;
        let admin = app.admin_with_mfa().await;
        let r = admin
            .put(app.url("/api/v1/admin/roles/OPERATOR/permissions"))
            .header("x-request-id", "req-matrix-1")
            .json(&json!({ "permissions": ["dashboard:read", "inventory:read"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");

        // What was recorded.
        let failed = audit(&app, &admin, "?action=auth.login_failed").await;
        assert_eq!(failed.len(), 2, "{backend}");
        assert_eq!(failed[0]["subject"], "viewer@sentia.demo");
        assert_eq!(failed[0]["details"]["reason"], "wrong_password");
        assert_eq!(failed[0]["user_agent"], "audit-test/1.0");
        assert_eq!(failed[0]["ip"], "127.0.0.1");
        let edit = audit(&app, &admin, "?entity=role").await;
        assert_eq!(edit.len(), 1, "{backend}");
        assert_eq!(edit[0]["request_id"], "req-matrix-1");
        assert_eq!(edit[0]["user_email"], "admin@sentia.demo");
        assert_eq!(
            edit[0]["details"]["removed"],
            json!(["production:execute", "production:read"])
        );
        assert_eq!(
            edit[0]["details"]["new"],
            json!(["dashboard:read", "inventory:read"])
        );
        let searched = audit(&app, &admin, "?q=production%3Aexecute").await;
        assert_eq!(searched.len(), 1, "{backend}: search finds the edit");
        let logins = audit(&app, &admin, "?action=auth.").await;
        assert_eq!(logins.len(), 4, "{backend}: 2 failures + 2 sign-ins");

        let v = api_verify(&app, &admin).await;
        assert_eq!(v["valid"], true, "{backend}: {v}");
        let (code, out) = cli_verify(&app);
        assert_eq!(code, 0, "{backend}: {out}");
        assert!(out.contains("all 6 rows"), "{backend}: {out}");

        // The database refuses to change the trail.
        let victim = failed[0]["id"].as_i64().unwrap();
        assert!(
            exec(
                &app,
                &format!("UPDATE audit_log SET action = 'x' WHERE id = {victim}")
            )
            .await
            .is_err(),
            "{backend}: UPDATE refused"
        );
        assert!(
            exec(&app, &format!("DELETE FROM audit_log WHERE id = {victim}"))
                .await
                .is_err(),
            "{backend}: DELETE refused"
        );
        assert_eq!(api_verify(&app, &admin).await["valid"], true);

        // With the triggers gone, an edit is found and named.
        drop_triggers(&app).await;
        let sql = match app.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => format!(
                "UPDATE audit_log SET details = '{{\"reason\": \"unknown_email\"}}'::jsonb WHERE id = {victim}"
            ),
            _ => format!(
                "UPDATE audit_log SET details = '{{\"reason\":\"unknown_email\"}}' WHERE id = {victim}"
            ),
        };
        exec(&app, &sql).await.unwrap();
        let v = api_verify(&app, &admin).await;
        assert_eq!(v["valid"], false, "{backend}");
        assert_eq!(v["first_broken_id"], victim, "{backend}: {v}");
        let (code, out) = cli_verify(&app);
        assert_eq!(code, 1, "{backend}: {out}");
        assert!(
            out.contains(&format!("audit row {victim} was changed")),
            "{backend}: {out}"
        );

        // Deleting a row instead breaks the link of the row after it.
        exec(
            &app,
            &format!("DELETE FROM audit_context WHERE audit_id = {victim}"),
        )
        .await
        .unwrap();
        exec(&app, &format!("DELETE FROM audit_log WHERE id = {victim}"))
            .await
            .unwrap();
        let next = app
            .scalar(&format!(
                "SELECT MIN(id) FROM audit_log WHERE id > {victim}"
            ))
            .await;
        let v = api_verify(&app, &admin).await;
        assert_eq!(v["first_broken_id"], next, "{backend}: {v}");
        let (code, out) = cli_verify(&app);
        assert_eq!(code, 1, "{backend}");
        assert!(
            out.contains(&format!("audit row {next} does not follow row")),
            "{backend}: {out}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn erasing_a_user_keeps_the_chain_and_removes_their_personal_data() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin_with_mfa().await;

        // A new user who signs in and fails once.
        let r = admin
            .post(app.url("/api/v1/admin/users"))
            .json(
                &json!({ "email": "Planner@Example.com", "name": "Pat Planner",
                "role": "MANAGER", "password": "short" }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["details"][0]["field"], "password");
        assert!(
            body["error"]["details"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("at least 12"),
            "{body}"
        );
        let r = admin
            .post(app.url("/api/v1/admin/users"))
            .json(
                &json!({ "email": "Planner@Example.com", "name": "Pat Planner",
                "role": "MANAGER", "password": "passwordpassword" }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend}: guessable"
        );
        let r = admin
            .post(app.url("/api/v1/admin/users"))
            .json(
                &json!({ "email": "Planner@Example.com", "name": "Pat Planner",
                "role": "MANAGER", "password": PASSWORD }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
        let created: Value = r.json().await.unwrap();
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["email"], "planner@example.com");
        let r = admin
            .post(app.url("/api/v1/admin/users"))
            .json(&json!({ "email": "planner@example.com", "name": "Again",
                "role": "VIEWER", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{backend}");

        let bad = TestApp::new_client()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": "planner@example.com", "password": "wrong" }))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        let planner = app.signed_in_client("planner@example.com").await;

        // Role change: audited with old and new, and their session ends.
        let r = admin
            .patch(app.url(&format!("/api/v1/admin/users/{id}")))
            .json(&json!({ "role": "VIEWER" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        assert_eq!(app.me_status(&planner).await, StatusCode::UNAUTHORIZED);
        let upd = audit(&app, &admin, "?action=user.update").await;
        assert_eq!(
            upd[0]["details"]["role"],
            json!({"old": "MANAGER", "new": "VIEWER"})
        );
        // An admin cannot demote themself.
        let admin_id = app
            .scalar("SELECT id FROM users WHERE email = 'admin@sentia.demo'")
            .await;
        let r = admin
            .patch(app.url(&format!("/api/v1/admin/users/{admin_id}")))
            .json(&json!({ "role": "VIEWER" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");

        let planner = app.signed_in_client("planner@example.com").await;
        // GDPR export: their account, sessions and audit rows with addresses.
        let r = admin
            .get(app.url(&format!("/api/v1/admin/users/{id}/export")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let export: Value = r.json().await.unwrap();
        assert_eq!(export["user"]["email"], "planner@example.com");
        assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
        let rows = export["audit"].as_array().unwrap();
        assert!(
            rows.iter()
                .any(|r| r["action"] == "auth.login" && r["ip"] == "127.0.0.1"),
            "{backend}: {export}"
        );

        let with_context = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_context c JOIN audit_log a ON a.id = c.audit_id \
                 WHERE a.user_id = {id} OR c.subject = 'planner@example.com'"
            ))
            .await;
        assert!(with_context >= 3, "{backend}: {with_context}");

        // Erase.
        let r = admin
            .post(app.url(&format!("/api/v1/admin/users/{id}/erase")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let erased: Value = r.json().await.unwrap();
        assert_eq!(erased["active"], false);
        assert!(erased["erased_at"].is_string());
        assert!(!erased["email"].as_str().unwrap().contains("planner"));
        assert_eq!(app.me_status(&planner).await, StatusCode::UNAUTHORIZED);
        let left = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_context c JOIN audit_log a ON a.id = c.audit_id \
                 WHERE a.user_id = {id} OR c.subject = 'planner@example.com'"
            ))
            .await;
        assert_eq!(left, 0, "{backend}: their addresses are gone");
        let mentions = app
            .scalar("SELECT COUNT(*) FROM users WHERE email LIKE '%planner%' OR name LIKE '%Pat%'")
            .await;
        assert_eq!(mentions, 0, "{backend}");
        // Their audit rows stay, and the chain verifies.
        let theirs = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE user_id = {id}"
            ))
            .await;
        assert!(theirs >= 1, "{backend}");
        let v = api_verify(&app, &admin).await;
        assert_eq!(v["valid"], true, "{backend}: {v}");
        let (code, out) = cli_verify(&app);
        assert_eq!(code, 0, "{backend}: {out}");
        // They cannot sign in any more, even with the old password.
        let r = TestApp::new_client()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": "planner@example.com", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&r.json().await.unwrap()), "invalid_credentials");
        app.finish().await;
    }
}

#[tokio::test]
async fn users_list_and_revoke_their_sessions_and_admins_anyones() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let a = app.signed_in_client("manager@sentia.demo").await;
        let b = app.signed_in_client("manager@sentia.demo").await;
        let mine: Value = a
            .get(app.url("/api/v1/me/sessions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let list = mine["sessions"].as_array().unwrap();
        assert_eq!(list.len(), 2, "{backend}");
        assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
        let other = list.iter().find(|s| s["current"] == false).unwrap()["id"]
            .as_i64()
            .unwrap();
        // Someone else's session is not theirs to end.
        let viewer = app.signed_in_client("viewer@sentia.demo").await;
        let r = viewer
            .delete(app.url(&format!("/api/v1/me/sessions/{other}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{backend}");
        assert_eq!(app.me_status(&b).await, StatusCode::OK);
        let r = a
            .delete(app.url(&format!("/api/v1/me/sessions/{other}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{backend}");
        assert_eq!(app.me_status(&b).await, StatusCode::UNAUTHORIZED);
        assert_eq!(app.me_status(&a).await, StatusCode::OK);

        // An admin sees everyone's sessions and ends the viewer's.
        let admin = app.admin_with_mfa().await;
        let all: Value = admin
            .get(app.url("/api/v1/admin/sessions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let all = all["sessions"].as_array().unwrap();
        assert_eq!(all.len(), 3, "{backend}: manager, viewer, admin");
        let v = all
            .iter()
            .find(|s| s["user_email"] == "viewer@sentia.demo")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let r = admin
            .delete(app.url(&format!("/api/v1/admin/sessions/{v}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{backend}");
        assert_eq!(app.me_status(&viewer).await, StatusCode::UNAUTHORIZED);
        let revokes = app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'session.revoke'")
            .await;
        assert_eq!(revokes, 2, "{backend}");
        // System health answers for the admin.
        let h: Value = admin
            .get(app.url("/api/v1/admin/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(h["database"]["status"], "ok");
        assert_eq!(h["database"]["backend"], backend);
        assert_eq!(h["live_sessions"], 2, "{backend}: {h}");
        assert_eq!(h["users"], 4);
        app.finish().await;
    }
}
