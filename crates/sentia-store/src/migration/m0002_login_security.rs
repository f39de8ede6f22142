//! Login security: failed sign-in attempts, kept in the database so the lockout (5 failures
//! in 15 minutes) holds across every server instance sharing it.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_login_security"
    }
}

const UP: &str = r#"
-- One row per refused sign-in. Keyed by the normalised (trimmed, lower-case) e-mail as typed,
-- not by user id, so unknown e-mails are counted and locked exactly like real accounts and a
-- lockout never reveals whether an account exists. Rows older than the lockout window are
-- purged as new failures arrive.
CREATE TABLE login_failures (
    id {ID},
    email TEXT NOT NULL,
    failed_at {TS} NOT NULL,
    ip TEXT
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);
CREATE INDEX login_failures_at ON login_failures (failed_at)
"#;

const DOWN: &str = r#"
DROP TABLE login_failures
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
