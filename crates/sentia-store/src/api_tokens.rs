//! API tokens: a machine signs in with `Authorization: Bearer …`; the token is stored only
//! as its SHA-256, carries scopes (permission codes), an end, and can be revoked.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};

use crate::forecasting::stmt;
use crate::users::User;
use crate::{StoreError, StoreResult};

/// A stored token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Row id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Owner's e-mail.
    pub user_email: String,
    /// What it is for.
    pub name: String,
    /// Permission codes it may use (and the owner's role must still hold).
    pub scopes: Vec<String>,
    /// Made.
    pub created_at: DateTime<Utc>,
    /// Ends.
    pub expires_at: DateTime<Utc>,
    /// Last used (to about a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn token_of(r: &QueryResult) -> StoreResult<ApiToken> {
    let scopes: String = r.try_get("", "scopes")?;
    Ok(ApiToken {
        id: r.try_get("", "id")?,
        user_id: r.try_get("", "user_id")?,
        user_email: r.try_get("", "email")?,
        name: r.try_get("", "name")?,
        scopes: scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: r.try_get("", "created_at")?,
        expires_at: r.try_get("", "expires_at")?,
        last_used_at: r.try_get("", "last_used_at")?,
        revoked_at: r.try_get("", "revoked_at")?,
    })
}

const SELECT: &str = "SELECT t.id, t.user_id, u.email, t.name, t.scopes, t.created_at, t.expires_at, \
     t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// Stores a new token.
#[allow(clippy::too_many_arguments)]
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    name: &str,
    token_hash: &str,
    scopes: &[String],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<ApiToken> {
    let b = conn.get_database_backend();
    let r = conn
        .query_one_raw(stmt(
            b,
            "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            vec![
                user_id.into(),
                name.into(),
                token_hash.into(),
                scopes.join(",").into(),
                crate::db_time(now).into(),
                crate::db_time(expires_at).into(),
            ],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let id: i64 = r.try_get("", "id")?;
    get(conn, id).await
}

/// A token by id.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<ApiToken> {
    let b = conn.get_database_backend();
    let r = conn
        .query_one_raw(stmt(
            b,
            &format!("{SELECT} WHERE t.id = ?"),
            vec![id.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    token_of(&r)
}

/// Tokens of a user (or everyone's), newest first.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    user_id: Option<i64>,
) -> StoreResult<Vec<ApiToken>> {
    let b = conn.get_database_backend();
    let rows = match user_id {
        Some(u) => {
            conn.query_all_raw(stmt(
                b,
                &format!("{SELECT} WHERE t.user_id = ? ORDER BY t.id DESC"),
                vec![u.into()],
            ))
            .await?
        }
        None => {
            conn.query_all_raw(stmt(b, &format!("{SELECT} ORDER BY t.id DESC"), vec![]))
                .await?
        }
    };
    rows.iter().map(token_of).collect()
}

/// Revokes a token (of `owner` only, when given); `NotFound` otherwise.
pub async fn revoke<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    owner: Option<i64>,
    now: DateTime<Utc>,
) -> StoreResult<ApiToken> {
    let t = get(conn, id).await?;
    if owner.is_some_and(|o| o != t.user_id) {
        return Err(StoreError::NotFound);
    }
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        vec![crate::db_time(now).into(), id.into()],
    ))
    .await?;
    get(conn, id).await
}

/// The live token with this hash and its active owner: not revoked, not past its end.
pub async fn resolve<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<(ApiToken, User)>> {
    let b = conn.get_database_backend();
    let Some(r) = conn
        .query_one_raw(stmt(
            b,
            &format!(
                "{SELECT} WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?"
            ),
            vec![token_hash.into(), crate::db_time(now).into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let token = token_of(&r)?;
    let user = crate::users::get(conn, token.user_id).await?;
    Ok(user.active.then_some((token, user)))
}

/// Records a use.
pub async fn touch<C: ConnectionTrait>(conn: &C, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
        vec![crate::db_time(now).into(), id.into()],
    ))
    .await?;
    Ok(())
}
