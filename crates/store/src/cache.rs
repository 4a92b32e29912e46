//! One cache interface: Redis when `REDIS_URL` is set, in-process otherwise.
//!
//! The cache is never the only copy of anything a participant was told is saved. Every call
//! is bounded in time; a cache that fails or is slow answers like an empty one, so the
//! callers fall back to the database.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;

/// A key-value cache with expiry and counters. Keys are namespaced by the implementation.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// The value under `key`, or `None` when missing, expired or the cache is unreachable.
    async fn get(&self, key: &str) -> Option<String>;
    /// Stores `value` under `key` for `ttl`. Failures are logged and ignored.
    async fn set(&self, key: &str, value: &str, ttl: Duration);
    /// Removes `key`. Failures are logged and ignored.
    async fn delete(&self, key: &str);
    /// Adds one to the counter under `key` (created at 1 with expiry `ttl`), returning the new
    /// value, or `None` when the cache is unreachable.
    async fn incr(&self, key: &str, ttl: Duration) -> Option<i64>;
    /// `"redis"` or `"in_process"`, for `/readyz`.
    fn kind(&self) -> &'static str;
    /// Whether the cache answers now.
    async fn ping(&self) -> bool;

    /// Offers `entry` to the board under `key`: it replaces the member's stored entry only
    /// when it ranks better ([`BoardEntry::outranks`]), and only when the board has been built
    /// and is fresh. While a rebuild holds the board's claim ([`Cache::board_claim`]) the
    /// offer is held aside instead (the better one per member) and merged when that rebuild
    /// swaps its board in, so nothing finished during a rebuild goes missing. A board neither
    /// fresh nor being rebuilt takes nothing: its next rebuild reads the database. Atomic per
    /// member, whichever node offers. `now_ms` becomes the board's `updated_at` on a change.
    async fn board_offer(&self, key: &str, entry: &BoardEntry, now_ms: i64) -> BoardOffer {
        let _ = (key, entry, now_ms);
        BoardOffer::Unavailable
    }

    /// Whether an offer to the board under `key` would be taken now (the board is fresh or a
    /// rebuild holds its claim), so that a caller can skip the work of preparing one;
    /// `None` when the cache is unreachable (remembered as a missed offer: the board is
    /// rebuilt once the cache answers again).
    async fn board_accepts_offers(&self, key: &str) -> Option<bool> {
        let _ = key;
        None
    }

    /// Claims the right to rebuild the board under `key` for at most `hold`: one holder at a
    /// time, whichever node asks. From the claim until the rebuild swaps in (or the claim is
    /// released, dropped or lapses), offers are held aside for the rebuild.
    async fn board_claim(&self, key: &str, hold: Duration) -> BoardClaim {
        let _ = (key, hold);
        BoardClaim::Unavailable
    }

    /// Replaces the whole board under `key` with `entries` (best per member already chosen, or
    /// chosen here), merges the offers held since `claim` was taken, records `total` as the
    /// number of members ranked (the database's count, which may exceed the entries stored),
    /// marks the board fresh for `fresh_for` and gives the claim back. Returns false, and
    /// changes nothing, when the claim is no longer held (the board was dropped meanwhile, or
    /// the claim lapsed) or the cache could not be reached.
    async fn board_replace(
        &self,
        key: &str,
        claim: &str,
        entries: &[BoardEntry],
        total: u64,
        now_ms: i64,
        fresh_for: Duration,
    ) -> bool {
        let _ = (key, claim, entries, total, now_ms, fresh_for);
        false
    }

    /// Gives back a claim without rebuilding (the offers held for it are dropped: they were
    /// committed before the rebuild began, so the next rebuild reads them). Failures are
    /// logged and ignored (the claim lapses).
    async fn board_release(&self, key: &str, claim: &str) {
        let _ = (key, claim);
    }

    /// The best `limit` entries of the board under `key`, best first, with the number of
    /// members ranked; `None` when the cache is unreachable. A board never built reads as
    /// empty and not fresh; a board whose freshness has lapsed still returns its (stale)
    /// entries.
    async fn board_top(&self, key: &str, limit: usize) -> Option<BoardPage> {
        let _ = (key, limit);
        None
    }

    /// Forgets the board under `key` (entries, freshness, any claim and the offers held for
    /// it): the next read rebuilds it, and a rebuild in progress cannot swap in what it read
    /// before. Failures are logged and ignored.
    async fn board_drop(&self, key: &str) {
        let _ = key;
    }
}

/// One member of a board (a ranked set with a detail per member): the order is `score`
/// descending, then `tie` ascending (byte order), then `member` ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardEntry {
    /// The member's identity (one entry per member).
    pub member: String,
    /// Higher ranks first. Finite and not negative; anything else is stored as 0. Exact in
    /// Redis up to 2^53.
    pub score: f64,
    /// Among equal scores, the smaller ranks first (compared byte by byte). Must not contain
    /// `|`.
    pub tie: String,
    /// Whatever the caller needs to show the entry (JSON, for instance).
    pub detail: String,
}

impl BoardEntry {
    fn sane_score(&self) -> f64 {
        if self.score.is_finite() && self.score > 0.0 {
            self.score
        } else {
            0.0
        }
    }

    /// Whether this entry ranks strictly better than `other` (members not compared: both are
    /// entries of one member when a board decides whether to keep an offer).
    pub fn outranks(&self, other: &BoardEntry) -> bool {
        let (mine, theirs) = (self.sane_score(), other.sane_score());
        mine > theirs || (mine == theirs && self.tie.as_bytes() < other.tie.as_bytes())
    }

