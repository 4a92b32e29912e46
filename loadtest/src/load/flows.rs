//! What one contestant does: the whole journey (register → start → answer every question →
//! submit → read the attempt back), or only register → start (a surge), or register → start →
//! one answer (holding attempts open). Everything the server acknowledges is written into the
//! [`Ledger`] so that it can be checked afterwards.

use std::sync::Mutex;

use reqwest::Method;
use serde_json::json;

use super::client::{Client, Failure};

/// What each contestant does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// register → start → save every question → submit (with a prediction) → read back:
    /// 4 + questions requests (24 on the demo contest).
    Journey,
    /// register → start.
    Start,
    /// register → start → save the first question; the attempt stays in progress.
    StartAndSave,
}

/// Where contestants go and who they are.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The contest's slug.
    pub contest: String,
    /// The unit every contestant registers in.
    pub unit_id: String,
    /// Contestant `n` has phone number `09` followed by `(phone_offset + n) mod 10^8`.
    pub phone_offset: u64,
}

/// An attempt as far as the server acknowledged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledged {
    /// The attempt's id.
    pub attempt_id: String,
    /// The participant's bearer token.
    pub token: String,
    /// Every answer the server acknowledged with 2xx: position and the one key saved.
    pub answers: Vec<(i64, String)>,
    /// The score of an acknowledged submission.
    pub submitted_score: Option<i64>,
}

/// Every acknowledged attempt of a run.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: Mutex<Vec<Acknowledged>>,
}

impl Ledger {
    /// Adds an attempt.
    pub fn push(&self, entry: Acknowledged) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(entry);
    }

    /// Takes every entry out.
    pub fn take(&self) -> Vec<Acknowledged> {
        std::mem::take(&mut *self.entries.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Entries so far.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn malformed(what: &str) -> Failure {
    Failure {
        status: 200,
        code: format!("malformed_{what}"),
    }
}

/// Runs contestant `n`'s `flow`. Ok when every step succeeded; the first failure ends it.
/// Whatever was acknowledged before a failure is still written to `ledger`.
pub async fn run(
    client: &Client,
    plan: &Plan,
    flow: Flow,
    n: u64,
    ledger: &Ledger,
) -> Result<(), Failure> {
    let mut acknowledged = None;
    let outcome = steps(client, plan, flow, n, &mut acknowledged).await;
    if let Some(entry) = acknowledged {
        ledger.push(entry);
    }
    outcome
}

async fn steps(
    client: &Client,
    plan: &Plan,
    flow: Flow,
    n: u64,
    acknowledged: &mut Option<Acknowledged>,
) -> Result<(), Failure> {
    let contest = &plan.contest;
    let phone = format!("09{:08}", (plan.phone_offset + n) % 100_000_000);
    let registered = client
        .call(
            "register",
            Method::POST,
            &format!("/api/v1/contests/{contest}/participants"),
            None,
            Some(&json!({
                "full_name": format!("Thí sinh {n}"), "phone": phone, "birth_year": 1990,
                "unit_id": plan.unit_id, "consent": true, "category": "citizen"
            })),
        )
        .await?;
    let token = registered["token"]
        .as_str()
        .ok_or_else(|| malformed("register"))?
        .to_owned();
    let attempt = client
        .call(
            "start",
            Method::POST,
            &format!("/api/v1/contests/{contest}/attempts"),
            Some(&token),
            Some(&json!({})),
        )
        .await?;
    let id = attempt["attempt_id"]
        .as_str()
        .ok_or_else(|| malformed("start"))?
        .to_owned();
    let entry = acknowledged.insert(Acknowledged {
        attempt_id: id.clone(),
        token: token.clone(),
        answers: Vec::new(),
        submitted_score: None,
    });
    if flow == Flow::Start {
        return Ok(());
    }
    let questions = attempt["questions"]
        .as_array()
        .ok_or_else(|| malformed("start"))?;
    let take = if flow == Flow::StartAndSave {
        1
    } else {
        usize::MAX
    };
    for question in questions.iter().take(take) {
        let position = question["position"]
            .as_i64()
            .ok_or_else(|| malformed("question"))?;
        let key = question["options"]
            .as_array()
            .and_then(|options| {
                options.get((n as usize + position as usize) % options.len().max(1))
            })
            .and_then(|option| option["key"].as_str())
            .ok_or_else(|| malformed("question"))?
            .to_owned();
        client
            .send(
                "save",
                Method::PUT,
                &format!("/api/v1/attempts/{id}/answers/{position}"),
                Some(&token),
                Some(&json!({ "choice": [key] })),
            )
            .await?;
        entry.answers.push((position, key));
    }
    if flow == Flow::StartAndSave {
        return Ok(());
    }
    let result = client
        .call(
            "submit",
            Method::POST,
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            Some(&json!({ "prediction": n % 1000 })),
        )
        .await?;
    entry.submitted_score = Some(
        result["score"]
            .as_i64()
            .ok_or_else(|| malformed("submit"))?,
    );
    client
        .send(
            "result",
            Method::GET,
            &format!("/api/v1/attempts/{id}"),
            Some(&token),
            None,
        )
        .await?;
    Ok(())
}
