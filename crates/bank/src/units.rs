//! Units of a contest: list, create, change, delete, import (`.xlsx`/`.csv`, contract columns).

use std::collections::HashMap;

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cuocthi_domain::identity::normalize_text;
use cuocthi_store::api::is_unique_violation;
use cuocthi_store::entities::{contest, participant, unit};
use cuocthi_store::staff::{audit, authenticate, AuditEntry, Role, StaffAuth};
use cuocthi_store::{ApiError, AppContext};

use crate::import::{sheet, Format, ParsedUnit};
use crate::report::{file_error, respond, ImportReport};

type Ctx = web::Data<AppContext>;

/// A unit as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitAdmin {
    /// Id (what participants send as `unit_id`).
    pub id: Uuid,
    /// `Mã đơn vị`.
    pub code: String,
    /// `Tên đơn vị`.
    pub name: String,
    /// `Khối`.
    pub block: String,
    /// `Số người`: the denominator of the participation rate.
    pub headcount: Option<i32>,
}

impl From<unit::Model> for UnitAdmin {
    fn from(u: unit::Model) -> Self {
        Self {
            id: u.id,
            code: u.code,
            name: u.name,
            block: u.block,
            headcount: u.headcount,
        }
    }
}

/// A unit to create or the fields to change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UnitInput {
    /// Code (create only).
    pub code: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Block.
    pub block: Option<String>,
    /// Headcount (null clears it).
    pub headcount: Option<i32>,
}

async fn contest_id(db: &impl ConnectionTrait, slug: &str) -> Result<Uuid, ApiError> {
    Ok(contest::Entity::find()
        .filter(contest::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?
        .id)
}

fn unit_problems(
    code: &str,
    name: &str,
    block: &str,
    headcount: Option<i32>,
) -> crate::contests::input::FieldProblems {
    let mut problems = crate::contests::input::FieldProblems::new();
    // As in imports: starting with a letter or digit, so no export cell reads as a formula.
    let code_ok = code
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !code_ok {
        problems.insert("code".into(), "invalid_code".into());
    }
    if name.is_empty() || name.chars().count() > 300 {
        problems.insert("name".into(), "required".into());
    }
    if block.is_empty() || block.chars().count() > 300 {
        problems.insert("block".into(), "required".into());
    }
    if headcount.is_some_and(|h| !(1..=1_000_000).contains(&h)) {
        problems.insert("headcount".into(), "invalid_headcount".into());
    }
    problems
}

fn require_unit_access(staff: &StaffAuth) -> Result<(), ApiError> {
    staff.require(&[Role::Admin, Role::Organizer, Role::UnitManager])
}

/// The contest's units (a unit manager sees only their own).
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/units", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses(
        (status = 200, description = "Units", body = Vec<UnitAdmin>),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/units")]
pub async fn list_units(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    require_unit_access(&staff)?;
    let id = contest_id(&ctx.db, &slug).await?;
    let mut query = unit::Entity::find().filter(unit::Column::ContestId.eq(id));
    if staff.role == Role::UnitManager {
        query = query.filter(unit::Column::Code.eq(staff.unit_code.clone().unwrap_or_default()));
    }
    let units: Vec<UnitAdmin> = query
        .order_by_asc(unit::Column::Position)
        .order_by_asc(unit::Column::Code)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(UnitAdmin::from)
        .collect();
    Ok(HttpResponse::Ok().json(units))
}

/// Adds a unit.
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/units", tag = "organizer", request_body = UnitInput,
    params(("slug" = String, Path, description = "The contest's slug"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 201, description = "Created", body = UnitAdmin),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "code_taken", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "Field errors", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/admin/contests/{slug}/units")]
pub async fn create_unit(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
    body: web::Json<UnitInput>,
) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let id = contest_id(&ctx.db, &slug).await?;
    let code = body
        .code
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let name = normalize_text(body.name.as_deref().unwrap_or_default());
    let block = normalize_text(body.block.as_deref().unwrap_or_default());
    let problems = unit_problems(&code, &name, &block, body.headcount);
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields("validation_failed", problems));
    }
    let position = unit::Entity::find()
        .filter(unit::Column::ContestId.eq(id))
        .count(&ctx.db)
        .await? as i32;
    let row = unit::Model {
        id: Uuid::now_v7(),
        contest_id: id,
        code,
        name,
        block,
        headcount: body.headcount,
        position,
    };
    match unit::Entity::insert(unit::ActiveModel::from(row.clone()))
        .exec_without_returning(&ctx.db)
        .await
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict(
                "code_taken",
                "a unit with this code exists",
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let dto = UnitAdmin::from(row);
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "unit.create".into(),
            contest_id: Some(id),
            subject: Some(dto.code.clone()),
            after: serde_json::to_value(&dto).ok(),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

async fn find_unit(
    db: &impl ConnectionTrait,
    contest: Uuid,
    code: &str,
) -> Result<unit::Model, ApiError> {
    unit::Entity::find()
        .filter(unit::Column::ContestId.eq(contest))
        .filter(unit::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Changes a unit's name, block or headcount.
#[utoipa::path(patch, path = "/api/v1/admin/contests/{slug}/units/{code}", tag = "organizer", request_body = UnitInput,
    params(("slug" = String, Path, description = "The contest's slug"), ("code" = String, Path, description = "The unit's code"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "Changed", body = UnitAdmin),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest or unit", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "Field errors", body = cuocthi_store::api::ErrorBody),
    ))]
#[patch("/api/v1/admin/contests/{slug}/units/{code}")]
pub async fn update_unit(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, String)>,
    body: web::Json<UnitInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let id = contest_id(&ctx.db, &slug).await?;
    let existing = find_unit(&ctx.db, id, &code).await?;
    let name = body
        .name
        .as_deref()
        .map(normalize_text)
        .unwrap_or_else(|| existing.name.clone());
    let block = body
        .block
        .as_deref()
        .map(normalize_text)
        .unwrap_or_else(|| existing.block.clone());
    let headcount = if body.headcount.is_some() {
        body.headcount
    } else {
        existing.headcount
    };
    let problems = unit_problems(&existing.code, &name, &block, headcount);
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields("validation_failed", problems));
    }
    let before = UnitAdmin::from(existing.clone());
    let updated = unit::Model {
        name,
        block,
        headcount,
        ..existing
    };
    unit::Entity::update(unit::ActiveModel::from(updated.clone()).reset_all())
        .exec(&ctx.db)
        .await?;
    let after = UnitAdmin::from(updated);
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "unit.update".into(),
            contest_id: Some(id),
            subject: Some(code),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(after))
}

