//! The statistics endpoints: the summary (contract), per unit (contract), per category, per
//! day and the report workbook. Admins and organizers see every unit; a unit manager sees
//! exactly their own unit in every figure, table and file (the scope is narrowed to it, and
//! `units_total` is 1).
//!
//! The figures come from the shared cache when computed less than ten seconds ago by the
//! server clock ([`super::cache`]): every statistics response may be up to 10 s behind the
//! attempts. `/stats` and `/stats/units` (and the report) share one per-unit computation.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use utoipa::IntoParams;

use cuocthi_store::entities::{category, contest, round, unit};
use cuocthi_store::staff::{authenticate, Role, StaffAuth};
use cuocthi_store::{ApiError, AppContext};

use crate::export::{fields_to_csv, to_xlsx_book, Field, Sheet};

use super::cache::{self, cached};
use super::calendar::{DayClock, DAY_MS};
use super::query::{CategoryFigures, DayFigures, UnitFigures};
use super::tables::{self, ReportHeader};
use super::{
    query, CategoryStats, DayStats, Scope, StatsQuery, StatsSummary, UnitStats, UNIT_HEADINGS,
};

/// The content type of `.xlsx` files.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What a statistics request is about, once its caller is known and allowed.
pub(crate) struct Resolved {
    /// The caller.
    pub(crate) staff: StaffAuth,
    /// The contest.
    pub(crate) contest: contest::Model,
    /// The round asked for, if any.
    pub(crate) round: Option<round::Model>,
    /// Where the figures look.
    pub(crate) scope: Scope,
    /// The units of the scope, in display order (a unit manager's: one).
    pub(crate) units: Vec<unit::Model>,
}

/// Authenticates (admin, organizer or unit manager), finds the contest and round, and narrows
/// a unit manager's scope to their unit (404 when that unit is not one of this contest's).
pub(crate) async fn resolve(
    req: &HttpRequest,
    ctx: &AppContext,
    slug: &str,
    round_number: Option<i32>,
) -> Result<Resolved, ApiError> {
    let staff = authenticate(req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer, Role::UnitManager])?;
    let contest = contest::Entity::find()
        .filter(contest::Column::Slug.eq(slug))
        .one(&ctx.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let round = match round_number {
        Some(n) => Some(
            round::Entity::find()
                .filter(round::Column::ContestId.eq(contest.id))
                .filter(round::Column::Number.eq(n))
                .one(&ctx.db)
                .await?
                .ok_or_else(ApiError::not_found)?,
        ),
        None => None,
    };
    let mut units = unit::Entity::find()
        .filter(unit::Column::ContestId.eq(contest.id))
        .order_by_asc(unit::Column::Position)
        .order_by_asc(unit::Column::Code)
        .all(&ctx.db)
        .await?;
    let mut unit_id = None;
    if staff.role == Role::UnitManager {
        // A unit manager sees only their own unit, everywhere.
        let own = staff.unit_code.clone().unwrap_or_default();
        units.retain(|u| u.code == own);
        let Some(own_unit) = units.first() else {
            return Err(ApiError::not_found());
        };
        unit_id = Some(own_unit.id);
    }
    let scope = Scope {
        contest_id: contest.id,
        round_id: round.as_ref().map(|r| r.id),
        unit_id,
    };
    Ok(Resolved {
        staff,
        contest,
        round,
        scope,
        units,
    })
}

/// The calendar of a contest's days: its zone, with the zone's transitions looked for from
/// two days before it opens to two days after it closes.
pub fn contest_clock(contest: &contest::Model) -> DayClock {
    DayClock::new(
        &contest.timezone,
        contest.opens_at.saturating_sub(2 * DAY_MS),
        contest
            .closes_at
            .max(contest.opens_at)
            .saturating_add(2 * DAY_MS),
    )
}

/// The categories of a contest in their order.
async fn categories_of(
    ctx: &AppContext,
    contest_id: uuid::Uuid,
) -> Result<Vec<category::Model>, ApiError> {
    Ok(category::Entity::find()
        .filter(category::Column::ContestId.eq(contest_id))
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Code)
        .all(&ctx.db)
        .await?)
}

impl Resolved {
    /// A file name: `stem-slug[-dot-n][-UNIT]` (a unit manager's files name their unit).
    fn file_name(&self, stem: &str) -> String {
        let mut name = format!("{stem}-{}", self.contest.slug);
        if let Some(round) = &self.round {
            name.push_str(&format!("-dot-{}", round.number));
        }
        if self.staff.role == Role::UnitManager {
            if let Some(unit) = self.units.first() {
                let code: String = unit
                    .code
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                name.push('-');
                name.push_str(&code);
            }
        }
        name
    }

    /// The per-unit figures of the scope (cached): what the summary and the per-unit table
    /// are built from.
    async fn unit_figures(&self, ctx: &AppContext) -> Result<UnitFigures, ApiError> {
        let key = cache::key("units", &self.scope, ctx.now_ms());
        cached(ctx, key, || {
            query::unit_figures(&ctx.db, &self.scope, &self.contest)
        })
        .await
    }

