//! Staff identity, shared by every service: roles, password hashing (Argon2id), sessions and
//! API tokens, CSRF, and the audit log.
//!
//! A browser signs in and gets a session cookie (HttpOnly, SameSite=Lax) plus a CSRF token
//! that every state-changing call must echo in `X-CSRF-Token`. Scripts use an API token
//! (`Authorization: Bearer cst_...`) instead of both. Sessions live in the database, so every
//! node knows them.

use actix_web::http::{header, Method};
use actix_web::{HttpMessage, HttpRequest};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{audit, staff_session, staff_user};
use crate::tokens::token_hash;
use crate::ApiError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cuocthi_session";
/// The prefix of staff API tokens, which tells them apart from participant tokens.
pub const API_TOKEN_PREFIX: &str = "cst_";
/// How long a browser session lasts, in milliseconds (12 hours).
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including staff accounts.
    Admin,
    /// Contests, banks, rounds, prizes, all statistics.
    Organizer,
    /// Read-only statistics and exports of their own unit.
    UnitManager,
}

impl Role {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Organizer => "organizer",
            Role::UnitManager => "unit_manager",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "admin" => Some(Role::Admin),
            "organizer" => Some(Role::Organizer),
            "unit_manager" => Some(Role::UnitManager),
            _ => None,
        }
    }
}

/// A signed-in staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAuth {
    /// The account.
    pub user_id: Uuid,
    /// Its username.
    pub username: String,
    /// Its role.
    pub role: Role,
    /// The unit of a unit manager.
    pub unit_code: Option<String>,
    /// Whether the request came with an API token (no CSRF needed) rather than a cookie.
    pub via_api_token: bool,
    /// The session's CSRF token (`None` for API tokens).
    pub csrf_token: Option<String>,
    /// The stored hash of the secret used (to end this session).
    pub secret_hash: String,
}

impl StaffAuth {
    /// 403 `forbidden` unless the role is one of `allowed`.
    pub fn require(&self, allowed: &[Role]) -> Result<(), ApiError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "forbidden",
                "your role may not do this",
            ))
        }
    }

    /// 403 unless admin or organizer.
    pub fn require_organizer(&self) -> Result<(), ApiError> {
        self.require(&[Role::Admin, Role::Organizer])
    }
}

/// Hashes a password with Argon2id and a random salt (PHC string). CPU-heavy: call it off the
/// async workers (`spawn_blocking`).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("hashing a password: {e}")))
}

/// Whether `password` matches the stored PHC string. CPU-heavy, like [`hash_password`].
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A password's strength problem, if any: at least 10 characters, not all digits.
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < 10 {
        Some("too_short")
    } else if password.chars().count() > 200 {
        Some("too_long")
    } else if password.chars().all(|c| c.is_ascii_digit()) {
        Some("too_weak")
    } else {
        None
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The staff member of a request: 401 `unauthorized` without a valid session or API token;
/// 403 `csrf_required` for a state-changing call over a cookie session without the right
/// `X-CSRF-Token`.
pub async fn authenticate(
    req: &HttpRequest,
    db: &impl ConnectionTrait,
    now_ms: i64,
) -> Result<StaffAuth, ApiError> {
    if let Some(known) = req.extensions().get::<StaffAuth>() {
        return Ok(known.clone());
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .filter(|t| t.starts_with(API_TOKEN_PREFIX));
    let (secret, via_api_token) = match bearer {
        Some(token) => (token, true),
        None => match req.cookie(SESSION_COOKIE) {
            Some(cookie) => (cookie.value().to_owned(), false),
            None => return Err(ApiError::unauthorized("unauthorized", "sign in first")),
        },
    };
    if secret.len() > 200 {
        return Err(ApiError::unauthorized("unauthorized", "invalid session"));
    }
    let secret_hash = token_hash(&secret);
    let session = staff_session::Entity::find_by_id(secret_hash.clone())
        .one(db)
        .await?
        .filter(|s| s.expires_at.is_none_or(|at| at > now_ms))
        .filter(|s| (s.kind == "api_token") == via_api_token)
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "the session has ended"))?;
    let user = staff_user::Entity::find_by_id(session.user_id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "the account is disabled"))?;
    let role = Role::parse(&user.role)
        .ok_or_else(|| ApiError::internal(format!("user {} has role {:?}", user.id, user.role)))?;
    if !via_api_token && !is_safe_method(req.method()) {
        let sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
            return Err(ApiError::forbidden(
                "csrf_required",
                "send the X-CSRF-Token header",
            ));
        }
    }
    Ok(StaffAuth {
        user_id: user.id,
        username: user.username,
        role,
        unit_code: user.unit_code,
        via_api_token,
        csrf_token: (!via_api_token).then_some(session.csrf_token),
        secret_hash,
    })
}

