//! `GET /api/v1/admin/contests/{slug}/participants` (search, phones masked),
//! `GET /api/v1/admin/contests/{slug}/participants/{id}` (one whole record, audited) and
//! `PATCH /api/v1/admin/contests/{slug}/participants/{id}` (eligibility).

use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cuocthi_store::entities::{contest, unit};
use cuocthi_store::staff::{authenticate, Role};
use cuocthi_store::{ApiError, AppContext};

use super::rules::{Eligibility, ListRequest, Searcher};
use super::service::{self, ParticipantAdmin, ParticipantDetail, ParticipantPage, Scope};

type Ctx = web::Data<AppContext>;

/// The search of the participants list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ParticipantQuery {
    /// A name (without diacritics is fine: "nguyen van an" finds "Nguyễn Văn An"; any part of
    /// it), a phone (whole: exact; some digits: phones containing them) or a national ID
    /// (exact, 12 digits). At most 200 characters. A unit manager may search names only: text
    /// with a digit in it is refused (422, `q`: `name_only`).
    pub q: Option<String>,
    /// Only this unit (its code). A unit manager may give only their own.
    pub unit: Option<String>,
    /// `true`: only eligible participants; `false`: only those marked ineligible.
    pub eligible: Option<String>,
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Participants per page, 1–200 (default 50).
    pub per_page: Option<i64>,
}

/// An eligibility change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EligibilityInput {
    /// `false` marks the participant ineligible for prizes; `true` restores them.
    pub eligible: Option<bool>,
    /// Why (1–500 characters), required when `eligible` is `false`; cleared when `true`.
    pub ineligible_reason: Option<String>,
}

async fn contest_id(db: &impl ConnectionTrait, slug: &str) -> Result<Uuid, ApiError> {
    Ok(contest::Entity::find()
        .filter(contest::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?
        .id)
}

async fn unit_id(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    code: &str,
) -> Result<Option<Uuid>, ApiError> {
    Ok(unit::Entity::find()
        .filter(unit::Column::ContestId.eq(contest_id))
        .filter(unit::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|u| u.id))
}

/// Searches a contest's participants, a page at a time, by registration time. Phones are
/// masked for every role (`09xx xxx 678`: the first two and last three digits). Admins and
/// organizers see every unit and may search by name, whole phone, some digits of a phone or
/// national ID; a unit manager sees their own unit only and searches by name only.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/participants", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug"), ParticipantQuery),
    responses(
        (status = 200, description = "One page of participants", body = ParticipantPage),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "A unit manager asking for another unit", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "Field errors: `page`, `per_page` (`out_of_range`), `eligible` (`invalid`), `q` (`too_long`; `name_only`: a unit manager's search has a digit in it), `unit` (`unknown_unit`)", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/participants")]
pub async fn list_participants(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
    query: web::Query<ParticipantQuery>,
) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer, Role::UnitManager])?;
    let contest = contest_id(&ctx.db, &slug).await?;
    let manager = staff.role == Role::UnitManager;
    let searcher = if manager {
        Searcher::UnitManager
    } else {
        Searcher::Organizer
    };
    let request = ListRequest::parse(
        searcher,
        query.q.as_deref(),
        query.eligible.as_deref(),
        query.page,
        query.per_page,
    )
    .map_err(|problems| {
        let name_only = problems.get("q").is_some_and(|code| code == "name_only");
        let mut error = ApiError::invalid_fields("validation_failed", problems);
        if name_only {
            error.set_message(
                "quản lý đơn vị chỉ tìm được theo họ tên, không theo số điện thoại hay số định danh / \
                 a unit manager may search by name only, not by phone or national ID",
            );
        }
        error
    })?;
    let asked = query
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty());
    let empty = || ParticipantPage {
        total: 0,
        page: request.page,
        per_page: request.per_page,
        items: Vec::new(),
    };
    let unit = if manager {
        let own = staff.unit_code.as_deref().unwrap_or_default();
        if asked.is_some_and(|code| code != own) {
            return Err(ApiError::forbidden(
                "forbidden",
                "một quản lý đơn vị chỉ xem được thí sinh của đơn vị mình / a unit manager sees their own unit only",
            ));
        }
        match unit_id(&ctx.db, contest, own).await? {
            Some(id) => Some(id),
            // Their unit is not in this contest: nobody to show.
            None => return Ok(HttpResponse::Ok().json(empty())),
        }
    } else {
        match asked {
            None => None,
            Some(code) => Some(unit_id(&ctx.db, contest, code).await?.ok_or_else(|| {
                ApiError::invalid_fields(
                    "validation_failed",
                    [("unit".to_owned(), "unknown_unit".to_owned())].into(),
                )
            })?),
        }
    };
    let scope = Scope {
        unit_id: unit,
        eligible: request.eligible,
        search: request.search.clone(),
        ..Scope::contest(contest)
    };
    let total = service::count(&ctx.db, &scope).await?;
    let items = if request.offset() < total {
        service::page(&ctx.db, &scope, request.per_page, request.offset()).await?
    } else {
        Vec::new()
    };
    Ok(HttpResponse::Ok().json(ParticipantPage {
        total,
        page: request.page,
        per_page: request.per_page,
        items,
    }))
}

