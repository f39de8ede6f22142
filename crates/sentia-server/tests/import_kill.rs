//! `kill -9` of `sentia import` in the middle of writing a large sales file leaves nothing
//! of it; importing it again gives exactly its rows and money; a third import changes
//! nothing. Runs on SQLite always and on PostgreSQL when `SENTIA_TEST_DATABASE_URL` is set.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sentia_store::testing::{TestDb, backends};

const ORDERS: usize = 100_000;
const LINES_PER_ORDER: usize = 3;

fn sentia(url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sentia"));
    c.env_remove("DATABASE_URL")
        .env("SENTIA_LOG", "error")
        .env("DATABASE_URL", url)
        .env("SENTIA_DEMO_PASSWORD", "kill-Passw0rd-123");
    c
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get_by_index::<Option<i64>>(0)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or(0)
}

/// A sales file of `ORDERS` orders × `LINES_PER_ORDER` lines on a day the demo has rates
/// for; returns its path and the sum of its lines' net in minor units.
fn write_file(dir: &std::path::Path, day: &str) -> (std::path::PathBuf, i64) {
    let path = dir.join("big-sales.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(
        f,
        "order_number,line,ordered_at,channel,sku,quantity,unit_price"
    )
    .unwrap();
    let skus = ["GIN-70", "RUM-70", "WHS-70"];
    let mut net = 0i64;
    for o in 0..ORDERS {
        for l in 0..LINES_PER_ORDER {
            let qty = 1 + (o + l) % 4;
            let price = 1000 + (o * 7 + l * 13) % 2000;
            net += (qty * price) as i64;
            writeln!(
                f,
                "K-{o},{},{day}T12:00:00Z,SHOP-UK,{},{qty},{}.{:02}",
                l + 1,
                skus[l % 3],
                price / 100,
                price % 100
            )
            .unwrap();
        }
    }
    f.flush().unwrap();
    (path, net)
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_import_leaves_nothing_and_a_rerun_is_exact() {
    for backend in backends() {
        let t = TestDb::create(backend).await.unwrap();
        let demo = sentia(&t.url)
            .args(["demo", "--days", "30"])
            .output()
            .unwrap();
        assert!(
            demo.status.success(),
            "{}",
            String::from_utf8_lossy(&demo.stderr)
        );
        let db = sentia_store::connect(&t.url).await.unwrap();
        let day = {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT MAX(order_date) AS d FROM sales_orders",
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<chrono::NaiveDate>("", "d")
                .unwrap()
                .to_string()
        };
        let dir =
            std::env::temp_dir().join(format!("sentia-kill-{}-{backend}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (file, net) = write_file(&dir, &day);
        let lines = (ORDERS * LINES_PER_ORDER) as i64;

        // Start, wait until it is writing inside its transaction, then kill -9.
        let mut child = sentia(&t.url)
            .args(["import", "sales_orders"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = None;
        for line in stderr.lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("import: writing ") {
                let (done, total) = rest.split_once('/').unwrap();
                let (done, total): (i64, i64) = (done.parse().unwrap(), total.parse().unwrap());
                if done > 0 && done < total {
                    seen = Some(done);
                    break;
                }
            }
        }
        let done = seen.unwrap_or_else(|| panic!("{backend}: no progress line mid-import"));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "{backend}: killed after {done} lines"
        );
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM sales_order_lines WHERE source = 'import'"
            )
            .await,
            0,
            "{backend}: nothing of the killed import"
        );
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM sales_orders WHERE source = 'import'"
            )
            .await,
            0,
            "{backend}"
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM import_batches").await,
            0,
            "{backend}"
        );

        // Again, to the end: exactly the file.
        let run = sentia(&t.url)
            .args(["import", "sales_orders"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{backend}: {}",
            String::from_utf8_lossy(&run.stdout)
        );
        let out = String::from_utf8_lossy(&run.stdout);
        assert!(
            out.contains(&format!("{ORDERS} inserted")),
            "{backend}: {out}"
        );
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM sales_order_lines WHERE source = 'import'"
            )
            .await,
            lines,
            "{backend}"
        );
        assert_eq!(
            scalar(
                &db,
                "SELECT CAST(SUM(net_shop_minor) AS BIGINT) FROM sales_order_lines WHERE source = 'import'"
            )
            .await,
            net,
            "{backend}"
        );
        assert_eq!(
            scalar(
                &db,
                "SELECT CAST(SUM(total_base_minor) AS BIGINT) FROM sales_orders WHERE source = 'import'"
            )
            .await,
            net,
            "{backend}: GBP orders keep their total as base"
        );

        // A third time: unchanged.
        let run = sentia(&t.url)
            .args(["import", "sales_orders"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(run.status.success(), "{backend}");
        let out = String::from_utf8_lossy(&run.stdout);
        assert!(
            out.contains(&format!("0 inserted, 0 updated, {ORDERS} unchanged")),
            "{backend}: {out}"
        );
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM sales_order_lines WHERE source = 'import'"
            )
            .await,
            lines,
            "{backend}"
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM import_batches").await,
            2,
            "{backend}"
        );

        // A refused file exits 2 with the report.
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "order_number,ordered_at,channel,sku,quantity,unit_price\nX,2026-01-01,SHOP-UK,NOPE,1,1\n").unwrap();
        let run = sentia(&t.url)
            .args(["import", "sales_orders"])
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{backend}");
        let out = String::from_utf8_lossy(&run.stdout);
        assert!(
            out.contains("row 2, sku: unknown SKU 'NOPE'"),
            "{backend}: {out}"
        );

        db.close().await.unwrap();
        std::fs::remove_dir_all(&dir).ok();
        t.drop_database().await.unwrap();
    }
}
