//! The figures, each from a few aggregate queries over the scope's attempts (one pass each,
//! grouped in the database, nothing but the aggregates sent back). Counting rules in the
//! module above.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Statement};
use uuid::Uuid;

use cuocthi_store::entities::{category, contest, unit};
use cuocthi_store::ApiError;

use super::calendar::DayClock;
use super::distribution::{self, group_width_ms};
use super::{mean, Binds, CategoryStats, DayStats, Scope, StatsSummary, UnitStats};

/// The name of the row of attempts without a category.
pub const NO_CATEGORY: &str = "Không có đối tượng";

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

#[derive(FromQueryResult)]
struct ScoreDurationGroup {
    correct: Option<i32>,
    b: Option<i64>,
    n: i64,
}

#[derive(FromQueryResult)]
struct CategoryDurationGroup {
    category: Option<String>,
    b: i64,
    n: i64,
}

#[derive(FromQueryResult)]
struct Duration {
    d: i64,
}

#[derive(FromQueryResult)]
struct UnitRow {
    unit_id: Uuid,
    participants: i64,
    attempts: i64,
    perfect_attempts: Option<i64>,
    perfect_participants: i64,
    score_sum: Option<i64>,
    scored: i64,
}

#[derive(FromQueryResult)]
struct CategoryRow {
    category: Option<String>,
    participants: i64,
    attempts: i64,
    perfect_attempts: Option<i64>,
    perfect_participants: i64,
    score_sum: Option<i64>,
    scored: i64,
}

#[derive(FromQueryResult)]
struct DayRow {
    day: i64,
    attempts: i64,
    perfect_attempts: Option<i64>,
    active_participants: i64,
}

#[derive(FromQueryResult)]
struct NewRow {
    day: i64,
    n: i64,
}

/// The aggregate columns every breakdown shares (after `SELECT key, `).
fn aggregates(perfect: &str) -> String {
    format!(
        "COUNT(DISTINCT participant_id) AS participants, COUNT(*) AS attempts, \
         SUM(CASE WHEN perfect = {perfect} THEN 1 ELSE 0 END) AS perfect_attempts, \
         COUNT(DISTINCT CASE WHEN perfect = {perfect} THEN participant_id END) AS perfect_participants, \
         SUM(score) AS score_sum, COUNT(score) AS scored"
    )
}

