//! Parsing and validating a contest body (create or change) into a complete settings draft.
//!
//! Pure: the handler gives the body, the current draft (defaults when creating), the time and
//! whether a round has opened; this returns the new draft or every field problem at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use cuocthi_domain::prizes::PrizeRules;
use cuocthi_domain::settings::{
    default_tie_breaks, PredictionTarget, Reveal, TieBreakKey, TopicQuota,
};

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// A contest body: every field optional (create fills defaults; change keeps current values).
/// Unknown fields are ignored.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ContestInput {
    /// `[a-z0-9-]`, 2–64, starting with a letter or digit; fixed after creation.
    pub slug: Option<String>,
    /// 1–300 characters.
    pub title: Option<String>,
    /// Rules (thể lệ), Markdown, up to 100,000 characters.
    pub rules_md: Option<String>,
    /// Consent text shown at registration.
    pub consent_text: Option<String>,
    /// The organizing body.
    pub organizer: Option<String>,
    /// RFC 3339.
    pub opens_at: Option<String>,
    /// RFC 3339, after `opens_at`.
    pub closes_at: Option<String>,
    /// 1–200 (default 20).
    pub questions_per_attempt: Option<i64>,
    /// 1–86,400 (default 1200).
    pub time_limit_secs: Option<i64>,
    /// 1–100 (default 3).
    pub max_attempts: Option<i64>,
    /// 0–300 (default 15).
    pub grace_secs: Option<i64>,
    /// Default true.
    pub shuffle_options: Option<bool>,
    /// `[{topic, count}]` by topic code.
    #[schema(value_type = Option<Vec<Object>>)]
    pub topic_quotas: Option<Vec<TopicQuota>>,
    /// `after_submit`, `after_round_closes` (default), `never`.
    pub reveal: Option<String>,
    /// `null` (no prediction question) or `{"question", "target"}`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub prediction: Option<serde_json::Value>,
    /// Ranking keys in order.
    pub tie_breaks: Option<Vec<String>>,
    /// `[{code, name}]`.
    pub categories: Option<Vec<CategoryInput>>,
    /// `[{number, opens_at, closes_at, draw_seed_sha256}]`; default one round spanning the
    /// contest.
    pub rounds: Option<Vec<RoundInput>>,
    /// Default false.
    pub require_national_id: Option<bool>,
    /// Default false.
    pub require_pin: Option<bool>,
    /// IANA name, default `Asia/Ho_Chi_Minh`.
    pub timezone: Option<String>,
    /// Shown in the public list (default true).
    pub listed: Option<bool>,
    /// Prize rules (spec/api.md).
    #[schema(value_type = Option<Object>)]
    pub prizes: Option<serde_json::Value>,
    /// Show the live leaderboard on the public pages (default false). May change at any time.
    pub public_leaderboard: Option<bool>,
    /// Entries the public live leaderboard shows, 1–100 (default 10). May change at any time.
    pub leaderboard_size: Option<i64>,
}

/// A category in a contest body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CategoryInput {
    /// `[a-z0-9_]`, 1–64.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// A round in a contest body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoundInput {
    /// 1, 2, ... in order.
    pub number: i32,
    /// RFC 3339.
    pub opens_at: String,
    /// RFC 3339.
    pub closes_at: String,
    /// Lowercase hex SHA-256 of the draw seed: the commitment.
    #[serde(default)]
    pub draw_seed_sha256: Option<String>,
}

/// A round as drafted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundDraft {
    /// Number.
    pub number: i32,
    /// Opening.
    pub opens_at: DateTime<Utc>,
    /// Scheduled closing.
    pub closes_at: DateTime<Utc>,
    /// Commitment.
    pub draw_seed_sha256: Option<String>,
}

