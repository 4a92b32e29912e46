//! The participants export: everyone registered in a contest with their personal data, how
//! many attempts they used and their best score. Admins and organizers only (personal data):
//! a unit manager gets 403 `forbidden`. Every export is recorded in the audit log.
//!
//! Built for a million participants: one query (participants joined to their unit and to an
//! aggregate of their attempts) read as a stream; the `.csv` is streamed to the client as it
//! is read, the `.xlsx` is written row by row in constant memory on a blocking thread (the
//! rows cross over through a bounded channel), so neither holds the whole table in memory.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use futures::StreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    Statement,
};
use serde::Deserialize;
use utoipa::IntoParams;

use cuocthi_store::entities::{category, contest, round};
use cuocthi_store::staff::{audit, authenticate, AuditEntry, Role};
use cuocthi_store::{ApiError, AppContext};

use crate::export::{csv_heading, csv_row, Field, XlsxRows};

use super::calendar::DayClock;
use super::handlers::{contest_clock, XLSX};
use super::Binds;

/// The headings of the participants export, in Vietnamese.
pub const PARTICIPANT_HEADINGS: [&str; 14] = [
    "Họ và tên",
    "Số điện thoại",
    "Số định danh cá nhân",
    "Năm sinh",
    "Giới tính",
    "Mã đơn vị",
    "Tên đơn vị",
    "Đối tượng",
    "Địa chỉ",
    "Thời điểm đăng ký",
    "Số lượt đã thi",
    "Điểm cao nhất",
    "Hợp lệ",
    "Lý do không hợp lệ",
];

/// Column widths of the `.xlsx`, in characters.
const WIDTHS: [f64; 14] = [
    28.0, 14.0, 16.0, 9.0, 9.0, 11.0, 30.0, 20.0, 30.0, 20.0, 9.0, 9.0, 8.0, 24.0,
];

/// Rows handed from the query to the `.xlsx` writer at a time (at most this many in flight).
const CHANNEL_ROWS: usize = 2_048;

/// Bytes of `.csv` sent to the client at a time.
const CHUNK_BYTES: usize = 64 * 1024;

/// Format and scope of the participants export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ParticipantsExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// Count attempts and the best score in round `n` only; the whole contest when absent.
    pub round: Option<i32>,
}

/// One participant as exported.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ParticipantRow {
    /// Full name.
    pub full_name: String,
    /// Phone, national form.
    pub phone: String,
    /// National ID, when given.
    pub national_id: Option<String>,
    /// Birth year.
    pub birth_year: i32,
    /// Gender, when given.
    pub gender: Option<String>,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Category code, when any.
    pub category: Option<String>,
    /// Address, when given.
    pub address: Option<String>,
    /// Registration time (ms since the epoch).
    pub registered_at: i64,
    /// Eligible for prizes.
    pub eligible: bool,
    /// Why not, when not.
    pub ineligible_reason: Option<String>,
    /// Attempts started (any state) in the scope; `None` without any.
    pub attempts_used: Option<i64>,
    /// Best score of a finished attempt in the scope; `None` without any.
    pub best_score: Option<i32>,
}

/// The query of the export: every participant of the contest in unit order, then by
/// registration.
fn statement(
    db: &impl ConnectionTrait,
    contest_id: uuid::Uuid,
    round_id: Option<uuid::Uuid>,
) -> Statement {
    let mut binds = Binds::default();
    let contest = binds.bind(contest_id);
    let in_progress = binds.bind("in_progress");
    let round = round_id.map_or_else(String::new, |r| {
        format!(" AND round_id = {}", binds.bind(r))
    });
    Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "SELECT p.full_name, p.phone, p.national_id, p.birth_year, p.gender, \
             u.code AS unit_code, u.name AS unit_name, p.category, p.address, p.registered_at, \
             p.eligible, p.ineligible_reason, a.attempts_used, a.best_score \
             FROM participants p JOIN units u ON u.id = p.unit_id \
             LEFT JOIN (SELECT participant_id, COUNT(*) AS attempts_used, \
                        MAX(CASE WHEN status <> {in_progress} THEN score END) AS best_score \
                        FROM attempts WHERE contest_id = {contest}{round} GROUP BY participant_id) a \
               ON a.participant_id = p.id \
             WHERE p.contest_id = {contest} \
             ORDER BY u.position, u.code, p.registered_at, p.id"
        ),
        binds.into_values(),
    )
}

/// Turns participants into export rows: category names for codes, local times.
#[derive(Debug, Clone)]
pub struct RowMaker {
    clock: DayClock,
    categories: Vec<(String, String)>,
}

impl RowMaker {
    /// Cells of one participant.
    pub fn cells(&self, p: ParticipantRow) -> Vec<Field> {
        let text = |t: Option<String>| t.map_or(Field::Empty, Field::Text);
        let category = p.category.map(|code| {
            self.categories
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(code.clone(), |(_, name)| name.clone())
        });
        vec![
            Field::Text(p.full_name),
            Field::Text(p.phone),
            text(p.national_id),
            Field::Int(i64::from(p.birth_year)),
            text(p.gender),
            Field::Text(p.unit_code),
            Field::Text(p.unit_name),
            text(category),
            text(p.address),
            Field::Text(self.clock.local_time(p.registered_at)),
            Field::Int(p.attempts_used.unwrap_or(0)),
            p.best_score
                .map_or(Field::Empty, |s| Field::Int(i64::from(s))),
            Field::Text(if p.eligible { "Có" } else { "Không" }.to_owned()),
            text(p.ineligible_reason),
        ]
    }
}

