//! The shared half of the live leaderboard: what one entry holds, how entries rank, where a
//! round's board lives in the cache, recording a finished attempt on it, and this node's
//! bookkeeping of the boards (which copies are outdated, which background work is running).
//!
//! The attempt engine records finished attempts (after its commit, in a task of their own
//! that no request waits for), the bank forgets the boards a regrade touched, and the
//! leaderboard service reads and rebuilds them. Those three never depend on each other, so
//! what they share lives here.
//!
//! The board is indicative: it ranks each eligible participant's best finished attempt by
//! score, then duration, then finishing time, then attempt id. The prediction, known only at
//! close, plays no part; the finalized result is the one that counts.
//!
//! "This node" is one cache instance: one per server process, so per node in production (and
//! per test server when several run in one test process).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, Semaphore};
use uuid::Uuid;

use crate::cache::{BoardEntry, BoardOffer, Cache};
use crate::context::AppContext;
use crate::entities::attempt;

/// How long a rebuilt board is trusted before the next read rebuilds it from the database.
/// It bounds how long anything the board missed (an attempt closed on a path that does not
/// record, a participant made ineligible, an offer lost while Redis was away) stays wrong.
pub const FRESH_FOR: Duration = Duration::from_secs(300);

/// Largest score the board's composite order is exact for (2^20).
pub const MAX_SCORE: i64 = 1 << 20;
/// Largest duration, in milliseconds, the board's composite order tells apart (2^32 − 1);
/// longer ones rank as this.
pub const MAX_DURATION_MS: i64 = (1 << 32) - 1;

/// One participant's best finished attempt of a round, as the board keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEntry {
    /// The participant (the board's member).
    pub participant_id: Uuid,
    /// Full name as registered (masked before anything public shows it).
    pub name: String,
    /// The participant's unit.
    pub unit_id: Uuid,
    /// Its code.
    pub unit_code: String,
    /// Its name.
    pub unit_name: String,
    /// Points.
    pub score: i32,
    /// Questions answered right.
    pub correct: i32,
    /// Questions drawn.
    pub total: i32,
    /// Time taken, milliseconds.
    pub duration_ms: i64,
    /// When it was finished, milliseconds since the epoch.
    pub submitted_at: i64,
    /// The attempt.
    pub attempt_id: Uuid,
}

impl LiveEntry {
    /// The order of the board, best first: score descending, duration ascending, finishing
    /// time ascending, attempt id ascending. Total: two entries compare equal only when they
    /// are the same attempt.
    pub fn live_order(a: &LiveEntry, b: &LiveEntry) -> Ordering {
        b.score
            .cmp(&a.score)
            .then(a.duration_ms.cmp(&b.duration_ms))
            .then(a.submitted_at.cmp(&b.submitted_at))
            .then(a.attempt_id.as_bytes().cmp(b.attempt_id.as_bytes()))
            .then(a.participant_id.cmp(&b.participant_id))
    }

    /// Score and duration in one number that orders as they do (higher is better):
    /// `score · 2^32 + (2^32 − 1 − duration)`, exact in an f64 for scores up to 2^20 (below
    /// 2^53). Out-of-range values are clamped.
    pub fn composite(score: i64, duration_ms: i64) -> f64 {
        let score = score.clamp(0, MAX_SCORE) as u64;
        let duration = duration_ms.clamp(0, MAX_DURATION_MS) as u64;
        ((score << 32) + (MAX_DURATION_MS as u64 - duration)) as f64
    }

    /// What orders entries of equal composite, as text that sorts byte by byte: the finishing
    /// time (13 digits up to the year 2286) and the attempt id in hex.
    pub fn tie(&self) -> String {
        format!(
            "{:013}{}",
            self.submitted_at.clamp(0, 9_999_999_999_999),
            self.attempt_id.simple()
        )
    }

    /// The entry as the cache stores it.
    pub fn to_board(&self) -> Option<BoardEntry> {
        Some(BoardEntry {
            member: self.participant_id.to_string(),
            score: Self::composite(i64::from(self.score), self.duration_ms),
            tie: self.tie(),
            detail: serde_json::to_string(self).ok()?,
        })
    }

