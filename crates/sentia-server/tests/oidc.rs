//! Bearer JWTs of an external identity provider, against a local fake provider that serves
//! discovery and JWKS and signs RS256 tokens: a good token maps to the local user (or
//! provisions one); a rotated key is fetched on its unknown `kid` and then cached; expired,
//! not-yet-valid, wrong-audience, wrong-issuer, `alg: none` and HS256 tokens are refused.
//! The browser sign-in (authorization code + PKCE) runs against the same fake provider,
//! which checks the PKCE verifier, the redirect URI and single use of codes as a real one does.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::extract::{Form, Query};
use axum::routing::{get, post};
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

/// Codes issued by `/authorize`: code → (PKCE challenge, nonce, redirect URI).
type Grants = HashMap<String, (String, String, String)>;

#[derive(Clone)]
struct Provider {
    issuer: String,
    jwks: Arc<RwLock<Value>>,
    jwks_fetches: Arc<AtomicUsize>,
    /// Codes issued by `/authorize`.
    codes: Arc<RwLock<Grants>>,
    /// Who signs in at the provider.
    email: Arc<RwLock<String>>,
    /// Put a wrong nonce into the next ID tokens.
    wrong_nonce: Arc<AtomicBool>,
}

/// The fake provider on port 0: discovery and a JWKS that the test can rotate.
async fn provider() -> Provider {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let p = Provider {
        issuer: issuer.clone(),
        jwks: Arc::new(RwLock::new(serde_json::from_str(JWKS_A).unwrap())),
        jwks_fetches: Arc::default(),
        codes: Arc::default(),
        email: Arc::new(RwLock::new("manager@sentia.demo".into())),
        wrong_nonce: Arc::default(),
    };
    let (disc, jw, az, tk) = (p.clone(), p.clone(), p.clone(), p.clone());
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
        )
        .route(
            "/authorize",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let p = az.clone();
                async move { authorize(&p, &q).await }
            }),
        )
        .route(
            "/token",
            post(move |Form(f): Form<HashMap<String, String>>| {
                let p = tk.clone();
                async move { token(&p, &f).await }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    p
}

/// The provider's sign-in page, with the user already signed in there: checks the request
/// as a provider does and redirects back with a code.
async fn authorize(p: &Provider, q: &HashMap<String, String>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("response_type") != "code"
        || get("client_id") != AUDIENCE
        || get("code_challenge_method") != "S256"
        || get("code_challenge").len() != 43
        || !get("scope").split(' ').any(|s| s == "openid")
        || get("state").is_empty()
        || get("nonce").is_empty()
    {
        return (reqwest::StatusCode::BAD_REQUEST, "invalid_request").into_response();
    }
    let code = format!("code-{}", rand::random::<u64>());
    p.codes.write().await.insert(
        code.clone(),
        (get("code_challenge"), get("nonce"), get("redirect_uri")),
    );
    let mut back = reqwest::Url::parse(&get("redirect_uri")).unwrap();
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"));
    axum::response::Redirect::to(back.as_str()).into_response()
}

/// The token endpoint: a code works once, for its redirect URI, with the PKCE verifier
/// whose S256 hash was the challenge.
async fn token(p: &Provider, f: &HashMap<String, String>) -> axum::response::Response {
    use axum::response::IntoResponse;
    use sha2::Digest;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let grant = p.codes.write().await.remove(&get("code"));
    let refuse = || {
        (
            reqwest::StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "invalid_grant" })),
        )
            .into_response()
    };
    let Some((challenge, nonce, redirect)) = grant else {
        return refuse();
    };
    let hashed = base64_url(&sha2::Sha256::digest(get("code_verifier").as_bytes()));
    if get("grant_type") != "authorization_code"
        || get("client_id") != AUDIENCE
        || get("redirect_uri") != redirect
        || hashed != challenge
    {
        return refuse();
    }
    let mut c = claims(&p.issuer, &p.email.read().await.clone());
    c["nonce"] = json!(if p.wrong_nonce.load(Ordering::SeqCst) {
        "another".to_owned()
    } else {
        nonce
    });
    axum::Json(json!({
        "access_token": "opaque", "token_type": "Bearer", "expires_in": 300,
        "id_token": sign("key-a", KEY_A, &c),
    }))
    .into_response()
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

