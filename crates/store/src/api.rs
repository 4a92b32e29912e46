//! The error body every endpoint answers with (spec/api.md "General"):
//! `{"error": code, "message": text, "fields": {field: code}}`.
//!
//! Internal causes are logged with their chain and never sent to the client; a client sees a
//! stable snake_case code it can translate, and a message for developers.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::DbErr;
use serde::Serialize;

/// The JSON body of every error response.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, for programs and translations.
    pub error: String,
    /// Human text for logs and developers.
    pub message: String,
    /// Field → code, only for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// An error as an HTTP response: status, stable code, message, optional field errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after_secs: Option<u32>,
}

impl ApiError {
    /// An error with any status and code.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error: code.to_owned(),
                message: message.into(),
                fields: None,
            },
            retry_after_secs: None,
        }
    }

    /// 400: the body or parameters cannot be read.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: missing or bad credentials.
    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: authenticated but not allowed.
    pub fn forbidden(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404 `not_found`: unknown, or not visible to the caller.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }

    /// 409: conflict with the current state.
    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 410: the window has closed.
    pub fn gone(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, code, message)
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than {limit_bytes} bytes"),
        )
    }

    /// 422: well-formed but invalid.
    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 422 with field errors.
    pub fn invalid_fields(code: &str, fields: BTreeMap<String, String>) -> Self {
        let mut error = Self::unprocessable(code, "some fields are invalid");
        error.body.fields = Some(fields);
        error
    }

    /// 429 `rate_limited` with `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u32) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests, try again later",
        );
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// 503 with `Retry-After`: a dependency is down.
    pub fn unavailable(retry_after_secs: u32) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "a dependency is unavailable, try again shortly",
        );
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// 500: logs the cause with its chain; the client learns nothing about it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error",
        )
    }

    /// Replaces the human message.
    pub fn set_message(&mut self, message: impl Into<String>) {
        self.body.message = message.into();
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.body.error
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.body.error,
            self.body.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        response.json(&self.body)
    }
}

/// Whether a database error means the database is unreachable (rather than a bug or a
/// constraint), so that the client should retry later: no connection could be had (the pool
/// timed out or closed, the connection was refused, reset or cut), the server ended the
/// session or is not taking any (PostgreSQL class `08`, `57P01`–`57P03` shutting down or
/// starting up, `53300` too many connections), or SQLite is busy or locked.
pub fn is_unavailable(error: &DbErr) -> bool {
    use sea_orm::{sqlx, RuntimeErr};
    let cause = match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            Some(cause)
        }
        _ => None,
    };
    match cause {
        Some(
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed,
        ) => return true,
        Some(sqlx::Error::Database(database)) => {
            if let Some(pg) = database.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                let code = pg.code();
                if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300") {
                    return true;
                }
            } else if database
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), and their extended codes.
                let code = database.code().and_then(|c| c.parse::<i32>().ok());
                if code.is_some_and(|c| matches!(c & 0xff, 5 | 6)) {
                    return true;
                }
            }
        }
        _ => {}
    }
    // Causes that reach us as text only (wrapped by sea-orm).
    let text = error.to_string();
    text.contains("PoolTimedOut")
        || text.contains("pool timed out")
        || text.contains("Connection refused")
        || text.contains("connection closed")
        || text.contains("database is locked")
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        if is_unavailable(&error) {
            tracing::warn!(error = %error, "database unavailable");
            ApiError::unavailable(2)
        } else {
            ApiError::internal(error)
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        // An unreachable database deep in the chain is still a 503, not a 500.
        if error
            .chain()
            .filter_map(|cause| cause.downcast_ref::<DbErr>())
            .any(is_unavailable)
        {
            tracing::warn!(error = format!("{error:#}"), "database unavailable");
            return ApiError::unavailable(2);
        }
        ApiError::internal(format!("{error:#}"))
    }
}

/// Whether a database error is a unique-constraint violation (mapped on purpose, e.g. to 409
/// or to a retry).
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The JSON extractor configuration for every endpoint: bodies up to `limit` bytes, 413
/// beyond, and 400 with our error body for anything unreadable.
pub fn json_config(limit: usize) -> actix_web::web::JsonConfig {
    actix_web::web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |error, _req| {
            use actix_web::error::JsonPayloadError;
            let api_error = match &error {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => {
                    ApiError::payload_too_large(limit)
                }
                JsonPayloadError::ContentType => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send JSON with Content-Type: application/json",
                ),
                other => ApiError::bad_request("malformed_body", other.to_string()),
            };
            api_error.into()
        })
}

/// The path extractor configuration: an unparsable path segment (a bad UUID) is a 404.
pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default().error_handler(|_error, _req| ApiError::not_found().into())
}

/// The query extractor configuration: unreadable query parameters are a 400.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|error, _req| {
        ApiError::bad_request("malformed_query", error.to_string()).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{sqlx, ConnectionTrait, RuntimeErr};

    fn query_error(cause: sqlx::Error) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(cause))
    }

    #[test]
    fn a_lost_or_refused_connection_is_unavailable_and_a_bug_is_not() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        assert!(is_unavailable(&query_error(sqlx::Error::Io(reset))));
        assert!(is_unavailable(&query_error(sqlx::Error::PoolTimedOut)));
        assert!(is_unavailable(&query_error(sqlx::Error::PoolClosed)));
        assert!(!is_unavailable(&query_error(sqlx::Error::RowNotFound)));
        assert!(!is_unavailable(&DbErr::Custom("a bug".into())));
        let unavailable = ApiError::from(query_error(sqlx::Error::PoolTimedOut));
        assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.retry_after_secs, Some(2));
        let wrapped = anyhow::Error::new(query_error(sqlx::Error::PoolTimedOut)).context("saving");
        assert_eq!(
            ApiError::from(wrapped).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let bug = anyhow::Error::new(DbErr::Custom("a bug".into())).context("saving");
        assert_eq!(
            ApiError::from(bug).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    /// What PostgreSQL sends when it shuts down under a session (`57P01`, "terminating
    /// connection due to administrator command") is unavailability, not an internal error.
    #[tokio::test]
    async fn a_session_ended_by_postgres_is_unavailable() {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            eprintln!("skipped: TEST_DATABASE_URL is not set");
            return;
        };
        let db = crate::db::connect(&url, 1).await.unwrap();
        let error = db
            .execute_unprepared("SELECT pg_terminate_backend(pg_backend_pid())")
            .await
            .unwrap_err();
        assert!(is_unavailable(&error), "{error:?}");
    }

    /// SQLite's "database is locked" (a writer holding the lock past the busy timeout).
    #[tokio::test]
    async fn a_locked_sqlite_database_is_unavailable() {
        let dir = std::env::temp_dir().join(format!("cuocthi-api-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/x.db?mode=rwc", dir.display());
        let holder = sea_orm::Database::connect(&url).await.unwrap();
        holder
            .execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();
        let mut options = sea_orm::ConnectOptions::new(url.clone());
        options.map_sqlx_sqlite_opts(|o| o.busy_timeout(std::time::Duration::from_millis(10)));
        let other = sea_orm::Database::connect(options).await.unwrap();
        let txn = sea_orm::TransactionTrait::begin(&holder).await.unwrap();
        txn.execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        let error = other
            .execute_unprepared("INSERT INTO t VALUES (2)")
            .await
            .unwrap_err();
        assert!(is_unavailable(&error), "{error:?}");
        txn.rollback().await.unwrap();
        std::fs::remove_dir_all(&dir).ok();
    }
}
