//! Storing contest drafts and reading them back.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cuocthi_domain::prizes::PrizeRules;
use cuocthi_domain::settings::{PredictionTarget, Reveal, TieBreakKey, TopicQuota};
use cuocthi_store::api::is_unique_violation;
use cuocthi_store::entities::{attempt, category, contest, round};
use cuocthi_store::snapshot::Phase;
use cuocthi_store::time::{from_ms, rfc3339, rfc3339_ms, to_ms};
use cuocthi_store::ApiError;

use super::input::{CategoryInput, ContestDraft, RoundDraft};

/// A prediction question as organizers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PredictionAdmin {
    /// Wording.
    pub question: String,
    /// `perfect_attempts`, `participants` or `attempts`.
    pub target: String,
}

/// A round as organizers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundAdmin {
    /// Number.
    pub number: i32,
    /// Opening.
    pub opens_at: String,
    /// Scheduled closing.
    pub closes_at: String,
    /// When it was closed early, if it was.
    pub closed_early_at: Option<String>,
    /// `upcoming`, `open` or `closed`.
    pub status: String,
    /// The draw-seed commitment.
    pub draw_seed_sha256: Option<String>,
}

/// A contest with every setting, as organizers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContestAdmin {
    /// Id.
    pub id: Uuid,
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Rules, Markdown.
    pub rules_md: String,
    /// Consent text.
    pub consent_text: String,
    /// Organizer.
    pub organizer: Option<String>,
    /// Opening.
    pub opens_at: String,
    /// Closing.
    pub closes_at: String,
    /// `upcoming`, `open` or `closed`.
    pub status: String,
    /// Whether a round has opened (then only safe fields may change).
    pub locked: bool,
    /// Questions per attempt.
    pub questions_per_attempt: i32,
    /// Time limit.
    pub time_limit_secs: i32,
    /// Attempts per participant per round.
    pub max_attempts: i32,
    /// Grace after the deadline.
    pub grace_secs: i32,
    /// Shuffle options per attempt.
    pub shuffle_options: bool,
    /// Topic quotas.
    #[schema(value_type = Vec<Object>)]
    pub topic_quotas: Vec<TopicQuota>,
    /// Reveal setting.
    #[schema(value_type = String)]
    pub reveal: Reveal,
    /// Prediction question, or null.
    pub prediction: Option<PredictionAdmin>,
    /// Ranking keys.
    #[schema(value_type = Vec<String>)]
    pub tie_breaks: Vec<TieBreakKey>,
    /// Categories.
    pub categories: Vec<CategoryInput>,
    /// Rounds.
    pub rounds: Vec<RoundAdmin>,
    /// National ID required.
    pub require_national_id: bool,
    /// PIN required.
    pub require_pin: bool,
    /// Time zone.
    pub timezone: String,
    /// Listed publicly.
    pub listed: bool,
    /// Prize rules.
    #[schema(value_type = Object)]
    pub prizes: PrizeRules,
    /// Live leaderboard on the public pages.
    pub public_leaderboard: bool,
    /// Entries the public live leaderboard shows (1–100).
    pub leaderboard_size: i32,
}

