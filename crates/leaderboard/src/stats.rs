//! Participation statistics (spec/contest-rules.md "Statistics"): an attempt counts once it
//! has finished; a participant counts once they have a finished attempt in the scope; every
//! unit appears, with zeros where nobody took part. Computed by indexed aggregate queries over
//! `attempts` (which carries each participant's unit), never on the answer-save path.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Statement,
    Value,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cuocthi_store::entities::{contest, round, unit};
use cuocthi_store::staff::{authenticate, Role, StaffAuth};
use cuocthi_store::{ApiError, AppContext};

use crate::export::{to_csv, to_xlsx, Cell};

/// The summary of a contest or a round.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsSummary {
    /// Distinct people with a finished attempt.
    pub participants: i64,
    /// Finished attempts.
    pub attempts: i64,
    /// People with at least one perfect attempt.
    pub perfect_participants: i64,
    /// Perfect attempts.
    pub perfect_attempts: i64,
    /// Units with at least one participant.
    pub units_participating: i64,
    /// Units of the contest (of the unit manager: 1).
    pub units_total: i64,
    /// Finished attempts by number correct: index 0..=questions_per_attempt.
    pub score_distribution: Vec<i64>,
    /// Attempts not yet finished.
    pub in_progress: i64,
}

/// One unit's row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitStats {
    /// Code.
    pub unit_code: String,
    /// Name.
    pub unit_name: String,
    /// Block.
    pub block: String,
    /// Expected participants, if set.
    pub headcount: Option<i32>,
    /// Distinct people with a finished attempt.
    pub participants: i64,
    /// Finished attempts.
    pub attempts: i64,
    /// People with a perfect attempt.
    pub perfect_participants: i64,
    /// Perfect attempts.
    pub perfect_attempts: i64,
    /// `participants / headcount`, unrounded; null without a headcount.
    pub participation_rate: Option<f64>,
}

/// Scope and format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StatsQuery {
    /// Round number; the whole contest when absent.
    pub round: Option<i32>,
    /// `json` (default), `csv` or `xlsx` (units only).
    pub format: Option<String>,
}

#[derive(FromQueryResult)]
struct Totals {
    participants: i64,
    attempts: i64,
    perfect_attempts: Option<i64>,
    perfect_participants: i64,
    units_participating: i64,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

#[derive(FromQueryResult)]
struct Bucket {
    correct: Option<i32>,
    n: i64,
}

#[derive(FromQueryResult)]
struct UnitRow {
    unit_id: Uuid,
    participants: i64,
    attempts: i64,
    perfect_attempts: Option<i64>,
    perfect_participants: i64,
}

/// Where the statistics look: a contest, maybe one round, maybe one unit.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The contest.
    pub contest_id: Uuid,
    /// The round, or the whole contest.
    pub round_id: Option<Uuid>,
    /// The unit (a unit manager's), or all.
    pub unit_id: Option<Uuid>,
}

impl Scope {
    /// The `WHERE` conditions after `contest_id = $1 AND status ...`, with their values
    /// numbered from `first`.
    fn filter(&self, first: usize) -> (String, Vec<Value>) {
        let mut sql = String::new();
        let mut values = Vec::new();
        let mut n = first;
        if let Some(round) = self.round_id {
            sql.push_str(&format!(" AND round_id = ${n}"));
            values.push(round.into());
            n += 1;
        }
        if let Some(unit) = self.unit_id {
            sql.push_str(&format!(" AND unit_id = ${n}"));
            values.push(unit.into());
        }
        (sql, values)
    }
}

/// The summary of a scope. `questions` sizes the score distribution.
pub async fn summary(
    db: &impl ConnectionTrait,
    scope: &Scope,
    questions: i32,
    units_total: i64,
) -> Result<StatsSummary, ApiError> {
    let backend = db.get_database_backend();
    let (extra, extra_values) = scope.filter(4);
    let mut values: Vec<Value> = vec![scope.contest_id.into(), "in_progress".into(), true.into()];
    values.extend(extra_values.clone());
    let totals = Totals::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT COUNT(DISTINCT participant_id) AS participants, COUNT(*) AS attempts, \
             SUM(CASE WHEN perfect = $3 THEN 1 ELSE 0 END) AS perfect_attempts, \
             COUNT(DISTINCT CASE WHEN perfect = $3 THEN participant_id END) AS perfect_participants, \
             COUNT(DISTINCT unit_id) AS units_participating \
             FROM attempts WHERE contest_id = $1 AND status <> $2{extra}"
        ),
        values,
    ))
    .one(db)
    .await?;
    let (extra3, extra3_values) = scope.filter(3);
    let mut values: Vec<Value> = vec![scope.contest_id.into(), "in_progress".into()];
    values.extend(extra3_values.clone());
    let in_progress = Count::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!("SELECT COUNT(*) AS n FROM attempts WHERE contest_id = $1 AND status = $2{extra3}"),
        values.clone(),
    ))
    .one(db)
    .await?
    .map_or(0, |c| c.n);
    let buckets = Bucket::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!("SELECT correct, COUNT(*) AS n FROM attempts WHERE contest_id = $1 AND status <> $2{extra3} GROUP BY correct"),
        values,
    ))
    .all(db)
    .await?;
    let top = buckets
        .iter()
        .filter_map(|b| b.correct)
        .max()
        .unwrap_or(0)
        .max(questions)
        .max(0) as usize;
    let mut distribution = vec![0i64; top + 1];
    for bucket in buckets {
        if let Some(slot) = bucket
            .correct
            .and_then(|c| usize::try_from(c).ok())
            .and_then(|c| distribution.get_mut(c))
        {
            *slot += bucket.n;
        }
    }
    let totals = totals.unwrap_or(Totals {
        participants: 0,
        attempts: 0,
        perfect_attempts: Some(0),
        perfect_participants: 0,
        units_participating: 0,
    });
    Ok(StatsSummary {
        participants: totals.participants,
        attempts: totals.attempts,
        perfect_participants: totals.perfect_participants,
        perfect_attempts: totals.perfect_attempts.unwrap_or(0),
        units_participating: totals.units_participating,
        units_total,
        score_distribution: distribution,
        in_progress,
    })
}

