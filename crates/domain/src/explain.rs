//! Why a winner ranks where they do, in words (Vietnamese and English) and values.
//!
//! For a ranked prize the explanation compares the winner with the participant right after
//! them in their pool's ranking (the next rank with `pools: all`; the next participant of the
//! same category with `pools: by_category`), whether or not that participant won anything: it
//! names the key that separated them ([`crate::ranking::decided_by`]), both values on that key,
//! and for a full tie the draw keys. For a lottery prize it gives the winner's lottery key.
//!
//! Everything here is pure: the same ranking, winner, seed and name give the same text.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::allocation::{format_ms, lottery_key, Winner};
use crate::prizes::TierKind;
use crate::ranking::{
    decided_by, draw_key, prediction_error, DecidedBy, Entry, RankedRow, Ranking,
};
use crate::settings::TieBreakKey;

/// A value compared by an explanation: a number, or text (a hex draw or lottery key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExplainValue {
    /// A signed number (score, milliseconds, a time as milliseconds since the epoch, ...).
    Int(i64),
    /// An unsigned number (a prediction error too large for `i64`).
    UInt(u64),
    /// Text: a lowercase hex key.
    Text(String),
}

/// Why a winner is where they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// Rank of the participant compared with; `None` for a lottery prize.
    pub against_rank: Option<u32>,
    /// Full name of the participant compared with; `None` for a lottery prize.
    pub against_name: Option<String>,
    /// What decided: a tie-break key, `draw` or `lottery`.
    pub key: DecidedBy,
    /// The winner's value on that key: a number; for `prediction_error` `None` without a
    /// prediction; for `submitted_at` and `registered_at` milliseconds since the epoch; for
    /// `draw` the draw key and for `lottery` the lottery key (lowercase hex).
    pub value: Option<ExplainValue>,
    /// The other participant's value on that key, in the same form; `None` for a lottery prize.
    pub against_value: Option<ExplainValue>,
    /// The explanation in Vietnamese.
    pub text_vi: String,
    /// The explanation in English.
    pub text_en: String,
}

/// A duration as `mm:ss.mmm` (minutes not capped at 59; a negative duration gets a `-`).
pub fn format_duration(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    format!(
        "{sign}{:02}:{:02}.{:03}",
        ms / 60_000,
        (ms / 1000) % 60,
        ms % 1000
    )
}

/// The shortest prefixes (at least 4 characters) that tell two keys apart, each followed by
/// `…` when cut; equal keys are shown whole.
pub fn short_keys(a: &str, b: &str) -> (String, String) {
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let keep = (common + 1).max(4);
    let cut = |s: &str| {
        if s.chars().count() > keep {
            format!("{}…", s.chars().take(keep).collect::<String>())
        } else {
            s.to_owned()
        }
    };
    (cut(a), cut(b))
}

/// The participant right after `rank` in its pool: the next row with `by_category == false`,
/// else the next row of the same category. `None` when `rank` is the pool's last (or unknown).
pub fn next_in_pool(ranking: &Ranking, rank: u32, by_category: bool) -> Option<&RankedRow> {
    let index = usize::try_from(rank).ok()?;
    let this = ranking.rows.get(index.checked_sub(1)?)?;
    ranking
        .rows
        .get(index..)?
        .iter()
        .find(|r| !by_category || r.entry.category == this.entry.category)
}

/// The participant a winner's explanation compares with: for a ranked tier the next
/// participant of the pool ([`next_in_pool`]); `None` for a lottery tier or the pool's last.
pub fn against_of<'r>(
    ranking: &'r Ranking,
    winner: &Winner,
    by_category: bool,
) -> Option<&'r RankedRow> {
    match winner.kind {
        TierKind::Ranked => next_in_pool(ranking, winner.rank, by_category),
        TierKind::Lottery => None,
    }
}

