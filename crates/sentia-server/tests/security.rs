//! Session policy and request defences: lockout after repeated failures, at most two live
//! sessions per user, absolute and idle timeouts by role (on the app's manual clock), the
//! `Origin` check and the security headers — on every backend.

mod common;

use chrono::Duration;
use common::{PASSWORD, TestApp, error_code};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};
use sentia_store::entity::session;

async fn try_login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    TestApp::new_client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("login request")
}

async fn failures_of(app: &TestApp, email: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_sql_and_values(
            app.db.get_database_backend(),
            match app.db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => {
                    "SELECT COUNT(*) AS n FROM login_failures WHERE email = $1"
                }
                _ => "SELECT COUNT(*) AS n FROM login_failures WHERE email = ?",
            },
            [email.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sentia_store::users::find_by_email(&app.db, email)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Asserts a locked answer and returns its `Retry-After` seconds and body.
async fn assert_locked(r: reqwest::Response, what: &str) -> (u64, serde_json::Value) {
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{what}");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        r.headers().get("set-cookie").is_none(),
        "{what}: no session"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(error_code(&body), "account_locked", "{what}");
    (retry, body)
}

async fn lockout(app: &TestApp) {
    let manager = "manager@sentia.demo";
    for i in 1..=5 {
        let r = try_login(app, manager, "wrong-password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "failure {i}");
        assert_eq!(error_code(&r.json().await.unwrap()), "invalid_credentials");
    }
    // The failures live in the database, so every instance sharing it sees them.
    assert_eq!(failures_of(app, manager).await, 5);
    // The 6th attempt is refused even with the right password (and the e-mail's case and
    // surrounding spaces do not dodge the count).
    let (retry, locked_body) = assert_locked(
        try_login(app, " Manager@Sentia.demo ", PASSWORD).await,
        "6th attempt, right password",
    )
    .await;
    assert_eq!(retry, 15 * 60, "locked for the whole window");
    assert_eq!(
        failures_of(app, manager).await,
        5,
        "refusals are not counted"
    );
    // Other accounts are unaffected.
    assert_eq!(
        try_login(app, "operator@sentia.demo", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );

    // An unknown e-mail is locked exactly the same way: the answer does not reveal whether
    // the account exists.
    for _ in 0..5 {
        let r = try_login(app, "nobody@sentia.demo", "wrong-password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let (retry_unknown, unknown_body) = assert_locked(
        try_login(app, "nobody@sentia.demo", PASSWORD).await,
        "unknown",
    )
    .await;
    assert_eq!(retry_unknown, retry);
    assert_eq!(unknown_body, locked_body);

    // Still locked one minute before the window passes, open when it has.
    app.clock.advance(Duration::minutes(14));
    let (retry, _) = assert_locked(try_login(app, manager, PASSWORD).await, "at 14 min").await;
    assert_eq!(retry, 60);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        try_login(app, manager, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        failures_of(app, manager).await,
        0,
        "success clears failures"
    );

    // The window slides: 4 failures, 10 minutes later a 5th locks until the first 4 are
    // 15 minutes old.
    let viewer = "viewer@sentia.demo";
    for _ in 0..4 {
        try_login(app, viewer, "wrong-password").await;
    }
    assert_eq!(
        try_login(app, "viewer@sentia.demo", PASSWORD)
            .await
            .status(),
        StatusCode::OK,
        "4 failures do not lock"
    );
    for _ in 0..4 {
        try_login(app, viewer, "wrong-password").await;
    }
    app.clock.advance(Duration::minutes(10));
    try_login(app, viewer, "wrong-password").await;
    let (retry, _) = assert_locked(try_login(app, viewer, PASSWORD).await, "sliding").await;
    assert_eq!(retry, 5 * 60);
    app.clock.advance(Duration::minutes(5));
    assert_eq!(
        try_login(app, viewer, PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn two_sessions_per_user(app: &TestApp) {
    let viewer = "viewer@sentia.demo";
    let first = app.signed_in_client(viewer).await;
    let second = app.signed_in_client(viewer).await;
    assert_eq!(app.me_status(&first).await, StatusCode::OK);
    let third = app.signed_in_client(viewer).await;
    assert_eq!(
        app.me_status(&first).await,
        StatusCode::UNAUTHORIZED,
        "the oldest session is revoked by a 3rd sign-in"
    );
    assert_eq!(app.me_status(&second).await, StatusCode::OK);
    assert_eq!(app.me_status(&third).await, StatusCode::OK);
    let id = user_id(app, viewer).await;
    let live = session::Entity::find()
        .filter(session::Column::UserId.eq(id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(live.len(), 2);
    let fourth = app.signed_in_client(viewer).await;
    assert_eq!(app.me_status(&second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(&third).await, StatusCode::OK);
    assert_eq!(app.me_status(&fourth).await, StatusCode::OK);
}

const ROLES: [(&str, i64, i64); 4] = [
    // e-mail, absolute lifetime (h), idle timeout (min)
    ("admin@sentia.demo", 4, 30),
    ("manager@sentia.demo", 8, 60),
    ("operator@sentia.demo", 12, 120),
    ("viewer@sentia.demo", 12, 120),
];

async fn absolute_timeouts(app: &TestApp) {
    for (email, hours, idle) in ROLES {
        let start = app.clock.now();
        let client = app.signed_in_client(email).await;
        // Keep the session busy so only the absolute lifetime can end it.
        let step = Duration::minutes(idle - 2);
        let just_before = Duration::hours(hours) - Duration::minutes(1);
        while app.clock.now() - start + step < just_before {
            app.clock.advance(step);
            assert_eq!(app.me_status(&client).await, StatusCode::OK, "{email}");
        }
        app.clock.advance(just_before - (app.clock.now() - start));
        assert_eq!(
            app.me_status(&client).await,
            StatusCode::OK,
            "{email} one minute before {hours} h"
        );
        app.clock.advance(Duration::minutes(2));
        assert_eq!(
            app.me_status(&client).await,
            StatusCode::UNAUTHORIZED,
            "{email} one minute after {hours} h"
        );
    }
}

async fn idle_timeouts(app: &TestApp) {
    for (email, _, idle) in ROLES {
        let client = app.signed_in_client(email).await;
        let idle = Duration::minutes(idle);
        // Each request restarts the idle count, so the session outlives one idle period.
        for _ in 0..2 {
            app.clock.advance(idle - Duration::seconds(1));
            assert_eq!(app.me_status(&client).await, StatusCode::OK, "{email}");
        }
        app.clock.advance(idle);
        assert_eq!(
            app.me_status(&client).await,
            StatusCode::UNAUTHORIZED,
            "{email} after {} min idle",
            idle.num_minutes()
        );
    }

    // `last_seen_at` is written at most once a minute.
    let id = user_id(app, "viewer@sentia.demo").await;
    let client = app.signed_in_client("viewer@sentia.demo").await;
    let last_seen = || async {
        session::Entity::find()
            .filter(session::Column::UserId.eq(id))
            .order_by_desc(session::Column::Id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .last_seen_at
    };
    let signed_in_at = last_seen().await;
    assert_eq!(signed_in_at, sentia_store::db_time(app.clock.now()));
    app.clock.advance(Duration::seconds(30));
    assert_eq!(app.me_status(&client).await, StatusCode::OK);
    assert_eq!(
        last_seen().await,
        signed_in_at,
        "not written within a minute"
    );
    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.me_status(&client).await, StatusCode::OK);
    assert_eq!(last_seen().await, sentia_store::db_time(app.clock.now()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_session_limit_and_timeouts_on_every_backend() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        lockout(&app).await;
        two_sessions_per_user(&app).await;
        absolute_timeouts(&app).await;
        idle_timeouts(&app).await;
        app.finish().await;
    }
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).map(|v| v.to_str().unwrap())
}

async fn origin_and_headers(backend: &str) {
    let app = TestApp::spawn(backend).await;
    let own = format!("http://{}", app.addr);
    let foreign = "http://evil.example";

    // Security headers on an ordinary response; no HSTS without TLS.
    let r = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&r, "x-frame-options"), Some("DENY"));
    assert_eq!(header(&r, "referrer-policy"), Some("same-origin"));
    assert!(
        header(&r, "content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );
    let pp = header(&r, "permissions-policy").unwrap();
    for feature in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(pp.contains(feature), "{pp}");
    }
    assert_eq!(header(&r, "strict-transport-security"), None);

    // A sign-in from a foreign page is refused in our shape (with the headers too) and
    // starts no session.
    let client = TestApp::new_client();
    let r = client
        .post(app.url("/api/v1/auth/login"))
        .header("origin", foreign)
        .json(&serde_json::json!({"email": "admin@sentia.demo", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(header(&r, "permissions-policy").is_some());
    assert_eq!(error_code(&r.json().await.unwrap()), "forbidden_origin");
    assert_eq!(app.me_status(&client).await, StatusCode::UNAUTHORIZED);

    // From our own origin (and with no Origin at all) it works.
    let r = client
        .post(app.url("/api/v1/auth/login"))
        .header("origin", &own)
        .json(&serde_json::json!({"email": "admin@sentia.demo", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.me_status(&client).await, StatusCode::OK);

    // Reads are not state-changing: a foreign Origin on a GET passes.
    let r = client
        .get(app.url("/api/v1/me"))
        .header("origin", foreign)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A foreign logout is refused and the session survives; our own ends it.
    let r = client
        .post(app.url("/api/v1/auth/logout"))
        .header("origin", foreign)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&r.json().await.unwrap()), "forbidden_origin");
    assert_eq!(app.me_status(&client).await, StatusCode::OK);
    let r = client
        .post(app.url("/api/v1/auth/logout"))
        .header("origin", &own)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&client).await, StatusCode::UNAUTHORIZED);
    app.finish().await;

    // Configured for TLS: HSTS is sent, and only the https origin counts as ours.
    let app = TestApp::spawn_with(backend, |c| {
        c.secure_cookies = true;
        c.demo_on_empty = false;
    })
    .await;
    let r = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(
        header(&r, "strict-transport-security"),
        Some(sentia_server::security::HSTS)
    );
    let logout = |origin: String| {
        app.client
            .post(app.url("/api/v1/auth/logout"))
            .header("origin", origin)
            .send()
    };
    assert_eq!(
        logout(format!("http://{}", app.addr))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        logout(format!("https://{}", app.addr))
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_check_and_security_headers_on_every_backend() {
    for backend in sentia_store::testing::backends() {
        origin_and_headers(backend).await;
    }
}
