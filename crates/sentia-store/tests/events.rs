//! The events outbox on both backends: ids increase in commit order and are never reused,
//! `since` pages through them oldest first, an event rolled back with its transaction never
//! appears, pruning drops only old rows, and a reader following the outbox while several
//! writers append sees every event exactly once.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use sentia_store::events::{append, latest_id, prune_before, since};
use sentia_store::testing::{TestDb, backends};
use sentia_store::{connect, db_time, migrate};
use serde_json::json;

async fn fresh(backend: &str) -> (TestDb, DatabaseConnection) {
    let t = TestDb::create(backend).await.unwrap();
    let db = connect(&t.url).await.unwrap();
    migrate(&db).await.unwrap();
    (t, db)
}

fn t0() -> DateTime<Utc> {
    // Nanoseconds on purpose: stored values are truncated to microseconds.
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + Duration::nanoseconds(123_456_789)
}

#[tokio::test]
async fn since_pages_through_events_in_order() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        assert_eq!(latest_id(&db).await.unwrap(), 0, "{backend}");
        let mut ids = Vec::new();
        for i in 0..25 {
            let payload = json!({"n": i, "text": "é \"quoted\"", "nested": {"a": [1, 2]}});
            ids.push(append(&db, "test.happened", &payload, t0()).await.unwrap());
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{backend}: {ids:?}");
        assert_eq!(latest_id(&db).await.unwrap(), ids[24], "{backend}");

        let mut seen = Vec::new();
        let mut last = 0;
        let mut pages = 0;
        loop {
            let page = since(&db, last, 10).await.unwrap();
            if page.is_empty() {
                break;
            }
            pages += 1;
            assert!(page.len() <= 10, "{backend}");
            last = page.last().unwrap().id;
            seen.extend(page);
        }
        assert_eq!(pages, 3, "{backend}");
        assert_eq!(
            seen.iter().map(|e| e.id).collect::<Vec<_>>(),
            ids,
            "{backend}"
        );
        for (i, e) in seen.iter().enumerate() {
            assert_eq!(e.kind, "test.happened", "{backend}");
            assert_eq!(e.payload["n"], json!(i), "{backend}");
            assert_eq!(e.payload["nested"]["a"], json!([1, 2]), "{backend}");
            assert_eq!(e.created_at, db_time(t0()), "{backend}");
        }
        // From the middle: only what came after.
        let tail = since(&db, ids[19], 100).await.unwrap();
        assert_eq!(
            tail.iter().map(|e| e.id).collect::<Vec<_>>(),
            ids[20..].to_vec(),
            "{backend}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn an_event_rolled_back_with_its_transaction_never_appears() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let kept = append(&db, "test.kept", &json!({}), t0()).await.unwrap();

        let txn = db.begin().await.unwrap();
        let gone = append(&txn, "test.gone", &json!({}), t0()).await.unwrap();
        // Visible inside the transaction that wrote it …
        assert_eq!(latest_id(&txn).await.unwrap(), gone, "{backend}");
        txn.rollback().await.unwrap();
        // … and nowhere once it is rolled back.
        assert_eq!(latest_id(&db).await.unwrap(), kept, "{backend}");
        assert!(since(&db, kept, 10).await.unwrap().is_empty(), "{backend}");

        let txn = db.begin().await.unwrap();
        let committed = append(&txn, "test.committed", &json!({"ok": true}), t0())
            .await
            .unwrap();
        txn.commit().await.unwrap();
        let after = since(&db, kept, 10).await.unwrap();
        assert_eq!(after.len(), 1, "{backend}");
        assert_eq!(
            (after[0].id, after[0].kind.as_str()),
            (committed, "test.committed"),
            "{backend}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn pruning_drops_old_events_and_ids_are_never_reused() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let old = append(&db, "test.old", &json!({}), t0()).await.unwrap();
        let mid = append(&db, "test.mid", &json!({}), t0() + Duration::hours(1))
            .await
            .unwrap();
        let new = append(&db, "test.new", &json!({}), t0() + Duration::hours(2))
            .await
            .unwrap();
        let pruned = prune_before(&db, t0() + Duration::hours(1)).await.unwrap();
        assert_eq!(pruned, 1, "{backend}");
        let left: Vec<i64> = since(&db, 0, 10)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(left, vec![mid, new], "{backend}");
        assert!(old < mid, "{backend}");

        // Prune everything: the next id still comes after every id handed out before.
        assert_eq!(
            prune_before(&db, t0() + Duration::days(1)).await.unwrap(),
            2,
            "{backend}"
        );
        assert_eq!(latest_id(&db).await.unwrap(), 0, "{backend}");
        let next = append(&db, "test.next", &json!({}), t0()).await.unwrap();
        assert!(next > new, "{backend}: {next} after {new}");
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn a_reader_following_concurrent_writers_sees_every_event_once() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let writers = 8;
        let per_writer = 25;
        let mut tasks = Vec::new();
        for w in 0..writers {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..per_writer {
                    let txn = db.begin().await.unwrap();
                    append(&txn, "test.write", &json!({"w": w, "i": i}), t0())
                        .await
                        .unwrap();
                    txn.commit().await.unwrap();
                }
            }));
        }
        // Follow the outbox while the writers run, as an SSE stream would.
        let reader = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut last = 0;
                let mut seen = Vec::new();
                while seen.len() < writers * per_writer {
                    let page = since(&db, last, 7).await.unwrap();
                    if let Some(e) = page.last() {
                        last = e.id;
                    } else {
                        tokio::task::yield_now().await;
                    }
                    seen.extend(page.into_iter().map(|e| e.payload));
                }
                seen
            })
        };
        for task in tasks {
            task.await.unwrap();
        }
        let seen = tokio::time::timeout(std::time::Duration::from_secs(15), reader)
            .await
            .expect("the reader missed events")
            .unwrap();
        let mut pairs: Vec<(i64, i64)> = seen
            .iter()
            .map(|p| (p["w"].as_i64().unwrap(), p["i"].as_i64().unwrap()))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        assert_eq!(pairs.len(), writers * per_writer, "{backend}");
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}
