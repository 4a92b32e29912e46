//! Individual ranking (spec/contest-rules.md "Ranking (individual)").
//!
//! Everything here is a pure function of its inputs: the finished attempts of a round, the
//! contest's tie-break keys, the actual value of the prediction target and the draw seed. The
//! order is total (the draw settles whatever the keys leave equal), so the same inputs give the
//! same ranking whatever order the attempts arrive in.
//!
//! Who is ranked: every participant with at least one finished (`submitted` or `expired`)
//! attempt who is eligible for prizes. A participant counts as eligible only when every one of
//! their attempts says so (`Entry::eligible`); an ineligible participant gets no rank, but their
//! attempts stay in [`Ranking::attempts`] (after every ranked participant, ordered the same
//! way) so that the canonical export keeps one row per finished attempt of the round.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::settings::{PredictionTarget, TieBreakKey};

/// One finished attempt of the round, with what ranking needs to know about it and its
/// participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The attempt.
    pub attempt_id: Uuid,
    /// Its participant.
    pub participant_id: Uuid,
    /// The participant's unit code.
    pub unit_code: String,
    /// The participant's category code, if the contest has categories.
    pub category: Option<String>,
    /// Whether the participant is eligible for prizes.
    pub eligible: bool,
    /// Sum of the points of the correct questions.
    pub score: i32,
    /// Number of correct questions.
    pub correct: i32,
    /// Number of questions in the attempt.
    pub total: i32,
    /// The participant's prediction; `None` when not given (expired, automatic submission, or
    /// no prediction question).
    pub prediction: Option<i64>,
    /// `submitted_at − started_at`, milliseconds.
    pub duration_ms: i64,
    /// The recorded finish, milliseconds since the Unix epoch (UTC).
    pub submitted_at_ms: i64,
    /// How many attempts the participant used in the round.
    pub attempts_used: u32,
    /// When the participant registered, milliseconds since the Unix epoch (UTC).
    pub registered_at_ms: i64,
}

impl Entry {
    /// Every question correct (an attempt with no questions is never perfect).
    pub fn is_perfect(&self) -> bool {
        self.total > 0 && self.correct == self.total
    }
}

/// What put a participant ahead of the next one: a tie-break key, the draw, or (for lottery
/// prizes) the lottery order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    /// Higher score.
    Score,
    /// Smaller prediction error (or a prediction against none).
    PredictionError,
    /// Shorter duration.
    DurationMs,
    /// Earlier submission.
    SubmittedAt,
    /// Fewer attempts used.
    AttemptsUsed,
    /// Earlier registration.
    RegisteredAt,
    /// Equal on every key: the recorded draw (`sha256(seed ‖ attempt_id)`) decided.
    Draw,
    /// A lottery tier's draw decided (used for lottery winners only).
    Lottery,
}

impl DecidedBy {
    /// The wire form, e.g. `prediction_error`, `draw`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Score => "score",
            DecidedBy::PredictionError => "prediction_error",
            DecidedBy::DurationMs => "duration_ms",
            DecidedBy::SubmittedAt => "submitted_at",
            DecidedBy::AttemptsUsed => "attempts_used",
            DecidedBy::RegisteredAt => "registered_at",
            DecidedBy::Draw => "draw",
            DecidedBy::Lottery => "lottery",
        }
    }
}

impl From<TieBreakKey> for DecidedBy {
    fn from(key: TieBreakKey) -> Self {
        match key {
            TieBreakKey::Score => DecidedBy::Score,
            TieBreakKey::PredictionError => DecidedBy::PredictionError,
            TieBreakKey::DurationMs => DecidedBy::DurationMs,
            TieBreakKey::SubmittedAt => DecidedBy::SubmittedAt,
            TieBreakKey::AttemptsUsed => DecidedBy::AttemptsUsed,
            TieBreakKey::RegisteredAt => DecidedBy::RegisteredAt,
        }
    }
}

/// `|prediction − actual|`, or `None` without a prediction. Never overflows.
pub fn prediction_error(prediction: Option<i64>, actual: i64) -> Option<u64> {
    prediction.map(|p| p.abs_diff(actual))
}

/// Compares two attempts on one key: `Less` means `a` ranks ahead of `b`.
///
/// `PredictionError` compares equal for every pair when `actual` is `None` (prediction
/// disabled); otherwise an attempt without a prediction ranks after every attempt with one,
/// and two attempts without one are equal on this key.
pub fn compare_key(a: &Entry, b: &Entry, key: TieBreakKey, actual: Option<i64>) -> Ordering {
    match key {
        TieBreakKey::Score => b.score.cmp(&a.score),
        TieBreakKey::PredictionError => match actual {
            None => Ordering::Equal,
            Some(actual) => match (
                prediction_error(a.prediction, actual),
                prediction_error(b.prediction, actual),
            ) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        },
        TieBreakKey::DurationMs => a.duration_ms.cmp(&b.duration_ms),
        TieBreakKey::SubmittedAt => a.submitted_at_ms.cmp(&b.submitted_at_ms),
        TieBreakKey::AttemptsUsed => a.attempts_used.cmp(&b.attempts_used),
        TieBreakKey::RegisteredAt => a.registered_at_ms.cmp(&b.registered_at_ms),
    }
}

