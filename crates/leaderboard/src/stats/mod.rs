//! Participation statistics (spec/contest-rules.md "Statistics"): an attempt counts once it
//! has finished (`submitted` or `expired`); a participant counts once they have a finished
//! attempt in the scope; every unit (and every category of the contest) appears, with zeros
//! where nobody took part; days are calendar days in the contest's time zone. Computed by
//! aggregate queries over `attempts` (which carries each participant's unit and category),
//! never on the answer-save path. A unit manager's scope is their own unit, everywhere.
//!
//! - [`breakdown`]: the grouped passes that compute the integer figures of a breakdown;
//! - [`query`]: the figures (summary, per unit, per category, per day) and the API's rows;
//! - [`cache`]: the computed figures kept in the shared cache for [`cache::FRESH_MS`], so
//!   that a dashboard's refresh (and its `/stats` and `/stats/units`, which share one
//!   computation) costs one computation per scope every ten seconds at most;
//! - [`tables`]: the same figures as export tables and the report workbook;
//! - [`handlers`]: the endpoints; [`participants`]: the participants export;
//! - [`calendar`], [`distribution`]: the pure arithmetic of days and durations.

use sea_orm::{DbBackend, Value};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub mod breakdown;
pub mod cache;
pub mod calendar;
pub mod distribution;
pub mod handlers;
pub mod participants;
pub mod query;
pub mod tables;

pub use distribution::DurationBucket;
pub use handlers::{__path_summary_handler, __path_units_handler, summary_handler, units_handler};
pub use query::{per_unit, summary_and_units};
pub use tables::{unit_cells, UNIT_HEADINGS};

/// The summary of a contest or a round.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsSummary {
    /// Distinct people with a finished attempt.
    pub participants: i64,
    /// Finished attempts.
    pub attempts: i64,
    /// People with at least one perfect attempt.
    pub perfect_participants: i64,
    /// Perfect attempts.
    pub perfect_attempts: i64,
    /// Units with at least one participant.
    pub units_participating: i64,
    /// Units of the contest (of the unit manager: 1).
    pub units_total: i64,
    /// Finished attempts by number correct: index 0..=questions_per_attempt.
    pub score_distribution: Vec<i64>,
    /// Attempts not yet finished.
    pub in_progress: i64,
    /// Mean score (points) of the finished attempts, unrounded; null without any.
    pub mean_score: Option<f64>,
    /// Median duration of the finished attempts in milliseconds: for an even number of
    /// attempts the lower of the two middle ones (always an observed duration); null without
    /// any.
    pub median_duration_ms: Option<i64>,
    /// Finished attempts in ten equal buckets of the contest's time limit, the last one
    /// closed (an attempt that used the whole time is in it).
    pub duration_distribution: Vec<DurationBucket>,
}

/// One unit's row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitStats {
    /// Code.
    pub unit_code: String,
    /// Name.
    pub unit_name: String,
    /// Block.
    pub block: String,
    /// Expected participants, if set.
    pub headcount: Option<i32>,
    /// Distinct people with a finished attempt.
    pub participants: i64,
    /// Finished attempts.
    pub attempts: i64,
    /// People with a perfect attempt.
    pub perfect_participants: i64,
    /// Perfect attempts.
    pub perfect_attempts: i64,
    /// `participants / headcount`, unrounded; null without a headcount.
    pub participation_rate: Option<f64>,
    /// Mean score (points) of the unit's finished attempts, unrounded; null without any.
    pub mean_score: Option<f64>,
    /// Median duration in milliseconds (the lower middle, an observed duration); null
    /// without attempts.
    pub median_duration_ms: Option<i64>,
    /// The unit's finished attempts by number correct, index 0..=questions_per_attempt
    /// (JSON only: the `.csv`/`.xlsx` table leaves it out; the report's "Phân bố điểm" sheet
    /// has a column per unit).
    pub score_distribution: Vec<i64>,
}

/// One category's row (a category of the contest, a code found on attempts that the contest
/// no longer lists, or the attempts without a category).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryStats {
    /// The category's code; null for the row of attempts without a category.
    pub category_code: Option<String>,
    /// The category's name ("Không có đối tượng" for attempts without one; the code itself
    /// for a code the contest does not list).
    pub category_name: String,
    /// Distinct people with a finished attempt.
    pub participants: i64,
    /// Finished attempts.
    pub attempts: i64,
    /// People with a perfect attempt.
    pub perfect_participants: i64,
    /// Perfect attempts.
    pub perfect_attempts: i64,
    /// Mean score (points), unrounded; null without attempts.
    pub mean_score: Option<f64>,
    /// Median duration in milliseconds (the lower middle); null without attempts.
    pub median_duration_ms: Option<i64>,
    /// Units with a finished attempt of this category (out of the summary's `units_total`).
    pub units_participating: i64,
    /// Finished attempts by number correct, index 0..=questions_per_attempt (JSON only; the
    /// report's "Phân bố điểm" sheet has a column per category).
    pub score_distribution: Vec<i64>,
}

