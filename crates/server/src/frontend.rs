//! The browser pages, embedded in the binary: `frontend/X` is served at `/assets/X`; the
//! citizens' single page `frontend/index.html` at `/` and under `/c/`; the staff pages
//! `frontend/admin.html` at `/admin` and under `/admin/`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../frontend"]
#[exclude = "README.md"]
#[exclude = "*/README.md"]
struct Assets;

/// Mounts the pages and assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/c/{tail:.*}", web::get().to(index))
        .route("/admin", web::get().to(admin))
        .route("/admin/{tail:.*}", web::get().to(admin))
        .route("/assets/{path:.*}", web::get().to(asset));
}

async fn index() -> HttpResponse {
    page("index.html")
}

async fn admin() -> HttpResponse {
    page("admin.html")
}

fn page(name: &str) -> HttpResponse {
    match Assets::get(name) {
        Some(file) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(file) = Assets::get(&path) else {
        return cuocthi_store::ApiError::not_found().error_response_owned();
    };
    let etag = format!("\"{}\"", hex_prefix(&file.metadata.sha256_hash()));
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    let mime = mime_guess::from_path(path.as_str()).first_or_octet_stream();
    let content_type = if mime.type_() == "text" || mime.subtype() == "javascript" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(file.data.into_owned())
}

fn hex_prefix(hash: &[u8; 32]) -> String {
    hash.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

trait OwnedErrorResponse {
    fn error_response_owned(self) -> HttpResponse;
}

impl OwnedErrorResponse for cuocthi_store::ApiError {
    fn error_response_owned(self) -> HttpResponse {
        actix_web::ResponseError::error_response(&self)
    }
}
