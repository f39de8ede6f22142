//! The durable job queue and the events outbox.
//!
//! `jobs` is the queue (the crates.io worker pattern, in our own database): a worker claims
//! the highest-priority due row by setting it `running` with a lease; a worker that stops
//! renewing its lease loses the job to the next claimer. Failures are stored with the time of
//! the next try (`run_at`), so backoff survives restarts; after `max_attempts` a job is `dead`
//! (the dead letter) until an admin retries or discards it. `idempotency_key` is unique, so a
//! job enqueued twice under one key — a replayed webhook, or a schedule firing on every
//! instance under a time-bucket key — exists once.
//!
//! The `events` outbox (made in m0001: one row per change, written in the transaction that
//! made the change, read by id to feed SSE streams and other instances) gets the index its
//! pruning by age needs.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_jobs_events"
    }
}

// No `;` inside comments: run_script splits statements on it.
const UP: &str = r#"
CREATE TABLE jobs (
    id {ID},
    -- Workers claim from named queues (`default`, `forecast`, `sync`).
    queue TEXT NOT NULL,
    -- What to run: the job type's KIND.
    kind TEXT NOT NULL,
    -- The job's arguments.
    payload {JSON} NOT NULL,
    -- Higher runs first among due jobs.
    priority INTEGER NOT NULL DEFAULT 0,
    -- queued → running → succeeded | retrying → running … | dead, or discarded by an admin.
    state TEXT NOT NULL CHECK (state IN
        ('queued', 'running', 'succeeded', 'retrying', 'dead', 'discarded')),
    -- Claims so far (a claim counts as an attempt even if its worker then crashed).
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    -- Not before: the scheduled time, or after a failure the stored backoff.
    run_at {TS} NOT NULL,
    -- The worker holding a running job, and until when: past it the job is taken again.
    lease_owner TEXT,
    lease_until {TS},
    -- NULL for jobs that may be enqueued any number of times.
    idempotency_key TEXT UNIQUE,
    last_error TEXT,
    -- Percent done, and what the worker says about it ("12 of 40 series").
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    progress_detail {JSON},
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    -- When it reached succeeded, dead or discarded.
    finished_at {TS}
);
-- Claiming: due jobs of a queue by state, best priority and oldest run_at first.
CREATE INDEX jobs_claim ON jobs (queue, state, priority DESC, run_at, id);
-- Taking over the jobs of crashed workers.
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE state = 'running';
-- Admin lists by state, newest first, and pruning of finished jobs.
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- The events outbox itself (id, kind, payload, created_at) dates from m0001. Its ids are
-- AUTOINCREMENT on SQLite and an identity on PostgreSQL, so never reused after pruning,
-- which readers resuming with `id > last seen` rely on. Pruning goes by age.
CREATE INDEX events_created ON events (created_at)
"#;

const DOWN: &str = r#"
DROP INDEX events_created;
DROP TABLE jobs
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, UP).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, DOWN).await
    }
}