/// A complete, valid contest configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ContestDraft {
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Rules.
    pub rules_md: String,
    /// Consent text.
    pub consent_text: String,
    /// Organizer.
    pub organizer: Option<String>,
    /// Opening.
    pub opens_at: DateTime<Utc>,
    /// Closing.
    pub closes_at: DateTime<Utc>,
    /// Questions per attempt.
    pub questions_per_attempt: i32,
    /// Time limit.
    pub time_limit_secs: i32,
    /// Attempts per round.
    pub max_attempts: i32,
    /// Grace.
    pub grace_secs: i32,
    /// Shuffle options.
    pub shuffle_options: bool,
    /// Topic quotas.
    pub topic_quotas: Vec<TopicQuota>,
    /// Reveal.
    pub reveal: Reveal,
    /// Prediction question and target.
    pub prediction: Option<(String, PredictionTarget)>,
    /// Ranking keys.
    pub tie_breaks: Vec<TieBreakKey>,
    /// Categories.
    pub categories: Vec<CategoryInput>,
    /// Rounds.
    pub rounds: Vec<RoundDraft>,
    /// National ID required.
    pub require_national_id: bool,
    /// PIN required.
    pub require_pin: bool,
    /// Time zone.
    pub timezone: String,
    /// Listed publicly.
    pub listed: bool,
    /// Prize rules.
    pub prizes: PrizeRules,
    /// Live leaderboard on the public pages.
    pub public_leaderboard: bool,
    /// Entries the public live leaderboard shows.
    pub leaderboard_size: i32,
}

/// The consent text used when a contest gives none.
pub const DEFAULT_CONSENT: &str = "Tôi đồng ý để Ban Tổ chức xử lý dữ liệu cá nhân (họ tên, số \
điện thoại, năm sinh, đơn vị, số CCCD nếu có) cho mục đích tổ chức cuộc thi, xếp hạng, trao giải \
và thống kê theo đơn vị, theo Nghị định 13/2023/NĐ-CP. Danh sách đạt giải chỉ công bố họ tên, \
đơn vị, điểm, thời gian và giải; số điện thoại và số CCCD không bao giờ được công bố.";

impl ContestDraft {
    /// The defaults of spec/contest-rules.md for a contest with this slug, title and window.
    pub fn defaults(
        slug: String,
        title: String,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    ) -> Self {
        Self {
            slug,
            title,
            rules_md: String::new(),
            consent_text: DEFAULT_CONSENT.to_owned(),
            organizer: None,
            opens_at,
            closes_at,
            questions_per_attempt: 20,
            time_limit_secs: 1200,
            max_attempts: 3,
            grace_secs: 15,
            shuffle_options: true,
            topic_quotas: Vec::new(),
            reveal: Reveal::AfterRoundCloses,
            prediction: None,
            tie_breaks: default_tie_breaks(),
            categories: Vec::new(),
            rounds: vec![RoundDraft {
                number: 1,
                opens_at,
                closes_at,
                draw_seed_sha256: None,
            }],
            require_national_id: false,
            require_pin: false,
            timezone: "Asia/Ho_Chi_Minh".to_owned(),
            listed: true,
            prizes: PrizeRules::default(),
            public_leaderboard: false,
            leaderboard_size: 10,
        }
    }
}

/// Field problems: field path → stable code.
pub type FieldProblems = BTreeMap<String, String>;

fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| cuocthi_domain::timing::truncate_ms(t.with_timezone(&Utc)))
}

/// Whether a slug is acceptable.
pub fn slug_ok(slug: &str) -> bool {
    (2..=64).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
}

fn text_field(
    problems: &mut FieldProblems,
    name: &str,
    raw: &Option<String>,
    max_chars: usize,
    required: bool,
    target: &mut String,
) {
    if let Some(raw) = raw {
        let value = if name == "rules_md" {
            raw.trim().to_owned()
        } else {
            cuocthi_domain::identity::normalize_text(raw)
        };
        if required && value.is_empty() {
            problems.insert(name.to_owned(), "required".into());
        } else if value.chars().count() > max_chars {
            problems.insert(name.to_owned(), "too_long".into());
        } else {
            *target = value;
        }
    }
}

fn number_field(
    problems: &mut FieldProblems,
    name: &str,
    raw: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
    target: &mut i32,
) {
    if let Some(value) = raw {
        if range.contains(&value) {
            *target = value as i32;
        } else {
            problems.insert(name.to_owned(), "out_of_range".into());
        }
    }
}

