//! One breakdown of a scope's finished attempts by a key (the unit, the category or the local
//! day), computed in the database by grouped passes and returned as integer [`Figures`] per
//! key, plus the figures of the whole scope that can be derived from the same passes (the
//! score distribution, the duration histogram and the overall median). Integers only, so that
//! a breakdown goes through the cache (JSON) exactly; means and rates are computed from them
//! when a response is built.
//!
//! The passes, each one read of the scope's attempts grouped in the database (at most a few
//! thousand rows come back, never one per attempt):
//!
//! 1. per key: participants, attempts, perfect attempts and participants, score sum, units
//!    (`COUNT(DISTINCT ...)`), and the attempts per number correct as one
//!    `SUM(CASE WHEN correct = i ...)` column each while the contest has at most
//!    [`INLINE_SCORES_MAX`] questions per attempt (nearly free in this pass; 200 such columns
//!    made it more than three times slower);
//! 2. with more questions, or when an attempt has a number correct outside 0..=questions
//!    (corrupt or from an earlier setting): per key and number correct, attempts;
//! 3. per key and duration group (`duration_ms / width`, [`group_width_ms`]): attempts (the
//!    duration histograms, from which each key's median group and offset follow:
//!    [`distribution::median_slot`]);
//! 4. after 3, per key and exact duration, only within the groups that hold a median:
//!    attempts; each key's median (and the whole scope's) is then read off in one pass over
//!    these few rows.
//!
//! The passes 1 to 3 are independent and run concurrently (on PostgreSQL, on their own
//! connections).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, FromQueryResult, QueryResult, Statement, TryGetable,
};
use serde::{Deserialize, Serialize};

use cuocthi_store::ApiError;

use super::distribution::{self, group_width_ms};
use super::{mean, Binds, Scope};

/// The integer figures of one group of finished attempts (a unit, a category, a day, or the
/// whole scope).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Distinct people with a finished attempt.
    pub participants: i64,
    /// Finished attempts.
    pub attempts: i64,
    /// Perfect attempts.
    pub perfect_attempts: i64,
    /// Distinct people with a perfect attempt.
    pub perfect_participants: i64,
    /// Distinct units with a finished attempt (for a unit's own figures: 1, or 0 without
    /// attempts).
    pub units_participating: i64,
    /// The sum of the scores (points) of the attempts that have one.
    pub score_sum: i64,
    /// Attempts with a score.
    pub scored: i64,
    /// Attempts by number correct, index 0..=top (the same length for every key of a
    /// breakdown: at least `questions_per_attempt + 1`).
    pub score_distribution: Vec<i64>,
    /// The lower-middle duration in milliseconds (an observed one); `None` without durations.
    pub median_duration_ms: Option<i64>,
}

impl Figures {
    /// Zeros, with a score distribution of `len` zeros.
    pub fn empty(len: usize) -> Self {
        Self {
            score_distribution: vec![0; len],
            ..Self::default()
        }
    }

    /// The mean score, unrounded; `None` without scored attempts.
    pub fn mean_score(&self) -> Option<f64> {
        mean(Some(self.score_sum), self.scored)
    }
}

/// A breakdown: the figures of each key that has finished attempts (keys in ascending order),
/// and what the whole scope's figures need besides sums.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown<K> {
    /// `(key, figures)`, keys ascending; keys without finished attempts are absent.
    pub rows: Vec<(K, Figures)>,
    /// The whole scope's attempts by number correct (the sum of the keys').
    pub score_distribution: Vec<i64>,
    /// The whole scope's duration histogram: `(group, attempts)`, groups ascending.
    pub histogram: Vec<(i64, i64)>,
    /// The whole scope's lower-middle duration in milliseconds.
    pub median_duration_ms: Option<i64>,
}

impl<K: Ord> Breakdown<K> {
    /// The figures of `key`, if it has finished attempts (a binary search: the rows are in
    /// ascending key order).
    pub fn get(&self, key: &K) -> Option<&Figures> {
        self.rows
            .binary_search_by(|(k, _)| k.cmp(key))
            .ok()
            .and_then(|i| self.rows.get(i))
            .map(|(_, f)| f)
    }

    /// The length of every score distribution of the breakdown.
    pub fn distribution_len(&self) -> usize {
        self.score_distribution.len()
    }
}