/// Every participant of a contest as an `.xlsx` workbook (constant memory), rows read as a
/// stream from `db`.
pub async fn participants_xlsx(
    db: &DatabaseConnection,
    contest_id: uuid::Uuid,
    round_id: Option<uuid::Uuid>,
    maker: RowMaker,
) -> Result<Vec<u8>, ApiError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Field>>(CHANNEL_ROWS);
    let writer = web::block(move || {
        let mut book = XlsxRows::new("Người dự thi", &PARTICIPANT_HEADINGS, &WIDTHS)?;
        while let Some(row) = rx.blocking_recv() {
            book.push(&row)?;
        }
        book.finish()
    });
    let feed = async move {
        let mut stream = ParticipantRow::find_by_statement(statement(db, contest_id, round_id))
            .stream(db)
            .await?;
        while let Some(row) = stream.next().await {
            if tx.send(maker.cells(row?)).await.is_err() {
                break; // The writer failed: its error is reported below.
            }
        }
        Ok::<(), ApiError>(())
    };
    let (fed, written) = futures::join!(feed, writer);
    fed?;
    written
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// The participants export (personal data: admins and organizers only; unit managers get 403
/// `forbidden`). `format=csv` (default; streamed, UTF-8 with BOM) or `format=xlsx`.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/participants/export", tag = "statistics",
    params(("slug" = String, Path, description = "The contest's slug"), ParticipantsExportQuery),
    responses((status = 200, description = "The participants: name, phone, national ID, birth year, gender, unit, category, address, registration time, attempts used, best score, eligibility", content_type = "text/csv", body = String),
              (status = 400, description = "Unknown format", body = cuocthi_store::api::ErrorBody),
              (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
              (status = 403, description = "Not an admin or organizer", body = cuocthi_store::api::ErrorBody),
              (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody)))]
#[get("/api/v1/admin/contests/{slug}/participants/export")]
pub async fn export_participants(
    req: HttpRequest,
    ctx: web::Data<AppContext>,
    slug: web::Path<String>,
    query: web::Query<ParticipantsExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer])?;
    let format = query.format.clone().unwrap_or_else(|| "csv".to_owned());
    if format != "csv" && format != "xlsx" {
        return Err(ApiError::bad_request(
            "unknown_format",
            format!("format must be csv or xlsx, not {format:?}"),
        ));
    }
    let contest = contest::Entity::find()
        .filter(contest::Column::Slug.eq(slug.as_str()))
        .one(&ctx.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let round = match query.round {
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
    let categories = category::Entity::find()
        .filter(category::Column::ContestId.eq(contest.id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect();
    let maker = RowMaker {
        clock: contest_clock(&contest),
        categories,
    };
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username.clone(),
            action: "participants.export".into(),
            contest_id: Some(contest.id),
            subject: Some(contest.slug.clone()),
            after: Some(serde_json::json!({
                "format": format,
                "round": round.as_ref().map(|r| r.number),
            })),
            ..AuditEntry::default()
        },
    )
    .await?;
    let mut name = format!("nguoi-du-thi-{}", contest.slug);
    if let Some(round) = &round {
        name.push_str(&format!("-dot-{}", round.number));
    }
    let round_id = round.map(|r| r.id);
    if format == "xlsx" {
        let bytes = participants_xlsx(&ctx.db, contest.id, round_id, maker).await?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, XLSX))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.xlsx\""),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(bytes));
    }
    // CSV: read and sent as a stream, a chunk at a time, by a task that owns its connection.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ApiError>>(4);
    let db = ctx.db.clone();
    let contest_id = contest.id;
    actix_web::rt::spawn(async move {
        let result = async {
            let mut stream =
                ParticipantRow::find_by_statement(statement(&db, contest_id, round_id))
                    .stream(&db)
                    .await?;
            let mut chunk = csv_heading(&PARTICIPANT_HEADINGS);
            while let Some(row) = stream.next().await {
                chunk.push_str(&csv_row(&maker.cells(row?)));
                if chunk.len() >= CHUNK_BYTES {
                    let full = std::mem::replace(&mut chunk, String::with_capacity(CHUNK_BYTES));
                    if tx.send(Ok(Bytes::from(full))).await.is_err() {
                        return Ok(()); // The client went away.
                    }
                }
            }
            if !chunk.is_empty() {
                tx.send(Ok(Bytes::from(chunk))).await.ok();
            }
            Ok::<(), ApiError>(())
        }
        .await;
        if let Err(error) = result {
            tracing::error!(%error, "participants export failed midway");
            tx.send(Err(error)).await.ok();
        }
    });
    // A failure midway ends the body with an error: the client sees a broken download.
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| {
            let item = item.map_err(|e| std::io::Error::other(e.to_string()));
            (item, rx)
        })
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}
