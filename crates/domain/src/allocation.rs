//! Individual prize allocation (spec/contest-rules.md "Prize allocation") and the canonical
//! results export ("Finalizing and publishing").
//!
//! Allocation rules as implemented:
//! - Pools: with `pools: all` there is one pool (reported as `pool: None`); with `by_category`
//!   every category is a pool and every tier's count applies within each. Participants without
//!   a category then form a pool of their own, reported as `pool: None`.
//! - Ranked tiers are filled first, in the order listed: each takes the next `count`
//!   participants of the pool's ranking, walking from the top, skipping anyone who already has
//!   a prize, anyone whose best score is below the tier's `min_score` (they stay available for
//!   the tiers below), and, with `exclude_previous_winners`, anyone in `previous_winners`.
//! - Lottery tiers come after every ranked tier (so "won nothing else" means nothing ranked
//!   and no earlier lottery tier), in the order listed. Eligible: ranked (hence
//!   prize-eligible) participants of the pool without a prize, not excluded as previous
//!   winners, whose best score meets the tier's `min_score` if any, and, for
//!   `perfect_without_prize` (the default), with at least one perfect attempt. They are ordered
//!   by [`lottery_key`] ascending; the first `count` win.
//! - One prize per participant. Places nobody can take are listed in `unawarded`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::prizes::{LotteryEligibility, Pools, PrizeRules, TierKind};
use crate::ranking::{DecidedBy, Entry, RankedAttempt, RankedRow, Ranking};
use crate::settings::TieBreakKey;

/// One individual prize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Winner {
    /// The tier's code, e.g. `first`.
    pub tier: String,
    /// The tier's display name.
    pub tier_name: String,
    /// Ranked or lottery.
    pub kind: TierKind,
    /// The category of the pool with `pools: by_category` (`None` for participants without
    /// one); always `None` with `pools: all`.
    pub pool: Option<String>,
    /// The participant's rank in the round's ranking (the export's `rank`).
    pub rank: u32,
    /// The participant's rank within the pool (equal to `rank` with `pools: all`).
    pub pool_rank: u32,
    /// The participant's best attempt.
    pub entry: Entry,
    /// `|prediction − actual|` of that attempt, when both are known.
    pub prediction_error: Option<u64>,
    /// For ranked tiers: what put this winner ahead of the next participant of the pool's
    /// ranking (`None` when last). For lottery tiers: `Lottery`.
    pub decided_by: Option<DecidedBy>,
}

/// Places of a tier (in a pool) that nobody could take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unawarded {
    /// The tier's code.
    pub tier: String,
    /// The pool, as in [`Winner::pool`].
    pub pool: Option<String>,
    /// How many places stay empty.
    pub count: u32,
}

/// The outcome of allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Allocation {
    /// Winners ordered by pool, then tier (in the order listed), then rank (for a lottery tier:
    /// the lottery order).
    pub winners: Vec<Winner>,
    /// Unfilled places, ordered by pool, then tier.
    pub unawarded: Vec<Unawarded>,
}

impl Allocation {
    /// The prize of a participant, if any.
    pub fn prize_of(&self, participant_id: Uuid) -> Option<&Winner> {
        self.winners
            .iter()
            .find(|w| w.entry.participant_id == participant_id)
    }

    /// How many individual prizes each unit's participants won (units without any absent).
    pub fn prizes_per_unit(&self) -> HashMap<String, u32> {
        let mut out: HashMap<String, u32> = HashMap::new();
        for w in &self.winners {
            *out.entry(w.entry.unit_code.clone()).or_default() += 1;
        }
        out
    }
}

/// The lottery key of a participant for a tier: lowercase hex of `sha256(utf8(seed) ‖
/// "lottery:" ‖ utf8(tier) ‖ ":" ‖ utf8(participant_id))`, the id lowercase hyphenated.
pub fn lottery_key(seed: &str, tier: &str, participant_id: Uuid) -> String {
    hex::encode(lottery_digest(seed, tier, participant_id))
}

fn lottery_digest(seed: &str, tier: &str, participant_id: Uuid) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(seed.as_bytes());
    hasher.update(b"lottery:");
    hasher.update(tier.as_bytes());
    hasher.update(b":");
    hasher.update(participant_id.hyphenated().to_string().as_bytes());
    hasher.finalize().into()
}

/// Allocates the individual prizes of a round, with the pools found in the ranking (see
/// [`allocate_with_categories`] to also report the places of categories nobody ranked in).
///
/// Guarantees: nobody holds two prizes; no tier gives more than its count in a pool; only
/// ranked (eligible) participants win; `exclude_previous_winners` keeps everyone in
/// `previous_winners` out; the result depends only on the ranking's order, the rules, the set of
/// previous winners and the seed.
pub fn allocate(
    ranking: &Ranking,
    rules: &PrizeRules,
    previous_winners: &HashSet<Uuid>,
    seed: &str,
) -> Allocation {
    allocate_with_categories(ranking, rules, previous_winners, seed, &[])
}

/// [`allocate`], with the contest's categories named: with `pools: by_category` every category
/// listed is a pool even when nobody ranked in it (its places are then all unawarded). Pools
/// come in the order listed, then other categories found in the ranking in code order, then
/// participants without a category. `categories` is ignored with `pools: all`.
pub fn allocate_with_categories(
    ranking: &Ranking,
    rules: &PrizeRules,
    previous_winners: &HashSet<Uuid>,
    seed: &str,
    categories: &[String],
) -> Allocation {
    let mut pools: Vec<(Option<String>, Vec<&RankedRow>)> = Vec::new();
    match rules.pools {
        Pools::All => pools.push((None, ranking.rows.iter().collect())),
        Pools::ByCategory => {
            let mut by_category: BTreeMap<Option<String>, Vec<&RankedRow>> = BTreeMap::new();
            for row in &ranking.rows {
                by_category
                    .entry(row.entry.category.clone())
                    .or_default()
                    .push(row);
            }
            for category in categories {
                let key = Some(category.clone());
                if pools.iter().all(|(k, _)| *k != key) {
                    let rows = by_category.remove(&key).unwrap_or_default();
                    pools.push((key, rows));
                }
            }
            let uncategorized = by_category.remove(&None);
            pools.extend(by_category);
            if let Some(rows) = uncategorized {
                pools.push((None, rows));
            }
        }
    }

    let mut allocation = Allocation::default();
    for (pool, members) in &pools {
        allocate_pool(
            ranking,
            rules,
            previous_winners,
            seed,
            pool,
            members,
            &mut allocation,
        );
    }
    allocation
}

