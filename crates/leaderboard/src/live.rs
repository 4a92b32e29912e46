//! The live leaderboard of a round while it is open (and after): each eligible participant's
//! best finished attempt, ranked by score, then duration, then finishing time, then attempt
//! id. It is indicative: the prediction, known only at close, plays no part, and the
//! finalized result is the one that counts.
//!
//! The board lives in the cache (`cuocthi_store::live_board`): finished attempts are offered
//! to it after their commit, in a background task, never on the answer-save path. It stores
//! at most [`REBUILD_CAP`] participants' entries (best first) when it is rebuilt; the number
//! of participants ranked is counted separately, so it stays exact beyond that depth (as of
//! the last rebuild, plus those added since).
//!
//! Reads never put the database at the mercy of the public:
//! - each node keeps its own copy of each round's top entries and serves it for
//!   [`COPY_FOR_MS`] (by the context's clock), or until an offer stored or a rebuild swapped
//!   in on this node changes the board; only one reader per round and node at a time fills it;
//! - a board that is missing (never built, dropped after a regrade, lost by Redis) or whose
//!   freshness has lapsed is rebuilt in a background task, one per round and node at a time,
//!   and one across nodes (the cache's claim); meanwhile the lapsed board, or this node's
//!   copy when it is at most [`STALE_AT_MOST_MS`] old, is served;
//! - with nothing to serve, or with the cache unreachable, one reader per round and node
//!   reads only the top entries from the database (ordered and cut in SQL) and the count of
//!   participants ranked; with the cache away, a copy at most [`STALE_AT_MOST_MS`] old is
//!   served while that read runs in the background.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use uuid::Uuid;

use cuocthi_store::cache::{BoardClaim, BoardEntry};
use cuocthi_store::live_board::{
    board_key, change_mark, node_of, note_change, spawn_tracked, LiveEntry, FRESH_FOR,
};
use cuocthi_store::{ApiError, AppContext};

pub mod handlers;
pub mod mask;

/// Most participants a rebuild stores on the board (best first); the others of a larger
/// round are counted in `participants` but left off the stored entries until their next
/// finished attempt (no view shows more than 500 entries).
pub const REBUILD_CAP: u64 = 100_000;

/// How long a node serves its own copy of a board without asking the cache, in
/// milliseconds.
pub const COPY_FOR_MS: i64 = 5_000;

/// The oldest copy of a board, in milliseconds, that a node serves while a newer one is
/// prepared in the background; an older one is never served.
pub const STALE_AT_MOST_MS: i64 = 60_000;

/// Entries a copy holds at least, so that one copy serves every public view (at most 100).
const COPY_DEPTH: usize = 100;

/// How long one rebuild holds the board's claim (it gives it back when done).
const REBUILD_LOCK: Duration = Duration::from_secs(30);

/// The top of a round's board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBoard {
    /// Participants ranked (eligible, with a finished attempt).
    pub participants: u64,
    /// The best entries, best first.
    pub entries: Vec<LiveEntry>,
    /// When the board last changed (or was computed), milliseconds since the epoch.
    pub updated_at_ms: i64,
}

