//! The job queue on both backends: idempotent and scheduled enqueues, claim order, leases
//! and their takeover, backoff and the dead letter, admin retry and discard, and job
//! changes written together with their outbox events. Time is passed in, never slept.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use sentia_store::events::{self, latest_id};
use sentia_store::jobs::{
    self, BACKOFF_JITTER, JOB_EVENT, JobFilter, JobState, NewJob, backoff, backoff_base, claim,
    complete, enqueue, enqueue_scheduled, fail, fail_permanently, heartbeat, time_bucket,
};
use sentia_store::testing::{TestDb, backends};
use sentia_store::{StoreError, connect, migrate};
use serde_json::json;

const LEASE: Duration = Duration::seconds(30);

async fn fresh(backend: &str) -> (TestDb, DatabaseConnection) {
    let t = TestDb::create(backend).await.unwrap();
    let db = connect(&t.url).await.unwrap();
    migrate(&db).await.unwrap();
    (t, db)
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn job(kind: &str) -> NewJob {
    NewJob::new("default", kind, json!({"sku": "GIN-70"}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idempotency_key_enqueues_once() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let first = enqueue(&db, &job("sync").idempotency_key("webhook:42"), t0())
            .await
            .unwrap();
        let again = enqueue(
            &db,
            &NewJob::new("default", "sync", json!({"other": true})).idempotency_key("webhook:42"),
            t0() + Duration::seconds(5),
        )
        .await
        .unwrap();
        assert!(first.inserted && !again.inserted, "{backend}");
        assert_eq!(first.id, again.id, "{backend}");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM jobs").await,
            1,
            "{backend}"
        );
        // The first job is kept as it was, and only its insert is an event.
        let stored = jobs::get(&db, first.id).await.unwrap();
        assert_eq!(stored.payload, json!({"sku": "GIN-70"}), "{backend}");
        assert_eq!(stored.idempotency_key.as_deref(), Some("webhook:42"));
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM events").await,
            1,
            "{backend}"
        );

        // Without a key every enqueue adds a job.
        enqueue(&db, &job("sync"), t0()).await.unwrap();
        enqueue(&db, &job("sync"), t0()).await.unwrap();
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM jobs").await,
            3,
            "{backend}"
        );

        // Concurrent enqueues under one new key leave one row, and all get its id.
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                enqueue(&db, &job("sync").idempotency_key("webhook:43"), t0())
                    .await
                    .unwrap()
            }));
        }
        let mut ids = HashSet::new();
        let mut inserted = 0;
        for task in tasks {
            let e = task.await.unwrap();
            ids.insert(e.id);
            inserted += usize::from(e.inserted);
        }
        assert_eq!((ids.len(), inserted), (1, 1), "{backend}");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM jobs").await,
            4,
            "{backend}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_schedule_fires_once_per_bucket_across_instances() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let every = Duration::minutes(15);
        // Eight instances whose clocks fire a few seconds apart inside one bucket.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let now = t0() + Duration::minutes(15) + Duration::seconds(i * 3);
                let bucket = time_bucket(now, every);
                enqueue_scheduled(&db, job("kpi.refresh"), bucket, now)
                    .await
                    .unwrap()
            }));
        }
        let mut ids = HashSet::new();
        let mut inserted = 0;
        for task in tasks {
            let e = task.await.unwrap();
            ids.insert(e.id);
            inserted += usize::from(e.inserted);
        }
        assert_eq!((ids.len(), inserted), (1, 1), "{backend}");
        assert_eq!(
            time_bucket(t0() + Duration::minutes(29), every),
            t0() + Duration::minutes(15)
        );

        // The next bucket is a new run; another kind in the same bucket is its own job.
        let next = t0() + Duration::minutes(30);
        let e = enqueue_scheduled(&db, job("kpi.refresh"), time_bucket(next, every), next)
            .await
            .unwrap();
        assert!(e.inserted && !ids.contains(&e.id), "{backend}");
        let other = enqueue_scheduled(&db, job("cash.project"), time_bucket(next, every), next)
            .await
            .unwrap();
        assert!(other.inserted, "{backend}");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM jobs").await,
            3,
            "{backend}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn claims_take_due_jobs_by_priority_then_run_at() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let low_old = enqueue(
            &db,
            &job("low-old").run_at(t0() - Duration::minutes(5)),
            t0(),
        )
        .await
        .unwrap()
        .id;
        let low_new = enqueue(&db, &job("low-new"), t0()).await.unwrap().id;
        let high = enqueue(&db, &job("high").priority(10), t0())
            .await
            .unwrap()
            .id;
        let later = enqueue(
            &db,
            &job("later")
                .priority(100)
                .run_at(t0() + Duration::minutes(10)),
            t0(),
        )
        .await
        .unwrap()
        .id;
        let elsewhere = enqueue(
            &db,
            &NewJob::new("forecast", "elsewhere", json!({})).priority(1000),
            t0(),
        )
        .await
        .unwrap()
        .id;

        let mut order = Vec::new();
        while let Some(j) = claim(&db, &["default"], "w1", LEASE, t0()).await.unwrap() {
            assert_eq!(j.state, JobState::Running, "{backend}");
            assert_eq!(j.attempts, 1, "{backend}");
            assert_eq!(j.lease_owner.as_deref(), Some("w1"), "{backend}");
            assert_eq!(j.lease_until, Some(t0() + LEASE), "{backend}");
            order.push(j.id);
            complete(&db, j.id, "w1", t0()).await.unwrap();
        }
        // The future job is not due yet, whatever its priority; the other queue is not ours.
        assert_eq!(order, vec![high, low_old, low_new], "{backend}");
        let one_second_early = t0() + Duration::minutes(10) - Duration::seconds(1);
        assert!(
            claim(&db, &["default"], "w1", LEASE, one_second_early)
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
        let due = claim(&db, &["default"], "w1", LEASE, t0() + Duration::minutes(10))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(due.id, later, "{backend}");
        // A worker of several queues sees the other one too.
        let both = claim(&db, &["default", "forecast"], "w2", LEASE, t0())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(both.id, elsewhere, "{backend}");
        assert!(claim(&db, &[], "w2", LEASE, t0()).await.unwrap().is_none());
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_share_a_job() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let total = 200;
        for i in 0..total {
            enqueue(&db, &job("bulk").priority(i % 7), t0())
                .await
                .unwrap();
        }
        let mut tasks = Vec::new();
        for w in 0..8 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let worker = format!("worker-{w}");
                let mut mine = Vec::new();
                while let Some(j) = claim(&db, &["default"], &worker, LEASE, t0())
                    .await
                    .unwrap()
                {
                    assert_eq!(j.lease_owner.as_deref(), Some(worker.as_str()));
                    // Completing proves the claim really was ours alone.
                    complete(&db, j.id, &worker, t0()).await.unwrap();
                    mine.push(j.id);
                }
                mine
            }));
        }
        let mut all = Vec::new();
        let mut busy_workers = 0;
        for task in tasks {
            let mine = task.await.unwrap();
            busy_workers += usize::from(!mine.is_empty());
            all.extend(mine);
        }
        let unique: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(
            all.len(),
            total as usize,
            "{backend}: claimed {}",
            all.len()
        );
        assert_eq!(unique.len(), total as usize, "{backend}");
        assert!(busy_workers > 1, "{backend}: only one worker got work");
        let counts = jobs::counts(&db).await.unwrap();
        assert_eq!(counts.succeeded, i64::from(total), "{backend}");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM jobs WHERE attempts <> 1").await,
            0,
            "{backend}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_owner_refused() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let id = enqueue(&db, &job("forecast.run"), t0()).await.unwrap().id;
        let a = claim(&db, &["default"], "a", LEASE, t0())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.id, id);

        // Inside the lease nobody else gets it; a heartbeat by its owner extends the lease.
        assert!(
            claim(&db, &["default"], "b", LEASE, t0() + Duration::seconds(20))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            heartbeat(&db, id, "a", LEASE, t0() + Duration::seconds(20))
                .await
                .unwrap()
        );
        assert!(
            !heartbeat(&db, id, "b", LEASE, t0() + Duration::seconds(20))
                .await
                .unwrap()
        );
        assert!(
            claim(&db, &["default"], "b", LEASE, t0() + Duration::seconds(45))
                .await
                .unwrap()
                .is_none(),
            "{backend}: the heartbeat did not extend the lease"
        );
        let p = jobs::set_progress(&db, id, "a", 40, Some(&json!({"done": 4, "of": 10})), t0())
            .await
            .unwrap();
        assert_eq!(p.progress, 40);

        // The owner stops renewing: past the lease, another worker takes the job over.
        let later = t0() + Duration::seconds(51);
        let b = claim(&db, &["default"], "b", LEASE, later)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((b.id, b.attempts), (id, 2), "{backend}");
        assert_eq!(b.lease_owner.as_deref(), Some("b"));
        assert_eq!(
            b.progress, 0,
            "{backend}: progress of the lost attempt kept"
        );

        // The old owner can neither renew, report, complete nor fail it, and changes nothing.
        let events_before = latest_id(&db).await.unwrap();
        assert!(
            !heartbeat(&db, id, "a", LEASE, later).await.unwrap(),
            "{backend}"
        );
        let done = complete(&db, id, "a", later).await;
        assert!(
            matches!(done, Err(StoreError::Conflict(_))),
            "{backend}: {done:?}"
        );
        let failed = fail(&db, id, "a", "boom", later).await;
        assert!(
            matches!(failed, Err(StoreError::Conflict(_))),
            "{backend}: {failed:?}"
        );
        let perm = fail_permanently(&db, id, "a", "boom", later).await;
        assert!(
            matches!(perm, Err(StoreError::Conflict(_))),
            "{backend}: {perm:?}"
        );
        let prog = jobs::set_progress(&db, id, "a", 90, None, later).await;
        assert!(
            matches!(prog, Err(StoreError::Conflict(_))),
            "{backend}: {prog:?}"
        );
        assert_eq!(jobs::get(&db, id).await.unwrap(), b, "{backend}");
        assert_eq!(latest_id(&db).await.unwrap(), events_before, "{backend}");

        // The new owner finishes it.
        let ok = complete(&db, id, "b", later).await.unwrap();
        assert_eq!(ok.state, JobState::Succeeded);
        assert_eq!((ok.progress, ok.finished_at), (100, Some(later)));
        assert!(ok.lease_owner.is_none());
        let twice = complete(&db, id, "b", later).await;
        assert!(
            matches!(twice, Err(StoreError::Conflict(_))),
            "{backend}: {twice:?}"
        );
        let missing = complete(&db, id + 1000, "b", later).await;
        assert!(
            matches!(missing, Err(StoreError::NotFound)),
            "{backend}: {missing:?}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn failures_back_off_exponentially_then_go_dead() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let id = enqueue(&db, &job("sync").max_attempts(4), t0())
            .await
            .unwrap()
            .id;
        let mut now = t0();
        let mut delays = Vec::new();
        for attempt in 1..=3 {
            let j = claim(&db, &["default"], "w", LEASE, now)
                .await
                .unwrap()
                .unwrap();
            assert_eq!((j.id, j.attempts), (id, attempt), "{backend}");
            let f = fail(&db, id, "w", &format!("upstream 503 #{attempt}"), now)
                .await
                .unwrap();
            assert_eq!(f.state, JobState::Retrying, "{backend}");
            assert_eq!(f.last_error, Some(format!("upstream 503 #{attempt}")));
            assert!(f.lease_owner.is_none() && f.finished_at.is_none());
            let delay = (f.run_at - now).num_milliseconds() as f64;
            let base = (2_000 << (attempt - 1)) as f64;
            assert!(
                delay >= base * (1.0 - BACKOFF_JITTER) - 1.0
                    && delay <= base * (1.0 + BACKOFF_JITTER) + 1.0,
                "{backend}: attempt {attempt}: {delay} ms, base {base} ms"
            );
            delays.push(delay);
            // Not before its backoff …
            let early = f.run_at - Duration::milliseconds(1);
            assert!(
                claim(&db, &["default"], "w", LEASE, early)
                    .await
                    .unwrap()
                    .is_none(),
                "{backend}: claimed before its backoff"
            );
            // … and from then on.
            now = f.run_at;
        }
        assert!(
            delays.windows(2).all(|w| w[0] < w[1]),
            "{backend}: {delays:?}"
        );

        // The last attempt fails: dead, for good.
        let j = claim(&db, &["default"], "w", LEASE, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(j.attempts, 4);
        let dead = fail(&db, id, "w", "still 503", now).await.unwrap();
        assert_eq!(dead.state, JobState::Dead, "{backend}");
        assert_eq!(dead.finished_at, Some(now));
        assert!(
            claim(&db, &["default"], "w", LEASE, now + Duration::days(30))
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );

        // A permanent failure skips the retries.
        let p = enqueue(&db, &job("bad-payload"), now).await.unwrap().id;
        claim(&db, &["default"], "w", LEASE, now)
            .await
            .unwrap()
            .unwrap();
        let p = fail_permanently(&db, p, "w", "payload has no sku", now)
            .await
            .unwrap();
        assert_eq!((p.state, p.attempts), (JobState::Dead, 1), "{backend}");

        // A worker that dies on the last attempt: when its lease runs out the job is dead,
        // not run again.
        let crash = enqueue(&db, &job("crashes").max_attempts(1), now)
            .await
            .unwrap()
            .id;
        claim(&db, &["default"], "w", LEASE, now)
            .await
            .unwrap()
            .unwrap();
        let after = now + LEASE + Duration::seconds(1);
        assert!(
            claim(&db, &["default"], "w2", LEASE, after)
                .await
                .unwrap()
                .is_none()
        );
        let crashed = jobs::get(&db, crash).await.unwrap();
        assert_eq!(crashed.state, JobState::Dead, "{backend}");
        assert!(crashed.last_error.unwrap().contains("lease expired"));
        assert_eq!(jobs::counts(&db).await.unwrap().dead, 3, "{backend}");
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[test]
fn backoff_doubles_from_two_seconds_with_jitter_and_a_cap() {
    let bases: Vec<i64> = (1..=5).map(|a| backoff_base(a).num_seconds()).collect();
    assert_eq!(bases, vec![2, 4, 8, 16, 32]);
    assert_eq!(backoff_base(40), jobs::BACKOFF_CAP);
    let samples: HashSet<i64> = (0..50).map(|_| backoff(3).num_milliseconds()).collect();
    assert!(
        samples.iter().all(|&ms| (6_400..=9_600).contains(&ms)),
        "{samples:?}"
    );
    assert!(samples.len() > 5, "no jitter: {samples:?}");
}

#[tokio::test]
async fn admins_retry_discard_list_and_count() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        // A dead job goes back to the queue, due now, attempts reset.
        let dead = enqueue(&db, &job("sync").max_attempts(1), t0())
            .await
            .unwrap()
            .id;
        claim(&db, &["default"], "w", LEASE, t0())
            .await
            .unwrap()
            .unwrap();
        fail(&db, dead, "w", "boom", t0()).await.unwrap();
        let later = t0() + Duration::hours(1);
        let r = jobs::retry(&db, dead, later).await.unwrap();
        assert_eq!(
            (r.state, r.attempts, r.run_at),
            (JobState::Queued, 0, later)
        );
        assert!(r.finished_at.is_none());
        assert_eq!(r.last_error.as_deref(), Some("boom"), "{backend}");
        let again = claim(&db, &["default"], "w", LEASE, later)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id, again.attempts), (dead, 1), "{backend}");
        // Only dead or discarded jobs are retried.
        let busy = jobs::retry(&db, dead, later).await;
        assert!(
            matches!(busy, Err(StoreError::Conflict(_))),
            "{backend}: {busy:?}"
        );

        // Discarding a running job takes it from its worker.
        let d = jobs::discard(&db, dead, later).await.unwrap();
        assert_eq!(d.state, JobState::Discarded);
        assert!(
            !heartbeat(&db, dead, "w", LEASE, later).await.unwrap(),
            "{backend}"
        );
        let late = complete(&db, dead, "w", later).await;
        assert!(
            matches!(late, Err(StoreError::Conflict(_))),
            "{backend}: {late:?}"
        );

        // A discarded queued job is never claimed, until retried.
        let q = enqueue(&db, &job("report"), later).await.unwrap().id;
        jobs::discard(&db, q, later).await.unwrap();
        assert!(
            claim(&db, &["default"], "w", LEASE, later)
                .await
                .unwrap()
                .is_none()
        );
        let twice = jobs::discard(&db, q, later).await;
        assert!(
            matches!(twice, Err(StoreError::Conflict(_))),
            "{backend}: {twice:?}"
        );
        jobs::retry(&db, q, later).await.unwrap();
        assert_eq!(
            claim(&db, &["default"], "w", LEASE, later)
                .await
                .unwrap()
                .map(|j| j.id),
            Some(q)
        );
        complete(&db, q, "w", later).await.unwrap();
        let done = jobs::discard(&db, q, later).await;
        assert!(
            matches!(done, Err(StoreError::Conflict(_))),
            "{backend}: {done:?}"
        );
        assert!(matches!(
            jobs::retry(&db, 9999, later).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            jobs::get(&db, 9999).await,
            Err(StoreError::NotFound)
        ));

        // Listing: filters and pages, newest first.
        for i in 0..7 {
            let queue = if i % 2 == 0 { "default" } else { "forecast" };
            enqueue(&db, &NewJob::new(queue, "page", json!({"i": i})), later)
                .await
                .unwrap();
        }
        let page1 = jobs::list(
            &db,
            &JobFilter {
                kind: Some("page".into()),
                limit: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let page2 = jobs::list(
            &db,
            &JobFilter {
                kind: Some("page".into()),
                limit: 3,
                before_id: page1.last().map(|j| j.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let ids: Vec<i64> = page1.iter().chain(&page2).map(|j| j.id).collect();
        assert_eq!(ids.len(), 6, "{backend}");
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{backend}: {ids:?}");
        assert_eq!(page1[0].payload, json!({"i": 6}), "{backend}");
        let forecast = jobs::list(
            &db,
            &JobFilter {
                queue: Some("forecast".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(forecast.len(), 3, "{backend}");
        let discarded = jobs::list(
            &db,
            &JobFilter {
                state: Some(JobState::Discarded),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            discarded.iter().map(|j| j.id).collect::<Vec<_>>(),
            vec![dead]
        );

        let c = jobs::counts(&db).await.unwrap();
        assert_eq!(
            (
                c.queued,
                c.running,
                c.succeeded,
                c.retrying,
                c.dead,
                c.discarded
            ),
            (7, 0, 1, 0, 0, 1),
            "{backend}"
        );
        // Pruning drops old finished jobs, not the rest.
        assert_eq!(
            jobs::prune_finished(&db, later + Duration::seconds(1))
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM jobs").await,
            7,
            "{backend}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn job_changes_and_their_events_commit_or_roll_back_together() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        // Enqueued in a caller's transaction that rolls back: neither job nor event.
        let txn = db.begin().await.unwrap();
        let e = enqueue(&txn, &job("sync").idempotency_key("k1"), t0())
            .await
            .unwrap();
        assert!(jobs::get(&txn, e.id).await.is_ok(), "{backend}");
        txn.rollback().await.unwrap();
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM jobs").await,
            0,
            "{backend}"
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM events").await,
            0,
            "{backend}"
        );
        // The key is free again.
        let txn = db.begin().await.unwrap();
        let e = enqueue(&txn, &job("sync").idempotency_key("k1"), t0())
            .await
            .unwrap();
        assert!(e.inserted, "{backend}");
        txn.commit().await.unwrap();

        // A claim in a transaction that rolls back leaves the job queued and no event.
        let before = latest_id(&db).await.unwrap();
        let txn = db.begin().await.unwrap();
        claim(&txn, &["default"], "w", LEASE, t0())
            .await
            .unwrap()
            .unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(jobs::get(&db, e.id).await.unwrap().state, JobState::Queued);
        assert_eq!(latest_id(&db).await.unwrap(), before, "{backend}");

        // Every change is one event, in order, carrying the job's state and progress.
        claim(&db, &["default"], "w", LEASE, t0())
            .await
            .unwrap()
            .unwrap();
        jobs::set_progress(&db, e.id, "w", 50, None, t0())
            .await
            .unwrap();
        complete(&db, e.id, "w", t0()).await.unwrap();
        let evs = events::since(&db, 0, 100).await.unwrap();
        assert!(evs.iter().all(|ev| ev.kind == JOB_EVENT), "{backend}");
        let trail: Vec<(String, i64)> = evs
            .iter()
            .map(|ev| {
                assert_eq!(ev.payload["id"], json!(e.id));
                assert_eq!(ev.payload["kind"], json!("sync"));
                (
                    ev.payload["state"].as_str().unwrap().to_owned(),
                    ev.payload["progress"].as_i64().unwrap(),
                )
            })
            .collect();
        let expect = [
            ("queued", 0),
            ("running", 0),
            ("running", 50),
            ("succeeded", 100),
        ]
        .map(|(s, p)| (s.to_owned(), p));
        assert_eq!(trail, expect.to_vec(), "{backend}");
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn a_released_job_goes_back_to_the_queue_uncounted() {
    for backend in backends() {
        let (t, db) = fresh(backend).await;
        let id = enqueue(&db, &job("sync").run_at(t0() - Duration::hours(1)), t0())
            .await
            .unwrap()
            .id;
        let j = claim(&db, &["default"], "a", LEASE, t0())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(j.attempts, 1);
        let p = jobs::set_progress(&db, id, "a", 250, None, t0())
            .await
            .unwrap();
        assert_eq!(p.progress, 100, "{backend}: progress is capped");
        // A worker shutting down gives the job back: due now, the attempt not counted.
        let later = t0() + Duration::seconds(5);
        let r = jobs::release(&db, id, "a", later).await.unwrap();
        assert_eq!(
            (r.state, r.attempts, r.run_at),
            (JobState::Queued, 0, later),
            "{backend}"
        );
        assert!(
            r.lease_owner.is_none() && r.lease_until.is_none(),
            "{backend}"
        );
        let again = jobs::release(&db, id, "a", later).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{backend}: {again:?}"
        );
        // Another worker takes it at once, as its first attempt.
        let b = claim(&db, &["default"], "b", LEASE, later)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((b.id, b.attempts), (id, 1), "{backend}");
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}