/// One calendar day's row (in the contest's time zone), by the finish time of attempts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayStats {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// People whose first finished attempt in the scope finished that day.
    pub new_participants: i64,
    /// Distinct people with an attempt finished that day.
    pub active_participants: i64,
    /// People with a finished attempt up to and including that day (the running sum of
    /// `new_participants`).
    pub participants_to_date: i64,
    /// Attempts finished that day.
    pub attempts: i64,
    /// Perfect attempts finished that day.
    pub perfect_attempts: i64,
    /// Distinct people with a perfect attempt finished that day.
    pub perfect_participants: i64,
    /// Mean score (points) of the attempts finished that day, unrounded; null without any.
    pub mean_score: Option<f64>,
    /// Median duration in milliseconds of the attempts finished that day (the lower middle);
    /// null without any.
    pub median_duration_ms: Option<i64>,
    /// Units with an attempt finished that day (out of the summary's `units_total`).
    pub units_participating: i64,
    /// Attempts finished that day by number correct, index 0..=questions_per_attempt (JSON
    /// only; the report's "Phân bố điểm" sheet has a column per day).
    pub score_distribution: Vec<i64>,
}

/// Scope and format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StatsQuery {
    /// Round number; the whole contest when absent.
    pub round: Option<i32>,
    /// `json` (default), `csv` or `xlsx` (breakdowns only).
    pub format: Option<String>,
}

/// Where the statistics look: a contest, maybe one round, maybe one unit.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The contest.
    pub contest_id: Uuid,
    /// The round, or the whole contest.
    pub round_id: Option<Uuid>,
    /// The unit (a unit manager's), or all.
    pub unit_id: Option<Uuid>,
}

/// Bound values of one statement, numbered `$1`, `$2`, ... as they are added.
#[derive(Debug, Default)]
pub(crate) struct Binds {
    values: Vec<Value>,
}

impl Binds {
    /// Adds a value and returns its placeholder.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    /// The values, in order.
    pub(crate) fn into_values(self) -> Vec<Value> {
        self.values
    }
}

impl Scope {
    /// The `WHERE` conditions of the scope's finished attempts (without `WHERE`): contest,
    /// not in progress, maybe round and unit. Every index on `attempts` that helps starts with
    /// one of these columns (`contest_id, unit_id`; `round_id, status`).
    pub(crate) fn finished(&self, binds: &mut Binds) -> String {
        let mut sql = format!(
            "contest_id = {} AND status <> {}",
            binds.bind(self.contest_id),
            binds.bind("in_progress")
        );
        self.narrow(binds, &mut sql);
        sql
    }

    /// The scope's finished attempts as a derived table `f` with `columns` (and `extra`
    /// conditions, starting with ` AND`), for an aggregate to read in one pass.
    ///
    /// On PostgreSQL the derived table is fenced (`OFFSET 0`), so that the planner picks its
    /// cheapest scan on its own merits and never an index scan only for the order it yields
    /// (the `(contest_id, unit_id)` index looks perfectly correlated, its leading column
    /// having one value per contest, and walking it for `GROUP BY unit_id` read a million
    /// attempts in random page order: 13 s instead of 1.3 s for the per-unit table on a
    /// million attempts). A unit manager's scope still uses that index to find their unit.
    pub(crate) fn finished_rows(
        &self,
        binds: &mut Binds,
        backend: DbBackend,
        columns: &str,
        extra: &str,
    ) -> String {
        let fence = if backend == DbBackend::Postgres {
            " OFFSET 0"
        } else {
            ""
        };
        format!(
            "(SELECT {columns} FROM attempts WHERE {}{extra}{fence}) f",
            self.finished(binds)
        )
    }

    /// The `WHERE` conditions of the scope's attempts in progress.
    pub(crate) fn in_progress(&self, binds: &mut Binds) -> String {
        let mut sql = format!(
            "contest_id = {} AND status = {}",
            binds.bind(self.contest_id),
            binds.bind("in_progress")
        );
        self.narrow(binds, &mut sql);
        sql
    }

    fn narrow(&self, binds: &mut Binds, sql: &mut String) {
        if let Some(round) = self.round_id {
            sql.push_str(&format!(" AND round_id = {}", binds.bind(round)));
        }
        if let Some(unit) = self.unit_id {
            sql.push_str(&format!(" AND unit_id = {}", binds.bind(unit)));
        }
    }
}

/// `sum / count` as a mean, `None` when nothing was counted.
pub(crate) fn mean(sum: Option<i64>, count: i64) -> Option<f64> {
    (count > 0).then(|| sum.unwrap_or(0) as f64 / count as f64)
}