/// Compares two attempts on the keys in order (without the draw): `Less` means `a` ranks ahead
/// of `b`, `Equal` that every key leaves them equal. A total preorder.
pub fn compare(a: &Entry, b: &Entry, keys: &[TieBreakKey], actual: Option<i64>) -> Ordering {
    keys.iter()
        .map(|&key| compare_key(a, b, key, actual))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// The first key on which two attempts differ, or `None` when every key leaves them equal.
pub fn first_difference(
    a: &Entry,
    b: &Entry,
    keys: &[TieBreakKey],
    actual: Option<i64>,
) -> Option<TieBreakKey> {
    keys.iter()
        .copied()
        .find(|&key| compare_key(a, b, key, actual).is_ne())
}

/// What separates `a` from `b` in the ranking: the first key they differ on, else the draw.
pub fn decided_by(a: &Entry, b: &Entry, keys: &[TieBreakKey], actual: Option<i64>) -> DecidedBy {
    first_difference(a, b, keys, actual).map_or(DecidedBy::Draw, DecidedBy::from)
}

fn draw_digest(seed: &str, attempt_id: Uuid) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(seed.as_bytes());
    hasher.update(attempt_id.hyphenated().to_string().as_bytes());
    hasher.finalize().into()
}

/// The draw key of an attempt: lowercase hex of `sha256(utf8(seed) ‖ utf8(attempt_id))`, the
/// attempt id in its lowercase hyphenated form. Attempts equal on every key are ordered by it,
/// ascending. (Comparing these strings is the same as comparing the raw digests bytewise.)
pub fn draw_key(seed: &str, attempt_id: Uuid) -> String {
    hex::encode(draw_digest(seed, attempt_id))
}

/// The complete order: the keys, then the draw key ascending, then (only for the malformed case
/// of a repeated attempt id) the participant id. `Less` means `a` ranks ahead of `b`.
pub fn compare_total(
    a: &Entry,
    b: &Entry,
    keys: &[TieBreakKey],
    actual: Option<i64>,
    seed: &str,
) -> Ordering {
    compare(a, b, keys, actual).then_with(|| {
        draw_digest(seed, a.attempt_id)
            .cmp(&draw_digest(seed, b.attempt_id))
            .then_with(|| a.participant_id.cmp(&b.participant_id))
    })
}

/// Up to six distinct keys, the prediction error taking two words.
const KEY_WORDS: usize = 7;

/// An order-preserving map of `i64` onto `u64`.
fn flip(x: i64) -> u64 {
    (x as u64) ^ (1 << 63)
}

/// The keys of an attempt as words whose lexicographic ascending order is [`compare`]'s order
/// (a repeated key adds nothing, so only the first occurrence of each counts).
fn key_words(e: &Entry, keys: &[TieBreakKey], actual: Option<i64>) -> [u64; KEY_WORDS] {
    let mut words = [0u64; KEY_WORDS];
    let mut slots = words.iter_mut();
    let mut put = |w: u64| {
        if let Some(slot) = slots.next() {
            *slot = w;
        }
    };
    for (i, key) in keys.iter().enumerate() {
        if keys.get(..i).is_some_and(|before| before.contains(key)) {
            continue;
        }
        match key {
            TieBreakKey::Score => put(flip(-i64::from(e.score))),
            TieBreakKey::PredictionError => {
                if let Some(actual) = actual {
                    let error = prediction_error(e.prediction, actual);
                    put(u64::from(error.is_none()));
                    put(error.unwrap_or(0));
                }
            }
            TieBreakKey::DurationMs => put(flip(e.duration_ms)),
            TieBreakKey::SubmittedAt => put(flip(e.submitted_at_ms)),
            TieBreakKey::AttemptsUsed => put(u64::from(e.attempts_used)),
            TieBreakKey::RegisteredAt => put(flip(e.registered_at_ms)),
        }
    }
    words
}