    /// The entry back from the cache; `None` for anything unreadable.
    pub fn from_board(entry: &BoardEntry) -> Option<Self> {
        serde_json::from_str(&entry.detail).ok()
    }

    /// The entry of a finished attempt, given its participant's name and unit; `None` while
    /// the attempt is in progress or lacks a result.
    pub fn of_attempt(
        row: &attempt::Model,
        name: String,
        unit_code: String,
        unit_name: String,
    ) -> Option<Self> {
        let finished = row.status == "submitted" || row.status == "expired";
        if !finished {
            return None;
        }
        Some(Self {
            participant_id: row.participant_id,
            name,
            unit_id: row.unit_id,
            unit_code,
            unit_name,
            score: row.score?,
            correct: row.correct?,
            total: row.total,
            duration_ms: row.duration_ms?,
            submitted_at: row.submitted_at?,
            attempt_id: row.id,
        })
    }
}

/// The cache key of a round's board (the braces make one Redis cluster hash tag of it, so the
/// board's keys stay together).
pub fn board_key(round_id: Uuid) -> String {
    format!("lb:{{{round_id}}}")
}

#[derive(Debug, FromQueryResult)]
struct Owner {
    full_name: String,
    eligible: bool,
    unit_code: String,
    unit_name: String,
}

/// Puts a finished attempt on its round's board when it is its participant's best (and the
/// participant is eligible). Call it after the attempt's transaction has committed; request
/// handlers and the sweep use [`spawn_record`], which runs it without making them wait.
/// Never fails: a database or cache problem is logged, and the board catches up at its next
/// rebuild. A board neither built nor being rebuilt is left alone before the database is
/// asked anything (its next rebuild reads the attempt from the database); during a rebuild
/// the entry is held for it ([`BoardOffer::Held`]).
pub async fn record_finished(
    db: &impl ConnectionTrait,
    cache: &dyn Cache,
    row: &attempt::Model,
    now_ms: i64,
) {
    if row.status != "submitted" && row.status != "expired" {
        return;
    }
    let key = board_key(row.round_id);
    match cache.board_accepts_offers(&key).await {
        Some(true) => {}
        // Not built: its first read builds it from the database, this attempt included.
        Some(false) => return,
        None => {
            tracing::warn!(attempt = %row.id, "live board: the cache did not take a finished attempt");
            return;
        }
    }
    let owner = Owner::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT p.full_name, p.eligible, u.code AS unit_code, u.name AS unit_name \
         FROM participants p JOIN units u ON u.id = $2 WHERE p.id = $1",
        [row.participant_id.into(), row.unit_id.into()],
    ))
    .one(db)
    .await;
    let owner = match owner {
        Ok(Some(owner)) => owner,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(attempt = %row.id, %error, "live board: could not read the participant");
            return;
        }
    };
    if !owner.eligible {
        return;
    }
    let Some(entry) = LiveEntry::of_attempt(row, owner.full_name, owner.unit_code, owner.unit_name)
        .and_then(|e| e.to_board())
    else {
        return;
    };
    match cache.board_offer(&key, &entry, now_ms).await {
        BoardOffer::Stored => note_change(cache, row.round_id),
        BoardOffer::Held | BoardOffer::NotBetter | BoardOffer::NotBuilt => {}
        BoardOffer::Unavailable => {
            tracing::warn!(attempt = %row.id, "live board: the cache did not take a finished attempt");
        }
    }
}

/// Records a finished attempt on its round's board ([`record_finished`]) in a task of its
/// own: the caller (a submission, an attempt read, the sweep) never waits for it and is never
/// failed by it. At most a few records run at once per process. Call it after the attempt's
/// transaction has committed.
pub fn spawn_record(ctx: &AppContext, row: &attempt::Model) {
    if row.status != "submitted" && row.status != "expired" {
        return;
    }
    let (db, cache, row, now_ms) = (ctx.db.clone(), ctx.cache.clone(), row.clone(), ctx.now_ms());
    spawn_tracked(ctx.cache.as_ref(), async move {
        // A sweep that closes hundreds of attempts at once must not take every database
        // connection from the requests: a few records at a time, the others wait their turn.
        let _turn = RECORDING.acquire().await;
        record_finished(&db, cache.as_ref(), &row, now_ms).await;
    });
}