    /// The per-category figures of the scope (cached).
    async fn category_figures(&self, ctx: &AppContext) -> Result<CategoryFigures, ApiError> {
        let key = cache::key("categories", &self.scope, ctx.now_ms());
        cached(ctx, key, || {
            query::category_figures(&ctx.db, &self.scope, &self.contest)
        })
        .await
    }

    /// The per-day figures of the scope (cached).
    async fn day_figures(&self, ctx: &AppContext) -> Result<DayFigures, ApiError> {
        let key = cache::key("days", &self.scope, ctx.now_ms());
        cached(ctx, key, || async {
            let clock = contest_clock(&self.contest);
            query::day_figures(&ctx.db, &self.scope, &self.contest, &clock).await
        })
        .await
    }

    fn summary(&self, figures: &UnitFigures) -> StatsSummary {
        query::summary_of(figures, &self.contest, self.units.len() as i64)
    }

    fn units_table(&self, figures: &UnitFigures) -> Vec<UnitStats> {
        query::unit_table(&self.units, &figures.breakdown)
    }

    async fn categories_table(&self, ctx: &AppContext) -> Result<Vec<CategoryStats>, ApiError> {
        let figures = self.category_figures(ctx).await?;
        let categories = categories_of(ctx, self.contest.id).await?;
        Ok(query::category_table(&categories, &figures))
    }

    async fn days_table(&self, ctx: &AppContext) -> Result<Vec<DayStats>, ApiError> {
        Ok(query::day_table(&self.day_figures(ctx).await?))
    }
}

/// An attachment of `bytes` named `name`.
fn attachment(content_type: &str, name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

/// A one-sheet workbook of a table.
fn one_sheet(
    name: &str,
    headings: &[&str],
    rows: Vec<Vec<Field>>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    to_xlsx_book(&[Sheet {
        name: name.to_owned(),
        headings: headings.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }])
}

/// The table as JSON (the rows), `.csv` or a one-sheet `.xlsx`; 400 `unknown_format` else.
async fn table_response<T: serde::Serialize>(
    format: Option<&str>,
    name: &str,
    sheet: &'static str,
    headings: &'static [&'static str],
    rows: &[T],
    cells: Vec<Vec<Field>>,
) -> Result<HttpResponse, ApiError> {
    match format.unwrap_or("json") {
        "json" => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(rows)),
        "csv" => Ok(attachment(
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
            fields_to_csv(headings, &cells),
        )),
        "xlsx" => {
            let bytes = web::block(move || one_sheet(sheet, headings, cells))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            Ok(attachment(XLSX, &format!("{name}.xlsx"), bytes))
        }
        other => Err(ApiError::bad_request(
            "unknown_format",
            format!("format must be json, csv or xlsx, not {other:?}"),
        )),
    }
}

