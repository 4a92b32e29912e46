//! Request and response bodies of the citizen flow (spec/api.md "Citizen flow"). Field names
//! are the contract; fields marked "extra" are additions the contract allows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A contest in the public list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContestSummary {
    /// The contest's slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Opening time.
    pub opens_at: String,
    /// Closing time.
    pub closes_at: String,
    /// `upcoming`, `open` or `closed`.
    pub status: String,
}

/// The prediction question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PredictionDto {
    /// Its wording.
    pub question: String,
}

/// A participant category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryDto {
    /// Code, e.g. `citizen`.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// A round of the contest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundDto {
    /// Number, from 1.
    pub number: i32,
    /// Opening time.
    pub opens_at: String,
    /// Closing time (earlier than scheduled when closed early).
    pub closes_at: String,
    /// Extra: `upcoming`, `open` or `closed`.
    pub status: String,
}

/// Public counters.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContestStats {
    /// Distinct people with a finished attempt.
    pub participants: i64,
    /// Finished attempts.
    pub attempts: i64,
}

/// A contest's public page data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContestDetail {
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Rules (thể lệ), Markdown.
    pub rules_md: String,
    /// Extra: the rules rendered to HTML by the server (raw HTML in the Markdown is escaped).
    pub rules_html: String,
    /// Extra: the consent text shown at registration, Vietnamese.
    pub consent_text: String,
    /// Opening time.
    pub opens_at: String,
    /// Closing time.
    pub closes_at: String,
    /// `upcoming`, `open` or `closed`.
    pub status: String,
    /// Questions drawn per attempt.
    pub questions_per_attempt: i32,
    /// Time limit per attempt.
    pub time_limit_secs: i32,
    /// Attempts per participant per round.
    pub max_attempts: i32,
    /// Extra: grace after the deadline for saves in flight.
    pub grace_secs: i32,
    /// The prediction question, or null.
    pub prediction: Option<PredictionDto>,
    /// Categories (may be empty).
    pub categories: Vec<CategoryDto>,
    /// Rounds.
    pub rounds: Vec<RoundDto>,
    /// Extra: the number of the round a participant acts in now (open, else next, else last).
    pub current_round: Option<i32>,
    /// Extra: whether a national ID is required.
    pub require_national_id: bool,
    /// Extra: whether a PIN is required.
    pub require_pin: bool,
    /// Extra: the contest's time zone.
    pub timezone: String,
    /// The server's clock now.
    pub server_time: String,
    /// Counters.
    pub stats: ContestStats,
}

/// A unit a participant chooses from.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitDto {
    /// Id, sent back as `unit_id`.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Block (khối).
    pub block: String,
}

/// Registration body. Fields are optional here so that a missing field is a field error
/// (422), not an unreadable body.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// Full name.
    pub full_name: Option<String>,
    /// Phone, any common form.
    pub phone: Option<String>,
    /// Birth year.
    pub birth_year: Option<serde_json::Value>,
    /// The chosen unit's id.
    pub unit_id: Option<String>,
    /// Must be `true`.
    pub consent: Option<bool>,
    /// National ID (CCCD), 12 digits.
    pub national_id: Option<String>,
    /// `male`, `female` or `other`.
    pub gender: Option<String>,
    /// Category code, required when the contest has categories.
    pub category: Option<String>,
    /// Free text address.
    pub address: Option<String>,
    /// 4–8 digits, when the contest requires a PIN.
    pub pin: Option<String>,
}

/// Registration result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterResponse {
    /// The participant.
    pub participant_id: Uuid,
    /// The bearer token for later calls.
    pub token: String,
    /// Attempts used in the current round.
    pub attempts_used: i64,
    /// Attempts left in the current round.
    pub attempts_left: i64,
    /// The unit chosen first.
    pub unit_id: Uuid,
    /// The category chosen first.
    pub category: Option<String>,
    /// Extra: the normalised full name.
    pub full_name: String,
    /// Extra: the attempt in progress, if any.
    pub in_progress_attempt_id: Option<Uuid>,
}

