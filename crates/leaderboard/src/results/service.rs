//! Finalizing and publishing a round's results (spec/contest-rules.md "Ranking", "Prize
//! allocation", "Collective prizes", "Finalizing and publishing").
//!
//! The rules themselves live in `cuocthi_domain` (ranking, allocation, collective); this module
//! loads a round's finished attempts in bulk, hands them to those rules, and stores every
//! finalize call as a new version in `results`.

use std::collections::{HashMap, HashSet};

use futures::TryStreamExt;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, StreamTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use cuocthi_domain::allocation::{allocate_with_categories, export_csv, export_sha256};
use cuocthi_domain::collective::{collective, Unit};
use cuocthi_domain::explain::{against_of, explain_winner, ExplainValue, Explanation};
use cuocthi_domain::prizes::{Pools, PrizeRules};
use cuocthi_domain::ranking::{prediction_actual, rank, Entry, IdMap};
use cuocthi_domain::settings::{PredictionTarget, TieBreakKey};
use cuocthi_store::api::is_unique_violation;
use cuocthi_store::entities::{attempt, category, contest, participant, result, round, unit};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::tokens::sha256_hex;
use cuocthi_store::ApiError;

/// Longest accepted draw seed, in characters.
pub const MAX_SEED_CHARS: usize = 200;

/// One individual winner of a finalized result, in rank order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrizeOut {
    /// Tier code, e.g. `first`.
    pub tier: String,
    /// Tier display name, e.g. "Giải Nhất".
    pub tier_name: String,
    /// The category pool with `pools: by_category`; null otherwise.
    pub pool: Option<String>,
    /// Rank in the round's ranking.
    pub rank: u32,
    /// The participant.
    pub participant_id: Uuid,
    /// Full name.
    pub name: String,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Category code, if any.
    pub category: Option<String>,
    /// Score of the best attempt.
    pub score: i32,
    /// Correct answers of the best attempt.
    pub correct: i32,
    /// Prediction of the best attempt, if given.
    pub prediction: Option<i64>,
    /// `|prediction − actual|`, when both are known.
    pub prediction_error: Option<u64>,
    /// Duration of the best attempt, milliseconds.
    pub duration_ms: i64,
    /// The best attempt.
    pub attempt_id: Uuid,
    /// Its recorded finish.
    pub submitted_at: String,
    /// The key that put this winner ahead of the next participant (`draw` when only the draw
    /// did, `lottery` for a lottery tier); null for the last ranked participant.
    pub decided_by: Option<String>,
    /// Why this winner is ahead of the next participant of their pool (whether or not that one
    /// won), or how the lottery chose them; null for the last ranked participant, and in
    /// versions stored before explanations existed.
    #[serde(default)]
    pub explanation: Option<ExplanationOut>,
}

/// Why a winner is where they are (see `cuocthi_domain::explain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExplanationOut {
    /// Rank of the participant compared with (the next of the winner's pool); null for a
    /// lottery prize.
    pub against_rank: Option<u32>,
    /// Full name of the participant compared with; null for a lottery prize.
    pub against_name: Option<String>,
    /// What decided: `score`, `prediction_error`, `duration_ms`, `submitted_at`,
    /// `attempts_used`, `registered_at`, `draw` or `lottery`.
    pub key: String,
    /// The winner's value on that key: a number (milliseconds since the epoch for
    /// `submitted_at`/`registered_at`; null for a missing prediction), or a lowercase hex key
    /// for `draw` (the draw key) and `lottery` (the lottery key).
    pub value: serde_json::Value,
    /// The other participant's value, in the same form; null for a lottery prize.
    pub against_value: serde_json::Value,
    /// The explanation in Vietnamese.
    pub text_vi: String,
    /// The explanation in English.
    pub text_en: String,
}

impl From<Explanation> for ExplanationOut {
    fn from(e: Explanation) -> Self {
        let json = |v: Option<ExplainValue>| match v {
            None => serde_json::Value::Null,
            Some(ExplainValue::Int(n)) => serde_json::Value::from(n),
            Some(ExplainValue::UInt(n)) => serde_json::Value::from(n),
            Some(ExplainValue::Text(t)) => serde_json::Value::String(t),
        };
        ExplanationOut {
            against_rank: e.against_rank,
            against_name: e.against_name,
            key: e.key.as_str().to_owned(),
            value: json(e.value),
            against_value: json(e.against_value),
            text_vi: e.text_vi,
            text_en: e.text_en,
        }
    }
}

