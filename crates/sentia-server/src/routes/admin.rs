//! The admin portal's API: the permission matrix, users (create, role, deactivate, GDPR
//! erasure and export), everyone's sessions, the audit trail (filter, search, CSV export,
//! verification) and system health. Every change is audited in the transaction that makes it.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use sentia_core::reference::Role as CoreRole;
use sentia_store::audit::{self, AuditFilter, AuditRow};
use sentia_store::users::{self, SessionInfo, UserSummary, UserUpdate};
use sentia_store::{StoreError, access};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, RequestMeta, password};
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json, Path, Query};
use crate::state::AppState;
use crate::views::Role;

fn core_role(r: Role) -> CoreRole {
    match r {
        Role::Admin => CoreRole::Admin,
        Role::Manager => CoreRole::Manager,
        Role::Operator => CoreRole::Operator,
        Role::Viewer => CoreRole::Viewer,
    }
}

/// A permission of the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PermissionView {
    /// `resource:action`.
    pub code: String,
    /// The resource part.
    pub resource: String,
    /// The action part.
    pub action: String,
    /// What it allows.
    pub description: String,
}

/// A role and the permissions it holds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RolePermissions {
    /// The role.
    pub role: Role,
    /// Permission codes held, sorted.
    pub permissions: Vec<String>,
}

/// The role → permission matrix.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PermissionMatrix {
    /// Every permission.
    pub permissions: Vec<PermissionView>,
    /// Every role, most powerful first.
    pub roles: Vec<RolePermissions>,
    /// Permissions ADMIN cannot lose.
    pub admin_keeps: Vec<String>,
}

/// The full set of permissions a role is to hold.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRolePermissions {
    /// Permission codes.
    pub permissions: Vec<String>,
}

fn matrix_view(m: access::Matrix) -> PermissionMatrix {
    PermissionMatrix {
        permissions: m
            .permissions
            .into_iter()
            .map(|p| {
                let (resource, action) = p.code.split_once(':').unwrap_or((&p.code, ""));
                PermissionView {
                    resource: resource.to_owned(),
                    action: action.to_owned(),
                    code: p.code.clone(),
                    description: p.description,
                }
            })
            .collect(),
        roles: m
            .roles
            .into_iter()
            .map(|(role, permissions)| RolePermissions {
                role: role.into(),
                permissions,
            })
            .collect(),
        admin_keeps: access::ADMIN_KEEPS
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    }
}

/// The role → permission matrix. A change applies to each user's next request.
#[utoipa::path(get, path = "/api/v1/admin/permissions", operation_id = "get_permission_matrix", tag = "admin",
    responses((status = 200, body = PermissionMatrix), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_permission_matrix(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<PermissionMatrix>> {
    Ok(Json(matrix_view(access::matrix(&state.db).await?)))
}

/// Replaces the permissions of a role (audited with the old and new lists). Unknown codes
/// are refused by name; ADMIN keeps `admin:read` and `admin:write`.
#[utoipa::path(put, path = "/api/v1/admin/roles/{role}/permissions", operation_id = "set_role_permissions", tag = "admin",
    params(("role" = Role, Path, description = "Role")),
    request_body = SetRolePermissions,
    responses((status = 200, body = RolePermissions), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn set_role_permissions(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(role): Path<Role>,
    Json(body): Json<SetRolePermissions>,
) -> ApiResult<Json<RolePermissions>> {
    let role = core_role(role);
    let t = state.now();
    let entry = meta.entry(
        t,
        Some(user.user.id),
        "role.permissions_update",
        "role",
        Some(role.code().to_owned()),
    );
    let change = access::set_role_permissions(&state.db, role, &body.permissions, entry, t)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(why) => ApiError::unprocessable("permissions", why),
            other => other.into(),
        })?;
    Ok(Json(RolePermissions {
        role: role.into(),
        permissions: change.new,
    }))
}

/// A user as the admin portal shows them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AdminUser {
    /// User id.
    pub id: i64,
    /// E-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Whether they can sign in.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// When their personal data was erased.
    pub erased_at: Option<DateTime<Utc>>,
    /// Live sessions.
    pub sessions: i64,
    /// Last request on any session.
    pub last_seen_at: Option<DateTime<Utc>>,
}

