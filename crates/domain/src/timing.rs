//! The attempt clock rules: the server is the only clock (spec/contest-rules.md "Attempts").

use chrono::{DateTime, Duration, DurationRound, Utc};

/// Truncates a time to whole milliseconds, as every recorded time is.
pub fn truncate_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::milliseconds(1)).unwrap_or(t)
}

/// `deadline = min(started_at + time_limit, round closes_at)`.
pub fn deadline(
    started_at: DateTime<Utc>,
    time_limit_secs: u32,
    round_closes_at: DateTime<Utc>,
) -> DateTime<Utc> {
    (started_at + Duration::seconds(i64::from(time_limit_secs))).min(round_closes_at)
}

/// Whether a save received at `now` still counts: strictly before `deadline + grace`.
pub fn accepts_saves(now: DateTime<Utc>, deadline: DateTime<Utc>, grace_secs: u32) -> bool {
    now < deadline + Duration::seconds(i64::from(grace_secs))
}

/// Whether an attempt still in progress at `now` is overdue and must be closed as expired.
pub fn is_overdue(now: DateTime<Utc>, deadline: DateTime<Utc>, grace_secs: u32) -> bool {
    !accepts_saves(now, deadline, grace_secs)
}

/// The recorded finish of a submission received at `received`: never later than the deadline.
pub fn submitted_at(received: DateTime<Utc>, deadline: DateTime<Utc>) -> DateTime<Utc> {
    received.min(deadline)
}

/// Whether a submission received at `now` must carry a prediction (when the contest has one):
/// only submissions made before the deadline.
pub fn prediction_required(now: DateTime<Utc>, deadline: DateTime<Utc>) -> bool {
    now < deadline
}

/// `duration_ms = submitted_at − started_at`, never negative.
pub fn duration_ms(started_at: DateTime<Utc>, submitted_at: DateTime<Utc>) -> i64 {
    (submitted_at - started_at).num_milliseconds().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn the_deadline_is_capped_by_the_round_close() {
        assert_eq!(deadline(at(0), 1200, at(5000)), at(1200));
        assert_eq!(deadline(at(0), 1200, at(600)), at(600));
    }

    #[test]
    fn saves_count_until_deadline_plus_grace() {
        assert!(accepts_saves(at(1214), at(1200), 15));
        assert!(!accepts_saves(at(1215), at(1200), 15));
        assert!(is_overdue(at(1215), at(1200), 15));
        assert!(accepts_saves(at(1199), at(1200), 0));
    }

    #[test]
    fn late_submissions_are_recorded_at_the_deadline() {
        assert_eq!(submitted_at(at(1210), at(1200)), at(1200));
        assert_eq!(submitted_at(at(100), at(1200)), at(100));
        assert!(prediction_required(at(1199), at(1200)));
        assert!(!prediction_required(at(1200), at(1200)));
        assert_eq!(duration_ms(at(0), at(100)), 100_000);
    }

    #[test]
    fn times_are_truncated_to_milliseconds() {
        let t = Utc.timestamp_opt(1_800_000_000, 123_456_789).unwrap();
        assert_eq!(truncate_ms(t).timestamp_subsec_nanos(), 123_000_000);
    }
}