fn allocate_pool(
    ranking: &Ranking,
    rules: &PrizeRules,
    previous_winners: &HashSet<Uuid>,
    seed: &str,
    pool: &Option<String>,
    members: &[&RankedRow],
    out: &mut Allocation,
) {
    let excluded = |id: &Uuid| rules.exclude_previous_winners && previous_winners.contains(id);
    let mut won: HashSet<Uuid> = HashSet::new();
    // (tier index, place within the tier: pool rank or lottery order, winner), sorted into
    // tier order at the end.
    let mut winners: Vec<(usize, usize, Winner)> = Vec::new();
    let mut unawarded: Vec<(usize, Unawarded)> = Vec::new();
    let winner = |row: &RankedRow, pos: usize, tier_index: usize, decided: Option<DecidedBy>| {
        let tier = rules.individual.get(tier_index);
        Winner {
            tier: tier.map(|t| t.tier.clone()).unwrap_or_default(),
            tier_name: tier.map(|t| t.name.clone()).unwrap_or_default(),
            kind: tier.map(|t| t.kind).unwrap_or_default(),
            pool: pool.clone(),
            rank: row.rank,
            pool_rank: u32::try_from(pos + 1).unwrap_or(u32::MAX),
            entry: row.entry.clone(),
            prediction_error: ranking
                .actual
                .and_then(|a| crate::ranking::prediction_error(row.entry.prediction, a)),
            decided_by: decided,
        }
    };

    for (tier_index, tier) in rules.individual.iter().enumerate() {
        if tier.kind != TierKind::Ranked {
            continue;
        }
        let mut awarded = 0u32;
        for (pos, row) in members.iter().enumerate() {
            if awarded >= tier.count {
                break;
            }
            let id = row.entry.participant_id;
            if won.contains(&id)
                || excluded(&id)
                || tier.min_score.is_some_and(|m| row.entry.score < m)
            {
                continue;
            }
            let decided = members
                .get(pos + 1)
                .map(|next| ranking.decided_between(&row.entry, &next.entry));
            won.insert(id);
            winners.push((tier_index, pos, winner(row, pos, tier_index, decided)));
            awarded += 1;
        }
        if awarded < tier.count {
            unawarded.push((
                tier_index,
                Unawarded {
                    tier: tier.tier.clone(),
                    pool: pool.clone(),
                    count: tier.count - awarded,
                },
            ));
        }
    }

    for (tier_index, tier) in rules.individual.iter().enumerate() {
        if tier.kind != TierKind::Lottery {
            continue;
        }
        let eligibility = tier.eligible.unwrap_or_default();
        let mut candidates: Vec<(usize, &RankedRow)> = members
            .iter()
            .enumerate()
            .filter(|(_, row)| {
                let id = row.entry.participant_id;
                !won.contains(&id)
                    && !excluded(&id)
                    && tier.min_score.is_none_or(|m| row.entry.score >= m)
                    && match eligibility {
                        LotteryEligibility::PerfectWithoutPrize => row.perfect,
                        LotteryEligibility::AnyWithoutPrize => true,
                    }
            })
            .map(|(pos, row)| (pos, *row))
            .collect();
        candidates.sort_by_cached_key(|(_, row)| {
            lottery_digest(seed, &tier.tier, row.entry.participant_id)
        });
        let mut awarded = 0u32;
        for (drawn, (pos, row)) in candidates.into_iter().enumerate() {
            if awarded >= tier.count {
                break;
            }
            won.insert(row.entry.participant_id);
            winners.push((
                tier_index,
                drawn,
                winner(row, pos, tier_index, Some(DecidedBy::Lottery)),
            ));
            awarded += 1;
        }
        if awarded < tier.count {
            unawarded.push((
                tier_index,
                Unawarded {
                    tier: tier.tier.clone(),
                    pool: pool.clone(),
                    count: tier.count - awarded,
                },
            ));
        }
    }

    winners.sort_by_key(|(tier_index, pos, _)| (*tier_index, *pos));
    unawarded.sort_by_key(|(tier_index, _)| *tier_index);
    out.winners.extend(winners.into_iter().map(|(_, _, w)| w));
    out.unawarded.extend(unawarded.into_iter().map(|(_, u)| u));
}

// ----- the canonical results export -----

/// The header row of the canonical results export.
pub const EXPORT_HEADER: &str = "rank,participant_ref,attempt_id,unit_code,category,eligible,score,correct,total,prediction,duration_ms,submitted_at,prize";

const EXPORT_COLUMNS: usize = 13;

/// The public reference of a participant: the first 16 lowercase hex digits of
/// `sha256(participant_id)`, the id lowercase hyphenated.
pub fn participant_ref(participant_id: Uuid) -> String {
    let digest = Sha256::digest(participant_id.hyphenated().to_string().as_bytes());
    hex::encode(digest.get(..8).unwrap_or_default())
}

/// A time in milliseconds since the epoch as RFC 3339 UTC with milliseconds, e.g.
/// `2026-11-25T19:09:20.123Z`; empty for times chrono cannot represent (about ±262,000 years).
pub fn format_ms(ms: i64) -> String {
    let mut out = String::with_capacity(24);
    push_ms(&mut out, ms);
    out
}

/// Appends [`format_ms`]`(ms)` to `out`. Years 0000–9999 take a fast path (civil-from-days
/// arithmetic, no allocation); other times go through chrono, so the text is the same either
/// way (a property test checks it against chrono).
fn push_ms(out: &mut String, ms: i64) {
    // 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in milliseconds since the epoch.
    const MIN: i64 = -62_167_219_200_000;
    const END: i64 = 253_402_300_800_000;
    if !(MIN..END).contains(&ms) {
        if let Some(t) = DateTime::from_timestamp_millis(ms) {
            out.push_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true));
        }
        return;
    }
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let digits = |out: &mut String, value: i64, width: u32| {
        let mut div = 10_i64.pow(width - 1);
        while div > 0 {
            let d = u8::try_from((value / div) % 10).unwrap_or(0);
            out.push(char::from(b'0' + d));
            div /= 10;
        }
    };
    digits(out, year, 4);
    out.push('-');
    digits(out, month, 2);
    out.push('-');
    digits(out, day, 2);
    out.push('T');
    digits(out, in_day / 3_600_000, 2);
    out.push(':');
    digits(out, (in_day / 60_000) % 60, 2);
    out.push(':');
    digits(out, (in_day / 1000) % 60, 2);
    out.push('.');
    digits(out, in_day % 1000, 3);
    out.push('Z');
}