/// What a breakdown groups by.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    /// An SQL expression over the columns of `attempts` (text of our own only, no values
    /// from a request).
    pub sql: &'a str,
    /// Further conditions on the attempts, each starting with ` AND` (our own text only).
    pub extra: &'a str,
    /// Whether to count the distinct units of each key (not for the per-unit breakdown, where
    /// it is 1).
    pub count_units: bool,
}

/// A key's value read from a result row.
fn key<K: TryGetable>(res: &QueryResult, pre: &str) -> Result<K, DbErr> {
    res.try_get(pre, "k")
}

/// The most questions per attempt whose score distribution pass 1 counts itself.
pub const INLINE_SCORES_MAX: i32 = 40;

struct MainRow<K> {
    k: K,
    figures: Figures,
    /// Attempts whose number correct is outside the inline columns.
    other: i64,
}

/// Reads a pass-1 row with `inline` score columns `c0`.. (none when 0).
fn main_row<K: TryGetable>(res: &QueryResult, inline: usize) -> Result<MainRow<K>, DbErr> {
    let mut score_distribution = Vec::with_capacity(inline);
    for i in 0..inline {
        let n: Option<i64> = res.try_get("", &format!("c{i}"))?;
        score_distribution.push(n.unwrap_or(0));
    }
    let other: Option<i64> = if inline > 0 {
        res.try_get("", "c_other")?
    } else {
        None
    };
    let perfect_attempts: Option<i64> = res.try_get("", "perfect_attempts")?;
    let score_sum: Option<i64> = res.try_get("", "score_sum")?;
    Ok(MainRow {
        k: key(res, "")?,
        figures: Figures {
            participants: res.try_get("", "participants")?,
            attempts: res.try_get("", "attempts")?,
            perfect_attempts: perfect_attempts.unwrap_or(0),
            perfect_participants: res.try_get("", "perfect_participants")?,
            units_participating: res.try_get("", "units")?,
            score_sum: score_sum.unwrap_or(0),
            scored: res.try_get("", "scored")?,
            score_distribution,
            median_duration_ms: None,
        },
        other: other.unwrap_or(0),
    })
}

struct ScoreRow<K> {
    k: K,
    correct: Option<i32>,
    n: i64,
}

impl<K: TryGetable> FromQueryResult for ScoreRow<K> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            k: key(res, pre)?,
            correct: res.try_get(pre, "correct")?,
            n: res.try_get(pre, "n")?,
        })
    }
}

/// `(key, value, attempts)`: a duration group (pass 3) or an exact duration (pass 4).
struct ValueRow<K> {
    k: K,
    v: i64,
    n: i64,
}

impl<K: TryGetable> FromQueryResult for ValueRow<K> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            k: key(res, pre)?,
            v: res.try_get(pre, "v")?,
            n: res.try_get(pre, "n")?,
        })
    }
}

/// One grouped statement over the scope's finished attempts: `select` writes the outer
/// `SELECT ... FROM {rows} GROUP BY ...`, `{rows}` being the derived table of `columns` (and
/// `extra` conditions besides the key's).
fn statement(
    backend: DbBackend,
    scope: &Scope,
    key: Key<'_>,
    columns: &str,
    extra: &str,
    select: impl FnOnce(&mut Binds, &str) -> String,
) -> Statement {
    let mut binds = Binds::default();
    let rows = scope.finished_rows(
        &mut binds,
        backend,
        &format!("{} AS k, {columns}", key.sql),
        &format!("{}{extra}", key.extra),
    );
    let sql = select(&mut binds, &rows);
    Statement::from_sql_and_values(backend, sql, binds.into_values())
}

/// Runs [`statement`] and reads its rows as `R`.
async fn grouped<R: FromQueryResult>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    key: Key<'_>,
    columns: &str,
    extra: &str,
    select: impl FnOnce(&mut Binds, &str) -> String,
) -> Result<Vec<R>, ApiError> {
    let backend = db.get_database_backend();
    let statement = statement(backend, scope, key, columns, extra, select);
    Ok(R::find_by_statement(statement).all(db).await?)
}

