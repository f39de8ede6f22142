//! Forecasting: background runs, the forecasts each run stored (kept after later runs, so
//! past forecasts stay frozen and can be scored against the actuals that arrived since),
//! their points with 80 % and 95 % intervals, per-model backtest metrics, and planner
//! overrides. Also the `forecasting:*` permissions.
//!
//! A series is keyed by SKU code × channel code (text, not ids) so stored forecasts stay
//! readable after a demo reset renumbers the rows they describe.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_forecasting"
    }
}

const UP: &str = r#"
-- One background forecast run. state: running → succeeded | failed. A run's results are
-- written in one transaction together with its move to 'succeeded', so a crash leaves either
-- nothing of it or all of it.
CREATE TABLE forecast_runs (
    id {ID},
    started_at {TS} NOT NULL,
    finished_at {TS},
    state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    triggered_by TEXT NOT NULL,
    series_count INTEGER NOT NULL DEFAULT 0,
    duration_ms BIGINT,
    error TEXT
);
CREATE INDEX forecast_runs_state ON forecast_runs (state, id);

-- One forecast of one series made by a run from data up to origin_date (the start of the
-- last complete period it saw). A run stores its current forecast and may store forecasts
-- as of earlier origins (frozen = TRUE from the start), the previous run's current forecasts
-- are frozen when a new run succeeds. Rows are never deleted by runs.
CREATE TABLE forecasts (
    id {ID},
    run_id BIGINT NOT NULL REFERENCES forecast_runs(id),
    sku TEXT NOT NULL,
    channel TEXT NOT NULL,
    granularity TEXT NOT NULL,
    season INTEGER NOT NULL,
    model TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    parameters {JSON} NOT NULL,
    horizon INTEGER NOT NULL,
    origin_date DATE NOT NULL,
    frozen BOOLEAN NOT NULL,
    created_at {TS} NOT NULL
);
CREATE INDEX forecasts_series ON forecasts (sku, channel, run_id);
CREATE INDEX forecasts_run ON forecasts (run_id);

-- Forecast per period (period_start = first day of the period), with nested intervals
-- lo95 <= lo80 <= point <= hi80 <= hi95.
CREATE TABLE forecast_points (
    forecast_id BIGINT NOT NULL REFERENCES forecasts(id),
    step INTEGER NOT NULL,
    period_start DATE NOT NULL,
    point DOUBLE PRECISION NOT NULL,
    lo80 DOUBLE PRECISION NOT NULL,
    hi80 DOUBLE PRECISION NOT NULL,
    lo95 DOUBLE PRECISION NOT NULL,
    hi95 DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (forecast_id, step),
    CHECK (lo95 <= lo80 AND lo80 <= point AND point <= hi80 AND hi80 <= hi95)
);

-- Rolling-origin backtest of each candidate model (and the combination) for one forecast.
-- Metrics are NULL where undefined (e.g. MASE on a flat history). weight is the model's
-- share in the combined forecast (0 when not chosen).
CREATE TABLE forecast_model_metrics (
    forecast_id BIGINT NOT NULL REFERENCES forecasts(id),
    model TEXT NOT NULL,
    folds INTEGER NOT NULL,
    mae DOUBLE PRECISION,
    rmse DOUBLE PRECISION,
    smape DOUBLE PRECISION,
    mase DOUBLE PRECISION,
    wape DOUBLE PRECISION,
    bias DOUBLE PRECISION,
    coverage80 DOUBLE PRECISION,
    coverage95 DOUBLE PRECISION,
    weight DOUBLE PRECISION NOT NULL,
    note TEXT,
    PRIMARY KEY (forecast_id, model)
);

-- Planner overrides of one period of one series. Never updated: a new override for the
-- same period supersedes the previous one (supersedes_id), and all are kept for scoring.
-- base_point is the system forecast the planner saw.
CREATE TABLE forecast_overrides (
    id {ID},
    sku TEXT NOT NULL,
    channel TEXT NOT NULL,
    period_start DATE NOT NULL,
    value DOUBLE PRECISION NOT NULL CHECK (value >= 0),
    reason TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    base_forecast_id BIGINT REFERENCES forecasts(id),
    base_point DOUBLE PRECISION,
    supersedes_id BIGINT REFERENCES forecast_overrides(id),
    created_at {TS} NOT NULL
);
CREATE INDEX forecast_overrides_series ON forecast_overrides (sku, channel, period_start, id);

INSERT INTO permissions (code, description) VALUES
    ('forecasting:read', 'See demand forecasts, their accuracy and overrides'),
    ('forecasting:execute', 'Start forecast runs'),
    ('forecasting:write', 'Override forecasts');
INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('ADMIN', 'forecasting:read'), ('ADMIN', 'forecasting:execute'), ('ADMIN', 'forecasting:write'),
    ('MANAGER', 'forecasting:read'), ('MANAGER', 'forecasting:execute'), ('MANAGER', 'forecasting:write'),
    ('VIEWER', 'forecasting:read')
"#;

const DOWN: &str = r#"
DELETE FROM role_permissions WHERE permission_code LIKE 'forecasting:%';
DELETE FROM permissions WHERE code LIKE 'forecasting:%';
DROP TABLE forecast_overrides; DROP TABLE forecast_model_metrics; DROP TABLE forecast_points;
DROP TABLE forecasts; DROP TABLE forecast_runs
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