fn push_field(line: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

/// The canonical results export of a ranking and its allocation.
///
/// Guarantees (spec/contest-rules.md "Finalizing and publishing"): UTF-8 without BOM, `\n`
/// after every row including the last, the header [`EXPORT_HEADER`], one row per attempt of
/// [`Ranking::attempts`] in that order (participants by rank of their best attempt, each
/// participant's attempts in the ranking order; ineligible participants last, unranked).
/// `rank` is set on best attempts of ranked participants only; `prize` (the tier code) on the
/// best attempt of each winner only; `eligible` is the participant's eligibility. Fields that
/// contain `,`, `"` or a line break are quoted RFC 4180 style. The same inputs always give the
/// same bytes.
pub fn export_csv(ranking: &Ranking, allocation: &Allocation) -> String {
    let prizes: HashMap<Uuid, &str> = allocation
        .winners
        .iter()
        .map(|w| (w.entry.attempt_id, w.tier.as_str()))
        .collect();
    let mut out = String::with_capacity(128 + ranking.attempts.len() * 128);
    out.push_str(EXPORT_HEADER);
    out.push('\n');
    // Large rounds are written in two halves on two threads; the bytes are the same.
    const PARALLEL_FROM: usize = 50_000;
    let attempts = ranking.attempts.as_slice();
    if attempts.len() < PARALLEL_FROM {
        push_export_rows(&mut out, attempts, &prizes);
        return out;
    }
    let (first, second) = attempts.split_at(attempts.len() / 2);
    let tail = std::thread::scope(|scope| {
        let tail = scope.spawn(|| {
            let mut tail = String::with_capacity(second.len() * 128);
            push_export_rows(&mut tail, second, &prizes);
            tail
        });
        push_export_rows(&mut out, first, &prizes);
        tail.join()
    });
    match tail {
        Ok(tail) => out.push_str(&tail),
        // Writing into a `String` does not panic; if it ever did, write the half here.
        Err(_) => push_export_rows(&mut out, second, &prizes),
    }
    out
}

/// Appends the export rows of `attempts` (see [`export_csv`]).
fn push_export_rows(out: &mut String, attempts: &[RankedAttempt], prizes: &HashMap<Uuid, &str>) {
    use std::fmt::Write as _;
    // A participant's attempts are consecutive in export order: hash their id once.
    let mut reference: Option<(Uuid, String)> = None;
    // Writing into a `String` cannot fail: the `fmt::Result`s below are always `Ok`.
    for attempt in attempts {
        let e = &attempt.entry;
        let prize = if attempt.best {
            prizes.get(&e.attempt_id).copied().unwrap_or("")
        } else {
            ""
        };
        if let Some(rank) = attempt.rank {
            let _ = write!(out, "{rank}");
        }
        if reference.as_ref().map(|(id, _)| *id) != Some(e.participant_id) {
            reference = Some((e.participant_id, participant_ref(e.participant_id)));
        }
        let participant = reference.as_ref().map_or("", |(_, text)| text.as_str());
        let _ = write!(out, ",{participant},{},", e.attempt_id.hyphenated());
        push_field(out, &e.unit_code);
        out.push(',');
        push_field(out, e.category.as_deref().unwrap_or(""));
        let _ = write!(
            out,
            ",{},{},{},{},",
            attempt.eligible, e.score, e.correct, e.total
        );
        if let Some(prediction) = e.prediction {
            let _ = write!(out, "{prediction}");
        }
        let _ = write!(out, ",{},", e.duration_ms);
        push_ms(out, e.submitted_at_ms);
        out.push(',');
        push_field(out, prize);
        out.push('\n');
    }
}

/// Lowercase hex SHA-256 of the export's bytes (`export_sha256` of a finalized result).
pub fn export_sha256(csv: &str) -> String {
    hex::encode(Sha256::digest(csv.as_bytes()))
}

/// One row of the canonical results export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRow {
    /// Rank of the participant, on their best attempt only.
    pub rank: Option<u32>,
    /// First 16 hex digits of `sha256(participant_id)`.
    pub participant_ref: String,
    /// The attempt.
    pub attempt_id: Uuid,
    /// Unit code.
    pub unit_code: String,
    /// Category code (`None` when the cell is empty).
    pub category: Option<String>,
    /// Whether the participant is eligible.
    pub eligible: bool,
    /// Score.
    pub score: i32,
    /// Correct answers.
    pub correct: i32,
    /// Questions.
    pub total: i32,
    /// Prediction.
    pub prediction: Option<i64>,
    /// Duration, milliseconds.
    pub duration_ms: i64,
    /// Recorded finish, milliseconds since the epoch.
    pub submitted_at_ms: i64,
    /// Tier code of the prize won on this attempt.
    pub prize: Option<String>,
}

/// Why an export file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The first row is not [`EXPORT_HEADER`].
    #[error("the header row is not the canonical export header")]
    Header,
    /// A quoted field is not closed before the end of the file.
    #[error("record {record}: unterminated quoted field")]
    Unterminated {
        /// 1-based record number (the header is record 1).
        record: usize,
    },
    /// A record has the wrong number of fields.
    #[error("record {record}: expected 13 fields, found {found}")]
    Columns {
        /// 1-based record number (the header is record 1).
        record: usize,
        /// Fields found.
        found: usize,
    },
    /// A field does not hold a valid value.
    #[error("record {record}: invalid {column}")]
    Field {
        /// 1-based record number (the header is record 1).
        record: usize,
        /// The column's name.
        column: &'static str,
    },
}

/// Takes the next record off the front of `rest` (RFC 4180 quoting; `\n` or `\r\n` line
/// ends); `None` once `rest` is empty. `record` numbers it for errors.
fn next_record<'a>(
    rest: &mut &'a str,
    record: usize,
) -> Option<Result<Vec<Cow<'a, str>>, ExportError>> {
    if rest.is_empty() {
        return None;
    }
    let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
    if !line.contains('"') {
        *rest = after;
        let line = line.strip_suffix('\r').unwrap_or(line);
        return Some(Ok(line.split(',').map(Cow::Borrowed).collect()));
    }
    // Quoted fields (which may hold commas, quotes and line breaks): character by character.
    let mut fields: Vec<Cow<'a, str>> = Vec::new();
    let mut field = String::new();
    let mut quoted = false; // inside quotes
    let mut was_quoted = false; // the current field started with a quote
    let mut chars = rest.char_indices().peekable();
    let mut end = rest.len();
    while let Some((i, c)) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek().map(|p| p.1) == Some('"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            ',' => {
                fields.push(Cow::Owned(std::mem::take(&mut field)));
                was_quoted = false;
            }
            '\r' if chars.peek().map(|p| p.1) == Some('\n') => {}
            '\n' => {
                end = i + 1;
                break;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Some(Err(ExportError::Unterminated { record }));
    }
    fields.push(Cow::Owned(field));
    *rest = rest.get(end..).unwrap_or("");
    Some(Ok(fields))
}