/// One winning unit of a finalized result, in rank order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CollectiveOut {
    /// Rank (within its block with `per_block`).
    pub rank: u32,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Block.
    pub block: String,
    /// Distinct participants with a finished attempt in the round.
    pub participants: u64,
    /// `participants / headcount`, unrounded; null without a headcount.
    pub participation_rate: Option<f64>,
}

/// Places of a tier nobody could take.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnawardedOut {
    /// Tier code.
    pub tier: String,
    /// The category pool with `pools: by_category`; null otherwise.
    pub pool: Option<String>,
    /// How many places stay empty.
    pub count: u32,
}

/// A finalized result: the finalize response, stored as is with its version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FinalizedResult {
    /// 1, 2, ... per round.
    pub version: i32,
    /// Round number.
    pub round: i32,
    /// The prediction target's actual value; null without a prediction question.
    pub actual: Option<i64>,
    /// Whether the round had a seed commitment (which the seed matched).
    pub seed_committed: bool,
    /// The draw seed used (anyone may recompute the draw with it).
    pub draw_seed: String,
    /// Individual winners in rank order.
    pub prizes: Vec<PrizeOut>,
    /// Winning units in rank order.
    pub collective: Vec<CollectiveOut>,
    /// Individual places nobody could take.
    pub unawarded: Vec<UnawardedOut>,
    /// Collective places nobody could take.
    pub collective_unawarded: u32,
    /// Lowercase hex SHA-256 of the canonical results export.
    pub export_sha256: String,
    /// When this version was made.
    pub finalized_at: String,
}

/// The rules in force, stored with each version: the same document `cuocthi verify` reads.
pub use cuocthi_domain::verify::Rules as RulesInForce;

/// A finished attempt as finalize reads it: id, participant, unit, score, correct, total,
/// prediction, duration, submitted_at, deadline (decoded by position: a million rows).
type AttemptRow = (
    Uuid,
    Uuid,
    Uuid,
    Option<i32>,
    Option<i32>,
    i32,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
);

/// A participant as finalize reads it: id, category, eligible, registered_at.
type ParticipantRow = (Uuid, Option<String>, bool, i64);

/// What ranking needs of a participant, with how many finished attempts they have.
struct Person {
    category: Option<String>,
    eligible: bool,
    registered_at: i64,
    used: u32,
}

#[derive(Debug, FromQueryResult)]
struct NameRow {
    id: Uuid,
    full_name: String,
}

