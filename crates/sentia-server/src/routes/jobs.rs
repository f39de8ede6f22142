//! The job queue in the admin portal: list jobs with their state, attempts, progress and
//! last error; retry a dead or discarded job; discard one. Changes are audited in the
//! transaction that makes them.

use axum::extract::State;
use chrono::{DateTime, Utc};
use sentia_store::StoreError;
use sentia_store::jobs::{self, Job, JobFilter, JobState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, RequestMeta};
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json, Path, Query};
use crate::state::AppState;

/// A job as the admin portal shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    /// Id.
    pub id: i64,
    /// Queue.
    pub queue: String,
    /// Job type.
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `retrying`, `dead` or `discarded`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Attempts before it is dead.
    pub max_attempts: i32,
    /// Higher runs first.
    pub priority: i32,
    /// Not before (its schedule or its backoff).
    pub run_at: DateTime<Utc>,
    /// Percent done.
    pub progress: i32,
    /// The worker's note on its progress.
    #[schema(value_type = Option<Object>)]
    pub progress_detail: Option<serde_json::Value>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// Worker holding it.
    pub lease_owner: Option<String>,
    /// Enqueued.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Finished (succeeded, dead or discarded).
    pub finished_at: Option<DateTime<Utc>>,
}

fn view(j: Job) -> JobView {
    JobView {
        id: j.id,
        queue: j.queue,
        kind: j.kind,
        state: j.state.as_str().to_owned(),
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        priority: j.priority,
        run_at: j.run_at,
        progress: j.progress,
        progress_detail: j.progress_detail,
        last_error: j.last_error,
        lease_owner: j.lease_owner,
        created_at: j.created_at,
        updated_at: j.updated_at,
        finished_at: j.finished_at,
    }
}

/// Jobs per state.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct JobCountsView {
    /// Waiting for their time.
    pub queued: i64,
    /// Held by a worker.
    pub running: i64,
    /// Done.
    pub succeeded: i64,
    /// Waiting to try again.
    pub retrying: i64,
    /// Failed for good: need an admin.
    pub dead: i64,
    /// Dropped by an admin.
    pub discarded: i64,
}

/// The job queue's counts, for health pages.
pub async fn counts(state: &AppState) -> ApiResult<JobCountsView> {
    let c = jobs::counts(&state.db).await?;
    Ok(JobCountsView {
        queued: c.queued,
        running: c.running,
        succeeded: c.succeeded,
        retrying: c.retrying,
        dead: c.dead,
        discarded: c.discarded,
    })
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobList {
    /// The jobs.
    pub jobs: Vec<JobView>,
    /// Counts per state over all jobs.
    pub counts: JobCountsView,
    /// Pass as `before_id` for the next page; absent on the last page.
    pub next_before_id: Option<i64>,
}

/// Filter of [`list_jobs`].
#[derive(Debug, Deserialize, IntoParams)]
pub struct JobQuery {
    /// Only jobs in this state.
    pub state: Option<String>,
    /// Only jobs of this queue.
    pub queue: Option<String>,
    /// Only jobs of this type.
    pub kind: Option<String>,
    /// Only jobs older than this id (paging).
    pub before_id: Option<i64>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
}

/// The job queue, newest first.
#[utoipa::path(get, path = "/api/v1/admin/jobs", operation_id = "list_jobs", tag = "admin",
    params(JobQuery),
    responses((status = 200, body = JobList), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_jobs(
    _user: CurrentUser,
    State(state): State<AppState>,
    Query(q): Query<JobQuery>,
) -> ApiResult<Json<JobList>> {
    let job_state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(JobState::parse(s).ok_or_else(|| {
            ApiError::field(
                "state",
                "must be queued, running, succeeded, retrying, dead or discarded",
            )
        })?),
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let list = jobs::list(
        &state.db,
        &JobFilter {
            state: job_state,
            queue: q.queue.filter(|s| !s.is_empty()),
            kind: q.kind.filter(|s| !s.is_empty()),
            before_id: q.before_id,
            limit,
        },
    )
    .await?;
    let next_before_id = (list.len() as u64 == limit)
        .then(|| list.last().map(|j| j.id))
        .flatten();
    Ok(Json(JobList {
        jobs: list.into_iter().map(view).collect(),
        counts: counts(&state).await?,
        next_before_id,
    }))
}

/// What an admin does to a job.
#[derive(Debug, Clone, Copy)]
enum Change {
    Retry,
    Discard,
}

impl Change {
    /// The audit action.
    fn action(self) -> &'static str {
        match self {
            Change::Retry => "job.retry",
            Change::Discard => "job.discard",
        }
    }
}

async fn change(
    user: &CurrentUser,
    state: &AppState,
    meta: &RequestMeta,
    id: i64,
    change: Change,
) -> ApiResult<Json<JobView>> {
    let now = state.now();
    let before = jobs::get(&state.db, id).await?;
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(StoreError::from)?;
    let after = match change {
        Change::Retry => jobs::retry(&txn, id, now).await,
        Change::Discard => jobs::discard(&txn, id, now).await,
    }
    .map_err(|e| match e {
        StoreError::Conflict(_) => ApiError::Conflict(format!(
            "a {} job cannot be {}",
            before.state,
            match change {
                Change::Retry => "retried (only dead or discarded ones)",
                Change::Discard => "discarded (it has finished)",
            }
        )),
        other => other.into(),
    })?;
    let action = change.action();
    sentia_store::audit::append(
        &txn,
        &meta
            .entry(now, Some(user.user.id), action, "job", Some(id.to_string()))
            .details(serde_json::json!({
                "kind": after.kind,
                "old": { "state": before.state.as_str(), "attempts": before.attempts },
                "new": { "state": after.state.as_str(), "attempts": after.attempts },
            })),
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(Json(view(after)))
}

/// Queues a dead or discarded job again, due now, with its attempts reset.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", operation_id = "retry_job", tag = "admin",
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobView), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, description = "Not dead or discarded", body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn retry_job(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobView>> {
    change(&user, &state, &meta, id, Change::Retry).await
}

/// Drops a job that has not finished; a worker running it stops at its next heartbeat.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/discard", operation_id = "discard_job", tag = "admin",
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobView), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, description = "Already finished", body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn discard_job(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobView>> {
    change(&user, &state, &meta, id, Change::Discard).await
}
