//! Fresh databases for tests: a new SQLite file always, and a new PostgreSQL database when
//! `SENTIA_TEST_DATABASE_URL` points at a server. Each test gets its own, so tests never
//! share state.

use sea_orm::{ConnectionTrait, Database, DatabaseBackend};

use crate::{StoreError, StoreResult};

/// A database created for one test.
#[derive(Debug, Clone)]
pub struct TestDb {
    /// Connection URL of the fresh database.
    pub url: String,
    /// Short name of the backend for test output ("sqlite", "postgres").
    pub backend: &'static str,
    admin_url: Option<String>,
    name: String,
}

fn unique_name() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().r#gen();
    format!("sentia_test_{}_{n:016x}", std::process::id())
}

/// The backends tests run on: SQLite always, PostgreSQL when `SENTIA_TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<&'static str> {
    let mut v = vec!["sqlite"];
    if std::env::var("SENTIA_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        v.push("postgres");
    }
    v
}

impl TestDb {
    /// Creates an empty database on `backend` ("sqlite" or "postgres").
    pub async fn create(backend: &str) -> StoreResult<Self> {
        let name = unique_name();
        match backend {
            "postgres" => {
                let admin_url = std::env::var("SENTIA_TEST_DATABASE_URL").map_err(|_| {
                    StoreError::Invalid("SENTIA_TEST_DATABASE_URL is not set".into())
                })?;
                let admin = Database::connect(admin_url.as_str()).await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                admin.close().await?;
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .ok_or_else(|| StoreError::Invalid("bad SENTIA_TEST_DATABASE_URL".into()))?;
                Ok(Self {
                    url: format!("{base}/{name}"),
                    backend: "postgres",
                    admin_url: Some(admin_url),
                    name,
                })
            }
            _ => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| StoreError::Invalid(format!("temp dir: {e}")))?;
                Ok(Self {
                    url: format!("sqlite://{}/sentia.db?mode=rwc", dir.display()),
                    backend: "sqlite",
                    admin_url: None,
                    name,
                })
            }
        }
    }

    /// Removes the database. Call at the end of a passing test; a failing test leaves it
    /// behind for inspection.
    pub async fn drop_database(self) -> StoreResult<()> {
        match self.admin_url {
            Some(admin_url) => {
                let admin = Database::connect(admin_url.as_str()).await?;
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                if admin.get_database_backend() == DatabaseBackend::Postgres {
                    admin.execute_unprepared(&sql).await?;
                }
                admin.close().await?;
            }
            None => {
                let _ = std::fs::remove_dir_all(std::env::temp_dir().join(&self.name));
            }
        }
        Ok(())
    }
}

/// A one-week ensemble forecast of GIN-70 on AMZ-UK for the week of 2026-11-30 (point 10,
/// 80% 8–12, 95% 6–14), for tests that store forecasts.
pub fn one_week_forecast() -> crate::forecasting::NewForecast {
    let week = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
    crate::forecasting::NewForecast {
        sku: "GIN-70".into(),
        channel: "AMZ-UK".into(),
        granularity: "week".into(),
        season: 52,
        model: "ensemble".into(),
        engine_version: "test".into(),
        parameters: serde_json::json!({}),
        horizon: 1,
        origin_date: week - chrono::Days::new(7),
        frozen: false,
        points: vec![crate::forecasting::ForecastPoint {
            step: 1,
            period_start: week,
            point: 10.0,
            lo80: 8.0,
            hi80: 12.0,
            lo95: 6.0,
            hi95: 14.0,
        }],
        metrics: Vec::new(),
    }
}
