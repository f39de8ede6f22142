//! Users, roles, permissions and sessions.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sentia_core::reference::Role;

use crate::entity::{session, user};
use crate::{StoreError, StoreResult};

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login e-mail, lower case.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role, which carries the permissions.
    pub role: Role,
    /// Argon2id PHC string, `None` for accounts that sign in elsewhere.
    pub password_hash: Option<String>,
    /// Deactivated users cannot sign in.
    pub active: bool,
}

impl TryFrom<user::Model> for User {
    type Error = StoreError;
    fn try_from(u: user::Model) -> StoreResult<Self> {
        Ok(User {
            role: u.role_code.parse().map_err(StoreError::Invalid)?,
            id: u.id,
            email: u.email,
            name: u.name,
            password_hash: u.password_hash,
            active: u.active,
        })
    }
}

/// Finds a user by e-mail (case-insensitive: e-mails are stored lower case).
#[tracing::instrument(skip_all)]
pub async fn find_by_email<C: ConnectionTrait>(conn: &C, email: &str) -> StoreResult<Option<User>> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email.to_lowercase()))
        .one(conn)
        .await?
        .map(User::try_from)
        .transpose()
}

/// Creates a user, or updates name, role and password of the one with that e-mail.
#[tracing::instrument(skip_all)]
pub async fn upsert<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let email = email.to_lowercase();
    if let Some(existing) = find_by_email(conn, &email).await? {
        let mut am: user::ActiveModel = user::Entity::find_by_id(existing.id)
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound)?
            .into();
        am.name = Set(name.to_owned());
        am.role_code = Set(role.code().to_owned());
        am.password_hash = Set(Some(password_hash.to_owned()));
        am.active = Set(true);
        am.update(conn).await?;
        return Ok(existing.id);
    }
    let am = user::ActiveModel {
        email: Set(email),
        name: Set(name.to_owned()),
        role_code: Set(role.code().to_owned()),
        password_hash: Set(Some(password_hash.to_owned())),
        active: Set(true),
        created_at: Set(crate::db_time(now)),
        ..Default::default()
    };
    Ok(am.insert(conn).await?.id)
}

/// Number of users.
pub async fn count<C: ConnectionTrait>(conn: &C) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find().count(conn).await?)
}

/// The permission codes a role holds, sorted.
#[tracing::instrument(skip_all)]
pub async fn permissions_of<C: ConnectionTrait>(conn: &C, role: Role) -> StoreResult<Vec<String>> {
    let q = Query::select()
        .column(Alias::new("permission_code"))
        .from(Alias::new("role_permissions"))
        .and_where(Expr::col(Alias::new("role_code")).eq(role.code()))
        .order_by(Alias::new("permission_code"), Order::Asc)
        .to_owned();
    let rows = conn.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            r.try_get::<String>("", "permission_code")
                .map_err(StoreError::from)
        })
        .collect()
}

/// A new session to store.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// Owner.
    pub user_id: i64,
    /// SHA-256 of the cookie token, hex.
    pub token_hash: &'a str,
    /// Start.
    pub now: DateTime<Utc>,
    /// Hard end.
    pub expires_at: DateTime<Utc>,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

/// Stores a session.
#[tracing::instrument(skip_all)]
pub async fn create_session<C: ConnectionTrait>(conn: &C, s: NewSession<'_>) -> StoreResult<()> {
    session::ActiveModel {
        user_id: Set(s.user_id),
        token_hash: Set(s.token_hash.to_owned()),
        created_at: Set(crate::db_time(s.now)),
        last_seen_at: Set(crate::db_time(s.now)),
        expires_at: Set(crate::db_time(s.expires_at)),
        ip: Set(s.ip),
        user_agent: Set(s.user_agent),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The active user of an unexpired session, by token hash, with the permissions of their
/// role — one round trip, since every API request asks.
#[tracing::instrument(skip_all)]
pub async fn session_principal<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<(User, Vec<String>)>> {
    let (s, u, rp) = (Alias::new("s"), Alias::new("u"), Alias::new("rp"));
    let q = Query::select()
        .columns(
            [
                "id",
                "email",
                "name",
                "role_code",
                "password_hash",
                "active",
            ]
            .map(|c| (u.clone(), Alias::new(c))),
        )
        .column((rp.clone(), Alias::new("permission_code")))
        .from_as(Alias::new("sessions"), s.clone())
        .join_as(
            JoinType::InnerJoin,
            Alias::new("users"),
            u.clone(),
            Expr::col((u.clone(), Alias::new("id"))).equals((s.clone(), Alias::new("user_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("role_permissions"),
            rp.clone(),
            Expr::col((rp.clone(), Alias::new("role_code")))
                .equals((u.clone(), Alias::new("role_code"))),
        )
        .and_where(Expr::col((s.clone(), Alias::new("token_hash"))).eq(token_hash))
        .and_where(Expr::col((s, Alias::new("expires_at"))).gt(now))
        .and_where(Expr::col((u, Alias::new("active"))).eq(true))
        .to_owned();
    let rows = conn.query_all(&q).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let user = User::try_from(user::Model {
        id: first.try_get("", "id")?,
        email: first.try_get("", "email")?,
        name: first.try_get("", "name")?,
        role_code: first.try_get("", "role_code")?,
        password_hash: first.try_get("", "password_hash")?,
        active: first.try_get("", "active")?,
        created_at: now,
    })?;
    let mut permissions = rows
        .iter()
        .filter_map(|r| {
            r.try_get::<Option<String>>("", "permission_code")
                .ok()
                .flatten()
        })
        .collect::<Vec<_>>();
    permissions.sort();
    Ok(Some((user, permissions)))
}

/// Ends a session.
#[tracing::instrument(skip_all)]
pub async fn delete_session<C: ConnectionTrait>(conn: &C, token_hash: &str) -> StoreResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash))
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes sessions past their end.
pub async fn purge_expired_sessions<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let r = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}
