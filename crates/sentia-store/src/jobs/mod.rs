//! The durable job queue, in our own database (the crates.io worker pattern).
//!
//! A job is `queued` (or `retrying` after a failure) until its `run_at`; a worker [`claim`]s
//! the highest-priority due job, which makes it `running` under a lease the worker renews
//! with [`heartbeat`]. A worker that stops renewing (it crashed, or lost the database) loses
//! the job to the next claimer; the stale worker can then neither complete nor fail it. A
//! failed attempt is retried after an exponential backoff stored in `run_at`, so it survives
//! restarts; after `max_attempts` the job is `dead` (the dead letter) until an admin retries
//! or discards it.
//!
//! Every state change appends a [`JOB_EVENT`] to the events outbox in the same transaction.
//! Functions that write take a connection or a caller's transaction (they open a savepoint in
//! it), so a job can be enqueued atomically with the change that asked for it. On SQLite such
//! a caller's transaction should begin with a write (or `BEGIN IMMEDIATE`): a transaction
//! that only read before its first write can be refused as busy when another writer got in
//! between.
//!
//! Claiming is safe with any number of workers: on PostgreSQL with `FOR UPDATE SKIP LOCKED`,
//! on SQLite in a write transaction taken up front (`BEGIN IMMEDIATE`), so no two claims can
//! read the same due row. Worker ids must be unique per claimer (host, process and task), as
//! ownership is checked by worker id.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, QueryResult, TransactionSession, TransactionTrait, Value};
use serde_json::json;

use crate::events::{self, json_col, json_col_opt};
use crate::forecasting::stmt;
use crate::{StoreError, StoreResult};

mod admin;
mod worker;

pub use admin::{counts, discard, get, list, prune_finished, retry};
pub use worker::{
    backoff, backoff_base, claim, complete, fail, fail_permanently, heartbeat, release,
    set_progress,
};

/// Kind of the outbox event appended on every job state or progress change. Its payload is
/// `{"id", "queue", "kind", "state", "attempts", "progress"}`.
pub const JOB_EVENT: &str = "job.updated";

/// Attempts a job gets unless its type says otherwise: with the backoff below, about eight
/// and a half minutes of retries, enough to ride out the restart of an upstream service.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// Delay before the second attempt; each further retry waits twice as long.
pub const BACKOFF_BASE: Duration = Duration::seconds(2);

/// Longest delay between two attempts (before jitter).
pub const BACKOFF_CAP: Duration = Duration::hours(1);

/// Each delay is moved at random by up to this share either way, so jobs that failed
/// together (an upstream outage) do not all retry at the same instant.
pub const BACKOFF_JITTER: f64 = 0.2;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its `run_at`.
    Queued,
    /// Claimed by a worker under a lease.
    Running,
    /// Done.
    Succeeded,
    /// Failed an attempt; waiting for its backoff (`run_at`) to try again.
    Retrying,
    /// Failed every attempt, or failed permanently: waits for an admin.
    Dead,
    /// Dropped by an admin.
    Discarded,
}

