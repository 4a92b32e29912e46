//! The OpenAPI 3.1 document at `/api/openapi.json` and its browsable UI at `/api/docs`, served
//! locally (no CDN).

use std::sync::OnceLock;

use actix_web::web;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Ref, RefOr};
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
    components.add_security_scheme(
        "staff_session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            cuocthi_store::staff::SESSION_COOKIE,
            "The session cookie of `POST /api/v1/auth/login`; state-changing calls also send \
             `X-CSRF-Token`",
        ))),
    );
    components.add_security_scheme(
        "staff_token",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A staff API token (`cst_...`, `POST /api/v1/auth/tokens`)",
                ))
                .build(),
        ),
    );
    add_common_responses(&mut doc);
    doc
}

/// Whether a path is a staff call (guarded by `cuocthi_store::staff::gate`).
fn is_staff_path(path: &str) -> bool {
    (path.starts_with("/api/v1/admin/") || path.starts_with("/api/v1/auth/"))
        && path != "/api/v1/auth/login"
}

/// An error response in the common error body.
fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(error_builder(description).build())
}

fn error_builder(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    )
}

/// An error response that says when to retry (`Retry-After`, in seconds).
fn retry_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        error_builder(description)
            .header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("Seconds to wait before trying again"))
                    .build(),
            )
            .build(),
    )
}

/// Completes every operation with what the server's shared layers may answer whatever the
/// handler does (spec/api.md "General"): 400 for a parameter or body that does not parse,
/// 413/415 for a body too large or not JSON, 503 with `Retry-After` when the database is down,
/// and for staff calls the staff security schemes with 401 (no session) and 403 (wrong role or
/// `csrf_required`). An operation's own description of a status is kept. Raw uploads
/// (`application/octet-stream`) are described as binary strings.
fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let staff = is_staff_path(path);
        let operations = [
            (&mut item.get, true),
            (&mut item.put, false),
            (&mut item.post, false),
            (&mut item.delete, false),
            (&mut item.patch, false),
        ];
        for (operation, safe) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            if let Some(body) = operation.request_body.as_mut() {
                // Raw uploads are bytes, not the array of integers `Vec<u8>` reads as.
                if let Some(raw) = body.content.get_mut("application/octet-stream") {
                    raw.schema = Some(RefOr::T(Schema::Object(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                            .build(),
                    )));
                }
            }
            let has_body = operation.request_body.is_some();
            let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let responses = &mut operation.responses.responses;
            let mut add = |status: &str, response: RefOr<Response>| {
                responses.entry(status.to_owned()).or_insert(response);
            };
            if has_body || has_parameters {
                add(
                    "400",
                    error_response(
                        "Malformed request: a body, query or path parameter that does not parse",
                    ),
                );
            }
            if has_body {
                add(
                    "413",
                    error_response("Body too large (`payload_too_large`)"),
                );
                add(
                    "415",
                    error_response("Body not in a supported type (`unsupported_media_type`)"),
                );
            }
            if path != "/healthz" {
                add(
                    "503",
                    retry_response("A dependency (database, cache) is down; retry later"),
                );
            }
            if staff {
                add("401", error_response("No valid staff session or API token"));
                if !safe || path.starts_with("/api/v1/admin/") {
                    add(
                        "403",
                        error_response("Wrong role, or `csrf_required` for a cookie session"),
                    );
                }
                if operation.security.is_none() {
                    operation.security = Some(vec![
                        SecurityRequirement::new("staff_session", Vec::<String>::new()),
                        SecurityRequirement::new("staff_token", Vec::<String>::new()),
                    ]);
                }
            }
        }
    }
}

/// The methods the document lists for a request path that matches its path templates
/// (`{name}` matching any one non-empty segment; of several, those with the most literal
/// segments, their methods united), in the order
/// GET, PUT, POST, DELETE, PATCH; `None` for a path the document does not have. Lets the
/// fallback answer 405 with `Allow` rather than 404 for a known path called with another
/// method.
pub fn documented_methods(path: &str) -> Option<Vec<&'static str>> {
    static TEMPLATES: OnceLock<Vec<(Vec<String>, [bool; 5])>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        document()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    item.get.is_some(),
                    item.put.is_some(),
                    item.post.is_some(),
                    item.delete.is_some(),
                    item.patch.is_some(),
                ];
                (template.split('/').map(str::to_owned).collect(), methods)
            })
            .collect()
    });
    let segments: Vec<&str> = path.split('/').collect();
    // (literal segments matched, methods): the most literal templates win, as in routing
    // (`participants/export` is not `participants/{id}`).
    let mut found: Option<(usize, [bool; 5])> = None;
    for (template, methods) in templates {
        let matches = template.len() == segments.len()
            && template.iter().zip(&segments).all(|(want, got)| {
                if want.starts_with('{') && want.ends_with('}') {
                    !got.is_empty()
                } else {
                    want == got
                }
            });
        if !matches {
            continue;
        }
        let literal = template.iter().filter(|s| !s.starts_with('{')).count();
        match &mut found {
            Some((best, union)) if *best == literal => {
                for (into, has) in union.iter_mut().zip(methods) {
                    *into |= *has;
                }
            }
            Some((best, _)) if *best > literal => {}
            _ => found = Some((literal, *methods)),
        }
    }
    found.map(|(_, union)| {
        ["GET", "PUT", "POST", "DELETE", "PATCH"]
            .into_iter()
            .zip(union)
            .filter_map(|(method, present)| present.then_some(method))
            .collect()
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_name_their_methods_and_literal_segments_win() {
        assert_eq!(documented_methods("/api/v1/contests"), Some(vec!["GET"]));
        assert_eq!(
            documented_methods("/api/v1/admin/contests/demo"),
            Some(vec!["GET", "PATCH"])
        );
        assert_eq!(
            documented_methods("/api/v1/admin/contests/demo/questions/export.gift"),
            Some(vec!["GET"]),
            "not the methods of questions/{{id}}"
        );
        assert_eq!(documented_methods("/api/v1/contests//units"), None);
        assert_eq!(documented_methods("/api/v1/nothing"), None);
    }

    #[test]
    fn every_operation_documents_the_shared_refusals() {
        let doc = serde_json::to_value(document()).unwrap();
        let login = &doc["paths"]["/api/v1/auth/login"]["post"];
        for status in ["400", "413", "415", "503"] {
            assert!(login["responses"][status].is_object(), "login {status}");
        }
        let audit = &doc["paths"]["/api/v1/admin/audit"]["get"];
        assert!(audit["responses"]["401"].is_object());
        assert_eq!(audit["security"][0]["staff_session"], serde_json::json!([]));
        assert!(doc["paths"]["/healthz"]["get"]["responses"]["503"].is_null());
    }
}
