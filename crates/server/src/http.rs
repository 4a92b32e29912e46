//! Cross-cutting HTTP behaviour: security headers, request logs, the JSON 404.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpRequest;

use cuocthi_store::ApiError;

/// The content security policy of our own pages: no inline script, nothing from elsewhere.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

/// The API docs page (Swagger UI, served locally) sets inline styles; its scripts are files of
/// our own origin like everything else.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
                        style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                        connect-src 'self'; object-src 'none'; base-uri 'none'; \
                        frame-ancestors 'none'";

/// Adds the security headers to every response.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let docs = req.path().starts_with("/api/docs");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if docs { DOCS_CSP } else { CSP }),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(response)
}

/// Logs every request with method, path, status and latency.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let route = route_label(response.request());
    crate::metrics::observe(method.as_str(), &route, status, elapsed);
    let micros = elapsed.as_micros() as u64;
    if status >= 500 {
        tracing::warn!(%method, %path, status, micros, "request");
    } else {
        tracing::debug!(%method, %path, status, micros, "request");
    }
    Ok(response)
}

/// Path shapes whose route pattern is remembered (see [`route_label`]).
const REMEMBERED_SHAPES: usize = 1024;

/// The route pattern a request matched, for metrics (`unmatched` when none). Asking actix
/// matches the path against the route table a second time, a walk of regular expressions; as
/// paths differ mostly by their ids, the answer is remembered per path shape (each segment
/// that is a UUID or a number stands for any), for at most [`REMEMBERED_SHAPES`] shapes.
fn route_label(request: &HttpRequest) -> std::sync::Arc<str> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static PATTERNS: LazyLock<Mutex<HashMap<String, Arc<str>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let shape = path_shape(request.path());
    if let Some(known) = PATTERNS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&shape)
    {
        return known.clone();
    }
    let pattern: Arc<str> = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned())
        .into();
    let mut patterns = PATTERNS.lock().unwrap_or_else(|p| p.into_inner());
    if patterns.len() < REMEMBERED_SHAPES {
        patterns.insert(shape, pattern.clone());
    }
    pattern
}

/// `path` with every segment that is a UUID or a whole number replaced by `*`.
fn path_shape(path: &str) -> String {
    let mut shape = String::with_capacity(path.len());
    for (index, segment) in path.split('/').enumerate() {
        if index > 0 {
            shape.push('/');
        }
        let variable = (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()))
            || uuid::Uuid::try_parse(segment).is_ok();
        shape.push_str(if variable { "*" } else { segment });
    }
    shape
}

/// Anything no route matched: 405 `method_not_allowed` with `Allow` for a path of the OpenAPI
/// document called with a method it does not list, else the JSON 404 of the API (also for a
/// listed method whose route refused the parameter's form, e.g. an id that is not hex).
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    let Some(methods) = crate::openapi::documented_methods(req.path()) else {
        return Err(ApiError::not_found());
    };
    if methods.contains(&req.method().as_str()) {
        return Err(ApiError::not_found());
    }
    let error = ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("this path answers {}", methods.join(", ")),
    );
    let mut response = actix_web::ResponseError::error_response(&error);
    if let Ok(allow) = HeaderValue::from_str(&methods.join(", ")) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::path_shape;

    #[test]
    fn ids_and_numbers_make_one_shape_and_words_stay() {
        assert_eq!(
            path_shape("/api/v1/attempts/0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b/answers/12"),
            "/api/v1/attempts/*/answers/*"
        );
        assert_eq!(
            path_shape("/api/v1/attempts/0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5c/answers/3"),
            "/api/v1/attempts/*/answers/*"
        );
        assert_eq!(
            path_shape("/api/v1/staff/contests/demo/participants/export"),
            "/api/v1/staff/contests/demo/participants/export"
        );
        assert_eq!(path_shape("/"), "/");
        assert_eq!(path_shape("/assets/app.3.js"), "/assets/app.3.js");
    }
}