impl LiveBoard {
    fn cut(&self, limit: usize) -> LiveBoard {
        LiveBoard {
            participants: self.participants,
            entries: self.entries.iter().take(limit).cloned().collect(),
            updated_at_ms: self.updated_at_ms,
        }
    }
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

/// The best `limit` eligible participants' best finished attempts of the round, best first:
/// one query over the `(round_id, status)` index, the best attempt per participant chosen by
/// a window function, ordered and cut in SQL (SQLite and PostgreSQL alike), so only `limit`
/// rows leave the database.
pub async fn best_entries(
    db: &impl ConnectionTrait,
    round_id: Uuid,
    limit: u64,
) -> Result<Vec<LiveEntry>, ApiError> {
    let rows = BestRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT b.attempt_id, b.participant_id, b.unit_id, b.score, b.correct, b.total, \
                b.duration_ms, b.submitted_at, b.full_name, u.code AS unit_code, \
                u.name AS unit_name \
         FROM (SELECT r.attempt_id, r.participant_id, r.unit_id, r.score, r.correct, \
                      r.total, r.duration_ms, r.submitted_at, p.full_name \
               FROM (SELECT t.id AS attempt_id, t.participant_id, t.unit_id, t.score, \
                            t.correct, t.total, t.duration_ms, t.submitted_at, \
                            ROW_NUMBER() OVER (PARTITION BY t.participant_id \
                                ORDER BY t.score DESC, t.duration_ms ASC, \
                                         t.submitted_at ASC, t.id ASC) AS best \
                     FROM attempts t \
                     WHERE t.round_id = $1 AND t.status IN ($2, $3) \
                       AND t.score IS NOT NULL AND t.duration_ms IS NOT NULL \
                       AND t.submitted_at IS NOT NULL) r \
               JOIN participants p ON p.id = r.participant_id \
               WHERE r.best = 1 AND p.eligible = $4 \
               ORDER BY r.score DESC, r.duration_ms ASC, r.submitted_at ASC, \
                        r.attempt_id ASC \
               LIMIT $5) b \
         JOIN units u ON u.id = b.unit_id",
        [
            round_id.into(),
            "submitted".into(),
            "expired".into(),
            true.into(),
            (limit.min(i64::MAX as u64) as i64).into(),
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
    // The join does not keep the order; the board's order is this one.
    entries.sort_by(LiveEntry::live_order);
    Ok(entries)
}

#[derive(Debug, FromQueryResult)]
struct Count {
    n: i64,
}

/// How many eligible participants have a finished attempt in the round (the board's
/// `participants`): one count over the `(round_id, status)` index, whatever the board stores.
pub async fn count_ranked(db: &impl ConnectionTrait, round_id: Uuid) -> Result<u64, ApiError> {
    let count = Count::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT COUNT(DISTINCT t.participant_id) AS n \
         FROM attempts t JOIN participants p ON p.id = t.participant_id \
         WHERE t.round_id = $1 AND t.status IN ($2, $3) AND t.score IS NOT NULL \
           AND t.duration_ms IS NOT NULL AND t.submitted_at IS NOT NULL \
           AND p.eligible = $4",
        [
            round_id.into(),
            "submitted".into(),
            "expired".into(),
            true.into(),
        ],
    ))
    .one(db)
    .await?;
    Ok(count.map_or(0, |c| c.n.max(0) as u64))
}

