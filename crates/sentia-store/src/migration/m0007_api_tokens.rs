//! API tokens for machines: scoped to permission codes, expiring, revocable, stored only as
//! the SHA-256 of the token.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_api_tokens"
    }
}

const UP: &str = r#"
CREATE TABLE api_tokens (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at {TS} NOT NULL,
    expires_at {TS} NOT NULL,
    last_used_at {TS},
    revoked_at {TS}
);
CREATE INDEX api_tokens_user ON api_tokens (user_id)
"#;

const DOWN: &str = "DROP TABLE api_tokens";

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
