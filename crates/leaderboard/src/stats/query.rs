//! The figures: each breakdown from a few grouped passes over the scope's attempts
//! ([`breakdown`](super::breakdown)), and the API's rows built from them. Counting rules in the
//! module above.
//!
//! The database work ([`unit_figures`], [`category_figures`], [`day_figures`]) returns integer
//! figures that the handlers keep in the shared cache for a few seconds; the rows
//! ([`summary_of`], [`unit_table`], [`category_table`], [`day_table`]) are built from them,
//! with the units' and categories' names as they are now.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use cuocthi_store::entities::{category, contest, unit};
use cuocthi_store::ApiError;

use super::breakdown::{self, Breakdown, Figures, Key};
use super::calendar::DayClock;
use super::distribution;
use super::{Binds, CategoryStats, DayStats, Scope, StatsSummary, UnitStats};

/// The name of the row of attempts without a category.
pub const NO_CATEGORY: &str = "Không có đối tượng";

/// The longest span of days listed one by one, zeros included (ten years); a longer span can
/// only come from corrupt times, and then only the days with attempts are listed.
const MAX_DAY_SPAN: i64 = 3_660;

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

#[derive(FromQueryResult)]
struct NewRow {
    day: i64,
    n: i64,
}

/// What the summary and the per-unit table are computed from (one computation for both):
/// the per-unit breakdown and the attempts in progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitFigures {
    /// Figures per unit id, and the scope's score distribution, histogram and median.
    pub breakdown: Breakdown<Uuid>,
    /// Attempts of the scope not yet finished.
    pub in_progress: i64,
}

/// What the per-category table is computed from.
pub type CategoryFigures = Breakdown<Option<String>>;

/// What the per-day table is computed from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayFigures {
    /// Figures per local day number (days since 1970-01-01 in the contest's zone).
    pub breakdown: Breakdown<i64>,
    /// `(day, people whose first finished attempt in the scope finished that day)`.
    pub new_participants: Vec<(i64, i64)>,
}

/// The per-unit breakdown of a scope of `contest` and its attempts in progress: the grouped
/// passes of [`breakdown::compute`] by `unit_id`, and one count.
pub async fn unit_figures(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contest: &contest::Model,
) -> Result<UnitFigures, ApiError> {
    let key = Key {
        sql: "unit_id",
        extra: "",
        count_units: false,
    };
    let breakdown = breakdown::compute(
        db,
        scope,
        key,
        contest.questions_per_attempt,
        contest.time_limit_secs,
    );
    let (breakdown, in_progress) = futures::try_join!(breakdown, in_progress(db, scope))?;
    Ok(UnitFigures {
        breakdown,
        in_progress,
    })
}

async fn in_progress(db: &impl ConnectionTrait, scope: &Scope) -> Result<i64, ApiError> {
    let mut binds = Binds::default();
    let filter = scope.in_progress(&mut binds);
    Ok(Count::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM attempts WHERE {filter}"),
        binds.into_values(),
    ))
    .one(db)
    .await?
    .map_or(0, |c| c.n))
}

/// The summary of a scope of `contest` from its per-unit figures (sums over the units: a
/// participant belongs to one unit, which their attempts carry). `units_total` is the number
/// of units of the scope.
pub fn summary_of(
    figures: &UnitFigures,
    contest: &contest::Model,
    units_total: i64,
) -> StatsSummary {
    let rows = &figures.breakdown.rows;
    let sum = |f: fn(&Figures) -> i64| rows.iter().map(|(_, r)| f(r)).sum::<i64>();
    StatsSummary {
        participants: sum(|r| r.participants),
        attempts: sum(|r| r.attempts),
        perfect_participants: sum(|r| r.perfect_participants),
        perfect_attempts: sum(|r| r.perfect_attempts),
        units_participating: rows.iter().filter(|(_, r)| r.participants > 0).count() as i64,
        units_total,
        score_distribution: figures.breakdown.score_distribution.clone(),
        in_progress: figures.in_progress,
        mean_score: super::mean(Some(sum(|r| r.score_sum)), sum(|r| r.scored)),
        median_duration_ms: figures.breakdown.median_duration_ms,
        duration_distribution: distribution::buckets(
            contest.time_limit_secs,
            &figures.breakdown.histogram,
        ),
    }
}