fn user_view(u: UserSummary) -> AdminUser {
    AdminUser {
        id: u.user.id,
        email: u.user.email,
        name: u.user.name,
        role: u.user.role.into(),
        active: u.user.active,
        created_at: u.created_at,
        erased_at: u.erased_at,
        sessions: u.sessions,
        last_seen_at: u.last_seen_at,
    }
}

/// Every user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    /// By e-mail.
    pub users: Vec<AdminUser>,
}

async fn summary_of(state: &AppState, id: i64) -> ApiResult<AdminUser> {
    users::list(&state.db, state.now())
        .await?
        .into_iter()
        .find(|u| u.user.id == id)
        .map(user_view)
        .ok_or(ApiError::NotFound)
}

/// Every user with their session count.
#[utoipa::path(get, path = "/api/v1/admin/users", operation_id = "list_users", tag = "admin",
    responses((status = 200, body = UserList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_users(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<UserList>> {
    let list = users::list(&state.db, state.now()).await?;
    Ok(Json(UserList {
        users: list.into_iter().map(user_view).collect(),
    }))
}

/// A user to create.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// E-mail (their sign-in).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Initial password: at least 14 characters for ADMIN, 12 MANAGER, 10 OPERATOR,
    /// 8 VIEWER, and not guessable (strength 3 of 4 or better).
    pub password: String,
}

/// The shortest password a role may have.
pub fn min_password_length(role: CoreRole) -> usize {
    match role {
        CoreRole::Admin => 14,
        CoreRole::Manager => 12,
        CoreRole::Operator => 10,
        CoreRole::Viewer => 8,
    }
}

/// Checks a password against the role's policy; the reason names what is wrong.
pub fn check_password(
    password: &str,
    role: CoreRole,
    email: &str,
    name: &str,
) -> Result<(), String> {
    let min = min_password_length(role);
    let len = password.chars().count();
    if len < min {
        return Err(format!(
            "must be at least {min} characters for {} (has {len})",
            role.code()
        ));
    }
    if len > 256 {
        return Err("must be at most 256 characters".into());
    }
    let entropy = zxcvbn::zxcvbn(password, &[email, name]);
    if (entropy.score() as u8) < 3 {
        let hint = entropy
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "add more unpredictable words or characters".into());
        return Err(format!("is too easy to guess: {hint}"));
    }
    Ok(())
}

fn valid_email(e: &str) -> bool {
    let e = e.trim();
    e.len() <= 320
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !e.chars().any(char::is_whitespace)
}

/// Creates a user who signs in with the given password.
#[utoipa::path(post, path = "/api/v1/admin/users", operation_id = "create_user", tag = "admin",
    request_body = CreateUser,
    responses((status = 201, body = AdminUser), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn create_user(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(body): Json<CreateUser>,
) -> ApiResult<impl IntoResponse> {
    let role = core_role(body.role);
    if !valid_email(&body.email) {
        return Err(ApiError::unprocessable("email", "is not an e-mail address"));
    }
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::unprocessable(
            "name",
            "must be 1 to 200 characters",
        ));
    }
    check_password(&body.password, role, &body.email, name)
        .map_err(|why| ApiError::unprocessable("password", why))?;
    let pw = body.password.clone();
    let phc = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.into()))??;
    let t = state.now();
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(StoreError::from)?;
    let created = users::create(&txn, &body.email, name, role, Some(&phc), t).await?;
    audit::append(
        &txn,
        &meta
            .entry(
                t,
                Some(user.user.id),
                "user.create",
                "user",
                Some(created.id.to_string()),
            )
            .details(serde_json::json!({ "role": role.code(), "active": true })),
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok((
        StatusCode::CREATED,
        Json(summary_of(&state, created.id).await?),
    ))
}

/// Changes to a user; omitted fields stay.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

