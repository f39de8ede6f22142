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

/// Stores a session; returns its row id.
#[tracing::instrument(skip_all)]
pub async fn create_session<C: ConnectionTrait>(conn: &C, s: NewSession<'_>) -> StoreResult<i64> {
    let saved = session::ActiveModel {
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
    Ok(saved.id)
}

/// The active user of an unexpired session, by token hash, with the permissions of their
/// role — one round trip, since every API request asks.
#[tracing::instrument(skip_all)]
pub async fn session_principal<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<SessionPrincipal>> {
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
        .expr_as(
            Expr::col((s.clone(), Alias::new("id"))),
            Alias::new("session_id"),
        )
        .column((s.clone(), Alias::new("last_seen_at")))
        .column((s.clone(), Alias::new("mfa_at")))
        .column((u.clone(), Alias::new("mfa_enabled_at")))
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
        .and_where(Expr::col((s, Alias::new("expires_at"))).gt(crate::db_time(now)))
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
        erased_at: None,
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
    Ok(Some(SessionPrincipal {
        session_id: first.try_get("", "session_id")?,
        last_seen_at: first.try_get("", "last_seen_at")?,
        mfa_at: first.try_get("", "mfa_at")?,
        mfa_enabled: first
            .try_get::<Option<DateTime<Utc>>>("", "mfa_enabled_at")?
            .is_some(),
        user,
        permissions,
    }))
}

/// What a session token resolves to: the session's own bookkeeping and its signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPrincipal {
    /// Row id of the session.
    pub session_id: i64,
    /// Last time a request was seen on the session (updated at most about once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// Last second-factor check on this session, if any.
    pub mfa_at: Option<DateTime<Utc>>,
    /// Whether the user has two-factor sign-in enabled.
    pub mfa_enabled: bool,
    /// The active user.
    pub user: User,
    /// Permission codes of the user's role, sorted.
    pub permissions: Vec<String>,
}

/// Records activity on a session (the idle timeout counts from here).
#[tracing::instrument(skip_all)]
pub async fn touch_session<C: ConnectionTrait>(
    conn: &C,
    session_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::LastSeenAt,
            Expr::value(crate::db_time(now)),
        )
        .filter(session::Column::Id.eq(session_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends a session by row id.
#[tracing::instrument(skip_all)]
pub async fn delete_session_by_id<C: ConnectionTrait>(
    conn: &C,
    session_id: i64,
) -> StoreResult<()> {
    session::Entity::delete_by_id(session_id).exec(conn).await?;
    Ok(())
}

/// Enforces the live-session limit of a user: drops their sessions idle since before
/// `idle_cutoff`, then every session but the `keep` newest. Returns how many were removed.
#[tracing::instrument(skip_all)]
pub async fn prune_sessions<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    keep: u64,
    idle_cutoff: DateTime<Utc>,
) -> StoreResult<u64> {
    use sea_orm::{QueryOrder, QuerySelect};
    let idle = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::LastSeenAt.lt(crate::db_time(idle_cutoff)))
        .exec(conn)
        .await?
        .rows_affected;
    // Ids grow with insertion order, so they rank sessions by age even when two share a
    // creation instant.
    // A user holds a handful of sessions at most, so skipping in Rust is cheap (and avoids
    // OFFSET without LIMIT, which SQLite does not accept).
    let ids: Vec<i64> = session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::UserId.eq(user_id))
        .order_by_desc(session::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let surplus: Vec<i64> = ids
        .into_iter()
        .skip(usize::try_from(keep).unwrap_or(usize::MAX))
        .collect();
    if surplus.is_empty() {
        return Ok(idle);
    }
    let revoked = session::Entity::delete_many()
        .filter(session::Column::Id.is_in(surplus))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(idle + revoked)
}