/// The top `depth` of a round's board and its count, from the database alone.
async fn from_database(
    ctx: &AppContext,
    round_id: Uuid,
    depth: usize,
) -> Result<LiveBoard, ApiError> {
    let participants = count_ranked(&ctx.db, round_id).await?;
    let entries = best_entries(&ctx.db, round_id, depth as u64).await?;
    Ok(LiveBoard {
        participants: participants.max(entries.len() as u64),
        entries,
        updated_at_ms: ctx.now_ms(),
    })
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

/// This node's copy of a round's board.
#[derive(Debug, Clone)]
struct BoardCopy {
    board: LiveBoard,
    /// The entries asked for when it was taken.
    depth: usize,
    /// When it was taken (context clock).
    taken_at_ms: i64,
    /// The board's change mark on this node when it was taken.
    mark: u64,
}

impl BoardCopy {
    fn covers(&self, limit: usize) -> bool {
        self.depth >= limit || self.board.entries.len() as u64 >= self.board.participants
    }

    fn age(&self, now_ms: i64) -> i64 {
        now_ms.saturating_sub(self.taken_at_ms)
    }
}

/// This node's state of one round's board.
#[derive(Default)]
struct Slot {
    copy: Mutex<Option<BoardCopy>>,
    /// Held by the one reader that fills the copy.
    fill: tokio::sync::Mutex<()>,
    /// Whether a background rebuild or refresh of this node is running.
    background: AtomicBool,
}

/// Most rounds a node keeps copies of; past this they are all dropped.
const MAX_SLOTS: usize = 10_000;

/// This node's slots, by node and round.
type Slots = HashMap<(usize, Uuid), Arc<Slot>>;

static SLOTS: LazyLock<Mutex<Slots>> = LazyLock::new(Mutex::default);

fn slot(ctx: &AppContext, round_id: Uuid) -> Arc<Slot> {
    let mut slots = SLOTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if slots.len() >= MAX_SLOTS {
        slots.clear();
    }
    slots
        .entry((node_of(ctx.cache.as_ref()), round_id))
        .or_default()
        .clone()
}

impl Slot {
    fn lock_copy(&self) -> std::sync::MutexGuard<'_, Option<BoardCopy>> {
        self.copy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The copy, cut to `limit`, when it is current: young enough, not changed since on this
    /// node, deep enough.
    fn current(&self, mark: u64, now_ms: i64, limit: usize) -> Option<LiveBoard> {
        self.lock_copy()
            .as_ref()
            .filter(|c| c.mark == mark && c.age(now_ms) < COPY_FOR_MS && c.covers(limit))
            .map(|c| c.board.cut(limit))
    }

    /// The copy, cut to `limit`, when it may be served while a newer one is prepared.
    fn stale(&self, mark: u64, now_ms: i64, limit: usize) -> Option<LiveBoard> {
        self.lock_copy()
            .as_ref()
            .filter(|c| c.mark == mark && c.age(now_ms) <= STALE_AT_MOST_MS && c.covers(limit))
            .map(|c| c.board.cut(limit))
    }

    /// Keeps `board` as the copy and returns it cut to `limit`.
    fn keep(&self, copy: BoardCopy, limit: usize) -> LiveBoard {
        let served = copy.board.cut(limit);
        *self.lock_copy() = Some(copy);
        served
    }
}

/// Clears a slot's background flag when its task ends (or panics).
struct Background(Arc<Slot>);

impl Drop for Background {
    fn drop(&mut self) {
        self.0.background.store(false, Ordering::Release);
    }
}

/// Starts `work` in the background unless this node already runs one for the round.
fn spawn_background<F, Fut>(ctx: &AppContext, slot: &Arc<Slot>, work: F)
where
    F: FnOnce(AppContext, Arc<Slot>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    if slot.background.swap(true, Ordering::AcqRel) {
        return;
    }
    let guard = Background(slot.clone());
    let (task_ctx, task_slot) = (ctx.clone(), slot.clone());
    spawn_tracked(ctx.cache.as_ref(), async move {
        let _guard = guard;
        work(task_ctx, task_slot).await;
    });
}

/// Rebuilds a round's board in the cache from the database, when this reader gets the
/// board's claim (one rebuild at a time, whichever node); offers made meanwhile are held by
/// the cache and merged at the swap.
async fn rebuild(ctx: &AppContext, round_id: Uuid) {
    let key = board_key(round_id);
    let claim = match ctx.cache.board_claim(&key, REBUILD_LOCK).await {
        BoardClaim::Claimed(token) => token,
        BoardClaim::Busy | BoardClaim::Unavailable => return,
    };
    // Counted first: a participant who finishes in between is on the board and counted by
    // the cache's larger-of rule.
    let read = async {
        let participants = count_ranked(&ctx.db, round_id).await?;
        let entries = best_entries(&ctx.db, round_id, REBUILD_CAP).await?;
        Ok::<_, ApiError>((participants, entries))
    }
    .await;
    let (participants, entries) = match read {
        Ok(read) => read,
        Err(error) => {
            tracing::warn!(round = %round_id, %error, "live board: could not read a rebuild");
            ctx.cache.board_release(&key, &claim).await;
            return;
        }
    };
    let board: Vec<BoardEntry> = entries.iter().filter_map(LiveEntry::to_board).collect();
    let stored = ctx
        .cache
        .board_replace(&key, &claim, &board, participants, ctx.now_ms(), FRESH_FOR)
        .await;
    if stored {
        note_change(ctx.cache.as_ref(), round_id);
    } else {
        tracing::warn!(round = %round_id, "live board: could not store a rebuilt board");
        ctx.cache.board_release(&key, &claim).await;
    }
}

/// Refreshes this node's copy from the database (the cache being away).
async fn refresh(ctx: &AppContext, slot: &Slot, round_id: Uuid, depth: usize) {
    let mark = change_mark(ctx.cache.as_ref(), round_id);
    let taken_at_ms = ctx.now_ms();
    match from_database(ctx, round_id, depth).await {
        Ok(board) => {
            slot.keep(
                BoardCopy {
                    board,
                    depth,
                    taken_at_ms,
                    mark,
                },
                0,
            );
        }
        Err(error) => {
            tracing::warn!(round = %round_id, %error, "live board: could not refresh a copy");
        }
    }
}

/// The best `limit` entries of a round's board and the number of participants ranked, as
/// described in the module's documentation: this node's copy when current, else the cache's
/// board, else the database's top `limit` entries; never a rebuild inside the request.
pub async fn top(ctx: &AppContext, round_id: Uuid, limit: usize) -> Result<LiveBoard, ApiError> {
    let cache = ctx.cache.as_ref();
    let slot = slot(ctx, round_id);
    if let Some(board) = slot.current(change_mark(cache, round_id), ctx.now_ms(), limit) {
        return Ok(board);
    }
    let _filling = slot.fill.lock().await;
    let now_ms = ctx.now_ms();
    let mark = change_mark(cache, round_id);
    if let Some(board) = slot.current(mark, now_ms, limit) {
        return Ok(board);
    }
    let depth = limit.max(COPY_DEPTH);
    let copy = |board: LiveBoard| BoardCopy {
        board,
        depth,
        taken_at_ms: now_ms,
        mark,
    };
    let Some(page) = cache.board_top(&board_key(round_id), depth).await else {
        // The cache is away: the database answers, one reader per round at a time.
        if let Some(board) = slot.stale(mark, now_ms, limit) {
            spawn_background(ctx, &slot, move |ctx, slot| async move {
                refresh(&ctx, &slot, round_id, depth).await;
            });
            return Ok(board);
        }
        let board = from_database(ctx, round_id, depth).await?;
        return Ok(slot.keep(copy(board), limit));
    };
    if page.fresh {
        return Ok(slot.keep(copy(from_cache(&page, now_ms)), limit));
    }
    spawn_background(ctx, &slot, move |ctx, _| async move {
        rebuild(&ctx, round_id).await;
    });
    if page.updated_at_ms.is_some() {
        // Lapsed, not lost: served while the rebuild runs.
        return Ok(slot.keep(copy(from_cache(&page, now_ms)), limit));
    }
    if let Some(board) = slot.stale(mark, now_ms, limit) {
        return Ok(board);
    }
    let board = from_database(ctx, round_id, depth).await?;
    Ok(slot.keep(copy(board), limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(participants: u64, entries: usize) -> LiveBoard {
        let entry = |i: usize| LiveEntry {
            participant_id: Uuid::from_u128(i as u128),
            name: format!("Người {i}"),
            unit_id: Uuid::nil(),
            unit_code: "P01".into(),
            unit_name: "Phường".into(),
            score: 10 - i as i32,
            correct: 10 - i as i32,
            total: 10,
            duration_ms: 1000,
            submitted_at: 1,
            attempt_id: Uuid::from_u128(i as u128),
        };
        LiveBoard {
            participants,
            entries: (0..entries).map(entry).collect(),
            updated_at_ms: 1,
        }
    }

    fn slot_with(board: LiveBoard, depth: usize, mark: u64) -> Slot {
        let slot = Slot::default();
        slot.keep(
            BoardCopy {
                board,
                depth,
                taken_at_ms: 1_000,
                mark,
            },
            0,
        );
        slot
    }

    #[test]
    fn a_copy_serves_for_a_few_seconds_and_only_under_its_mark() {
        let slot = slot_with(board(200, 100), 100, 7);
        let served = slot.current(7, 1_000 + COPY_FOR_MS - 1, 3).unwrap();
        assert_eq!(served.entries.len(), 3, "cut to the limit");
        assert_eq!(served.participants, 200, "the count is not cut");
        assert!(slot.current(7, 1_000 + COPY_FOR_MS, 3).is_none(), "too old");
        assert!(slot.current(8, 1_000, 3).is_none(), "changed since");
        assert!(slot.current(7, 1_000, 101).is_none(), "not deep enough");
        // While a newer one is prepared, it serves a while longer.
        assert!(slot.stale(7, 1_000 + STALE_AT_MOST_MS, 3).is_some());
        assert!(slot.stale(7, 1_000 + STALE_AT_MOST_MS + 1, 3).is_none());
        assert!(slot.stale(8, 1_000 + COPY_FOR_MS, 3).is_none());
    }

    #[test]
    fn a_copy_of_a_whole_board_serves_any_limit() {
        let slot = slot_with(board(4, 4), 100, 1);
        assert_eq!(slot.current(1, 1_000, 500).unwrap().entries.len(), 4);
    }
}
