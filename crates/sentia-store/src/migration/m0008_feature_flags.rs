//! Feature flags: on, off, or on for some roles; read by the server (which refuses a
//! switched-off feature) and by the web app (which hides it), edited by an admin.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_feature_flags"
    }
}

const UP: &str = r#"
CREATE TABLE feature_flags (
    key TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('on', 'off', 'roles')),
    roles TEXT NOT NULL DEFAULT ''
);
INSERT INTO feature_flags (key, description, mode, roles) VALUES
    ('forecast_overrides', 'Planners may override forecast weeks (with a reason)', 'on', ''),
    ('forecast_export', 'Forecasts can be downloaded as CSV', 'on', ''),
    ('api_tokens', 'Users may make API tokens for scripts', 'on', '')
"#;

const DOWN: &str = "DROP TABLE feature_flags";

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
