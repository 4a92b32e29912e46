//! Staff accounts (admin only) and the audit log (admin only).

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use cuocthi_store::entities::{audit, staff_session, staff_user};
use cuocthi_store::staff::{authenticate, hash_password, password_problem, AuditEntry, Role};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::{ApiError, AppContext};

use super::service;

type Ctx = web::Data<AppContext>;

/// A staff account as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDto {
    /// Username.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Unit of a unit manager.
    pub unit_code: Option<String>,
    /// Whether it may sign in.
    pub active: bool,
    /// Created.
    pub created_at: String,
}

impl From<staff_user::Model> for StaffDto {
    fn from(u: staff_user::Model) -> Self {
        Self {
            role: Role::parse(&u.role).unwrap_or(Role::UnitManager),
            username: u.username,
            unit_code: u.unit_code,
            active: u.active,
            created_at: rfc3339_ms(u.created_at),
        }
    }
}

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaff {
    /// 3–64 letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Required for unit managers, refused for others.
    pub unit_code: Option<String>,
    /// At least 10 characters, not only digits.
    pub password: String,
}

/// Changes to a staff account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffChange {
    /// New role.
    pub role: Option<Role>,
    /// New unit (unit managers).
    pub unit_code: Option<String>,
    /// Enable or disable sign-in; disabling ends its sessions.
    pub active: Option<bool>,
    /// A new password (sessions end).
    pub password: Option<String>,
}

/// Lists staff accounts.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "staff",
    responses(
        (status = 200, description = "Accounts", body = Vec<StaffDto>),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Not an admin", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/staff")]
pub async fn list_staff(req: HttpRequest, ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin])?;
    let users: Vec<StaffDto> = staff_user::Entity::find()
        .order_by_asc(staff_user::Column::Username)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(StaffDto::from)
        .collect();
    Ok(HttpResponse::Ok().json(users))
}

