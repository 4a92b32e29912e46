//! Handlers of staff sign-in, session and API tokens.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use cuocthi_store::entities::{staff_session, staff_user};
use cuocthi_store::staff::{
    authenticate, hash_password, password_problem, verify_password, AuditEntry, Role,
    SESSION_COOKIE, SESSION_TTL_MS,
};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::{ApiError, AppContext};

use super::service;

type Ctx = web::Data<AppContext>;

/// Sign-in body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Username.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
}

/// A signed-in staff member.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Username.
    pub username: String,
    /// `admin`, `organizer` or `unit_manager`.
    pub role: Role,
    /// Send it as `X-CSRF-Token` on every state-changing call.
    pub csrf_token: String,
    /// Extra: the unit of a unit manager.
    pub unit_code: Option<String>,
}

/// The current staff member.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffMeResponse {
    /// Username.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The unit of a unit manager, else null.
    pub unit_code: Option<String>,
    /// Extra: the session's CSRF token (null for API tokens), so a reloaded page can act.
    pub csrf_token: Option<String>,
}

fn session_cookie(req: &HttpRequest, value: &str, max_age_secs: i64) -> Cookie<'static> {
    let secure = req.connection_info().scheme() == "https";
    Cookie::build(SESSION_COOKIE, value.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_secs))
        .finish()
}

fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Signs in with username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "staff", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the cookie is set", body = LoginResponse),
        (status = 400, description = "Malformed body", body = cuocthi_store::api::ErrorBody),
        (status = 401, description = "invalid_credentials", body = cuocthi_store::api::ErrorBody),
        (status = 429, description = "Too many failures; see Retry-After", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/auth/login")]
pub async fn login(
    req: HttpRequest,
    ctx: Ctx,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let username = body.username.as_deref().map(str::trim).unwrap_or_default();
    let password = body.password.as_deref().unwrap_or_default();
    if username.is_empty() || password.is_empty() || username.len() > 64 || password.len() > 200 {
        return Err(ApiError::unauthorized(
            "invalid_credentials",
            "wrong username or password",
        ));
    }
    let now_ms = ctx.now_ms();
    let (user, issued) = service::sign_in(
        &ctx.db,
        ctx.cache.as_ref(),
        username,
        password,
        &client_address(&req),
        now_ms,
    )
    .await?;
    let role = Role::parse(&user.role).ok_or_else(|| ApiError::internal("unknown role"))?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&req, &issued.secret, SESSION_TTL_MS / 1000))
        .insert_header(("Cache-Control", "no-store"))
        .json(LoginResponse {
            username: user.username,
            role,
            csrf_token: issued.csrf_token,
            unit_code: user.unit_code,
        }))
}

/// Ends the session (or revokes the API token used).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "staff",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "csrf_required", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/auth/logout")]
pub async fn logout(req: HttpRequest, ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    service::end(&ctx.db, &staff.secret_hash).await?;
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie(&req, "", 0))
        .finish())
}

/// The signed-in staff member.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "staff",
    responses(
        (status = 200, description = "The staff member", body = StaffMeResponse),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/auth/me")]
pub async fn me(req: HttpRequest, ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(StaffMeResponse {
            username: staff.username,
            role: staff.role,
            unit_code: staff.unit_code,
            csrf_token: staff.csrf_token,
        }))
}

/// Password change body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new one: at least 10 characters, not only digits.
    pub new_password: String,
}

