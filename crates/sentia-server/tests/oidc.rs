//! Bearer JWTs of an external identity provider, against a local fake provider that serves
//! discovery and JWKS and signs RS256 tokens: a good token maps to the local user (or
//! provisions one); a rotated key is fetched on its unknown `kid` and then cached; expired,
//! not-yet-valid, wrong-audience, wrong-issuer, `alg: none` and HS256 tokens are refused.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::routing::get;
use common::TestApp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::RwLock;

const KEY_A: &str = include_str!("data/oidc-key-a.pem");
const KEY_B: &str = include_str!("data/oidc-key-b.pem");
const JWKS_A: &str = include_str!("data/oidc-jwks-a.json");
const JWKS_B: &str = include_str!("data/oidc-jwks-b.json");
const AUDIENCE: &str = "sentia-test";

#[derive(Clone)]
struct Provider {
    issuer: String,
    jwks: Arc<RwLock<Value>>,
    jwks_fetches: Arc<AtomicUsize>,
}

/// The fake provider on port 0: discovery and a JWKS that the test can rotate.
async fn provider() -> Provider {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let p = Provider {
        issuer: issuer.clone(),
        jwks: Arc::new(RwLock::new(serde_json::from_str(JWKS_A).unwrap())),
        jwks_fetches: Arc::default(),
    };
    let (disc, jw) = (p.clone(), p.clone());
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let p = disc.clone();
                async move {
                    axum::Json(json!({
                        "issuer": p.issuer, "jwks_uri": format!("{}/jwks", p.issuer),
                        "authorization_endpoint": format!("{}/authorize", p.issuer),
                        "token_endpoint": format!("{}/token", p.issuer),
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }))
                }
            }),
        )
        .route(
            "/jwks",
            get(move || {
                let p = jw.clone();
                async move {
                    p.jwks_fetches.fetch_add(1, Ordering::SeqCst);
                    axum::Json(p.jwks.read().await.clone())
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    p
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn sign(kid: &str, pem: &str, claims: &Value) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(kid.into());
    jsonwebtoken::encode(
        &h,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn claims(issuer: &str, email: &str) -> Value {
    json!({ "iss": issuer, "sub": "user_123", "aud": AUDIENCE, "email": email,
        "iat": now(), "nbf": now() - 5, "exp": now() + 300 })
}

async fn call(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(app.url("/api/v1/kpis/overview"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn provider_tokens_are_verified_against_its_rotating_keys() {
    for backend in sentia_store::testing::backends() {
        check(backend).await;
    }
}

async fn check(backend: &str) {
    let idp = provider().await;
    let issuer = idp.issuer.clone();
    let app = TestApp::spawn_with(backend, |c| {
        c.oidc_issuer = Some(issuer.clone());
        c.oidc_audience = Some(AUDIENCE.into());
    })
    .await;
    let good = sign("key-a", KEY_A, &claims(&idp.issuer, "manager@sentia.demo"));
    assert_eq!(call(&app, &good).await, StatusCode::OK);
    assert_eq!(call(&app, &good).await, StatusCode::OK);
    assert_eq!(
        idp.jwks_fetches.load(Ordering::SeqCst),
        1,
        "keys are cached"
    );

    // Refused: each claim check, and algorithm tricks.
    let mut c = claims(&idp.issuer, "manager@sentia.demo");
    c["exp"] = json!(now() - 120);
    assert_eq!(
        call(&app, &sign("key-a", KEY_A, &c)).await,
        StatusCode::UNAUTHORIZED,
        "expired"
    );
    let mut c = claims(&idp.issuer, "manager@sentia.demo");
    c["nbf"] = json!(now() + 600);
    assert_eq!(
        call(&app, &sign("key-a", KEY_A, &c)).await,
        StatusCode::UNAUTHORIZED,
        "not yet valid"
    );
    let mut c = claims(&idp.issuer, "manager@sentia.demo");
    c["aud"] = json!("another-app");
    c["azp"] = json!(AUDIENCE);
    assert_eq!(
        call(&app, &sign("key-a", KEY_A, &c)).await,
        StatusCode::UNAUTHORIZED,
        "wrong audience"
    );
    let c = claims("http://evil.example", "manager@sentia.demo");
    assert_eq!(
        call(&app, &sign("key-a", KEY_A, &c)).await,
        StatusCode::UNAUTHORIZED,
        "wrong issuer"
    );
    // `alg: none`, unsigned.
    let b64 = base64_url;
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT","kid":"key-a"}"#),
        b64(claims(&idp.issuer, "manager@sentia.demo")
            .to_string()
            .as_bytes())
    );
    assert_eq!(
        call(&app, &none).await,
        StatusCode::UNAUTHORIZED,
        "alg none"
    );
    // HS256 keyed with public material.
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("key-a".into());
    let hs = jsonwebtoken::encode(
        &h,
        &claims(&idp.issuer, "manager@sentia.demo"),
        &EncodingKey::from_secret(JWKS_A.as_bytes()),
    )
    .unwrap();
    assert_eq!(call(&app, &hs).await, StatusCode::UNAUTHORIZED, "HS256");
    // A token signed by key b but claiming key a's id fails the signature.
    let forged = sign("key-a", KEY_B, &claims(&idp.issuer, "manager@sentia.demo"));
    assert_eq!(
        call(&app, &forged).await,
        StatusCode::UNAUTHORIZED,
        "bad signature"
    );

    // Key rotation: the provider now signs with key b; its new kid is fetched once.
    *idp.jwks.write().await = serde_json::from_str(JWKS_B).unwrap();
    let before = idp.jwks_fetches.load(Ordering::SeqCst);
    let rotated = sign("key-b", KEY_B, &claims(&idp.issuer, "manager@sentia.demo"));
    // Right after the last fetch, unknown kids do not make the server hammer the provider.
    assert_eq!(
        call(&app, &rotated).await,
        StatusCode::UNAUTHORIZED,
        "refetch throttled"
    );
    assert_eq!(idp.jwks_fetches.load(Ordering::SeqCst), before);
    // Once the throttle window has passed, the unknown kid fetches the keys again.
    tokio::time::sleep(sentia_server::auth::oidc::REFETCH_MIN).await;
    assert_eq!(call(&app, &rotated).await, StatusCode::OK, "rotated key");
    assert_eq!(call(&app, &rotated).await, StatusCode::OK);
    assert_eq!(idp.jwks_fetches.load(Ordering::SeqCst), before + 1);
    // The old key is gone from the provider, so its tokens now fail.
    assert_eq!(
        call(&app, &good).await,
        StatusCode::UNAUTHORIZED,
        "retired key"
    );

    // A new e-mail is provisioned with the token's role; administration stays closed to
    // bearer tokens (it needs Sentia's own second factor).
    let mut c = claims(&idp.issuer, "new.planner@example.com");
    c["sentia_role"] = json!("MANAGER");
    c["name"] = json!("New Planner");
    let t = sign("key-b", KEY_B, &c);
    let me: Value = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "new.planner@example.com");
    assert_eq!(me["role"], "MANAGER");
    let n = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user.provision'")
        .await;
    assert_eq!(n, 1, "{backend}");
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/me/sessions"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.finish().await;
}

/// Base64url without padding.
fn base64_url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}