/// Records a refused sign-in for `email` (already normalised) and purges every failure older
/// than `window_start`, which no lockout decision needs any more.
#[tracing::instrument(skip_all)]
pub async fn record_login_failure<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    now: DateTime<Utc>,
    ip: Option<String>,
    window_start: DateTime<Utc>,
) -> StoreResult<()> {
    let table = Alias::new("login_failures");
    let purge = Query::delete()
        .from_table(table.clone())
        .and_where(Expr::col(Alias::new("failed_at")).lt(crate::db_time(window_start)))
        .to_owned();
    conn.execute(&purge).await?;
    let insert = Query::insert()
        .into_table(table)
        .columns([
            Alias::new("email"),
            Alias::new("failed_at"),
            Alias::new("ip"),
        ])
        .values_panic([email.into(), crate::db_time(now).into(), ip.into()])
        .to_owned();
    conn.execute(&insert).await?;
    Ok(())
}

/// Instants of the failed sign-ins for `email` since `since`, newest first, at most `limit`.
#[tracing::instrument(skip_all)]
pub async fn recent_login_failures<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> StoreResult<Vec<DateTime<Utc>>> {
    let q = Query::select()
        .column(Alias::new("failed_at"))
        .from(Alias::new("login_failures"))
        .and_where(Expr::col(Alias::new("email")).eq(email))
        .and_where(Expr::col(Alias::new("failed_at")).gt(crate::db_time(since)))
        .order_by(Alias::new("failed_at"), Order::Desc)
        .limit(limit)
        .to_owned();
    let rows = conn.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            r.try_get::<DateTime<Utc>>("", "failed_at")
                .map_err(StoreError::from)
        })
        .collect()
}

/// Forgets the failed sign-ins of `email` (after a successful one).
#[tracing::instrument(skip_all)]
pub async fn clear_login_failures<C: ConnectionTrait>(conn: &C, email: &str) -> StoreResult<()> {
    let q = Query::delete()
        .from_table(Alias::new("login_failures"))
        .and_where(Expr::col(Alias::new("email")).eq(email))
        .to_owned();
    conn.execute(&q).await?;
    Ok(())
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
        .filter(session::Column::ExpiresAt.lte(crate::db_time(now)))
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

/// A user as the admin portal lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    /// The user.
    pub user: User,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// When their personal data was erased, if it was.
    pub erased_at: Option<DateTime<Utc>>,
    /// Live sessions.
    pub sessions: i64,
    /// Last request on any of their sessions.
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// Every user, by e-mail, with session counts.
#[tracing::instrument(skip_all)]
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> StoreResult<Vec<UserSummary>> {
    use sea_orm::QueryOrder;
    let users = user::Entity::find()
        .order_by_asc(user::Column::Email)
        .all(conn)
        .await?;
    let live = session::Entity::find()
        .filter(session::Column::ExpiresAt.gt(crate::db_time(now)))
        .all(conn)
        .await?;
    users
        .into_iter()
        .map(|u| {
            let mine = live.iter().filter(|s| s.user_id == u.id);
            let sessions = mine.clone().count() as i64;
            let last_seen_at = mine.map(|s| s.last_seen_at).max();
            let (created_at, erased_at) = (u.created_at, u.erased_at);
            Ok(UserSummary {
                user: User::try_from(u)?,
                created_at,
                erased_at,
                sessions,
                last_seen_at,
            })
        })
        .collect()
}

/// A user by id.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<User> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(User::try_from)
}