/// The summary of a scope; `questions` sizes the score distribution. Looks the contest up for
/// its time limit; [`summary_for`] does the same with the contest at hand.
pub async fn summary(
    db: &impl ConnectionTrait,
    scope: &Scope,
    questions: i32,
    units_total: i64,
) -> Result<StatsSummary, ApiError> {
    let contest = contest::Entity::find_by_id(scope.contest_id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut body = summary_for(db, scope, &contest, units_total).await?;
    if questions != contest.questions_per_attempt {
        let top = body
            .score_distribution
            .len()
            .max(questions.max(0) as usize + 1);
        body.score_distribution.resize(top, 0);
    }
    Ok(body)
}

/// The summary of a scope of `contest` (its `questions_per_attempt` sizes the score
/// distribution, its `time_limit_secs` the duration buckets). Four queries: the per-unit
/// aggregate (summed: a participant belongs to one unit, which their attempts carry), the
/// attempts in progress, the scores by duration group, and the median's one duration.
pub async fn summary_for(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contest: &contest::Model,
    units_total: i64,
) -> Result<StatsSummary, ApiError> {
    let rows = unit_rows(db, scope).await?;
    summary_with(db, scope, contest, units_total, &rows).await
}

/// The summary and the per-unit table of a scope, from one per-unit aggregate (the report
/// needs both).
pub async fn summary_and_units(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contest: &contest::Model,
    units: &[unit::Model],
) -> Result<(StatsSummary, Vec<UnitStats>), ApiError> {
    let rows = unit_rows(db, scope).await?;
    let summary = summary_with(db, scope, contest, units.len() as i64, &rows).await?;
    Ok((summary, unit_table(units, rows)))
}

async fn summary_with(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contest: &contest::Model,
    units_total: i64,
    unit_rows: &[UnitRow],
) -> Result<StatsSummary, ApiError> {
    let backend = db.get_database_backend();
    let mut binds = Binds::default();
    let in_progress = scope.in_progress(&mut binds);
    let in_progress = Count::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!("SELECT COUNT(*) AS n FROM attempts WHERE {in_progress}"),
        binds.into_values(),
    ))
    .one(db)
    .await?
    .map_or(0, |c| c.n);

    // Scores and durations in one pass: (correct, duration group) pairs, at most
    // (questions + 1) × 1,001 of them.
    let width = group_width_ms(contest.time_limit_secs);
    let mut binds = Binds::default();
    let rows = scope.finished_rows(&mut binds, backend, "correct, duration_ms", "");
    let pairs = ScoreDurationGroup::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT correct, duration_ms / {width} AS b, COUNT(*) AS n FROM {rows} \
             GROUP BY correct, duration_ms / {width}"
        ),
        binds.into_values(),
    ))
    .all(db)
    .await?;
    let top = pairs
        .iter()
        .filter_map(|p| p.correct)
        .max()
        .unwrap_or(0)
        .max(contest.questions_per_attempt)
        .max(0) as usize;
    let mut score_distribution = vec![0i64; top + 1];
    let mut groups: BTreeMap<i64, i64> = BTreeMap::new();
    for pair in pairs {
        if let Some(slot) = pair
            .correct
            .and_then(|c| usize::try_from(c).ok())
            .and_then(|c| score_distribution.get_mut(c))
        {
            *slot += pair.n;
        }
        if let Some(b) = pair.b {
            *groups.entry(b).or_insert(0) += pair.n;
        }
    }
    let groups: Vec<(i64, i64)> = groups.into_iter().collect();
    let median_duration_ms = median(db, scope, None, width, &groups).await?;

    let sum = |f: fn(&UnitRow) -> i64| unit_rows.iter().map(f).sum::<i64>();
    let score_sum = unit_rows.iter().filter_map(|r| r.score_sum).sum::<i64>();
    Ok(StatsSummary {
        participants: sum(|r| r.participants),
        attempts: sum(|r| r.attempts),
        perfect_participants: sum(|r| r.perfect_participants),
        perfect_attempts: sum(|r| r.perfect_attempts.unwrap_or(0)),
        units_participating: unit_rows.iter().filter(|r| r.participants > 0).count() as i64,
        units_total,
        score_distribution,
        in_progress,
        mean_score: mean(Some(score_sum), sum(|r| r.scored)),
        median_duration_ms,
        duration_distribution: distribution::buckets(contest.time_limit_secs, &groups),
    })
}

/// Which attempts a median looks at within the scope: all, those of one category, or those
/// without one.
type CategoryFilter<'a> = Option<Option<&'a str>>;

/// The lower-middle duration of the scope's finished attempts (of one category when
/// `category` is `Some`), given their histogram: reads the one duration at the slot that
/// [`distribution::median_slot`] names, within its group.
async fn median(
    db: &impl ConnectionTrait,
    scope: &Scope,
    category: CategoryFilter<'_>,
    width: i64,
    groups: &[(i64, i64)],
) -> Result<Option<i64>, ApiError> {
    let Some((group, offset)) = distribution::median_slot(groups) else {
        return Ok(None);
    };
    let mut binds = Binds::default();
    let mut filter = scope.finished(&mut binds);
    match category {
        None => {}
        Some(None) => filter.push_str(" AND category IS NULL"),
        Some(Some(code)) => filter.push_str(&format!(" AND category = {}", binds.bind(code))),
    }
    // Integers of our own, safe to inline.
    let (lo, hi) = (group * width, (group + 1) * width);
    let row = Duration::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "SELECT duration_ms AS d FROM attempts WHERE {filter} \
             AND duration_ms >= {lo} AND duration_ms < {hi} \
             ORDER BY duration_ms LIMIT 1 OFFSET {offset}"
        ),
        binds.into_values(),
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.d))
}