/// Reads a canonical results export back (a leading BOM and `\r\n` line ends are tolerated;
/// integrity is [`export_sha256`]'s business, not this function's).
///
/// Guarantees: `parse_export(export_csv(r, a))` gives one row per attempt of `r`, in file
/// order, with every column as written; any malformed record is an error naming it.
pub fn parse_export(csv: &str) -> Result<Vec<ExportRow>, ExportError> {
    let mut rest = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let header_ok = match next_record(&mut rest, 1) {
        Some(Ok(header)) => header.join(",") == EXPORT_HEADER,
        Some(Err(e)) => return Err(e),
        None => false,
    };
    if !header_ok {
        return Err(ExportError::Header);
    }
    let mut rows = Vec::new();
    let mut record = 1;
    loop {
        record += 1;
        let fields = match next_record(&mut rest, record) {
            None => break,
            Some(fields) => fields?,
        };
        let found = fields.len();
        let Ok(fields) = <[Cow<str>; EXPORT_COLUMNS]>::try_from(fields) else {
            return Err(ExportError::Columns { record, found });
        };
        let [rank, pref, attempt_id, unit_code, category, eligible, score, correct, total, prediction, duration_ms, submitted_at, prize] =
            fields;
        let bad = |column: &'static str| ExportError::Field { record, column };
        let optional = |s: Cow<str>| (!s.is_empty()).then(|| s.into_owned());
        let rank = if rank.is_empty() {
            None
        } else {
            Some(
                rank.parse::<u32>()
                    .ok()
                    .filter(|r| *r >= 1)
                    .ok_or(bad("rank"))?,
            )
        };
        if pref.len() != 16
            || !pref
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        {
            return Err(bad("participant_ref"));
        }
        let attempt_id = Uuid::parse_str(&attempt_id).map_err(|_| bad("attempt_id"))?;
        let eligible = match eligible.as_ref() {
            "true" => true,
            "false" => false,
            _ => return Err(bad("eligible")),
        };
        let prediction = if prediction.is_empty() {
            None
        } else {
            Some(prediction.parse::<i64>().map_err(|_| bad("prediction"))?)
        };
        let submitted_at_ms = DateTime::parse_from_rfc3339(&submitted_at)
            .map_err(|_| bad("submitted_at"))?
            .timestamp_millis();
        rows.push(ExportRow {
            rank,
            participant_ref: pref.into_owned(),
            attempt_id,
            unit_code: unit_code.into_owned(),
            category: optional(category),
            eligible,
            score: score.parse().map_err(|_| bad("score"))?,
            correct: correct.parse().map_err(|_| bad("correct"))?,
            total: total.parse().map_err(|_| bad("total"))?,
            prediction,
            duration_ms: duration_ms.parse().map_err(|_| bad("duration_ms"))?,
            submitted_at_ms,
            prize: optional(prize),
        });
    }
    Ok(rows)
}

/// The participant id that stands for a `participant_ref` when recomputing from an export:
/// the 16 hex digits as the first 64 bits, zeros after (the real id is not in the file).
pub fn participant_id_from_ref(participant_ref: &str) -> Uuid {
    Uuid::from_u64_pair(u64::from_str_radix(participant_ref, 16).unwrap_or(0), 0)
}

/// Ranking entries rebuilt from an export, for recomputing the winners.
///
/// What the file cannot give back: the participant id (replaced by
/// [`participant_id_from_ref`]), `registered_at` (set to 0 for everyone, so that key decides
/// nothing) and the set of previous winners. `attempts_used` is the participant's number of
/// rows, which equals the attempts used once a round can be finalized (every attempt has
/// ended, and each ended attempt is one row). See [`export_gaps`].
pub fn entries_from_export(rows: &[ExportRow]) -> Vec<Entry> {
    let mut used: HashMap<&str, u32> = HashMap::new();
    for row in rows {
        *used.entry(row.participant_ref.as_str()).or_default() += 1;
    }
    rows.iter()
        .map(|row| Entry {
            attempt_id: row.attempt_id,
            participant_id: participant_id_from_ref(&row.participant_ref),
            unit_code: row.unit_code.clone(),
            category: row.category.clone(),
            eligible: row.eligible,
            score: row.score,
            correct: row.correct,
            total: row.total,
            prediction: row.prediction,
            duration_ms: row.duration_ms,
            submitted_at_ms: row.submitted_at_ms,
            attempts_used: used.get(row.participant_ref.as_str()).copied().unwrap_or(0),
            registered_at_ms: 0,
        })
        .collect()
}

/// The prizes an export records: `(attempt_id, tier)` in file order.
pub fn recorded_prizes(rows: &[ExportRow]) -> Vec<(Uuid, String)> {
    rows.iter()
        .filter_map(|r| r.prize.clone().map(|p| (r.attempt_id, p)))
        .collect()
}

