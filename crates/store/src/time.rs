//! Time in storage (Unix milliseconds) and on the wire (RFC 3339, UTC, milliseconds).

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Milliseconds since the Unix epoch, as stored.
pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The time of a stored millisecond count. Out-of-range values clamp to the epoch.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Formats a time as on the wire: `2026-11-25T19:09:20.123Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Formats a stored millisecond count as on the wire.
pub fn rfc3339_ms(ms: i64) -> String {
    rfc3339(from_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_times_are_utc_with_milliseconds() {
        assert_eq!(rfc3339_ms(1_795_633_760_123), "2026-11-25T19:09:20.123Z");
        assert_eq!(to_ms(from_ms(1_795_633_760_123)), 1_795_633_760_123);
    }
}
