//! Test harness: the real server on port 0 over a fresh database (SQLite, and PostgreSQL
//! when `SENTIA_TEST_DATABASE_URL` is set), with one helper per endpoint.
#![allow(dead_code, missing_docs)]

use std::net::SocketAddr;

use reqwest::StatusCode;
use sea_orm::DatabaseConnection;
use sentia_server::Application;
use sentia_server::clock::ManualClock;
use sentia_server::config::Config;
use sentia_store::testing::TestDb;
use serde_json::Value;

pub const PASSWORD: &str = "Test-Passw0rd-For-Demo!";
pub const DEMO_DAYS: u32 = 150;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub test_db: TestDb,
    /// The application's clock: stands still until a test moves it.
    pub clock: ManualClock,
    /// The configuration the server was started with.
    pub config: Config,
}

impl TestApp {
    /// Starts the server on a fresh database of `backend` with a short demo history.
    pub async fn spawn(backend: &str) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// [`TestApp::spawn`] with a change to the configuration.
    pub async fn spawn_with(backend: &str, configure: impl FnOnce(&mut Config)) -> TestApp {
        let test_db = TestDb::create(backend).await.expect("test database");
        let mut config = Config {
            database_url: test_db.url.clone(),
            bind: "127.0.0.1:0".parse().unwrap(),
            demo_on_empty: true,
            demo_days: DEMO_DAYS,
            demo_password: Some(PASSWORD.into()),
            secure_cookies: false,
            // Forecast runs are started explicitly by the tests that need one.
            forecast_on_start: false,
            // Tests fire requests far faster than people; `tests/rate_limits.rs` checks the
            // product's limits.
            auth_rate_per_minute: 100_000,
            api_rate_per_minute: 100_000,
            oidc_issuer: None,
            oidc_audience: None,
            // Tests run in parallel on one PostgreSQL server (100 connections by default).
            database_max_connections: 6,
            master_key_file: std::env::temp_dir()
                .join(format!("sentia-key-{:016x}", rand::random::<u64>()))
                .join("master.key"),
            ..Config::default()
        };
        configure(&mut config);
        let clock = ManualClock::new(chrono::Utc::now());
        let app = Application::build_with_clock(config.clone(), clock.clock())
            .await
            .expect("app builds");
        let addr = app.local_addr();
        tokio::spawn(app.run());
        let db = sentia_store::connect_with(&test_db.url, 3)
            .await
            .expect("connect");
        TestApp {
            addr,
            client: Self::new_client(),
            db,
            test_db,
            clock,
            config,
        }
    }

    pub fn new_client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn login_as(&self, email: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("login request")
    }

    pub async fn login_admin(&self) {
        let r = self.login_as("admin@sentia.demo").await;
        assert_eq!(r.status(), StatusCode::OK, "admin login");
    }

    /// Signs in as `email` with the demo password on a fresh client of its own.
    pub async fn signed_in_client(&self, email: &str) -> reqwest::Client {
        let client = Self::new_client();
        let r = client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("login request");
        let status = r.status();
        if status != StatusCode::OK {
            let body = r.text().await.unwrap_or_default();
            panic!("{email} signs in: {status} {body}");
        }
        client
    }

    /// Sets up two-factor sign-in for a signed-in client; returns the secret. The session
    /// counts as checked (step-up) until the clock moves 5 minutes.
    pub async fn enroll_mfa(&self, client: &reqwest::Client) -> String {
        let r = client
            .post(self.url("/api/v1/me/mfa/enroll"))
            .send()
            .await
            .expect("enroll");
        assert_eq!(r.status(), StatusCode::OK, "enrolment starts");
        let e: Value = r.json().await.unwrap();
        let secret = e["secret"].as_str().unwrap().to_owned();
        let r = client
            .post(self.url("/api/v1/me/mfa/confirm"))
            .json(&serde_json::json!({ "code": self.code(&secret) }))
            .send()
            .await
            .expect("confirm");
        assert_eq!(r.status(), StatusCode::OK, "enrolment confirmed");
        secret
    }

    /// The TOTP code of a secret at the app's clock.
    pub fn code(&self, secret: &str) -> String {
        sentia_server::auth::mfa::code_at(secret, self.clock.now()).unwrap()
    }

    /// The demo admin, signed in, with two-factor sign-in set up and just checked.
    pub async fn admin_with_mfa(&self) -> reqwest::Client {
        let c = self.signed_in_client("admin@sentia.demo").await;
        self.enroll_mfa(&c).await;
        c
    }

    /// Status of `GET /api/v1/me` for a client.
    pub async fn me_status(&self, client: &reqwest::Client) -> StatusCode {
        client
            .get(self.url("/api/v1/me"))
            .send()
            .await
            .expect("request")
            .status()
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = r.status();
        let body = r.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn finish(self) {
        self.db.close().await.ok();
        self.test_db.drop_database().await.ok();
    }
}

impl TestApp {
    /// The first column of the one row a SQL query returns.
    async fn first_column<T: sea_orm::TryGetable>(&self, sql: &str) -> Option<T> {
        use sea_orm::{ConnectionTrait, Statement};
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<Option<T>>(0)
            .expect("a value of the expected type")
    }

    /// The one integer a SQL query returns (its first column; NULL reads as 0).
    pub async fn scalar(&self, sql: &str) -> i64 {
        self.first_column(sql).await.unwrap_or(0)
    }

    /// The one text a SQL query returns (its first column; NULL reads as "").
    pub async fn text(&self, sql: &str) -> String {
        self.first_column(sql).await.unwrap_or_default()
    }

    /// The job once `done` holds for its state (the worker runs in the background), or a
    /// failure after 20 s.
    pub async fn job_when(
        &self,
        id: i64,
        done: impl Fn(sentia_store::jobs::JobState) -> bool,
    ) -> sentia_store::jobs::Job {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let j = sentia_store::jobs::get(&self.db, id).await.expect("job");
            if done(j.state) {
                return j;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "job {id} still {}",
                j.state
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Runs one SQL statement directly on the database.
    pub async fn exec(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        self.db.execute_unprepared(sql).await.expect("statement");
    }
}

/// Asserts a body has our error shape and returns its code.
pub fn error_code(body: &Value) -> String {
    let e = &body["error"];
    assert!(e["message"].is_string(), "error message in {body}");
    assert!(e["details"].is_array(), "error details in {body}");
    e["code"].as_str().expect("error code").to_owned()
}
