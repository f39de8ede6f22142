//! Two-factor sign-in: a TOTP secret per user (pending until a first code confirms it), the
//! last accepted time step (so no code is accepted twice), one-time recovery codes stored
//! only as hashes, and per session the instant of the last second-factor check (for step-up).

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_mfa"
    }
}

const UP: &str = r#"
ALTER TABLE users ADD COLUMN mfa_secret TEXT;
ALTER TABLE users ADD COLUMN mfa_pending_secret TEXT;
ALTER TABLE users ADD COLUMN mfa_enabled_at {TS};
ALTER TABLE users ADD COLUMN mfa_last_step BIGINT;
ALTER TABLE sessions ADD COLUMN mfa_at {TS};
CREATE TABLE mfa_recovery_codes (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at {TS}
);
CREATE UNIQUE INDEX mfa_recovery_codes_user_code ON mfa_recovery_codes (user_id, code_hash)
"#;

const DOWN: &str = r#"
DROP TABLE mfa_recovery_codes;
ALTER TABLE sessions DROP COLUMN mfa_at;
ALTER TABLE users DROP COLUMN mfa_last_step;
ALTER TABLE users DROP COLUMN mfa_enabled_at;
ALTER TABLE users DROP COLUMN mfa_pending_secret;
ALTER TABLE users DROP COLUMN mfa_secret
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