    /// The board's order: best first.
    pub fn board_order(a: &BoardEntry, b: &BoardEntry) -> std::cmp::Ordering {
        b.sane_score()
            .total_cmp(&a.sane_score())
            .then_with(|| a.tie.as_bytes().cmp(b.tie.as_bytes()))
            .then_with(|| a.member.cmp(&b.member))
    }
}

/// What [`Cache::board_offer`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardOffer {
    /// Stored: the member had no entry or a worse one.
    Stored,
    /// Not stored: the member's entry ranks as well or better.
    NotBetter,
    /// Held aside for the rebuild in progress, which merges it when it swaps its board in.
    Held,
    /// Not stored: the board is neither fresh nor being rebuilt; its next rebuild reads the
    /// database.
    NotBuilt,
    /// The cache could not be reached.
    Unavailable,
}

/// What [`Cache::board_claim`] got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardClaim {
    /// The right to rebuild, under this token (for [`Cache::board_replace`] and
    /// [`Cache::board_release`]).
    Claimed(String),
    /// Someone else (this node or another) is rebuilding the board.
    Busy,
    /// The cache could not be reached.
    Unavailable,
}

/// A read of the top of a board.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoardPage {
    /// Whether the board was built and is still fresh; when false, `entries` may be stale or
    /// missing and the caller should rebuild it.
    pub fresh: bool,
    /// Members ranked: the larger of the count the last rebuild recorded (which includes
    /// members beyond what the board stores) and the members stored.
    pub total: u64,
    /// The best entries, best first, at most the limit asked for.
    pub entries: Vec<BoardEntry>,
    /// When the board last changed (the `now_ms` of its last stored offer or rebuild).
    pub updated_at_ms: Option<i64>,
}

fn count_lookup(hit: bool) {
    if hit {
        crate::metrics::CACHE_HITS.inc();
    } else {
        crate::metrics::CACHE_MISSES.inc();
    }
}

/// A cache in this process's memory: for the embedded default and tests. Not shared between
/// nodes, so nothing that must be shared may rely on it when several nodes run.
#[derive(Debug, Default)]
pub struct InProcessCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
    boards: Mutex<HashMap<String, LocalBoard>>,
}

/// A board in this process: the entries by member and their order, its freshness, and the
/// claim of a rebuild in progress with the offers held for it.
#[derive(Debug, Default)]
struct LocalBoard {
    members: HashMap<String, BoardEntry>,
    order: BTreeSet<LocalRank>,
    fresh_until: Option<Instant>,
    updated_at_ms: Option<i64>,
    /// Members ranked, as the last rebuild counted them.
    total: u64,
    /// The rebuild in progress: its token and until when it holds.
    claim: Option<(String, Instant)>,
    /// Offers made while the claim is held, the best per member.
    held: HashMap<String, BoardEntry>,
}

/// The board order as a sort key: score descending (the bits of a finite, non-negative f64
/// order as the number does), then tie and member ascending.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LocalRank(Reverse<u64>, String, String);

impl LocalRank {
    fn of(entry: &BoardEntry) -> Self {
        Self(
            Reverse(entry.sane_score().to_bits()),
            entry.tie.clone(),
            entry.member.clone(),
        )
    }
}

impl LocalBoard {
    fn put(&mut self, entry: BoardEntry) {
        if let Some(old) = self.members.remove(&entry.member) {
            self.order.remove(&LocalRank::of(&old));
        }
        self.order.insert(LocalRank::of(&entry));
        self.members.insert(entry.member.clone(), entry);
    }

    fn is_fresh(&self) -> bool {
        self.fresh_until.is_some_and(|until| until > Instant::now())
    }

    /// The token of the claim that still holds, if any.
    fn live_claim(&self) -> Option<&str> {
        self.claim
            .as_ref()
            .filter(|(_, until)| *until > Instant::now())
            .map(|(token, _)| token.as_str())
    }

    /// Keeps `entry` in `map` when it is its member's best there.
    fn keep_best(map: &mut HashMap<String, BoardEntry>, entry: &BoardEntry) -> bool {
        if map
            .get(&entry.member)
            .is_some_and(|old| !entry.outranks(old))
        {
            return false;
        }
        map.insert(entry.member.clone(), entry.clone());
        true
    }
}

impl InProcessCache {
    /// Most entries kept; past this, expired entries are purged and then the map is cleared.
    const MAX_ENTRIES: usize = 100_000;

    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Most boards kept; past this they are all dropped (each is rebuilt on its next read).
    const MAX_BOARDS: usize = 10_000;

    fn with_boards<T>(&self, f: impl FnOnce(&mut HashMap<String, LocalBoard>) -> T) -> T {
        let mut boards = self
            .boards
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if boards.len() >= Self::MAX_BOARDS {
            boards.clear();
        }
        f(&mut boards)
    }

    fn with_entries<T>(&self, f: impl FnOnce(&mut HashMap<String, (String, Instant)>) -> T) -> T {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            let now = Instant::now();
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        f(&mut entries)
    }
}

#[async_trait]
impl Cache for InProcessCache {
    async fn get(&self, key: &str) -> Option<String> {
        let found = self.with_entries(|entries| match entries.get(key) {
            Some((value, expires)) if *expires > Instant::now() => Some(value.clone()),
            _ => None,
        });
        count_lookup(found.is_some());
        found
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) {
        self.with_entries(|entries| {
            entries.insert(key.to_owned(), (value.to_owned(), Instant::now() + ttl));
        });
    }

