//! The audit chain under concurrent writers on both backends: every append succeeds (on
//! SQLite a transaction that read the chain's last hash is never overtaken by another
//! writer, which would refuse it as busy at once) and the chain stays whole.

use chrono::{TimeZone, Utc};
use sentia_store::audit::{self, AuditEntry};
use sentia_store::testing::{TestDb, backends};
use sentia_store::{connect, migrate};

#[tokio::test]
async fn concurrent_appends_all_succeed_and_keep_the_chain_whole() {
    for backend in backends() {
        let t = TestDb::create(backend).await.unwrap();
        let db = connect(&t.url).await.unwrap();
        migrate(&db).await.unwrap();
        let writers = 8;
        let per_writer = 25;
        let mut tasks = Vec::new();
        for w in 0..writers {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut failures = Vec::new();
                for i in 0..per_writer {
                    let at = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
                    let e =
                        AuditEntry::new(at, None, "test.write", "test", Some(format!("{w}/{i}")));
                    if let Err(err) = audit::record(&db, &e).await {
                        failures.push(format!("{w}/{i}: {err}"));
                    }
                }
                failures
            }));
        }
        let mut failures = Vec::new();
        for task in tasks {
            failures.extend(task.await.unwrap());
        }
        assert!(failures.is_empty(), "{backend}: {failures:?}");
        let v = audit::verify(&db).await.unwrap();
        assert_eq!(v.rows, (writers * per_writer) as u64, "{backend}");
        assert_eq!(v.first_broken, None, "{backend}");
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}