/// The explanation of a winner: `name_of` gives the full name of the participant compared
/// with. `None` for a ranked winner who is the last of their pool.
pub fn explain_winner(
    ranking: &Ranking,
    winner: &Winner,
    by_category: bool,
    seed: &str,
    name_of: impl Fn(Uuid) -> String,
) -> Option<Explanation> {
    match winner.kind {
        TierKind::Lottery => Some(explain_lottery(
            seed,
            &winner.tier,
            &winner.tier_name,
            winner.entry.participant_id,
        )),
        TierKind::Ranked => {
            let next = next_in_pool(ranking, winner.rank, by_category)?;
            Some(explain_ranked(
                &winner.entry,
                &next.entry,
                next.rank,
                &name_of(next.entry.participant_id),
                &ranking.keys,
                ranking.actual,
                seed,
            ))
        }
    }
}

fn int(n: impl Into<i64>) -> Option<ExplainValue> {
    Some(ExplainValue::Int(n.into()))
}

fn error_value(error: Option<u64>) -> Option<ExplainValue> {
    error.map(|e| match i64::try_from(e) {
        Ok(small) => ExplainValue::Int(small),
        Err(_) => ExplainValue::UInt(e),
    })
}

/// Why `ahead` ranks right above `next` (rank `next_rank`, called `next_name`) under these
/// keys, prediction actual value and seed: the first key they differ on, else the draw. The
/// texts follow the pattern "Hơn hạng 7 (Trần Thị B) vì …: 3 so với 6" / "Ahead of rank 7
/// (Trần Thị B) by …: 3 vs 6" (see [`ranked_texts`]). Assumes `ahead` does rank above `next`
/// (as in a ranking).
pub fn explain_ranked(
    ahead: &Entry,
    next: &Entry,
    next_rank: u32,
    next_name: &str,
    keys: &[TieBreakKey],
    actual: Option<i64>,
    seed: &str,
) -> Explanation {
    let key = decided_by(ahead, next, keys, actual);
    let (value, against_value) = match key {
        DecidedBy::Score => (int(ahead.score), int(next.score)),
        DecidedBy::PredictionError => {
            let actual = actual.unwrap_or(0);
            (
                error_value(prediction_error(ahead.prediction, actual)),
                error_value(prediction_error(next.prediction, actual)),
            )
        }
        DecidedBy::DurationMs => (int(ahead.duration_ms), int(next.duration_ms)),
        DecidedBy::SubmittedAt => (int(ahead.submitted_at_ms), int(next.submitted_at_ms)),
        DecidedBy::AttemptsUsed => (int(ahead.attempts_used), int(next.attempts_used)),
        DecidedBy::RegisteredAt => (int(ahead.registered_at_ms), int(next.registered_at_ms)),
        DecidedBy::Draw | DecidedBy::Lottery => (
            Some(ExplainValue::Text(draw_key(seed, ahead.attempt_id))),
            Some(ExplainValue::Text(draw_key(seed, next.attempt_id))),
        ),
    };
    let (text_vi, text_en) = ranked_texts(
        key,
        next_rank,
        next_name,
        value.as_ref(),
        against_value.as_ref(),
    );
    Explanation {
        against_rank: Some(next_rank),
        against_name: Some(next_name.to_owned()),
        key,
        value,
        against_value,
        text_vi,
        text_en,
    }
}

/// A compared value as plain text: a number's digits, a key as it is; `-` when missing.
fn shown(value: Option<&ExplainValue>) -> String {
    match value {
        None => "-".to_owned(),
        Some(ExplainValue::Int(n)) => n.to_string(),
        Some(ExplainValue::UInt(n)) => n.to_string(),
        Some(ExplainValue::Text(t)) => t.clone(),
    }
}

/// A compared value shown through `format` when it is a (signed) number.
fn shown_with(value: Option<&ExplainValue>, format: fn(i64) -> String) -> String {
    match value {
        Some(ExplainValue::Int(n)) => format(*n),
        other => shown(other),
    }
}

