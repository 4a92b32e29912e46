//! Group commit of answer saves.
//!
//! An answer save is the bulk of a contestant's requests (20 of the 24 in a journey). Written
//! one transaction per save, every save pays its own round trips and its own durable commit
//! (a WAL flush on PostgreSQL, an fsync on SQLite), and the commits queue behind each other.
//! The [`AnswerWriter`] instead hands saves to a few writer tasks; each takes every save that
//! is waiting (up to [`MAX_BATCH`]) and writes them in one transaction:
//!
//! 1. `UPDATE attempts SET last_saved_at = … WHERE id IN (…) RETURNING id, status,
//!    deadline`: the first statement, and a write, so it takes the attempt rows (SQLite: the
//!    database) before anything else; a concurrent submit either finished before (the row
//!    comes back ended, its saves are refused) or waits for this commit (and scores with
//!    these answers); each save is then held to its attempt's status and deadline as
//!    returned;
//! 2. one multi-row upsert of the accepted answers (the last save of a question wins, as it
//!    would one request after the other), and a delete of the cleared ones;
//! 3. one commit.
//!
//! **Guarantee:** [`AnswerWriter::save`] answers [`SaveOutcome::Saved`] only after the commit
//! that made the answer durable; a save that is not acknowledged may or may not have been
//! written (the client retries, and a save is idempotent). While one batch commits, the next
//! gathers, so the batch grows with the load and the commits per second stay few.
//!
//! Saves of one attempt always go to the same writer task, so two batches of one node never
//! wait for each other's rows; between nodes, PostgreSQL may still find a deadlock, and the
//! batch is then tried again.

use std::collections::HashMap;
use std::time::Duration;

use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use cuocthi_domain::settings::AttemptStatus;
use cuocthi_store::api::is_unavailable;
use cuocthi_store::entities::{answer, attempt};
use cuocthi_store::ApiError;

/// The most saves written in one transaction.
pub const MAX_BATCH: usize = 512;

/// Saves waiting per writer task before [`AnswerWriter::save`] waits for room.
const QUEUE_PER_WRITER: usize = 4096;

/// How long a save waits for its batch before it is answered 503 with `Retry-After`: under
/// the 5 s that no request may hang when the database is down (R3), although a batch queued
/// behind a failing one may wait for two of the pool's 3-s acquire timeouts.
const SAVE_TIMEOUT: Duration = Duration::from_secs(4);

/// Times a batch is tried again after PostgreSQL broke a deadlock between nodes.
const CONFLICT_RETRIES: usize = 3;

/// One answer to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingSave {
    /// The attempt.
    pub attempt_id: Uuid,
    /// The question's position in the attempt, from 1.
    pub position: i16,
    /// The question version drawn at that position.
    pub version_id: Uuid,
    /// The chosen options as a mask of original option indexes; 0 clears the answer.
    pub choice_mask: i16,
    /// When the request arrived, in ms since the epoch.
    pub at_ms: i64,
    /// The contest's grace after the deadline, in ms.
    pub grace_ms: i64,
}

/// What became of a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Written and committed.
    Saved,
    /// Not written: the attempt is not in progress any more, or `at_ms` is at or past its
    /// deadline plus the grace (or the attempt does not exist).
    Refused,
}

struct Job {
    save: PendingSave,
    reply: oneshot::Sender<Result<SaveOutcome, ApiError>>,
}

/// The node's answer writer: a handle to its writer tasks, cheap to share.
pub struct AnswerWriter {
    queues: Vec<mpsc::Sender<Job>>,
}

impl AnswerWriter {
    /// Starts `writers` writer tasks (at least one) on the current tokio runtime. They stop
    /// when the writer is dropped, after writing what was queued.
    pub fn spawn(db: DatabaseConnection, writers: usize) -> Self {
        let queues = (0..writers.max(1))
            .map(|_| {
                let (sender, receiver) = mpsc::channel(QUEUE_PER_WRITER);
                tokio::spawn(run_writer(db.clone(), receiver));
                sender
            })
            .collect();
        Self { queues }
    }

    /// The writer tasks a node runs by default: one on SQLite (it has one writer anyway), two
    /// on PostgreSQL (one batch gathers while the other commits).
    pub fn default_writers(db: &DatabaseConnection) -> usize {
        match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => 1,
            _ => 2,
        }
    }

    /// Writes one save with the next batch; returns once it is committed or refused. 503
    /// when the database is unavailable or the batch did not finish within 4 s (it may
    /// still commit later: only a 200 promises the answer is kept).
    pub async fn save(&self, save: PendingSave) -> Result<SaveOutcome, ApiError> {
        let queue = &self.queues[writer_of(save.attempt_id, self.queues.len())];
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job { save, reply })
            .await
            .map_err(|_| ApiError::unavailable(1))?;
        match tokio::time::timeout(SAVE_TIMEOUT, answer).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) | Err(_) => Err(ApiError::unavailable(2)),
        }
    }
}

