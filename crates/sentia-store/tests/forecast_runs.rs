//! Forecast runs under a lease, on both backends: a live run refuses a second one, a run whose
//! owner stopped renewing its heartbeat is taken over as interrupted, the interrupted owner can
//! neither renew nor store its results, and concurrent starts leave exactly one run.

use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, Statement};
use sentia_store::forecasting::{
    self as store, RUN_LEASE, complete_run, get_run, heartbeat, start_run,
};
use sentia_store::testing::{TestDb, backends, one_week_forecast};
use sentia_store::{StoreError, connect, migrate};

async fn forecasts_of_run(db: &sea_orm::DatabaseConnection, run: i64) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM forecasts WHERE run_id = {run}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn a_run_without_a_live_owner_is_taken_over() {
    for backend in backends() {
        let t = TestDb::create(backend).await.unwrap();
        let db = connect(&t.url).await.unwrap();
        migrate(&db).await.unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let lease = RUN_LEASE.num_seconds();

        let a = start_run(&db, "test", "instance-a", t0).await.unwrap();
        // Inside the lease another instance is refused.
        let early = start_run(&db, "test", "instance-b", t0 + Duration::seconds(lease - 1)).await;
        assert!(
            matches!(early, Err(StoreError::Conflict(_))),
            "{backend}: {early:?}"
        );
        // A renewed heartbeat extends the lease; only the owner can renew it.
        let beat = t0 + Duration::seconds(lease - 1);
        assert!(
            heartbeat(&db, a.id, "instance-a", beat).await.unwrap(),
            "{backend}"
        );
        assert!(
            !heartbeat(&db, a.id, "instance-b", beat).await.unwrap(),
            "{backend}"
        );
        let renewed = start_run(&db, "test", "instance-b", beat + RUN_LEASE).await;
        assert!(
            matches!(renewed, Err(StoreError::Conflict(_))),
            "{backend}: {renewed:?}"
        );

        // Past the lease since the last heartbeat: taken over.
        let later = beat + RUN_LEASE + Duration::seconds(1);
        let b = start_run(&db, "test", "instance-b", later).await.unwrap();
        let a_now = get_run(&db, a.id).await.unwrap();
        assert_eq!(a_now.state, "failed", "{backend}");
        assert!(
            a_now.error.as_deref().unwrap_or("").contains("interrupted"),
            "{backend}: {:?}",
            a_now.error
        );
        // The interrupted owner can neither renew nor store its results.
        assert!(
            !heartbeat(&db, a.id, "instance-a", later).await.unwrap(),
            "{backend}"
        );
        let late = complete_run(&db, a.id, &[one_week_forecast()], true, later, 5).await;
        assert!(
            matches!(late, Err(StoreError::Conflict(_))),
            "{backend}: {late:?}"
        );
        assert_eq!(forecasts_of_run(&db, a.id).await, 0, "{backend}");
        assert_eq!(
            get_run(&db, a.id).await.unwrap().state,
            "failed",
            "{backend}"
        );

        // The new owner completes normally.
        complete_run(&db, b.id, &[one_week_forecast()], true, later, 5)
            .await
            .unwrap();
        let b_now = get_run(&db, b.id).await.unwrap();
        assert_eq!(
            (b_now.state.as_str(), b_now.series_count),
            ("succeeded", 1),
            "{backend}"
        );
        assert_eq!(forecasts_of_run(&db, b.id).await, 1, "{backend}");
        // A completed run cannot be completed twice.
        let twice = complete_run(&db, b.id, &[one_week_forecast()], true, later, 5).await;
        assert!(
            matches!(twice, Err(StoreError::Conflict(_))),
            "{backend}: {twice:?}"
        );
        assert_eq!(forecasts_of_run(&db, b.id).await, 1, "{backend}");
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_starts_leave_one_run() {
    for backend in backends() {
        let t = TestDb::create(backend).await.unwrap();
        let db = connect(&t.url).await.unwrap();
        migrate(&db).await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                start_run(&db, "test", &format!("instance-{i}"), now).await
            }));
        }
        let mut started = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => started += 1,
                // PostgreSQL refuses the losers by the index; SQLite may refuse a writer that
                // lost the race with "database is locked" instead. Either way nothing is added.
                Err(StoreError::Conflict(_)) => {}
                Err(StoreError::Db(e)) if backend == "sqlite" => {
                    assert!(e.to_string().contains("locked"), "{backend}: {e}");
                }
                Err(e) => panic!("{backend}: {e:?}"),
            }
        }
        assert_eq!(started, 1, "{backend}");
        let running = store::list_runs(&db, 20)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.state == "running")
            .count();
        assert_eq!(running, 1, "{backend}");
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}
