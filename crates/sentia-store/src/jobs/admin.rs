//! What admins (and the health page) do with jobs: look, list, count, retry, discard, prune.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};

use super::{JOB_COLS, Job, JobCounts, JobFilter, JobState, job_of, update_one};
use crate::forecasting::stmt;
use crate::{StoreError, StoreResult};

/// One job by id.
#[tracing::instrument(skip_all)]
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Job> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &format!("SELECT {JOB_COLS} FROM jobs WHERE id = ?"),
            vec![id.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    job_of(&row)
}

/// Jobs matching `filter`, newest first; page with `before_id` = the last id returned.
#[tracing::instrument(skip_all)]
pub async fn list<C: ConnectionTrait>(conn: &C, filter: &JobFilter) -> StoreResult<Vec<Job>> {
    let mut sql = format!("SELECT {JOB_COLS} FROM jobs WHERE 1 = 1");
    let mut values: Vec<Value> = Vec::new();
    if let Some(state) = filter.state {
        sql.push_str(" AND state = ?");
        values.push(state.as_str().into());
    }
    if let Some(queue) = &filter.queue {
        sql.push_str(" AND queue = ?");
        values.push(queue.as_str().into());
    }
    if let Some(kind) = &filter.kind {
        sql.push_str(" AND kind = ?");
        values.push(kind.as_str().into());
    }
    if let Some(before) = filter.before_id {
        sql.push_str(" AND id < ?");
        values.push(before.into());
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    let limit = match filter.limit {
        0 => 50,
        n => n.min(500),
    };
    values.push((limit as i64).into());
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(job_of).collect()
}

/// Puts a `dead` or `discarded` job back in the queue, due now, with its attempts reset
/// (its last error is kept). [`StoreError::Conflict`] for a job in any other state.
#[tracing::instrument(skip_all)]
pub async fn retry<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let now = crate::db_time(now);
    update_one(
        conn,
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, progress = 0, \
         progress_detail = NULL, lease_owner = NULL, lease_until = NULL, finished_at = NULL, \
         updated_at = ? WHERE id = ? AND state IN ('dead', 'discarded')",
        vec![now.into(), now.into(), id.into()],
        id,
        "retry it",
        now,
    )
    .await
}

/// Drops a job that has not succeeded: queued, retrying, dead, or running (its worker's
/// next heartbeat then returns `false`, and it can no longer complete or fail the job).
/// [`StoreError::Conflict`] for a job already succeeded or discarded.
#[tracing::instrument(skip_all)]
pub async fn discard<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let now = crate::db_time(now);
    update_one(
        conn,
        "UPDATE jobs SET state = 'discarded', lease_owner = NULL, lease_until = NULL, \
         finished_at = ?, updated_at = ? \
         WHERE id = ? AND state IN ('queued', 'retrying', 'running', 'dead')",
        vec![now.into(), now.into(), id.into()],
        id,
        "discard it",
        now,
    )
    .await
}

/// How many jobs are in each state.
#[tracing::instrument(skip_all)]
pub async fn counts<C: ConnectionTrait>(conn: &C) -> StoreResult<JobCounts> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state",
            vec![],
        ))
        .await?;
    let mut c = JobCounts::default();
    for r in &rows {
        let state: String = r.try_get("", "state")?;
        let n: i64 = r.try_get("", "n")?;
        let slot = match JobState::parse(&state) {
            Some(JobState::Queued) => &mut c.queued,
            Some(JobState::Running) => &mut c.running,
            Some(JobState::Succeeded) => &mut c.succeeded,
            Some(JobState::Retrying) => &mut c.retrying,
            Some(JobState::Dead) => &mut c.dead,
            Some(JobState::Discarded) => &mut c.discarded,
            None => return Err(StoreError::Invalid(format!("job state {state:?}"))),
        };
        *slot = n;
    }
    Ok(c)
}

/// Deletes succeeded and discarded jobs finished before `finished_before` (dead jobs stay
/// for an admin); returns how many. Their idempotency keys become free again, so keep
/// finished jobs longer than any schedule's instances can disagree about a bucket.
#[tracing::instrument(skip_all)]
pub async fn prune_finished<C: ConnectionTrait>(
    conn: &C,
    finished_before: DateTime<Utc>,
) -> StoreResult<u64> {
    let r = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM jobs WHERE state IN ('succeeded', 'discarded') AND finished_at < ?",
            vec![crate::db_time(finished_before).into()],
        ))
        .await?;
    Ok(r.rows_affected())
}