/// A browser client that shows each redirect instead of following it.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Start at Sentia, pass the provider; returns the callback URL the provider sent back.
async fn to_provider_and_back(app: &TestApp, b: &reqwest::Client, next: &str) -> String {
    let r = b
        .get(app.url(&format!("/api/v1/auth/oidc/start?next={next}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at_provider = location(&r);
    let url = reqwest::Url::parse(&at_provider).unwrap();
    let q: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["redirect_uri"], app.url("/api/v1/auth/oidc/callback"));
    let r = b.get(&at_provider).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    location(&r)
}

#[tokio::test]
async fn browsers_sign_in_at_the_provider_with_pkce() {
    for backend in sentia_store::testing::backends() {
        let idp = provider().await;
        let issuer = idp.issuer.clone();
        let app = TestApp::spawn_with(backend, |c| {
            c.oidc_issuer = Some(issuer.clone());
            c.oidc_audience = Some(AUDIENCE.into());
            c.oidc_label = "Test IdP".into();
        })
        .await;
        let p: Value = reqwest::get(app.url("/api/v1/auth/providers"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(p["oidc"]["label"], "Test IdP");

        // The whole round trip lands on the page asked for, signed in.
        let b = browser();
        let back = to_provider_and_back(&app, &b, "/forecasting").await;
        let r = b.get(&back).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/forecasting", "{backend}");
        let me: Value = b
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["email"], "manager@sentia.demo", "{backend}");
        assert_eq!(me["mfa_pending"], false);
        let n = app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND CAST(details AS TEXT) LIKE '%oidc%'")
            .await;
        assert_eq!(n, 1, "{backend}");

        // Replaying the callback: the sign-in in progress is used up (and so is the code).
        let r = b.get(&back).send().await.unwrap();
        assert_eq!(location(&r), "/login?sso_error=expired", "{backend}");
        // A callback in another browser (login CSRF) finds no sign-in of its own.
        let b2 = browser();
        let back2 = to_provider_and_back(&app, &b2, "/").await;
        let r = browser().get(&back2).send().await.unwrap();
        assert_eq!(location(&r), "/login?sso_error=expired");
        // A forged state.
        let mut forged = reqwest::Url::parse(&back2).unwrap();
        let code: String = forged
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        forged
            .query_pairs_mut()
            .clear()
            .append_pair("code", &code)
            .append_pair("state", "forged");
        let r = b2.get(forged.as_str()).send().await.unwrap();
        assert_eq!(location(&r), "/login?sso_error=state");
        // The user cancels at the provider.
        let b3 = browser();
        let back3 = to_provider_and_back(&app, &b3, "/").await;
        let state: String = reqwest::Url::parse(&back3)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        let r = b3
            .get(app.url(&format!(
                "/api/v1/auth/oidc/callback?error=access_denied&state={state}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), "/login?sso_error=denied");
        // An ID token whose nonce is not this sign-in's.
        idp.wrong_nonce.store(true, Ordering::SeqCst);
        let b4 = browser();
        let back4 = to_provider_and_back(&app, &b4, "/").await;
        let r = b4.get(&back4).send().await.unwrap();
        assert_eq!(location(&r), "/login?sso_error=token");
        idp.wrong_nonce.store(false, Ordering::SeqCst);
        let failed = app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed' AND CAST(details AS TEXT) LIKE '%oidc%'")
            .await;
        assert_eq!(failed, 5, "{backend}");
        // A destination off this site is ignored.
        let b5 = browser();
        let back5 = to_provider_and_back(&app, &b5, "//evil.example/x").await;
        let r = b5.get(&back5).send().await.unwrap();
        assert_eq!(location(&r), "/");

        // A user with Sentia's second factor still has to give it after the provider.
        let admin = app.signed_in_client("admin@sentia.demo").await;
        app.enroll_mfa(&admin).await;
        *idp.email.write().await = "admin@sentia.demo".into();
        let b6 = browser();
        let back6 = to_provider_and_back(&app, &b6, "/admin").await;
        let r = b6.get(&back6).send().await.unwrap();
        assert_eq!(location(&r), "/admin");
        let me: Value = b6
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["mfa_pending"], true, "{backend}");
        let r = b6.get(app.url("/api/v1/admin/users")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{backend}");
        app.finish().await;
    }
}

#[tokio::test]
async fn without_a_provider_the_sign_in_routes_are_absent() {
    let app = TestApp::spawn("sqlite").await;
    let p: Value = reqwest::get(app.url("/api/v1/auth/providers"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(p["oidc"].is_null());
    let r = browser()
        .get(app.url("/api/v1/auth/oidc/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.finish().await;
}