/// Pass 1: the figures of each key, with `inline` score columns (0: none).
async fn main_pass<K: TryGetable>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    key: Key<'_>,
    inline: usize,
) -> Result<Vec<MainRow<K>>, ApiError> {
    let backend = db.get_database_backend();
    let statement = statement(
        backend,
        scope,
        key,
        "participant_id, unit_id, perfect, score, correct",
        "",
        |binds, rows| {
            let perfect = binds.bind(true);
            let units = if key.count_units {
                "COUNT(DISTINCT unit_id)"
            } else {
                "CAST(1 AS BIGINT)"
            };
            // Integers of our own, safe to inline.
            let mut scores = String::new();
            for i in 0..inline {
                scores.push_str(&format!(
                    ", SUM(CASE WHEN correct = {i} THEN 1 ELSE 0 END) AS c{i}"
                ));
            }
            if inline > 0 {
                let top = inline - 1;
                scores.push_str(&format!(
                    ", SUM(CASE WHEN correct < 0 OR correct > {top} THEN 1 ELSE 0 END) AS c_other"
                ));
            }
            format!(
                "SELECT k, COUNT(DISTINCT participant_id) AS participants, COUNT(*) AS attempts, \
                 SUM(CASE WHEN perfect = {perfect} THEN 1 ELSE 0 END) AS perfect_attempts, \
                 COUNT(DISTINCT CASE WHEN perfect = {perfect} THEN participant_id END) \
                 AS perfect_participants, SUM(score) AS score_sum, COUNT(score) AS scored, \
                 {units} AS units{scores} FROM {rows} GROUP BY k"
            )
        },
    );
    db.query_all(statement)
        .await?
        .iter()
        .map(|res| main_row(res, inline).map_err(ApiError::from))
        .collect()
}

/// Pass 2: `(key, number correct, attempts)`.
async fn score_pass<K: TryGetable>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    key: Key<'_>,
) -> Result<Vec<ScoreRow<K>>, ApiError> {
    grouped(db, scope, key, "correct", "", |_, rows| {
        format!("SELECT k, correct, COUNT(*) AS n FROM {rows} GROUP BY k, correct")
    })
    .await
}

/// The `offset`-th (0-based, ascending) duration among `(duration, attempts)` pairs; when
/// the pairs hold fewer (the data changed between two passes), the largest one.
fn nth(values: &mut [(i64, i64)], offset: i64) -> Option<i64> {
    values.sort_unstable();
    let mut before = 0;
    for &(value, attempts) in values.iter() {
        before += attempts;
        if offset < before {
            return Some(value);
        }
    }
    values.last().map(|v| v.0)
}