/// The summary of a contest (or of `?round=n`).
///
/// The figures may be up to 10 s old: they are computed at most once per ten seconds of the
/// server clock for each contest, round and unit scope, and kept in the shared cache.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/stats", tag = "statistics",
    params(("slug" = String, Path, description = "The contest's slug"), StatsQuery),
    responses((status = 200, description = "The summary", body = StatsSummary),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/stats")]
pub async fn summary_handler(
    req: HttpRequest,
    ctx: web::Data<AppContext>,
    slug: web::Path<String>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let resolved = resolve(&req, &ctx, &slug, query.round).await?;
    let body = resolved.summary(&resolved.unit_figures(&ctx).await?);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// Per-unit statistics as JSON (default), `.csv` or `.xlsx`.
///
/// Besides the contract's fields each JSON row has `mean_score`, `median_duration_ms` and
/// `score_distribution`; the files have the contract's columns, then the mean score and the
/// median duration (no distribution: see the report's "Phân bố điểm" sheet). Up to 10 s old,
/// like every statistics response (from the same computation as `/stats`).
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/stats/units", tag = "statistics",
    params(("slug" = String, Path, description = "The contest's slug"), StatsQuery),
    responses((status = 200, description = "One row per unit, zeros included", body = Vec<UnitStats>),
              (status = 400, description = "Unknown format", body = cuocthi_store::api::ErrorBody),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/stats/units")]
pub async fn units_handler(
    req: HttpRequest,
    ctx: web::Data<AppContext>,
    slug: web::Path<String>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let resolved = resolve(&req, &ctx, &slug, query.round).await?;
    let rows = resolved.units_table(&resolved.unit_figures(&ctx).await?);
    let cells = tables::unit_cells(&rows);
    table_response(
        query.format.as_deref(),
        &resolved.file_name("thong-ke-don-vi"),
        "Đơn vị",
        &UNIT_HEADINGS,
        &rows,
        cells,
    )
    .await
}

/// Per-category statistics as JSON (default), `.csv` or `.xlsx`.
///
/// Every category of the contest (zeros included), codes the contest no longer lists, and the
/// attempts without a category when there are any; each row with its units taking part and,
/// in JSON, its score distribution. Up to 10 s old, like every statistics response.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/stats/categories", tag = "statistics",
    params(("slug" = String, Path, description = "The contest's slug"), StatsQuery),
    responses((status = 200, description = "One row per category", body = Vec<CategoryStats>),
              (status = 400, description = "Unknown format", body = cuocthi_store::api::ErrorBody),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/stats/categories")]
pub async fn categories_handler(
    req: HttpRequest,
    ctx: web::Data<AppContext>,
    slug: web::Path<String>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let resolved = resolve(&req, &ctx, &slug, query.round).await?;
    let rows = resolved.categories_table(&ctx).await?;
    let cells = tables::category_cells(&rows);
    table_response(
        query.format.as_deref(),
        &resolved.file_name("thong-ke-doi-tuong"),
        "Đối tượng",
        &tables::CATEGORY_HEADINGS,
        &rows,
        cells,
    )
    .await
}

/// Per-day statistics as JSON (default), `.csv` or `.xlsx`.
///
/// One row per calendar day in the contest's time zone from the first to the last day with a
/// finished attempt, zeros included; an attempt belongs to the day it finished (finish times
/// before 1970-01-02 or after 9999-12-31, which only corrupt data can have, are left out of
/// the days). Each row has the figures of the summary for that day and, in JSON, its score
/// distribution. Up to 10 s old, like every statistics response.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/stats/days", tag = "statistics",
    params(("slug" = String, Path, description = "The contest's slug"), StatsQuery),
    responses((status = 200, description = "One row per day", body = Vec<DayStats>),
              (status = 400, description = "Unknown format", body = cuocthi_store::api::ErrorBody),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/stats/days")]
pub async fn days_handler(
    req: HttpRequest,
    ctx: web::Data<AppContext>,
    slug: web::Path<String>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let resolved = resolve(&req, &ctx, &slug, query.round).await?;
    let rows = resolved.days_table(&ctx).await?;
    let cells = tables::day_cells(&rows);
    table_response(
        query.format.as_deref(),
        &resolved.file_name("thong-ke-theo-ngay"),
        "Theo ngày",
        &tables::DAY_HEADINGS,
        &rows,
        cells,
    )
    .await
}

/// The report's scope.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// Round number; the whole contest when absent.
    pub round: Option<i32>,
}

/// The statistics report as one `.xlsx` workbook: "Tổng hợp" (the summary, labels in
/// Vietnamese), "Đơn vị", "Đối tượng", "Theo ngày", "Phân bố điểm" (the scope's distribution,
/// then a column per unit, category and day), "Thời gian làm bài". Its figures are those of
/// the other statistics endpoints, up to 10 s old.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/stats/report.xlsx", tag = "statistics",
    params(("slug" = String, Path, description = "The contest's slug"), ReportQuery),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/stats/report.xlsx")]
pub async fn report_handler(
    req: HttpRequest,
    ctx: web::Data<AppContext>,
    slug: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let resolved = resolve(&req, &ctx, &slug, query.round).await?;
    let bytes = report(&ctx, &resolved).await?;
    Ok(attachment(
        XLSX,
        &format!("{}.xlsx", resolved.file_name("bao-cao-thong-ke")),
        bytes,
    ))
}

/// Computes every figure of the scope and writes the report workbook.
async fn report(ctx: &AppContext, resolved: &Resolved) -> Result<Vec<u8>, ApiError> {
    let clock = contest_clock(&resolved.contest);
    let figures = resolved.unit_figures(ctx).await?;
    let (summary, units) = (resolved.summary(&figures), resolved.units_table(&figures));
    let categories = resolved.categories_table(ctx).await?;
    let days = resolved.days_table(ctx).await?;
    let header = ReportHeader {
        contest_title: resolved.contest.title.clone(),
        scope: resolved.round.as_ref().map_or_else(
            || "Toàn cuộc thi".to_owned(),
            |r| format!("Đợt {}", r.number),
        ),
        units: match (resolved.staff.role, resolved.units.first()) {
            (Role::UnitManager, Some(unit)) => format!("{} – {}", unit.code, unit.name),
            _ => "Tất cả đơn vị".to_owned(),
        },
        timezone: clock.timezone().to_owned(),
        generated_at: clock.local_time(ctx.now_ms()),
    };
    let sheets = tables::report_sheets(&header, &summary, &units, &categories, &days);
    web::block(move || to_xlsx_book(&sheets))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// The per-unit `.xlsx` of a scope, exactly as `GET .../stats/units?format=xlsx` builds it:
/// the figures from [`query::per_unit`] and the one-sheet workbook (for the P6 benchmark).
pub async fn units_xlsx(
    db: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    units: &[unit::Model],
) -> Result<Vec<u8>, ApiError> {
    let rows = query::per_unit(db, scope, units).await?;
    one_sheet("Đơn vị", &UNIT_HEADINGS, tables::unit_cells(&rows)).map_err(ApiError::internal)
}