/// The writer task of an attempt: always the same one.
fn writer_of(attempt_id: Uuid, writers: usize) -> usize {
    (attempt_id.as_u128() % writers as u128) as usize
}

async fn run_writer(db: DatabaseConnection, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let saves: Vec<PendingSave> = jobs.iter().map(|job| job.save).collect();
        let outcomes = write_with_fallback(&db, &saves).await;
        for (job, outcome) in jobs.drain(..).zip(outcomes) {
            // The client may have gone; the save stands either way.
            let _ = job.reply.send(outcome);
        }
    }
}

/// Writes the batch; when it fails for a reason other than an unavailable database, writes
/// each save alone, so that one bad save cannot fail the others.
async fn write_with_fallback(
    db: &DatabaseConnection,
    saves: &[PendingSave],
) -> Vec<Result<SaveOutcome, ApiError>> {
    match write_retrying(db, saves).await {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(error) if saves.len() > 1 && !is_unavailable(&error) => {
            tracing::warn!(%error, saves = saves.len(), "answer batch failed; writing one by one");
            let mut outcomes = Vec::with_capacity(saves.len());
            for save in saves {
                outcomes.push(match write_retrying(db, std::slice::from_ref(save)).await {
                    Ok(mut one) => Ok(one.pop().unwrap_or(SaveOutcome::Refused)),
                    Err(error) => Err(ApiError::from(error)),
                });
            }
            outcomes
        }
        Err(error) => {
            let error = ApiError::from(error);
            saves.iter().map(|_| Err(error.clone())).collect()
        }
    }
}

async fn write_retrying(
    db: &DatabaseConnection,
    saves: &[PendingSave],
) -> Result<Vec<SaveOutcome>, DbErr> {
    let mut tries = 0;
    loop {
        match write_batch(db, saves).await {
            Err(error) if tries < CONFLICT_RETRIES && is_conflict(&error) => tries += 1,
            done => return done,
        }
    }
}

/// A deadlock or serialization failure (PostgreSQL `40P01`, `40001`): the batch may simply be
/// tried again.
fn is_conflict(error: &DbErr) -> bool {
    use sea_orm::{sqlx, RuntimeErr};
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(sqlx::Error::Database(database)))
        | DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::Database(database))) => database
            .code()
            .is_some_and(|code| code == "40P01" || code == "40001"),
        _ => false,
    }
}