/// Sorts keyed positions ascending; large inputs as two halves on two threads, then merged
/// (the keys include the position, so the result is the one order whatever the method).
fn sort_keyed(keyed: &mut Vec<([u64; KEY_WORDS], usize)>) {
    const PARALLEL_FROM: usize = 50_000;
    if keyed.len() < PARALLEL_FROM {
        keyed.sort_unstable();
        return;
    }
    let middle = keyed.len() / 2;
    let (left, right) = keyed.split_at_mut(middle);
    std::thread::scope(|scope| {
        scope.spawn(|| left.sort_unstable());
        right.sort_unstable();
    });
    // A panicking sort thread would have been propagated by the scope; both halves are sorted.
    let mut merged = Vec::with_capacity(keyed.len());
    let (left, right) = keyed.split_at(middle);
    let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
    loop {
        let next = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) if a <= b => l.next(),
            (Some(_), Some(_)) => r.next(),
            (Some(_), None) => l.next(),
            (None, Some(_)) => r.next(),
            (None, None) => break,
        };
        if let Some(&item) = next {
            merged.push(item);
        }
    }
    *keyed = merged;
}

/// The input positions of `entries` in the complete order of [`compare_total`]. Hashes only
/// attempts that the keys leave tied, once each.
fn total_order(
    entries: &[Entry],
    keys: &[TieBreakKey],
    actual: Option<i64>,
    seed: &str,
) -> Vec<usize> {
    let mut keyed: Vec<([u64; KEY_WORDS], usize)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (key_words(e, keys, actual), i))
        .collect();
    sort_keyed(&mut keyed);
    for run in keyed.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_by_cached_key(|(_, i)| {
                entries
                    .get(*i)
                    .map(|e| (draw_digest(seed, e.attempt_id), e.participant_id))
            });
        }
    }
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// The actual value of a prediction target over the finished attempts of a round (every
/// attempt given counts, eligible or not): perfect attempts, distinct participants, or attempts.
pub fn prediction_actual(entries: &[Entry], target: PredictionTarget) -> i64 {
    let count = match target {
        PredictionTarget::PerfectAttempts => entries.iter().filter(|e| e.is_perfect()).count(),
        PredictionTarget::Attempts => entries.len(),
        PredictionTarget::Participants => entries
            .iter()
            .map(|e| e.participant_id)
            .collect::<std::collections::HashSet<_>>()
            .len(),
    };
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// One ranked participant, represented by their best attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedRow {
    /// 1 for the first; consecutive, no two rows share a rank.
    pub rank: u32,
    /// The participant's best attempt: the first of their attempts in the complete order.
    pub entry: Entry,
    /// How many finished attempts the participant has in the round.
    pub attempts: u32,
    /// Whether any of the participant's attempts (not only the best) is perfect.
    pub perfect: bool,
    /// What put this row ahead of the next one; `None` for the last row.
    pub decided_by: Option<DecidedBy>,
}

/// One finished attempt in export order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedAttempt {
    /// The rank of the participant, on their best attempt only; `None` on other attempts and on
    /// every attempt of an ineligible participant.
    pub rank: Option<u32>,
    /// Whether this is the participant's best attempt.
    pub best: bool,
    /// Whether the participant is eligible (every attempt of theirs says so).
    pub eligible: bool,
    /// The attempt.
    pub entry: Entry,
}

/// A round's ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranking {
    /// The tie-break keys in force.
    pub keys: Vec<TieBreakKey>,
    /// The actual value of the prediction target; `None` when prediction is disabled (the
    /// `prediction_error` key is then skipped).
    pub actual: Option<i64>,
    /// Eligible participants in rank order.
    pub rows: Vec<RankedRow>,
    /// Every finished attempt given, in the order of the canonical export: participants by the
    /// rank of their best attempt (ineligible participants after every ranked one, ordered by
    /// their best attempt in the same complete order), and each participant's attempts in the
    /// complete order (best first).
    pub attempts: Vec<RankedAttempt>,
}

impl Ranking {
    /// What separates `a` from `b` under this ranking's keys: first differing key, else the draw.
    pub fn decided_between(&self, a: &Entry, b: &Entry) -> DecidedBy {
        decided_by(a, b, &self.keys, self.actual)
    }

    /// The row of a participant, if ranked.
    pub fn row_of(&self, participant_id: Uuid) -> Option<&RankedRow> {
        self.rows
            .iter()
            .find(|r| r.entry.participant_id == participant_id)
    }
}

/// A fast hasher for server-generated ids (keys are `u128`s taken from UUIDs, which nobody
/// outside chooses, so no one can aim collisions at it): for grouping a million attempts by
/// participant. Not for keys that come from outside.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u128(&mut self, n: u128) {
        let folded = (n as u64) ^ ((n >> 64) as u64) ^ self.0;
        let mixed = folded.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = mixed ^ (mixed >> 29);
    }
}

/// A map keyed by server-generated ids (`Uuid::as_u128`), hashed with [`IdHasher`].
pub type IdMap<V> = HashMap<u128, V, std::hash::BuildHasherDefault<IdHasher>>;