/// Most records that run at once in this process.
const RECORDS_AT_ONCE: usize = 4;

static RECORDING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(RECORDS_AT_ONCE));

/// Forgets the boards of these rounds (after a regrade rescored their attempts, for
/// instance), here and in this node's copies: each is rebuilt from the database on its next
/// read, and a rebuild already under way cannot swap in what it read before.
pub async fn forget_rounds(cache: &dyn Cache, round_ids: &[Uuid]) {
    for round_id in round_ids {
        cache.board_drop(&board_key(*round_id)).await;
        note_change(cache, *round_id);
    }
}

/// The node a cache instance stands for (its address: one cache per server), to key this
/// node's bookkeeping of the boards.
pub fn node_of(cache: &dyn Cache) -> usize {
    std::ptr::from_ref(cache).cast::<()>().addr()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Per node and round: the mark of the last change this node saw to its board, from one
/// process-wide sequence; rounds not in the map read as the mark of the last clearing.
static CHANGES: LazyLock<Mutex<Marks>> = LazyLock::new(Mutex::default);
/// The mark of the last clearing, and the marks by node and round.
type Marks = (u64, HashMap<(usize, Uuid), u64>);
/// The sequence the marks come from.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Most rounds whose marks a process keeps; past this the map is cleared, and every round
/// then reads as changed at the clearing (copies taken before it read as outdated, which
/// only costs a read of the cache).
const MAX_MARKED_ROUNDS: usize = 100_000;

/// The mark of the last change this node has seen to the board of `round_id` (an entry
/// stored by an offer made here, a rebuild swapped in here, the board forgotten). A copy of
/// the board taken under another mark is outdated.
pub fn change_mark(cache: &dyn Cache, round_id: Uuid) -> u64 {
    let changes = lock(&CHANGES);
    changes
        .1
        .get(&(node_of(cache), round_id))
        .copied()
        .unwrap_or(changes.0)
}

/// Notes that the board of `round_id` changed on this node: copies taken before are outdated
/// (see [`change_mark`]).
pub fn note_change(cache: &dyn Cache, round_id: Uuid) {
    let mark = SEQUENCE.fetch_add(1, AtomicOrdering::Relaxed) + 1;
    let mut changes = lock(&CHANGES);
    if changes.1.len() >= MAX_MARKED_ROUNDS {
        changes.1.clear();
        changes.0 = mark;
    }
    changes.1.insert((node_of(cache), round_id), mark);
}

/// Per node: the live-board tasks still running.
static RUNNING: LazyLock<Mutex<HashMap<usize, usize>>> = LazyLock::new(Mutex::default);
/// Woken whenever a node's last running task finishes.
static ALL_DONE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// One running task, counted from before it is spawned until it ends (or panics).
struct Running(usize);

impl Running {
    fn start(node: usize) -> Self {
        *lock(&RUNNING).entry(node).or_insert(0) += 1;
        Self(node)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = lock(&RUNNING);
        if let Some(count) = running.get_mut(&self.0) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                running.remove(&self.0);
                ALL_DONE.notify_waiters();
            }
        }
    }
}

/// Runs `task` in the background (a tokio task) as live-board work of this node, counted
/// until it ends so that [`settled`] can wait for it. Must be called within a tokio runtime.
pub fn spawn_tracked<F>(cache: &dyn Cache, task: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let running = Running::start(node_of(cache));
    tokio::spawn(async move {
        let _running = running;
        task.await;
    });
}

