//! The attempt engine: start (the draw), view, autosave, submit, and closing an attempt.
//!
//! Every state change is a conditional `UPDATE ... WHERE status = 'in_progress'` on the
//! attempt row, first in its transaction, so that concurrent requests on any number of nodes
//! serialise on that row: exactly one submit wins, and a save either lands before the score
//! is computed or is refused.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use cuocthi_domain::draw::{draw_questions, DrawError, DrawnQuestion};
use cuocthi_domain::scoring::{
    choice_mask, score_attempt, shown_keys, ScoredQuestion, OPTION_KEYS,
};
use cuocthi_domain::settings::AttemptStatus;
use cuocthi_domain::timing;
use cuocthi_store::api::is_unique_violation;
use cuocthi_store::entities::{answer, attempt, question_version};
use cuocthi_store::time::{from_ms, rfc3339, rfc3339_ms, to_ms};
use cuocthi_store::{ApiError, SharedRng};

use crate::autosave::{AnswerWriter, PendingSave, SaveOutcome};
use crate::draws::AttemptDraw;
use crate::dto::{AttemptDto, OptionDto, QuestionDto, ResultDto, SaveAnswerResponse};
use crate::participants::{attempts_used, usage};
use cuocthi_store::snapshot::{ContestView, Phase, Snapshots};

/// Reads the recorded draw of an attempt.
pub fn parse_draw(row: &attempt::Model) -> Result<Vec<DrawnQuestion>, ApiError> {
    serde_json::from_str(&row.draw)
        .map_err(|e| ApiError::internal(format!("attempt {} has an unreadable draw: {e}", row.id)))
}

/// The contest's rounds as stored now, with their effective closing times.
async fn current_rounds(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
) -> Result<Vec<cuocthi_store::snapshot::RoundView>, DbErr> {
    use sea_orm::QueryOrder;
    Ok(cuocthi_store::entities::round::Entity::find()
        .filter(cuocthi_store::entities::round::Column::ContestId.eq(contest_id))
        .order_by_asc(cuocthi_store::entities::round::Column::Number)
        .all(db)
        .await?
        .into_iter()
        .map(cuocthi_store::snapshot::RoundView::from)
        .collect())
}

