//! `/healthz` (the process is alive) and `/readyz` (the database answers; the cache's state).

use actix_web::{get, web, HttpResponse};
use sea_orm::ConnectionTrait;
use serde_json::json;

use cuocthi_store::AppContext;

/// Mounts the health endpoints.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers (503 with `Retry-After` otherwise); reports the cache's kind and state.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready"), (status = 503, description = "The database is unreachable")))]
#[get("/readyz")]
pub async fn readyz(ctx: web::Data<AppContext>) -> HttpResponse {
    let backend = ctx.db.get_database_backend();
    let database_ok = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        ctx.db
            .execute(sea_orm::Statement::from_string(backend, "SELECT 1")),
    )
    .await
    .is_ok_and(|r| r.is_ok());
    let cache_ok = ctx.cache.ping().await;
    let body = json!({
        "status": if database_ok { "ready" } else { "unavailable" },
        "database": if database_ok { "ok" } else { "unreachable" },
        "cache": {"kind": ctx.cache.kind(), "ok": cache_ok},
    });
    if database_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "2"))
            .json(body)
    }
}

/// The OpenAPI description of the health endpoints.
#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, readyz), tags((name = "operations", description = "Health and readiness.")))]
pub struct HealthApi;