/// Loads a contest's draft and its stored rows.
pub async fn load(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<(contest::Model, Vec<round::Model>, ContestDraft), ApiError> {
    let row = contest::Entity::find()
        .filter(contest::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let rounds = round::Entity::find()
        .filter(round::Column::ContestId.eq(row.id))
        .order_by_asc(round::Column::Number)
        .all(db)
        .await?;
    let categories = category::Entity::find()
        .filter(category::Column::ContestId.eq(row.id))
        .order_by_asc(category::Column::Position)
        .all(db)
        .await?;
    let draft = ContestDraft {
        slug: row.slug.clone(),
        title: row.title.clone(),
        rules_md: row.rules_md.clone(),
        consent_text: row.consent_text.clone(),
        organizer: row.organizer.clone(),
        opens_at: from_ms(row.opens_at),
        closes_at: from_ms(row.closes_at),
        questions_per_attempt: row.questions_per_attempt,
        time_limit_secs: row.time_limit_secs,
        max_attempts: row.max_attempts,
        grace_secs: row.grace_secs,
        shuffle_options: row.shuffle_options,
        topic_quotas: serde_json::from_str(&row.topic_quotas).unwrap_or_default(),
        reveal: Reveal::from_stored(&row.reveal),
        prediction: row.prediction_question.clone().map(|q| {
            (
                q,
                row.prediction_target
                    .as_deref()
                    .and_then(PredictionTarget::from_stored)
                    .unwrap_or_default(),
            )
        }),
        tie_breaks: serde_json::from_str(&row.tie_breaks).unwrap_or_default(),
        categories: categories
            .into_iter()
            .map(|c| CategoryInput {
                code: c.code,
                name: c.name,
            })
            .collect(),
        rounds: rounds
            .iter()
            .map(|r| RoundDraft {
                number: r.number,
                opens_at: from_ms(r.opens_at),
                closes_at: from_ms(r.closes_at),
                draw_seed_sha256: r.draw_seed_sha256.clone(),
            })
            .collect(),
        require_national_id: row.require_national_id,
        require_pin: row.require_pin,
        timezone: row.timezone.clone(),
        listed: row.listed,
        prizes: serde_json::from_str(&row.prizes).unwrap_or_default(),
        public_leaderboard: row.public_leaderboard,
        leaderboard_size: row.leaderboard_size,
    };
    Ok((row, rounds, draft))
}

/// Whether any round has opened at `now`: from then on only safe fields change.
pub fn is_locked(rounds: &[round::Model], now: DateTime<Utc>) -> bool {
    rounds.iter().any(|r| r.opens_at <= to_ms(now))
}

/// The organizer's view of a stored contest.
pub fn to_admin(
    row: &contest::Model,
    rounds: &[round::Model],
    draft: &ContestDraft,
    now: DateTime<Utc>,
) -> ContestAdmin {
    ContestAdmin {
        id: row.id,
        slug: draft.slug.clone(),
        title: draft.title.clone(),
        rules_md: draft.rules_md.clone(),
        consent_text: draft.consent_text.clone(),
        organizer: draft.organizer.clone(),
        opens_at: rfc3339(draft.opens_at),
        closes_at: rfc3339(draft.closes_at),
        status: Phase::of(now, draft.opens_at, draft.closes_at)
            .as_str()
            .to_owned(),
        locked: is_locked(rounds, now),
        questions_per_attempt: draft.questions_per_attempt,
        time_limit_secs: draft.time_limit_secs,
        max_attempts: draft.max_attempts,
        grace_secs: draft.grace_secs,
        shuffle_options: draft.shuffle_options,
        topic_quotas: draft.topic_quotas.clone(),
        reveal: draft.reveal,
        prediction: draft.prediction.as_ref().map(|(q, t)| PredictionAdmin {
            question: q.clone(),
            target: t.as_str().to_owned(),
        }),
        tie_breaks: draft.tie_breaks.clone(),
        categories: draft.categories.clone(),
        rounds: rounds
            .iter()
            .map(|r| {
                let closes = r
                    .closed_early_at
                    .map_or(r.closes_at, |c| c.min(r.closes_at));
                RoundAdmin {
                    number: r.number,
                    opens_at: rfc3339_ms(r.opens_at),
                    closes_at: rfc3339_ms(r.closes_at),
                    closed_early_at: r.closed_early_at.map(rfc3339_ms),
                    status: Phase::of(now, from_ms(r.opens_at), from_ms(closes))
                        .as_str()
                        .to_owned(),
                    draw_seed_sha256: r.draw_seed_sha256.clone(),
                }
            })
            .collect(),
        require_national_id: draft.require_national_id,
        require_pin: draft.require_pin,
        timezone: draft.timezone.clone(),
        listed: draft.listed,
        prizes: draft.prizes.clone(),
        public_leaderboard: draft.public_leaderboard,
        leaderboard_size: draft.leaderboard_size,
    }
}

fn contest_row(
    id: Uuid,
    draft: &ContestDraft,
    created_at: i64,
    now_ms: i64,
) -> Result<contest::Model, ApiError> {
    Ok(contest::Model {
        id,
        slug: draft.slug.clone(),
        title: draft.title.clone(),
        rules_md: draft.rules_md.clone(),
        consent_text: draft.consent_text.clone(),
        organizer: draft.organizer.clone(),
        opens_at: to_ms(draft.opens_at),
        closes_at: to_ms(draft.closes_at),
        timezone: draft.timezone.clone(),
        listed: draft.listed,
        questions_per_attempt: draft.questions_per_attempt,
        time_limit_secs: draft.time_limit_secs,
        max_attempts: draft.max_attempts,
        grace_secs: draft.grace_secs,
        shuffle_options: draft.shuffle_options,
        reveal: draft.reveal.as_str().to_owned(),
        prediction_question: draft.prediction.as_ref().map(|(q, _)| q.clone()),
        prediction_target: draft
            .prediction
            .as_ref()
            .map(|(_, t)| t.as_str().to_owned()),
        require_national_id: draft.require_national_id,
        require_pin: draft.require_pin,
        topic_quotas: serde_json::to_string(&draft.topic_quotas).map_err(ApiError::internal)?,
        tie_breaks: serde_json::to_string(&draft.tie_breaks).map_err(ApiError::internal)?,
        prizes: serde_json::to_string(&draft.prizes).map_err(ApiError::internal)?,
        public_leaderboard: draft.public_leaderboard,
        leaderboard_size: draft.leaderboard_size,
        created_at,
        updated_at: now_ms,
    })
}

async fn write_children(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    draft: &ContestDraft,
    existing_rounds: &[round::Model],
) -> Result<(), ApiError> {
    category::Entity::delete_many()
        .filter(category::Column::ContestId.eq(contest_id))
        .exec(db)
        .await?;
    if !draft.categories.is_empty() {
        category::Entity::insert_many(draft.categories.iter().enumerate().map(|(i, c)| {
            category::ActiveModel {
                id: Set(Uuid::now_v7()),
                contest_id: Set(contest_id),
                code: Set(c.code.clone()),
                name: Set(c.name.clone()),
                position: Set(i as i32),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    // Rounds keep their ids (attempts point at them); extra ones are added, missing removed.
    for r in &draft.rounds {
        match existing_rounds.iter().find(|e| e.number == r.number) {
            Some(existing) => {
                round::Entity::update_many()
                    .col_expr(round::Column::OpensAt, Expr::value(to_ms(r.opens_at)))
                    .col_expr(round::Column::ClosesAt, Expr::value(to_ms(r.closes_at)))
                    .col_expr(
                        round::Column::DrawSeedSha256,
                        Expr::value(r.draw_seed_sha256.clone()),
                    )
                    .filter(round::Column::Id.eq(existing.id))
                    .exec(db)
                    .await?;
            }
            None => {
                round::Entity::insert(round::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    contest_id: Set(contest_id),
                    number: Set(r.number),
                    opens_at: Set(to_ms(r.opens_at)),
                    closes_at: Set(to_ms(r.closes_at)),
                    draw_seed_sha256: Set(r.draw_seed_sha256.clone()),
                    closed_early_at: Set(None),
                })
                .exec_without_returning(db)
                .await?;
            }
        }
    }
    let kept: Vec<i32> = draft.rounds.iter().map(|r| r.number).collect();
    round::Entity::delete_many()
        .filter(round::Column::ContestId.eq(contest_id))
        .filter(round::Column::Number.is_not_in(kept))
        .exec(db)
        .await?;
    Ok(())
}

/// Creates a contest: 409 `slug_taken` when the slug is in use.
pub async fn create(
    db: &(impl ConnectionTrait + TransactionTrait),
    draft: &ContestDraft,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let id = Uuid::now_v7();
    let now_ms = to_ms(now);
    let row = contest_row(id, draft, now_ms, now_ms)?;
    let txn = db.begin().await?;
    match contest::Entity::insert(contest::ActiveModel::from(row))
        .exec_without_returning(&txn)
        .await
    {
        Ok(_) => {}
        Err(error) if is_unique_violation(&error) => {
            return Err(ApiError::conflict(
                "slug_taken",
                "a contest with this slug exists",
            ));
        }
        Err(error) => return Err(error.into()),
    }
    write_children(&txn, id, draft, &[]).await?;
    txn.commit().await?;
    Ok(id)
}

/// Stores a changed draft over an existing contest.
pub async fn update(
    db: &(impl ConnectionTrait + TransactionTrait),
    row: &contest::Model,
    rounds: &[round::Model],
    draft: &ContestDraft,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let updated = contest_row(row.id, draft, row.created_at, to_ms(now))?;
    let txn = db.begin().await?;
    contest::Entity::update(contest::ActiveModel::from(updated).reset_all())
        .exec(&txn)
        .await?;
    write_children(&txn, row.id, draft, rounds).await?;
    txn.commit().await?;
    Ok(())
}

/// Closes round `number` now: every attempt still running gets its deadline moved to now, so
/// it ends by the grace rule. 409 `round_not_open` before it opens; closing a closed round
/// again changes nothing.
pub async fn close_round(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest_id: Uuid,
    number: i32,
    now: DateTime<Utc>,
) -> Result<round::Model, ApiError> {
    let round = round::Entity::find()
        .filter(round::Column::ContestId.eq(contest_id))
        .filter(round::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let now_ms = to_ms(now);
    let closes = round
        .closed_early_at
        .map_or(round.closes_at, |c| c.min(round.closes_at));
    if now_ms < round.opens_at {
        return Err(ApiError::conflict(
            "round_not_open",
            "the round has not opened yet",
        ));
    }
    if closes <= now_ms {
        return Ok(round);
    }
    let txn = db.begin().await?;
    round::Entity::update_many()
        .col_expr(round::Column::ClosedEarlyAt, Expr::value(now_ms))
        .filter(round::Column::Id.eq(round.id))
        .exec(&txn)
        .await?;
    attempt::Entity::update_many()
        .col_expr(attempt::Column::Deadline, Expr::value(now_ms))
        .filter(attempt::Column::RoundId.eq(round.id))
        .filter(attempt::Column::Status.eq("in_progress"))
        .filter(attempt::Column::Deadline.gt(now_ms))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    round::Entity::find_by_id(round.id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}
