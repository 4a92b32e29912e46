//! Reading an uploaded file: the raw body (format from `?format=`, the `Content-Type`, or the
//! file's signature) or `multipart/form-data` with one field `file`. The body is read up to a
//! limit and refused with 413 beyond it, before anything is parsed.

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures::StreamExt;

use cuocthi_store::ApiError;

/// An uploaded file: its bytes and what the client said it is (format parameter, MIME type or
/// file name), if anything.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// `?format=` if given, else the part's or request's content type, else the file name.
    pub declared: Option<String>,
}

/// Reads the body up to `limit` bytes (413 `payload_too_large` beyond).
pub async fn read(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    format_param: Option<&str>,
) -> Result<Upload, ApiError> {
    if let Some(length) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if length > limit + 64 * 1024 {
            return Err(ApiError::payload_too_large(limit));
        }
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("malformed_body", e.to_string()))?;
        if body.len() + chunk.len() > limit + 64 * 1024 {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let declared_param = format_param
        .map(str::to_owned)
        .filter(|f| !f.trim().is_empty());
    let upload = if content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_owned())
            .ok_or_else(|| {
                ApiError::bad_request("malformed_body", "multipart body without a boundary")
            })?;
        let part = file_part(&body, &boundary).ok_or_else(|| {
            ApiError::bad_request(
                "malformed_body",
                "send the file in a form field named `file`",
            )
        })?;
        Upload {
            bytes: part.0,
            declared: declared_param.or(part.1),
        }
    } else {
        let mime = content_type
            .split(';')
            .next()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        let generic = mime
            .as_deref()
            .is_some_and(|m| m == "application/octet-stream");
        Upload {
            bytes: body,
            declared: declared_param.or(if generic { None } else { mime }),
        }
    };
    if upload.bytes.len() > limit {
        return Err(ApiError::payload_too_large(limit));
    }
    Ok(upload)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from >= haystack.len() {
        return None;
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The content of the `multipart/form-data` part named `file` in `body` (parts separated by
/// `--{boundary}`), and its declared type (other than `application/octet-stream`) or else its
/// file name. `None` when there is no such part or the body is malformed. Never panics on any
/// input, and the content returned is a slice of `body` (public for the fuzz target).
pub fn file_part(body: &[u8], boundary: &str) -> Option<(Vec<u8>, Option<String>)> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut position = find(body, &delimiter, 0)?;
    loop {
        let headers_start = position + delimiter.len();
        if body.get(headers_start..headers_start + 2) == Some(b"--") {
            return None;
        }
        let headers_end = find(body, b"\r\n\r\n", headers_start)?;
        let headers = String::from_utf8_lossy(body.get(headers_start..headers_end)?).to_string();
        let content_start = headers_end + 4;
        let next = find(body, &delimiter, content_start)?;
        let content_end = next.checked_sub(2).filter(|e| *e >= content_start)?;
        let lower = headers.to_ascii_lowercase();
        if lower.contains("name=\"file\"") {
            let content_type = headers
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-type:"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| v != "application/octet-stream");
            let file_name = headers
                .split("filename=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned);
            return Some((
                body.get(content_start..content_end)?.to_vec(),
                content_type.or(file_name),
            ));
        }
        position = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_field_is_found_among_parts() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bank.csv\"\r\nContent-Type: application/octet-stream\r\n\r\nSTT,C\r\n1,2\r\n--XX--\r\n";
        let (content, declared) = file_part(body, "XX").unwrap();
        assert_eq!(content, b"STT,C\r\n1,2");
        assert_eq!(declared.as_deref(), Some("bank.csv"));
        assert!(file_part(
            b"--XX\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XX--",
            "XX"
        )
        .is_none());
        assert!(file_part(b"garbage", "XX").is_none());
    }
}