    async fn delete(&self, key: &str) {
        self.with_entries(|entries| {
            entries.remove(key);
        });
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Option<i64> {
        self.with_entries(|entries| {
            let now = Instant::now();
            let entry = entries
                .entry(key.to_owned())
                .or_insert_with(|| ("0".into(), now + ttl));
            if entry.1 <= now {
                *entry = ("0".into(), now + ttl);
            }
            let next = entry.0.parse::<i64>().unwrap_or(0) + 1;
            entry.0 = next.to_string();
            Some(next)
        })
    }

    fn kind(&self) -> &'static str {
        "in_process"
    }

    async fn ping(&self) -> bool {
        true
    }

    async fn board_offer(&self, key: &str, entry: &BoardEntry, now_ms: i64) -> BoardOffer {
        self.with_boards(|boards| {
            let Some(board) = boards.get_mut(key) else {
                return BoardOffer::NotBuilt;
            };
            if board.is_fresh() {
                if board
                    .members
                    .get(&entry.member)
                    .is_some_and(|old| !entry.outranks(old))
                {
                    return BoardOffer::NotBetter;
                }
                board.put(entry.clone());
                board.updated_at_ms = Some(now_ms);
                return BoardOffer::Stored;
            }
            if board.live_claim().is_none() {
                return BoardOffer::NotBuilt;
            }
            if LocalBoard::keep_best(&mut board.held, entry) {
                BoardOffer::Held
            } else {
                BoardOffer::NotBetter
            }
        })
    }

    async fn board_accepts_offers(&self, key: &str) -> Option<bool> {
        Some(self.with_boards(|boards| {
            boards
                .get(key)
                .is_some_and(|b| b.is_fresh() || b.live_claim().is_some())
        }))
    }

    async fn board_claim(&self, key: &str, hold: Duration) -> BoardClaim {
        self.with_boards(|boards| {
            let board = boards.entry(key.to_owned()).or_default();
            if board.live_claim().is_some() {
                return BoardClaim::Busy;
            }
            let token = uuid::Uuid::new_v4().simple().to_string();
            board.claim = Some((token.clone(), Instant::now() + hold));
            board.held.clear();
            BoardClaim::Claimed(token)
        })
    }

    async fn board_replace(
        &self,
        key: &str,
        claim: &str,
        entries: &[BoardEntry],
        total: u64,
        now_ms: i64,
        fresh_for: Duration,
    ) -> bool {
        let mut best: HashMap<String, BoardEntry> = HashMap::new();
        for entry in entries {
            LocalBoard::keep_best(&mut best, entry);
        }
        self.with_boards(|boards| {
            let Some(old) = boards
                .get_mut(key)
                .filter(|b| b.live_claim() == Some(claim))
            else {
                return false;
            };
            for entry in old.held.values() {
                LocalBoard::keep_best(&mut best, entry);
            }
            let mut board = LocalBoard {
                fresh_until: Some(Instant::now() + fresh_for),
                updated_at_ms: Some(now_ms),
                total,
                ..LocalBoard::default()
            };
            for entry in best.into_values() {
                board.put(entry);
            }
            *old = board;
            true
        })
    }

    async fn board_release(&self, key: &str, claim: &str) {
        self.with_boards(|boards| {
            if let Some(board) = boards.get_mut(key) {
                if board.live_claim() == Some(claim) {
                    board.claim = None;
                    board.held.clear();
                }
            }
        });
    }

    async fn board_top(&self, key: &str, limit: usize) -> Option<BoardPage> {
        let page = self.with_boards(|boards| match boards.get(key) {
            None => BoardPage::default(),
            Some(board) => BoardPage {
                fresh: board.is_fresh(),
                total: board.total.max(board.members.len() as u64),
                entries: board
                    .order
                    .iter()
                    .take(limit)
                    .filter_map(|rank| board.members.get(&rank.2).cloned())
                    .collect(),
                updated_at_ms: board.updated_at_ms,
            },
        });
        count_lookup(page.fresh);
        Some(page)
    }

    async fn board_drop(&self, key: &str) {
        self.with_boards(|boards| {
            boards.remove(key);
        });
    }
}

/// Redis, through a reconnecting connection manager; every key is prefixed.
#[derive(Clone)]
pub struct RedisCache {
    connection: redis::aio::ConnectionManager,
    prefix: String,
    timeout: Duration,
    /// Boards an offer could not reach: Redis may have come back with them stale, so their
    /// freshness is dropped on the next board call that gets through.
    unsure_boards: Arc<Mutex<HashSet<String>>>,
}

/// Lua shared by the board scripts: byte-wise string order, the tie part of a stored detail
/// (`tie|detail`), and whether an entry beats the member's entry in a set and its details
/// (score higher, or equal with a tie smaller byte by byte; a member without an entry is
/// beaten by anything).
const LUA_BOARD_HELPERS: &str = r"
local function less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function tie_of(stored)
  local sep = string.find(stored, '|', 1, true)
  if sep then return string.sub(stored, 1, sep - 1) end
  return ''
end
local function beats(set, details, member, score, tie)
  local old = redis.call('ZSCORE', set, member)
  if not old then return true end
  local news, olds = tonumber(score), tonumber(old)
  if news ~= olds then return news > olds end
  local stored = redis.call('HGET', details, member)
  if not stored then return true end
  return less(tie, tie_of(stored))
end
";

