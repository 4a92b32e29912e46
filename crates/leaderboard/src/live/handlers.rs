//! The live leaderboard's endpoints: the staff view of a round (every detail, up to 500
//! entries) and the public view of a contest that shows it (masked names, at most the
//! contest's `leaderboard_size` entries, never an id, phone or national ID).

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cuocthi_store::live_board::LiveEntry;
use cuocthi_store::snapshot::{Phase, RoundView, Snapshots};
use cuocthi_store::staff::{authenticate, Role};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::{ApiError, AppContext};

use super::mask::mask_name;
use super::LiveBoard;
use crate::results::service::{contest_by_slug, round_by_number};

type Ctx = web::Data<AppContext>;

/// Entries the staff view returns when no `limit` is given.
pub const DEFAULT_LIMIT: usize = 50;
/// Most entries the staff view returns.
pub const MAX_LIMIT: usize = 500;

/// The staff view's query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AdminLeaderboardQuery {
    /// Entries to return, 1–500 (default 50).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

/// The public view's query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PublicLeaderboardQuery {
    /// Round number; default: the round open now, else the last one that has opened.
    pub round: Option<i32>,
}

/// One entry of the staff view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdminLeaderboardEntry {
    /// 1, 2, ... in board order (no shared ranks: ties are broken down to the attempt id).
    pub rank: u32,
    /// The participant.
    pub participant_id: Uuid,
    /// Full name.
    pub name: String,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Score of the participant's best finished attempt.
    pub score: i32,
    /// Questions it answered right.
    pub correct: i32,
    /// Questions it drew.
    pub total: i32,
    /// Its duration, milliseconds.
    pub duration_ms: i64,
    /// When it finished, RFC 3339.
    pub submitted_at: String,
}

/// The staff view of a round's live leaderboard (indicative: the finalized result counts).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdminLeaderboard {
    /// Round number.
    pub round: i32,
    /// Whether the round is open now.
    pub live: bool,
    /// Participants ranked (eligible, with a finished attempt), counted in full: the board
    /// stores at most the best 100,000 participants' entries, this count is not capped.
    pub participants: u64,
    /// When the board last changed, RFC 3339.
    pub updated_at: String,
    /// The best entries, best first.
    pub entries: Vec<AdminLeaderboardEntry>,
}

/// One entry of the public view: no id, phone or national ID, and the name masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicLeaderboardEntry {
    /// 1, 2, ... in board order.
    pub rank: u32,
    /// Masked name: family name, then initials ("Nguyễn V. A.").
    pub name: String,
    /// Unit name.
    pub unit_name: String,
    /// Score.
    pub score: i32,
    /// Questions drawn.
    pub total: i32,
    /// Duration, milliseconds.
    pub duration_ms: i64,
}

/// The public view of a round's live leaderboard (indicative: the finalized result counts).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicLeaderboard {
    /// Round number.
    pub round: i32,
    /// Whether the round is open now.
    pub live: bool,
    /// Participants ranked (eligible, with a finished attempt), counted in full: the board
    /// stores at most the best 100,000 participants' entries, this count is not capped.
    pub participants: u64,
    /// When the board last changed, RFC 3339.
    pub updated_at: String,
    /// At most the contest's `leaderboard_size` entries, best first.
    pub entries: Vec<PublicLeaderboardEntry>,
}

/// `limit` as given: absent → 50; an integer 1–500; anything else a 422 naming the field.
pub fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    let problem = match raw.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_LIMIT as i64).contains(&n) => return Ok(n as usize),
        Ok(_) => "out_of_range",
        Err(_) => "invalid",
    };
    Err(ApiError::invalid_fields(
        "validation_failed",
        BTreeMap::from([("limit".to_owned(), problem.to_owned())]),
    ))
}

/// The round a public view shows by default: the one open at `now`, else the last one that
/// has opened, else the first.
pub fn default_round(rounds: &[RoundView], now: DateTime<Utc>) -> Option<&RoundView> {
    rounds
        .iter()
        .find(|r| r.phase(now) == Phase::Open)
        .or_else(|| rounds.iter().rev().find(|r| r.opens_at <= now))
        .or_else(|| rounds.first())
}

fn ranked(board: &LiveBoard) -> impl Iterator<Item = (u32, &LiveEntry)> {
    board
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (i as u32 + 1, e))
}

fn admin_view(round: i32, live: bool, board: &LiveBoard) -> AdminLeaderboard {
    AdminLeaderboard {
        round,
        live,
        participants: board.participants,
        updated_at: rfc3339_ms(board.updated_at_ms),
        entries: ranked(board)
            .map(|(rank, e)| AdminLeaderboardEntry {
                rank,
                participant_id: e.participant_id,
                name: e.name.clone(),
                unit_code: e.unit_code.clone(),
                unit_name: e.unit_name.clone(),
                score: e.score,
                correct: e.correct,
                total: e.total,
                duration_ms: e.duration_ms,
                submitted_at: rfc3339_ms(e.submitted_at),
            })
            .collect(),
    }
}