/// Changes a user's name, role or active flag (audited with old and new values). A role
/// change or deactivation ends their sessions. Admins cannot demote or deactivate
/// themselves.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", operation_id = "update_user", tag = "admin",
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUser,
    responses((status = 200, body = AdminUser), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn update_user(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Json(body): Json<UpdateUser>,
) -> ApiResult<Json<AdminUser>> {
    if id == user.user.id
        && (body.active == Some(false) || body.role.is_some_and(|r| core_role(r) != user.user.role))
    {
        return Err(ApiError::unprocessable(
            "id",
            "you cannot deactivate yourself or change your own role",
        ));
    }
    if let Some(n) = &body.name
        && (n.trim().is_empty() || n.trim().chars().count() > 200)
    {
        return Err(ApiError::unprocessable(
            "name",
            "must be 1 to 200 characters",
        ));
    }
    let change = UserUpdate {
        name: body.name.clone(),
        role: body.role.map(core_role),
        active: body.active,
    };
    let t = state.now();
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(StoreError::from)?;
    let (before, after) = users::update(&txn, id, &change).await?;
    let mut details = serde_json::Map::new();
    if before.role != after.role {
        details.insert(
            "role".into(),
            serde_json::json!({ "old": before.role.code(), "new": after.role.code() }),
        );
    }
    if before.active != after.active {
        details.insert(
            "active".into(),
            serde_json::json!({ "old": before.active, "new": after.active }),
        );
    }
    if before.name != after.name {
        // Names are personal data: the chain records that it changed, not what to.
        details.insert("name".into(), serde_json::json!("changed"));
    }
    if !details.is_empty() {
        audit::append(
            &txn,
            &meta
                .entry(
                    t,
                    Some(user.user.id),
                    "user.update",
                    "user",
                    Some(id.to_string()),
                )
                .details(serde_json::Value::Object(details)),
        )
        .await?;
    }
    txn.commit().await.map_err(StoreError::from)?;
    Ok(Json(summary_of(&state, id).await?))
}

/// Erases a user's personal data (GDPR): e-mail and name replaced, password removed,
/// account deactivated, sessions ended, and the addresses and user agents of their audit
/// rows deleted. The audit rows stay, so the chain still verifies.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/erase", operation_id = "erase_user", tag = "admin",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = AdminUser), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn erase_user(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<Json<AdminUser>> {
    if id == user.user.id {
        return Err(ApiError::unprocessable("id", "you cannot erase yourself"));
    }
    let t = state.now();
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(StoreError::from)?;
    users::erase(&txn, id, t).await?;
    let mut entry = meta.entry(
        t,
        Some(user.user.id),
        "user.erase",
        "user",
        Some(id.to_string()),
    );
    // The admin's own address is not erased, but keep the row free of the erased person.
    entry.context.subject = None;
    audit::append(&txn, &entry).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(Json(summary_of(&state, id).await?))
}

/// A live session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    /// Session id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Owner's e-mail.
    pub user_email: String,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Last request (to about a minute).
    pub last_seen_at: DateTime<Utc>,
    /// Hard end.
    pub expires_at: DateTime<Utc>,
    /// Address at sign-in.
    pub ip: Option<String>,
    /// User agent at sign-in.
    pub user_agent: Option<String>,
    /// Whether it is the session making this request.
    pub current: bool,
}

/// Live sessions, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    /// The sessions.
    pub sessions: Vec<SessionView>,
}

/// A session as listed to `viewer_session`'s user.
pub fn session_view(s: SessionInfo, viewer_session: i64) -> SessionView {
    SessionView {
        current: s.id == viewer_session,
        id: s.id,
        user_id: s.user_id,
        user_email: s.user_email,
        created_at: s.created_at,
        last_seen_at: s.last_seen_at,
        expires_at: s.expires_at,
        ip: s.ip,
        user_agent: s.user_agent,
    }
}