struct Group {
    eligible: bool,
    /// Rank, for eligible participants.
    rank: Option<u32>,
    perfect: bool,
    /// Input position of the best attempt.
    best: usize,
    /// Number of attempts.
    count: usize,
    /// Where the group's next attempt goes in export order.
    next: usize,
}

/// Ranks the finished attempts of a round. (Prize pools need no ranking of their own: a pool's
/// order is this order restricted to the pool, see [`crate::allocation`].)
///
/// Guarantees:
/// - each eligible participant appears in [`Ranking::rows`] exactly once, with their best
///   attempt (the first of their attempts in the complete order of [`compare_total`]);
/// - rows are in the complete order, ranked 1, 2, 3, ... without shared ranks;
/// - `decided_by` of a row is the first key on which it differs from the next row, `Draw` when
///   no key separates them, `None` for the last row;
/// - [`Ranking::attempts`] holds every entry given, exactly once, in export order;
/// - the result does not depend on the order of `entries` (given unique attempt ids).
///
/// Cost: one sort of the attempts, hashing only attempts tied on every key, linear otherwise.
pub fn rank(entries: Vec<Entry>, keys: &[TieBreakKey], actual: Option<i64>, seed: &str) -> Ranking {
    // The complete order of all attempts, as input positions.
    let order = total_order(&entries, keys, actual, seed);

    // Participants in order of their best attempt (their first attempt in the complete order).
    let mut slot: IdMap<usize> = IdMap::default();
    slot.reserve(entries.len());
    let mut groups: Vec<Group> = Vec::new();
    // (input position, participant group) in the complete order.
    let mut ordered: Vec<(usize, usize)> = Vec::with_capacity(order.len());
    for (entry, position) in order.iter().filter_map(|&p| entries.get(p).map(|e| (e, p))) {
        let index = *slot
            .entry(entry.participant_id.as_u128())
            .or_insert_with(|| {
                groups.push(Group {
                    eligible: true,
                    rank: None,
                    perfect: false,
                    best: position,
                    count: 0,
                    next: 0,
                });
                groups.len() - 1
            });
        if let Some(group) = groups.get_mut(index) {
            group.eligible &= entry.eligible;
            group.perfect |= entry.is_perfect();
            group.count += 1;
        }
        ordered.push((position, index));
    }
    drop(slot);

    // Eligible participants first, then the others; each keeps its relative order.
    let participants: Vec<usize> = (0..groups.len())
        .filter(|&g| groups.get(g).is_some_and(|x| x.eligible))
        .chain((0..groups.len()).filter(|&g| groups.get(g).is_some_and(|x| !x.eligible)))
        .collect();
    let mut offset = 0;
    for &g in &participants {
        if let Some(group) = groups.get_mut(g) {
            group.next = offset;
            offset += group.count;
        }
    }

    let mut rows: Vec<RankedRow> = Vec::new();
    for &g in &participants {
        let Some(group) = groups.get_mut(g).filter(|x| x.eligible) else {
            break;
        };
        let Some(best) = entries.get(group.best) else {
            continue;
        };
        if let Some(previous) = rows.last_mut() {
            previous.decided_by = Some(decided_by(&previous.entry, best, keys, actual));
        }
        let rank = u32::try_from(rows.len() + 1).unwrap_or(u32::MAX);
        group.rank = Some(rank);
        rows.push(RankedRow {
            rank,
            entry: best.clone(),
            attempts: u32::try_from(group.count).unwrap_or(u32::MAX),
            perfect: group.perfect,
            decided_by: None,
        });
    }

    // Export order: a stable placement of the ordered attempts by participant.
    let mut placed: Vec<Option<(usize, usize)>> = vec![None; ordered.len()];
    for (position, g) in ordered {
        if let Some(group) = groups.get_mut(g) {
            if let Some(cell) = placed.get_mut(group.next) {
                *cell = Some((position, g));
            }
            group.next += 1;
        }
    }
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    let mut attempts = Vec::with_capacity(slots.len());
    for (position, g) in placed.into_iter().flatten() {
        let Some(entry) = slots.get_mut(position).and_then(Option::take) else {
            continue;
        };
        let Some(group) = groups.get(g) else {
            continue;
        };
        let best = group.best == position;
        attempts.push(RankedAttempt {
            rank: if best { group.rank } else { None },
            best,
            eligible: group.eligible,
            entry,
        });
    }

    Ranking {
        keys: keys.to_vec(),
        actual,
        rows,
        attempts,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::settings::default_tie_breaks;
    use proptest::prelude::*;

    pub(crate) fn uuid(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_large_round_sorted_on_two_threads_has_the_complete_order() {
        let keys = default_tie_breaks();
        let entries: Vec<Entry> = (0..60_000u128)
            .map(|i| {
                let mut e = entry(i % 40_000, i, i32::try_from(i % 7).unwrap());
                e.duration_ms = i64::try_from(i * 7919 % 500).unwrap();
                e
            })
            .collect();
        let mut expected: Vec<usize> = (0..entries.len()).collect();
        expected.sort_by(|&a, &b| compare_total(&entries[a], &entries[b], &keys, Some(100), "s"));
        assert_eq!(total_order(&entries, &keys, Some(100), "s"), expected);
    }

    /// A plain eligible perfect-less attempt of participant `p`, attempt `a`.
    pub(crate) fn entry(p: u128, a: u128, score: i32) -> Entry {
        Entry {
            attempt_id: uuid(0xA000_0000 + a),
            participant_id: uuid(0xB000_0000 + p),
            unit_code: "u1".into(),
            category: None,
            eligible: true,
            score,
            correct: score,
            total: 20,
            prediction: Some(100),
            duration_ms: 60_000,
            submitted_at_ms: 1_795_000_000_000,
            attempts_used: 1,
            registered_at_ms: 1_794_000_000_000,
        }
    }

    fn order(r: &Ranking) -> Vec<Uuid> {
        r.rows.iter().map(|row| row.entry.attempt_id).collect()
    }

    const SEED: &str = "seed-2026";

    #[test]
    fn score_is_descending() {
        let r = rank(
            vec![entry(1, 1, 10), entry(2, 2, 15), entry(3, 3, 12)],
            &default_tie_breaks(),
            Some(100),
            SEED,
        );
        assert_eq!(
            order(&r),
            vec![uuid(0xA000_0002), uuid(0xA000_0003), uuid(0xA000_0001)]
        );
        assert_eq!(
            r.rows.iter().map(|x| x.rank).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(r.rows[0].decided_by, Some(DecidedBy::Score));
        assert_eq!(r.rows[2].decided_by, None);
    }

    #[test]
    fn prediction_error_is_ascending_and_missing_predictions_come_last() {
        let mut a = entry(1, 1, 20);
        a.prediction = Some(90); // error 10
        let mut b = entry(2, 2, 20);
        b.prediction = Some(103); // error 3
        let mut c = entry(3, 3, 20);
        c.prediction = None; // expired: after every prediction
        c.duration_ms = 1; // even though far faster
        let mut d = entry(4, 4, 20);
        d.prediction = Some(1_000_000); // huge error, still ahead of no prediction
        let r = rank(vec![a, b, c, d], &default_tie_breaks(), Some(100), SEED);
        assert_eq!(
            order(&r),
            vec![
                uuid(0xA000_0002),
                uuid(0xA000_0001),
                uuid(0xA000_0004),
                uuid(0xA000_0003)
            ]
        );
        assert_eq!(r.rows[0].decided_by, Some(DecidedBy::PredictionError));
        assert_eq!(r.rows[2].decided_by, Some(DecidedBy::PredictionError));
    }

    #[test]
    fn prediction_disabled_skips_the_key() {
        let mut a = entry(1, 1, 20);
        a.prediction = None;
        a.duration_ms = 10;
        let mut b = entry(2, 2, 20);
        b.prediction = Some(100);
        b.duration_ms = 20;
        let r = rank(vec![b, a], &default_tie_breaks(), None, SEED);
        assert_eq!(order(&r), vec![uuid(0xA000_0001), uuid(0xA000_0002)]);
        assert_eq!(r.rows[0].decided_by, Some(DecidedBy::DurationMs));
    }

    #[test]
    fn extreme_predictions_do_not_overflow() {
        let mut a = entry(1, 1, 20);
        a.prediction = Some(i64::MIN);
        let mut b = entry(2, 2, 20);
        b.prediction = Some(i64::MAX);
        assert_eq!(prediction_error(a.prediction, i64::MAX), Some(u64::MAX));
        assert_eq!(
            compare(&a, &b, &[TieBreakKey::PredictionError], Some(i64::MAX)),
            Ordering::Greater
        );
    }

    #[test]
    fn duration_then_submitted_at() {
        let mut a = entry(1, 1, 20);
        a.duration_ms = 50_000;
        a.submitted_at_ms += 10;
        let mut b = entry(2, 2, 20);
        b.duration_ms = 50_000;
        let mut c = entry(3, 3, 20);
        c.duration_ms = 49_999;
        c.submitted_at_ms += 100;
        let r = rank(vec![a, b, c], &default_tie_breaks(), Some(100), SEED);
        assert_eq!(
            order(&r),
            vec![uuid(0xA000_0003), uuid(0xA000_0002), uuid(0xA000_0001)]
        );
        assert_eq!(r.rows[0].decided_by, Some(DecidedBy::DurationMs));
        assert_eq!(r.rows[1].decided_by, Some(DecidedBy::SubmittedAt));
    }

    #[test]
    fn attempts_used_and_registered_at_when_listed() {
        let keys = [
            TieBreakKey::Score,
            TieBreakKey::AttemptsUsed,
            TieBreakKey::RegisteredAt,
        ];
        let mut a = entry(1, 1, 20);
        a.attempts_used = 3;
        let mut b = entry(2, 2, 20);
        b.attempts_used = 1;
        b.registered_at_ms += 5;
        let mut c = entry(3, 3, 20);
        c.attempts_used = 1;
        let r = rank(vec![a.clone(), b.clone(), c.clone()], &keys, None, SEED);
        assert_eq!(
            order(&r),
            vec![uuid(0xA000_0003), uuid(0xA000_0002), uuid(0xA000_0001)]
        );
        assert_eq!(r.rows[0].decided_by, Some(DecidedBy::RegisteredAt));
        assert_eq!(r.rows[1].decided_by, Some(DecidedBy::AttemptsUsed));
        // Not listed: these fields do not count, the draw decides.
        let r = rank(vec![a, b, c], &[TieBreakKey::Score], None, SEED);
        assert!(r.rows[..2]
            .iter()
            .all(|row| row.decided_by == Some(DecidedBy::Draw)));
    }

    #[test]
    fn the_draw_settles_full_ties_by_the_published_hash() {
        let entries: Vec<Entry> = (1..=6).map(|i| entry(i, i, 20)).collect();
        let r = rank(entries.clone(), &default_tie_breaks(), Some(100), SEED);
        let mut expected: Vec<(String, Uuid)> = entries
            .iter()
            .map(|e| {
                let text = format!("{SEED}{}", e.attempt_id.hyphenated());
                (hex::encode(Sha256::digest(text.as_bytes())), e.attempt_id)
            })
            .collect();
        expected.sort();
        assert_eq!(
            order(&r),
            expected.iter().map(|(_, id)| *id).collect::<Vec<_>>()
        );
        assert!(r.rows[..5]
            .iter()
            .all(|row| row.decided_by == Some(DecidedBy::Draw)));
        // Another seed, another order (for these ids).
        let other = rank(entries, &default_tie_breaks(), Some(100), "another seed");
        assert_ne!(order(&r), order(&other));
    }

    #[test]
    fn draw_key_is_lowercase_hex_over_the_hyphenated_id() {
        let id = Uuid::parse_str("67E55044-10B1-426F-9247-BB680E5FE0C8").unwrap_or_default();
        let expected = hex::encode(Sha256::digest(
            b"abc67e55044-10b1-426f-9247-bb680e5fe0c8".as_slice(),
        ));
        assert_eq!(draw_key("abc", id), expected);
        assert_eq!(draw_key("abc", id).len(), 64);
        assert!(draw_key("abc", id)
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    }

    #[test]
    fn best_attempt_is_the_best_by_the_same_order() {
        let mut first = entry(1, 1, 18);
        first.duration_ms = 10_000;
        let mut second = entry(1, 2, 20);
        second.duration_ms = 90_000;
        let mut third = entry(1, 3, 20);
        third.duration_ms = 80_000;
        let other = entry(2, 4, 19);
        let r = rank(
            vec![first, second, third, other],
            &default_tie_breaks(),
            Some(100),
            SEED,
        );
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[0].entry.attempt_id, uuid(0xA000_0003));
        assert_eq!(r.rows[0].attempts, 3);
        let export: Vec<(Option<u32>, Uuid)> = r
            .attempts
            .iter()
            .map(|a| (a.rank, a.entry.attempt_id))
            .collect();
        assert_eq!(
            export,
            vec![
                (Some(1), uuid(0xA000_0003)),
                (None, uuid(0xA000_0002)),
                (None, uuid(0xA000_0001)),
                (Some(2), uuid(0xA000_0004)),
            ]
        );
    }

    #[test]
    fn ineligible_participants_are_not_ranked_but_kept_for_the_export() {
        let mut staff = entry(1, 1, 20);
        staff.eligible = false;
        let mut staff_other = entry(1, 5, 10);
        staff_other.eligible = false;
        // A participant flagged ineligible on one attempt only is ineligible.
        let mut dup = entry(2, 2, 19);
        dup.eligible = false;
        let dup_other = entry(2, 3, 5);
        let citizen = entry(3, 4, 10);
        let r = rank(
            vec![staff, staff_other, dup, dup_other, citizen],
            &default_tie_breaks(),
            Some(100),
            SEED,
        );
        assert_eq!(order(&r), vec![uuid(0xA000_0004)]);
        assert_eq!(r.rows[0].rank, 1);
        assert_eq!(r.rows[0].decided_by, None);
        assert_eq!(r.attempts.len(), 5);
        assert_eq!(r.attempts[0].entry.attempt_id, uuid(0xA000_0004));
        let tail: Vec<(Option<u32>, bool, bool, Uuid)> = r.attempts[1..]
            .iter()
            .map(|a| (a.rank, a.best, a.eligible, a.entry.attempt_id))
            .collect();
        assert_eq!(
            tail,
            vec![
                (None, true, false, uuid(0xA000_0001)),
                (None, false, false, uuid(0xA000_0005)),
                (None, true, false, uuid(0xA000_0002)),
                (None, false, false, uuid(0xA000_0003)),
            ]
        );
    }

    #[test]
    fn empty_input_ranks_nobody() {
        let r = rank(Vec::new(), &default_tie_breaks(), None, SEED);
        assert!(r.rows.is_empty() && r.attempts.is_empty());
    }

    #[test]
    fn prediction_targets_count_all_given_attempts() {
        let mut a = entry(1, 1, 20);
        a.correct = 20;
        let mut b = entry(1, 2, 19);
        b.correct = 19;
        let mut c = entry(2, 3, 20);
        c.correct = 20;
        c.eligible = false;
        let all = vec![a, b, c];
        assert_eq!(
            prediction_actual(&all, PredictionTarget::PerfectAttempts),
            2
        );
        assert_eq!(prediction_actual(&all, PredictionTarget::Participants), 2);
        assert_eq!(prediction_actual(&all, PredictionTarget::Attempts), 3);
    }

    #[test]
    fn decided_by_wire_forms() {
        assert_eq!(DecidedBy::Draw.as_str(), "draw");
        assert_eq!(
            serde_json::to_string(&DecidedBy::PredictionError).unwrap_or_default(),
            "\"prediction_error\""
        );
        for key in [
            TieBreakKey::Score,
            TieBreakKey::PredictionError,
            TieBreakKey::DurationMs,
            TieBreakKey::SubmittedAt,
            TieBreakKey::AttemptsUsed,
            TieBreakKey::RegisteredAt,
        ] {
            let key_json = serde_json::to_string(&key).unwrap_or_default();
            let decided_json = serde_json::to_string(&DecidedBy::from(key)).unwrap_or_default();
            assert_eq!(key_json, decided_json);
            assert_eq!(
                decided_json,
                format!("\"{}\"", DecidedBy::from(key).as_str())
            );
        }
    }

    #[test]
    fn key_words_agree_with_compare_at_the_extremes() {
        let mut values = Vec::new();
        for score in [i32::MIN, -1, 0, 1, i32::MAX] {
            for prediction in [None, Some(i64::MIN), Some(-1), Some(0), Some(i64::MAX)] {
                for time in [i64::MIN, -1, 0, i64::MAX] {
                    let mut e = entry(1, 1, score);
                    e.prediction = prediction;
                    e.duration_ms = time;
                    e.submitted_at_ms = time.wrapping_neg();
                    e.registered_at_ms = time / 3;
                    e.attempts_used = u32::try_from(time & 0xFFFF_FFFF).unwrap_or(u32::MAX);
                    values.push(e);
                }
            }
        }
        let all_keys = [
            TieBreakKey::PredictionError,
            TieBreakKey::Score,
            TieBreakKey::RegisteredAt,
            TieBreakKey::Score, // repeated: adds nothing
            TieBreakKey::SubmittedAt,
            TieBreakKey::AttemptsUsed,
            TieBreakKey::DurationMs,
        ];
        for actual in [None, Some(i64::MIN), Some(0), Some(i64::MAX)] {
            for n in [1, 3, all_keys.len()] {
                let keys = &all_keys[..n];
                for a in &values {
                    for b in &values {
                        assert_eq!(
                            key_words(a, keys, actual).cmp(&key_words(b, keys, actual)),
                            compare(a, b, keys, actual),
                            "{a:?} {b:?} {keys:?} {actual:?}"
                        );
                    }
                }
            }
        }
    }

    // ----- generators shared with the other modules' proptests -----

    /// Small value domains so that ties on every key are common.
    pub(crate) fn arb_entries() -> impl Strategy<Value = Vec<Entry>> {
        let participant = (
            any::<u64>(),
            0..3usize,                  // category
            0..3usize,                  // unit
            prop::bool::weighted(0.85), // eligible
            0..3i64,                    // registered
            prop::collection::vec(
                (
                    any::<u64>(),
                    0..4i32,                              // score (4 = perfect)
                    prop::option::weighted(0.8, 0..4i64), // prediction
                    0..3i64,                              // duration
                    0..3i64,                              // submitted
                ),
                1..4,
            ),
        );
        prop::collection::vec(participant, 0..14).prop_map(|people| {
            let mut out = Vec::new();
            for (p, (pid, cat, unit, eligible, reg, attempts)) in people.into_iter().enumerate() {
                let used = u32::try_from(attempts.len()).unwrap_or(0);
                for (a, (aid, score, prediction, duration, submitted)) in
                    attempts.into_iter().enumerate()
                {
                    out.push(Entry {
                        attempt_id: Uuid::from_u64_pair(aid, (p * 8 + a) as u64),
                        participant_id: Uuid::from_u64_pair(pid, p as u64),
                        unit_code: ["u1", "u2", "u3"].get(unit).copied().unwrap_or("u1").into(),
                        category: [None, Some("cs"), Some("citizen")]
                            .get(cat)
                            .copied()
                            .flatten()
                            .map(str::to_owned),
                        eligible,
                        score,
                        correct: score,
                        total: 4,
                        prediction,
                        duration_ms: 1000 + duration,
                        submitted_at_ms: 1_795_000_000_000 + submitted * 1001,
                        attempts_used: used,
                        registered_at_ms: 1_790_000_000_000 + reg,
                    });
                }
            }
            out
        })
    }

    pub(crate) fn arb_keys() -> impl Strategy<Value = Vec<TieBreakKey>> {
        prop::sample::subsequence(
            vec![
                TieBreakKey::Score,
                TieBreakKey::PredictionError,
                TieBreakKey::DurationMs,
                TieBreakKey::SubmittedAt,
                TieBreakKey::AttemptsUsed,
                TieBreakKey::RegisteredAt,
            ],
            0..=6,
        )
        .prop_shuffle()
    }

    proptest! {
        #[test]
        fn the_order_is_total_and_antisymmetric(
            entries in arb_entries(),
            keys in arb_keys(),
            actual in prop::option::of(0..4i64),
        ) {
            for a in &entries {
                prop_assert_eq!(compare_total(a, a, &keys, actual, SEED), Ordering::Equal);
                for b in &entries {
                    let ab = compare_total(a, b, &keys, actual, SEED);
                    prop_assert_eq!(ab, compare_total(b, a, &keys, actual, SEED).reverse());
                    if a.attempt_id != b.attempt_id {
                        prop_assert_ne!(ab, Ordering::Equal);
                    }
                    for c in &entries {
                        if ab.is_lt() && compare_total(b, c, &keys, actual, SEED).is_lt() {
                            prop_assert!(compare_total(a, c, &keys, actual, SEED).is_lt());
                        }
                    }
                }
            }
        }

        #[test]
        fn ranking_ignores_input_order(
            (entries, shuffled) in arb_entries().prop_flat_map(|e| (Just(e.clone()), Just(e).prop_shuffle())),
            keys in arb_keys(),
            actual in prop::option::of(0..4i64),
        ) {
            let a = rank(entries, &keys, actual, SEED);
            let b = rank(shuffled, &keys, actual, SEED);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn rows_follow_the_complete_order_and_keep_every_attempt(
            entries in arb_entries(),
            keys in arb_keys(),
            actual in prop::option::of(0..4i64),
        ) {
            let n = entries.len();
            let r = rank(entries.clone(), &keys, actual, SEED);
            prop_assert_eq!(r.attempts.len(), n);
            for (i, pair) in r.rows.windows(2).enumerate() {
                prop_assert_eq!(pair[0].rank as usize, i + 1);
                prop_assert!(compare_total(&pair[0].entry, &pair[1].entry, &keys, actual, SEED).is_lt());
                prop_assert_eq!(pair[0].decided_by, Some(decided_by(&pair[0].entry, &pair[1].entry, &keys, actual)));
            }
            // The best attempt is the first of the participant's attempts in the complete order.
            for row in &r.rows {
                for e in entries.iter().filter(|e| e.participant_id == row.entry.participant_id) {
                    prop_assert!(compare_total(&row.entry, e, &keys, actual, SEED).is_le());
                    prop_assert!(e.eligible);
                }
            }
            // Every eligible participant ranked once.
            let mut eligible: std::collections::HashMap<Uuid, bool> = std::collections::HashMap::new();
            for e in &entries {
                *eligible.entry(e.participant_id).or_insert(true) &= e.eligible;
            }
            let ranked = eligible.values().filter(|v| **v).count();
            prop_assert_eq!(r.rows.len(), ranked);
            // Export order: ranks appear in increasing order, ranked before unranked participants.
            let ranks: Vec<u32> = r.attempts.iter().filter_map(|a| a.rank).collect();
            prop_assert_eq!(ranks, (1..=r.rows.len() as u32).collect::<Vec<_>>());
        }
    }
}