impl JobState {
    /// Every state, in life order.
    pub const ALL: [JobState; 6] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Retrying,
        JobState::Dead,
        JobState::Discarded,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Retrying => "retrying",
            JobState::Dead => "dead",
            JobState::Discarded => "discarded",
        }
    }

    /// The state stored as `s`.
    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Queue the workers claim from.
    pub queue: String,
    /// Job type.
    pub kind: String,
    /// Arguments of the job.
    pub payload: serde_json::Value,
    /// Higher runs first among due jobs.
    pub priority: i32,
    /// Not before this instant; `None` for as soon as possible.
    pub run_at: Option<DateTime<Utc>>,
    /// Attempts before the job is dead (at least 1).
    pub max_attempts: i32,
    /// A job enqueued again under a key that exists is not added twice.
    pub idempotency_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` on `queue`: priority 0, due now, [`DEFAULT_MAX_ATTEMPTS`], no key.
    pub fn new(queue: &str, kind: &str, payload: serde_json::Value) -> Self {
        NewJob {
            queue: queue.to_owned(),
            kind: kind.to_owned(),
            payload,
            priority: 0,
            run_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            idempotency_key: None,
        }
    }

    /// With this priority.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Not before `run_at`.
    pub fn run_at(mut self, run_at: DateTime<Utc>) -> Self {
        self.run_at = Some(run_at);
        self
    }

    /// With this many attempts.
    pub fn max_attempts(mut self, max_attempts: i32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Under this idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// Queue.
    pub queue: String,
    /// Job type.
    pub kind: String,
    /// Arguments.
    pub payload: serde_json::Value,
    /// Higher runs first.
    pub priority: i32,
    /// Current state.
    pub state: JobState,
    /// Claims so far, this one included while running.
    pub attempts: i32,
    /// Attempts before it is dead.
    pub max_attempts: i32,
    /// Not before: scheduled time or stored backoff.
    pub run_at: DateTime<Utc>,
    /// Worker holding it while running.
    pub lease_owner: Option<String>,
    /// Until when the worker holds it.
    pub lease_until: Option<DateTime<Utc>>,
    /// Idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// Percent done (0–100).
    pub progress: i32,
    /// What the worker said about its progress.
    pub progress_detail: Option<serde_json::Value>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// Last state or progress change.
    pub updated_at: DateTime<Utc>,
    /// When it reached succeeded, dead or discarded.
    pub finished_at: Option<DateTime<Utc>>,
}

/// What [`enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    /// The job: the new one, or the one already under the idempotency key.
    pub id: i64,
    /// Whether a job was added (`false`: the key existed).
    pub inserted: bool,
}

/// Which jobs [`list`] returns, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only in this state.
    pub state: Option<JobState>,
    /// Only on this queue.
    pub queue: Option<String>,
    /// Only of this type.
    pub kind: Option<String>,
    /// Only ids below this (the last id of the previous page).
    pub before_id: Option<i64>,
    /// Page size (at most 500; 0 means 50).
    pub limit: u64,
}

/// Jobs per state, for a health page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Waiting for their time.
    pub queued: i64,
    /// Held by workers.
    pub running: i64,
    /// Done.
    pub succeeded: i64,
    /// Waiting to try again.
    pub retrying: i64,
    /// Need an admin.
    pub dead: i64,
    /// Dropped by an admin.
    pub discarded: i64,
}

const JOB_COLS: &str = "id, queue, kind, payload, priority, state, attempts, max_attempts, \
     run_at, lease_owner, lease_until, idempotency_key, last_error, progress, progress_detail, \
     created_at, updated_at, finished_at";

fn job_of(r: &QueryResult) -> StoreResult<Job> {
    let state: String = r.try_get("", "state")?;
    Ok(Job {
        id: r.try_get("", "id")?,
        queue: r.try_get("", "queue")?,
        kind: r.try_get("", "kind")?,
        payload: json_col(r, "payload")?,
        priority: r.try_get("", "priority")?,
        state: JobState::parse(&state)
            .ok_or_else(|| StoreError::Invalid(format!("job state {state:?}")))?,
        attempts: r.try_get("", "attempts")?,
        max_attempts: r.try_get("", "max_attempts")?,
        run_at: r.try_get("", "run_at")?,
        lease_owner: r.try_get("", "lease_owner")?,
        lease_until: r.try_get("", "lease_until")?,
        idempotency_key: r.try_get("", "idempotency_key")?,
        last_error: r.try_get("", "last_error")?,
        progress: r.try_get("", "progress")?,
        progress_detail: json_col_opt(r, "progress_detail")?,
        created_at: r.try_get("", "created_at")?,
        updated_at: r.try_get("", "updated_at")?,
        finished_at: r.try_get("", "finished_at")?,
    })
}

/// The outbox payload of a job change.
fn event_payload(job: &Job) -> serde_json::Value {
    json!({
        "id": job.id,
        "queue": job.queue,
        "kind": job.kind,
        "state": job.state.as_str(),
        "attempts": job.attempts,
        "progress": job.progress,
    })
}

async fn emit<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    job: &Job,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    events::append(conn, JOB_EVENT, &event_payload(job), now).await?;
    Ok(())
}

use crate::begin_write;

fn json_value(v: &serde_json::Value) -> Value {
    Value::Json(Some(Box::new(v.clone())))
}