/// Finds a contest by slug (404 otherwise).
pub async fn contest_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<contest::Model, ApiError> {
    contest::Entity::find()
        .filter(contest::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Finds round `number` of a contest (404 otherwise).
pub async fn round_by_number(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    number: i32,
) -> Result<round::Model, ApiError> {
    round::Entity::find()
        .filter(round::Column::ContestId.eq(contest_id))
        .filter(round::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// The problem with a draw seed, as a field code, or `None` when it is acceptable.
pub fn seed_problem(seed: Option<&serde_json::Value>) -> Option<&'static str> {
    match seed {
        None | Some(serde_json::Value::Null) => Some("required"),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Some("required"),
        Some(serde_json::Value::String(s)) if s.chars().count() > MAX_SEED_CHARS => {
            Some("too_long")
        }
        Some(serde_json::Value::String(_)) => None,
        Some(_) => Some("invalid_type"),
    }
}

/// 409 `round_open` unless the round can be finalized at `now_ms`: closed, and no attempt can
/// still change (none in progress; one still in progress past `close + grace` is being closed
/// by the sweep, and the caller is asked to try again).
pub async fn ensure_final(
    db: &impl ConnectionTrait,
    contest: &contest::Model,
    round: &round::Model,
    now_ms: i64,
) -> Result<(), ApiError> {
    let close = round
        .closed_early_at
        .map_or(round.closes_at, |c| c.min(round.closes_at));
    if now_ms < close {
        return Err(ApiError::conflict(
            "round_open",
            "the round has not closed yet",
        ));
    }
    let in_progress = attempt::Entity::find()
        .filter(attempt::Column::RoundId.eq(round.id))
        .filter(attempt::Column::Status.eq("in_progress"))
        .count(db)
        .await?;
    if in_progress > 0 {
        let settled = close.saturating_add(i64::from(contest.grace_secs.max(0)) * 1000);
        let message = if now_ms < settled {
            format!(
                "{in_progress} attempts may still change until {}",
                rfc3339_ms(settled)
            )
        } else {
            "attempts are still being closed; try again in a few seconds".to_owned()
        };
        return Err(ApiError::conflict("round_open", message));
    }
    Ok(())
}

/// 409 `seed_mismatch` when the round has a commitment the seed does not match; otherwise
/// whether there was a commitment.
pub fn check_seed(round: &round::Model, seed: &str) -> Result<bool, ApiError> {
    match &round.draw_seed_sha256 {
        None => Ok(false),
        Some(commitment) => {
            if sha256_hex(seed.as_bytes()) == commitment.trim().to_ascii_lowercase() {
                Ok(true)
            } else {
                Err(ApiError::conflict(
                    "seed_mismatch",
                    "sha256(draw_seed) does not match the round's draw_seed_sha256",
                ))
            }
        }
    }
}

fn parse_rules(contest: &contest::Model) -> Result<RulesInForce, ApiError> {
    let tie_breaks: Vec<TieBreakKey> =
        serde_json::from_str(&contest.tie_breaks).map_err(ApiError::internal)?;
    let prizes: PrizeRules = serde_json::from_str(&contest.prizes).map_err(ApiError::internal)?;
    let prediction_target = contest.prediction_question.as_ref().map(|_| {
        contest
            .prediction_target
            .as_deref()
            .and_then(PredictionTarget::from_stored)
            .unwrap_or_default()
    });
    Ok(RulesInForce {
        tie_breaks,
        prizes,
        prediction_target,
    })
}

/// The result a round's winners count from: its latest published version, else its latest.
fn effective_results(rows: Vec<result::Model>) -> HashMap<Uuid, result::Model> {
    let mut out: HashMap<Uuid, result::Model> = HashMap::new();
    for row in rows {
        let replace = match out.get(&row.round_id) {
            None => true,
            Some(current) => {
                (row.published_at.is_some(), row.version)
                    > (current.published_at.is_some(), current.version)
            }
        };
        if replace {
            out.insert(row.round_id, row);
        }
    }
    out
}

/// Participants who won an individual prize in an earlier round of the contest (its published
/// result, else its latest finalized one).
async fn previous_winners(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    number: i32,
) -> Result<HashSet<Uuid>, ApiError> {
    let earlier: Vec<Uuid> = round::Entity::find()
        .filter(round::Column::ContestId.eq(contest_id))
        .filter(round::Column::Number.lt(number))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if earlier.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = result::Entity::find()
        .filter(result::Column::RoundId.is_in(earlier))
        .all(db)
        .await?;
    let mut out = HashSet::new();
    for row in effective_results(rows).into_values() {
        let stored: FinalizedResult =
            serde_json::from_str(&row.result).map_err(ApiError::internal)?;
        out.extend(stored.prizes.iter().map(|p| p.participant_id));
    }
    Ok(out)
}

/// A round's result computed and not (yet) stored.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The result; its `version` is 0 until [`store`] gives it one.
    pub result: FinalizedResult,
    /// The canonical results export the result's `export_sha256` is the hash of.
    pub export_csv: String,
    /// The export LZ4-compressed (size prepended), as [`store`] keeps it; made when asked for.
    pub export_lz4: Option<Vec<u8>>,
    /// The rules in force, as stored with a version (`rules.json`).
    pub rules_json: String,
}

/// Finalizes a round: [`compute`], then [`store`] as a new version, which it returns. The
/// caller has checked [`ensure_final`] and [`check_seed`].
pub async fn finalize(
    db: &(impl ConnectionTrait + StreamTrait),
    contest: &contest::Model,
    round: &round::Model,
    seed: &str,
    seed_committed: bool,
    actor: &str,
    now_ms: i64,
) -> Result<FinalizedResult, ApiError> {
    let computed = compute(db, contest, round, seed, seed_committed, now_ms, true).await?;
    store(db, contest, round, computed, actor, now_ms).await
}

/// Computes a round's result without storing anything: ranks its finished attempts, allocates
/// the prizes (with an explanation per winner) and the collective prizes, and builds the
/// canonical export (and, with `compress_export`, its compressed copy for [`store`], made
/// alongside its hash). The same data, seed and time always give the same result. The caller
/// has checked [`ensure_final`] and [`check_seed`].
pub async fn compute(
    db: &(impl ConnectionTrait + StreamTrait),
    contest: &contest::Model,
    round: &round::Model,
    seed: &str,
    seed_committed: bool,
    now_ms: i64,
    compress_export: bool,
) -> Result<Computed, ApiError> {
    let rules = parse_rules(contest)?;

    let units = unit::Entity::find()
        .filter(unit::Column::ContestId.eq(contest.id))
        .order_by_asc(unit::Column::Position)
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await?;
    let unit_by_id: HashMap<Uuid, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let categories: Vec<String> = category::Entity::find()
        .filter(category::Column::ContestId.eq(contest.id))
        .order_by_asc(category::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();

    let started = std::time::Instant::now();
    // The two large reads run side by side (on a pool they take two connections); attempts
    // are decoded as they arrive, by column position.
    let attempts_query = async {
        let mut rows = attempt::Entity::find()
            .select_only()
            .columns([
                attempt::Column::Id,
                attempt::Column::ParticipantId,
                attempt::Column::UnitId,
                attempt::Column::Score,
                attempt::Column::Correct,
                attempt::Column::Total,
                attempt::Column::Prediction,
                attempt::Column::DurationMs,
                attempt::Column::SubmittedAt,
                attempt::Column::Deadline,
            ])
            .filter(attempt::Column::RoundId.eq(round.id))
            .filter(attempt::Column::Status.is_in(["submitted", "expired"]))
            .into_tuple::<AttemptRow>()
            .stream(db)
            .await?;
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(row);
        }
        Ok::<_, sea_orm::DbErr>(out)
    };
    let participants_query = participant::Entity::find()
        .select_only()
        .columns([
            participant::Column::Id,
            participant::Column::Category,
            participant::Column::Eligible,
            participant::Column::RegisteredAt,
        ])
        .filter(participant::Column::ContestId.eq(contest.id))
        .into_tuple::<ParticipantRow>()
        .all(db);
    let (attempts, participants) = futures::try_join!(attempts_query, participants_query)?;
    let loaded = started.elapsed();

    let mut people: IdMap<Person> = IdMap::default();
    people.reserve(participants.len());
    for (id, category, eligible, registered_at) in participants {
        people.insert(
            id.as_u128(),
            Person {
                category,
                eligible,
                registered_at,
                used: 0,
            },
        );
    }
    // How many finished attempts each participant has in the round (`strays`: attempts whose
    // participant row is missing, which the foreign key rules out; counted all the same).
    let mut strays: IdMap<u32> = IdMap::default();
    for a in &attempts {
        match people.get_mut(&a.1.as_u128()) {
            Some(person) => person.used += 1,
            None => *strays.entry(a.1.as_u128()).or_default() += 1,
        }
    }
    let entries: Vec<Entry> = attempts
        .into_iter()
        .map(
            |(
                id,
                participant_id,
                unit_id,
                score,
                correct,
                total,
                prediction,
                duration_ms,
                submitted_at,
                deadline,
            )| {
                let person = people.get(&participant_id.as_u128());
                Entry {
                    attempt_id: id,
                    participant_id,
                    unit_code: unit_by_id
                        .get(&unit_id)
                        .map(|u| u.code.clone())
                        .unwrap_or_default(),
                    category: person.and_then(|p| p.category.clone()),
                    eligible: person.is_some_and(|p| p.eligible),
                    score: score.unwrap_or(0),
                    correct: correct.unwrap_or(0),
                    total,
                    prediction,
                    duration_ms: duration_ms.unwrap_or(0),
                    submitted_at_ms: submitted_at.unwrap_or(deadline),
                    attempts_used: person.map_or_else(
                        || strays.get(&participant_id.as_u128()).copied().unwrap_or(1),
                        |p| p.used,
                    ),
                    registered_at_ms: person.map_or(0, |p| p.registered_at),
                }
            },
        )
        .collect();
    drop(people);

    let actual = rules
        .prediction_target
        .map(|target| prediction_actual(&entries, target));
    let previous = if rules.prizes.exclude_previous_winners {
        previous_winners(db, contest.id, round.number).await?
    } else {
        HashSet::new()
    };
    let collective_units: Vec<Unit> = units
        .iter()
        .map(|u| Unit {
            code: u.code.clone(),
            block: u.block.clone(),
            headcount: u.headcount.and_then(|h| u32::try_from(h).ok()),
        })
        .collect();
    let prepared = started.elapsed();
    // The pure part takes seconds for a large round: off the async workers.
    let work = {
        let rules = rules.clone();
        let seed = seed.to_owned();
        let compress = compress_export;
        move || {
            let ranking = rank(entries, &rules.tie_breaks, actual, &seed);
            let ranked = started.elapsed();
            let allocation =
                allocate_with_categories(&ranking, &rules.prizes, &previous, &seed, &categories);
            let collective_result = rules.prizes.collective.as_ref().map(|c| {
                collective(
                    &collective_units,
                    ranking.attempts.iter().map(|a| &a.entry),
                    &allocation.prizes_per_unit(),
                    c,
                )
            });
            let allocated = started.elapsed();
            let csv = export_csv(&ranking, &allocation);
            // The hash and, for storing, the compressed copy: side by side.
            let (sha, packed) = std::thread::scope(|scope| {
                let packer = compress
                    .then(|| scope.spawn(|| lz4_flex::compress_prepend_size(csv.as_bytes())));
                let sha = export_sha256(&csv);
                (sha, packer.map(|p| p.join()))
            });
            (
                ranking,
                allocation,
                collective_result,
                csv,
                sha,
                packed,
                ranked,
                allocated,
            )
        }
    };
    let (ranking, allocation, collective_result, csv, sha, packed, ranked, allocated) =
        tokio::task::spawn_blocking(work)
            .await
            .map_err(ApiError::internal)?;
    let export_lz4 = match packed {
        None => None,
        Some(Ok(bytes)) => Some(bytes),
        Some(Err(_)) => return Err(ApiError::internal("compressing the results export failed")),
    };
    tracing::info!(
        round = %round.id,
        attempts = ranking.attempts.len(),
        load_ms = loaded.as_millis() as u64,
        prepare_ms = (prepared - loaded).as_millis() as u64,
        rank_ms = (ranked - prepared).as_millis() as u64,
        allocate_ms = (allocated - ranked).as_millis() as u64,
        export_ms = (started.elapsed() - allocated).as_millis() as u64,
        "results computed"
    );

    // Names of the winners, and of the participants their explanations compare them with.
    let by_category = rules.prizes.pools == Pools::ByCategory;
    let winner_ids: Vec<Uuid> = allocation
        .winners
        .iter()
        .map(|w| w.entry.participant_id)
        .chain(
            allocation
                .winners
                .iter()
                .filter_map(|w| against_of(&ranking, w, by_category))
                .map(|row| row.entry.participant_id),
        )
        .collect::<HashSet<Uuid>>()
        .into_iter()
        .collect();
    let names: HashMap<Uuid, String> = if winner_ids.is_empty() {
        HashMap::new()
    } else {
        participant::Entity::find()
            .select_only()
            .columns([participant::Column::Id, participant::Column::FullName])
            .filter(participant::Column::Id.is_in(winner_ids))
            .into_model::<NameRow>()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.full_name))
            .collect()
    };
    let unit_by_code: HashMap<&str, &unit::Model> =
        units.iter().map(|u| (u.code.as_str(), u)).collect();
    let mut winners: Vec<&cuocthi_domain::allocation::Winner> = allocation.winners.iter().collect();
    winners.sort_by_key(|w| w.rank);
    let prizes: Vec<PrizeOut> = winners
        .into_iter()
        .map(|w| PrizeOut {
            tier: w.tier.clone(),
            tier_name: w.tier_name.clone(),
            pool: w.pool.clone(),
            rank: w.rank,
            participant_id: w.entry.participant_id,
            name: names
                .get(&w.entry.participant_id)
                .cloned()
                .unwrap_or_default(),
            unit_code: w.entry.unit_code.clone(),
            unit_name: unit_by_code
                .get(w.entry.unit_code.as_str())
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            category: w.entry.category.clone(),
            score: w.entry.score,
            correct: w.entry.correct,
            prediction: w.entry.prediction,
            prediction_error: w.prediction_error,
            duration_ms: w.entry.duration_ms,
            attempt_id: w.entry.attempt_id,
            submitted_at: rfc3339_ms(w.entry.submitted_at_ms),
            decided_by: w.decided_by.map(|d| d.as_str().to_owned()),
            explanation: explain_winner(&ranking, w, by_category, seed, |id| {
                names.get(&id).cloned().unwrap_or_default()
            })
            .map(ExplanationOut::from),
        })
        .collect();
    let (collective_out, collective_unawarded) = match &collective_result {
        Some(c) => (
            c.winners
                .iter()
                .map(|row| CollectiveOut {
                    rank: row.rank,
                    unit_code: row.stats.unit_code.clone(),
                    unit_name: unit_by_code
                        .get(row.stats.unit_code.as_str())
                        .map(|u| u.name.clone())
                        .unwrap_or_default(),
                    block: row.stats.block.clone(),
                    participants: row.stats.participants,
                    participation_rate: row.stats.participation_rate,
                })
                .collect(),
            c.unawarded.iter().map(|u| u.count).sum(),
        ),
        None => (Vec::new(), 0),
    };
    let unawarded: Vec<UnawardedOut> = allocation
        .unawarded
        .iter()
        .map(|u| UnawardedOut {
            tier: u.tier.clone(),
            pool: u.pool.clone(),
            count: u.count,
        })
        .collect();
    let rules_json = serde_json::to_string(&rules).map_err(ApiError::internal)?;
    Ok(Computed {
        result: FinalizedResult {
            version: 0,
            round: round.number,
            actual,
            seed_committed,
            draw_seed: seed.to_owned(),
            prizes,
            collective: collective_out,
            unawarded,
            collective_unawarded,
            export_sha256: sha,
            finalized_at: rfc3339_ms(now_ms),
        },
        export_csv: csv,
        export_lz4,
        rules_json,
    })
}