/// What a recomputation from the export file, the rules and the seed cannot reproduce under
/// these keys and rules (empty: the file is enough):
/// - `"registered_at"`: the `registered_at` key is listed, and the file has no registration
///   times;
/// - `"lottery"`: a lottery tier exists, and its order hashes the participant id, which the
///   file replaces by `participant_ref`;
/// - `"previous_winners"`: `exclude_previous_winners` is on, and earlier rounds' winners are not
///   in the file.
pub fn export_gaps(keys: &[TieBreakKey], rules: &PrizeRules) -> Vec<&'static str> {
    let mut gaps = Vec::new();
    if keys.contains(&TieBreakKey::RegisteredAt) {
        gaps.push("registered_at");
    }
    if rules.individual.iter().any(|t| t.kind == TierKind::Lottery) {
        gaps.push("lottery");
    }
    if rules.exclude_previous_winners {
        gaps.push("previous_winners");
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prizes::Tier;
    use crate::ranking::rank;
    use crate::ranking::tests::{arb_entries, arb_keys, entry, uuid};
    use crate::settings::default_tie_breaks;
    use proptest::prelude::*;

    const SEED: &str = "seed-2026";

    fn tier(code: &str, count: u32) -> Tier {
        Tier {
            tier: code.into(),
            name: code.to_uppercase(),
            count,
            min_score: None,
            kind: TierKind::Ranked,
            eligible: None,
        }
    }

    fn lottery(code: &str, count: u32, eligible: LotteryEligibility) -> Tier {
        Tier {
            kind: TierKind::Lottery,
            eligible: Some(eligible),
            ..tier(code, count)
        }
    }

    fn rules(tiers: Vec<Tier>) -> PrizeRules {
        PrizeRules {
            individual: tiers,
            pools: Pools::All,
            exclude_previous_winners: false,
            collective: None,
        }
    }

    fn won(a: &Allocation) -> Vec<(String, Uuid)> {
        a.winners
            .iter()
            .map(|w| (w.tier.clone(), w.entry.participant_id))
            .collect()
    }

    fn pid(p: u128) -> Uuid {
        uuid(0xB000_0000 + p)
    }

    /// Participants 1..=n with scores n+9, n+8, ... (1 is best).
    fn field(n: u128) -> Vec<Entry> {
        (1..=n)
            .map(|p| entry(p, p, i32::try_from(30 - p).unwrap_or(0)))
            .collect()
    }

    #[test]
    fn tiers_fill_in_order_walking_down_the_ranking() {
        let r = rank(field(8), &default_tie_breaks(), Some(100), SEED);
        let a = allocate(
            &r,
            &rules(vec![tier("first", 1), tier("second", 2), tier("third", 3)]),
            &HashSet::new(),
            SEED,
        );
        let expected: Vec<(String, Uuid)> = [
            ("first", 1),
            ("second", 2),
            ("second", 3),
            ("third", 4),
            ("third", 5),
            ("third", 6),
        ]
        .iter()
        .map(|(t, p)| ((*t).to_owned(), pid(*p)))
        .collect();
        assert_eq!(won(&a), expected);
        assert!(a.unawarded.is_empty());
        assert_eq!(a.winners[0].rank, 1);
        assert_eq!(a.winners[0].pool_rank, 1);
        assert_eq!(a.winners[0].decided_by, Some(DecidedBy::Score));
        assert_eq!(a.winners[0].prediction_error, Some(0));
    }

    #[test]
    fn too_few_participants_leave_places_unawarded() {
        let r = rank(field(2), &default_tie_breaks(), Some(100), SEED);
        let a = allocate(
            &r,
            &rules(vec![tier("first", 1), tier("second", 2), tier("third", 3)]),
            &HashSet::new(),
            SEED,
        );
        assert_eq!(a.winners.len(), 2);
        assert_eq!(
            a.unawarded,
            vec![
                Unawarded {
                    tier: "second".into(),
                    pool: None,
                    count: 1
                },
                Unawarded {
                    tier: "third".into(),
                    pool: None,
                    count: 3
                },
            ]
        );
        assert_eq!(a.winners[1].decided_by, None, "last of the ranking");
    }

    #[test]
    fn a_tie_across_a_tier_boundary_is_settled_by_the_draw() {
        // Three participants equal on every key; one first prize, two second.
        let entries: Vec<Entry> = (1..=3).map(|p| entry(p, p, 20)).collect();
        let r = rank(entries.clone(), &default_tie_breaks(), Some(100), SEED);
        let a = allocate(
            &r,
            &rules(vec![tier("first", 1), tier("second", 2)]),
            &HashSet::new(),
            SEED,
        );
        let lowest = entries
            .iter()
            .min_by_key(|e| crate::ranking::draw_key(SEED, e.attempt_id))
            .map(|e| e.participant_id);
        assert_eq!(Some(a.winners[0].entry.participant_id), lowest);
        assert_eq!(a.winners[0].tier, "first");
        assert_eq!(a.winners[0].decided_by, Some(DecidedBy::Draw));
    }

    #[test]
    fn min_score_skips_for_that_tier_only() {
        // Keys put duration first, so a low score can rank high.
        let mut fast_low = entry(1, 1, 10);
        fast_low.duration_ms = 1;
        let slow_high = entry(2, 2, 20);
        let slower_high = {
            let mut e = entry(3, 3, 20);
            e.duration_ms = 70_000;
            e
        };
        let r = rank(
            vec![fast_low, slow_high, slower_high],
            &[TieBreakKey::DurationMs, TieBreakKey::Score],
            None,
            SEED,
        );
        assert_eq!(r.rows[0].entry.participant_id, pid(1));
        let mut first = tier("first", 1);
        first.min_score = Some(15);
        let mut second = tier("second", 2);
        second.min_score = Some(5);
        let a = allocate(&r, &rules(vec![first, second]), &HashSet::new(), SEED);
        assert_eq!(
            won(&a),
            vec![
                ("first".to_owned(), pid(2)),
                ("second".to_owned(), pid(1)),
                ("second".to_owned(), pid(3)),
            ]
        );
        // Nobody reaches a minimum: every place unawarded.
        let mut high = tier("first", 2);
        high.min_score = Some(25);
        let a = allocate(&r, &rules(vec![high]), &HashSet::new(), SEED);
        assert!(a.winners.is_empty());
        assert_eq!(a.unawarded[0].count, 2);
    }

    #[test]
    fn previous_winners_are_skipped_only_when_the_rule_is_on() {
        let r = rank(field(4), &default_tie_breaks(), Some(100), SEED);
        let previous: HashSet<Uuid> = [pid(1), pid(3)].into_iter().collect();
        let mut rules_on = rules(vec![tier("first", 1), tier("second", 2)]);
        let off = allocate(&r, &rules_on, &previous, SEED);
        assert_eq!(off.winners[0].entry.participant_id, pid(1));
        rules_on.exclude_previous_winners = true;
        let on = allocate(&r, &rules_on, &previous, SEED);
        assert_eq!(
            won(&on),
            vec![("first".to_owned(), pid(2)), ("second".to_owned(), pid(4))]
        );
        assert_eq!(on.winners[0].rank, 2, "rank stays the ranking's");
        assert_eq!(on.unawarded.len(), 1);
    }

    #[test]
    fn pools_by_category_apply_every_tier_within_each() {
        let mut entries = field(6);
        for (i, e) in entries.iter_mut().enumerate() {
            e.category = Some(if i % 2 == 0 { "cs" } else { "citizen" }.into());
        }
        let r = rank(entries, &default_tie_breaks(), Some(100), SEED);
        let mut rules = rules(vec![tier("first", 1), tier("second", 1)]);
        rules.pools = Pools::ByCategory;
        let a = allocate(&r, &rules, &HashSet::new(), SEED);
        let got: Vec<(Option<String>, String, Uuid, u32, u32)> = a
            .winners
            .iter()
            .map(|w| {
                (
                    w.pool.clone(),
                    w.tier.clone(),
                    w.entry.participant_id,
                    w.rank,
                    w.pool_rank,
                )
            })
            .collect();
        let s = |x: &str| Some(x.to_owned());
        assert_eq!(
            got,
            vec![
                (s("citizen"), "first".into(), pid(2), 2, 1),
                (s("citizen"), "second".into(), pid(4), 4, 2),
                (s("cs"), "first".into(), pid(1), 1, 1),
                (s("cs"), "second".into(), pid(3), 3, 2),
            ]
        );
        // A listed category nobody ranked in: its places are unawarded.
        let a = allocate_with_categories(
            &r,
            &rules,
            &HashSet::new(),
            SEED,
            &["cs".into(), "student".into()],
        );
        assert_eq!(a.winners[0].pool, s("cs"));
        assert_eq!(
            a.unawarded,
            vec![
                Unawarded {
                    tier: "first".into(),
                    pool: s("student"),
                    count: 1
                },
                Unawarded {
                    tier: "second".into(),
                    pool: s("student"),
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn ineligible_participants_win_nothing() {
        let mut entries = field(3);
        entries[0].eligible = false;
        let r = rank(entries, &default_tie_breaks(), Some(100), SEED);
        let a = allocate(
            &r,
            &rules(vec![
                tier("first", 1),
                lottery("lucky", 5, LotteryEligibility::AnyWithoutPrize),
            ]),
            &HashSet::new(),
            SEED,
        );
        assert!(a.prize_of(pid(1)).is_none());
        assert_eq!(a.winners[0].entry.participant_id, pid(2));
        assert_eq!(a.winners.len(), 2);
    }

    #[test]
    fn the_lottery_follows_the_published_hash_among_those_without_a_prize() {
        let mut entries: Vec<Entry> = (1..=10).map(|p| entry(p, p, 20)).collect();
        for e in entries.iter_mut() {
            e.correct = e.total; // all perfect
        }
        entries[9].correct = 19; // participant 10: not perfect
        let r = rank(entries, &default_tie_breaks(), Some(100), SEED);
        // Listed before the ranked tier, still drawn after it.
        let rules = rules(vec![
            lottery("lucky", 3, LotteryEligibility::PerfectWithoutPrize),
            tier("first", 2),
        ]);
        let a = allocate(&r, &rules, &HashSet::new(), SEED);
        let ranked: HashSet<Uuid> = a
            .winners
            .iter()
            .filter(|w| w.tier == "first")
            .map(|w| w.entry.participant_id)
            .collect();
        assert_eq!(ranked.len(), 2);
        let mut eligible: Vec<(String, Uuid)> = (1..=9)
            .map(pid)
            .filter(|p| !ranked.contains(p))
            .map(|p| {
                let text = format!("{SEED}lottery:lucky:{}", p.hyphenated());
                (hex::encode(Sha256::digest(text.as_bytes())), p)
            })
            .collect();
        eligible.sort();
        // Lottery winners are listed in the lottery order.
        let lucky: Vec<Uuid> = a
            .winners
            .iter()
            .filter(|w| w.tier == "lucky")
            .map(|w| w.entry.participant_id)
            .collect();
        assert_eq!(
            lucky,
            eligible.iter().take(3).map(|(_, p)| *p).collect::<Vec<_>>()
        );
        assert!(a
            .winners
            .iter()
            .filter(|w| w.tier == "lucky")
            .all(|w| w.decided_by == Some(DecidedBy::Lottery)));
        assert_eq!(
            a.winners[0].tier, "lucky",
            "winners in tier order as listed"
        );
        assert_eq!(lottery_key(SEED, "lucky", pid(1)), {
            let text = format!("{SEED}lottery:lucky:{}", pid(1).hyphenated());
            hex::encode(Sha256::digest(text.as_bytes()))
        });
        // Same inputs: same draw.
        assert_eq!(allocate(&r, &rules, &HashSet::new(), SEED), a);
    }

    #[test]
    fn lottery_short_of_candidates_reports_unawarded() {
        let mut entries = field(3);
        entries[2].correct = entries[2].total;
        let r = rank(entries, &default_tie_breaks(), Some(100), SEED);
        let rules = rules(vec![lottery(
            "lucky",
            4,
            LotteryEligibility::PerfectWithoutPrize,
        )]);
        let a = allocate(&r, &rules, &HashSet::new(), SEED);
        assert_eq!(won(&a), vec![("lucky".to_owned(), pid(3))]);
        assert_eq!(a.unawarded[0].count, 3);
    }

    #[test]
    fn prizes_per_unit_count_winners() {
        let mut entries = field(3);
        entries[1].unit_code = "u2".into();
        let r = rank(entries, &default_tie_breaks(), Some(100), SEED);
        let a = allocate(&r, &rules(vec![tier("first", 3)]), &HashSet::new(), SEED);
        let per_unit = a.prizes_per_unit();
        assert_eq!(per_unit.get("u1"), Some(&2));
        assert_eq!(per_unit.get("u2"), Some(&1));
    }

    // ----- export -----

    #[test]
    fn export_has_the_canonical_shape() {
        let mut a1 = entry(1, 1, 20);
        a1.submitted_at_ms = 1_795_633_760_123; // 2026-11-25T19:09:20.123Z
        a1.category = Some("citizen".into());
        let mut a2 = entry(1, 2, 15);
        a2.prediction = None;
        let mut b = entry(2, 3, 18);
        b.unit_code = "ward,\"7\"".into();
        let mut staff = entry(3, 4, 20);
        staff.eligible = false;
        let r = rank(
            vec![a1, a2, b, staff],
            &default_tie_breaks(),
            Some(100),
            SEED,
        );
        let a = allocate(&r, &rules(vec![tier("first", 1)]), &HashSet::new(), SEED);
        let csv = export_csv(&r, &a);
        assert!(!csv.starts_with('\u{feff}'));
        assert!(!csv.contains('\r'));
        assert!(csv.ends_with('\n'));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], EXPORT_HEADER);
        assert_eq!(lines.len(), 5);
        let ref1 = participant_ref(pid(1));
        assert_eq!(ref1.len(), 16);
        assert_eq!(
            lines[1],
            format!(
                "1,{ref1},{},u1,citizen,true,20,20,20,100,60000,2026-11-25T19:09:20.123Z,first",
                uuid(0xA000_0001)
            )
        );
        assert!(lines[2].starts_with(&format!(",{ref1},")));
        assert!(lines[2].contains(",15,15,20,,60000,"));
        assert!(lines[2].ends_with(','), "no prize on a non-best attempt");
        assert!(lines[3].starts_with(&format!("2,{},", participant_ref(pid(2)))));
        assert!(lines[3].contains(",\"ward,\"\"7\"\"\","));
        assert!(lines[4].starts_with(&format!(",{},", participant_ref(pid(3)))));
        assert!(lines[4].contains(",false,"));

        let rows = parse_export(&csv).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].submitted_at_ms, 1_795_633_760_123);
        assert_eq!(rows[0].prize.as_deref(), Some("first"));
        assert_eq!(rows[2].unit_code, "ward,\"7\"");
        assert_eq!(rows[1].prediction, None);
        assert_eq!(
            recorded_prizes(&rows),
            vec![(uuid(0xA000_0001), "first".into())]
        );
        // Same inputs: same bytes.
        assert_eq!(export_sha256(&csv), export_sha256(&export_csv(&r, &a)));
    }

    #[test]
    fn participant_ref_is_a_sha256_prefix() {
        let id = pid(7);
        let full = hex::encode(Sha256::digest(id.hyphenated().to_string().as_bytes()));
        assert_eq!(participant_ref(id), full[..16]);
        assert_eq!(
            participant_id_from_ref(&participant_ref(id))
                .as_u64_pair()
                .0,
            u64::from_str_radix(&full[..16], 16).unwrap()
        );
    }

    #[test]
    fn parse_rejects_malformed_files() {
        assert_eq!(parse_export("rank,x\n"), Err(ExportError::Header));
        assert_eq!(parse_export(""), Err(ExportError::Header));
        let good_row = format!(
            "1,0123456789abcdef,{},u1,,true,1,1,1,,5,2026-11-25T19:09:20.123Z,",
            uuid(1)
        );
        assert_eq!(
            parse_export(&format!("{EXPORT_HEADER}\n{good_row}\n")).map(|r| r.len()),
            Ok(1)
        );
        assert_eq!(
            parse_export(&format!("\u{feff}{EXPORT_HEADER}\r\n{good_row}")).map(|r| r.len()),
            Ok(1),
            "BOM, CRLF and a missing final newline are tolerated"
        );
        assert_eq!(
            parse_export(&format!("{EXPORT_HEADER}\n1,2\n")),
            Err(ExportError::Columns {
                record: 2,
                found: 2
            })
        );
        let bad = good_row.replace("true", "yes");
        assert_eq!(
            parse_export(&format!("{EXPORT_HEADER}\n{good_row}\n{bad}\n")),
            Err(ExportError::Field {
                record: 3,
                column: "eligible"
            })
        );
        let bad = good_row.replace("0123456789abcdef", "0123456789ABCDEF");
        assert!(matches!(
            parse_export(&format!("{EXPORT_HEADER}\n{bad}\n")),
            Err(ExportError::Field {
                column: "participant_ref",
                ..
            })
        ));
        let bad = good_row.replace("2026-11-25T19:09:20.123Z", "yesterday");
        assert!(matches!(
            parse_export(&format!("{EXPORT_HEADER}\n{bad}\n")),
            Err(ExportError::Field {
                column: "submitted_at",
                ..
            })
        ));
        assert_eq!(
            parse_export(&format!("{EXPORT_HEADER}\n\"open")),
            Err(ExportError::Unterminated { record: 2 })
        );
    }

    #[test]
    fn export_gaps_name_what_the_file_lacks() {
        let mut r = rules(vec![tier("first", 1)]);
        assert!(export_gaps(&default_tie_breaks(), &r).is_empty());
        r.exclude_previous_winners = true;
        r.individual
            .push(lottery("lucky", 1, LotteryEligibility::AnyWithoutPrize));
        assert_eq!(
            export_gaps(&[TieBreakKey::RegisteredAt], &r),
            vec!["registered_at", "lottery", "previous_winners"]
        );
    }

    #[test]
    fn export_parse_rank_gives_the_same_winners_on_a_scenario() {
        let r = rank(field(10), &default_tie_breaks(), Some(100), SEED);
        let rules = rules(vec![tier("first", 1), tier("second", 2), tier("third", 3)]);
        let a = allocate(&r, &rules, &HashSet::new(), SEED);
        let rows = parse_export(&export_csv(&r, &a)).unwrap();
        let again = rank(
            entries_from_export(&rows),
            &default_tie_breaks(),
            Some(100),
            SEED,
        );
        let b = allocate(&again, &rules, &HashSet::new(), SEED);
        let key = |a: &Allocation| -> Vec<(String, Uuid, u32)> {
            a.winners
                .iter()
                .map(|w| (w.tier.clone(), w.entry.attempt_id, w.rank))
                .collect()
        };
        assert_eq!(key(&a), key(&b));
        assert_eq!(recorded_prizes(&rows).len(), 6);
    }

    // ----- properties -----

    fn arb_rules() -> impl Strategy<Value = PrizeRules> {
        let ranked = (1..4u32, prop::option::of(0..5i32)).prop_map(|(count, min)| Tier {
            min_score: min,
            ..tier("t", count)
        });
        let lottery_tier = (1..4u32, any::<bool>()).prop_map(|(count, perfect)| {
            lottery(
                "l",
                count,
                if perfect {
                    LotteryEligibility::PerfectWithoutPrize
                } else {
                    LotteryEligibility::AnyWithoutPrize
                },
            )
        });
        (
            prop::collection::vec(prop_oneof![3 => ranked, 1 => lottery_tier], 0..5),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(tiers, by_category, exclude)| {
                let individual = tiers
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| Tier {
                        tier: format!("{}{i}", t.tier),
                        ..t
                    })
                    .collect();
                PrizeRules {
                    individual,
                    pools: if by_category {
                        Pools::ByCategory
                    } else {
                        Pools::All
                    },
                    exclude_previous_winners: exclude,
                    collective: None,
                }
            })
    }

    type WinnerKey = (String, Option<String>, Uuid, u32, Option<DecidedBy>);

    fn previous_of(entries: &[Entry], mask: u64) -> HashSet<Uuid> {
        entries
            .iter()
            .map(|e| e.participant_id)
            .filter(|p| (p.as_u64_pair().0 ^ mask) % 3 == 0)
            .collect()
    }

    #[test]
    fn format_ms_at_the_edges_of_the_fast_path_and_beyond() {
        for ms in [
            i64::MIN,
            -62_167_219_200_001,
            -62_167_219_200_000,
            -1,
            0,
            951_782_400_000, // 2000-02-29
            253_402_300_799_999,
            253_402_300_800_000,
            i64::MAX,
        ] {
            let chrono = DateTime::from_timestamp_millis(ms)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
                .unwrap_or_default();
            assert_eq!(format_ms(ms), chrono, "{ms}");
        }
    }

    #[test]
    fn a_large_export_written_in_halves_is_the_sequential_one() {
        let entries: Vec<Entry> = (0..60_000u128)
            .map(|i| {
                let mut e = entry(i % 45_000, i, i32::try_from(i % 21).unwrap());
                e.duration_ms = i64::try_from(i * 7919 % 100_000).unwrap();
                e.category = (i % 3 == 0).then(|| "can,bo".to_owned());
                e
            })
            .collect();
        let ranking = rank(entries, &default_tie_breaks(), Some(100), SEED);
        let rules = PrizeRules {
            individual: vec![tier("first", 1), tier("second", 2)],
            ..PrizeRules::default()
        };
        let allocation = allocate(&ranking, &rules, &HashSet::new(), SEED);
        let mut sequential = format!("{EXPORT_HEADER}\n");
        let prizes: HashMap<Uuid, &str> = allocation
            .winners
            .iter()
            .map(|w| (w.entry.attempt_id, w.tier.as_str()))
            .collect();
        push_export_rows(&mut sequential, &ranking.attempts, &prizes);
        assert_eq!(export_csv(&ranking, &allocation), sequential);
    }

    proptest! {
        /// The fast path (years 0000–9999) against chrono.
        #[test]
        fn format_ms_equals_chrono_in_four_digit_years(ms in -62_167_219_200_000_i64..253_402_300_800_000) {
            let chrono = DateTime::from_timestamp_millis(ms)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
                .unwrap_or_default();
            prop_assert_eq!(format_ms(ms), chrono);
        }
    }

    proptest! {
        #[test]
        fn nobody_wins_twice_and_no_tier_overflows(
            entries in arb_entries(),
            keys in arb_keys(),
            rules in arb_rules(),
            mask in any::<u64>(),
        ) {
            let previous = previous_of(&entries, mask);
            let r = rank(entries, &keys, Some(2), SEED);
            let a = allocate(&r, &rules, &previous, SEED);
            let mut seen = HashSet::new();
            let mut per_tier: HashMap<(Option<String>, String), u32> = HashMap::new();
            for w in &a.winners {
                prop_assert!(seen.insert(w.entry.participant_id), "two prizes");
                prop_assert!(w.entry.eligible);
                if rules.exclude_previous_winners {
                    prop_assert!(!previous.contains(&w.entry.participant_id));
                }
                *per_tier.entry((w.pool.clone(), w.tier.clone())).or_default() += 1;
            }
            for t in &rules.individual {
                let unfilled: HashMap<Option<String>, u32> = a
                    .unawarded
                    .iter()
                    .filter(|u| u.tier == t.tier)
                    .map(|u| (u.pool.clone(), u.count))
                    .collect();
                for ((pool, code), n) in &per_tier {
                    if *code == t.tier {
                        prop_assert!(*n <= t.count);
                        prop_assert_eq!(n + unfilled.get(pool).copied().unwrap_or(0), t.count);
                    }
                }
            }
        }

        #[test]
        fn same_input_and_seed_give_the_same_winners_in_any_order(
            (entries, shuffled) in arb_entries().prop_flat_map(|e| (Just(e.clone()), Just(e).prop_shuffle())),
            keys in arb_keys(),
            rules in arb_rules(),
            mask in any::<u64>(),
        ) {
            let previous = previous_of(&entries, mask);
            let a = allocate(&rank(entries, &keys, Some(1), SEED), &rules, &previous, SEED);
            let b = allocate(&rank(shuffled, &keys, Some(1), SEED), &rules, &previous, SEED);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn removing_a_non_winner_changes_no_winner(
            entries in arb_entries(),
            keys in arb_keys(),
            rules in arb_rules(),
            mask in any::<u64>(),
            pick in any::<prop::sample::Index>(),
        ) {
            let previous = previous_of(&entries, mask);
            let a = allocate(&rank(entries.clone(), &keys, Some(1), SEED), &rules, &previous, SEED);
            let winners: HashSet<Uuid> = a.winners.iter().map(|w| w.entry.participant_id).collect();
            let losers: Vec<Uuid> = entries
                .iter()
                .map(|e| e.participant_id)
                .filter(|p| !winners.contains(p))
                .collect();
            if !losers.is_empty() {
                let gone = *pick.get(&losers);
                let rest: Vec<Entry> = entries.into_iter().filter(|e| e.participant_id != gone).collect();
                let b = allocate(&rank(rest, &keys, Some(1), SEED), &rules, &previous, SEED);
                let strip = |a: &Allocation| -> Vec<(String, Option<String>, Uuid)> {
                    a.winners.iter().map(|w| (w.tier.clone(), w.pool.clone(), w.entry.attempt_id)).collect()
                };
                prop_assert_eq!(strip(&a), strip(&b));
            }
        }

        #[test]
        fn export_then_parse_then_rank_gives_the_same_winners(
            entries in arb_entries(),
            keys in arb_keys().prop_map(|k| k.into_iter().filter(|k| *k != TieBreakKey::RegisteredAt).collect::<Vec<_>>()),
            actual in prop::option::of(0..4i64),
            rules in arb_rules().prop_map(|mut r| {
                r.individual.retain(|t| t.kind == TierKind::Ranked);
                r.exclude_previous_winners = false;
                r
            }),
        ) {
            prop_assert!(export_gaps(&keys, &rules).is_empty());
            let r = rank(entries, &keys, actual, SEED);
            let a = allocate(&r, &rules, &HashSet::new(), SEED);
            let csv = export_csv(&r, &a);
            let rows = parse_export(&csv).unwrap();
            prop_assert_eq!(rows.len(), r.attempts.len());
            let again = rank(entries_from_export(&rows), &keys, actual, SEED);
            let b = allocate(&again, &rules, &HashSet::new(), SEED);
            let strip = |a: &Allocation| -> Vec<WinnerKey> {
                a.winners.iter().map(|w| (w.tier.clone(), w.pool.clone(), w.entry.attempt_id, w.rank, w.decided_by)).collect()
            };
            prop_assert_eq!(strip(&a), strip(&b));
            prop_assert_eq!(&a.unawarded, &b.unawarded);
            // The recomputed file is the same file but for the stand-in participant refs.
            let blank = |rows: Vec<ExportRow>| -> Vec<ExportRow> {
                rows.into_iter().map(|r| ExportRow { participant_ref: String::new(), ..r }).collect()
            };
            prop_assert_eq!(blank(parse_export(&export_csv(&again, &b)).unwrap()), blank(rows.clone()));
            let mut recorded = recorded_prizes(&rows);
            recorded.sort();
            let mut expected: Vec<(Uuid, String)> = a.winners.iter().map(|w| (w.entry.attempt_id, w.tier.clone())).collect();
            expected.sort();
            prop_assert_eq!(recorded, expected);
        }
    }
}