/// The texts (Vietnamese, English) of a ranked explanation: ahead of rank `next_rank`, called
/// `next_name` (left out, with its parentheses, when blank), on `key`, with the winner's value
/// and the other's in [`Explanation`]'s form (durations shown as `mm:ss.mmm`, times as RFC 3339
/// UTC, draw keys cut to their shortest distinct prefixes).
///
/// Guarantees: the same inputs always give the same texts; with a blank name the texts hold no
/// name at all, e.g. "Hơn hạng 7 vì sai số dự đoán nhỏ hơn: 3 so với 6" / "Ahead of rank 7 by a
/// smaller prediction error: 3 vs 6"; [`explain_ranked`] writes exactly these texts.
pub fn ranked_texts(
    key: DecidedBy,
    next_rank: u32,
    next_name: &str,
    value: Option<&ExplainValue>,
    against_value: Option<&ExplainValue>,
) -> (String, String) {
    let (vi_head, en_head) = if next_name.trim().is_empty() {
        (
            format!("Hơn hạng {next_rank}"),
            format!("Ahead of rank {next_rank}"),
        )
    } else {
        (
            format!("Hơn hạng {next_rank} ({next_name})"),
            format!("Ahead of rank {next_rank} ({next_name})"),
        )
    };
    let plain = |vi: &str, en: &str, a: String, b: String| {
        (
            format!("{vi_head} vì {vi}: {a} so với {b}"),
            format!("{en_head} by {en}: {a} vs {b}"),
        )
    };
    match key {
        DecidedBy::Score => plain(
            "điểm cao hơn",
            "a higher score",
            shown(value),
            shown(against_value),
        ),
        DecidedBy::PredictionError => match (value, against_value) {
            (Some(a), Some(b)) => plain(
                "sai số dự đoán nhỏ hơn",
                "a smaller prediction error",
                shown(Some(a)),
                shown(Some(b)),
            ),
            (Some(a), None) => {
                let a = shown(Some(a));
                (
                    format!(
                        "{vi_head} vì có dự đoán (sai số {a}) còn hạng {next_rank} không dự \
                         đoán; không dự đoán xếp sau mọi dự đoán"
                    ),
                    format!(
                        "{en_head}: gave a prediction (error {a}) and rank {next_rank} did \
                         not; a missing prediction ranks after any prediction"
                    ),
                )
            }
            // Not reachable when the winner ranks above the other; said plainly all the same.
            (None, _) => (
                format!("{vi_head} về sai số dự đoán (không dự đoán)"),
                format!("{en_head} on the prediction error (no prediction)"),
            ),
        },
        DecidedBy::DurationMs => plain(
            "thời gian làm bài ngắn hơn",
            "a shorter duration",
            shown_with(value, format_duration),
            shown_with(against_value, format_duration),
        ),
        DecidedBy::SubmittedAt => plain(
            "nộp bài sớm hơn",
            "an earlier submission",
            shown_with(value, format_ms),
            shown_with(against_value, format_ms),
        ),
        DecidedBy::AttemptsUsed => plain(
            "dùng ít lượt thi hơn",
            "fewer attempts used",
            shown(value),
            shown(against_value),
        ),
        DecidedBy::RegisteredAt => plain(
            "đăng ký sớm hơn",
            "an earlier registration",
            shown_with(value, format_ms),
            shown_with(against_value, format_ms),
        ),
        DecidedBy::Draw | DecidedBy::Lottery => {
            let (a, b) = short_keys(&shown(value), &shown(against_value));
            (
                format!(
                    "{vi_head}: bằng nhau ở mọi tiêu chí; bốc thăm sha256(seed‖attempt_id) \
                     quyết định: {a} < {b}"
                ),
                format!(
                    "{en_head}: equal on every key; the draw sha256(seed‖attempt_id) \
                     decided: {a} < {b}"
                ),
            )
        }
    }
}