/// A finished or running attempt in the participant's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptSummary {
    /// Attempt id.
    pub attempt_id: Uuid,
    /// Round number.
    pub round: i32,
    /// 1-based number within the round.
    pub attempt_no: i32,
    /// Status.
    pub status: String,
    /// Score, when finished.
    pub score: Option<i32>,
    /// Correct answers, when finished.
    pub correct: Option<i32>,
    /// Questions.
    pub total: i32,
    /// Duration, when finished.
    pub duration_ms: Option<i64>,
    /// Finish time, when finished.
    pub submitted_at: Option<String>,
}

/// The participant's own view (extra endpoint).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeResponse {
    /// Participant id.
    pub participant_id: Uuid,
    /// Full name.
    pub full_name: String,
    /// Unit.
    pub unit_id: Uuid,
    /// Category.
    pub category: Option<String>,
    /// Attempts used in the current round.
    pub attempts_used: i64,
    /// Attempts left in the current round.
    pub attempts_left: i64,
    /// The attempt in progress, if any.
    pub in_progress_attempt_id: Option<Uuid>,
    /// Every attempt, newest first.
    pub attempts: Vec<AttemptSummary>,
}

/// One option as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptionDto {
    /// Letter as shown: `A`, `B`, ...
    pub key: String,
    /// Text.
    pub text: String,
}

/// One question of an attempt as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionDto {
    /// Position, from 1.
    pub position: i32,
    /// Text.
    pub text: String,
    /// Whether several options may be chosen.
    pub multiple: bool,
    /// Options in shown order.
    pub options: Vec<OptionDto>,
    /// Extra: the right keys (as shown), only once the reveal setting allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct_keys: Option<Vec<String>>,
    /// Extra: the explanation, only once the reveal setting allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// The result of a finished attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultDto {
    /// `submitted` or `expired`.
    pub status: String,
    /// Sum of points of correct questions.
    pub score: i32,
    /// Correct questions.
    pub correct: i32,
    /// Questions.
    pub total: i32,
    /// Every question correct.
    pub perfect: bool,
    /// `submitted_at − started_at`.
    pub duration_ms: i64,
    /// Recorded finish, never after the deadline.
    pub submitted_at: String,
    /// Attempts left in the attempt's round.
    pub attempts_left: i64,
    /// Extra: the prediction recorded, if any.
    pub prediction: Option<i64>,
}

/// An attempt as its participant sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptDto {
    /// Id.
    pub attempt_id: Uuid,
    /// 1-based number within the round.
    pub attempt_no: i32,
    /// Extra: round number.
    pub round: i32,
    /// `in_progress`, `submitted` or `expired`.
    pub status: String,
    /// Start, by the server's clock.
    pub started_at: String,
    /// `min(started_at + time limit, round close)`.
    pub deadline: String,
    /// The server's clock now.
    pub server_time: String,
    /// Extra: grace after the deadline.
    pub grace_secs: i32,
    /// Extra: whether submitting before the deadline needs a prediction.
    pub prediction_enabled: bool,
    /// Extra: the prediction question's wording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction_question: Option<String>,
    /// Questions in shown order.
    pub questions: Vec<QuestionDto>,
    /// Position → keys saved.
    pub answers: BTreeMap<String, Vec<String>>,
    /// Questions in the attempt.
    pub total: i32,
    /// When finished: sum of points of correct questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<i32>,
    /// When finished: correct questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<i32>,
    /// When finished: every question correct.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perfect: Option<bool>,
    /// When finished: `submitted_at − started_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// When finished: the recorded finish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// When finished: attempts left in the round.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<i64>,
    /// When finished: the prediction recorded, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<i64>,
}

/// An answer save.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SaveAnswerRequest {
    /// Keys as shown; one for single choice, `[]` clears.
    pub choice: Vec<String>,
}

/// A saved answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SaveAnswerResponse {
    /// Position.
    pub position: i32,
    /// Keys saved, in shown order.
    pub choice: Vec<String>,
    /// When the server stored it.
    pub saved_at: String,
}

/// A submission.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SubmitRequest {
    /// The prediction: a whole number ≥ 0.
    pub prediction: Option<serde_json::Value>,
}