/// Waits until this node has no live-board work running (records and rebuilds spawned so
/// far, and any they are still spawning): tests use it instead of sleeping, and a draining
/// node may use it before it stops.
pub async fn settled(cache: &dyn Cache) {
    let node = node_of(cache);
    loop {
        let done = ALL_DONE.notified();
        tokio::pin!(done);
        done.as_mut().enable();
        if !lock(&RUNNING).contains_key(&node) {
            return;
        }
        done.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(score: i32, duration_ms: i64, submitted_at: i64, id: u128) -> LiveEntry {
        LiveEntry {
            participant_id: Uuid::from_u128(id),
            name: "Nguyễn Văn An".into(),
            unit_id: Uuid::nil(),
            unit_code: "P01".into(),
            unit_name: "Phường".into(),
            score,
            correct: score,
            total: 20,
            duration_ms,
            submitted_at,
            attempt_id: Uuid::from_u128(id),
        }
    }

    fn board_order(a: &LiveEntry, b: &LiveEntry) -> Ordering {
        BoardEntry::board_order(&a.to_board().unwrap(), &b.to_board().unwrap())
    }

    #[test]
    fn the_composite_is_exact_at_the_extremes() {
        let top = LiveEntry::composite(MAX_SCORE, 0);
        assert!(top < 2f64.powi(53));
        assert!(LiveEntry::composite(MAX_SCORE, 0) > LiveEntry::composite(MAX_SCORE, 1));
        assert!(LiveEntry::composite(MAX_SCORE - 1, 0) < LiveEntry::composite(MAX_SCORE, 1));
        assert!(
            LiveEntry::composite(1, MAX_DURATION_MS) > LiveEntry::composite(0, 0),
            "a point outweighs any duration"
        );
        assert_eq!(
            LiveEntry::composite(3, MAX_DURATION_MS),
            LiveEntry::composite(3, MAX_DURATION_MS + 5)
        );
    }

    #[test]
    fn the_cache_order_is_the_live_order() {
        let entries = [
            entry(5, 1000, 50, 1),
            entry(5, 1000, 40, 2),
            entry(5, 999, 90, 3),
            entry(6, 90_000, 10, 4),
            entry(5, 1000, 40, 0),
            entry(0, 0, 0, 9),
        ];
        for a in &entries {
            for b in &entries {
                assert_eq!(
                    LiveEntry::live_order(a, b),
                    board_order(a, b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn a_change_outdates_only_this_node_and_rounds_copies() {
        let (here, there) = (
            crate::cache::InProcessCache::new(),
            crate::cache::InProcessCache::new(),
        );
        let (round, other) = (Uuid::new_v4(), Uuid::new_v4());
        let before = (
            change_mark(&here, round),
            change_mark(&here, other),
            change_mark(&there, round),
        );
        note_change(&here, round);
        let after = change_mark(&here, round);
        assert_ne!(after, before.0);
        assert_eq!(change_mark(&here, other), before.1);
        assert_eq!(change_mark(&there, round), before.2);
        note_change(&here, round);
        assert_ne!(
            change_mark(&here, round),
            after,
            "every change is a new mark"
        );
    }

    #[tokio::test]
    async fn settled_waits_for_the_work_spawned_before() {
        let cache = crate::cache::InProcessCache::new();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let flag = done.clone();
        spawn_tracked(&cache, async move {
            let _ = wait.await;
            flag.store(true, AtomicOrdering::SeqCst);
        });
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            let _ = release.send(());
        });
        settled(&cache).await;
        assert!(done.load(AtomicOrdering::SeqCst));
        // Nothing running: returns at once, and another node's work is not waited for.
        settled(&cache).await;
        let other = crate::cache::InProcessCache::new();
        spawn_tracked(&other, std::future::pending());
        settled(&cache).await;
    }

    #[test]
    fn an_entry_survives_the_cache() {
        let original = entry(7, 1234, 5678, 42);
        let stored = original.to_board().unwrap();
        assert_eq!(stored.member, original.participant_id.to_string());
        assert!(!stored.tie.contains('|'));
        assert_eq!(LiveEntry::from_board(&stored), Some(original));
    }
}
