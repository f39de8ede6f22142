//! Two-factor sign-in state: TOTP secrets, the last accepted time step, recovery codes
//! (hashes only) and the second-factor instant of each session.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::forecasting::stmt;
use crate::{StoreError, StoreResult};

/// A user's two-factor state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MfaState {
    /// The confirmed secret, sealed (see [`crate::secrets`]), when enabled.
    pub secret: Option<String>,
    /// A secret issued by an enrolment not yet confirmed, sealed.
    pub pending_secret: Option<String>,
    /// When it was enabled.
    pub enabled_at: Option<DateTime<Utc>>,
    /// The last TOTP time step accepted.
    pub last_step: Option<i64>,
    /// Recovery codes not used yet.
    pub recovery_left: i64,
}

/// Reads a user's state.
pub async fn state<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<MfaState> {
    let b = conn.get_database_backend();
    let r = conn
        .query_one_raw(stmt(
            b,
            "SELECT mfa_secret, mfa_pending_secret, mfa_enabled_at, mfa_last_step, \
             (SELECT COUNT(*) FROM mfa_recovery_codes c WHERE c.user_id = users.id AND c.used_at IS NULL) AS left_codes \
             FROM users WHERE id = ?",
            vec![user_id.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(MfaState {
        secret: r.try_get("", "mfa_secret")?,
        pending_secret: r.try_get("", "mfa_pending_secret")?,
        enabled_at: r.try_get("", "mfa_enabled_at")?,
        last_step: r.try_get("", "mfa_last_step")?,
        recovery_left: r.try_get("", "left_codes")?,
    })
}

/// Stores the secret of a new enrolment, replacing an unconfirmed one.
pub async fn set_pending<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    secret: &str,
) -> StoreResult<()> {
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "UPDATE users SET mfa_pending_secret = ? WHERE id = ?",
        vec![secret.into(), user_id.into()],
    ))
    .await?;
    Ok(())
}

/// Confirms the pending secret: enabled from `now`, `step` counted as used, and the
/// recovery codes (their hashes) replacing any earlier ones.
pub async fn enable<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    secret: &str,
    step: i64,
    now: DateTime<Utc>,
    recovery_hashes: &[String],
) -> StoreResult<()> {
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "UPDATE users SET mfa_secret = ?, mfa_pending_secret = NULL, mfa_enabled_at = ?, \
         mfa_last_step = ? WHERE id = ?",
        vec![
            secret.into(),
            crate::db_time(now).into(),
            step.into(),
            user_id.into(),
        ],
    ))
    .await?;
    conn.execute_raw(stmt(
        b,
        "DELETE FROM mfa_recovery_codes WHERE user_id = ?",
        vec![user_id.into()],
    ))
    .await?;
    for h in recovery_hashes {
        conn.execute_raw(stmt(
            b,
            "INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES (?, ?)",
            vec![user_id.into(), h.as_str().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Accepts time step `step` for the user only if it is later than every step accepted
/// before — atomically, so two requests racing with one code cannot both pass.
pub async fn claim_step<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    step: i64,
) -> StoreResult<bool> {
    let b = conn.get_database_backend();
    let r = conn
        .execute_raw(stmt(
            b,
            "UPDATE users SET mfa_last_step = ? WHERE id = ? \
             AND (mfa_last_step IS NULL OR mfa_last_step < ?)",
            vec![step.into(), user_id.into(), step.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Uses a recovery code (by hash) once; `false` when unknown or already used.
pub async fn use_recovery_code<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    code_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let b = conn.get_database_backend();
    let r = conn
        .execute_raw(stmt(
            b,
            "UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? \
             AND used_at IS NULL",
            vec![crate::db_time(now).into(), user_id.into(), code_hash.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Records a second-factor check on a session.
pub async fn mark_session<C: ConnectionTrait>(
    conn: &C,
    session_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "UPDATE sessions SET mfa_at = ? WHERE id = ?",
        vec![crate::db_time(now).into(), session_id.into()],
    ))
    .await?;
    Ok(())
}

/// Removes a user's second factor (secret, recovery codes) and ends their sessions.
pub async fn reset<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<()> {
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "UPDATE users SET mfa_secret = NULL, mfa_pending_secret = NULL, mfa_enabled_at = NULL, \
         mfa_last_step = NULL WHERE id = ?",
        vec![user_id.into()],
    ))
    .await?;
    conn.execute_raw(stmt(
        b,
        "DELETE FROM mfa_recovery_codes WHERE user_id = ?",
        vec![user_id.into()],
    ))
    .await?;
    conn.execute_raw(stmt(
        b,
        "DELETE FROM sessions WHERE user_id = ?",
        vec![user_id.into()],
    ))
    .await?;
    Ok(())
}

/// Seals TOTP secrets stored in clear by a version of Sentia from before secrets were
/// sealed, so none remains readable from a copy of the database; returns how many users
/// were changed. Safe to run at every start (sealed values are left alone).
pub async fn seal_stored_secrets<C: ConnectionTrait>(
    conn: &C,
    key: &crate::secrets::MasterKey,
) -> StoreResult<u64> {
    use crate::secrets::{MasterKey, SEALED_PREFIX};
    let b = conn.get_database_backend();
    let like = format!("{SEALED_PREFIX}%");
    let rows = conn
        .query_all_raw(stmt(
            b,
            "SELECT id, mfa_secret, mfa_pending_secret FROM users \
             WHERE (mfa_secret IS NOT NULL AND mfa_secret NOT LIKE ?) \
             OR (mfa_pending_secret IS NOT NULL AND mfa_pending_secret NOT LIKE ?)",
            vec![like.as_str().into(), like.as_str().into()],
        ))
        .await?;
    let seal = |v: Option<String>| {
        v.map(|s| {
            if MasterKey::is_sealed(&s) {
                s
            } else {
                key.seal(SECRET_PURPOSE, &s)
            }
        })
    };
    for r in &rows {
        let id: i64 = r.try_get("", "id")?;
        let secret = seal(r.try_get("", "mfa_secret")?);
        let pending = seal(r.try_get("", "mfa_pending_secret")?);
        conn.execute_raw(stmt(
            b,
            "UPDATE users SET mfa_secret = ?, mfa_pending_secret = ? WHERE id = ?",
            vec![secret.into(), pending.into(), id.into()],
        ))
        .await?;
    }
    Ok(rows.len() as u64)
}

/// The purpose TOTP secrets are sealed for (see [`crate::secrets`]).
pub const SECRET_PURPOSE: &str = "mfa-totp";
