//! The import report of spec/api.md: `{"valid", "invalid", "errors", "imported"}`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::import::{FileError, RowError};
use cuocthi_store::ApiError;

/// One row error as reported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportError {
    /// Spreadsheet row (heading = 1), or question number in GIFT/Aiken.
    pub row: u32,
    /// The column heading or field.
    pub field: String,
    /// Stable code.
    pub error: String,
    /// Vietnamese message.
    pub message: String,
}

impl From<RowError> for ReportError {
    fn from(e: RowError) -> Self {
        Self {
            row: e.row,
            field: e.field,
            error: e.error,
            message: e.message,
        }
    }
}

/// A warning that does not stop the import (e.g. a question already in the bank).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportWarning {
    /// Row or question number.
    pub row: u32,
    /// Stable code, e.g. `duplicate_question`.
    pub warning: String,
    /// Vietnamese message.
    pub message: String,
}

/// What an import found and did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// Rows (or questions) without errors.
    pub valid: usize,
    /// Rows (or questions) with at least one error.
    pub invalid: usize,
    /// Every error.
    pub errors: Vec<ReportError>,
    /// How many were imported: 0 on a dry run or when anything was invalid.
    pub imported: usize,
    /// Extra: warnings that did not stop the import.
    pub warnings: Vec<ReportWarning>,
    /// Extra: whether this was a dry run.
    pub dry_run: bool,
}

impl ImportReport {
    /// A report over `valid` good items and these errors.
    pub fn new(valid: usize, errors: Vec<RowError>, dry_run: bool) -> Self {
        let mut rows: Vec<u32> = errors.iter().map(|e| e.row).collect();
        rows.sort_unstable();
        rows.dedup();
        Self {
            valid,
            invalid: rows.len(),
            errors: errors.into_iter().map(ReportError::from).collect(),
            imported: 0,
            warnings: Vec::new(),
            dry_run,
        }
    }
}

/// A file that cannot be read at all, as an HTTP error: 413 for too large, 415 for an unknown
/// format, 422 for an unreadable file.
pub fn file_error(error: FileError) -> ApiError {
    use actix_web::http::StatusCode;
    let status = match error {
        FileError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        FileError::UnsupportedFormat(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        FileError::Unreadable(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let message = match &error {
        FileError::TooLarge(m) | FileError::UnsupportedFormat(m) | FileError::Unreadable(m) => {
            m.clone()
        }
    };
    ApiError::new(status, error.code(), message)
}

/// The HTTP response of an import: 200 with the report, or 422 with the same report when a
/// real import found invalid rows (nothing imported).
pub fn respond(report: &ImportReport) -> actix_web::HttpResponse {
    if !report.dry_run && report.invalid > 0 {
        actix_web::HttpResponse::UnprocessableEntity().json(serde_json::json!({
            "error": "invalid_rows",
            "message": "some rows are invalid; nothing was imported",
            "valid": report.valid,
            "invalid": report.invalid,
            "errors": report.errors,
            "imported": 0,
            "warnings": report.warnings,
            "dry_run": false,
        }))
    } else {
        actix_web::HttpResponse::Ok().json(report)
    }
}
