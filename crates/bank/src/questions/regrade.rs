//! Regrading: correcting the key of a question version that attempts were shown. Every finished
//! attempt whose answer to that version changes correctness is rescored in one pass; attempts
//! still running are scored with the new key when they end.

use std::collections::BTreeSet;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    Statement, TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cuocthi_store::entities::{question_version, result, round};
use cuocthi_store::ApiError;

/// What a regrade did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegradeOutcome {
    /// The version regraded.
    pub version_id: Uuid,
    /// Its number.
    pub version: i32,
    /// Right letters before.
    pub old_key: Vec<String>,
    /// Right letters now.
    pub new_key: Vec<String>,
    /// Finished attempts that answered this version.
    pub answered: u64,
    /// Finished attempts whose score changed.
    pub rescored: u64,
    /// Rounds (numbers) with rescored attempts.
    pub rounds_touched: Vec<i32>,
    /// Rounds among those whose finalized results are now flagged `needs_refinalize`.
    pub rounds_to_refinalize: Vec<i32>,
    /// The ids of the rounds touched (not sent: for the caller to forget their live boards).
    #[serde(skip)]
    pub touched_round_ids: Vec<Uuid>,
}

#[derive(FromQueryResult)]
struct Touched {
    round_id: Uuid,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

fn letters(mask: u8, count: usize) -> Vec<String> {
    (0..count)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| cuocthi_domain::scoring::OPTION_KEYS[i].to_owned())
        .collect()
}

/// Sets the key of `version` to `new_mask` and rescores, in one transaction.
pub async fn regrade(
    db: &(impl ConnectionTrait + TransactionTrait),
    version: &question_version::Model,
    new_mask: u8,
) -> Result<RegradeOutcome, ApiError> {
    let old_mask = version.key_mask as u8;
    let option_count = serde_json::from_str::<Vec<String>>(&version.options)
        .map(|o| o.len())
        .unwrap_or(0);
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let claimed = question_version::Entity::update_many()
        .col_expr(
            question_version::Column::KeyMask,
            Expr::value(i32::from(new_mask)),
        )
        .col_expr(
            question_version::Column::Multiple,
            Expr::value(new_mask.count_ones() > 1),
        )
        .filter(question_version::Column::Id.eq(version.id))
        // Only from the key this regrade was computed against: a second regrade racing this
        // one finds nothing to change instead of applying its delta twice.
        .filter(question_version::Column::KeyMask.eq(i32::from(old_mask)))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(ApiError::conflict(
            "stale_key",
            "the key changed meanwhile (another regrade?); reload and try again",
        ));
    }
    let answered = Count::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT COUNT(*) AS n FROM answers a JOIN attempts t ON t.id = a.attempt_id \
         WHERE a.question_version_id = $1 AND t.status <> $2",
        [version.id.into(), "in_progress".into()],
    ))
    .one(&txn)
    .await?
    .map_or(0, |c| c.n.max(0) as u64);
    let mut rescored = 0u64;
    let mut round_ids = BTreeSet::new();
    if old_mask != new_mask {
        // Only answers equal to the old or the new key change correctness: +1 for the new key,
        // −1 for the old. One set-based statement (UPDATE ... FROM, on PostgreSQL and SQLite
        // ≥ 3.33), so a quarter of a million attempts are rescored in one pass.
        let touched = Touched::find_by_statement(Statement::from_sql_and_values(
            backend,
            "UPDATE attempts SET score = score + d.delta * $1, correct = correct + d.delta, \
             perfect = (correct + d.delta = total) \
             FROM (SELECT attempt_id, CASE WHEN choice_mask = $2 THEN 1 ELSE -1 END AS delta \
                   FROM answers WHERE question_version_id = $3 \
                   AND (choice_mask = $2 OR choice_mask = $4)) AS d \
             WHERE attempts.id = d.attempt_id AND attempts.status <> $5 \
             RETURNING round_id",
            [
                version.points.into(),
                i16::from(new_mask).into(),
                version.id.into(),
                i16::from(old_mask).into(),
                "in_progress".into(),
            ],
        ))
        .all(&txn)
        .await?;
        rescored = touched.len() as u64;
        round_ids.extend(touched.into_iter().map(|t| t.round_id));
    }
    let round_ids: Vec<Uuid> = round_ids.into_iter().collect();
    // Finalized results of those rounds no longer match the scores: flag them for
    // finalizing again (their published versions stay as they were).
    let mut rounds_to_refinalize: Vec<i32> = Vec::new();
    if !round_ids.is_empty() {
        let finalized: BTreeSet<Uuid> = result::Entity::find()
            .select_only()
            .column(result::Column::RoundId)
            .filter(result::Column::RoundId.is_in(round_ids.clone()))
            .into_tuple::<Uuid>()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        if !finalized.is_empty() {
            result::Entity::update_many()
                .col_expr(result::Column::NeedsRefinalize, Expr::value(true))
                .filter(
                    result::Column::RoundId.is_in(finalized.iter().copied().collect::<Vec<_>>()),
                )
                .exec(&txn)
                .await?;
            rounds_to_refinalize = round::Entity::find()
                .filter(round::Column::Id.is_in(finalized.into_iter().collect::<Vec<_>>()))
                .all(&txn)
                .await?
                .into_iter()
                .map(|r| r.number)
                .collect();
            rounds_to_refinalize.sort_unstable();
        }
    }
    let rounds_touched = if round_ids.is_empty() {
        Vec::new()
    } else {
        let mut numbers: Vec<i32> = round::Entity::find()
            .filter(round::Column::Id.is_in(round_ids.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| r.number)
            .collect();
        numbers.sort_unstable();
        numbers
    };
    txn.commit().await?;
    Ok(RegradeOutcome {
        version_id: version.id,
        version: version.version,
        old_key: letters(old_mask, option_count),
        new_key: letters(new_mask, option_count),
        answered,
        rescored,
        rounds_touched,
        rounds_to_refinalize,
        touched_round_ids: round_ids,
    })
}