/// Computes the breakdown of the scope's finished attempts by `key`: see the module's
/// passes. `questions` is the contest's `questions_per_attempt` (the score distributions
/// have at least `questions + 1` entries, more if an attempt has more right), and
/// `time_limit_secs` sizes the duration groups.
pub async fn compute<K>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    key: Key<'_>,
    questions: i32,
    time_limit_secs: i32,
) -> Result<Breakdown<K>, ApiError>
where
    K: TryGetable + Ord + Hash + Clone + Send + Sync,
{
    let width = group_width_ms(time_limit_secs);
    let inline = match usize::try_from(questions) {
        Ok(q) if questions <= INLINE_SCORES_MAX => q + 1,
        _ => 0,
    };
    let main = main_pass::<K>(db, scope, key, inline);
    let scores = async {
        if inline == 0 {
            score_pass::<K>(db, scope, key).await.map(Some)
        } else {
            Ok(None)
        }
    };
    // `width` is an integer of our own, safe to inline.
    let group = format!("duration_ms / {width} AS v");
    let histogram = grouped::<ValueRow<K>>(
        db,
        scope,
        key,
        &group,
        " AND duration_ms IS NOT NULL",
        |_, rows| format!("SELECT k, v, COUNT(*) AS n FROM {rows} GROUP BY k, v"),
    );
    let (main, scores, histogram) = futures::try_join!(main, scores, histogram)?;
    let scores = match scores {
        Some(scores) => Some(scores),
        None if main.iter().any(|r| r.other > 0) => Some(score_pass::<K>(db, scope, key).await?),
        None => None,
    };

    // Score distributions, one length for all: at least questions + 1.
    let top = scores
        .iter()
        .flatten()
        .filter_map(|s| s.correct)
        .max()
        .unwrap_or(0)
        .max(questions)
        .max(0);
    let len = usize::try_from(top).unwrap_or(0) + 1;
    let mut figures: BTreeMap<K, Figures> = BTreeMap::new();
    for row in main {
        let mut f = row.figures;
        if scores.is_some() {
            f.score_distribution.clear();
        }
        f.score_distribution.resize(len, 0);
        figures.insert(row.k, f);
    }
    for row in scores.into_iter().flatten() {
        let Some(index) = row.correct.and_then(|c| usize::try_from(c).ok()) else {
            continue;
        };
        let entry = figures.entry(row.k).or_insert_with(|| Figures::empty(len));
        if let Some(slot) = entry.score_distribution.get_mut(index) {
            *slot += row.n;
        }
    }
    let mut overall_scores = vec![0; len];
    for f in figures.values() {
        for (total, n) in overall_scores.iter_mut().zip(&f.score_distribution) {
            *total += n;
        }
    }

    // Where each median lies, and the one for the whole scope.
    let mut groups: HashMap<K, Vec<(i64, i64)>> = HashMap::new();
    let mut overall: BTreeMap<i64, i64> = BTreeMap::new();
    for row in histogram {
        *overall.entry(row.v).or_insert(0) += row.n;
        groups.entry(row.k).or_default().push((row.v, row.n));
    }
    let overall: Vec<(i64, i64)> = overall.into_iter().collect();
    let overall_slot = distribution::median_slot(&overall);
    let slots: HashMap<K, (i64, i64)> = groups
        .into_iter()
        .filter_map(|(k, g)| distribution::median_slot(&g).map(|slot| (k, slot)))
        .collect();
    let wanted: BTreeSet<i64> = slots
        .values()
        .map(|s| s.0)
        .chain(overall_slot.map(|s| s.0))
        .collect();

    let mut overall_median = None;
    if !wanted.is_empty() {
        let list = wanted
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let exact = grouped::<ValueRow<K>>(
            db,
            scope,
            key,
            "duration_ms AS v",
            &format!(" AND duration_ms IS NOT NULL AND duration_ms / {width} IN ({list})"),
            |_, rows| format!("SELECT k, v, COUNT(*) AS n FROM {rows} GROUP BY k, v"),
        )
        .await?;
        let mut per_key: HashMap<K, Vec<(i64, i64)>> = HashMap::new();
        let mut in_overall_group: BTreeMap<i64, i64> = BTreeMap::new();
        for row in exact {
            let group = row.v / width;
            if overall_slot.is_some_and(|s| s.0 == group) {
                *in_overall_group.entry(row.v).or_insert(0) += row.n;
            }
            if slots.get(&row.k).is_some_and(|s| s.0 == group) {
                per_key.entry(row.k).or_default().push((row.v, row.n));
            }
        }
        for (k, mut values) in per_key {
            if let (Some(slot), Some(f)) = (slots.get(&k), figures.get_mut(&k)) {
                f.median_duration_ms = nth(&mut values, slot.1);
            }
        }
        if let Some(slot) = overall_slot {
            let mut values: Vec<(i64, i64)> = in_overall_group.into_iter().collect();
            overall_median = nth(&mut values, slot.1);
        }
    }

    Ok(Breakdown {
        rows: figures.into_iter().collect(),
        score_distribution: overall_scores,
        histogram: overall,
        median_duration_ms: overall_median,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nth_duration_counts_repeats() {
        let mut values = vec![(30, 2), (10, 1), (20, 3)];
        let picks: Vec<Option<i64>> = (0..7).map(|i| nth(&mut values, i)).collect();
        assert_eq!(
            picks,
            vec![
                Some(10),
                Some(20),
                Some(20),
                Some(20),
                Some(30),
                Some(30),
                Some(30)
            ]
        );
        assert_eq!(nth(&mut [], 0), None);
    }

    #[test]
    fn figures_give_their_mean() {
        let f = Figures {
            score_sum: 18,
            scored: 7,
            ..Figures::empty(5)
        };
        assert_eq!(f.mean_score(), Some(18.0 / 7.0));
        assert_eq!(Figures::empty(3).mean_score(), None);
        assert_eq!(Figures::empty(3).score_distribution, vec![0, 0, 0]);
    }
}
