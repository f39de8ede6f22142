//! Governance: the default role → permission matrix for every area of the product, and an
//! audit trail that cannot be silently edited.
//!
//! * Permissions become `resource:action` for the seven areas (dashboard, production,
//!   inventory, finance, forecasting, data, admin). `products:read` becomes `inventory:read`,
//!   keeping whatever roles held it.
//! * Personal data leaves the hash chain: the client address moves from `audit_log` to
//!   `audit_context` (with the user agent and the e-mail a sign-in was attempted for), which
//!   an erasure may delete without breaking verification. The chain is re-hashed once here
//!   over the new canonical form.
//! * Triggers refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on `audit_log`.
//! * `users.erased_at` marks a user whose personal data was erased.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_governance"
    }
}

const PERMISSIONS: &str = r#"
INSERT INTO permissions (code, description) VALUES
    ('dashboard:write', 'Change shared dashboard settings such as targets'),
    ('production:read', 'See production lines, runs, downtime and OEE'),
    ('production:execute', 'Record production runs, output and downtime'),
    ('production:write', 'Plan and schedule production, edit lines and bills of materials'),
    ('inventory:read', 'See products, prices, costs, stock and purchase orders'),
    ('inventory:write', 'Change inventory policy and purchase orders'),
    ('finance:read', 'See working capital, cash and invoices'),
    ('finance:write', 'Change finance settings and scenarios'),
    ('finance:export', 'Export financial data'),
    ('forecasting:configure', 'Configure forecasting models'),
    ('data:read', 'See data sources, sync state and imports'),
    ('data:execute', 'Run syncs and imports'),
    ('data:configure', 'Manage data source credentials'),
    ('admin:read', 'See users, roles, sessions, audit log and system health'),
    ('admin:write', 'Manage users, roles and permissions, sessions and feature flags');
INSERT INTO role_permissions (role_code, permission_code)
    SELECT role_code, 'inventory:read' FROM role_permissions WHERE permission_code = 'products:read';
DELETE FROM role_permissions WHERE permission_code = 'products:read';
DELETE FROM permissions WHERE code = 'products:read';
INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('ADMIN', 'dashboard:write'), ('ADMIN', 'production:read'), ('ADMIN', 'production:execute'),
    ('ADMIN', 'production:write'), ('ADMIN', 'inventory:write'), ('ADMIN', 'finance:read'),
    ('ADMIN', 'finance:write'), ('ADMIN', 'finance:export'), ('ADMIN', 'forecasting:configure'),
    ('ADMIN', 'data:read'), ('ADMIN', 'data:execute'), ('ADMIN', 'data:configure'),
    ('ADMIN', 'admin:read'), ('ADMIN', 'admin:write'),
    ('MANAGER', 'dashboard:write'), ('MANAGER', 'production:read'),
    ('MANAGER', 'production:execute'), ('MANAGER', 'production:write'),
    ('MANAGER', 'inventory:write'), ('MANAGER', 'finance:read'), ('MANAGER', 'finance:write'),
    ('MANAGER', 'finance:export'), ('MANAGER', 'forecasting:configure'),
    ('MANAGER', 'data:read'), ('MANAGER', 'data:execute'),
    ('OPERATOR', 'production:read'), ('OPERATOR', 'production:execute'),
    ('VIEWER', 'finance:read')
"#;

const AUDIT: &str = r#"
CREATE TABLE audit_context (
    audit_id BIGINT PRIMARY KEY REFERENCES audit_log(id),
    ip TEXT,
    user_agent TEXT,
    subject TEXT
);
INSERT INTO audit_context (audit_id, ip) SELECT id, ip FROM audit_log WHERE ip IS NOT NULL;
ALTER TABLE audit_log DROP COLUMN ip;
ALTER TABLE users ADD COLUMN erased_at {TS}
"#;

const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
];

const POSTGRES_TRIGGERS: &[&str] = &[
    "CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
];

/// Re-hashes every row over the canonical form without personal data.
async fn rehash(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let b = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_string(
            b,
            "SELECT id, occurred_at, user_id, action, entity, entity_id, details, request_id \
             FROM audit_log ORDER BY id",
        ))
        .await?;
    let mut prev = crate::audit::GENESIS.to_owned();
    for r in rows {
        let id: i64 = r.try_get("", "id")?;
        let entry = crate::audit::entry_of(&r)?;
        let hash = crate::audit::chain_hash(&prev, &entry);
        let sql = match b {
            DatabaseBackend::Postgres => {
                "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3"
            }
            _ => "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?",
        };
        conn.execute_raw(Statement::from_sql_and_values(
            b,
            sql,
            [prev.clone().into(), hash.clone().into(), id.into()],
        ))
        .await?;
        prev = hash;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, PERMISSIONS).await?;
        run_script(manager, AUDIT).await?;
        let conn = manager.get_connection();
        rehash(conn).await?;
        let triggers = match conn.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_TRIGGERS,
            _ => SQLITE_TRIGGERS,
        };
        for t in triggers {
            conn.execute_unprepared(t).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let drops: &[&str] = match conn.get_database_backend() {
            DatabaseBackend::Postgres => &[
                "DROP TRIGGER audit_log_no_truncate ON audit_log",
                "DROP TRIGGER audit_log_no_change ON audit_log",
                "DROP FUNCTION audit_log_refuse_change()",
            ],
            _ => &[
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
            ],
        };
        for d in drops {
            conn.execute_unprepared(d).await?;
        }
        // The chain stays in the form without personal data; the addresses come back.
        run_script(
            manager,
            r#"
ALTER TABLE users DROP COLUMN erased_at;
ALTER TABLE audit_log ADD COLUMN ip TEXT;
UPDATE audit_log SET ip = (SELECT c.ip FROM audit_context c WHERE c.audit_id = audit_log.id);
DROP TABLE audit_context;
INSERT INTO permissions (code, description) VALUES ('products:read', 'See products, prices and costs');
INSERT INTO role_permissions (role_code, permission_code)
    SELECT role_code, 'products:read' FROM role_permissions WHERE permission_code = 'inventory:read';
DELETE FROM role_permissions WHERE permission_code IN ('dashboard:write', 'production:read',
    'production:execute', 'production:write', 'inventory:read', 'inventory:write', 'finance:read',
    'finance:write', 'finance:export', 'forecasting:configure', 'data:read', 'data:execute',
    'data:configure', 'admin:read', 'admin:write');
DELETE FROM permissions WHERE code IN ('dashboard:write', 'production:read',
    'production:execute', 'production:write', 'inventory:read', 'inventory:write', 'finance:read',
    'finance:write', 'finance:export', 'forecasting:configure', 'data:read', 'data:execute',
    'data:configure', 'admin:read', 'admin:write')
"#,
        )
        .await
    }
}