/// Starts an attempt, or returns the one in progress. `Ok((attempt, created))`.
pub async fn start(
    db: &(impl ConnectionTrait + TransactionTrait),
    snapshots: &Snapshots,
    rng: &SharedRng,
    contest: &ContestView,
    participant_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(attempt::Model, bool), ApiError> {
    // The rounds' times come from the database, not this node's snapshot: a round closed
    // early on another node a moment ago must refuse starts here too.
    let rounds = current_rounds(db, contest.row.id).await?;
    let round = rounds
        .iter()
        .find(|r| r.phase(now) == Phase::Open)
        .ok_or_else(|| {
            if rounds.iter().any(|r| r.phase(now) == Phase::Upcoming) {
                ApiError::conflict("round_not_open", "the round has not opened yet")
            } else {
                ApiError::gone("round_closed", "the round has closed")
            }
        })?
        .clone();
    let participant = cuocthi_store::entities::participant::Entity::find_by_id(participant_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::forbidden("not_registered", "not registered in this contest"))?;
    let max_attempts = i64::from(contest.row.max_attempts);
    // Racing starts (same participant, any node) are settled by the unique indexes; the loser
    // finds the winner's attempt on its next turn.
    for _ in 0..5 {
        let (used, in_progress) = usage(db, contest, participant_id, round.id, now).await?;
        if let Some(row) = in_progress {
            return Ok((row, false));
        }
        if used >= max_attempts {
            return Err(ApiError::conflict(
                "no_attempts_left",
                "no attempts left in this round",
            ));
        }
        let candidates = snapshots.candidates(db, contest.row.id).await?;
        let count = contest.row.questions_per_attempt.max(1) as u32;
        let drawn = rng
            .with(|r| {
                draw_questions(
                    &candidates,
                    count,
                    &contest.quotas,
                    contest.row.shuffle_options,
                    r,
                )
            })
            .map_err(|error| match error {
                DrawError::NotEnoughQuestions { .. } => {
                    tracing::error!(contest = %contest.row.slug, %error, "bank too small to draw");
                    ApiError::conflict(
                        "bank_too_small",
                        "the question bank has too few active questions for this contest",
                    )
                }
            })?;
        let draw = serde_json::to_string(&drawn).map_err(ApiError::internal)?;
        let deadline = timing::deadline(
            now,
            contest.row.time_limit_secs.max(1) as u32,
            round.closes_at,
        );
        let row = attempt::Model {
            id: Uuid::now_v7(),
            contest_id: contest.row.id,
            round_id: round.id,
            participant_id,
            unit_id: participant.unit_id,
            category: participant.category.clone(),
            attempt_no: (used + 1) as i32,
            status: AttemptStatus::InProgress.as_str().to_owned(),
            started_at: to_ms(now),
            deadline: to_ms(deadline),
            submitted_at: None,
            last_saved_at: None,
            prediction: None,
            score: None,
            correct: None,
            total: drawn.len() as i32,
            perfect: None,
            duration_ms: None,
            draw,
        };
        let turn = cuocthi_store::db::sqlite_write_turn(db).await;
        let inserted = attempt::Entity::insert(attempt::ActiveModel::from(row.clone()))
            .exec_without_returning(db)
            .await;
        drop(turn);
        match inserted {
            Ok(_) => {
                cuocthi_store::metrics::ATTEMPTS_STARTED.inc();
                return Ok((row, true));
            }
            Err(error) if is_unique_violation(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::unavailable(1))
}

/// Loads an attempt by id.
pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<attempt::Model>, DbErr> {
    attempt::Entity::find_by_id(id).one(db).await
}

/// Loads an attempt that belongs to `participant_id`: 404 for anyone else's.
pub async fn load_own(
    db: &impl ConnectionTrait,
    id: Uuid,
    participant_id: Uuid,
) -> Result<attempt::Model, ApiError> {
    load(db, id)
        .await?
        .filter(|a| a.participant_id == participant_id)
        .ok_or_else(ApiError::not_found)
}

/// Closes the attempt as expired when it is still in progress past `deadline + grace`;
/// returns the attempt as it now stands.
pub async fn close_if_overdue(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    row: attempt::Model,
    now: DateTime<Utc>,
) -> Result<attempt::Model, ApiError> {
    if row.status == AttemptStatus::InProgress.as_str()
        && timing::is_overdue(now, from_ms(row.deadline), contest.grace_secs())
    {
        if let Some(finished) = finish(
            db,
            &row,
            AttemptStatus::Expired,
            from_ms(row.deadline),
            None,
        )
        .await?
        {
            return Ok(finished);
        }
        return load(db, row.id).await?.ok_or_else(ApiError::not_found);
    }
    Ok(row)
}

/// Ends an attempt still in progress: records status, finish time and prediction, and scores
/// it on every accepted save. Returns the attempt as this call left it, or `None` when it had
/// already ended.
pub async fn finish(
    db: &(impl ConnectionTrait + TransactionTrait),
    row: &attempt::Model,
    status: AttemptStatus,
    submitted_at: DateTime<Utc>,
    prediction: Option<i64>,
) -> Result<Option<attempt::Model>, ApiError> {
    let draw = parse_draw(row)?;
    let _turn = cuocthi_store::db::sqlite_write_turn(db).await;
    let txn = db.begin().await?;
    // First statement of the transaction, and a write: it takes the row (SQLite: the
    // database) before anything is read, so a concurrent save or submit waits for us.
    let claim = Query::update()
        .table(attempt::Entity)
        .value(attempt::Column::Status, status.as_str())
        // Never after the deadline as it stands now: a round closed early a moment ago may
        // have moved it since `row` was read. (An integer of our own, safe to inline.)
        .value(
            attempt::Column::SubmittedAt,
            Expr::cust(format!(
                "CASE WHEN deadline < {t} THEN deadline ELSE {t} END",
                t = to_ms(submitted_at)
            )),
        )
        .value(attempt::Column::Prediction, prediction)
        .and_where(attempt::Column::Id.eq(row.id))
        .and_where(attempt::Column::Status.eq(AttemptStatus::InProgress.as_str()))
        .returning(Query::returning().columns([
            attempt::Column::SubmittedAt,
            attempt::Column::Deadline,
            attempt::Column::LastSavedAt,
        ]))
        .to_owned();
    let Some(claimed) = txn
        .query_one(db.get_database_backend().build(&claim))
        .await?
    else {
        txn.rollback().await?;
        return Ok(None);
    };
    let recorded: i64 = claimed.try_get("", "submitted_at")?;
    let deadline: i64 = claimed.try_get("", "deadline")?;
    let last_saved_at: Option<i64> = claimed.try_get("", "last_saved_at")?;
    let answers: HashMap<i16, i16> = answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(row.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| (a.position, a.choice_mask))
        .collect();
    let version_ids: Vec<Uuid> = draw.iter().map(|d| d.version_id).collect();
    let mut versions_query =
        question_version::Entity::find().filter(question_version::Column::Id.is_in(version_ids));
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // A regrade holds the version row while it changes the key and rescores finished
        // attempts; reading the key under a share lock makes this finish wait for it and
        // score with the new key, instead of being missed by it. (SQLite serialises writers.)
        versions_query = versions_query.lock_shared();
    }
    let versions: HashMap<Uuid, question_version::Model> = versions_query
        .all(&txn)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let scored: Vec<ScoredQuestion> = draw
        .iter()
        .enumerate()
        .map(|(index, drawn)| {
            let version = versions.get(&drawn.version_id);
            ScoredQuestion {
                key: version.map_or(0, |v| v.key_mask as u8),
                points: version.map_or(0, |v| v.points),
                choice: answers.get(&((index + 1) as i16)).map(|c| *c as u8),
            }
        })
        .collect();
    let score = score_attempt(&scored);
    let duration = timing::duration_ms(from_ms(row.started_at), from_ms(recorded));
    attempt::Entity::update_many()
        .col_expr(attempt::Column::Score, Expr::value(score.score))
        .col_expr(attempt::Column::Correct, Expr::value(score.correct))
        .col_expr(attempt::Column::Perfect, Expr::value(score.perfect))
        .col_expr(attempt::Column::DurationMs, Expr::value(duration))
        .filter(attempt::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    match status {
        AttemptStatus::Submitted => cuocthi_store::metrics::ATTEMPTS_SUBMITTED.inc(),
        AttemptStatus::Expired => cuocthi_store::metrics::ATTEMPTS_EXPIRED.inc(),
        AttemptStatus::InProgress => {}
    }
    Ok(Some(attempt::Model {
        status: status.as_str().to_owned(),
        deadline,
        submitted_at: Some(recorded),
        last_saved_at,
        prediction,
        score: Some(score.score),
        correct: Some(score.correct),
        perfect: Some(score.perfect),
        duration_ms: Some(duration),
        ..row.clone()
    }))
}

/// Submits an attempt (idempotent): returns the result, closing the attempt first when it is
/// still in progress. A submission after `deadline + grace` closes it as expired.
pub async fn submit(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    row: attempt::Model,
    prediction: Option<i64>,
    now: DateTime<Utc>,
) -> Result<attempt::Model, ApiError> {
    let row = close_if_overdue(db, contest, row, now).await?;
    if row.status != AttemptStatus::InProgress.as_str() {
        return Ok(row);
    }
    let deadline = from_ms(row.deadline);
    let prediction = match (&contest.prediction, prediction) {
        // No prediction question: nothing to record.
        (None, _) => None,
        // Before the deadline the prediction is required.
        (Some(_), None) if timing::prediction_required(now, deadline) => {
            return Err(ApiError::unprocessable(
                "prediction_required",
                "a prediction is required",
            ));
        }
        // After the deadline, within the grace (automatic submission at zero, a late
        // network): accepted without one, and a prediction that was sent is kept, since the
        // grace exists to absorb the network.
        (Some(_), given) => given,
    };
    match finish(
        db,
        &row,
        AttemptStatus::Submitted,
        timing::submitted_at(now, deadline),
        prediction,
    )
    .await?
    {
        Some(finished) => Ok(finished),
        // Another request ended it first: its result stands.
        None => load(db, row.id).await?.ok_or_else(ApiError::not_found),
    }
}

/// The result fields of a finished attempt.
pub fn result_of(row: &attempt::Model, attempts_left: i64) -> Option<ResultDto> {
    Some(ResultDto {
        status: row.status.clone(),
        score: row.score?,
        correct: row.correct?,
        total: row.total,
        perfect: row.perfect?,
        duration_ms: row.duration_ms?,
        submitted_at: rfc3339_ms(row.submitted_at?),
        attempts_left,
        prediction: row.prediction,
    })
}

/// Attempts left for the attempt's participant in the attempt's round.
pub async fn attempts_left(
    db: &impl ConnectionTrait,
    contest: &ContestView,
    row: &attempt::Model,
) -> Result<i64, ApiError> {
    let used = attempts_used(db, row.participant_id, row.round_id).await?;
    Ok((i64::from(contest.row.max_attempts) - used).max(0))
}

/// The attempt as its participant sees it: keys and explanations only when the reveal setting
/// allows. `just_started`: the attempt was created by this request, so it has no answers to
/// read yet.
pub async fn view(
    db: &impl ConnectionTrait,
    snapshots: &Snapshots,
    contest: &ContestView,
    row: &attempt::Model,
    now: DateTime<Utc>,
    just_started: bool,
) -> Result<AttemptDto, ApiError> {
    let draw = parse_draw(row)?;
    let version_ids: Vec<Uuid> = draw.iter().map(|d| d.version_id).collect();
    let texts = snapshots.version_texts(db, &version_ids).await?;
    let answers: HashMap<i16, i16> = if just_started {
        HashMap::new()
    } else {
        answer::Entity::find()
            .filter(answer::Column::AttemptId.eq(row.id))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.position, a.choice_mask))
            .collect()
    };
    let finished = row.status != AttemptStatus::InProgress.as_str();
    let round = contest.round(row.round_id);
    // Keys wait until no save of the round can still count: its close plus the grace.
    let grace = chrono::Duration::seconds(i64::from(contest.grace_secs()));
    let round_closed = round.is_some_and(|r| now >= r.closes_at + grace);
    let reveal = contest.reveal.allows(finished, round_closed);
    // The keys as they stand now (a regrade may have changed one), only when shown.
    let keys: HashMap<Uuid, i32> = if reveal {
        question_version::Entity::find()
            .select_only()
            .column(question_version::Column::Id)
            .column(question_version::Column::KeyMask)
            .filter(question_version::Column::Id.is_in(version_ids))
            .into_tuple::<(Uuid, i32)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let mut questions = Vec::with_capacity(draw.len());
    let mut saved = BTreeMap::new();
    for (index, drawn) in draw.iter().enumerate() {
        let position = (index + 1) as i32;
        let version = texts
            .get(&drawn.version_id)
            .ok_or_else(|| ApiError::internal(format!("version {} missing", drawn.version_id)))?;
        let options = drawn
            .option_order
            .iter()
            .enumerate()
            .map(|(shown, original)| OptionDto {
                key: OPTION_KEYS[shown].to_owned(),
                text: version
                    .options
                    .get(*original as usize)
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        if let Some(mask) = answers.get(&(position as i16)) {
            saved.insert(
                position.to_string(),
                shown_keys(*mask as u8, &drawn.option_order),
            );
        }
        let key = keys.get(&drawn.version_id);
        questions.push(QuestionDto {
            position,
            text: version.text.clone(),
            multiple: drawn.multiple,
            options,
            correct_keys: key.map(|mask| shown_keys(*mask as u8, &drawn.option_order)),
            explanation: if reveal {
                version.explanation.clone()
            } else {
                None
            },
        });
    }
    let left = if finished {
        Some(attempts_left(db, contest, row).await?)
    } else {
        None
    };
    Ok(AttemptDto {
        attempt_id: row.id,
        attempt_no: row.attempt_no,
        round: round.map_or(0, |r| r.number),
        status: row.status.clone(),
        started_at: rfc3339_ms(row.started_at),
        deadline: rfc3339_ms(row.deadline),
        server_time: rfc3339(now),
        grace_secs: contest.row.grace_secs,
        prediction_enabled: contest.prediction.is_some(),
        prediction_question: contest.prediction.as_ref().map(|(q, _)| q.clone()),
        questions,
        answers: saved,
        total: row.total,
        score: row.score.filter(|_| finished),
        correct: row.correct.filter(|_| finished),
        perfect: row.perfect.filter(|_| finished),
        duration_ms: row.duration_ms.filter(|_| finished),
        submitted_at: row.submitted_at.filter(|_| finished).map(rfc3339_ms),
        attempts_left: left,
        prediction: row.prediction,
    })
}

/// Saves one answer through the node's [`AnswerWriter`] (group commit): answered only once
/// the answer is committed. Refused with 409 `attempt_finished` after a submission, 410
/// `deadline_passed` from `deadline + grace` on (closing the attempt as expired when it was
/// still open), 422 `invalid_choice` for keys the question does not have, 404 for a position
/// outside the attempt.
pub async fn save_answer(
    db: &(impl ConnectionTrait + TransactionTrait),
    writer: &AnswerWriter,
    contest: &ContestView,
    attempt: &AttemptDraw,
    position: i32,
    choice: &[String],
    now: DateTime<Utc>,
) -> Result<SaveAnswerResponse, ApiError> {
    let drawn = usize::try_from(position)
        .ok()
        .and_then(|p| p.checked_sub(1))
        .and_then(|index| attempt.questions.get(index))
        .ok_or_else(ApiError::not_found)?;
    let mask = match choice_mask(choice, &drawn.option_order, drawn.multiple) {
        Ok(mask) => mask,
        Err(error) => {
            // An ended attempt answers as ended, whatever the choice.
            refuse_unless_open(db, contest, attempt.attempt_id, now).await?;
            return Err(ApiError::unprocessable("invalid_choice", error.to_string()));
        }
    };
    let outcome = writer
        .save(PendingSave {
            attempt_id: attempt.attempt_id,
            position: position as i16,
            version_id: drawn.version_id,
            choice_mask: i16::from(mask),
            at_ms: to_ms(now),
            grace_ms: i64::from(contest.grace_secs()) * 1000,
        })
        .await?;
    if outcome == SaveOutcome::Refused {
        refuse_unless_open(db, contest, attempt.attempt_id, now).await?;
        return Err(ApiError::gone(
            "deadline_passed",
            "the time for this attempt is over",
        ));
    }
    cuocthi_store::metrics::ANSWER_SAVES.inc();
    Ok(SaveAnswerResponse {
        position,
        choice: shown_keys(mask, &drawn.option_order),
        saved_at: rfc3339(now),
    })
}

/// Ok while the attempt is in progress and in time; otherwise closes it when overdue and
/// answers why it takes no more saves (404 when it does not exist).
async fn refuse_unless_open(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    attempt_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row = load(db, attempt_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let row = close_if_overdue(db, contest, row, now).await?;
    refuse_if_ended(&row)
}

fn refuse_if_ended(row: &attempt::Model) -> Result<(), ApiError> {
    match AttemptStatus::from_stored(&row.status) {
        Some(AttemptStatus::Submitted) => Err(ApiError::conflict(
            "attempt_finished",
            "the attempt has been submitted",
        )),
        Some(AttemptStatus::Expired) => Err(ApiError::gone(
            "deadline_passed",
            "the time for this attempt is over",
        )),
        _ => Ok(()),
    }
}