async fn write_batch(
    db: &DatabaseConnection,
    saves: &[PendingSave],
) -> Result<Vec<SaveOutcome>, DbErr> {
    let Some(plan) = BatchPlan::of(saves) else {
        return Ok(Vec::new());
    };
    let _turn = cuocthi_store::db::sqlite_write_turn(db).await;
    let txn = db.begin().await?;
    // Only the ids select the rows, so that the primary key is the one index the planner can
    // use (a condition on status or deadline once led PostgreSQL to walk the whole
    // `(status, deadline)` index); whether each attempt still takes saves is read back from
    // the row as this statement left it, after waiting for any transaction holding it.
    let in_progress = AttemptStatus::InProgress.as_str();
    let claim = Query::update()
        .table(attempt::Entity)
        .value(
            attempt::Column::LastSavedAt,
            Expr::case(
                Expr::col(attempt::Column::Status).eq(in_progress),
                plan.latest_ms,
            )
            .finally(Expr::col(attempt::Column::LastSavedAt)),
        )
        .and_where(attempt::Column::Id.is_in(plan.attempt_ids.clone()))
        .returning(Query::returning().columns([
            attempt::Column::Id,
            attempt::Column::Status,
            attempt::Column::Deadline,
        ]))
        .to_owned();
    let mut deadlines = HashMap::with_capacity(plan.attempt_ids.len());
    for row in txn
        .query_all(db.get_database_backend().build(&claim))
        .await?
    {
        let status: String = row.try_get("", "status")?;
        if status != in_progress {
            continue;
        }
        let id: Uuid = row.try_get("", "id")?;
        let deadline: i64 = row.try_get("", "deadline")?;
        deadlines.insert(id, deadline);
    }
    let outcomes: Vec<SaveOutcome> = saves
        .iter()
        .map(|save| accepted(save, deadlines.get(&save.attempt_id).copied()))
        .collect();
    let (upserts, clears) = final_answers(saves, &outcomes);
    if !upserts.is_empty() {
        answer::Entity::insert_many(upserts.into_iter().map(|save| answer::ActiveModel {
            attempt_id: Set(save.attempt_id),
            position: Set(save.position),
            question_version_id: Set(save.version_id),
            choice_mask: Set(save.choice_mask),
            saved_at: Set(save.at_ms),
        }))
        .on_conflict(
            OnConflict::columns([answer::Column::AttemptId, answer::Column::Position])
                .update_columns([answer::Column::ChoiceMask, answer::Column::SavedAt])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    if !clears.is_empty() {
        let slots = clears.iter().fold(Condition::any(), |any, save| {
            any.add(
                Condition::all()
                    .add(answer::Column::AttemptId.eq(save.attempt_id))
                    .add(answer::Column::Position.eq(save.position)),
            )
        });
        answer::Entity::delete_many()
            .filter(slots)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(outcomes)
}

/// The attempts a batch claims and its newest request time.
struct BatchPlan {
    attempt_ids: Vec<Uuid>,
    /// The newest request time: the attempts' `last_saved_at`.
    latest_ms: i64,
}

impl BatchPlan {
    fn of(saves: &[PendingSave]) -> Option<Self> {
        let latest_ms = saves.iter().map(|s| s.at_ms).max()?;
        let mut attempt_ids: Vec<Uuid> = saves.iter().map(|s| s.attempt_id).collect();
        attempt_ids.sort_unstable();
        attempt_ids.dedup();
        Some(Self {
            attempt_ids,
            latest_ms,
        })
    }
}

/// A save counts when its attempt is still in progress and the save arrived before the
/// attempt's deadline plus the grace, as both stand in the database now (`claimed_deadline`:
/// the deadline of an attempt in progress, `None` for one that has ended or does not exist).
fn accepted(save: &PendingSave, claimed_deadline: Option<i64>) -> SaveOutcome {
    match claimed_deadline {
        Some(deadline) if deadline > save.at_ms - save.grace_ms => SaveOutcome::Saved,
        _ => SaveOutcome::Refused,
    }
}

/// The answers a batch leaves behind: for each (attempt, position), the last accepted save in
/// arrival order, split into answers to write and answers to clear.
fn final_answers(
    saves: &[PendingSave],
    outcomes: &[SaveOutcome],
) -> (Vec<PendingSave>, Vec<PendingSave>) {
    let mut last: HashMap<(Uuid, i16), PendingSave> = HashMap::with_capacity(saves.len());
    let mut order: Vec<(Uuid, i16)> = Vec::with_capacity(saves.len());
    for (save, outcome) in saves.iter().zip(outcomes) {
        if *outcome != SaveOutcome::Saved {
            continue;
        }
        let slot = (save.attempt_id, save.position);
        if last.insert(slot, *save).is_none() {
            order.push(slot);
        }
    }
    let mut upserts = Vec::new();
    let mut clears = Vec::new();
    for slot in order {
        if let Some(save) = last.remove(&slot) {
            if save.choice_mask == 0 {
                clears.push(save);
            } else {
                upserts.push(save);
            }
        }
    }
    (upserts, clears)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn save(attempt: u128, position: i16, mask: i16, at_ms: i64) -> PendingSave {
        PendingSave {
            attempt_id: Uuid::from_u128(attempt),
            position,
            version_id: Uuid::from_u128(1000 + position as u128),
            choice_mask: mask,
            at_ms,
            grace_ms: 5_000,
        }
    }

    #[test]
    fn a_save_counts_only_for_a_claimed_attempt_before_its_deadline_plus_grace() {
        let s = save(1, 1, 1, 100_000);
        assert_eq!(accepted(&s, None), SaveOutcome::Refused);
        assert_eq!(accepted(&s, Some(95_001)), SaveOutcome::Saved);
        // deadline + grace == arrival: too late, as for a save alone.
        assert_eq!(accepted(&s, Some(95_000)), SaveOutcome::Refused);
    }

    #[test]
    fn the_last_accepted_save_of_a_question_wins_and_a_clear_deletes() {
        let saves = [
            save(1, 1, 1, 10),
            save(1, 1, 4, 11),
            save(2, 3, 2, 12),
            save(1, 2, 1, 13),
            save(1, 2, 0, 14),
            save(2, 3, 8, 15),
        ];
        let mut outcomes = vec![SaveOutcome::Saved; saves.len()];
        // The last save of attempt 2 was refused: its earlier one stands.
        outcomes[5] = SaveOutcome::Refused;
        let (upserts, clears) = final_answers(&saves, &outcomes);
        assert_eq!(upserts, vec![saves[1], saves[2]]);
        assert_eq!(clears, vec![saves[4]]);
    }

    #[test]
    fn a_plan_claims_each_attempt_once() {
        let saves = [
            save(2, 1, 1, 50_000),
            save(1, 1, 1, 40_000),
            save(2, 2, 1, 60_000),
        ];
        let plan = BatchPlan::of(&saves).expect("a plan");
        assert_eq!(
            plan.attempt_ids,
            vec![Uuid::from_u128(1), Uuid::from_u128(2)]
        );
        assert_eq!(plan.latest_ms, 60_000);
        assert!(BatchPlan::of(&[]).is_none());
    }

    #[test]
    fn an_attempt_always_goes_to_the_same_writer() {
        let id = Uuid::now_v7();
        let first = writer_of(id, 3);
        assert!((0..10).all(|_| writer_of(id, 3) == first));
        assert_eq!(writer_of(id, 1), 0);
    }
}