/// One row per unit of `units` (zeros included), in their order.
pub fn unit_table(units: &[unit::Model], figures: &Breakdown<Uuid>) -> Vec<UnitStats> {
    let zeros = Figures::empty(figures.distribution_len());
    units
        .iter()
        .map(|u| {
            let f = figures.get(&u.id).unwrap_or(&zeros);
            UnitStats {
                unit_code: u.code.clone(),
                unit_name: u.name.clone(),
                block: u.block.clone(),
                headcount: u.headcount,
                participants: f.participants,
                attempts: f.attempts,
                perfect_participants: f.perfect_participants,
                perfect_attempts: f.perfect_attempts,
                participation_rate: u
                    .headcount
                    .filter(|h| *h > 0)
                    .map(|h| f.participants as f64 / f64::from(h)),
                mean_score: f.mean_score(),
                median_duration_ms: f.median_duration_ms,
                score_distribution: f.score_distribution.clone(),
            }
        })
        .collect()
}

/// The summary and the per-unit table of a scope, from one computation (no cache).
pub async fn summary_and_units(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contest: &contest::Model,
    units: &[unit::Model],
) -> Result<(StatsSummary, Vec<UnitStats>), ApiError> {
    let figures = unit_figures(db, scope, contest).await?;
    Ok((
        summary_of(&figures, contest, units.len() as i64),
        unit_table(units, &figures.breakdown),
    ))
}

/// One row per unit of the scope (zeros included), in the order of `units`, computed now (no
/// cache); looks the contest up for its number of questions and time limit.
pub async fn per_unit(
    db: &impl ConnectionTrait,
    scope: &Scope,
    units: &[unit::Model],
) -> Result<Vec<UnitStats>, ApiError> {
    let contest = contest::Entity::find_by_id(scope.contest_id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let figures = unit_figures(db, scope, &contest).await?;
    Ok(unit_table(units, &figures.breakdown))
}

/// The per-category breakdown of a scope of `contest` (by the `category` code attempts carry,
/// `None` for attempts without one).
pub async fn category_figures(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contest: &contest::Model,
) -> Result<CategoryFigures, ApiError> {
    let key = Key {
        sql: "category",
        extra: "",
        count_units: true,
    };
    breakdown::compute(
        db,
        scope,
        key,
        contest.questions_per_attempt,
        contest.time_limit_secs,
    )
    .await
}

/// One row per category: every category of the contest in its order (zeros included), then
/// codes found on attempts that the contest does not list (by code), then the attempts
/// without a category (when there are any).
pub fn category_table(
    categories: &[category::Model],
    figures: &CategoryFigures,
) -> Vec<CategoryStats> {
    let mut keys: Vec<(Option<String>, String)> = categories
        .iter()
        .map(|c| (Some(c.code.clone()), c.name.clone()))
        .collect();
    // Rows are in ascending key order: `None` first, then codes sorted.
    for (code, _) in &figures.rows {
        if let Some(code) = code {
            if !categories.iter().any(|c| &c.code == code) {
                keys.push((Some(code.clone()), code.clone()));
            }
        }
    }
    if figures.get(&None).is_some() {
        keys.push((None, NO_CATEGORY.to_owned()));
    }
    let zeros = Figures::empty(figures.distribution_len());
    keys.into_iter()
        .map(|(code, name)| {
            let f = figures.get(&code).unwrap_or(&zeros);
            CategoryStats {
                category_code: code,
                category_name: name,
                participants: f.participants,
                attempts: f.attempts,
                perfect_participants: f.perfect_participants,
                perfect_attempts: f.perfect_attempts,
                mean_score: f.mean_score(),
                median_duration_ms: f.median_duration_ms,
                units_participating: f.units_participating,
                score_distribution: f.score_distribution.clone(),
            }
        })
        .collect()
}

/// The per-day breakdown of a scope of `contest`: an attempt belongs to the local day
/// (`clock`) it finished (`submitted_at`; for an expired attempt, its deadline). Finish times
/// outside [`FIRST_DAY_MS`](super::calendar::FIRST_DAY_MS) ..=
/// [`LAST_DAY_MS`](super::calendar::LAST_DAY_MS) (corrupt) are left out, so that the
/// arithmetic on them cannot overflow.
pub async fn day_figures(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contest: &contest::Model,
    clock: &DayClock,
) -> Result<DayFigures, ApiError> {
    let day = clock.sql_day("submitted_at");
    let extra = format!(
        " AND submitted_at IS NOT NULL{}",
        DayClock::sql_bounds("submitted_at")
    );
    let key = Key {
        sql: &day,
        extra: &extra,
        count_units: true,
    };
    let breakdown = breakdown::compute(
        db,
        scope,
        key,
        contest.questions_per_attempt,
        contest.time_limit_secs,
    );

    let backend = db.get_database_backend();
    let mut binds = Binds::default();
    let first_day = clock.sql_day("first_at");
    let rows = scope.finished_rows(&mut binds, backend, "participant_id, submitted_at", &extra);
    let new = NewRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT day, COUNT(*) AS n FROM (SELECT {first_day} AS day FROM \
             (SELECT participant_id, MIN(submitted_at) AS first_at FROM {rows} \
              GROUP BY participant_id) p) t GROUP BY day"
        ),
        binds.into_values(),
    ))
    .all(db);
    let (breakdown, new) = futures::try_join!(breakdown, async { Ok(new.await?) })?;
    Ok(DayFigures {
        breakdown,
        new_participants: new.into_iter().map(|r| (r.day, r.n)).collect(),
    })
}

