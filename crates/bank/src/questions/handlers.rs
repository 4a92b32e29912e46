//! Handlers of the question bank.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cuocthi_domain::scoring::{mask_of, OPTION_KEYS};
use cuocthi_store::entities::{contest, question_version, topic};
use cuocthi_store::staff::{audit, authenticate, AuditEntry, StaffAuth};
use cuocthi_store::{ApiError, AppContext, Snapshots};

use super::regrade::{regrade, RegradeOutcome};
use super::service::{self, BankQuestionDto, QuestionInput, TopicDto};
use super::stats::{item_stats, ItemStats};
use crate::import::{aiken, gift, sheet, FileError, Format, Parsed, ParsedQuestion};
use crate::report::{file_error, respond, ImportReport, ReportWarning};
use crate::units::ImportQuery;

type Ctx = web::Data<AppContext>;

async fn organizer(req: &HttpRequest, ctx: &AppContext) -> Result<StaffAuth, ApiError> {
    let staff = authenticate(req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    Ok(staff)
}

async fn contest_of(db: &impl ConnectionTrait, slug: &str) -> Result<contest::Model, ApiError> {
    contest::Entity::find()
        .filter(contest::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// The contest's topics.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/topics", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses((status = 200, description = "Topics", body = Vec<TopicDto>),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/topics")]
pub async fn list_topics(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    organizer(&req, &ctx).await?;
    let contest = contest_of(&ctx.db, &slug).await?;
    let topics: Vec<TopicDto> = topic::Entity::find()
        .filter(topic::Column::ContestId.eq(contest.id))
        .order_by_asc(topic::Column::Position)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|t| TopicDto {
            code: t.code,
            name: t.name,
        })
        .collect();
    Ok(HttpResponse::Ok().json(topics))
}

/// Filters of the question list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QuestionQuery {
    /// Topic code.
    pub topic: Option<String>,
    /// Only active (true) or inactive (false) questions.
    pub active: Option<bool>,
    /// Search in text and options, with or without diacritics.
    pub q: Option<String>,
}

/// The bank: current versions, filtered.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/questions", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug"), QuestionQuery),
    responses((status = 200, description = "Questions", body = Vec<BankQuestionDto>),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/questions")]
pub async fn list_questions(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
    query: web::Query<QuestionQuery>,
) -> Result<HttpResponse, ApiError> {
    organizer(&req, &ctx).await?;
    let contest = contest_of(&ctx.db, &slug).await?;
    let list = service::list(
        &ctx.db,
        contest.id,
        query.topic.as_deref(),
        query.active,
        query.q.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Adds a question (version 1). A question whose normalised text is already in the bank is
/// added too, with the others listed in `duplicates`.
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/questions", tag = "organizer", request_body = QuestionInput,
    params(("slug" = String, Path, description = "The contest's slug"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses((status = 201, description = "Created", body = BankQuestionDto),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
              (status = 422, description = "Field errors", body = cuocthi_store::api::ErrorBody)))]
#[post("/api/v1/admin/contests/{slug}/questions")]
pub async fn create_question(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: web::Data<Snapshots>,
    slug: web::Path<String>,
    body: web::Json<QuestionInput>,
) -> Result<HttpResponse, ApiError> {
    let staff = organizer(&req, &ctx).await?;
    let contest = contest_of(&ctx.db, &slug).await?;
    let parsed = service::content(&body, None)
        .map_err(|p| ApiError::invalid_fields("validation_failed", p))?;
    let txn = ctx.db.begin().await?;
    let ids = service::insert_questions(
        &txn,
        contest.id,
        std::slice::from_ref(&parsed),
        body.active.unwrap_or(true),
        ctx.now_ms(),
    )
    .await?;
    txn.commit().await?;
    let id = *ids.first().ok_or_else(|| ApiError::internal("no id"))?;
    snapshots.invalidate(contest.id);
    service::set_tags(&ctx.db, id, body.tags.as_deref()).await?;
    let dto = service::detail(&ctx.db, contest.id, id).await?;
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "question.create".into(),
            contest_id: Some(contest.id),
            subject: Some(id.to_string()),
            after: serde_json::to_value(&dto.current).ok(),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// One question with every version.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/questions/{id}", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug"), ("id" = Uuid, Path, description = "The question")),
    responses((status = 200, description = "The question", body = BankQuestionDto),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest or question", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/questions/{id}")]
pub async fn get_question(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    organizer(&req, &ctx).await?;
    let (slug, id) = path.into_inner();
    let contest = contest_of(&ctx.db, &slug).await?;
    Ok(HttpResponse::Ok().json(service::detail(&ctx.db, contest.id, id).await?))
}

/// Changes a question. Content changes make a new version; attempts keep the version they
/// showed. Topic and `active` change in place. To correct the key attempts were scored with,
/// use regrade.
#[utoipa::path(patch, path = "/api/v1/admin/contests/{slug}/questions/{id}", tag = "organizer", request_body = QuestionInput,
    params(("slug" = String, Path, description = "The contest's slug"), ("id" = Uuid, Path, description = "The question"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses((status = 200, description = "Changed", body = BankQuestionDto),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest or question", body = cuocthi_store::api::ErrorBody),
              (status = 422, description = "Field errors", body = cuocthi_store::api::ErrorBody)))]
#[patch("/api/v1/admin/contests/{slug}/questions/{id}")]
pub async fn update_question(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: web::Data<Snapshots>,
    path: web::Path<(String, Uuid)>,
    body: web::Json<QuestionInput>,
) -> Result<HttpResponse, ApiError> {
    let staff = organizer(&req, &ctx).await?;
    let (slug, id) = path.into_inner();
    let contest = contest_of(&ctx.db, &slug).await?;
    let current = service::detail(&ctx.db, contest.id, id).await?;
    let base = service::as_parsed(&current);
    let next = service::content(&body, Some(&base))
        .map_err(|p| ApiError::invalid_fields("validation_failed", p))?;
    service::change(
        &ctx.db,
        contest.id,
        &current,
        &next,
        body.active,
        ctx.now_ms(),
    )
    .await?;
    snapshots.invalidate(contest.id);
    service::set_tags(&ctx.db, id, body.tags.as_deref()).await?;
    let after = service::detail(&ctx.db, contest.id, id).await?;
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "question.update".into(),
            contest_id: Some(contest.id),
            subject: Some(id.to_string()),
            before: serde_json::to_value(&current.current).ok(),
            after: serde_json::to_value(&after.current).ok(),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(after))
}

/// A regrade: the right letters of a version (default: the current one).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegradeRequest {
    /// Right letters, in the version's original option order, e.g. `["C"]`.
    pub key: Vec<String>,
    /// The version number (default: current).
    pub version: Option<i32>,
}

/// Corrects the key of a version attempts were shown and rescores every finished attempt that
/// drew it, in one pass; recorded in the audit log.
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/questions/{id}/regrade", tag = "organizer", request_body = RegradeRequest,
    params(("slug" = String, Path, description = "The contest's slug"), ("id" = Uuid, Path, description = "The question"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses((status = 200, description = "Rescored", body = RegradeOutcome),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest, question or version", body = cuocthi_store::api::ErrorBody),
              (status = 422, description = "A key naming no option", body = cuocthi_store::api::ErrorBody)))]
#[post("/api/v1/admin/contests/{slug}/questions/{id}/regrade")]
pub async fn regrade_question(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: web::Data<Snapshots>,
    path: web::Path<(String, Uuid)>,
    body: web::Json<RegradeRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = organizer(&req, &ctx).await?;
    let (slug, id) = path.into_inner();
    let contest = contest_of(&ctx.db, &slug).await?;
    let current = service::detail(&ctx.db, contest.id, id).await?;
    let number = body.version.unwrap_or(current.current.version);
    let version = question_version::Entity::find()
        .filter(question_version::Column::QuestionId.eq(id))
        .filter(question_version::Column::Version.eq(number))
        .one(&ctx.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let option_count = serde_json::from_str::<Vec<String>>(&version.options)
        .map(|o| o.len())
        .unwrap_or(0);
    let mut indices = Vec::new();
    for letter in &body.key {
        match OPTION_KEYS
            .iter()
            .take(option_count)
            .position(|k| k.eq_ignore_ascii_case(letter.trim()))
        {
            Some(i) if !indices.contains(&(i as u8)) => indices.push(i as u8),
            _ => {
                return Err(ApiError::invalid_fields(
                    "validation_failed",
                    [("key".to_owned(), "unknown_key".to_owned())].into(),
                ));
            }
        }
    }
    if indices.is_empty() {
        return Err(ApiError::invalid_fields(
            "validation_failed",
            [("key".to_owned(), "required".to_owned())].into(),
        ));
    }
    let outcome = regrade(&ctx.db, &version, mask_of(&indices)).await?;
    snapshots.invalidate(contest.id);
    // The rescored rounds' live boards hold the old scores: rebuilt on their next read.
    cuocthi_store::live_board::forget_rounds(ctx.cache.as_ref(), &outcome.touched_round_ids).await;
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "question.regrade".into(),
            contest_id: Some(contest.id),
            subject: Some(format!("{id} v{number}")),
            before: Some(serde_json::json!({"key": outcome.old_key})),
            after: serde_json::to_value(&outcome).ok(),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

fn decode_text(bytes: &[u8]) -> Result<String, FileError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| FileError::Unreadable("tệp không phải văn bản UTF-8".into()))?;
    if text.contains('\0') {
        return Err(FileError::Unreadable("tệp chứa dữ liệu nhị phân".into()));
    }
    Ok(text.to_owned())
}

fn parse_file(
    bytes: &[u8],
    format: Format,
    limit: usize,
) -> Result<Parsed<ParsedQuestion>, FileError> {
    match format {
        Format::Xlsx | Format::Csv => sheet::parse_questions(bytes, format, limit),
        Format::Gift => gift::parse_gift(&decode_text(bytes)?),
        Format::Aiken => aiken::parse_aiken(&decode_text(bytes)?),
    }
}

/// Imports questions: `.xlsx`/`.csv` in the template, GIFT or Aiken. With `dry_run=true` only
/// the report; otherwise everything in one transaction or, with any invalid row, nothing (422
/// with the same report).
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/questions/import", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug"), ImportQuery,
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body(content = Vec<u8>, description = "The file, raw or as multipart field `file`", content_type = "application/octet-stream"),
    responses((status = 200, description = "The report", body = ImportReport),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
              (status = 413, description = "payload_too_large", body = cuocthi_store::api::ErrorBody),
              (status = 415, description = "unsupported_format", body = cuocthi_store::api::ErrorBody),
              (status = 422, description = "unreadable_file, or invalid rows (nothing imported)", body = cuocthi_store::api::ErrorBody)))]