/// Creates a user; an e-mail already in use is a conflict.
#[tracing::instrument(skip_all)]
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    name: &str,
    role: Role,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<User> {
    let email = email.trim().to_lowercase();
    if find_by_email(conn, &email).await?.is_some() {
        return Err(StoreError::Conflict(format!(
            "a user with e-mail {email} exists"
        )));
    }
    let am = user::ActiveModel {
        email: Set(email),
        name: Set(name.trim().to_owned()),
        role_code: Set(role.code().to_owned()),
        password_hash: Set(password_hash.map(str::to_owned)),
        active: Set(true),
        created_at: Set(crate::db_time(now)),
        ..Default::default()
    };
    User::try_from(am.insert(conn).await?)
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

/// Applies an update; returns the user before and after. Deactivating a user or changing
/// their role ends their sessions, so the change holds from the next request.
#[tracing::instrument(skip_all)]
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    change: &UserUpdate,
) -> StoreResult<(User, User)> {
    let model = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if model.erased_at.is_some() {
        return Err(StoreError::Conflict("the user was erased".into()));
    }
    let before = User::try_from(model.clone())?;
    let mut am: user::ActiveModel = model.into();
    if let Some(n) = &change.name {
        am.name = Set(n.trim().to_owned());
    }
    if let Some(r) = change.role {
        am.role_code = Set(r.code().to_owned());
    }
    if let Some(a) = change.active {
        am.active = Set(a);
    }
    let after = User::try_from(am.update(conn).await?)?;
    if before.role != after.role || (before.active && !after.active) {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id))
            .exec(conn)
            .await?;
    }
    Ok((before, after))
}

/// Erases a user's personal data: e-mail and name are replaced, the password removed, the
/// account deactivated, their sessions and sign-in failures deleted, and the personal
/// context of their audit rows removed. The audit rows themselves (and so the chain) stay.
#[tracing::instrument(skip_all)]
pub async fn erase<C: ConnectionTrait>(conn: &C, id: i64, now: DateTime<Utc>) -> StoreResult<User> {
    let model = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let email = model.email.clone();
    crate::audit::erase_context_of(conn, id, &email).await?;
    crate::mfa::reset(conn, id).await?;
    clear_login_failures(conn, &email).await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(id))
        .exec(conn)
        .await?;
    let mut am: user::ActiveModel = model.into();
    am.email = Set(format!("erased-{id}@erased.invalid"));
    am.name = Set("Erased user".into());
    am.password_hash = Set(None);
    am.active = Set(false);
    am.erased_at = Set(Some(crate::db_time(now)));
    User::try_from(am.update(conn).await?)
}

/// A live session as listed to its owner or an admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Row id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Owner's e-mail.
    pub user_email: String,
    /// Start.
    pub created_at: DateTime<Utc>,
    /// Last request (to about a minute).
    pub last_seen_at: DateTime<Utc>,
    /// Hard end.
    pub expires_at: DateTime<Utc>,
    /// Client address at sign-in.
    pub ip: Option<String>,
    /// Client user agent at sign-in.
    pub user_agent: Option<String>,
}

/// Unexpired sessions, newest first; of one user, or of everyone.
#[tracing::instrument(skip_all)]
pub async fn list_sessions<C: ConnectionTrait>(
    conn: &C,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<SessionInfo>> {
    use sea_orm::QueryOrder;
    let mut q = session::Entity::find()
        .filter(session::Column::ExpiresAt.gt(crate::db_time(now)))
        .order_by_desc(session::Column::Id);
    if let Some(u) = user_id {
        q = q.filter(session::Column::UserId.eq(u));
    }
    let sessions = q.all(conn).await?;
    let emails: std::collections::HashMap<i64, String> = user::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    Ok(sessions
        .into_iter()
        .map(|s| SessionInfo {
            id: s.id,
            user_id: s.user_id,
            user_email: emails.get(&s.user_id).cloned().unwrap_or_default(),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            ip: s.ip,
            user_agent: s.user_agent,
        })
        .collect())
}

/// Ends a session by id, only if it belongs to `owner` when one is given. Returns the ended
/// session's owner, `NotFound` when there is no such session (for that owner).
#[tracing::instrument(skip_all)]
pub async fn revoke_session<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    owner: Option<i64>,
) -> StoreResult<i64> {
    let s = session::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|s| owner.is_none_or(|o| o == s.user_id))
        .ok_or(StoreError::NotFound)?;
    session::Entity::delete_by_id(id).exec(conn).await?;
    Ok(s.user_id)
}