/// Applies `input` over `draft`. Returns the new draft, or every problem by field.
pub fn apply(input: &ContestInput, mut draft: ContestDraft) -> Result<ContestDraft, FieldProblems> {
    let mut problems = FieldProblems::new();
    if let Some(slug) = &input.slug {
        let slug = slug.trim().to_owned();
        if slug_ok(&slug) {
            draft.slug = slug;
        } else {
            problems.insert("slug".into(), "invalid".into());
        }
    }
    text_field(
        &mut problems,
        "title",
        &input.title,
        300,
        true,
        &mut draft.title,
    );
    text_field(
        &mut problems,
        "rules_md",
        &input.rules_md,
        100_000,
        false,
        &mut draft.rules_md,
    );
    text_field(
        &mut problems,
        "consent_text",
        &input.consent_text,
        5_000,
        true,
        &mut draft.consent_text,
    );
    if let Some(organizer) = &input.organizer {
        let value = cuocthi_domain::identity::normalize_text(organizer);
        if value.chars().count() > 300 {
            problems.insert("organizer".into(), "too_long".into());
        } else {
            draft.organizer = Some(value).filter(|v| !v.is_empty());
        }
    }
    let window_changed = input.opens_at.is_some() || input.closes_at.is_some();
    for (name, raw, target) in [
        ("opens_at", &input.opens_at, &mut draft.opens_at),
        ("closes_at", &input.closes_at, &mut draft.closes_at),
    ] {
        if let Some(raw) = raw {
            match parse_time(raw) {
                Some(t) => *target = t,
                None => {
                    problems.insert(name.into(), "invalid".into());
                }
            }
        }
    }
    if draft.closes_at <= draft.opens_at && !problems.contains_key("opens_at") {
        problems.insert("closes_at".into(), "before_opening".into());
    }
    number_field(
        &mut problems,
        "questions_per_attempt",
        input.questions_per_attempt,
        1..=200,
        &mut draft.questions_per_attempt,
    );
    number_field(
        &mut problems,
        "time_limit_secs",
        input.time_limit_secs,
        1..=86_400,
        &mut draft.time_limit_secs,
    );
    number_field(
        &mut problems,
        "max_attempts",
        input.max_attempts,
        1..=100,
        &mut draft.max_attempts,
    );
    number_field(
        &mut problems,
        "grace_secs",
        input.grace_secs,
        0..=300,
        &mut draft.grace_secs,
    );
    if let Some(v) = input.shuffle_options {
        draft.shuffle_options = v;
    }
    if let Some(v) = input.require_national_id {
        draft.require_national_id = v;
    }
    if let Some(v) = input.require_pin {
        draft.require_pin = v;
    }
    if let Some(v) = input.listed {
        draft.listed = v;
    }
    if let Some(v) = input.public_leaderboard {
        draft.public_leaderboard = v;
    }
    number_field(
        &mut problems,
        "leaderboard_size",
        input.leaderboard_size,
        1..=100,
        &mut draft.leaderboard_size,
    );
    if let Some(tz) = &input.timezone {
        let tz = tz.trim();
        let plausible = !tz.is_empty()
            && tz.len() <= 64
            && tz
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if plausible {
            draft.timezone = tz.to_owned();
        } else {
            problems.insert("timezone".into(), "invalid".into());
        }
    }
    if let Some(quotas) = &input.topic_quotas {
        let total: u64 = quotas.iter().map(|q| u64::from(q.count)).sum();
        let mut seen = std::collections::HashSet::new();
        if quotas
            .iter()
            .any(|q| q.topic.trim().is_empty() || q.count == 0 || !seen.insert(q.topic.trim()))
        {
            problems.insert("topic_quotas".into(), "invalid".into());
        } else {
            draft.topic_quotas = quotas
                .iter()
                .map(|q| TopicQuota {
                    topic: q.topic.trim().to_owned(),
                    count: q.count,
                })
                .collect();
            if total > 200 {
                problems.insert("topic_quotas".into(), "out_of_range".into());
            }
        }
    }
    if draft
        .topic_quotas
        .iter()
        .map(|q| i64::from(q.count))
        .sum::<i64>()
        > i64::from(draft.questions_per_attempt)
    {
        problems.insert(
            "topic_quotas".into(),
            "exceeds_questions_per_attempt".into(),
        );
    }
    if let Some(reveal) = &input.reveal {
        match reveal.as_str() {
            "after_submit" | "after_round_closes" | "never" => {
                draft.reveal = Reveal::from_stored(reveal)
            }
            _ => {
                problems.insert("reveal".into(), "invalid".into());
            }
        }
    }
    match &input.prediction {
        None => {}
        Some(serde_json::Value::Null) => draft.prediction = None,
        Some(serde_json::Value::Object(map)) => {
            let question = map
                .get("question")
                .and_then(|q| q.as_str())
                .map(cuocthi_domain::identity::normalize_text);
            let target = match map.get("target") {
                None | Some(serde_json::Value::Null) => Some(PredictionTarget::PerfectAttempts),
                Some(t) => t.as_str().and_then(PredictionTarget::from_stored),
            };
            match (question, target) {
                (Some(q), Some(t)) if !q.is_empty() && q.chars().count() <= 1000 => {
                    draft.prediction = Some((q, t))
                }
                (q, t) => {
                    if q.is_none_or(|q| q.is_empty() || q.chars().count() > 1000) {
                        problems.insert("prediction.question".into(), "required".into());
                    }
                    if t.is_none() {
                        problems.insert("prediction.target".into(), "invalid".into());
                    }
                }
            }
        }
        Some(_) => {
            problems.insert("prediction".into(), "invalid".into());
        }
    }
    if let Some(keys) = &input.tie_breaks {
        let parsed: Option<Vec<TieBreakKey>> = keys
            .iter()
            .map(|k| {
                serde_json::from_value::<TieBreakKey>(serde_json::Value::String(k.clone())).ok()
            })
            .collect();
        match parsed {
            Some(parsed)
                if !parsed.is_empty() && {
                    let mut seen = std::collections::HashSet::new();
                    parsed.iter().all(|k| seen.insert(*k))
                } =>
            {
                draft.tie_breaks = parsed
            }
            _ => {
                problems.insert("tie_breaks".into(), "invalid".into());
            }
        }
    }
    if draft.prediction.is_none()
        && input.tie_breaks.is_some()
        && draft.tie_breaks.contains(&TieBreakKey::PredictionError)
    {
        problems.insert(
            "tie_breaks".into(),
            "prediction_error_without_prediction".into(),
        );
    }
    if let Some(categories) = &input.categories {
        let mut seen = std::collections::HashSet::new();
        let mut cleaned = Vec::new();
        for (i, c) in categories.iter().enumerate() {
            let code = c.code.trim();
            let name = cuocthi_domain::identity::normalize_text(&c.name);
            let code_ok = !code.is_empty()
                && code.len() <= 64
                && code
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !code_ok || !seen.insert(code.to_owned()) {
                problems.insert(format!("categories[{i}].code"), "invalid".into());
            }
            if name.is_empty() || name.chars().count() > 300 {
                problems.insert(format!("categories[{i}].name"), "invalid".into());
            }
            cleaned.push(CategoryInput {
                code: code.to_owned(),
                name,
            });
        }
        draft.categories = cleaned;
    }
    match &input.rounds {
        Some(rounds) => {
            let mut drafted = Vec::new();
            for (i, r) in rounds.iter().enumerate() {
                let opens = parse_time(&r.opens_at);
                let closes = parse_time(&r.closes_at);
                let seed_ok = r.draw_seed_sha256.as_ref().is_none_or(|h| {
                    h.len() == 64
                        && h.chars()
                            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
                });
                if r.number != i as i32 + 1 {
                    problems.insert(format!("rounds[{i}].number"), "not_in_order".into());
                }
                if !seed_ok {
                    problems.insert(format!("rounds[{i}].draw_seed_sha256"), "invalid".into());
                }
                match (opens, closes) {
                    (Some(o), Some(c)) if o < c => drafted.push(RoundDraft {
                        number: r.number,
                        opens_at: o,
                        closes_at: c,
                        draw_seed_sha256: r.draw_seed_sha256.clone(),
                    }),
                    _ => {
                        problems.insert(format!("rounds[{i}].closes_at"), "invalid".into());
                    }
                }
            }
            if drafted.is_empty() && !rounds.is_empty() {
                // every round already reported
            } else if drafted.is_empty() {
                problems.insert("rounds".into(), "required".into());
            }
            for (i, pair) in drafted.windows(2).enumerate() {
                if pair[1].opens_at < pair[0].closes_at {
                    problems.insert(format!("rounds[{}].opens_at", i + 1), "overlaps".into());
                }
            }
            draft.rounds = drafted;
        }
        None if window_changed && draft.rounds.len() == 1 => {
            // A single default round follows the contest's window.
            if let Some(round) = draft.rounds.first_mut() {
                round.opens_at = draft.opens_at;
                round.closes_at = draft.closes_at;
            }
        }
        None => {}
    }
    for (i, r) in draft.rounds.iter().enumerate() {
        if r.opens_at < draft.opens_at || r.closes_at > draft.closes_at {
            problems
                .entry(format!("rounds[{i}]"))
                .or_insert_with(|| "outside_contest".into());
        }
    }
    if let Some(prizes) = &input.prizes {
        match serde_json::from_value::<PrizeRules>(prizes.clone()) {
            Ok(rules) => {
                for (path, code) in rules.problems() {
                    problems.insert(path, code.into());
                }
                draft.prizes = rules;
            }
            Err(_) => {
                problems.insert("prizes".into(), "invalid".into());
            }
        }
    }
    if problems.is_empty() {
        Ok(draft)
    } else {
        Err(problems)
    }
}

