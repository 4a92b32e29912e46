//! Item statistics: how often each question was drawn, the share answered correctly, and its
//! discrimination (share correct among the top 27 % of attempts by score minus the share among
//! the bottom 27 %), so organizers can spot a bad question or a wrong key.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Statement};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cuocthi_domain::draw::DrawnQuestion;
use cuocthi_domain::scoring::is_correct;
use cuocthi_store::entities::question_version;
use cuocthi_store::ApiError;

/// Statistics of one question version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemStats {
    /// The question.
    pub question_id: Uuid,
    /// The version.
    pub version_id: Uuid,
    /// Its number.
    pub version: i32,
    /// The start of its text.
    pub text: String,
    /// Finished attempts that drew it.
    pub drawn: u64,
    /// Of those, answered correctly (ratio 0–1; null when never drawn).
    pub correct_rate: Option<f64>,
    /// Top-27 % rate minus bottom-27 % rate (null with fewer than 10 attempts drawing it).
    pub discrimination: Option<f64>,
}

#[derive(FromQueryResult)]
struct AttemptRow {
    id: Uuid,
    score: Option<i32>,
    draw: String,
}

#[derive(FromQueryResult)]
struct AnswerRow {
    attempt_id: Uuid,
    question_version_id: Uuid,
    choice_mask: i16,
}

/// Pure: item statistics from finished attempts (score, drawn versions) and correctness.
pub fn compute(
    attempts: &[(Uuid, i32, Vec<Uuid>)],
    correct: &HashMap<(Uuid, Uuid), bool>,
) -> HashMap<Uuid, (u64, Option<f64>, Option<f64>)> {
    let mut by_version: HashMap<Uuid, Vec<(i32, bool)>> = HashMap::new();
    for (attempt_id, score, versions) in attempts {
        for version in versions {
            let right = correct
                .get(&(*attempt_id, *version))
                .copied()
                .unwrap_or(false);
            by_version
                .entry(*version)
                .or_default()
                .push((*score, right));
        }
    }
    by_version
        .into_iter()
        .map(|(version, mut rows)| {
            let drawn = rows.len() as u64;
            let rate = |rows: &[(i32, bool)]| {
                (!rows.is_empty())
                    .then(|| rows.iter().filter(|(_, r)| *r).count() as f64 / rows.len() as f64)
            };
            let correct_rate = rate(&rows);
            let discrimination = if rows.len() >= 10 {
                rows.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
                let group = ((rows.len() as f64) * 0.27).ceil() as usize;
                let top = rate(&rows[..group]);
                let bottom = rate(&rows[rows.len() - group..]);
                top.zip(bottom).map(|(t, b)| t - b)
            } else {
                None
            };
            (version, (drawn, correct_rate, discrimination))
        })
        .collect()
}

/// Item statistics of a contest's questions over its finished attempts.
pub async fn item_stats(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
) -> Result<Vec<ItemStats>, ApiError> {
    let backend = db.get_database_backend();
    let attempts = AttemptRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT id, score, draw FROM attempts WHERE contest_id = $1 AND status <> $2",
        [contest_id.into(), "in_progress".into()],
    ))
    .all(db)
    .await?;
    let answers = AnswerRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT a.attempt_id AS attempt_id, a.question_version_id AS question_version_id, a.choice_mask AS choice_mask \
         FROM answers a JOIN attempts t ON t.id = a.attempt_id WHERE t.contest_id = $1 AND t.status <> $2",
        [contest_id.into(), "in_progress".into()],
    ))
    .all(db)
    .await?;
    let versions: HashMap<Uuid, question_version::Model> = {
        let ids: Vec<Uuid> = {
            let mut set: Vec<Uuid> = answers.iter().map(|a| a.question_version_id).collect();
            for a in &attempts {
                if let Ok(draw) = serde_json::from_str::<Vec<DrawnQuestion>>(&a.draw) {
                    set.extend(draw.iter().map(|d| d.version_id));
                }
            }
            set.sort_unstable();
            set.dedup();
            set
        };
        let mut map = HashMap::new();
        for chunk in ids.chunks(500) {
            for v in question_version::Entity::find()
                .filter(question_version::Column::Id.is_in(chunk.to_vec()))
                .all(db)
                .await?
            {
                map.insert(v.id, v);
            }
        }
        map
    };
    let correct: HashMap<(Uuid, Uuid), bool> = answers
        .iter()
        .map(|a| {
            let key = versions
                .get(&a.question_version_id)
                .map_or(0, |v| v.key_mask as u8);
            (
                (a.attempt_id, a.question_version_id),
                is_correct(a.choice_mask as u8, key),
            )
        })
        .collect();
    let drawn: Vec<(Uuid, i32, Vec<Uuid>)> = attempts
        .iter()
        .map(|a| {
            let draw: Vec<DrawnQuestion> = serde_json::from_str(&a.draw).unwrap_or_default();
            (
                a.id,
                a.score.unwrap_or(0),
                draw.into_iter().map(|d| d.version_id).collect(),
            )
        })
        .collect();
    let computed = compute(&drawn, &correct);
    let mut out: Vec<ItemStats> = computed
        .into_iter()
        .filter_map(|(version_id, (drawn, correct_rate, discrimination))| {
            let v = versions.get(&version_id)?;
            Some(ItemStats {
                question_id: v.question_id,
                version_id,
                version: v.version,
                text: v.text.chars().take(120).collect(),
                drawn,
                correct_rate,
                discrimination,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.correct_rate
            .partial_cmp(&b.correct_rate)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_the_best_get_right_discriminates() {
        let v = Uuid::new_v4();
        let attempts: Vec<(Uuid, i32, Vec<Uuid>)> =
            (0..20).map(|i| (Uuid::new_v4(), i, vec![v])).collect();
        let correct: HashMap<(Uuid, Uuid), bool> = attempts
            .iter()
            .map(|(id, score, _)| ((*id, v), *score >= 10))
            .collect();
        let stats = compute(&attempts, &correct);
        let (drawn, rate, discrimination) = stats[&v];
        assert_eq!(drawn, 20);
        assert_eq!(rate, Some(0.5));
        assert_eq!(discrimination, Some(1.0));
    }

    #[test]
    fn few_attempts_give_no_discrimination() {
        let v = Uuid::new_v4();
        let attempts = vec![(Uuid::new_v4(), 3, vec![v])];
        let stats = compute(&attempts, &HashMap::new());
        assert_eq!(stats[&v], (1, Some(0.0), None));
    }
}