/// One row per local calendar day from the first to the last day with a finished attempt in
/// the scope (days without any included, with zeros); empty without attempts.
pub fn day_table(figures: &DayFigures) -> Vec<DayStats> {
    let new: BTreeMap<i64, i64> = figures.new_participants.iter().copied().collect();
    let rows = &figures.breakdown.rows;
    let (Some(first), Some(last)) = (rows.first().map(|r| r.0), rows.last().map(|r| r.0)) else {
        return Vec::new();
    };
    let span: Vec<i64> = match last.checked_sub(first) {
        Some(days) if days <= MAX_DAY_SPAN => (first..=last).collect(),
        _ => rows.iter().map(|r| r.0).collect(),
    };
    let zeros = Figures::empty(figures.breakdown.distribution_len());
    let mut to_date = 0;
    span.into_iter()
        .filter_map(|d| {
            let date = DayClock::date(d)?.to_string();
            let f = figures.breakdown.get(&d).unwrap_or(&zeros);
            let new_participants = new.get(&d).copied().unwrap_or(0);
            to_date += new_participants;
            Some(DayStats {
                date,
                new_participants,
                active_participants: f.participants,
                participants_to_date: to_date,
                attempts: f.attempts,
                perfect_attempts: f.perfect_attempts,
                perfect_participants: f.perfect_participants,
                mean_score: f.mean_score(),
                median_duration_ms: f.median_duration_ms,
                units_participating: f.units_participating,
                score_distribution: f.score_distribution.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(attempts: i64) -> Figures {
        Figures {
            participants: attempts,
            attempts,
            ..Figures::empty(2)
        }
    }

    #[test]
    fn days_span_from_first_to_last_with_zeros_and_skip_impossible_dates() {
        let day = DayFigures {
            breakdown: Breakdown {
                rows: vec![(20_000, figures(2)), (20_002, figures(1))],
                score_distribution: vec![0, 0],
                ..Breakdown::default()
            },
            new_participants: vec![(20_000, 2), (20_002, 1)],
        };
        let rows = day_table(&day);
        let dates: Vec<&str> = rows.iter().map(|r| r.date.as_str()).collect();
        assert_eq!(dates, ["2024-10-04", "2024-10-05", "2024-10-06"]);
        assert_eq!(rows[1].attempts, 0);
        assert_eq!(rows[1].score_distribution, vec![0, 0]);
        assert_eq!(rows[2].participants_to_date, 3);

        // Days no calendar has (corrupt times): neither a panic nor an endless list.
        let corrupt = DayFigures {
            breakdown: Breakdown {
                rows: vec![
                    (i64::MIN, figures(1)),
                    (20_000, figures(1)),
                    (i64::MAX, figures(1)),
                ],
                ..Breakdown::default()
            },
            new_participants: vec![(i64::MIN, 1), (20_000, 1), (i64::MAX, 1)],
        };
        let rows = day_table(&corrupt);
        let dates: Vec<&str> = rows.iter().map(|r| r.date.as_str()).collect();
        assert_eq!(dates, ["2024-10-04"]);
        assert_eq!(rows[0].participants_to_date, 1);
        assert!(day_table(&DayFigures::default()).is_empty());
    }
}