/// One row per unit of the scope (zeros included), in display order.
pub async fn per_unit(
    db: &impl ConnectionTrait,
    scope: &Scope,
    units: &[unit::Model],
) -> Result<Vec<UnitStats>, ApiError> {
    let (extra, extra_values) = scope.filter(4);
    let mut values: Vec<Value> = vec![scope.contest_id.into(), "in_progress".into(), true.into()];
    values.extend(extra_values);
    let rows = UnitRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "SELECT unit_id, COUNT(DISTINCT participant_id) AS participants, COUNT(*) AS attempts, \
             SUM(CASE WHEN perfect = $3 THEN 1 ELSE 0 END) AS perfect_attempts, \
             COUNT(DISTINCT CASE WHEN perfect = $3 THEN participant_id END) AS perfect_participants \
             FROM attempts WHERE contest_id = $1 AND status <> $2{extra} GROUP BY unit_id"
        ),
        values,
    ))
    .all(db)
    .await?;
    let by_unit: HashMap<Uuid, UnitRow> = rows.into_iter().map(|r| (r.unit_id, r)).collect();
    Ok(units
        .iter()
        .map(|u| {
            let row = by_unit.get(&u.id);
            let participants = row.map_or(0, |r| r.participants);
            UnitStats {
                unit_code: u.code.clone(),
                unit_name: u.name.clone(),
                block: u.block.clone(),
                headcount: u.headcount,
                participants,
                attempts: row.map_or(0, |r| r.attempts),
                perfect_participants: row.map_or(0, |r| r.perfect_participants),
                perfect_attempts: row.and_then(|r| r.perfect_attempts).unwrap_or(0),
                participation_rate: u
                    .headcount
                    .filter(|h| *h > 0)
                    .map(|h| participants as f64 / f64::from(h)),
            }
        })
        .collect())
}

async fn scope_of(
    req: &HttpRequest,
    ctx: &AppContext,
    slug: &str,
    round_number: Option<i32>,
) -> Result<(StaffAuth, contest::Model, Scope, Vec<unit::Model>), ApiError> {
    let staff = authenticate(req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer, Role::UnitManager])?;
    let contest = contest::Entity::find()
        .filter(contest::Column::Slug.eq(slug))
        .one(&ctx.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let round_id = match round_number {
        Some(n) => Some(
            round::Entity::find()
                .filter(round::Column::ContestId.eq(contest.id))
                .filter(round::Column::Number.eq(n))
                .one(&ctx.db)
                .await?
                .ok_or_else(ApiError::not_found)?
                .id,
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
        round_id,
        unit_id,
    };
    Ok((staff, contest, scope, units))
}

/// The summary of a contest (or of `?round=n`).
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
    let (_, contest, scope, units) = scope_of(&req, &ctx, &slug, query.round).await?;
    let body = summary(
        &ctx.db,
        &scope,
        contest.questions_per_attempt,
        units.len() as i64,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// The headings of the per-unit table, in Vietnamese.
pub const UNIT_HEADINGS: [&str; 9] = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Khối",
    "Số người (chỉ tiêu)",
    "Số người dự thi",
    "Số lượt thi",
    "Số người đạt điểm tuyệt đối",
    "Số lượt đạt điểm tuyệt đối",
    "Tỷ lệ tham gia",
];

/// The table's rows as export cells.
pub fn unit_cells(rows: &[UnitStats]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|r| {
            vec![
                Cell::Text(r.unit_code.clone()),
                Cell::Text(r.unit_name.clone()),
                Cell::Text(r.block.clone()),
                r.headcount
                    .map_or(Cell::Text(String::new()), |h| Cell::Int(i64::from(h))),
                Cell::Int(r.participants),
                Cell::Int(r.attempts),
                Cell::Int(r.perfect_participants),
                Cell::Int(r.perfect_attempts),
                Cell::Ratio(r.participation_rate),
            ]
        })
        .collect()
}

/// Per-unit statistics as JSON (default), `.csv` or `.xlsx`.
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
    let (_, contest, scope, units) = scope_of(&req, &ctx, &slug, query.round).await?;
    let rows = per_unit(&ctx.db, &scope, &units).await?;
    let name = match query.round {
        Some(n) => format!("thong-ke-don-vi-{}-dot-{n}", contest.slug),
        None => format!("thong-ke-don-vi-{}", contest.slug),
    };
    match query.format.as_deref().unwrap_or("json") {
        "json" => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(rows)),
        "csv" => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ))
            .body(to_csv(&UNIT_HEADINGS, &unit_cells(&rows)))),
        "xlsx" => {
            let cells = unit_cells(&rows);
            let bytes = web::block(move || to_xlsx("Đơn vị", &UNIT_HEADINGS, &cells))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .insert_header((
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.xlsx\""),
                ))
                .body(bytes))
        }
        other => Err(ApiError::bad_request(
            "unknown_format",
            format!("format must be json, csv or xlsx, not {other:?}"),
        )),
    }
}