/// Offers an entry to a board: stores it when the board is fresh and the member has no entry
/// or a worse one; while a rebuild holds the claim, keeps it aside (the best per member, as
/// `score|tie|detail`) for the swap to merge, no longer than the claim holds.
/// KEYS: set, details, fresh marker, claim, held. ARGV: member, score, tie, detail, now_ms.
/// Returns 1 stored, 2 held, 0 not better, -1 not built.
const OFFER_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[3]) == 1 then
  if not beats(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]) then return 0 end
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. '|' .. ARGV[4], '~at', ARGV[5])
  return 1
end
local ttl = redis.call('PTTL', KEYS[4])
if ttl <= 0 then return -1 end
local held = redis.call('HGET', KEYS[5], ARGV[1])
if held then
  local sep = string.find(held, '|', 1, true)
  if sep then
    local olds, news = tonumber(string.sub(held, 1, sep - 1)), tonumber(ARGV[2])
    if news < olds then return 0 end
    if news == olds and not less(ARGV[3], tie_of(string.sub(held, sep + 1))) then return 0 end
  end
end
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4])
redis.call('PEXPIRE', KEYS[5], ttl)
return 2
";

/// Reads the top of a board: the best `limit` members, plus every member tied on the last
/// one's score (up to a cap) so the caller can order ties exactly. The total is the larger of
/// the members stored and the count the last rebuild recorded (`~n`).
/// KEYS: set, details, fresh marker. ARGV: limit, tie cap.
/// Returns {fresh, total, updated_at or false, members, scores, details}.
const TOP_SCRIPT: &str = r"
local fresh = redis.call('EXISTS', KEYS[3])
local total = redis.call('ZCARD', KEYS[1])
local counted = tonumber(redis.call('HGET', KEYS[2], '~n') or '0') or 0
if counted > total then total = counted end
local limit = tonumber(ARGV[1])
local members, scores, seen = {}, {}, {}
if limit > 0 then
  local top = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1, 'WITHSCORES')
  for i = 1, #top, 2 do
    members[#members + 1] = top[i]
    scores[#scores + 1] = top[i + 1]
    seen[top[i]] = true
  end
  if #members == limit then
    local last = scores[#scores]
    local tied = redis.call('ZREVRANGEBYSCORE', KEYS[1], last, last, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
    for i = 1, #tied, 2 do
      if not seen[tied[i]] then
        members[#members + 1] = tied[i]
        scores[#scores + 1] = tied[i + 1]
        seen[tied[i]] = true
      end
    end
  end
end
local details = {}
for i = 1, #members do details[i] = redis.call('HGET', KEYS[2], members[i]) end
local at = redis.call('HGET', KEYS[2], '~at')
return {fresh, total, at, members, scores, details}
";

/// Claims a board's rebuild: one holder at a time; a new claim starts with no held offers.
/// KEYS: claim, held. ARGV: token, hold_ms. Returns 1 claimed, 0 busy.
const CLAIM_SCRIPT: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
";

/// Swaps a board written under temporary keys into place, when the claim still holds: merges
/// the held offers into it first, records the counted total, marks it fresh and gives the
/// claim back. A lost claim discards the temporary keys.
/// KEYS: set, details, fresh marker, claim, held, temporary set, temporary details.
/// ARGV: token, keep_ms, fresh_ms, total. Returns 1 swapped, 0 claim lost.
const SWAP_SCRIPT: &str = r"
if redis.call('GET', KEYS[4]) ~= ARGV[1] then
  redis.call('DEL', KEYS[6], KEYS[7])
  return 0
end
local held = redis.call('HGETALL', KEYS[5])
for i = 1, #held, 2 do
  local member, value = held[i], held[i + 1]
  local s1 = string.find(value, '|', 1, true)
  local s2 = s1 and string.find(value, '|', s1 + 1, true)
  if s2 then
    local score = string.sub(value, 1, s1 - 1)
    local tie = string.sub(value, s1 + 1, s2 - 1)
    if beats(KEYS[6], KEYS[7], member, score, tie) then
      redis.call('ZADD', KEYS[6], score, member)
      redis.call('HSET', KEYS[7], member, tie .. '|' .. string.sub(value, s2 + 1))
    end
  end
end
if redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('RENAME', KEYS[6], KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[7], '~n', ARGV[4])
redis.call('RENAME', KEYS[7], KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
redis.call('DEL', KEYS[4], KEYS[5])
return 1
";

/// Gives a claim back when it is still this token's, with the offers held for it.
/// KEYS: claim, held. ARGV: token. Returns 1 released, 0 not held.
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
";

/// The board scripts, loaded once per Redis and then run by digest (EVALSHA; a Redis that
/// lost its script cache gets the script again automatically).
struct BoardScripts {
    offer: redis::Script,
    top: redis::Script,
    claim: redis::Script,
    swap: redis::Script,
    release: redis::Script,
}

static BOARD_SCRIPTS: LazyLock<BoardScripts> = LazyLock::new(|| {
    let with_helpers = |body: &str| redis::Script::new(&format!("{LUA_BOARD_HELPERS}{body}"));
    BoardScripts {
        offer: with_helpers(OFFER_SCRIPT),
        top: redis::Script::new(TOP_SCRIPT),
        claim: redis::Script::new(CLAIM_SCRIPT),
        swap: with_helpers(SWAP_SCRIPT),
        release: redis::Script::new(RELEASE_SCRIPT),
    }
});

/// The Redis keys of one board (one hash tag, when the caller's key has one).
struct BoardKeys {
    /// The sorted set of members by composite score.
    set: String,
    /// The details hash: `tie|detail` per member, `~at` (last change) and `~n` (counted).
    details: String,
    /// Present while the board is fresh.
    fresh: String,
    /// The token of the rebuild in progress.
    claim: String,
    /// Offers held for that rebuild.
    held: String,
}

impl RedisCache {
    /// Connects to `url`; every key gets `prefix` in front (tests use one prefix each).
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("parsing REDIS_URL")?;
        let connection =
            tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
                .await
                .context("connecting to Redis timed out")?
                .context("connecting to Redis")?;
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
            timeout: Duration::from_millis(500),
            unsure_boards: Arc::default(),
        })
    }

    /// How long a board's entries are kept at most (each rebuild sets it anew); far longer
    /// than its freshness, so a lapsed board can still be served while one reader rebuilds it.
    const BOARD_KEEP: Duration = Duration::from_secs(24 * 3600);
    /// Members written per command while a board is rebuilt.
    const BOARD_CHUNK: usize = 1000;
    /// Most members tied on the last score that a board read adds for exact ordering.
    const BOARD_TIE_CAP: usize = 1000;

    /// The keys of a board. One hash tag keeps them together on a cluster when the caller
    /// puts one in `key`.
    fn board_keys(&self, key: &str) -> BoardKeys {
        BoardKeys {
            set: self.key(key),
            details: self.key(&format!("{key}:d")),
            fresh: self.key(&format!("{key}:fresh")),
            claim: self.key(&format!("{key}:claim")),
            held: self.key(&format!("{key}:held")),
        }
    }

    fn lock_unsure(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.unsure_boards
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Drops the freshness (and any rebuild claim) of boards that missed an offer while Redis
    /// was unreachable, now that it answers again: they are rebuilt from the database on their
    /// next read, and a rebuild that began before cannot swap in without the missed offer.
    async fn settle_unsure_boards(&self) {
        let pending: Vec<String> = self.lock_unsure().iter().cloned().collect();
        for key in pending {
            let keys = self.board_keys(&key);
            let mut command = redis::cmd("DEL");
            command.arg(keys.fresh).arg(keys.claim);
            if self.run::<i64>(command).await.is_some() {
                self.lock_unsure().remove(&key);
            }
        }
    }

    fn mark_unsure(&self, key: &str) {
        let mut unsure = self.lock_unsure();
        // Bounded: boards are per round, so thousands are already far more than exist.
        if unsure.len() < 10_000 {
            unsure.insert(key.to_owned());
        }
    }

    async fn run<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Option<T> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(error)) => {
                tracing::warn!(%error, "redis command failed");
                None
            }
            Err(_) => {
                tracing::warn!("redis command timed out");
                None
            }
        }
    }

    /// Runs a script by digest (loading it first when Redis does not have it), bounded in
    /// time like every command.
    async fn run_script<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Option<T> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, invocation.invoke_async::<T>(&mut connection))
            .await
        {
            Ok(Ok(value)) => Some(value),
            Ok(Err(error)) => {
                tracing::warn!(%error, "redis script failed");
                None
            }
            Err(_) => {
                tracing::warn!("redis script timed out");
                None
            }
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Option<String> {
        let mut command = redis::cmd("GET");
        command.arg(self.key(key));
        let found = self.run::<Option<String>>(command).await.flatten();
        count_lookup(found.is_some());
        found
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) {
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64);
        let _: Option<()> = self.run(command).await;
    }

    async fn delete(&self, key: &str) {
        let mut command = redis::cmd("DEL");
        command.arg(self.key(key));
        let _: Option<i64> = self.run(command).await;
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Option<i64> {
        let key = self.key(key);
        let mut command = redis::cmd("INCR");
        command.arg(&key);
        let value: i64 = self.run(command).await?;
        if value == 1 {
            // The first hit of a window sets its expiry (works on every Redis version).
            let mut expire = redis::cmd("PEXPIRE");
            expire.arg(&key).arg(ttl.as_millis().max(1) as u64);
            let _: Option<i64> = self.run(expire).await;
        }
        Some(value)
    }

    fn kind(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> bool {
        self.run::<String>(redis::cmd("PING")).await.is_some()
    }

    async fn board_offer(&self, key: &str, entry: &BoardEntry, now_ms: i64) -> BoardOffer {
        self.settle_unsure_boards().await;
        let keys = self.board_keys(key);
        let mut invocation = BOARD_SCRIPTS.offer.prepare_invoke();
        invocation
            .key(keys.set)
            .key(keys.details)
            .key(keys.fresh)
            .key(keys.claim)
            .key(keys.held)
            .arg(&entry.member)
            .arg(entry.sane_score())
            .arg(&entry.tie)
            .arg(&entry.detail)
            .arg(now_ms);
        match self.run_script::<i64>(&invocation).await {
            Some(1) => BoardOffer::Stored,
            Some(2) => BoardOffer::Held,
            Some(0) => BoardOffer::NotBetter,
            Some(_) => BoardOffer::NotBuilt,
            None => {
                self.mark_unsure(key);
                BoardOffer::Unavailable
            }
        }
    }

    async fn board_accepts_offers(&self, key: &str) -> Option<bool> {
        self.settle_unsure_boards().await;
        let keys = self.board_keys(key);
        let mut command = redis::cmd("EXISTS");
        command.arg(keys.fresh).arg(keys.claim);
        match self.run::<i64>(command).await {
            Some(present) => Some(present > 0),
            None => {
                self.mark_unsure(key);
                None
            }
        }
    }

    async fn board_claim(&self, key: &str, hold: Duration) -> BoardClaim {
        self.settle_unsure_boards().await;
        let keys = self.board_keys(key);
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut invocation = BOARD_SCRIPTS.claim.prepare_invoke();
        invocation
            .key(keys.claim)
            .key(keys.held)
            .arg(&token)
            .arg(hold.as_millis().max(1) as u64);
        match self.run_script::<i64>(&invocation).await {
            Some(1) => BoardClaim::Claimed(token),
            Some(_) => BoardClaim::Busy,
            None => BoardClaim::Unavailable,
        }
    }

    async fn board_replace(
        &self,
        key: &str,
        claim: &str,
        entries: &[BoardEntry],
        total: u64,
        now_ms: i64,
        fresh_for: Duration,
    ) -> bool {
        self.settle_unsure_boards().await;
        let keys = self.board_keys(key);
        // Written aside first, then swapped in at once: readers never see half a board.
        let scratch = uuid::Uuid::new_v4().simple().to_string();
        let temp_set = self.key(&format!("{key}:tmp:{scratch}"));
        let temp_details = self.key(&format!("{key}:tmpd:{scratch}"));
        let abandon_after = Duration::from_secs(60).as_millis() as u64;
        let mut head = redis::cmd("HSET");
        head.arg(&temp_details).arg("~at").arg(now_ms);
        if self.run::<i64>(head).await.is_none() {
            return false;
        }
        let mut expire = redis::cmd("PEXPIRE");
        expire.arg(&temp_details).arg(abandon_after);
        let _: Option<i64> = self.run(expire).await;
        let mut best: HashMap<&str, &BoardEntry> = HashMap::new();
        for entry in entries {
            let keep = best
                .get(entry.member.as_str())
                .is_none_or(|old| entry.outranks(old));
            if keep {
                best.insert(&entry.member, entry);
            }
        }
        let best: Vec<&BoardEntry> = best.into_values().collect();
        for chunk in best.chunks(Self::BOARD_CHUNK) {
            let mut add = redis::cmd("ZADD");
            add.arg(&temp_set);
            let mut put = redis::cmd("HSET");
            put.arg(&temp_details);
            for entry in chunk {
                add.arg(entry.sane_score()).arg(&entry.member);
                put.arg(&entry.member)
                    .arg(format!("{}|{}", entry.tie, entry.detail));
            }
            if self.run::<i64>(add).await.is_none() || self.run::<i64>(put).await.is_none() {
                return false;
            }
        }
        if !best.is_empty() {
            let mut expire = redis::cmd("PEXPIRE");
            expire.arg(&temp_set).arg(abandon_after);
            let _: Option<i64> = self.run(expire).await;
        }
        let mut invocation = BOARD_SCRIPTS.swap.prepare_invoke();
        invocation
            .key(keys.set)
            .key(keys.details)
            .key(keys.fresh)
            .key(keys.claim)
            .key(keys.held)
            .key(&temp_set)
            .key(&temp_details)
            .arg(claim)
            .arg(Self::BOARD_KEEP.as_millis() as u64)
            .arg(fresh_for.as_millis().max(1) as u64)
            .arg(total);
        self.run_script::<i64>(&invocation).await == Some(1)
    }

    async fn board_release(&self, key: &str, claim: &str) {
        let keys = self.board_keys(key);
        let mut invocation = BOARD_SCRIPTS.release.prepare_invoke();
        invocation.key(keys.claim).key(keys.held).arg(claim);
        let _: Option<i64> = self.run_script(&invocation).await;
    }

    async fn board_top(&self, key: &str, limit: usize) -> Option<BoardPage> {
        self.settle_unsure_boards().await;
        let keys = self.board_keys(key);
        let mut invocation = BOARD_SCRIPTS.top.prepare_invoke();
        invocation
            .key(keys.set)
            .key(keys.details)
            .key(keys.fresh)
            .arg(limit)
            .arg(Self::BOARD_TIE_CAP);
        let reply = self.run_script::<redis::Value>(&invocation).await?;
        let page = parse_board_top(reply, limit);
        if page.is_none() {
            tracing::warn!("redis board read answered in an unexpected shape");
        }
        count_lookup(page.as_ref().is_some_and(|p| p.fresh));
        page
    }

    async fn board_drop(&self, key: &str) {
        let keys = self.board_keys(key);
        let mut command = redis::cmd("DEL");
        command
            .arg(keys.set)
            .arg(keys.details)
            .arg(keys.fresh)
            .arg(keys.claim)
            .arg(keys.held);
        if self.run::<i64>(command).await.is_none() {
            self.mark_unsure(key);
        }
    }
}

fn value_text(value: &redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        redis::Value::SimpleString(text) => Some(text.clone()),
        redis::Value::Int(n) => Some(n.to_string()),
        redis::Value::Double(x) => Some(x.to_string()),
        _ => None,
    }
}

fn value_int(value: &redis::Value) -> Option<i64> {
    match value {
        redis::Value::Int(n) => Some(*n),
        other => value_text(other)?.parse().ok(),
    }
}

/// Decodes [`TOP_SCRIPT`]'s answer into a page: every member with its detail, in board order,
/// cut to `limit`. Members without a detail (a board half-written by hand) are left out.
fn parse_board_top(reply: redis::Value, limit: usize) -> Option<BoardPage> {
    let redis::Value::Array(parts) = reply else {
        return None;
    };
    let [fresh, total, at, members, scores, details] = parts.as_slice() else {
        return None;
    };
    let (redis::Value::Array(members), redis::Value::Array(scores)) = (members, scores) else {
        return None;
    };
    let details = match details {
        redis::Value::Array(details) => details.as_slice(),
        _ => &[],
    };
    let mut entries: Vec<BoardEntry> = members
        .iter()
        .zip(scores)
        .zip(details)
        .filter_map(|((member, score), detail)| {
            let stored = value_text(detail)?;
            let (tie, detail) = stored.split_once('|')?;
            Some(BoardEntry {
                member: value_text(member)?,
                score: value_text(score)?.parse().ok()?,
                tie: tie.to_owned(),
                detail: detail.to_owned(),
            })
        })
        .collect();
    entries.sort_by(BoardEntry::board_order);
    entries.truncate(limit);
    Some(BoardPage {
        fresh: value_int(fresh)? == 1,
        total: value_int(total)?.max(0) as u64,
        entries,
        updated_at_ms: value_int(at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_values_expire_and_counters_count() {
        let cache = InProcessCache::new();
        cache.set("a", "1", Duration::from_secs(60)).await;
        assert_eq!(cache.get("a").await.as_deref(), Some("1"));
        cache.set("b", "2", Duration::from_millis(0)).await;
        assert_eq!(cache.get("b").await, None);
        cache.delete("a").await;
        assert_eq!(cache.get("a").await, None);
        assert_eq!(cache.incr("n", Duration::from_secs(60)).await, Some(1));
        assert_eq!(cache.incr("n", Duration::from_secs(60)).await, Some(2));
    }

    #[tokio::test]
    async fn redis_behaves_like_the_in_process_cache_when_configured() {
        let Ok(url) = std::env::var("TEST_REDIS_URL") else {
            eprintln!("skipped: TEST_REDIS_URL is not set");
            return;
        };
        let prefix = format!("test:{}:", uuid::Uuid::new_v4());
        let cache = RedisCache::connect(&url, &prefix).await.unwrap();
        assert!(cache.ping().await);
        cache.set("a", "1", Duration::from_secs(60)).await;
        assert_eq!(cache.get("a").await.as_deref(), Some("1"));
        cache.delete("a").await;
        assert_eq!(cache.get("a").await, None);
        assert_eq!(cache.incr("n", Duration::from_secs(60)).await, Some(1));
        assert_eq!(cache.incr("n", Duration::from_secs(60)).await, Some(2));
        cache.delete("n").await;
        boards_keep_the_best_entry_per_member(&cache).await;
    }

    fn entry(member: &str, score: f64, tie: &str) -> BoardEntry {
        BoardEntry {
            member: member.into(),
            score,
            tie: tie.into(),
            detail: format!("{{\"m\":\"{member}\",\"s\":{score},\"t\":\"{tie}\"}}"),
        }
    }

    fn members(page: &BoardPage) -> Vec<&str> {
        page.entries.iter().map(|e| e.member.as_str()).collect()
    }

    async fn claim(cache: &dyn Cache, key: &str) -> String {
        match cache.board_claim(key, Duration::from_secs(30)).await {
            BoardClaim::Claimed(token) => token,
            other => panic!("no claim: {other:?}"),
        }
    }

    /// The board contract, for any cache.
    async fn boards_keep_the_best_entry_per_member(cache: &dyn Cache) {
        let key = "lb:{test}";
        let fresh = Duration::from_secs(60);
        // Never built: empty, not fresh, and offers wait for the rebuild.
        let empty = cache.board_top(key, 10).await.unwrap();
        assert_eq!((empty.fresh, empty.total), (false, 0));
        assert_eq!(cache.board_accepts_offers(key).await, Some(false));
        assert_eq!(
            cache.board_offer(key, &entry("a", 5.0, "1"), 1).await,
            BoardOffer::NotBuilt
        );
        // Rebuilt from a list that has two entries for "b": the better one stays.
        let token = claim(cache, key).await;
        assert_eq!(
            cache.board_claim(key, Duration::from_secs(30)).await,
            BoardClaim::Busy,
            "one rebuild at a time"
        );
        assert!(
            !cache
                .board_replace(key, "not-the-claim", &[], 0, 100, fresh)
                .await
        );
        assert!(
            cache
                .board_replace(
                    key,
                    &token,
                    &[
                        entry("a", 5.0, "2"),
                        entry("b", 3.0, "1"),
                        entry("b", 4.0, "9"),
                        entry("c", 4.0, "5"),
                    ],
                    3,
                    100,
                    fresh,
                )
                .await
        );
        let page = cache.board_top(key, 10).await.unwrap();
        assert!(page.fresh);
        assert_eq!(page.total, 3);
        assert_eq!(members(&page), ["a", "c", "b"]);
        assert_eq!(page.updated_at_ms, Some(100));
        assert_eq!(cache.board_accepts_offers(key).await, Some(true));
        // The claim was given back with the swap.
        let again = claim(cache, key).await;
        cache.board_release(key, &again).await;
        // Worse or equal offers change nothing; a better tie or score replaces.
        assert_eq!(
            cache.board_offer(key, &entry("a", 4.0, "0"), 200).await,
            BoardOffer::NotBetter
        );
        assert_eq!(
            cache.board_offer(key, &entry("a", 5.0, "2"), 200).await,
            BoardOffer::NotBetter
        );
        assert_eq!(
            cache.board_offer(key, &entry("b", 4.0, "10"), 200).await,
            BoardOffer::Stored,
            "\"10\" sorts before \"9\" byte by byte"
        );
        assert_eq!(
            cache.board_offer(key, &entry("d", 6.0, "7"), 300).await,
            BoardOffer::Stored
        );
        let page = cache.board_top(key, 10).await.unwrap();
        assert_eq!(members(&page), ["d", "a", "b", "c"]);
        assert_eq!(page.entries[2], entry("b", 4.0, "10"));
        assert_eq!(page.updated_at_ms, Some(300));
        // The top two only; ties on the cut are ordered by tie, not by member.
        let top = cache.board_top(key, 3).await.unwrap();
        assert_eq!((top.total, members(&top)), (4, vec!["d", "a", "b"]));
        // Dropped: gone, and offers wait for the next rebuild again.
        cache.board_drop(key).await;
        let gone = cache.board_top(key, 10).await.unwrap();
        assert_eq!((gone.fresh, gone.total), (false, 0));
        assert_eq!(
            cache.board_offer(key, &entry("a", 9.0, "1"), 400).await,
            BoardOffer::NotBuilt
        );
        // An empty rebuild is a built board.
        let token = claim(cache, key).await;
        assert!(cache.board_replace(key, &token, &[], 0, 500, fresh).await);
        let built = cache.board_top(key, 10).await.unwrap();
        assert_eq!((built.fresh, built.total), (true, 0));
        assert_eq!(
            cache.board_offer(key, &entry("a", 9.0, "1"), 600).await,
            BoardOffer::Stored
        );
        cache.board_drop(key).await;
        offers_made_during_a_rebuild_are_merged(cache).await;
    }

    /// Offers made while a rebuild holds the claim are kept for its swap; a drop meanwhile
    /// voids the rebuild; the count recorded at a rebuild covers members not stored.
    async fn offers_made_during_a_rebuild_are_merged(cache: &dyn Cache) {
        let key = "lb:{rebuild}";
        let fresh = Duration::from_secs(60);
        let token = claim(cache, key).await;
        assert_eq!(cache.board_accepts_offers(key).await, Some(true));
        // Finished after the rebuild read the database: held, the best per member.
        assert_eq!(
            cache.board_offer(key, &entry("late", 7.0, "5"), 10).await,
            BoardOffer::Held
        );
        assert_eq!(
            cache.board_offer(key, &entry("late", 6.0, "1"), 11).await,
            BoardOffer::NotBetter
        );
        assert_eq!(
            cache.board_offer(key, &entry("late", 7.0, "4"), 12).await,
            BoardOffer::Held
        );
        // Better than what the rebuild read for "a"; worse than it for "b".
        assert_eq!(
            cache.board_offer(key, &entry("a", 9.0, "1"), 13).await,
            BoardOffer::Held
        );
        assert_eq!(
            cache.board_offer(key, &entry("b", 1.0, "1"), 14).await,
            BoardOffer::Held
        );
        let unseen = cache.board_top(key, 10).await.unwrap();
        assert_eq!((unseen.fresh, unseen.total), (false, 0), "held, not shown");
        assert!(
            cache
                .board_replace(
                    key,
                    &token,
                    &[entry("a", 5.0, "1"), entry("b", 3.0, "1")],
                    250_000,
                    20,
                    fresh,
                )
                .await
        );
        let page = cache.board_top(key, 10).await.unwrap();
        assert!(page.fresh);
        assert_eq!(members(&page), ["a", "late", "b"]);
        assert_eq!(page.entries[0], entry("a", 9.0, "1"));
        assert_eq!(page.entries[1], entry("late", 7.0, "4"));
        assert_eq!(page.entries[2], entry("b", 3.0, "1"));
        assert_eq!(page.total, 250_000, "the count, not the members stored");

        // A drop while a rebuild runs: that rebuild cannot swap in what it read before.
        let token = claim(cache, key).await;
        cache.board_drop(key).await;
        assert_eq!(
            cache.board_offer(key, &entry("x", 1.0, "1"), 30).await,
            BoardOffer::NotBuilt
        );
        assert!(
            !cache
                .board_replace(key, &token, &[entry("a", 1.0, "1")], 1, 40, fresh)
                .await
        );
        let gone = cache.board_top(key, 10).await.unwrap();
        assert_eq!((gone.fresh, gone.total), (false, 0));
        // A released claim holds nothing more and frees the board for the next rebuild.
        let token = claim(cache, key).await;
        cache.board_release(key, &token).await;
        assert_eq!(cache.board_accepts_offers(key).await, Some(false));
        assert_eq!(
            cache.board_offer(key, &entry("x", 1.0, "1"), 50).await,
            BoardOffer::NotBuilt
        );
        assert!(!cache.board_replace(key, &token, &[], 0, 60, fresh).await);
        cache.board_drop(key).await;
    }

    #[tokio::test]
    async fn in_process_boards_keep_the_best_entry_per_member() {
        boards_keep_the_best_entry_per_member(&InProcessCache::new()).await;
    }

    #[tokio::test]
    async fn a_lapsed_board_still_serves_its_entries_but_takes_no_offers() {
        let cache = InProcessCache::new();
        let key = "lb:{lapsed}";
        let token = claim(&cache, key).await;
        assert!(
            cache
                .board_replace(key, &token, &[entry("a", 1.0, "1")], 1, 1, Duration::ZERO)
                .await
        );
        let page = cache.board_top(key, 10).await.unwrap();
        assert!(!page.fresh);
        assert_eq!(members(&page), ["a"]);
        assert_eq!(
            cache.board_offer(key, &entry("b", 2.0, "1"), 2).await,
            BoardOffer::NotBuilt
        );
    }
}