/// Runs a job-changing `UPDATE … RETURNING` and appends its event, in one transaction. When
/// the guard matches no row nothing is changed and the refusal says why (see [`refused`]).
async fn update_one<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
    id: i64,
    what: &str,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let txn = begin_write(conn).await?;
    let b = txn.get_database_backend();
    let row = txn
        .query_one_raw(stmt(b, &format!("{sql} RETURNING {JOB_COLS}"), values))
        .await?;
    let Some(row) = row else {
        let e = refused(&txn, id, what).await;
        txn.rollback().await?;
        return Err(e);
    };
    let job = job_of(&row)?;
    emit(&txn, &job, now).await?;
    txn.commit().await?;
    Ok(job)
}

/// Why a guarded change matched no row: the job is missing ([`StoreError::NotFound`]), or
/// in a state, or held by a worker, that refuses it ([`StoreError::Conflict`]).
async fn refused<C: ConnectionTrait>(conn: &C, id: i64, what: &str) -> StoreError {
    match get(conn, id).await {
        Ok(job) => StoreError::Conflict(format!(
            "job {id} is {} (held by {:?}): cannot {what}",
            job.state, job.lease_owner
        )),
        Err(e) => e,
    }
}

/// Adds a job and returns its id. With an idempotency key that already exists nothing is
/// added and the existing job's id is returned (`inserted: false`); concurrent enqueues under
/// one key leave one row, because the unique index decides, not a prior check.
#[tracing::instrument(skip_all, fields(kind = %job.kind))]
pub async fn enqueue<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    job: &NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Enqueued> {
    let now = crate::db_time(now);
    let run_at = crate::db_time(job.run_at.unwrap_or(now));
    let txn = begin_write(conn).await?;
    let b = txn.get_database_backend();
    // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a failed
    // statement would abort the caller's whole transaction. A concurrent insert of the same
    // key makes this one wait for it, then do nothing.
    let row = txn
        .query_one_raw(stmt(
            b,
            &format!(
                "INSERT INTO jobs (queue, kind, payload, priority, state, attempts, max_attempts, \
                 run_at, idempotency_key, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?) \
                 ON CONFLICT (idempotency_key) DO NOTHING RETURNING {JOB_COLS}"
            ),
            vec![
                job.queue.as_str().into(),
                job.kind.as_str().into(),
                json_value(&job.payload),
                job.priority.into(),
                job.max_attempts.max(1).into(),
                run_at.into(),
                job.idempotency_key.clone().into(),
                now.into(),
                now.into(),
            ],
        ))
        .await?;
    let out = match row {
        Some(row) => {
            let stored = job_of(&row)?;
            emit(&txn, &stored, now).await?;
            Enqueued {
                id: stored.id,
                inserted: true,
            }
        }
        None => {
            let key = job.idempotency_key.clone().unwrap_or_default();
            let row = txn
                .query_one_raw(stmt(
                    b,
                    "SELECT id FROM jobs WHERE idempotency_key = ?",
                    vec![key.as_str().into()],
                ))
                .await?
                .ok_or_else(|| {
                    StoreError::Conflict(format!("job key {key:?} taken but not visible"))
                })?;
            Enqueued {
                id: row.try_get("", "id")?,
                inserted: false,
            }
        }
    };
    txn.commit().await?;
    Ok(out)
}

/// The start of the time bucket of length `every` (counted from the Unix epoch) holding
/// `now`: what every instance firing a schedule computes alike.
pub fn time_bucket(now: DateTime<Utc>, every: Duration) -> DateTime<Utc> {
    let step = every.num_microseconds().unwrap_or(i64::MAX).max(1);
    let t = now.timestamp_micros();
    DateTime::from_timestamp_micros(t - t.rem_euclid(step)).unwrap_or(now)
}

/// The idempotency key of the run of a scheduled job of `kind` for the bucket starting at
/// `bucket_start`.
pub fn schedule_key(kind: &str, bucket_start: DateTime<Utc>) -> String {
    format!(
        "schedule:{kind}:{}",
        crate::db_time(bucket_start).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}

/// Enqueues a scheduled job once per time bucket: the key is [`schedule_key`] of the job's
/// kind and `bucket_start`, so N instances firing the same schedule add one job.
#[tracing::instrument(skip_all, fields(kind = %job.kind))]
pub async fn enqueue_scheduled<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    job: NewJob,
    bucket_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Enqueued> {
    let key = schedule_key(&job.kind, bucket_start);
    enqueue(conn, &job.idempotency_key(key), now).await
}