/// One participant's whole record: the unmasked phone and national ID, birth year, gender and
/// address, with what the list shows. Admins and organizers only (a unit manager: 403); every
/// view is recorded in the audit log (`participant.view`, the participant's id as subject)
/// before the record is sent. Mounted after `participants/export` (see
/// `crate::configure_after_statistics`), and its `{id}` matches hexadecimal and `-` only, so
/// that `export` is never taken for an id.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/participants/{id}", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug"),
           ("id" = Uuid, Path, description = "The participant's id")),
    responses(
        (status = 200, description = "The participant's whole record (the view is audited)", body = ParticipantDetail),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Not an admin or organizer", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, or no such participant in it", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/participants/{id:[0-9a-fA-F-]+}")]
pub async fn get_participant(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let contest = contest_id(&ctx.db, &slug).await?;
    let record: ParticipantDetail =
        service::detail(&ctx.db, contest, id, &staff.username, ctx.now_ms()).await?;
    Ok(HttpResponse::Ok().json(record))
}

/// Marks a participant ineligible for prizes (with a reason) or restores them. They keep
/// their attempts and stay in the statistics; finalized results of the rounds they finished
/// are flagged `needs_refinalize` when their eligibility changes. Admins and organizers only;
/// recorded in the audit log (`participant.eligibility`). Answers the row as the list shows
/// it (phone masked).
#[utoipa::path(patch, path = "/api/v1/admin/contests/{slug}/participants/{id}", tag = "organizer",
    request_body = EligibilityInput,
    params(("slug" = String, Path, description = "The contest's slug"),
           ("id" = Uuid, Path, description = "The participant's id"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "The participant as now stored, as the list shows them (phone masked)", body = ParticipantAdmin),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Not an admin or organizer, or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, or no such participant in it", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "Field errors: `eligible` (`required`), `ineligible_reason` (`required`, `too_long`, `invalid`)", body = cuocthi_store::api::ErrorBody),
    ))]
#[patch("/api/v1/admin/contests/{slug}/participants/{id}")]
pub async fn update_participant(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, Uuid)>,
    body: web::Json<EligibilityInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let contest = contest_id(&ctx.db, &slug).await?;
    let change = Eligibility::parse(body.eligible, body.ineligible_reason.as_deref())
        .map_err(|problems| ApiError::invalid_fields("validation_failed", problems))?;
    let outcome =
        service::set_eligibility(&ctx.db, contest, id, &change, &staff.username, ctx.now_ms())
            .await?;
    // The live boards rank only eligible participants: rebuild those they are on.
    cuocthi_store::live_board::forget_rounds(ctx.cache.as_ref(), &outcome.rounds_touched).await;
    let row = service::one(&ctx.db, contest, id).await?;
    Ok(HttpResponse::Ok().json(row))
}