/// The fields `next` changes that may not change once a round has opened. Safe changes are
/// texts (title, rules, consent, organizer, listing), later closing times, and a draw-seed
/// commitment set where none was — but a round that has already closed (its number in
/// `closed_rounds`) changes not at all: it cannot be reopened, nor its seed committed after
/// the fact.
pub fn locked_changes(
    current: &ContestDraft,
    next: &ContestDraft,
    closed_rounds: &[i32],
) -> Vec<&'static str> {
    let mut locked = Vec::new();
    if current.slug != next.slug {
        locked.push("slug");
    }
    if current.opens_at != next.opens_at {
        locked.push("opens_at");
    }
    if next.closes_at < current.closes_at {
        locked.push("closes_at");
    }
    macro_rules! same {
        ($($field:ident),*) => {$(
            if current.$field != next.$field {
                locked.push(stringify!($field));
            }
        )*};
    }
    same!(
        questions_per_attempt,
        time_limit_secs,
        max_attempts,
        grace_secs,
        shuffle_options,
        topic_quotas,
        reveal,
        prediction,
        tie_breaks,
        categories,
        require_national_id,
        require_pin,
        timezone,
        prizes
    );
    let rounds_ok = current.rounds.len() == next.rounds.len()
        && current.rounds.iter().zip(&next.rounds).all(|(a, b)| {
            let closed = closed_rounds.contains(&a.number);
            a.number == b.number
                && a.opens_at == b.opens_at
                && (b.closes_at == a.closes_at || (!closed && b.closes_at > a.closes_at))
                && (a.draw_seed_sha256 == b.draw_seed_sha256
                    || (!closed && a.draw_seed_sha256.is_none()))
        });
    if !rounds_ok {
        locked.push("rounds");
    }
    locked
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0).unwrap()
    }

    fn base() -> ContestDraft {
        ContestDraft::defaults("cchc".into(), "Tìm hiểu".into(), at(1), at(31))
    }

    #[test]
    fn defaults_follow_the_rules_page() {
        let draft = base();
        assert_eq!(
            (
                draft.questions_per_attempt,
                draft.time_limit_secs,
                draft.max_attempts,
                draft.grace_secs
            ),
            (20, 1200, 3, 15)
        );
        assert_eq!(draft.rounds.len(), 1);
        assert_eq!(draft.reveal, Reveal::AfterRoundCloses);
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let input: ContestInput = serde_json::from_value(serde_json::json!({
            "slug": "Bad Slug", "title": "", "questions_per_attempt": 0, "grace_secs": 301,
            "reveal": "sometimes", "tie_breaks": ["score", "luck"], "opens_at": "yesterday",
            "prediction": {"question": "", "target": "weather"}
        }))
        .unwrap();
        let problems = apply(&input, base()).unwrap_err();
        for field in [
            "slug",
            "title",
            "questions_per_attempt",
            "grace_secs",
            "reveal",
            "tie_breaks",
            "opens_at",
            "prediction.question",
            "prediction.target",
        ] {
            assert!(problems.contains_key(field), "{field}: {problems:?}");
        }
    }

    #[test]
    fn prediction_null_turns_it_off_and_absent_keeps_it() {
        let mut draft = base();
        draft.prediction = Some(("Bao nhiêu?".into(), PredictionTarget::Attempts));
        let keep: ContestInput = serde_json::from_value(serde_json::json!({"title": "X"})).unwrap();
        assert!(apply(&keep, draft.clone()).unwrap().prediction.is_some());
        let off: ContestInput = serde_json::from_value(
            serde_json::json!({"prediction": null, "tie_breaks": ["score", "duration_ms"]}),
        )
        .unwrap();
        assert!(apply(&off, draft).unwrap().prediction.is_none());
    }

    #[test]
    fn prediction_error_needs_a_prediction() {
        let input: ContestInput = serde_json::from_value(
            serde_json::json!({"tie_breaks": ["score", "prediction_error"]}),
        )
        .unwrap();
        assert_eq!(
            apply(&input, base()).unwrap_err()["tie_breaks"],
            "prediction_error_without_prediction"
        );
    }

    #[test]
    fn rounds_must_be_ordered_inside_the_contest_and_apart() {
        let input: ContestInput = serde_json::from_value(serde_json::json!({"rounds": [
            {"number": 1, "opens_at": "2026-12-01T00:00:00Z", "closes_at": "2026-12-10T00:00:00Z"},
            {"number": 2, "opens_at": "2026-12-09T00:00:00Z", "closes_at": "2027-01-10T00:00:00Z"}
        ]}))
        .unwrap();
        let problems = apply(&input, base()).unwrap_err();
        assert_eq!(problems["rounds[1].opens_at"], "overlaps");
        assert_eq!(problems["rounds[1]"], "outside_contest");
    }

    #[test]
    fn a_closed_round_is_neither_reopened_nor_committed_after_the_fact() {
        let current = base();
        let input: ContestInput = serde_json::from_value(serde_json::json!({"rounds": [
            {"number": 1, "opens_at": "2026-12-01T00:00:00Z", "closes_at": "2026-12-31T00:00:00Z", "draw_seed_sha256": "b".repeat(64)}
        ]})).unwrap();
        let next = apply(&input, current.clone()).unwrap();
        assert!(locked_changes(&current, &next, &[]).is_empty());
        assert_eq!(locked_changes(&current, &next, &[1]), vec!["rounds"]);
    }

    #[test]
    fn the_live_leaderboard_settings_are_checked_and_never_locked() {
        let current = base();
        assert_eq!(
            (current.public_leaderboard, current.leaderboard_size),
            (false, 10)
        );
        let input: ContestInput = serde_json::from_value(
            serde_json::json!({"public_leaderboard": true, "leaderboard_size": 100}),
        )
        .unwrap();
        let next = apply(&input, current.clone()).unwrap();
        assert!(next.public_leaderboard);
        assert_eq!(next.leaderboard_size, 100);
        assert!(locked_changes(&current, &next, &[1]).is_empty());
        for bad in [0, 101, -3] {
            let input: ContestInput =
                serde_json::from_value(serde_json::json!({ "leaderboard_size": bad })).unwrap();
            assert_eq!(
                apply(&input, base()).unwrap_err()["leaderboard_size"],
                "out_of_range"
            );
        }
    }

    #[test]
    fn once_open_only_texts_and_later_closing_may_change() {
        let current = base();
        let safe: ContestInput = serde_json::from_value(serde_json::json!({"title": "Mới", "closes_at": "2027-01-05T00:00:00Z", "rounds": [
            {"number": 1, "opens_at": "2026-12-01T00:00:00Z", "closes_at": "2027-01-05T00:00:00Z", "draw_seed_sha256": "a".repeat(64)}
        ]})).unwrap();
        let next = apply(&safe, current.clone()).unwrap();
        assert!(
            locked_changes(&current, &next, &[]).is_empty(),
            "{:?}",
            locked_changes(&current, &next, &[])
        );
        let unsafe_change: ContestInput = serde_json::from_value(
            serde_json::json!({"max_attempts": 5, "closes_at": "2026-12-20T00:00:00Z"}),
        )
        .unwrap();
        let next = apply(&unsafe_change, current.clone()).unwrap();
        assert_eq!(
            locked_changes(&current, &next, &[]),
            vec!["closes_at", "max_attempts", "rounds"]
        );
    }
}