/// Everyone's live sessions.
#[utoipa::path(get, path = "/api/v1/admin/sessions", operation_id = "list_sessions", tag = "admin",
    responses((status = 200, body = SessionList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_sessions(
    user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<SessionList>> {
    let list = users::list_sessions(&state.db, None, state.now()).await?;
    Ok(Json(SessionList {
        sessions: list
            .into_iter()
            .map(|s| session_view(s, user.session_id))
            .collect(),
    }))
}

/// Ends anyone's session.
#[utoipa::path(delete, path = "/api/v1/admin/sessions/{id}", operation_id = "revoke_session", tag = "admin",
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 204, description = "Ended"), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn revoke_session(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    revoke(&state, &user, &meta, id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends session `id` (of `owner` only, when given) and audits it, in one transaction.
pub(crate) async fn revoke(
    state: &AppState,
    user: &CurrentUser,
    meta: &RequestMeta,
    id: i64,
    owner: Option<i64>,
) -> ApiResult<()> {
    let t = state.now();
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(StoreError::from)?;
    let of = users::revoke_session(&txn, id, owner).await?;
    audit::append(
        &txn,
        &meta
            .entry(
                t,
                Some(user.user.id),
                "session.revoke",
                "session",
                Some(id.to_string()),
            )
            .details(serde_json::json!({ "session_user_id": of })),
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Filters of the audit trail.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An action (`auth.login`), or a family ending in a dot (`auth.`).
    pub action: Option<String>,
    /// An entity kind (`user`, `role`, `session`, `forecast_override`).
    pub entity: Option<String>,
    /// Only actions by this user id.
    pub user_id: Option<i64>,
    /// Free text in action, entity, entity id, details or the actor's e-mail.
    pub q: Option<String>,
    /// Only rows older than this id (the `next_before_id` of the previous page).
    pub before_id: Option<i64>,
    /// Rows per page, 1–500 (default 100); the CSV export takes up to 10 000.
    pub limit: Option<u64>,
}

impl AuditQuery {
    fn filter(&self, max: u64) -> ApiResult<AuditFilter> {
        let limit = self.limit.unwrap_or(100);
        if limit == 0 || limit > max {
            return Err(ApiError::field("limit", format!("must be 1 to {max}")));
        }
        for (field, v) in [
            ("action", &self.action),
            ("entity", &self.entity),
            ("q", &self.q),
        ] {
            if v.as_ref().is_some_and(|s| s.chars().count() > 200) {
                return Err(ApiError::field(field, "must be at most 200 characters"));
            }
        }
        Ok(AuditFilter {
            action: self.action.clone().filter(|s| !s.is_empty()),
            entity: self.entity.clone().filter(|s| !s.is_empty()),
            user_id: self.user_id,
            search: self.q.clone().filter(|s| !s.trim().is_empty()),
            before_id: self.before_id,
            limit,
        })
    }
}

/// One audit row.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// Row id (the chain's order).
    pub id: i64,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Acting user id.
    pub user_id: Option<i64>,
    /// Acting user's e-mail (as it is now).
    pub user_email: Option<String>,
    /// Action.
    pub action: String,
    /// Entity kind.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Old and new values, and other facts.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Client address (deleted by an erasure).
    pub ip: Option<String>,
    /// Client user agent (deleted by an erasure).
    pub user_agent: Option<String>,
    /// E-mail a refused sign-in was for (deleted by an erasure).
    pub subject: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// The row's chain hash.
    pub hash: String,
}

fn audit_view(r: AuditRow) -> AuditEntryView {
    AuditEntryView {
        id: r.id,
        occurred_at: r.entry.occurred_at,
        user_id: r.entry.user_id,
        user_email: r.user_email,
        action: r.entry.action,
        entity: r.entry.entity,
        entity_id: r.entry.entity_id,
        details: r.entry.details,
        ip: r.entry.context.ip,
        user_agent: r.entry.context.user_agent,
        subject: r.entry.context.subject,
        request_id: r.entry.request_id,
        hash: r.hash,
    }
}

/// A page of the audit trail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditList {
    /// Newest first.
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before_id` for the next (older) page; `None` on the last page.
    pub next_before_id: Option<i64>,
}

/// The audit trail, newest first, filtered and searched.
#[utoipa::path(get, path = "/api/v1/admin/audit", operation_id = "list_audit", tag = "admin",
    params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_audit(
    _user: CurrentUser,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    let f = q.filter(500)?;
    let rows = audit::list(&state.db, &f).await?;
    let next_before_id = (rows.len() as u64 == f.limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(Json(AuditList {
        entries: rows.into_iter().map(audit_view).collect(),
        next_before_id,
    }))
}

/// The filtered audit trail as CSV (up to 10 000 rows, newest first). The export itself is
/// audited.
#[utoipa::path(get, path = "/api/v1/admin/audit/export", operation_id = "export_audit", tag = "admin",
    params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn export_audit(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Query(q): Query<AuditQuery>,
) -> ApiResult<impl IntoResponse> {
    let mut q = q;
    q.limit = Some(q.limit.unwrap_or(10_000));
    let f = q.filter(10_000)?;
    let rows = audit::list(&state.db, &f).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| ApiError::Internal(e.into());
    w.write_record([
        "id",
        "occurred_at",
        "user_id",
        "user_email",
        "action",
        "entity",
        "entity_id",
        "details",
        "ip",
        "user_agent",
        "subject",
        "request_id",
        "hash",
    ])
    .map_err(csv_err)?;
    let n = rows.len();
    for r in rows.into_iter().map(audit_view) {
        w.write_record([
            r.id.to_string(),
            r.occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            r.user_id.map(|u| u.to_string()).unwrap_or_default(),
            r.user_email.unwrap_or_default(),
            r.action,
            r.entity,
            r.entity_id.unwrap_or_default(),
            r.details.to_string(),
            r.ip.unwrap_or_default(),
            r.user_agent.unwrap_or_default(),
            r.subject.unwrap_or_default(),
            r.request_id.unwrap_or_default(),
            r.hash,
        ])
        .map_err(csv_err)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
    audit::record(
        &state.db,
        &meta
            .entry(
                state.now(),
                Some(user.user.id),
                "audit.export",
                "audit_log",
                None,
            )
            .details(serde_json::json!({
                "rows": n, "action": f.action, "entity": f.entity, "user_id": f.user_id,
                "q": f.search,
            })),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"sentia-audit.csv\"",
            ),
        ],
        body,
    ))
}

/// The outcome of verifying the chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditVerification {
    /// Whether every row verifies.
    pub valid: bool,
    /// Rows read (up to and including the first broken one).
    pub rows: u64,
    /// Id of the first broken row.
    pub first_broken_id: Option<i64>,
    /// What is wrong with it, or that the chain is whole.
    pub message: String,
}

/// Walks the whole audit chain and names the first broken row.
#[utoipa::path(get, path = "/api/v1/admin/audit/verify", operation_id = "verify_audit", tag = "admin",
    responses((status = 200, body = AuditVerification), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn verify_audit(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<AuditVerification>> {
    Ok(Json(verification_view(audit::verify(&state.db).await?)))
}

/// The API view of a verification.
pub fn verification_view(v: audit::Verification) -> AuditVerification {
    match v.first_broken {
        None => AuditVerification {
            valid: true,
            rows: v.rows,
            first_broken_id: None,
            message: format!("all {} audit rows verify", v.rows),
        },
        Some(b) => AuditVerification {
            valid: false,
            rows: v.rows,
            first_broken_id: Some(b.id),
            message: b.to_string(),
        },
    }
}

/// Everything Sentia holds about a user (GDPR export).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The account.
    pub user: AdminUser,
    /// Their live sessions.
    pub sessions: Vec<SessionView>,
    /// Audit rows by them, with their personal context.
    pub audit: Vec<AuditEntryView>,
    /// Forecast overrides they made.
    pub forecast_overrides: Vec<ExportedOverride>,
}

/// A forecast override in a user's export.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExportedOverride {
    /// Id.
    pub id: i64,
    /// SKU.
    pub sku: String,
    /// Channel.
    pub channel: String,
    /// Week.
    pub period_start: chrono::NaiveDate,
    /// Units.
    pub value: f64,
    /// Reason.
    pub reason: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Everything held about one user, as JSON (audited).
#[utoipa::path(get, path = "/api/v1/admin/users/{id}/export", operation_id = "export_user", tag = "admin",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserExport), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn export_user(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    let t = state.now();
    let account = summary_of(&state, id).await?;
    let sessions = users::list_sessions(&state.db, Some(id), t)
        .await?
        .into_iter()
        .map(|s| session_view(s, -1))
        .collect();
    let audit_rows = audit::list(
        &state.db,
        &AuditFilter {
            user_id: Some(id),
            limit: 10_000,
            ..AuditFilter::default()
        },
    )
    .await?
    .into_iter()
    .map(audit_view)
    .collect();
    let forecast_overrides = sentia_store::forecasting::overrides_by_user(&state.db, id)
        .await?
        .into_iter()
        .map(|o| ExportedOverride {
            id: o.id,
            sku: o.sku,
            channel: o.channel,
            period_start: o.period_start,
            value: o.value,
            reason: o.reason,
            created_at: o.created_at,
        })
        .collect();
    audit::record(
        &state.db,
        &meta.entry(
            t,
            Some(user.user.id),
            "user.export",
            "user",
            Some(id.to_string()),
        ),
    )
    .await?;
    let export = UserExport {
        exported_at: t,
        user: account,
        sessions,
        audit: audit_rows,
        forecast_overrides,
    };
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"sentia-user-{id}.json\""),
        )],
        Json(export),
    ))
}

/// The database as health reports it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DatabaseHealth {
    /// `ok` or `unreachable`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Round trip of a trivial query, milliseconds.
    pub latency_ms: f64,
}

/// Background jobs as health reports them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobHealth {
    /// Forecast runs in progress.
    pub running: i64,
    /// State of the latest forecast run.
    pub last_state: Option<String>,
    /// When it ended.
    pub last_finished_at: Option<DateTime<Utc>>,
    /// Its error, if it failed.
    pub last_error: Option<String>,
}

/// System health for the admin portal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SystemHealth {
    /// Server version.
    pub version: String,
    /// Seconds since this instance started.
    pub uptime_s: u64,
    /// The database.
    pub database: DatabaseHealth,
    /// Forecast runs.
    pub jobs: JobHealth,
    /// The job queue (syncs, imports, housekeeping).
    pub queue: super::jobs::JobCountsView,
    /// Users, and how many may sign in.
    pub users: i64,
    /// Active users.
    pub active_users: i64,
    /// Live sessions.
    pub live_sessions: i64,
    /// Audit rows.
    pub audit_rows: i64,
}

/// Database, job and account health of this instance.
#[utoipa::path(get, path = "/api/v1/admin/health", operation_id = "get_system_health", tag = "admin",
    responses((status = 200, body = SystemHealth), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_system_health(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<SystemHealth>> {
    let t0 = std::time::Instant::now();
    let reachable = sentia_store::ping(&state.db).await.is_ok();
    let latency_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let backend = match state.db.get_database_backend() {
        sentia_store::Backend::Postgres => "postgres",
        _ => "sqlite",
    };
    let t = state.now();
    let runs = sentia_store::forecasting::list_runs(&state.db, 20).await?;
    let last = runs.first();
    let all = users::list(&state.db, t).await?;
    let audit_rows = audit_count(&state).await?;
    Ok(Json(SystemHealth {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_s: state.started.elapsed().as_secs(),
        database: DatabaseHealth {
            status: if reachable { "ok" } else { "unreachable" }.into(),
            backend: backend.into(),
            latency_ms,
        },
        jobs: JobHealth {
            running: runs.iter().filter(|r| r.state == "running").count() as i64,
            last_state: last.map(|r| r.state.clone()),
            last_finished_at: last.and_then(|r| r.finished_at),
            last_error: last.and_then(|r| r.error.clone()),
        },
        queue: super::jobs::counts(&state).await?,
        users: all.len() as i64,
        active_users: all.iter().filter(|u| u.user.active).count() as i64,
        live_sessions: all.iter().map(|u| u.sessions).sum(),
        audit_rows,
    }))
}

async fn audit_count(state: &AppState) -> ApiResult<i64> {
    use sea_orm::{ConnectionTrait, Statement};
    let row = state
        .db
        .query_one_raw(Statement::from_string(
            state.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_log",
        ))
        .await
        .map_err(StoreError::from)?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("count returned no row")))?;
    Ok(row.try_get::<i64>("", "n").map_err(StoreError::from)?)
}

/// Removes a user's two-factor sign-in (a lost phone): secret and recovery codes deleted,
/// sessions ended; they set it up again at their next sign-in.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reset-mfa", operation_id = "reset_mfa", tag = "admin",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = AdminUser), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn reset_mfa(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<Json<AdminUser>> {
    let t = state.now();
    users::get(&state.db, id).await?;
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(StoreError::from)?;
    sentia_store::mfa::reset(&txn, id).await?;
    audit::append(
        &txn,
        &meta.entry(
            t,
            Some(user.user.id),
            "mfa.reset",
            "user",
            Some(id.to_string()),
        ),
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(Json(summary_of(&state, id).await?))
}

/// Everyone's API tokens.
#[utoipa::path(get, path = "/api/v1/admin/tokens", operation_id = "list_tokens", tag = "admin",
    responses((status = 200, body = super::me::ApiTokenList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_tokens(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<super::me::ApiTokenList>> {
    let list = sentia_store::api_tokens::list(&state.db, None).await?;
    Ok(Json(super::me::ApiTokenList {
        tokens: list.into_iter().map(super::me::token_view).collect(),
    }))
}

/// Revokes anyone's API token.
#[utoipa::path(delete, path = "/api/v1/admin/tokens/{id}", operation_id = "revoke_token", tag = "admin",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn revoke_token(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    super::me::revoke_token(&state, &user, &meta, id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A feature flag's setting.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeatureFlag {
    /// Key.
    pub key: String,
    /// What it switches.
    pub description: String,
    /// `on`, `off`, or `roles` (on only for `roles`).
    pub mode: String,
    /// Roles it is on for when `mode` is `roles`.
    pub roles: Vec<Role>,
}

/// Every feature flag.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeatureFlagList {
    /// By key.
    pub flags: Vec<FeatureFlag>,
}

/// A new setting for a flag.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetFeatureFlag {
    /// `on`, `off` or `roles`.
    pub mode: String,
    /// With `roles`: the roles it is on for.
    #[serde(default)]
    pub roles: Vec<Role>,
}

fn flag_view(f: sentia_store::features::Flag) -> FeatureFlag {
    use sentia_store::features::Mode;
    let (mode, roles) = match f.mode {
        Mode::On => ("on", vec![]),
        Mode::Off => ("off", vec![]),
        Mode::Roles(r) => ("roles", r.into_iter().map(Role::from).collect()),
    };
    FeatureFlag {
        key: f.key,
        description: f.description,
        mode: mode.into(),
        roles,
    }
}

/// Every feature flag and its setting.
#[utoipa::path(get, path = "/api/v1/admin/features", operation_id = "list_feature_flags", tag = "admin",
    responses((status = 200, body = FeatureFlagList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_feature_flags(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<FeatureFlagList>> {
    let flags = sentia_store::features::list(&state.db).await?;
    Ok(Json(FeatureFlagList {
        flags: flags.into_iter().map(flag_view).collect(),
    }))
}

/// Switches a feature on, off, or on for some roles (audited); applies to the next request.
#[utoipa::path(put, path = "/api/v1/admin/features/{key}", operation_id = "set_feature_flag", tag = "admin",
    params(("key" = String, Path, description = "Flag key")),
    request_body = SetFeatureFlag,
    responses((status = 200, body = FeatureFlag), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn set_feature_flag(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(key): Path<String>,
    Json(body): Json<SetFeatureFlag>,
) -> ApiResult<Json<FeatureFlag>> {
    use sentia_store::features::Mode;
    let mode = match body.mode.as_str() {
        "on" | "off" if !body.roles.is_empty() => {
            return Err(ApiError::unprocessable("roles", "only with mode 'roles'"));
        }
        "on" => Mode::On,
        "off" => Mode::Off,
        "roles" => Mode::Roles(body.roles.iter().map(|r| core_role(*r)).collect()),
        _ => return Err(ApiError::unprocessable("mode", "must be on, off or roles")),
    };
    let t = state.now();
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(StoreError::from)?;
    let (before, after) = sentia_store::features::set(&txn, &key, &mode).await?;
    let (b, a) = (flag_view(before), flag_view(after));
    audit::append(
        &txn,
        &meta
            .entry(
                t,
                Some(user.user.id),
                "feature_flag.update",
                "feature_flag",
                Some(key.clone()),
            )
            .details(serde_json::json!({
                "old": { "mode": b.mode, "roles": b.roles },
                "new": { "mode": a.mode, "roles": a.roles },
            })),
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(Json(a))
}
