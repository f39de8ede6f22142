//! Forecast runs held under a lease, so several instances can share one database: a run
//! records the instance that owns it and a heartbeat the owner renews while computing. A run
//! whose heartbeat is older than the lease is taken as interrupted by whichever instance next
//! looks, instead of every starting instance failing every running run. A unique partial
//! index makes "one run at a time" hold under concurrent starts, not only under a check.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_forecast_run_leases"
    }
}

const UP: &str = r#"
ALTER TABLE forecast_runs ADD COLUMN owner TEXT;
ALTER TABLE forecast_runs ADD COLUMN heartbeat_at {TS};
-- Runs left running by a version without leases have no owner to renew them.
UPDATE forecast_runs SET state = 'failed', finished_at = started_at,
    error = 'interrupted: the server stopped during the run' WHERE state = 'running';
CREATE UNIQUE INDEX forecast_runs_one_running ON forecast_runs (state) WHERE state = 'running'
"#;

const DOWN: &str = r#"
DROP INDEX forecast_runs_one_running;
ALTER TABLE forecast_runs DROP COLUMN heartbeat_at;
ALTER TABLE forecast_runs DROP COLUMN owner
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