/// Changes the signed-in member's password; other sessions of the account end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "staff", request_body = PasswordChange,
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "No session, or the current password is wrong", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "A weak new password", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/auth/password")]
pub async fn change_password(
    req: HttpRequest,
    ctx: Ctx,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let now_ms = ctx.now_ms();
    let staff = authenticate(&req, &ctx.db, now_ms).await?;
    if let Some(problem) = password_problem(&body.new_password) {
        return Err(ApiError::invalid_fields(
            "validation_failed",
            [("new_password".to_owned(), problem.to_owned())].into(),
        ));
    }
    let user = staff_user::Entity::find_by_id(staff.user_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (current, stored, new) = (
        body.current_password.clone(),
        user.password_hash.clone(),
        body.new_password.clone(),
    );
    let hash = tokio::task::spawn_blocking(move || {
        if verify_password(&current, &stored) {
            hash_password(&new).map(Some)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(ApiError::internal)??
    .ok_or_else(|| {
        ApiError::unauthorized("invalid_credentials", "the current password is wrong")
    })?;
    let mut active: staff_user::ActiveModel = user.into();
    active.password_hash = sea_orm::Set(hash);
    active.updated_at = sea_orm::Set(now_ms);
    staff_user::Entity::update(active).exec(&ctx.db).await?;
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::UserId.eq(staff.user_id))
        .filter(staff_session::Column::TokenHash.ne(staff.secret_hash.clone()))
        .filter(staff_session::Column::Kind.eq("session"))
        .exec(&ctx.db)
        .await?;
    cuocthi_store::staff::audit(
        &ctx.db,
        now_ms,
        AuditEntry {
            actor: staff.username.clone(),
            action: "staff.password_change".into(),
            subject: Some(staff.username),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// API token request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// A name to recognise the token by, e.g. "import script".
    pub name: String,
}

/// A new API token: shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    /// Its id (for revoking).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The secret: `Authorization: Bearer <token>`. Not shown again.
    pub token: String,
}

/// An API token as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Id (for revoking).
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Created.
    pub created_at: String,
}

fn token_id(hash: &str) -> String {
    hash.chars().take(16).collect()
}

/// Issues an API token for scripts, acting as the signed-in member.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "staff", request_body = TokenRequest,
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 201, description = "Issued", body = TokenCreated),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "A bad name", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/auth/tokens")]
pub async fn create_token(
    req: HttpRequest,
    ctx: Ctx,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let now_ms = ctx.now_ms();
    let staff = authenticate(&req, &ctx.db, now_ms).await?;
    let name = cuocthi_domain::identity::normalize_text(&body.name);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid_fields(
            "validation_failed",
            [("name".to_owned(), "invalid".to_owned())].into(),
        ));
    }
    let issued = service::issue(&ctx.db, staff.user_id, Some(&name), now_ms).await?;
    let id = token_id(&cuocthi_store::tokens::token_hash(&issued.secret));
    cuocthi_store::staff::audit(
        &ctx.db,
        now_ms,
        AuditEntry {
            actor: staff.username,
            action: "staff.token_create".into(),
            subject: Some(format!("{name} ({id})")),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(TokenCreated {
        id,
        name,
        token: issued.secret,
    }))
}

/// The signed-in member's API tokens.
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "staff",
    responses(
        (status = 200, description = "Tokens", body = Vec<TokenInfo>),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/auth/tokens")]
pub async fn list_tokens(req: HttpRequest, ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    let tokens: Vec<TokenInfo> = staff_session::Entity::find()
        .filter(staff_session::Column::UserId.eq(staff.user_id))
        .filter(staff_session::Column::Kind.eq("api_token"))
        .order_by_asc(staff_session::Column::CreatedAt)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|t| TokenInfo {
            id: token_id(&t.token_hash),
            name: t.name,
            created_at: rfc3339_ms(t.created_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(tokens))
}

/// Revokes one of the signed-in member's API tokens.
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "staff",
    params(("id" = String, Path, description = "The token's id"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such token", body = cuocthi_store::api::ErrorBody),
    ))]
#[delete("/api/v1/auth/tokens/{id}")]
pub async fn revoke_token(
    req: HttpRequest,
    ctx: Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let now_ms = ctx.now_ms();
    let staff = authenticate(&req, &ctx.db, now_ms).await?;
    let token = staff_session::Entity::find()
        .filter(staff_session::Column::UserId.eq(staff.user_id))
        .filter(staff_session::Column::Kind.eq("api_token"))
        .all(&ctx.db)
        .await?
        .into_iter()
        .find(|t| token_id(&t.token_hash) == *id)
        .ok_or_else(ApiError::not_found)?;
    service::end(&ctx.db, &token.token_hash).await?;
    cuocthi_store::staff::audit(
        &ctx.db,
        now_ms,
        AuditEntry {
            actor: staff.username,
            action: "staff.token_revoke".into(),
            subject: Some(id.into_inner()),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
