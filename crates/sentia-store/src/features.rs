//! Feature flags, read on every use (so a change applies to the next request everywhere).

use sea_orm::ConnectionTrait;
use sentia_core::reference::Role;

use crate::forecasting::stmt;
use crate::{StoreError, StoreResult};

/// How a flag is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// For everyone.
    On,
    /// For no one.
    Off,
    /// Only for these roles.
    Roles(Vec<Role>),
}

/// A flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Stable key (`forecast_overrides`).
    pub key: String,
    /// What it switches.
    pub description: String,
    /// Its setting.
    pub mode: Mode,
}

impl Flag {
    /// Whether the flag is on for a role.
    pub fn on_for(&self, role: Role) -> bool {
        match &self.mode {
            Mode::On => true,
            Mode::Off => false,
            Mode::Roles(r) => r.contains(&role),
        }
    }
}

fn flag_of(r: &sea_orm::QueryResult) -> StoreResult<Flag> {
    let mode: String = r.try_get("", "mode")?;
    let roles: String = r.try_get("", "roles")?;
    let mode = match mode.as_str() {
        "on" => Mode::On,
        "off" => Mode::Off,
        _ => Mode::Roles(
            roles
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().map_err(StoreError::Invalid))
                .collect::<StoreResult<_>>()?,
        ),
    };
    Ok(Flag {
        key: r.try_get("", "key")?,
        description: r.try_get("", "description")?,
        mode,
    })
}

/// Every flag, by key.
pub async fn list<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Flag>> {
    let b = conn.get_database_backend();
    conn.query_all_raw(stmt(
        b,
        "SELECT key, description, mode, roles FROM feature_flags ORDER BY key",
        vec![],
    ))
    .await?
    .iter()
    .map(flag_of)
    .collect()
}

/// Whether flag `key` is on for `role`; an unknown flag is off.
pub async fn enabled<C: ConnectionTrait>(conn: &C, key: &str, role: Role) -> StoreResult<bool> {
    let b = conn.get_database_backend();
    let r = conn
        .query_one_raw(stmt(
            b,
            "SELECT key, description, mode, roles FROM feature_flags WHERE key = ?",
            vec![key.into()],
        ))
        .await?;
    Ok(match r {
        Some(r) => flag_of(&r)?.on_for(role),
        None => false,
    })
}

/// Sets a flag; returns it before and after. `NotFound` for an unknown key.
pub async fn set<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    mode: &Mode,
) -> StoreResult<(Flag, Flag)> {
    let before = list(conn)
        .await?
        .into_iter()
        .find(|f| f.key == key)
        .ok_or(StoreError::NotFound)?;
    let (m, roles) = match mode {
        Mode::On => ("on", String::new()),
        Mode::Off => ("off", String::new()),
        Mode::Roles(r) => (
            "roles",
            r.iter().map(|r| r.code()).collect::<Vec<_>>().join(","),
        ),
    };
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "UPDATE feature_flags SET mode = ?, roles = ? WHERE key = ?",
        vec![m.into(), roles.into(), key.into()],
    ))
    .await?;
    let after = Flag {
        mode: mode.clone(),
        ..before.clone()
    };
    Ok((before, after))
}
