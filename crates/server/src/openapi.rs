//! The OpenAPI 3.1 document at `/api/openapi.json` and its browsable UI at `/api/docs`, served
//! locally (no CDN).

use actix_web::web;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// The whole API's document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = cuocthi_attempts::CitizenApi::openapi();
    doc.merge(crate::health::HealthApi::openapi());
    doc.merge(crate::staff::StaffApi::openapi());
    doc.merge(cuocthi_bank::ContentApi::openapi());
    doc.merge(cuocthi_leaderboard::StatsApi::openapi());
    doc.info.title = "cuocthi API".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some(
        "Online quiz contests. Errors are {\"error\", \"message\", \"fields\"?}; times are \
         RFC 3339 UTC with milliseconds."
            .into(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "participant_token",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    doc
}

/// Mounts the document (`/api/openapi.json`) and the docs page (`/api/docs/`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/docs",
        web::get().to(|| async {
            actix_web::HttpResponse::PermanentRedirect()
                .insert_header((actix_web::http::header::LOCATION, "/api/docs/"))
                .finish()
        }),
    )
    .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", document()));
}
