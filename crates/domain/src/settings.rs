//! Contest settings as typed values, with their defaults from spec/contest-rules.md.

use serde::{Deserialize, Serialize};

/// When answer keys become visible to a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Reveal {
    /// As soon as the attempt is finished.
    AfterSubmit,
    /// Once the attempt's round has closed (the default).
    #[default]
    AfterRoundCloses,
    /// Never shown to participants.
    Never,
}

impl Reveal {
    /// The stored string form.
    pub fn as_str(self) -> &'static str {
        match self {
            Reveal::AfterSubmit => "after_submit",
            Reveal::AfterRoundCloses => "after_round_closes",
            Reveal::Never => "never",
        }
    }

    /// Parses the stored form; unknown values fall back to the safest, `never`.
    pub fn from_stored(raw: &str) -> Self {
        match raw {
            "after_submit" => Reveal::AfterSubmit,
            "after_round_closes" => Reveal::AfterRoundCloses,
            _ => Reveal::Never,
        }
    }

    /// Whether keys may be shown for a finished attempt, given whether its round has closed.
    /// An attempt still in progress never shows keys.
    pub fn allows(self, attempt_finished: bool, round_closed: bool) -> bool {
        attempt_finished
            && match self {
                Reveal::AfterSubmit => true,
                Reveal::AfterRoundCloses => round_closed,
                Reveal::Never => false,
            }
    }
}

/// What the prediction question asks participants to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PredictionTarget {
    /// Attempts in the round with every answer correct (the default).
    #[default]
    PerfectAttempts,
    /// Distinct people with a finished attempt in the round.
    Participants,
    /// Finished attempts in the round.
    Attempts,
}

impl PredictionTarget {
    /// The stored string form.
    pub fn as_str(self) -> &'static str {
        match self {
            PredictionTarget::PerfectAttempts => "perfect_attempts",
            PredictionTarget::Participants => "participants",
            PredictionTarget::Attempts => "attempts",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "perfect_attempts" => Some(PredictionTarget::PerfectAttempts),
            "participants" => Some(PredictionTarget::Participants),
            "attempts" => Some(PredictionTarget::Attempts),
            _ => None,
        }
    }
}

/// A ranking key, in the order the contest lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreakKey {
    /// Higher score first.
    Score,
    /// Smaller distance between prediction and actual value first; no prediction last.
    PredictionError,
    /// Shorter duration first.
    DurationMs,
    /// Earlier submission first.
    SubmittedAt,
    /// Fewer attempts used first.
    AttemptsUsed,
    /// Earlier registration first.
    RegisteredAt,
}

/// The default tie-break keys: score, prediction error, duration, submission time.
pub fn default_tie_breaks() -> Vec<TieBreakKey> {
    vec![
        TieBreakKey::Score,
        TieBreakKey::PredictionError,
        TieBreakKey::DurationMs,
        TieBreakKey::SubmittedAt,
    ]
}

/// "Draw at least `count` questions from `topic`" (topic by its code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicQuota {
    /// The topic's code.
    pub topic: String,
    /// How many questions to draw from it.
    pub count: u32,
}

/// The state of an attempt. Only `InProgress` ever changes, and only to one of the other two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    /// Running: answers may be saved.
    InProgress,
    /// Submitted by the participant.
    Submitted,
    /// Closed by the server after `deadline + grace`.
    Expired,
}

impl AttemptStatus {
    /// The stored string form.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::InProgress => "in_progress",
            AttemptStatus::Submitted => "submitted",
            AttemptStatus::Expired => "expired",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "in_progress" => Some(AttemptStatus::InProgress),
            "submitted" => Some(AttemptStatus::Submitted),
            "expired" => Some(AttemptStatus::Expired),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_revealed_only_as_the_setting_allows() {
        assert!(!Reveal::AfterSubmit.allows(false, true));
        assert!(Reveal::AfterSubmit.allows(true, false));
        assert!(!Reveal::AfterRoundCloses.allows(true, false));
        assert!(Reveal::AfterRoundCloses.allows(true, true));
        assert!(!Reveal::Never.allows(true, true));
    }

    #[test]
    fn stored_forms_round_trip() {
        for reveal in [Reveal::AfterSubmit, Reveal::AfterRoundCloses, Reveal::Never] {
            assert_eq!(Reveal::from_stored(reveal.as_str()), reveal);
        }
        for status in [
            AttemptStatus::InProgress,
            AttemptStatus::Submitted,
            AttemptStatus::Expired,
        ] {
            assert_eq!(AttemptStatus::from_stored(status.as_str()), Some(status));
        }
        for target in [
            PredictionTarget::PerfectAttempts,
            PredictionTarget::Participants,
            PredictionTarget::Attempts,
        ] {
            assert_eq!(PredictionTarget::from_stored(target.as_str()), Some(target));
        }
    }
}