/// Stores a computed result as the round's next version (1, 2, ...) made by `actor` at
/// `now_ms`, and returns it with that version. Two racing calls never take the same number
/// (unique index); after five collisions, 409 `finalize_in_progress`.
pub async fn store(
    db: &impl ConnectionTrait,
    contest: &contest::Model,
    round: &round::Model,
    computed: Computed,
    actor: &str,
    now_ms: i64,
) -> Result<FinalizedResult, ApiError> {
    let Computed {
        result: computed,
        export_csv: csv,
        export_lz4,
        rules_json,
    } = computed;
    let seed = computed.draw_seed.as_str();
    let seed_committed = computed.seed_committed;
    let actual = computed.actual;
    let sha = computed.export_sha256.clone();

    // A new version every call; two racing calls cannot take the same number (unique index).
    let started = std::time::Instant::now();
    let compressed = match export_lz4 {
        Some(bytes) => bytes,
        None => {
            tokio::task::spawn_blocking(move || lz4_flex::compress_prepend_size(csv.as_bytes()))
                .await
                .map_err(ApiError::internal)?
        }
    };
    let mut attempt_no = 0;
    loop {
        attempt_no += 1;
        let latest: Option<i32> = result::Entity::find()
            .select_only()
            .column_as(Expr::col(result::Column::Version).max(), "v")
            .filter(result::Column::RoundId.eq(round.id))
            .into_tuple::<Option<i32>>()
            .one(db)
            .await?
            .flatten();
        let version = latest.unwrap_or(0) + 1;
        let body = FinalizedResult {
            version,
            ..computed.clone()
        };
        let row: Vec<(&str, sea_orm::Value)> = vec![
            ("id", Uuid::now_v7().into()),
            ("contest_id", contest.id.into()),
            ("round_id", round.id.into()),
            ("version", version.into()),
            ("created_at", now_ms.into()),
            (
                "created_by",
                actor.chars().take(64).collect::<String>().into(),
            ),
            ("seed", seed.to_owned().into()),
            ("seed_committed", seed_committed.into()),
            ("actual", actual.into()),
            ("rules", rules_json.clone().into()),
            (
                "result",
                serde_json::to_string(&body)
                    .map_err(ApiError::internal)?
                    .into(),
            ),
            ("export_csv", String::new().into()),
            ("export_lz4", Some(compressed.clone()).into()),
            ("export_sha256", sha.clone().into()),
            ("published_at", Option::<i64>::None.into()),
            ("needs_refinalize", false.into()),
        ];
        let mut insert = Query::insert();
        insert
            .into_table(result::Entity)
            .columns(row.iter().map(|(name, _)| Alias::new(*name)))
            .values(row.into_iter().map(|(_, value)| value.into()))
            .map_err(ApiError::internal)?;
        let inserted = db.execute(db.get_database_backend().build(&insert)).await;
        match inserted {
            Ok(_) => {
                tracing::info!(
                    round = %round.id,
                    version,
                    store_ms = started.elapsed().as_millis() as u64,
                    "result stored"
                );
                return Ok(body);
            }
            Err(e) if is_unique_violation(&e) && attempt_no < 5 => continue,
            Err(e) if is_unique_violation(&e) => {
                return Err(ApiError::conflict(
                    "finalize_in_progress",
                    "another finalize of this round is running; try again",
                ))
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The canonical results export of a stored version, as text: the LZ4-compressed copy of newer
/// rows, else the plain text of rows stored before compression. 404 for an unknown id; 500 if
/// the stored bytes are damaged (never a silently different file: the caller may check
/// `export_sha256`).
pub async fn load_export(db: &impl ConnectionTrait, result_id: Uuid) -> Result<String, ApiError> {
    let (plain, packed): (String, Option<Vec<u8>>) = result::Entity::find_by_id(result_id)
        .select_only()
        .column_as(Expr::col(Alias::new("export_csv")), "export_csv")
        .column_as(Expr::col(Alias::new("export_lz4")), "export_lz4")
        .into_tuple()
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    match packed {
        None => Ok(plain),
        Some(bytes) => tokio::task::spawn_blocking(move || {
            let raw = lz4_flex::decompress_size_prepended(&bytes).map_err(ApiError::internal)?;
            String::from_utf8(raw).map_err(ApiError::internal)
        })
        .await
        .map_err(ApiError::internal)?,
    }
}

/// The versions of a round's result, oldest first.
pub async fn versions(
    db: &impl ConnectionTrait,
    round_id: Uuid,
) -> Result<Vec<result::Model>, ApiError> {
    Ok(result::Entity::find()
        .filter(result::Column::RoundId.eq(round_id))
        .order_by_asc(result::Column::Version)
        .all(db)
        .await?)
}

/// Publishes the latest version of a round's result (409 `not_finalized` without one).
/// Publishing a version already public keeps its first publication time.
pub async fn publish(
    db: &impl ConnectionTrait,
    round_id: Uuid,
    now_ms: i64,
) -> Result<result::Model, ApiError> {
    let latest = result::Entity::find()
        .filter(result::Column::RoundId.eq(round_id))
        .order_by_desc(result::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::conflict("not_finalized", "the round has no finalized result yet")
        })?;
    if latest.published_at.is_some() {
        return Ok(latest);
    }
    result::Entity::update_many()
        .col_expr(result::Column::PublishedAt, Expr::value(now_ms))
        .filter(result::Column::Id.eq(latest.id))
        .filter(result::Column::PublishedAt.is_null())
        .exec(db)
        .await?;
    Ok(result::Entity::find_by_id(latest.id)
        .one(db)
        .await?
        .unwrap_or(result::Model {
            published_at: Some(now_ms),
            ..latest
        }))
}

/// The published results of a contest: per round, its latest published version, by round.
pub async fn published(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
) -> Result<Vec<FinalizedResult>, ApiError> {
    let rows = result::Entity::find()
        .filter(result::Column::ContestId.eq(contest_id))
        .filter(result::Column::PublishedAt.is_not_null())
        .all(db)
        .await?;
    let mut out: Vec<FinalizedResult> = effective_results(rows)
        .into_values()
        .map(|row| serde_json::from_str::<FinalizedResult>(&row.result))
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    out.sort_by_key(|r| r.round);
    Ok(out)
}

/// Flags every stored version of these rounds as needing re-finalization (for a regrade that
/// rescored attempts of them). Returns how many versions were flagged.
pub async fn mark_needs_refinalize(
    db: &impl ConnectionTrait,
    round_ids: &[Uuid],
) -> Result<u64, ApiError> {
    if round_ids.is_empty() {
        return Ok(0);
    }
    let done = result::Entity::update_many()
        .col_expr(result::Column::NeedsRefinalize, Expr::value(true))
        .filter(result::Column::RoundId.is_in(round_ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