/// One staff change, as the audit log keeps it.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    /// Who: the staff username (or `system`, `cli`).
    pub actor: String,
    /// What: a stable action name, e.g. `contest.update`, `question.regrade`.
    pub action: String,
    /// The contest concerned, if any.
    pub contest_id: Option<Uuid>,
    /// The thing changed (slug, question id, username ...).
    pub subject: Option<String>,
    /// The state before, where it matters.
    pub before: Option<serde_json::Value>,
    /// The state after, where it matters.
    pub after: Option<serde_json::Value>,
}

/// Records a staff change in the audit log at `now_ms`.
pub async fn audit(db: &impl ConnectionTrait, now_ms: i64, entry: AuditEntry) -> Result<(), DbErr> {
    audit::Entity::insert(audit::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(now_ms),
        actor: Set(entry.actor),
        action: Set(entry.action),
        contest_id: Set(entry.contest_id),
        // The column holds 200 characters; a longer subject is cut rather than refused.
        subject: Set(entry.subject.map(|s| s.chars().take(200).collect())),
        before: Set(entry.before.map(|v| v.to_string())),
        after: Set(entry.after.map(|v| v.to_string())),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// `%XX` sequences decoded (invalid ones kept as they are).
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |b: u8| (b as char).to_digit(16);
    while let Some(&b) = bytes.get(i) {
        let high = bytes.get(i + 1).copied().and_then(hex);
        let low = bytes.get(i + 2).copied().and_then(hex);
        match (b, high, low) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The role rules that hold for whole path families, checked before any body is read: staff
/// accounts and the audit log are the admin's; unit managers only read.
pub fn path_policy(staff: &StaffAuth, method: &Method, path: &str) -> Result<(), ApiError> {
    let admin_only =
        path.starts_with("/api/v1/admin/staff") || path.starts_with("/api/v1/admin/audit");
    if admin_only {
        return staff.require(&[Role::Admin]);
    }
    if staff.role == Role::UnitManager
        && path.starts_with("/api/v1/admin/")
        && !is_safe_method(method)
    {
        return Err(ApiError::forbidden(
            "forbidden",
            "unit managers may only read",
        ));
    }
    Ok(())
}

/// Middleware for every staff path (`/api/v1/admin/...` and `/api/v1/auth/...` but login):
/// authenticates (and checks CSRF and [`path_policy`]) before anything reads the body, so that
/// a call without a session is a 401 and one by the wrong role a 403, whatever it sends; the
/// handlers then find the staff member in the request's extensions.
pub async fn gate(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    // The router matches the percent-decoded path, so the gate decides on it too.
    let decoded = percent_decode(req.path());
    let path = decoded.as_str();
    let guarded = (path.starts_with("/api/v1/admin/")
        || path == "/api/v1/admin"
        || path.starts_with("/api/v1/auth/"))
        && path != "/api/v1/auth/login";
    if guarded {
        let context = req
            .app_data::<actix_web::web::Data<crate::AppContext>>()
            .cloned();
        let Some(ctx) = context else {
            // No context means a misconfigured app: refuse rather than let a staff call through.
            let error = ApiError::internal("staff gate without context");
            let response = actix_web::ResponseError::error_response(&error);
            return Ok(req.into_response(response).map_into_right_body());
        };
        {
            let checked = match authenticate(req.request(), &ctx.db, ctx.now_ms()).await {
                Ok(staff) => path_policy(&staff, req.method(), path).map(|()| staff),
                Err(error) => Err(error),
            };
            match checked {
                Ok(staff) => {
                    req.extensions_mut().insert(staff);
                }
                Err(error) => {
                    let response = actix_web::ResponseError::error_response(&error);
                    return Ok(req.into_response(response).map_into_right_body());
                }
            }
        }
    }
    next.call(req).await.map(|r| r.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_named() {
        assert_eq!(password_problem("short"), Some("too_short"));
        assert_eq!(password_problem("1234567890"), Some("too_weak"));
        assert_eq!(password_problem("a good long one"), None);
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Admin, Role::Organizer, Role::UnitManager] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
