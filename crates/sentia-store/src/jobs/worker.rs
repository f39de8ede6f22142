//! What workers do with the jobs they hold: claim, renew, report, finish, fail, give back.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, TransactionSession, TransactionTrait, Value};

use super::{
    BACKOFF_BASE, BACKOFF_CAP, BACKOFF_JITTER, JOB_COLS, Job, emit, job_of, json_value, refused,
    update_one,
};
use crate::forecasting::stmt;
use crate::{StoreError, StoreResult};

fn in_list(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Claims the best due job of `queues` for `worker_id` and holds it for `lease`: the highest
/// priority, then the oldest `run_at`, among jobs `queued` or `retrying` with `run_at <= now`
/// and `running` jobs whose lease ran out (their worker stopped). The job becomes `running`
/// with one more attempt. A job whose lease ran out on its last attempt is made dead instead
/// of being run again, so a job that kills its worker cannot loop. `None`: nothing is due.
#[tracing::instrument(skip_all, fields(worker_id = %worker_id))]
pub async fn claim<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    queues: &[&str],
    worker_id: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> StoreResult<Option<Job>> {
    if queues.is_empty() {
        return Ok(None);
    }
    let now = crate::db_time(now);
    let txn = crate::begin_write(db).await?;
    let b = txn.get_database_backend();
    let lock = if b == DatabaseBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let qs = in_list(queues.len());
    let queue_values = || queues.iter().map(|q| Value::from(*q)).collect::<Vec<_>>();

    let mut values = vec![now.into(), now.into()];
    values.extend(queue_values());
    values.push(now.into());
    let reaped = txn
        .query_all_raw(stmt(
            b,
            &format!(
                "UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_until = NULL, \
                 finished_at = ?, updated_at = ?, \
                 last_error = 'lease expired: the worker stopped during the last attempt' \
                 WHERE id IN (SELECT id FROM jobs WHERE queue IN ({qs}) AND state = 'running' \
                 AND lease_until < ? AND attempts >= max_attempts LIMIT 100{lock}) \
                 RETURNING {JOB_COLS}"
            ),
            values,
        ))
        .await?
        .iter()
        .map(job_of)
        .collect::<StoreResult<Vec<_>>>()?;

    let mut values = vec![
        worker_id.into(),
        crate::db_time(now + lease).into(),
        now.into(),
    ];
    values.extend(queue_values());
    values.push(now.into());
    values.push(now.into());
    let claimed = txn
        .query_one_raw(stmt(
            b,
            &format!(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, \
                 lease_until = ?, updated_at = ?, progress = 0, progress_detail = NULL \
                 WHERE id = (SELECT id FROM jobs WHERE queue IN ({qs}) AND ( \
                   (state IN ('queued', 'retrying') AND run_at <= ?) \
                   OR (state = 'running' AND lease_until < ? AND attempts < max_attempts)) \
                 ORDER BY priority DESC, run_at, id LIMIT 1{lock}) \
                 RETURNING {JOB_COLS}"
            ),
            values,
        ))
        .await?
        .map(|r| job_of(&r))
        .transpose()?;

    // Events last: on PostgreSQL appending holds the outbox lock until commit.
    for job in &reaped {
        tracing::warn!(job_id = job.id, kind = %job.kind, "job lease expired on its last attempt: dead");
        emit(&txn, job, now).await?;
    }
    if let Some(job) = &claimed {
        emit(&txn, job, now).await?;
    }
    txn.commit().await?;
    Ok(claimed)
}

/// Extends the lease of a running job held by `worker_id` to `now + lease`. Returns whether
/// the worker still holds it; `false` means stop: the job was taken over or discarded.
#[tracing::instrument(skip_all)]
pub async fn heartbeat<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    worker_id: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let r = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE jobs SET lease_until = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
            vec![
                crate::db_time(now + lease).into(),
                id.into(),
                worker_id.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Records the progress of a running job held by `worker_id` (percent, capped at 100, and
/// an optional detail). [`StoreError::Conflict`] when the worker no longer holds it.
#[tracing::instrument(skip_all)]
pub async fn set_progress<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    worker_id: &str,
    percent: u8,
    detail: Option<&serde_json::Value>,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let now = crate::db_time(now);
    let detail = detail.map_or(Value::Json(None), json_value);
    update_one(
        conn,
        "UPDATE jobs SET progress = ?, progress_detail = ?, updated_at = ? \
         WHERE id = ? AND state = 'running' AND lease_owner = ?",
        vec![
            i32::from(percent.min(100)).into(),
            detail,
            now.into(),
            id.into(),
            worker_id.into(),
        ],
        id,
        "record progress",
        now,
    )
    .await
}

/// Marks a running job held by `worker_id` succeeded. [`StoreError::Conflict`], changing
/// nothing, when the worker no longer holds it (its lease was taken over, or an admin
/// discarded the job).
#[tracing::instrument(skip_all)]
pub async fn complete<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    worker_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let now = crate::db_time(now);
    update_one(
        conn,
        "UPDATE jobs SET state = 'succeeded', progress = 100, lease_owner = NULL, \
         lease_until = NULL, finished_at = ?, updated_at = ? \
         WHERE id = ? AND state = 'running' AND lease_owner = ?",
        vec![now.into(), now.into(), id.into(), worker_id.into()],
        id,
        "complete it",
        now,
    )
    .await
}

/// The delay before the next attempt after `attempts` failed ones, without jitter:
/// 2 s, 4 s, 8 s … up to [`BACKOFF_CAP`].
pub fn backoff_base(attempts: i32) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let ms = BACKOFF_BASE
        .num_milliseconds()
        .saturating_mul(1_i64 << doublings);
    Duration::milliseconds(ms.min(BACKOFF_CAP.num_milliseconds()))
}