/// The texts (Vietnamese, English) of an explanation that name nobody but the winner, for
/// files organizers publish: a ranked comparison (`against_rank` set) is written again by
/// [`ranked_texts`] without the other participant's name ("Hơn hạng 7 vì sai số dự đoán nhỏ
/// hơn: 3 so với 6"); a lottery explanation (no `against_rank`), which names nobody else,
/// keeps `text_vi` and `text_en`. Works from the stored parts, so versions stored with named
/// texts read back name-free too.
pub fn anonymous_texts(
    key: DecidedBy,
    against_rank: Option<u32>,
    value: Option<&ExplainValue>,
    against_value: Option<&ExplainValue>,
    text_vi: &str,
    text_en: &str,
) -> (String, String) {
    match against_rank {
        Some(rank) => ranked_texts(key, rank, "", value, against_value),
        None => (text_vi.to_owned(), text_en.to_owned()),
    }
}

impl Explanation {
    /// The texts without the compared participant's name (see [`anonymous_texts`]); the
    /// explanation's own `text_vi`/`text_en` keep the name for staff.
    pub fn anonymous_texts(&self) -> (String, String) {
        anonymous_texts(
            self.key,
            self.against_rank,
            self.value.as_ref(),
            self.against_value.as_ref(),
            &self.text_vi,
            &self.text_en,
        )
    }
}

