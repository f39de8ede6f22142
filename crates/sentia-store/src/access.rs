//! The role → permission matrix, edited at run time. Every request reads its user's
//! permissions from here (in the same query that resolves the session), so a change applies
//! to the next request on every instance, with no restart and no cache to invalidate.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use sentia_core::reference::Role;

use crate::audit::AuditEntry;
use crate::forecasting::stmt;
use crate::{StoreError, StoreResult};

/// Permissions ADMIN always keeps, so an administrator can never lock every administrator
/// out of the matrix editor.
pub const ADMIN_KEEPS: &[&str] = &["admin:read", "admin:write"];

/// A permission of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// `resource:action`.
    pub code: String,
    /// What it allows.
    pub description: String,
}

/// The whole matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Every permission, by code.
    pub permissions: Vec<Permission>,
    /// Each role with the codes it holds, sorted; roles most powerful first.
    pub roles: Vec<(Role, Vec<String>)>,
}

impl Matrix {
    /// Whether `role` holds `code`.
    pub fn allows(&self, role: Role, code: &str) -> bool {
        self.roles
            .iter()
            .any(|(r, codes)| *r == role && codes.iter().any(|c| c == code))
    }
}

/// Reads the matrix.
#[tracing::instrument(skip_all)]
pub async fn matrix<C: ConnectionTrait>(conn: &C) -> StoreResult<Matrix> {
    let b = conn.get_database_backend();
    let perms = conn
        .query_all_raw(stmt(
            b,
            "SELECT code, description FROM permissions ORDER BY code",
            vec![],
        ))
        .await?
        .iter()
        .map(|r| {
            Ok(Permission {
                code: r.try_get("", "code")?,
                description: r.try_get("", "description")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut roles = Vec::new();
    for role in Role::ALL {
        roles.push((role, crate::users::permissions_of(conn, role).await?));
    }
    Ok(Matrix {
        permissions: perms,
        roles,
    })
}

/// What a matrix edit changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange {
    /// Codes held before.
    pub old: Vec<String>,
    /// Codes held now.
    pub new: Vec<String>,
}

/// Replaces the permissions of a role and audits the change (old and new lists) in one
/// transaction. Unknown codes are refused (naming them), and ADMIN keeps [`ADMIN_KEEPS`].
#[tracing::instrument(skip_all)]
pub async fn set_role_permissions<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    role: Role,
    codes: &[String],
    audit: AuditEntry,
    now: DateTime<Utc>,
) -> StoreResult<RoleChange> {
    let mut new: Vec<String> = codes.to_vec();
    new.sort();
    new.dedup();
    if role == Role::Admin
        && let Some(missing) = ADMIN_KEEPS.iter().find(|k| !new.iter().any(|c| c == *k))
    {
        return Err(StoreError::Invalid(format!(
            "ADMIN must keep {missing}, or no one could administer the matrix"
        )));
    }
    let txn = crate::begin_write(db).await?;
    let b = txn.get_database_backend();
    let known = matrix_codes(&txn).await?;
    let unknown: Vec<&str> = new
        .iter()
        .filter(|c| !known.contains(c))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(StoreError::Invalid(format!(
            "unknown permission {}",
            unknown.join(", ")
        )));
    }
    let old = crate::users::permissions_of(&txn, role).await?;
    if old == new {
        txn.commit().await?;
        return Ok(RoleChange { old, new });
    }
    txn.execute_raw(stmt(
        b,
        "DELETE FROM role_permissions WHERE role_code = ?",
        vec![role.code().into()],
    ))
    .await?;
    for code in &new {
        txn.execute_raw(stmt(
            b,
            "INSERT INTO role_permissions (role_code, permission_code) VALUES (?, ?)",
            vec![role.code().into(), code.as_str().into()],
        ))
        .await?;
    }
    let added: Vec<&String> = new.iter().filter(|c| !old.contains(c)).collect();
    let removed: Vec<&String> = old.iter().filter(|c| !new.contains(c)).collect();
    let mut entry = audit;
    entry.occurred_at = now;
    entry.details = serde_json::json!({
        "role": role.code(), "old": old, "new": new, "added": added, "removed": removed,
    });
    crate::audit::append(&txn, &entry).await?;
    txn.commit().await?;
    Ok(RoleChange { old, new })
}

async fn matrix_codes<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<String>> {
    let b = conn.get_database_backend();
    conn.query_all_raw(stmt(b, "SELECT code FROM permissions", vec![]))
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", "code").map_err(StoreError::from))
        .collect()
}