/// The per-unit aggregate of a scope: one row per unit with a finished attempt.
async fn unit_rows(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<UnitRow>, ApiError> {
    let backend = db.get_database_backend();
    let mut binds = Binds::default();
    let rows = scope.finished_rows(
        &mut binds,
        backend,
        "unit_id, participant_id, perfect, score",
        "",
    );
    let perfect = binds.bind(true);
    Ok(UnitRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT unit_id, {} FROM {rows} GROUP BY unit_id",
            aggregates(&perfect)
        ),
        binds.into_values(),
    ))
    .all(db)
    .await?)
}

fn unit_table(units: &[unit::Model], rows: Vec<UnitRow>) -> Vec<UnitStats> {
    let by_unit: HashMap<Uuid, UnitRow> = rows.into_iter().map(|r| (r.unit_id, r)).collect();
    units
        .iter()
        .map(|u| {
            let row = by_unit.get(&u.id);
            let participants = row.map_or(0, |r| r.participants);
            UnitStats {
                unit_code: u.code.clone(),
                unit_name: u.name.clone(),
                block: u.block.clone(),
                headcount: u.headcount,
                participants,
                attempts: row.map_or(0, |r| r.attempts),
                perfect_participants: row.map_or(0, |r| r.perfect_participants),
                perfect_attempts: row.and_then(|r| r.perfect_attempts).unwrap_or(0),
                participation_rate: u
                    .headcount
                    .filter(|h| *h > 0)
                    .map(|h| participants as f64 / f64::from(h)),
                mean_score: row.and_then(|r| mean(r.score_sum, r.scored)),
            }
        })
        .collect()
}

/// One row per unit of the scope (zeros included), in the order of `units`: one aggregate
/// query over the scope's finished attempts grouped by unit.
pub async fn per_unit(
    db: &impl ConnectionTrait,
    scope: &Scope,
    units: &[unit::Model],
) -> Result<Vec<UnitStats>, ApiError> {
    Ok(unit_table(units, unit_rows(db, scope).await?))
}

/// One row per category: every category of the contest in its order (zeros included), then
/// codes found on attempts that the contest does not list (by code), then the attempts
/// without a category (when there are any).
pub async fn per_category(
    db: &impl ConnectionTrait,
    scope: &Scope,
    categories: &[category::Model],
    time_limit_secs: i32,
) -> Result<Vec<CategoryStats>, ApiError> {
    let backend = db.get_database_backend();
    let mut binds = Binds::default();
    let rows = scope.finished_rows(
        &mut binds,
        backend,
        "category, participant_id, perfect, score",
        "",
    );
    let perfect = binds.bind(true);
    let rows = CategoryRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT category, {} FROM {rows} GROUP BY category",
            aggregates(&perfect)
        ),
        binds.into_values(),
    ))
    .all(db)
    .await?;

    let width = group_width_ms(time_limit_secs);
    let mut binds = Binds::default();
    let source = scope.finished_rows(
        &mut binds,
        backend,
        "category, duration_ms",
        " AND duration_ms IS NOT NULL",
    );
    let mut groups: HashMap<Option<String>, Vec<(i64, i64)>> = HashMap::new();
    for g in CategoryDurationGroup::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT category, duration_ms / {width} AS b, COUNT(*) AS n FROM {source} \
             GROUP BY category, duration_ms / {width}"
        ),
        binds.into_values(),
    ))
    .all(db)
    .await?
    {
        groups.entry(g.category).or_default().push((g.b, g.n));
    }

    let mut by_code: HashMap<Option<String>, CategoryRow> =
        rows.into_iter().map(|r| (r.category.clone(), r)).collect();
    let mut keys: Vec<(Option<String>, String)> = categories
        .iter()
        .map(|c| (Some(c.code.clone()), c.name.clone()))
        .collect();
    let listed: Vec<Option<String>> = keys.iter().map(|k| k.0.clone()).collect();
    let mut unlisted: Vec<String> = by_code
        .keys()
        .filter(|k| k.is_some() && !listed.contains(k))
        .filter_map(Clone::clone)
        .collect();
    unlisted.sort();
    keys.extend(unlisted.into_iter().map(|code| (Some(code.clone()), code)));
    if by_code.contains_key(&None) {
        keys.push((None, NO_CATEGORY.to_owned()));
    }

    let mut out = Vec::with_capacity(keys.len());
    for (code, name) in keys {
        let row = by_code.remove(&code);
        let median_duration_ms = match groups.get(&code) {
            Some(g) => median(db, scope, Some(code.as_deref()), width, g).await?,
            None => None,
        };
        out.push(CategoryStats {
            category_code: code,
            category_name: name,
            participants: row.as_ref().map_or(0, |r| r.participants),
            attempts: row.as_ref().map_or(0, |r| r.attempts),
            perfect_participants: row.as_ref().map_or(0, |r| r.perfect_participants),
            perfect_attempts: row.as_ref().and_then(|r| r.perfect_attempts).unwrap_or(0),
            mean_score: row.as_ref().and_then(|r| mean(r.score_sum, r.scored)),
            median_duration_ms,
        });
    }
    Ok(out)
}