#[post("/api/v1/admin/contests/{slug}/questions/import")]
pub async fn import_questions(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: web::Data<Snapshots>,
    slug: web::Path<String>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let staff = organizer(&req, &ctx).await?;
    let contest = contest_of(&ctx.db, &slug).await?;
    let limit = ctx.settings.upload_limit;
    let upload = crate::upload::read(&req, payload, limit, query.format.as_deref()).await?;
    let format =
        sheet::detect_format(&upload.bytes, upload.declared.as_deref()).map_err(file_error)?;
    let bytes = upload.bytes;
    let mut parsed = web::block(move || parse_file(&bytes, format, limit))
        .await
        .map_err(ApiError::internal)?
        .map_err(file_error)?;
    let too_long = service::storage_problems(&parsed.items);
    if !too_long.is_empty() {
        let bad: HashSet<u32> = too_long.iter().map(|e| e.row).collect();
        parsed.items.retain(|q| !bad.contains(&q.row));
        parsed.errors.extend(too_long);
        parsed.errors.sort_by_key(|e| e.row);
    }
    let dry_run = query.dry_run.unwrap_or(false);
    let mut report = ImportReport::new(parsed.items.len(), parsed.errors.clone(), dry_run);
    let mut known = service::existing_text_keys(&ctx.db, contest.id).await?;
    let mut in_file = HashSet::new();
    for q in &parsed.items {
        let key = service::text_key(&q.text);
        if known.contains(&key) {
            report.warnings.push(ReportWarning {
                row: q.row,
                warning: "duplicate_question".into(),
                message: format!("Dòng {}: câu hỏi này đã có trong ngân hàng câu hỏi.", q.row),
            });
        } else if !in_file.insert(key.clone()) {
            report.warnings.push(ReportWarning {
                row: q.row,
                warning: "duplicate_in_file".into(),
                message: format!(
                    "Dòng {}: câu hỏi này trùng với một câu hỏi khác trong tệp.",
                    q.row
                ),
            });
        }
    }
    if !dry_run && parsed.errors.is_empty() && !parsed.items.is_empty() {
        let txn = ctx.db.begin().await?;
        let ids =
            service::insert_questions(&txn, contest.id, &parsed.items, true, ctx.now_ms()).await?;
        txn.commit().await?;
        known.clear();
        report.imported = ids.len();
        snapshots.invalidate(contest.id);
        audit(
            &ctx.db,
            ctx.now_ms(),
            AuditEntry {
                actor: staff.username,
                action: "question.import".into(),
                contest_id: Some(contest.id),
                subject: Some(format!("{} questions ({format:?})", ids.len())),
                ..AuditEntry::default()
            },
        )
        .await?;
    }
    Ok(respond(&report))
}

fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(bytes)
}

/// The empty question template with an instructions sheet in Vietnamese.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/questions/template.xlsx", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses((status = 200, description = "The template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/questions/template.xlsx")]
pub async fn template(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    organizer(&req, &ctx).await?;
    contest_of(&ctx.db, &slug).await?;
    let bytes = sheet::questions_template_xlsx().map_err(file_error)?;
    Ok(xlsx_response(bytes, "mau-cau-hoi.xlsx"))
}

/// The contest and its bank's current versions, in the template's shape (what both exports
/// write).
async fn export_rows(
    ctx: &AppContext,
    slug: &str,
) -> Result<(contest::Model, Vec<sheet::SheetQuestion>), ApiError> {
    let contest = contest_of(&ctx.db, slug).await?;
    let rows = service::list(&ctx.db, contest.id, None, None, None)
        .await?
        .iter()
        .map(|q| sheet::SheetQuestion {
            topic: q.topic.name.clone(),
            text: q.current.text.clone(),
            options: q.current.options.clone(),
            key: service::as_parsed(q).key,
            points: q.current.points,
            explanation: q.current.explanation.clone(),
            difficulty: q.current.difficulty.clone(),
        })
        .collect();
    Ok((contest, rows))
}

/// The bank as `.xlsx` in the template: importing it gives the same bank.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/questions/export.xlsx", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses((status = 200, description = "The bank", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/questions/export.xlsx")]
pub async fn export_xlsx(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    organizer(&req, &ctx).await?;
    let (contest, rows) = export_rows(&ctx, &slug).await?;
    let bytes = web::block(move || sheet::questions_to_xlsx(&rows))
        .await
        .map_err(ApiError::internal)?
        .map_err(file_error)?;
    Ok(xlsx_response(
        bytes,
        &format!("ngan-hang-{}.xlsx", contest.slug),
    ))
}

/// The bank as Moodle GIFT.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/questions/export.gift", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses((status = 200, description = "The bank", content_type = "text/plain"),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/questions/export.gift")]
pub async fn export_gift(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    organizer(&req, &ctx).await?;
    let (contest, sheet_rows) = export_rows(&ctx, &slug).await?;
    let rows: Vec<gift::ExportQuestion> = sheet_rows
        .into_iter()
        .map(|q| gift::ExportQuestion {
            topic: q.topic,
            text: q.text,
            options: q.options,
            key: q.key,
            points: q.points,
            explanation: q.explanation,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"ngan-hang-{}.gift.txt\"",
                contest.slug
            ),
        ))
        .body(gift::to_gift(&rows)))
}

/// Item statistics over finished attempts, the lowest correct rate first.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/questions/stats", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses((status = 200, description = "Per question version", body = Vec<ItemStats>),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/questions/stats")]
pub async fn question_stats(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    organizer(&req, &ctx).await?;
    let contest = contest_of(&ctx.db, &slug).await?;
    Ok(HttpResponse::Ok().json(item_stats(&ctx.db, contest.id).await?))
}
