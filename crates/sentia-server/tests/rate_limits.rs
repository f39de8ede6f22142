//! The product's rate limits (20 a minute per address on sign-in endpoints, 100 a minute per
//! user on the API): the request past the burst is answered 429 `rate_limited` with
//! `Retry-After`, and one user's limit does not touch another's.

mod common;

use common::{TestApp, error_code};
use reqwest::StatusCode;
use sentia_server::config::Config;

/// Sends `n` requests as fast as possible; the index and `Retry-After` of the first 429.
async fn first_refusal(
    n: usize,
    mut send: impl AsyncFnMut() -> reqwest::Response,
) -> Option<(usize, u64)> {
    for i in 0..n {
        let r = send().await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(error_code(&body), "rate_limited");
            return Some((i, retry));
        }
        assert!(r.status().is_success(), "request {i}: {}", r.status());
    }
    None
}

#[tokio::test]
async fn sign_in_and_api_requests_are_limited_per_address_and_per_user() {
    for backend in sentia_store::testing::backends() {
        check(backend).await;
    }
}

async fn check(backend: &str) {
    let defaults = Config::default();
    assert_eq!(
        (defaults.auth_rate_per_minute, defaults.api_rate_per_minute),
        (20, 100)
    );
    let app = TestApp::spawn_with(backend, |c| {
        c.auth_rate_per_minute = defaults.auth_rate_per_minute;
        c.api_rate_per_minute = defaults.api_rate_per_minute;
    })
    .await;
    // Sign-out is a sign-in endpoint too, and cheap: 20 pass, the burst is then spent.
    // (A token comes back every 3 s, so a slow machine may let one or two more through.)
    let anon = TestApp::new_client();
    let (at, retry) = first_refusal(30, async || {
        anon.post(app.url("/api/v1/auth/logout"))
            .send()
            .await
            .unwrap()
    })
    .await
    .expect("sign-in endpoints are limited");
    assert!((20..=23).contains(&at), "refused at {at}");
    assert!((1..=3).contains(&retry), "Retry-After {retry}");
    // The limit is per address and per minute: sign-in is refused for now too.
    let r = anon
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": "viewer@sentia.demo", "password": common::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    app.finish().await;

    let app = TestApp::spawn_with(backend, |c| {
        c.api_rate_per_minute = defaults.api_rate_per_minute;
    })
    .await;
    let viewer = app.signed_in_client("viewer@sentia.demo").await;
    let manager = app.signed_in_client("manager@sentia.demo").await;
    let (at, retry) = first_refusal(130, async || {
        viewer.get(app.url("/api/v1/me")).send().await.unwrap()
    })
    .await
    .expect("the API is limited per user");
    assert!((100..=110).contains(&at), "refused at {at}");
    assert!(retry >= 1);
    // Another user is not slowed by the first.
    assert_eq!(app.me_status(&manager).await, StatusCode::OK);
    app.finish().await;
}
