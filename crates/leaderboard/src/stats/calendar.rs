//! Calendar days in a contest's time zone, for the per-day statistics: which local day an
//! instant falls on, as plain arithmetic that SQLite and PostgreSQL compute alike inside an
//! aggregate query (`(t + offset) / 86400000`, the offset being piecewise constant between the
//! zone's transitions within the contest's dates).
//!
//! Every instant is an `i64` of milliseconds that may come from a corrupt row: the arithmetic
//! here never overflows or panics (checked or saturating), and [`FIRST_DAY_MS`] ..=
//! [`LAST_DAY_MS`] bounds the instants that the per-day queries look at, so that the SQL
//! arithmetic cannot overflow a bigint either.

use chrono::{DateTime, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// The earliest finish time the per-day figures look at: 1970-01-02 00:00 UTC, so that
/// `t + offset` is never negative for any real offset (under a day) and integer division,
/// which truncates, is floor division.
pub const FIRST_DAY_MS: i64 = DAY_MS;

/// The latest finish time the per-day figures look at: 9999-12-31 23:59:59.999 UTC. Later
/// instants (and earlier than [`FIRST_DAY_MS`]) can only be corrupt and are left out of the
/// per-day figures (they still count everywhere else).
pub const LAST_DAY_MS: i64 = 253_402_300_799_999;

/// The zone used when a contest's zone is not a known IANA name.
pub const DEFAULT_TIMEZONE: &str = "Asia/Ho_Chi_Minh";

/// How finely the zone's offset is sampled to find its transitions (15 minutes: every real
/// zone changes its offset at a quarter hour).
const STEP_MS: i64 = 15 * 60 * 1000;

/// The longest span whose transitions are looked for (about three years).
const MAX_SPAN_MS: i64 = 1_100 * DAY_MS;

/// One stretch of constant offset: from the previous piece's end (or the beginning of time)
/// up to `until_ms` (exclusive; `None`: forever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    until_ms: Option<i64>,
    offset_ms: i64,
}

/// The local calendar of a time zone over a span of dates.
#[derive(Debug, Clone)]
pub struct DayClock {
    tz: Tz,
    pieces: Vec<Piece>,
}

/// The zone of this name, or [`DEFAULT_TIMEZONE`] when it is not a known IANA name.
pub fn zone(name: &str) -> Tz {
    name.trim()
        .parse::<Tz>()
        .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh)
}

fn offset_ms(tz: Tz, at_ms: i64) -> i64 {
    let utc = DateTime::<Utc>::from_timestamp_millis(at_ms).unwrap_or_default();
    i64::from(
        tz.offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
    ) * 1000
}

