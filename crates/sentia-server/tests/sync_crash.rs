//! `kill -9` of the server in the middle of a sync: the real binary syncs a large Shopify
//! store; once part of it is stored the process is killed; a restarted process takes the job
//! again when its lease runs out and finishes it, ending with exactly the store's orders —
//! none doubled, none lost. On every backend: on SQLite the server restarts; on PostgreSQL a
//! `sentia worker` (the scaled deployment's job process, serving no HTTP) takes over.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use sentia_connectors::fake::shopify::{FakeShopify, FakeShopifyConfig};
use sentia_store::jobs::{self, JobState, NewJob};
use sentia_store::secrets::MasterKey;
use sentia_store::sources::{self, SourceChange};
use sentia_store::testing::TestDb;

const SHOP: &str = "sentia-crash.myshopify.com";
const TOKEN: &str = "shpat_crash_test";
const ORDERS: usize = 2500;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `sentia serve` (or `sentia worker`) on the database and waits until it says it is
/// listening (or running jobs).
fn start(command: &str, url: &str, key: &MasterKey) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentia"))
        .arg(command)
        .env_remove("DATABASE_URL")
        .env("SENTIA_DATABASE_URL", url)
        .env("SENTIA_BIND", "127.0.0.1:0")
        .env("SENTIA_DEMO_DAYS", "120")
        .env("SENTIA_DEMO_PASSWORD", "Crash-Test-Passw0rd!")
        .env("SENTIA_FORECAST_ON_START", "false")
        .env("SENTIA_JOB_LEASE_SECS", "3")
        .env("SENTIA_DATABASE_MAX_CONNECTIONS", "4")
        .env("SENTIA_MASTER_KEY", key.encoded())
        .env("SENTIA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next()
            .expect("the server printed its address before exiting")
            .expect("stdout is text");
        if line.contains("Sentia is listening on") || line.contains("Sentia worker is running jobs")
        {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server(child)
}

async fn scalar(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<Option<i64>>(0)
        .expect("an integer")
        .unwrap_or(0)
}

const STORED: &str =
    "SELECT COUNT(*) FROM sales_orders WHERE source = 'shopify:sentia-crash.myshopify.com'";
const LINES: &str =
    "SELECT COUNT(*) FROM sales_order_lines WHERE source = 'shopify:sentia-crash.myshopify.com'";
const TOTAL: &str = "SELECT CAST(COALESCE(SUM(total_shop_minor), 0) AS BIGINT) FROM sales_orders WHERE source = 'shopify:sentia-crash.myshopify.com'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_halfway_resumes_after_restart_and_doubles_nothing() {
    for backend in sentia_store::testing::backends() {
        let test_db = TestDb::create(backend).await.expect("test database");
        let key = MasterKey::generate();
        let server = start("serve", &test_db.url, &key);
        let db = sentia_store::connect_with(&test_db.url, 2)
            .await
            .expect("connect");

        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT sku FROM products WHERE kind = 'finished' ORDER BY sku".to_owned(),
            ))
            .await
            .unwrap();
        let skus = rows
            .iter()
            .map(|r| r.try_get::<String>("", "sku").unwrap())
            .collect();
        let fake = FakeShopify::start(FakeShopifyConfig {
            orders: ORDERS,
            skus,
            access_token: TOKEN.into(),
            restore_rate: 1_000_000.0,
            ..FakeShopifyConfig::default()
        })
        .await
        .unwrap();
        let now = chrono::Utc::now();
        let settings = serde_json::json!({ "shop": SHOP, "base_url": fake.base_url() });
        let creds = serde_json::json!({ "access_token": TOKEN });
        sources::configure(
            &db,
            &key,
            "shopify-uk",
            &SourceChange {
                settings: settings.as_object().cloned(),
                credentials: creds.as_object().cloned(),
                ..SourceChange::default()
            },
            now,
        )
        .await
        .unwrap();
        let job = jobs::enqueue(
            &db,
            &NewJob::new(
                "default",
                "source.sync",
                serde_json::json!({ "code": "shopify-uk", "manual": true }),
            )
            .max_attempts(5),
            now,
        )
        .await
        .unwrap();

        // Wait until the sync has stored part of the store, then kill the server outright.
        let started = Instant::now();
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut server = server;
        let stored_before_kill = loop {
            let n = scalar(&db, STORED).await;
            if n > 0 {
                server.0.kill().expect("SIGKILL");
                server.0.wait().expect("reaped");
                break scalar(&db, STORED).await;
            }
            assert!(
                Instant::now() < deadline,
                "{backend}: the sync never started"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        eprintln!(
            "{backend}: killed with {stored_before_kill} stored after {:?}",
            started.elapsed()
        );
        assert!(
            stored_before_kill < ORDERS as i64,
            "{backend}: killed mid-sync ({stored_before_kill} of {ORDERS} stored)"
        );
        let held = jobs::get(&db, job.id).await.unwrap();
        assert_eq!(
            held.state,
            JobState::Running,
            "{backend}: the job was cut off"
        );
        drop(server);

        // Restarted: the job is taken again after its lease and finishes.
        let again = if backend == "postgres" {
            "worker"
        } else {
            "serve"
        };
        let _server = start(again, &test_db.url, &key);
        let deadline = Instant::now() + Duration::from_secs(120);
        let finished = loop {
            let j = jobs::get(&db, job.id).await.unwrap();
            if matches!(j.state, JobState::Succeeded | JobState::Dead) {
                break j;
            }
            assert!(
                Instant::now() < deadline,
                "{backend}: job still {} after {} attempts, {} stored",
                j.state,
                j.attempts,
                scalar(&db, STORED).await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(
            finished.state,
            JobState::Succeeded,
            "{backend}: {:?}",
            finished.last_error
        );
        assert!(finished.attempts >= 2, "{backend}: it ran again");
        let totals = fake.totals();
        assert_eq!(scalar(&db, STORED).await, totals.orders as i64, "{backend}");
        assert_eq!(scalar(&db, LINES).await, totals.lines as i64, "{backend}");
        assert_eq!(scalar(&db, TOTAL).await, totals.shop_total, "{backend}");
        let source = sources::get(&db, &key, "shopify-uk").await.unwrap();
        assert!(source.last_success_at.is_some(), "{backend}");
        db.close().await.ok();
        drop(_server);
        test_db.drop_database().await.ok();
    }
}
