//! After the load: reads every acknowledged attempt back through the API (as its
//! participant) and counts what is missing. An acknowledged answer must be there with the
//! key saved; an acknowledged submission must have left the attempt finished with the score
//! the server returned.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::client::{Client, Failure};
use super::flows::Acknowledged;

/// The outcome of a verification. Any of `missing_attempts`, `lost_answers`,
/// `lost_submissions` or `unverifiable` above 0 is a failure of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Acknowledged attempts read back.
    pub attempts: u64,
    /// Acknowledged answers checked.
    pub answers: u64,
    /// Acknowledged submissions checked.
    pub submissions: u64,
    /// Attempts the server said don't exist (404) or refused to show (401, 403).
    pub missing_attempts: u64,
    /// Acknowledged answers absent or different.
    pub lost_answers: u64,
    /// Acknowledged submissions whose attempt is still in progress or has another score.
    pub lost_submissions: u64,
    /// Attempts that could not be read at all (no response or 5xx after retries).
    pub unverifiable: u64,
    /// How long the verification took, in milliseconds.
    pub millis: u64,
}

impl Verification {
    /// Whether everything acknowledged was found.
    pub fn ok(&self) -> bool {
        self.missing_attempts == 0
            && self.lost_answers == 0
            && self.lost_submissions == 0
            && self.unverifiable == 0
    }
}

/// What reading one attempt back found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Check {
    /// Answers absent or different.
    pub lost_answers: u64,
    /// 1 when an acknowledged submission is not there.
    pub lost_submission: u64,
}

/// Compares one acknowledged attempt with the attempt as the server shows it now
/// (`GET /api/v1/attempts/{id}`).
pub fn check(entry: &Acknowledged, shown: &Value) -> Check {
    let lost_answers = entry
        .answers
        .iter()
        .filter(|(position, key)| {
            let saved = &shown["answers"][position.to_string()];
            !(saved.as_array().map(Vec::len) == Some(1) && saved[0].as_str() == Some(key.as_str()))
        })
        .count() as u64;
    let lost_submission = match entry.submitted_score {
        Some(score) => u64::from(
            shown["status"].as_str() == Some("in_progress")
                || shown["status"].is_null()
                || shown["score"].as_i64() != Some(score),
        ),
        None => 0,
    };
    Check {
        lost_answers,
        lost_submission,
    }
}

/// Reads every entry back with up to `concurrency` requests at once, round-robin across the
/// client's targets (so with two nodes, what one acknowledged is read through the other as
/// well); a read that gets no response or a 5xx is tried up to `retries` more times, a
/// second apart.
pub async fn verify(
    client: &Client,
    entries: Vec<Acknowledged>,
    concurrency: usize,
    retries: u32,
) -> Verification {
    let began = Instant::now();
    let counts: [AtomicU64; 7] = Default::default();
    let [attempts, answers, submissions, missing, lost_answers, lost_submissions, unverifiable] =
        &counts;
    futures::stream::iter(entries)
        .for_each_concurrent(concurrency.max(1), |entry| async move {
            attempts.fetch_add(1, Ordering::Relaxed);
            answers.fetch_add(entry.answers.len() as u64, Ordering::Relaxed);
            submissions.fetch_add(
                u64::from(entry.submitted_score.is_some()),
                Ordering::Relaxed,
            );
            let mut tries = 0;
            let shown = loop {
                let outcome = client
                    .call(
                        "verify",
                        Method::GET,
                        &format!("/api/v1/attempts/{}", entry.attempt_id),
                        Some(&entry.token),
                        None,
                    )
                    .await;
                match outcome {
                    Err(Failure { status, .. }) if (1..500).contains(&status) => break None,
                    Err(failure) if failure.transient() && tries < retries => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    Err(_) => {
                        unverifiable.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Ok(shown) => break Some(shown),
                }
            };
            let Some(shown) = shown else {
                missing.fetch_add(1, Ordering::Relaxed);
                lost_answers.fetch_add(entry.answers.len() as u64, Ordering::Relaxed);
                lost_submissions.fetch_add(
                    u64::from(entry.submitted_score.is_some()),
                    Ordering::Relaxed,
                );
                return;
            };
            let found = check(&entry, &shown);
            lost_answers.fetch_add(found.lost_answers, Ordering::Relaxed);
            lost_submissions.fetch_add(found.lost_submission, Ordering::Relaxed);
        })
        .await;
    let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
    Verification {
        attempts: get(attempts),
        answers: get(answers),
        submissions: get(submissions),
        missing_attempts: get(missing),
        lost_answers: get(lost_answers),
        lost_submissions: get(lost_submissions),
        unverifiable: get(unverifiable),
        millis: began.elapsed().as_millis() as u64,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(score: Option<i64>) -> Acknowledged {
        Acknowledged {
            attempt_id: "a".into(),
            token: "t".into(),
            answers: vec![(1, "A".into()), (2, "C".into())],
            submitted_score: score,
        }
    }

    #[test]
    fn every_acknowledged_answer_must_be_there_with_its_key() {
        let shown = json!({"status": "in_progress", "answers": {"1": ["A"], "2": ["C"]}});
        assert_eq!(check(&entry(None), &shown), Check::default());
        let changed = json!({"status": "in_progress", "answers": {"1": ["B"]}});
        assert_eq!(check(&entry(None), &changed).lost_answers, 2);
    }

    #[test]
    fn an_acknowledged_submission_must_have_finished_the_attempt_with_its_score() {
        let answers = json!({"1": ["A"], "2": ["C"]});
        let done = json!({"status": "submitted", "score": 10, "answers": answers});
        assert_eq!(check(&entry(Some(10)), &done).lost_submission, 0);
        let other = json!({"status": "submitted", "score": 5, "answers": answers});
        assert_eq!(check(&entry(Some(10)), &other).lost_submission, 1);
        let open = json!({"status": "in_progress", "answers": answers});
        assert_eq!(check(&entry(Some(10)), &open).lost_submission, 1);
    }
}
