//! The job worker: claims due jobs from the durable queue in the database
//! ([`sentia_store::jobs`]), runs each under a lease renewed while it runs, and records the
//! outcome — done, a retry after the stored backoff, or dead. Any number of instances may run
//! workers on one database: a job is held by one worker at a time, and a crashed worker's
//! job is taken again when its lease runs out. A scheduler enqueues the periodic jobs under
//! a time-bucket key, so however many instances run, each period's job is enqueued once.

use std::time::Duration as StdDuration;

use chrono::Duration;
use sentia_store::jobs::{self, Job, NewJob};

use crate::state::AppState;

/// Queues this worker claims from.
pub const QUEUES: &[&str] = &[DEFAULT_QUEUE, MAINTENANCE_QUEUE];
/// Queue of data work (syncs, imports, webhooks).
pub const DEFAULT_QUEUE: &str = "default";
/// Queue of housekeeping.
pub const MAINTENANCE_QUEUE: &str = "maintenance";
/// How long a claimed job is held without a heartbeat, by default (`job_lease_secs`). A
/// job whose worker died is taken again once this has passed.
pub const LEASE: Duration = Duration::seconds(60);
/// How often due syncs are looked for.
pub const SYNC_SCHEDULE_EVERY: StdDuration = StdDuration::from_secs(10);
/// How long an idle worker waits before looking for due jobs again (it also wakes when a
/// job event appears).
pub const IDLE: StdDuration = StdDuration::from_secs(2);

/// Housekeeping: prunes old events and finished jobs.
pub const PRUNE_KIND: &str = "maintenance.prune";
/// How often [`PRUNE_KIND`] is scheduled.
pub const PRUNE_EVERY: Duration = Duration::hours(1);
/// Events older than this are pruned (browsers away longer reload instead of replaying).
pub const EVENTS_KEPT: Duration = Duration::days(7);
/// Succeeded and discarded jobs older than this are pruned.
pub const JOBS_KEPT: Duration = Duration::days(14);

/// Why a job's attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a source down, a timeout).
    #[error("{0}")]
    Transient(String),
    /// Trying again cannot help (unknown kind, bad payload).
    #[error("{0}")]
    Permanent(String),
}

impl From<sentia_store::StoreError> for JobError {
    fn from(e: sentia_store::StoreError) -> Self {
        JobError::Transient(e.to_string())
    }
}

/// Runs one claimed job.
async fn run(state: &AppState, job: &Job) -> Result<(), JobError> {
    match job.kind.as_str() {
        PRUNE_KIND => prune(state).await,
        crate::sync::SYNC_KIND => crate::sync::run(state, &job.payload).await,
        crate::sync::RECONCILE_KIND => crate::sync::reconcile(state, &job.payload).await,
        crate::ingest::SHOPIFY_ORDER_KIND => crate::ingest::shopify_order(state, &job.payload)
            .await
            .map(|_| ()),
        other => Err(JobError::Permanent(format!(
            "no handler for job kind {other:?}"
        ))),
    }
}

async fn prune(state: &AppState) -> Result<(), JobError> {
    let now = state.now();
    let events = sentia_store::events::prune_before(&state.db, now - EVENTS_KEPT).await?;
    let jobs = jobs::prune_finished(&state.db, now - JOBS_KEPT).await?;
    tracing::info!(events, jobs, "pruned old events and finished jobs");
    Ok(())
}

/// Enqueues the periodic jobs of the period starting at `bucket` (once per period across
/// instances).
pub async fn schedule(
    state: &AppState,
    bucket: chrono::DateTime<chrono::Utc>,
) -> sentia_store::StoreResult<()> {
    let now = state.now();
    let job = NewJob::new(MAINTENANCE_QUEUE, PRUNE_KIND, serde_json::json!({})).max_attempts(3);
    jobs::enqueue_scheduled(&state.db, job, bucket, now).await?;
    Ok(())
}