impl DayClock {
    /// The calendar of `timezone` (an IANA name such as `Asia/Ho_Chi_Minh`; unknown names fall
    /// back to [`DEFAULT_TIMEZONE`]). Offset changes (daylight saving time) are honoured
    /// between `from_ms` and `to_ms` (at most about three years from `from_ms`); outside that
    /// span the offset in force at its nearest end is used.
    pub fn new(timezone: &str, from_ms: i64, to_ms: i64) -> Self {
        let tz = zone(timezone);
        let to_ms = to_ms.clamp(from_ms, from_ms.saturating_add(MAX_SPAN_MS));
        let mut pieces = Vec::new();
        let mut current = offset_ms(tz, from_ms);
        let mut at = from_ms;
        while at < to_ms {
            let next = at.saturating_add(STEP_MS).min(to_ms);
            let offset = offset_ms(tz, next);
            if offset != current {
                // The change lies in (at, next]: find its first millisecond.
                let (mut lo, mut hi) = (at, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_ms(tz, mid) == current {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                pieces.push(Piece {
                    until_ms: Some(hi),
                    offset_ms: current,
                });
                current = offset;
            }
            at = next;
        }
        pieces.push(Piece {
            until_ms: None,
            offset_ms: current,
        });
        Self { tz, pieces }
    }

    /// The zone's IANA name.
    pub fn timezone(&self) -> &'static str {
        self.tz.name()
    }

    /// The offset (local − UTC, in milliseconds) this calendar uses at an instant.
    pub fn offset_at(&self, at_ms: i64) -> i64 {
        self.pieces
            .iter()
            .find(|p| p.until_ms.is_none_or(|until| at_ms < until))
            .map_or(0, |p| p.offset_ms)
    }

    /// The local day number of an instant (days since 1970-01-01 in the zone); what
    /// [`DayClock::sql_day`] computes in the database for instants from [`FIRST_DAY_MS`] to
    /// [`LAST_DAY_MS`]. Saturates instead of overflowing at the ends of `i64`.
    pub fn day_of(&self, at_ms: i64) -> i64 {
        at_ms
            .saturating_add(self.offset_at(at_ms))
            .div_euclid(DAY_MS)
    }

    /// An SQL expression giving the local day number of the integer millisecond column (or
    /// expression) `column`, for instants from [`FIRST_DAY_MS`] to [`LAST_DAY_MS`] (integer
    /// division truncates; the caller keeps other instants out with [`DayClock::sql_bounds`]).
    /// Only integers of our own go into it.
    pub fn sql_day(&self, column: &str) -> String {
        let offset = match self.pieces.as_slice() {
            [only] => only.offset_ms.to_string(),
            pieces => {
                let mut case = String::from("CASE");
                for piece in pieces {
                    match piece.until_ms {
                        Some(until) => case.push_str(&format!(
                            " WHEN {column} < {until} THEN {}",
                            piece.offset_ms
                        )),
                        None => case.push_str(&format!(" ELSE {}", piece.offset_ms)),
                    }
                }
                case.push_str(" END");
                case
            }
        };
        format!("(({column} + {offset}) / {DAY_MS})")
    }

    /// The SQL condition (starting with ` AND`) that keeps the instants of `column` within
    /// [`FIRST_DAY_MS`] ..= [`LAST_DAY_MS`], where [`DayClock::sql_day`] cannot overflow.
    pub fn sql_bounds(column: &str) -> String {
        format!(" AND {column} >= {FIRST_DAY_MS} AND {column} <= {LAST_DAY_MS}")
    }

    /// The date of a local day number (days since 1970-01-01); `None` beyond the dates chrono
    /// can represent (never a panic).
    pub fn date(day: i64) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::try_days(day)?)
    }

    /// An instant as local wall time, `2026-11-25 09:00:00`, exact for any instant.
    pub fn local_time(&self, at_ms: i64) -> String {
        let utc = DateTime::<Utc>::from_timestamp_millis(at_ms).unwrap_or_default();
        utc.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn vietnam_days_start_at_five_pm_utc() {
        let clock = DayClock::new(
            "Asia/Ho_Chi_Minh",
            ms(2026, 11, 1, 0, 0),
            ms(2026, 12, 31, 0, 0),
        );
        assert_eq!(clock.sql_day("t"), "((t + 25200000) / 86400000)");
        let before = clock.day_of(ms(2026, 11, 25, 16, 59));
        let after = clock.day_of(ms(2026, 11, 25, 17, 0));
        assert_eq!(after, before + 1);
        assert_eq!(DayClock::date(before).unwrap().to_string(), "2026-11-25");
        assert_eq!(DayClock::date(after).unwrap().to_string(), "2026-11-26");
        assert_eq!(
            clock.local_time(ms(2026, 11, 25, 17, 0)),
            "2026-11-26 00:00:00"
        );
        assert_eq!(clock.timezone(), "Asia/Ho_Chi_Minh");
    }

    #[test]
    fn unknown_zones_fall_back_to_vietnam() {
        let from = ms(2026, 11, 1, 0, 0);
        let clock = DayClock::new("Mars/Olympus", from, from + DAY_MS);
        assert_eq!(clock.timezone(), DEFAULT_TIMEZONE);
        assert_eq!(clock.offset_at(from), 7 * 3_600_000);
        // (Saigon kept UTC+8 until 1975: the zone's history is honoured.)
        let old = DayClock::new(" Asia/Ho_Chi_Minh ", 0, DAY_MS);
        assert_eq!(old.offset_at(0), 8 * 3_600_000);
    }

    #[test]
    fn daylight_saving_changes_are_found_to_the_millisecond() {
        // London: BST ends on 2026-10-25 at 01:00 UTC.
        let clock = DayClock::new(
            "Europe/London",
            ms(2026, 10, 1, 0, 0),
            ms(2026, 11, 30, 0, 0),
        );
        let change = ms(2026, 10, 25, 1, 0);
        assert_eq!(clock.offset_at(change - 1), 3_600_000);
        assert_eq!(clock.offset_at(change), 0);
        assert_eq!(
            clock.sql_day("t"),
            format!("((t + CASE WHEN t < {change} THEN 3600000 ELSE 0 END) / 86400000)")
        );
        // 23:30 UTC on 24 October is already the 25th in London (BST) ...
        let late = clock.day_of(ms(2026, 10, 24, 23, 30));
        assert_eq!(DayClock::date(late).unwrap().to_string(), "2026-10-25");
        // ... and on 1 November 23:30 UTC is still the 1st (GMT).
        let winter = clock.day_of(ms(2026, 11, 1, 23, 30));
        assert_eq!(DayClock::date(winter).unwrap().to_string(), "2026-11-01");
    }

    #[test]
    fn the_local_day_agrees_with_chrono_everywhere_in_the_span() {
        let from = ms(2026, 3, 1, 0, 0);
        let to = ms(2026, 11, 30, 0, 0);
        for name in [
            "Europe/London",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
        ] {
            let clock = DayClock::new(name, from, to);
            let tz = zone(name);
            let mut at = from;
            while at < to {
                let local = DateTime::<Utc>::from_timestamp_millis(at)
                    .unwrap()
                    .with_timezone(&tz)
                    .date_naive();
                assert_eq!(
                    DayClock::date(clock.day_of(at)),
                    Some(local),
                    "{name} at {at}"
                );
                at += 7 * 60 * 1000 + 13;
            }
        }
    }

    #[test]
    fn extreme_instants_and_days_neither_overflow_nor_panic() {
        for (from, to) in [
            (i64::MIN, i64::MAX),
            (i64::MAX - 1, i64::MAX),
            (i64::MIN, i64::MIN + 1),
            (i64::MAX, i64::MIN),
        ] {
            let clock = DayClock::new("Europe/London", from, to);
            for at in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
                let day = clock.day_of(at);
                // Far beyond chrono's dates: no date, and no panic.
                let _ = DayClock::date(day);
                let _ = clock.local_time(at);
            }
        }
        assert_eq!(DayClock::date(i64::MAX), None);
        assert_eq!(DayClock::date(i64::MIN), None);
        assert_eq!(DayClock::date(i64::MAX / DAY_MS), None);
        assert_eq!(
            DayClock::date(0).map(|d| d.to_string()),
            Some("1970-01-01".to_owned())
        );
        assert_eq!(
            DayClock::date(-1).map(|d| d.to_string()),
            Some("1969-12-31".to_owned())
        );
        // The bounds of the per-day queries: both ends have a date in every zone, and the
        // SQL arithmetic stays far inside a bigint.
        for name in ["Asia/Ho_Chi_Minh", "Pacific/Kiritimati", "Etc/GMT+12"] {
            let clock = DayClock::new(name, 0, DAY_MS);
            let first = clock.day_of(FIRST_DAY_MS);
            let last = clock.day_of(LAST_DAY_MS);
            assert!(first >= 0, "{name}: integer division is floor division");
            assert!(DayClock::date(first).is_some() && DayClock::date(last).is_some());
            assert!(LAST_DAY_MS
                .checked_add(clock.offset_at(LAST_DAY_MS))
                .is_some());
        }
        assert_eq!(
            DayClock::sql_bounds("t"),
            " AND t >= 86400000 AND t <= 253402300799999"
        );
    }
}
