//! Staff accounts and sessions: creating accounts, signing in (with throttling), sessions and
//! API tokens.

use std::time::Duration;

use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use cuocthi_store::api::is_unique_violation;
use cuocthi_store::entities::{staff_session, staff_user};
use cuocthi_store::staff::{hash_password, password_problem, verify_password, Role};
use cuocthi_store::tokens::{new_token, token_hash};
use cuocthi_store::{ApiError, Cache};

/// Failed sign-ins allowed per username in a window before 429.
pub const MAX_FAILURES_PER_USER: i64 = 8;
/// Failed sign-ins allowed per client address in a window before 429: generous, since a
/// commune's meeting room may share one address.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 40;
/// The throttling window.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(300);

/// Checks a username: 3–64 characters of letters, digits, `.`, `_`, `-`.
pub fn username_problem(username: &str) -> Option<&'static str> {
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(3..=64).contains(&username.len()) || !ok_chars {
        Some("invalid")
    } else {
        None
    }
}

/// Creates a staff account. 422 for a bad username, role/unit combination or weak password;
/// 409 `username_taken`.
pub async fn create_account(
    db: &impl ConnectionTrait,
    username: &str,
    role: Role,
    unit_code: Option<&str>,
    password: &str,
    now_ms: i64,
) -> Result<staff_user::Model, ApiError> {
    let mut fields = std::collections::BTreeMap::new();
    if let Some(problem) = username_problem(username) {
        fields.insert("username".to_owned(), problem.to_owned());
    }
    if let Some(problem) = password_problem(password) {
        fields.insert("password".to_owned(), problem.to_owned());
    }
    let unit_code = unit_code.map(str::trim).filter(|u| !u.is_empty());
    if unit_code.is_some_and(|u| u.chars().count() > 64) {
        fields.insert("unit_code".to_owned(), "too_long".to_owned());
    }
    match (role, unit_code) {
        (Role::UnitManager, None) => {
            fields.insert("unit_code".to_owned(), "required".to_owned());
        }
        (Role::Admin | Role::Organizer, Some(_)) => {
            fields.insert("unit_code".to_owned(), "only_for_unit_managers".to_owned());
        }
        _ => {}
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid_fields("validation_failed", fields));
    }
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)??;
    let row = staff_user::Model {
        id: Uuid::now_v7(),
        username: username.to_owned(),
        role: role.as_str().to_owned(),
        unit_code: unit_code.map(str::to_owned),
        password_hash: hash,
        active: true,
        created_at: now_ms,
        updated_at: now_ms,
    };
    match staff_user::Entity::insert(staff_user::ActiveModel::from(row.clone()))
        .exec_without_returning(db)
        .await
    {
        Ok(_) => Ok(row),
        Err(error) if is_unique_violation(&error) => Err(ApiError::conflict(
            "username_taken",
            "this username is taken",
        )),
        Err(error) => Err(error.into()),
    }
}

/// A new session or API token: the secret (shown once) and its CSRF token.
pub struct Issued {
    /// The secret: the cookie value or the bearer token.
    pub secret: String,
    /// The CSRF token of a browser session.
    pub csrf_token: String,
}

/// Opens a browser session (`api_token = None`) or issues a named API token.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    api_token_name: Option<&str>,
    now_ms: i64,
) -> Result<Issued, ApiError> {
    let secret = match api_token_name {
        Some(_) => format!("{}{}", cuocthi_store::staff::API_TOKEN_PREFIX, new_token()),
        None => new_token(),
    };
    let csrf_token = new_token();
    staff_session::Entity::insert(staff_session::ActiveModel {
        token_hash: Set(token_hash(&secret)),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token.clone()),
        kind: Set(if api_token_name.is_some() {
            "api_token"
        } else {
            "session"
        }
        .to_owned()),
        name: Set(api_token_name.map(str::to_owned)),
        created_at: Set(now_ms),
        expires_at: Set(api_token_name
            .is_none()
            .then_some(now_ms + cuocthi_store::staff::SESSION_TTL_MS)),
        last_used_at: Set(now_ms),
    })
    .exec_without_returning(db)
    .await?;
    Ok(Issued { secret, csrf_token })
}

fn throttle_keys(username: &str, address: &str) -> [String; 2] {
    [
        format!("login_failures:user:{}", username.to_lowercase()),
        format!("login_failures:addr:{address}"),
    ]
}

/// Signs in: 429 (with the window as `Retry-After`) after too many failures for the username
/// or the address; 401 `invalid_credentials` for an unknown user or a wrong password alike.
pub async fn sign_in(
    db: &impl ConnectionTrait,
    cache: &dyn Cache,
    username: &str,
    password: &str,
    address: &str,
    now_ms: i64,
) -> Result<(staff_user::Model, Issued), ApiError> {
    let [user_key, address_key] = throttle_keys(username, address);
    let failures = |key: &str| {
        let key = key.to_owned();
        async move {
            cache
                .get(&key)
                .await
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        }
    };
    if failures(&user_key).await >= MAX_FAILURES_PER_USER
        || failures(&address_key).await >= MAX_FAILURES_PER_ADDRESS
    {
        return Err(ApiError::too_many_requests(FAILURE_WINDOW.as_secs() as u32));
    }
    // Counted before the (slow) check, so a burst of parallel guesses cannot all pass the
    // test above; a success clears the username's count again.
    let user_count = cache.incr(&user_key, FAILURE_WINDOW).await.unwrap_or(0);
    let address_count = cache.incr(&address_key, FAILURE_WINDOW).await.unwrap_or(0);
    if user_count > MAX_FAILURES_PER_USER || address_count > MAX_FAILURES_PER_ADDRESS {
        return Err(ApiError::too_many_requests(FAILURE_WINDOW.as_secs() as u32));
    }
    let user = staff_user::Entity::find()
        .filter(staff_user::Column::Username.eq(username))
        .one(db)
        .await?
        .filter(|u| u.active);
    // Verify against a fixed hash when the user is unknown, so both answers take as long.
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = password.to_owned();
    // Argon2 takes ~19 MiB and tens of milliseconds: a few at a time, whatever arrives.
    static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let _permit = HASHING.acquire().await.map_err(ApiError::internal)?;
    let matches = tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| {
            static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            DUMMY
                .get_or_init(|| hash_password("cuocthi-dummy-password").unwrap_or_default())
                .clone()
        });
        verify_password(&password, &stored)
    })
    .await
    .map_err(ApiError::internal)?;
    match user {
        Some(user) if matches => {
            cache.delete(&user_key).await;
            let issued = issue(db, user.id, None, now_ms).await?;
            Ok((user, issued))
        }
        // The failure was counted before the check (above): counting it again here made four
        // wrong passwords throttle a username instead of eight.
        _ => Err(ApiError::unauthorized(
            "invalid_credentials",
            "wrong username or password",
        )),
    }
}

/// Ends a session or revokes a token by its stored hash.
pub async fn end(db: &impl ConnectionTrait, secret_hash: &str) -> Result<(), ApiError> {
    staff_session::Entity::delete_by_id(secret_hash.to_owned())
        .exec(db)
        .await?;
    Ok(())
}