/// The explanation of a lottery prize: the winner's lottery key (see
/// [`crate::allocation::lottery_key`]); nobody compared with.
pub fn explain_lottery(
    seed: &str,
    tier: &str,
    tier_name: &str,
    participant_id: Uuid,
) -> Explanation {
    let key = lottery_key(seed, tier, participant_id);
    let short: String = key.chars().take(8).collect();
    Explanation {
        against_rank: None,
        against_name: None,
        key: DecidedBy::Lottery,
        value: Some(ExplainValue::Text(key)),
        against_value: None,
        text_vi: format!(
            "Trúng {tier_name} qua bốc thăm: mã sha256(seed‖\"lottery:\"‖{tier}‖\":\"‖\
             participant_id) = {short}… thuộc các mã nhỏ nhất trong số người đủ điều kiện"
        ),
        text_en: format!(
            "Won {tier_name} by lottery: key sha256(seed‖\"lottery:\"‖{tier}‖\":\"‖\
             participant_id) = {short}… is among the smallest of those eligible"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::allocate;
    use crate::prizes::{LotteryEligibility, Pools, PrizeRules, Tier};
    use crate::ranking::rank;
    use crate::ranking::tests::{entry, uuid};
    use crate::settings::default_tie_breaks;
    use std::collections::HashSet;

    const SEED: &str = "seed-2026";

    fn explain(a: &Entry, b: &Entry, keys: &[TieBreakKey], actual: Option<i64>) -> Explanation {
        explain_ranked(a, b, 7, "Trần Thị B", keys, actual, SEED)
    }

    #[test]
    fn durations_read_as_minutes_seconds_and_milliseconds() {
        assert_eq!(format_duration(0), "00:00.000");
        assert_eq!(format_duration(65_120), "01:05.120");
        assert_eq!(format_duration(3_600_000), "60:00.000");
        assert_eq!(format_duration(-1_500), "-00:01.500");
    }

    #[test]
    fn short_keys_cut_after_the_first_difference() {
        assert_eq!(
            short_keys("0a1b2c3d4e", "0a1f000000"),
            ("0a1b…".to_owned(), "0a1f…".to_owned())
        );
        assert_eq!(
            short_keys("0a1b2c3d4e", "0a1b2c3f00"),
            ("0a1b2c3d…".to_owned(), "0a1b2c3f…".to_owned())
        );
        assert_eq!(
            short_keys("abc", "abc"),
            ("abc".to_owned(), "abc".to_owned())
        );
    }

    #[test]
    fn score() {
        let a = entry(1, 1, 10);
        let b = entry(2, 2, 8);
        let e = explain(&a, &b, &default_tie_breaks(), Some(100));
        assert_eq!(e.key, DecidedBy::Score);
        assert_eq!(e.against_rank, Some(7));
        assert_eq!(e.against_name.as_deref(), Some("Trần Thị B"));
        assert_eq!(
            (e.value, e.against_value),
            (Some(ExplainValue::Int(10)), Some(ExplainValue::Int(8)))
        );
        assert_eq!(
            e.text_vi,
            "Hơn hạng 7 (Trần Thị B) vì điểm cao hơn: 10 so với 8"
        );
        assert_eq!(
            e.text_en,
            "Ahead of rank 7 (Trần Thị B) by a higher score: 10 vs 8"
        );
    }

    #[test]
    fn prediction_error() {
        let mut a = entry(1, 1, 10);
        a.prediction = Some(97); // error 3
        let mut b = entry(2, 2, 10);
        b.prediction = Some(106); // error 6
        let e = explain(&a, &b, &default_tie_breaks(), Some(100));
        assert_eq!(e.key, DecidedBy::PredictionError);
        assert_eq!(
            (e.value, e.against_value),
            (Some(ExplainValue::Int(3)), Some(ExplainValue::Int(6)))
        );
        assert_eq!(
            e.text_vi,
            "Hơn hạng 7 (Trần Thị B) vì sai số dự đoán nhỏ hơn: 3 so với 6"
        );
        assert_eq!(
            e.text_en,
            "Ahead of rank 7 (Trần Thị B) by a smaller prediction error: 3 vs 6"
        );
    }

    #[test]
    fn a_missing_prediction_is_said_to_rank_after_any_prediction() {
        let mut a = entry(1, 1, 10);
        a.prediction = Some(150); // error 50
        let mut b = entry(2, 2, 10);
        b.prediction = None;
        let e = explain(&a, &b, &default_tie_breaks(), Some(100));
        assert_eq!(e.key, DecidedBy::PredictionError);
        assert_eq!(
            (e.value, e.against_value),
            (Some(ExplainValue::Int(50)), None)
        );
        assert!(
            e.text_vi.contains("không dự đoán xếp sau mọi dự đoán"),
            "{}",
            e.text_vi
        );
        assert!(
            e.text_en
                .contains("a missing prediction ranks after any prediction"),
            "{}",
            e.text_en
        );
        assert!(e.text_en.contains("error 50"), "{}", e.text_en);
    }

    #[test]
    fn huge_prediction_errors_stay_exact() {
        let mut a = entry(1, 1, 10);
        a.prediction = Some(i64::MIN);
        let mut b = entry(2, 2, 10);
        b.prediction = None;
        let e = explain(&a, &b, &default_tie_breaks(), Some(i64::MAX));
        assert_eq!(e.value, Some(ExplainValue::UInt(u64::MAX)));
        assert_eq!(
            serde_json::to_string(&e.value).unwrap_or_default(),
            u64::MAX.to_string()
        );
    }

    #[test]
    fn duration() {
        let mut a = entry(1, 1, 10);
        a.duration_ms = 65_120;
        let mut b = entry(2, 2, 10);
        b.duration_ms = 70_000;
        let e = explain(&a, &b, &default_tie_breaks(), Some(100));
        assert_eq!(e.key, DecidedBy::DurationMs);
        assert_eq!(
            (e.value, e.against_value),
            (
                Some(ExplainValue::Int(65_120)),
                Some(ExplainValue::Int(70_000))
            )
        );
        assert_eq!(
            e.text_vi,
            "Hơn hạng 7 (Trần Thị B) vì thời gian làm bài ngắn hơn: 01:05.120 so với 01:10.000"
        );
        assert_eq!(
            e.text_en,
            "Ahead of rank 7 (Trần Thị B) by a shorter duration: 01:05.120 vs 01:10.000"
        );
    }

    #[test]
    fn submitted_at() {
        let a = entry(1, 1, 10);
        let mut b = entry(2, 2, 10);
        b.submitted_at_ms += 1_500;
        let e = explain(&a, &b, &default_tie_breaks(), Some(100));
        assert_eq!(e.key, DecidedBy::SubmittedAt);
        assert_eq!(
            e.value,
            Some(ExplainValue::Int(a.submitted_at_ms)),
            "milliseconds since the epoch"
        );
        assert_eq!(e.against_value, Some(ExplainValue::Int(b.submitted_at_ms)));
        assert_eq!(
            e.text_vi,
            format!(
                "Hơn hạng 7 (Trần Thị B) vì nộp bài sớm hơn: {} so với {}",
                format_ms(a.submitted_at_ms),
                format_ms(b.submitted_at_ms)
            )
        );
        assert!(e
            .text_en
            .starts_with("Ahead of rank 7 (Trần Thị B) by an earlier submission: "));
    }

    #[test]
    fn attempts_used_and_registered_at() {
        let keys = [
            TieBreakKey::Score,
            TieBreakKey::AttemptsUsed,
            TieBreakKey::RegisteredAt,
        ];
        let a = entry(1, 1, 10);
        let mut b = entry(2, 2, 10);
        b.attempts_used = 2;
        let e = explain(&a, &b, &keys, None);
        assert_eq!(e.key, DecidedBy::AttemptsUsed);
        assert_eq!(
            (e.value, e.against_value),
            (Some(ExplainValue::Int(1)), Some(ExplainValue::Int(2)))
        );
        assert_eq!(
            e.text_vi,
            "Hơn hạng 7 (Trần Thị B) vì dùng ít lượt thi hơn: 1 so với 2"
        );
        assert_eq!(
            e.text_en,
            "Ahead of rank 7 (Trần Thị B) by fewer attempts used: 1 vs 2"
        );

        let mut c = entry(3, 3, 10);
        c.registered_at_ms += 60_000;
        let e = explain(&a, &c, &keys, None);
        assert_eq!(e.key, DecidedBy::RegisteredAt);
        assert_eq!(e.value, Some(ExplainValue::Int(a.registered_at_ms)));
        assert_eq!(e.against_value, Some(ExplainValue::Int(c.registered_at_ms)));
        assert!(e.text_vi.contains("vì đăng ký sớm hơn: "), "{}", e.text_vi);
        assert!(
            e.text_en.contains("by an earlier registration: "),
            "{}",
            e.text_en
        );
        assert!(e.text_en.contains(&format_ms(c.registered_at_ms)));
    }

    #[test]
    fn draw() {
        let a = entry(1, 1, 10);
        let b = entry(2, 2, 10);
        let r = rank(vec![a, b], &default_tie_breaks(), Some(100), SEED);
        let (first, second) = (&r.rows[0], &r.rows[1]);
        let e = explain_ranked(
            &first.entry,
            &second.entry,
            2,
            "Trần Thị B",
            &r.keys,
            r.actual,
            SEED,
        );
        assert_eq!(e.key, DecidedBy::Draw);
        let mine = draw_key(SEED, first.entry.attempt_id);
        let theirs = draw_key(SEED, second.entry.attempt_id);
        assert!(mine < theirs, "the ranking put the smaller key first");
        assert_eq!(e.value, Some(ExplainValue::Text(mine.clone())));
        assert_eq!(e.against_value, Some(ExplainValue::Text(theirs.clone())));
        let (a, b) = short_keys(&mine, &theirs);
        assert_eq!(
            e.text_vi,
            format!(
                "Hơn hạng 2 (Trần Thị B): bằng nhau ở mọi tiêu chí; bốc thăm \
                 sha256(seed‖attempt_id) quyết định: {a} < {b}"
            )
        );
        assert_eq!(
            e.text_en,
            format!(
                "Ahead of rank 2 (Trần Thị B): equal on every key; the draw \
                 sha256(seed‖attempt_id) decided: {a} < {b}"
            )
        );
    }

    #[test]
    fn lottery() {
        let id = uuid(0xB000_0001);
        let e = explain_lottery(SEED, "lucky", "Giải may mắn", id);
        assert_eq!(e.key, DecidedBy::Lottery);
        assert_eq!(
            e.value,
            Some(ExplainValue::Text(lottery_key(SEED, "lucky", id)))
        );
        assert_eq!(
            (e.against_rank, e.against_name, e.against_value),
            (None, None, None)
        );
        assert!(
            e.text_vi.starts_with("Trúng Giải may mắn qua bốc thăm"),
            "{}",
            e.text_vi
        );
        assert!(
            e.text_en.starts_with("Won Giải may mắn by lottery"),
            "{}",
            e.text_en
        );
    }

    #[test]
    fn no_name_no_parentheses() {
        let e = explain_ranked(
            &entry(1, 1, 10),
            &entry(2, 2, 8),
            3,
            "",
            &default_tie_breaks(),
            None,
            SEED,
        );
        assert_eq!(e.text_vi, "Hơn hạng 3 vì điểm cao hơn: 10 so với 8");
    }

    #[test]
    fn anonymous_texts_never_name_the_other_participant() {
        let mut a = entry(1, 1, 10);
        a.prediction = Some(97); // error 3
        let mut b = entry(2, 2, 10);
        b.prediction = Some(106); // error 6
        let e = explain(&a, &b, &default_tie_breaks(), Some(100));
        let (vi, en) = e.anonymous_texts();
        assert_eq!(vi, "Hơn hạng 7 vì sai số dự đoán nhỏ hơn: 3 so với 6");
        assert_eq!(en, "Ahead of rank 7 by a smaller prediction error: 3 vs 6");
        assert!(e.text_vi.contains("Trần Thị B"), "the staff text keeps it");

        // Every key: the same text as with a blank name, and no trace of the name.
        let keys = [
            TieBreakKey::Score,
            TieBreakKey::PredictionError,
            TieBreakKey::DurationMs,
            TieBreakKey::SubmittedAt,
            TieBreakKey::AttemptsUsed,
            TieBreakKey::RegisteredAt,
        ];
        let mut pairs: Vec<(Entry, Entry)> = Vec::new();
        pairs.push((entry(1, 1, 10), entry(2, 2, 8)));
        let (mut p, mut q) = (entry(1, 1, 10), entry(2, 2, 10));
        p.prediction = Some(150);
        q.prediction = None;
        pairs.push((p, q));
        let (mut p, mut q) = (entry(1, 1, 10), entry(2, 2, 10));
        p.duration_ms = 65_120;
        q.duration_ms = 70_000;
        pairs.push((p, q));
        let (p, mut q) = (entry(1, 1, 10), entry(2, 2, 10));
        q.submitted_at_ms += 1_500;
        pairs.push((p, q));
        let (p, mut q) = (entry(1, 1, 10), entry(2, 2, 10));
        q.attempts_used = 2;
        pairs.push((p, q));
        let (p, mut q) = (entry(1, 1, 10), entry(2, 2, 10));
        q.registered_at_ms += 60_000;
        pairs.push((p, q));
        let drawn = rank(
            vec![entry(1, 1, 10), entry(2, 2, 10)],
            &default_tie_breaks(),
            Some(100),
            SEED,
        );
        pairs.push((drawn.rows[0].entry.clone(), drawn.rows[1].entry.clone()));
        let mut seen = HashSet::new();
        for (ahead, next) in &pairs {
            let named = explain(ahead, next, &keys, Some(100));
            let blank = explain_ranked(ahead, next, 7, "", &keys, Some(100), SEED);
            seen.insert(named.key);
            let (vi, en) = named.anonymous_texts();
            assert_eq!(
                (vi.as_str(), en.as_str()),
                (blank.text_vi.as_str(), blank.text_en.as_str())
            );
            assert!(!vi.contains("Trần") && !en.contains("Trần"), "{vi} / {en}");
            assert!(vi.starts_with("Hơn hạng 7") && en.starts_with("Ahead of rank 7"));
            // From the stored form (JSON values) too.
            let json = serde_json::to_value(&named).unwrap_or_default();
            let back: Explanation = serde_json::from_value(json).unwrap_or_else(|_| unreachable!());
            assert_eq!(back.anonymous_texts(), (vi, en));
        }
        assert_eq!(seen.len(), 7, "every key and the draw: {seen:?}");

        // A lottery explanation names nobody else: kept as it is.
        let lucky = explain_lottery(SEED, "lucky", "Giải may mắn", uuid(0xB000_0001));
        assert_eq!(
            lucky.anonymous_texts(),
            (lucky.text_vi.clone(), lucky.text_en.clone())
        );
    }

    fn tier(code: &str, count: u32, kind: TierKind) -> Tier {
        Tier {
            tier: code.into(),
            name: code.to_uppercase(),
            count,
            min_score: None,
            kind,
            eligible: (kind == TierKind::Lottery).then_some(LotteryEligibility::AnyWithoutPrize),
        }
    }

    #[test]
    fn winners_are_compared_with_the_next_of_their_pool_whether_or_not_it_won() {
        let mut a = entry(1, 1, 10);
        a.category = Some("cs".into());
        let mut b = entry(2, 2, 9);
        b.category = Some("citizen".into());
        let mut c = entry(3, 3, 8);
        c.category = Some("cs".into());
        let r = rank(vec![a, b, c], &default_tie_breaks(), Some(100), SEED);
        let name = |id: Uuid| format!("P{}", id.as_u128() - 0xB000_0000);

        // One pool: first prize only; rank 1 is compared with rank 2 (who won nothing).
        let rules = PrizeRules {
            individual: vec![tier("first", 1, TierKind::Ranked)],
            pools: Pools::All,
            exclude_previous_winners: false,
            collective: None,
        };
        let all = allocate(&r, &rules, &HashSet::new(), SEED);
        let e = explain_winner(&r, &all.winners[0], false, SEED, name)
            .unwrap_or_else(|| unreachable!("rank 1 of 3 has a next participant"));
        assert_eq!(
            (e.against_rank, e.against_name.as_deref()),
            (Some(2), Some("P2"))
        );
        assert_eq!(
            e.key,
            all.winners[0].decided_by.unwrap_or(DecidedBy::Lottery)
        );

        // By category: the cs winner is compared with rank 3, the next cs participant; the
        // citizen winner is its pool's last.
        let by_category = PrizeRules {
            pools: Pools::ByCategory,
            ..rules.clone()
        };
        let pooled = allocate(&r, &by_category, &HashSet::new(), SEED);
        let cs = pooled
            .winners
            .iter()
            .find(|w| w.pool.as_deref() == Some("cs"))
            .cloned()
            .unwrap_or_else(|| unreachable!("a cs winner"));
        let e = explain_winner(&r, &cs, true, SEED, name);
        assert_eq!(e.as_ref().and_then(|e| e.against_rank), Some(3));
        assert_eq!(e.map(|e| e.key), cs.decided_by);
        let citizen = pooled
            .winners
            .iter()
            .find(|w| w.pool.as_deref() == Some("citizen"))
            .cloned()
            .unwrap_or_else(|| unreachable!("a citizen winner"));
        assert_eq!(explain_winner(&r, &citizen, true, SEED, name), None);
        assert!(against_of(&r, &citizen, true).is_none());

        // The last ranked participant has nobody to be compared with; lottery winners have a key.
        let everyone = PrizeRules {
            individual: vec![
                tier("first", 2, TierKind::Ranked),
                tier("lucky", 1, TierKind::Lottery),
            ],
            ..rules
        };
        let alloc = allocate(&r, &everyone, &HashSet::new(), SEED);
        let lucky = alloc
            .winners
            .iter()
            .find(|w| w.tier == "lucky")
            .cloned()
            .unwrap_or_else(|| unreachable!("a lottery winner"));
        assert_eq!(lucky.rank, 3);
        let e = explain_winner(&r, &lucky, false, SEED, name);
        assert_eq!(e.map(|e| e.key), Some(DecidedBy::Lottery));
        assert!(next_in_pool(&r, 3, false).is_none());
        assert!(next_in_pool(&r, 0, false).is_none());
        assert!(next_in_pool(&r, 99, false).is_none());
    }
}
