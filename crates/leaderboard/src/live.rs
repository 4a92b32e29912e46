//! The live leaderboard of a round while it is open (and after): each eligible participant's
//! best finished attempt, ranked by score, then duration, then finishing time, then attempt
//! id. It is indicative: the prediction, known only at close, plays no part, and the
//! finalized result is the one that counts.
//!
//! The board lives in the cache (`cuocthi_store::live_board`): finished attempts are offered
//! to it after their commit, never on the answer-save path. A board that is missing (never
//! built, dropped after a regrade, lost by Redis) or whose freshness has lapsed is rebuilt
//! from the database with one indexed query by one reader at a time, while the others serve
//! the lapsed copy; when the cache cannot be reached the board is computed from the database.

use std::time::Duration;

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use uuid::Uuid;

use cuocthi_store::cache::BoardEntry;
use cuocthi_store::live_board::{board_key, LiveEntry, FRESH_FOR};
use cuocthi_store::{ApiError, AppContext};

pub mod handlers;
pub mod mask;

/// Most participants a rebuild reads (best first); the rest of a larger round is left off
/// the board until their next finished attempt.
pub const REBUILD_CAP: u64 = 100_000;

/// How long one reader holds the right to rebuild a board (it gives it back when done).
const REBUILD_LOCK: Duration = Duration::from_secs(30);

/// The top of a round's board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBoard {
    /// Participants on the board.
    pub participants: u64,
    /// The best entries, best first.
    pub entries: Vec<LiveEntry>,
    /// When the board last changed (or was computed), milliseconds since the epoch.
    pub updated_at_ms: i64,
}

#[derive(Debug, FromQueryResult)]
struct BestRow {
    attempt_id: Uuid,
    participant_id: Uuid,
    unit_id: Uuid,
    score: i32,
    correct: i32,
    total: i32,
    duration_ms: i64,
    submitted_at: i64,
    full_name: String,
    unit_code: String,
    unit_name: String,
}

/// Every eligible participant's best finished attempt of the round, best first, at most
/// `cap`: one query over the `(round_id, status)` index, the best attempt per participant
/// chosen by a window function (SQLite and PostgreSQL alike).
pub async fn best_entries(
    db: &impl ConnectionTrait,
    round_id: Uuid,
    cap: u64,
) -> Result<Vec<LiveEntry>, ApiError> {
    let rows = BestRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT b.attempt_id, b.participant_id, b.unit_id, b.score, b.correct, b.total, \
                b.duration_ms, b.submitted_at, p.full_name, u.code AS unit_code, \
                u.name AS unit_name \
         FROM (SELECT t.id AS attempt_id, t.participant_id, t.unit_id, t.score, t.correct, \
                      t.total, t.duration_ms, t.submitted_at, \
                      ROW_NUMBER() OVER (PARTITION BY t.participant_id \
                          ORDER BY t.score DESC, t.duration_ms ASC, t.submitted_at ASC, \
                                   t.id ASC) AS best \
               FROM attempts t \
               WHERE t.round_id = $1 AND t.status IN ($2, $3) AND t.score IS NOT NULL \
                 AND t.duration_ms IS NOT NULL AND t.submitted_at IS NOT NULL) b \
         JOIN participants p ON p.id = b.participant_id \
         JOIN units u ON u.id = b.unit_id \
         WHERE b.best = 1 AND p.eligible = $4 \
         ORDER BY b.score DESC, b.duration_ms ASC, b.submitted_at ASC, b.attempt_id ASC \
         LIMIT $5",
        [
            round_id.into(),
            "submitted".into(),
            "expired".into(),
            true.into(),
            (cap as i64).into(),
        ],
    ))
    .all(db)
    .await?;
    let mut entries: Vec<LiveEntry> = rows
        .into_iter()
        .map(|r| LiveEntry {
            participant_id: r.participant_id,
            name: r.full_name,
            unit_id: r.unit_id,
            unit_code: r.unit_code,
            unit_name: r.unit_name,
            score: r.score,
            correct: r.correct,
            total: r.total,
            duration_ms: r.duration_ms,
            submitted_at: r.submitted_at,
            attempt_id: r.attempt_id,
        })
        .collect();
    // The database orders ids its own way; the board's order is this one.
    entries.sort_by(LiveEntry::live_order);
    Ok(entries)
}

fn computed(mut entries: Vec<LiveEntry>, limit: usize, now_ms: i64) -> LiveBoard {
    let participants = entries.len() as u64;
    entries.truncate(limit);
    LiveBoard {
        participants,
        entries,
        updated_at_ms: now_ms,
    }
}

fn from_cache(page: &cuocthi_store::cache::BoardPage, now_ms: i64) -> LiveBoard {
    LiveBoard {
        participants: page.total,
        entries: page
            .entries
            .iter()
            .filter_map(LiveEntry::from_board)
            .collect(),
        updated_at_ms: page.updated_at_ms.unwrap_or(now_ms),
    }
}

/// The best `limit` entries of a round's board and its size, from the cache when it holds a
/// fresh board; otherwise rebuilt (see the module's documentation).
pub async fn top(ctx: &AppContext, round_id: Uuid, limit: usize) -> Result<LiveBoard, ApiError> {
    let key = board_key(round_id);
    let now_ms = ctx.now_ms();
    let Some(page) = ctx.cache.board_top(&key, limit).await else {
        // The cache is away: the database answers alone.
        let entries = best_entries(&ctx.db, round_id, REBUILD_CAP).await?;
        return Ok(computed(entries, limit, now_ms));
    };
    if page.fresh {
        return Ok(from_cache(&page, now_ms));
    }
    let lock = format!("{key}:rebuild");
    let claimed = ctx.cache.incr(&lock, REBUILD_LOCK).await == Some(1);
    if !claimed && page.updated_at_ms.is_some() {
        // Someone else is rebuilding it; the lapsed copy serves meanwhile.
        return Ok(from_cache(&page, now_ms));
    }
    let entries = best_entries(&ctx.db, round_id, REBUILD_CAP).await?;
    if claimed {
        let board: Vec<BoardEntry> = entries.iter().filter_map(LiveEntry::to_board).collect();
        if !ctx
            .cache
            .board_replace(&key, &board, now_ms, FRESH_FOR)
            .await
        {
            tracing::warn!(round = %round_id, "live board: could not store a rebuilt board");
        }
        ctx.cache.delete(&lock).await;
    }
    Ok(computed(entries, limit, now_ms))
}