/// Deletes a unit nobody has registered with (409 `unit_in_use` otherwise).
#[utoipa::path(delete, path = "/api/v1/admin/contests/{slug}/units/{code}", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug"), ("code" = String, Path, description = "The unit's code"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest or unit", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "unit_in_use", body = cuocthi_store::api::ErrorBody),
    ))]
#[delete("/api/v1/admin/contests/{slug}/units/{code}")]
pub async fn delete_unit(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let id = contest_id(&ctx.db, &slug).await?;
    let existing = find_unit(&ctx.db, id, &code).await?;
    let used = participant::Entity::find()
        .filter(participant::Column::UnitId.eq(existing.id))
        .count(&ctx.db)
        .await?;
    if used > 0 {
        return Err(ApiError::conflict(
            "unit_in_use",
            "participants have registered with this unit",
        ));
    }
    unit::Entity::delete_by_id(existing.id)
        .exec(&ctx.db)
        .await?;
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "unit.delete".into(),
            contest_id: Some(id),
            subject: Some(code),
            before: serde_json::to_value(UnitAdmin::from(existing)).ok(),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Query of an import.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Only report; import nothing.
    pub dry_run: Option<bool>,
    /// `xlsx`, `csv` (units and questions), `gift`, `aiken` (questions).
    pub format: Option<String>,
}

/// Imports units (all or nothing): new codes are added, known codes updated.
pub async fn import_units_into(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest_id: Uuid,
    units: &[ParsedUnit],
) -> Result<usize, ApiError> {
    let existing: HashMap<String, unit::Model> = unit::Entity::find()
        .filter(unit::Column::ContestId.eq(contest_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let mut position = existing.len() as i32;
    let txn = db.begin().await?;
    for parsed in units {
        match existing.get(&parsed.code) {
            Some(current) => {
                unit::Entity::update_many()
                    .col_expr(unit::Column::Name, Expr::value(parsed.name.clone()))
                    .col_expr(unit::Column::Block, Expr::value(parsed.block.clone()))
                    .col_expr(unit::Column::Headcount, Expr::value(parsed.headcount))
                    .filter(unit::Column::Id.eq(current.id))
                    .exec(&txn)
                    .await?;
            }
            None => {
                unit::Entity::insert(unit::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    contest_id: Set(contest_id),
                    code: Set(parsed.code.clone()),
                    name: Set(parsed.name.clone()),
                    block: Set(parsed.block.clone()),
                    headcount: Set(parsed.headcount),
                    position: Set(position),
                })
                .exec_without_returning(&txn)
                .await?;
                position += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(units.len())
}

/// Imports units from `.xlsx` or `.csv` (columns `Mã đơn vị`, `Tên đơn vị`, `Khối`, `Số
/// người`). With `dry_run=true` only the report; otherwise everything or, with any invalid row,
/// nothing (422 with the same report).
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/units/import", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug"), ImportQuery,
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body(content = Vec<u8>, description = "The file, raw or as multipart field `file`", content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The report", body = ImportReport),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
        (status = 413, description = "payload_too_large", body = cuocthi_store::api::ErrorBody),
        (status = 415, description = "unsupported_format", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "unreadable_file, or invalid rows (nothing imported)", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/admin/contests/{slug}/units/import")]
pub async fn import_units(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let id = contest_id(&ctx.db, &slug).await?;
    let limit = ctx.settings.upload_limit;
    let upload = crate::upload::read(&req, payload, limit, query.format.as_deref()).await?;
    let format =
        sheet::detect_format(&upload.bytes, upload.declared.as_deref()).map_err(file_error)?;
    if !matches!(format, Format::Xlsx | Format::Csv) {
        return Err(file_error(crate::import::FileError::UnsupportedFormat(
            "danh sách đơn vị cần tệp .xlsx hoặc .csv".into(),
        )));
    }
    let bytes = upload.bytes;
    let parsed = web::block(move || sheet::parse_units(&bytes, format, limit))
        .await
        .map_err(ApiError::internal)?
        .map_err(file_error)?;
    let dry_run = query.dry_run.unwrap_or(false);
    let mut report = ImportReport::new(parsed.items.len(), parsed.errors.clone(), dry_run);
    if !dry_run && parsed.errors.is_empty() {
        report.imported = import_units_into(&ctx.db, id, &parsed.items).await?;
        audit(
            &ctx.db,
            ctx.now_ms(),
            AuditEntry {
                actor: staff.username,
                action: "unit.import".into(),
                contest_id: Some(id),
                subject: Some(format!("{} units", report.imported)),
                ..AuditEntry::default()
            },
        )
        .await?;
    }
    Ok(respond(&report))
}