/// [`backoff_base`] moved at random by up to ±[`BACKOFF_JITTER`].
pub fn backoff(attempts: i32) -> Duration {
    use rand::Rng;
    let factor = 1.0 + rand::thread_rng().gen_range(-BACKOFF_JITTER..=BACKOFF_JITTER);
    Duration::milliseconds((backoff_base(attempts).num_milliseconds() as f64 * factor) as i64)
}

async fn fail_with<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    worker_id: &str,
    error: &str,
    permanent: bool,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let now = crate::db_time(now);
    let txn = crate::begin_write(conn).await?;
    let b = txn.get_database_backend();
    let lock = if b == DatabaseBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let held = txn
        .query_one_raw(stmt(
            b,
            &format!(
                "SELECT attempts, max_attempts FROM jobs \
                 WHERE id = ? AND state = 'running' AND lease_owner = ?{lock}"
            ),
            vec![id.into(), worker_id.into()],
        ))
        .await?;
    let Some(held) = held else {
        let e = refused(&txn, id, "fail it").await;
        txn.rollback().await?;
        return Err(e);
    };
    let attempts: i32 = held.try_get("", "attempts")?;
    let max_attempts: i32 = held.try_get("", "max_attempts")?;
    let dead = permanent || attempts >= max_attempts;
    let (state, run_at, finished_at) = if dead {
        ("dead", None, Some(now))
    } else {
        (
            "retrying",
            Some(crate::db_time(now + backoff(attempts))),
            None,
        )
    };
    let row = txn
        .query_one_raw(stmt(
            b,
            &format!(
                "UPDATE jobs SET state = ?, run_at = COALESCE(?, run_at), last_error = ?, \
                 lease_owner = NULL, lease_until = NULL, finished_at = ?, updated_at = ? \
                 WHERE id = ? AND state = 'running' AND lease_owner = ? RETURNING {JOB_COLS}"
            ),
            vec![
                state.into(),
                run_at.into(),
                error.into(),
                finished_at.into(),
                now.into(),
                id.into(),
                worker_id.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("job {id} changed while failing it")))?;
    let job = job_of(&row)?;
    emit(&txn, &job, now).await?;
    txn.commit().await?;
    Ok(job)
}

/// Records a failed attempt of a running job held by `worker_id`: `retrying` with `run_at`
/// after the [`backoff`], or `dead` when it was the last attempt. [`StoreError::Conflict`],
/// changing nothing, when the worker no longer holds the job.
#[tracing::instrument(skip_all)]
pub async fn fail<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    worker_id: &str,
    error: &str,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    fail_with(conn, id, worker_id, error, false, now).await
}

/// Records a failure that retrying cannot fix (bad payload, a permission refused): the job
/// goes straight to `dead`. [`StoreError::Conflict`] when the worker no longer holds it.
#[tracing::instrument(skip_all)]
pub async fn fail_permanently<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    worker_id: &str,
    error: &str,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    fail_with(conn, id, worker_id, error, true, now).await
}

/// Gives a running job back unfinished (a worker shutting down): `queued`, due now, and the
/// attempt not counted. [`StoreError::Conflict`] when the worker no longer holds it.
#[tracing::instrument(skip_all)]
pub async fn release<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    worker_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let now = crate::db_time(now);
    update_one(
        conn,
        "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = ?, \
         lease_owner = NULL, lease_until = NULL, updated_at = ? \
         WHERE id = ? AND state = 'running' AND lease_owner = ?",
        vec![now.into(), now.into(), id.into(), worker_id.into()],
        id,
        "release it",
        now,
    )
    .await
}