/// One row per local calendar day of `clock` from the first to the last day with a finished
/// attempt in the scope (days without any included, with zeros); empty without attempts.
/// An attempt belongs to the day it finished (`submitted_at`; for an expired attempt, its
/// deadline).
pub async fn per_day(
    db: &impl ConnectionTrait,
    scope: &Scope,
    clock: &DayClock,
) -> Result<Vec<DayStats>, ApiError> {
    let backend = db.get_database_backend();
    let mut binds = Binds::default();
    let day = clock.sql_day("submitted_at");
    let rows = scope.finished_rows(
        &mut binds,
        backend,
        &format!("{day} AS day, participant_id, perfect"),
        " AND submitted_at IS NOT NULL",
    );
    let perfect = binds.bind(true);
    let days = DayRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT day, COUNT(*) AS attempts, \
             SUM(CASE WHEN perfect = {perfect} THEN 1 ELSE 0 END) AS perfect_attempts, \
             COUNT(DISTINCT participant_id) AS active_participants \
             FROM {rows} GROUP BY day"
        ),
        binds.into_values(),
    ))
    .all(db)
    .await?;

    let mut binds = Binds::default();
    let first_day = clock.sql_day("first_at");
    let rows = scope.finished_rows(
        &mut binds,
        backend,
        "participant_id, submitted_at",
        " AND submitted_at IS NOT NULL",
    );
    let new = NewRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT day, COUNT(*) AS n FROM (SELECT {first_day} AS day FROM \
             (SELECT participant_id, MIN(submitted_at) AS first_at FROM {rows} \
              GROUP BY participant_id) p) t GROUP BY day"
        ),
        binds.into_values(),
    ))
    .all(db)
    .await?;
    let new: HashMap<i64, i64> = new.into_iter().map(|r| (r.day, r.n)).collect();
    let days: BTreeMap<i64, DayRow> = days.into_iter().map(|r| (r.day, r)).collect();
    let (Some(first), Some(last)) = (days.keys().next().copied(), days.keys().last().copied())
    else {
        return Ok(Vec::new());
    };
    // Every day of the span, zeros included (a span of more than ten years can only come from
    // corrupt times: then only the days with attempts).
    let span: Vec<i64> = if last - first <= 3_660 {
        (first..=last).collect()
    } else {
        days.keys().copied().collect()
    };
    let mut to_date = 0;
    Ok(span
        .into_iter()
        .map(|d| {
            let row = days.get(&d);
            let new_participants = new.get(&d).copied().unwrap_or(0);
            to_date += new_participants;
            DayStats {
                date: DayClock::date(d).to_string(),
                new_participants,
                active_participants: row.map_or(0, |r| r.active_participants),
                participants_to_date: to_date,
                attempts: row.map_or(0, |r| r.attempts),
                perfect_attempts: row.and_then(|r| r.perfect_attempts).unwrap_or(0),
            }
        })
        .collect())
}
