//! The job worker runs due jobs from the durable queue and records their outcome; a kind
//! nobody handles goes to the dead letters with its error; housekeeping prunes old events;
//! an admin lists, retries and discards jobs (audited), and health shows the queue — on
//! every backend.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use sentia_store::jobs::{self, Job, JobState, NewJob};
use serde_json::{Value, json};

/// The job once it reaches `state`, or a failure after 20 s.
async fn until(app: &TestApp, id: i64, state: JobState) -> Job {
    app.job_when(id, |s| s == state).await
}

#[tokio::test]
async fn the_worker_runs_jobs_and_admins_manage_them() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let now = app.clock.now();

        // Housekeeping prunes events older than a week and keeps newer ones.
        let old = sentia_store::events::append(
            &app.db,
            "data.test",
            &json!({}),
            now - chrono::Duration::days(8),
        )
        .await
        .unwrap();
        let recent = sentia_store::events::append(&app.db, "data.test", &json!({}), now)
            .await
            .unwrap();
        let prune = jobs::enqueue(
            &app.db,
            &NewJob::new("maintenance", sentia_server::jobs::PRUNE_KIND, json!({})),
            now,
        )
        .await
        .unwrap();
        until(&app, prune.id, JobState::Succeeded).await;
        let left = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM events WHERE id IN ({old}, {recent})"
            ))
            .await;
        assert_eq!(
            left, 1,
            "{backend}: the old event is pruned, the recent kept"
        );
        // The scheduler enqueued this hour's housekeeping once.
        let scheduled = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM jobs WHERE kind = '{}' AND idempotency_key IS NOT NULL",
                sentia_server::jobs::PRUNE_KIND
            ))
            .await;
        assert_eq!(scheduled, 1, "{backend}");

        // A kind without a handler cannot succeed by retrying: straight to the dead letters.
        let unknown = jobs::enqueue(
            &app.db,
            &NewJob::new("default", "no.such.kind", json!({})),
            now,
        )
        .await
        .unwrap();
        let dead = until(&app, unknown.id, JobState::Dead).await;
        assert_eq!(dead.attempts, 1, "{backend}");
        assert!(dead.last_error.unwrap().contains("no handler"), "{backend}");

        // The admin portal lists it, retries it (it dies again) and discards it.
        let viewer = app.signed_in_client("viewer@sentia.demo").await;
        let r = viewer
            .get(app.url("/api/v1/admin/jobs"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let admin = app.admin_with_mfa().await;
        let list: Value = admin
            .get(app.url("/api/v1/admin/jobs?state=dead"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["jobs"][0]["id"], unknown.id, "{backend}: {list}");
        assert_eq!(list["jobs"].as_array().unwrap().len(), 1);
        assert_eq!(list["counts"]["dead"], 1);
        let r = admin
            .get(app.url("/api/v1/admin/jobs?state=nonsense"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = admin
            .post(app.url(&format!("/api/v1/admin/jobs/{}/retry", unknown.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let again = until(&app, unknown.id, JobState::Dead).await;
        assert!(again.updated_at >= dead.updated_at);
        let r = admin
            .post(app.url(&format!("/api/v1/admin/jobs/{}/discard", unknown.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["state"], "discarded");
        // A finished job cannot be discarded.
        let r = admin
            .post(app.url(&format!("/api/v1/admin/jobs/{}/discard", prune.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{backend}");
        for action in ["job.retry", "job.discard"] {
            let n = app
                .scalar(&format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
                ))
                .await;
            assert_eq!(n, 1, "{backend}: {action}");
        }
        let health: Value = admin
            .get(app.url("/api/v1/admin/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["queue"]["discarded"], 1, "{backend}: {health}");
        assert!(health["queue"]["succeeded"].as_i64().unwrap() >= 2);
        app.finish().await;
    }
}
