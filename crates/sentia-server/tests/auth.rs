//! Sign-in, sessions and the rule that every `/api/v1` route needs one.

mod common;

use common::{PASSWORD, TestApp, error_code};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};

async fn story(backend: &str) {
    let app = TestApp::spawn(backend).await;

    // Health is public.
    let (s, body) = app.get("/api/health").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["status"], "ok");

    // Every /api/v1 GET route of the OpenAPI document but the public sign-in ones refuses an
    // anonymous caller in the error shape (a new route is covered without editing this test).
    let public: Vec<&str> = sentia_server::routes::public_routes()
        .filter(|(m, _)| **m == axum::http::Method::GET)
        .map(|(_, p)| p)
        .collect();
    let doc: serde_json::Value = serde_json::from_str(&sentia_server::openapi_json()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.starts_with("/api/v1/")
            && item.get("get").is_some()
            && !public.contains(&path.as_str())
        {
            let (s, body) = app.get(path).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{backend} {path}");
            assert_eq!(error_code(&body), "unauthorized");
            checked += 1;
        }
    }
    assert!(checked >= 6, "checked {checked} routes");

    // A wrong password and an unknown user both get the same 401.
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "admin@sentia.demo", "password": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&r.json().await.unwrap()), "invalid_credentials");
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "nobody@sentia.demo", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // A malformed body is a 400 in our shape, not axum's plain text.
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": 1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r.json().await.unwrap()), "invalid_body");

    // Each demo user signs in, gets an HttpOnly SameSite=Strict cookie, and sees their role.
    for (email, role) in [
        ("admin@sentia.demo", "ADMIN"),
        ("manager@sentia.demo", "MANAGER"),
        ("operator@sentia.demo", "OPERATOR"),
        ("viewer@sentia.demo", "VIEWER"),
    ] {
        let client = TestApp::new_client();
        let r = client
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{email}");
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let me: serde_json::Value = client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["role"], role);
        assert!(
            me["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "dashboard:read")
        );
        let kpis = client
            .get(app.url("/api/v1/kpis/overview"))
            .send()
            .await
            .unwrap();
        assert_eq!(kpis.status(), StatusCode::OK, "{email} sees the overview");

        // The session row keeps the client's address, and only a hash of the token.
        use sea_orm::Statement;
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT ip, token_hash FROM sessions ORDER BY id DESC LIMIT 1",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.try_get::<Option<String>>("", "ip").unwrap().as_deref(),
            Some("127.0.0.1")
        );
        let token = cookie
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("sentia_session=");
        assert_ne!(row.try_get::<String>("", "token_hash").unwrap(), token);
        assert_eq!(token.len(), 64);

        // Logging out ends the session on the server, not just in the browser.
        let r = client
            .post(app.url("/api/v1/auth/logout"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }

    // A forged token is refused.
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", "sentia_session=0000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // An expired session and a deactivated user are refused.
    let client = app.signed_in_client("viewer@sentia.demo").await;
    assert_eq!(app.me_status(&client).await, StatusCode::OK);
    let backend_kind = app.db.get_database_backend();
    let past = sentia_store::db_time(app.clock.now() - chrono::Duration::minutes(1));
    sentia_store::entity::session::Entity::update_many()
        .col_expr(
            sentia_store::entity::session::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(past),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.me_status(&client).await,
        StatusCode::UNAUTHORIZED,
        "expired on {backend_kind:?}"
    );
    let client = app.signed_in_client("viewer@sentia.demo").await;
    app.db
        .execute_unprepared("UPDATE users SET active = FALSE WHERE email = 'viewer@sentia.demo'")
        .await
        .unwrap();
    assert_eq!(app.me_status(&client).await, StatusCode::UNAUTHORIZED);
    let r = TestApp::new_client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "viewer@sentia.demo", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "a deactivated user cannot sign in"
    );

    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sessions_on_every_backend() {
    for backend in sentia_store::testing::backends() {
        story(backend).await;
    }
}