fn public_view(round: i32, live: bool, board: &LiveBoard) -> PublicLeaderboard {
    PublicLeaderboard {
        round,
        live,
        participants: board.participants,
        updated_at: rfc3339_ms(board.updated_at_ms),
        entries: ranked(board)
            .map(|(rank, e)| PublicLeaderboardEntry {
                rank,
                name: mask_name(&e.name),
                unit_name: e.unit_name.clone(),
                score: e.score,
                total: e.total,
                duration_ms: e.duration_ms,
            })
            .collect(),
    }
}

/// The live leaderboard of round `n`: each eligible participant's best finished attempt,
/// ranked by score, duration, finishing time. Indicative while the round is open (the
/// prediction is not used; the finalized result counts).
///
/// Served from each node's copy of the board, at most a few seconds old (5 s); a board being
/// rebuilt is served as it was meanwhile. The board stores the best 100,000 participants'
/// entries at most (more than any view shows); `participants` counts them all.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/leaderboard", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"),
           ("n" = i32, Path, description = "Round number"), AdminLeaderboardQuery),
    responses(
        (status = 200, description = "The board (Cache-Control: no-store)", body = AdminLeaderboard),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "limit outside 1–500 (`fields.limit`)", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/leaderboard")]
pub async fn admin_leaderboard(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32)>,
    query: web::Query<AdminLeaderboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer])?;
    let limit = parse_limit(query.limit.as_deref())?;
    let contest = contest_by_slug(&ctx.db, &slug).await?;
    let round = RoundView::from(round_by_number(&ctx.db, contest.id, number).await?);
    let board = super::top(&ctx, round.id, limit).await?;
    let live = round.phase(ctx.clock.now()) == Phase::Open;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(admin_view(round.number, live, &board)))
}

/// The public live leaderboard of a contest that shows one (`public_leaderboard`): masked
/// names and unit names only, at most `leaderboard_size` entries. Indicative while the round
/// is open (the finalized result counts).
///
/// Served from each node's copy of the board, at most a few seconds old (5 s); a board being
/// rebuilt is served as it was meanwhile, and without the cache only the top entries and a
/// count are read from the database. The board stores the best 100,000 participants'
/// entries at most (more than any view shows); `participants` counts them all.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/leaderboard", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), PublicLeaderboardQuery),
    responses(
        (status = 200, description = "The board (Cache-Control: public, max-age=5)", body = PublicLeaderboard),
        (status = 400, description = "malformed_query", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "not_found (contest or round), or leaderboard_disabled", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/contests/{slug}/leaderboard")]
pub async fn public_leaderboard(
    ctx: Ctx,
    snapshots: web::Data<Snapshots>,
    slug: web::Path<String>,
    query: web::Query<PublicLeaderboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let contest = snapshots
        .by_slug(&ctx.db, &slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !contest.row.public_leaderboard {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "leaderboard_disabled",
            "Cuộc thi này không công khai bảng xếp hạng trực tiếp. / This contest does not \
             show a public live leaderboard.",
        ));
    }
    let now = ctx.clock.now();
    let round = match query.round {
        Some(number) => contest.rounds.iter().find(|r| r.number == number),
        None => default_round(&contest.rounds, now),
    }
    .ok_or_else(ApiError::not_found)?;
    let size = contest.row.leaderboard_size.clamp(1, 100) as usize;
    let board = super::top(&ctx, round.id, size).await?;
    let live = round.phase(now) == Phase::Open;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=5"))
        .json(public_view(round.number, live, &board)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn limit_defaults_to_50_and_stays_within_1_to_500() {
        assert_eq!(parse_limit(None).unwrap(), 50);
        assert_eq!(parse_limit(Some("1")).unwrap(), 1);
        assert_eq!(parse_limit(Some("500")).unwrap(), 500);
        for (raw, code) in [
            ("0", "out_of_range"),
            ("501", "out_of_range"),
            ("-1", "out_of_range"),
            ("ten", "invalid"),
            ("", "invalid"),
        ] {
            let error = parse_limit(Some(raw)).unwrap_err();
            assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(
                error,
                ApiError::invalid_fields(
                    "validation_failed",
                    BTreeMap::from([("limit".to_owned(), code.to_owned())])
                ),
                "{raw}"
            );
        }
    }

    fn round(number: i32, opens_day: u32, closes_day: u32) -> RoundView {
        RoundView {
            id: Uuid::from_u128(number as u128),
            number,
            opens_at: Utc.with_ymd_and_hms(2026, 12, opens_day, 0, 0, 0).unwrap(),
            closes_at: Utc.with_ymd_and_hms(2026, 12, closes_day, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_default_round_is_the_open_one_else_the_last_opened() {
        let rounds = [round(1, 1, 10), round(2, 15, 20), round(3, 25, 30)];
        let at = |day| Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap();
        let pick = |day| default_round(&rounds, at(day)).map(|r| r.number);
        assert_eq!(pick(5), Some(1));
        assert_eq!(pick(12), Some(1), "between rounds: the last that opened");
        assert_eq!(pick(16), Some(2));
        assert_eq!(pick(31), Some(3));
        let before = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        assert_eq!(default_round(&rounds, before).map(|r| r.number), Some(1));
        assert!(default_round(&[], before).is_none());
    }
}