/// Claims and runs the next due job; `false` when none was due.
pub async fn run_next(state: &AppState, worker_id: &str) -> sentia_store::StoreResult<bool> {
    let lease = Duration::seconds(i64::from(state.config.job_lease_secs.max(3)));
    // Renewed three times a lease, so one missed beat does not lose the job.
    let heartbeat = (lease / 3).to_std().unwrap_or(StdDuration::from_secs(1));
    let Some(job) = jobs::claim(&state.db, QUEUES, worker_id, lease, state.now()).await? else {
        return Ok(false);
    };
    tracing::info!(job_id = job.id, kind = %job.kind, attempt = job.attempts, "job started");
    let outcome = {
        use futures_util::FutureExt;
        let work = std::panic::AssertUnwindSafe(run(state, &job))
            .catch_unwind()
            .map(|r| {
                r.unwrap_or_else(|_| Err(JobError::Permanent("the job's handler panicked".into())))
            });
        // The lease is renewed by its own task, so a heartbeat waiting for the database (on
        // SQLite, for the write lock the job itself may hold) never stalls the job.
        let (lost_tx, lost_rx) = tokio::sync::oneshot::channel::<()>();
        let beats = {
            let state = state.clone();
            let worker_id = worker_id.to_owned();
            let id = job.id;
            tokio::spawn(async move {
                let mut beat = tokio::time::interval(heartbeat);
                beat.tick().await;
                loop {
                    beat.tick().await;
                    match jobs::heartbeat(&state.db, id, &worker_id, lease, state.now()).await {
                        Ok(true) => {}
                        // Discarded by an admin, or taken over: stop working on it.
                        Ok(false) => {
                            let _ = lost_tx.send(());
                            return;
                        }
                        Err(e) => tracing::warn!(error = %e, "job heartbeat failed"),
                    }
                }
            })
        };
        let outcome = tokio::select! {
            r = work => Some(r),
            _ = lost_rx => None,
        };
        beats.abort();
        outcome
    };
    let now = state.now();
    let recorded = match outcome {
        None => {
            tracing::warn!(
                job_id = job.id,
                "job no longer held by this worker; dropped"
            );
            return Ok(true);
        }
        Some(Ok(())) => jobs::complete(&state.db, job.id, worker_id, now).await,
        Some(Err(JobError::Transient(e))) => {
            tracing::warn!(job_id = job.id, error = %e, "job failed; will retry");
            jobs::fail(&state.db, job.id, worker_id, &e, now).await
        }
        Some(Err(JobError::Permanent(e))) => {
            tracing::warn!(job_id = job.id, error = %e, "job failed for good");
            jobs::fail_permanently(&state.db, job.id, worker_id, &e, now).await
        }
    };
    // Open pages hear of what the job changed without waiting for the next poll.
    state.events.refresh(&state.db).await;
    match recorded {
        Ok(j) => tracing::info!(job_id = j.id, state = %j.state, "job finished"),
        // Lost the lease meanwhile: the new holder's outcome counts.
        Err(sentia_store::StoreError::Conflict(why)) => tracing::warn!(%why, "job outcome dropped"),
        Err(e) => return Err(e),
    }
    Ok(true)
}

/// Starts a worker (and the scheduler) in the background for the life of the process.
pub fn spawn(state: AppState) {
    let worker_id = format!(
        "{}-{}-{:08x}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "sentia".into()),
        std::process::id(),
        rand::random::<u32>()
    );
    tokio::spawn(async move {
        let mut wake = state.events.subscribe();
        let mut last_schedule = None;
        let mut last_sync_check: Option<std::time::Instant> = None;
        loop {
            if last_sync_check.is_none_or(|t| t.elapsed() >= SYNC_SCHEDULE_EVERY) {
                last_sync_check = Some(std::time::Instant::now());
                if let Err(e) = crate::sync::schedule_due(&state).await {
                    tracing::warn!(error = %e, "could not schedule source syncs");
                }
            }
            let bucket = jobs::time_bucket(state.now(), PRUNE_EVERY);
            if last_schedule != Some(bucket) {
                match schedule(&state, bucket).await {
                    Ok(()) => last_schedule = Some(bucket),
                    Err(e) => tracing::warn!(error = %e, "could not schedule periodic jobs"),
                }
            }
            match run_next(&state, &worker_id).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "job worker could not reach the queue"),
            }
            // Idle: wake on a new event (a job enqueued anywhere appends one) or after IDLE.
            let _ = tokio::time::timeout(IDLE, wake.changed()).await;
        }
    });
}