/// Creates a staff account.
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "staff", request_body = NewStaff,
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 201, description = "Created", body = StaffDto),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Not an admin, or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "username_taken", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "Invalid fields", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/admin/staff")]
pub async fn create_staff(
    req: HttpRequest,
    ctx: Ctx,
    body: web::Json<NewStaff>,
) -> Result<HttpResponse, ApiError> {
    let now_ms = ctx.now_ms();
    let staff = authenticate(&req, &ctx.db, now_ms).await?;
    staff.require(&[Role::Admin])?;
    let user = service::create_account(
        &ctx.db,
        body.username.trim(),
        body.role,
        body.unit_code.as_deref(),
        &body.password,
        now_ms,
    )
    .await?;
    let dto = StaffDto::from(user);
    cuocthi_store::staff::audit(
        &ctx.db,
        now_ms,
        AuditEntry {
            actor: staff.username,
            action: "staff.create".into(),
            subject: Some(dto.username.clone()),
            after: serde_json::to_value(&dto).ok(),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Changes a staff account.
#[utoipa::path(patch, path = "/api/v1/admin/staff/{username}", tag = "staff", request_body = StaffChange,
    params(("username" = String, Path, description = "The account"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "Changed", body = StaffDto),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Not an admin, or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such account", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "last_admin", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "Invalid fields", body = cuocthi_store::api::ErrorBody),
    ))]
#[patch("/api/v1/admin/staff/{username}")]
pub async fn update_staff(
    req: HttpRequest,
    ctx: Ctx,
    username: web::Path<String>,
    body: web::Json<StaffChange>,
) -> Result<HttpResponse, ApiError> {
    let now_ms = ctx.now_ms();
    let staff = authenticate(&req, &ctx.db, now_ms).await?;
    staff.require(&[Role::Admin])?;
    let user = staff_user::Entity::find()
        .filter(staff_user::Column::Username.eq(username.as_str()))
        .one(&ctx.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let before = StaffDto::from(user.clone());
    let role = body.role.unwrap_or(before.role);
    let unit_code = match (&body.unit_code, role) {
        (_, Role::Admin | Role::Organizer) => None,
        (Some(code), Role::UnitManager) => Some(code.trim().to_owned()).filter(|c| !c.is_empty()),
        (None, Role::UnitManager) => user.unit_code.clone(),
    };
    if unit_code.as_ref().is_some_and(|u| u.chars().count() > 64) {
        return Err(ApiError::invalid_fields(
            "validation_failed",
            [("unit_code".to_owned(), "too_long".to_owned())].into(),
        ));
    }
    if role == Role::UnitManager && unit_code.is_none() {
        return Err(ApiError::invalid_fields(
            "validation_failed",
            [("unit_code".to_owned(), "required".to_owned())].into(),
        ));
    }
    let loses_admin = before.role == Role::Admin
        && before.active
        && (role != Role::Admin || body.active == Some(false));
    if loses_admin {
        let active_admins = staff_user::Entity::find()
            .filter(staff_user::Column::Role.eq(Role::Admin.as_str()))
            .filter(staff_user::Column::Active.eq(true))
            .count(&ctx.db)
            .await?;
        if active_admins <= 1 {
            return Err(ApiError::conflict(
                "last_admin",
                "this is the last active admin: make another admin first",
            ));
        }
    }
    let mut end_sessions = false;
    let mut active: staff_user::ActiveModel = user.clone().into();
    active.role = sea_orm::Set(role.as_str().to_owned());
    active.unit_code = sea_orm::Set(unit_code);
    if let Some(enabled) = body.active {
        active.active = sea_orm::Set(enabled);
        end_sessions |= !enabled;
    }
    if let Some(password) = &body.password {
        if let Some(problem) = password_problem(password) {
            return Err(ApiError::invalid_fields(
                "validation_failed",
                [("password".to_owned(), problem.to_owned())].into(),
            ));
        }
        let password = password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(ApiError::internal)??;
        active.password_hash = sea_orm::Set(hash);
        end_sessions = true;
    }
    active.updated_at = sea_orm::Set(now_ms);
    let updated = staff_user::Entity::update(active).exec(&ctx.db).await?;
    if end_sessions || role != before.role {
        staff_session::Entity::delete_many()
            .filter(staff_session::Column::UserId.eq(updated.id))
            .exec(&ctx.db)
            .await?;
    }
    let after = StaffDto::from(updated);
    cuocthi_store::staff::audit(
        &ctx.db,
        now_ms,
        AuditEntry {
            actor: staff.username,
            action: "staff.update".into(),
            subject: Some(after.username.clone()),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(after))
}

/// Audit log query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Most entries (default 100; below 1 counts as 1, above 1000 as 1000). Signed so that the
    /// document's `int64` is exactly what parses.
    pub limit: Option<i64>,
}

/// An audited change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Which contest.
    pub contest_id: Option<uuid::Uuid>,
    /// Which thing.
    pub subject: Option<String>,
    /// State before.
    pub before: Option<serde_json::Value>,
    /// State after.
    pub after: Option<serde_json::Value>,
}

/// The newest audited changes first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "staff", params(AuditQuery),
    responses(
        (status = 200, description = "Entries, newest first", body = Vec<AuditDto>),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Not an admin", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/audit")]
pub async fn read_audit(
    req: HttpRequest,
    ctx: Ctx,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin])?;
    let entries: Vec<AuditDto> = audit::Entity::find()
        .order_by_desc(audit::Column::At)
        .order_by_desc(audit::Column::Id)
        .limit(query.limit.unwrap_or(100).clamp(1, 1000).unsigned_abs())
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|a| AuditDto {
            at: rfc3339_ms(a.at),
            actor: a.actor,
            action: a.action,
            contest_id: a.contest_id,
            subject: a.subject,
            before: a.before.and_then(|b| serde_json::from_str(&b).ok()),
            after: a.after.and_then(|b| serde_json::from_str(&b).ok()),
        })
        .collect();
    Ok(HttpResponse::Ok().json(entries))
}
