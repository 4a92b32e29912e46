//! Durations: the ten buckets of the duration distribution and the median, computed from a
//! coarse histogram that the database returns in one grouped pass (`duration_ms / width`,
//! about a hundred groups per key), so that no query sorts a million durations.
//!
//! The histogram's groups are a hundredth of the time limit wide (`10 × time_limit_secs`
//! ms), so a tenth of the time limit is exactly 10 groups and every bucket edge falls on a
//! group edge: the buckets are exact. The median is the *lower middle* finished attempt's
//! duration (for `n` attempts, the one at 0-based position `(n − 1) / 2` in ascending order: an
//! observed duration, never an average of two); the histogram tells which group holds it and
//! at which offset, and one more pass reads the exact durations within that group.
//!
//! (Groups of a thousandth of the limit made the per-unit histogram of a million attempts
//! slower, 1.5 s against 1.0 s measured side by side on a busy machine, for 70,000 groups
//! instead of 7,000; the wider groups cost the median's pass only a few more rows.)

use serde::Serialize;
use utoipa::ToSchema;

/// How many buckets the duration distribution has.
pub const BUCKETS: i64 = 10;

/// Groups per bucket.
const GROUPS_PER_BUCKET: i64 = 10;

/// One bucket of the duration distribution: attempts that took `from` ≤ duration < `to`
/// (the last bucket also takes `to` itself, and anything longer).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DurationBucket {
    /// Lower edge in seconds (a tenth of the time limit times the bucket's index).
    pub from_secs: f64,
    /// Upper edge in seconds.
    pub to_secs: f64,
    /// Lower edge in milliseconds (exact).
    pub from_ms: i64,
    /// Upper edge in milliseconds (exact).
    pub to_ms: i64,
    /// Finished attempts in the bucket.
    pub attempts: i64,
}

/// The width in milliseconds of the histogram's groups for a time limit: a hundredth of it.
pub fn group_width_ms(time_limit_secs: i32) -> i64 {
    i64::from(time_limit_secs.max(1)) * 10
}

/// The ten buckets of a time limit, filled from `groups` (`(group, attempts)` pairs with
/// groups of [`group_width_ms`]).
pub fn buckets(time_limit_secs: i32, groups: &[(i64, i64)]) -> Vec<DurationBucket> {
    let limit_ms = group_width_ms(time_limit_secs) * 100;
    let mut out: Vec<DurationBucket> = (0..BUCKETS)
        .map(|i| DurationBucket {
            from_secs: (limit_ms * i / BUCKETS) as f64 / 1000.0,
            to_secs: (limit_ms * (i + 1) / BUCKETS) as f64 / 1000.0,
            from_ms: limit_ms * i / BUCKETS,
            to_ms: limit_ms * (i + 1) / BUCKETS,
            attempts: 0,
        })
        .collect();
    for &(group, attempts) in groups {
        let index = (group / GROUPS_PER_BUCKET).clamp(0, BUCKETS - 1);
        if let Some(bucket) = usize::try_from(index).ok().and_then(|i| out.get_mut(i)) {
            bucket.attempts += attempts;
        }
    }
    out
}

/// Where the lower-middle duration lies: `(group, offset)`, the offset being its 0-based
/// position among the group's durations in ascending order. `None` without attempts.
pub fn median_slot(groups: &[(i64, i64)]) -> Option<(i64, i64)> {
    let mut sorted: Vec<(i64, i64)> = groups.iter().copied().filter(|g| g.1 > 0).collect();
    sorted.sort_unstable();
    let total: i64 = sorted.iter().map(|g| g.1).sum();
    if total == 0 {
        return None;
    }
    let mut wanted = (total - 1) / 2;
    for (group, attempts) in sorted {
        if wanted < attempts {
            return Some((group, wanted));
        }
        wanted -= attempts;
    }
    None
}

/// The lower-middle element of a list of durations (what [`median_slot`] and the refining
/// query find in the database), for tests and small lists.
pub fn lower_median(values: &[i64]) -> Option<i64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values: &[i64], width: i64) -> Vec<(i64, i64)> {
        let mut groups = std::collections::BTreeMap::new();
        for v in values {
            *groups.entry(v / width).or_insert(0) += 1;
        }
        groups.into_iter().collect()
    }

    #[test]
    fn ten_equal_buckets_the_last_one_closed() {
        // 600 s: buckets of 60 s; 600,000 ms (the whole limit) falls into the last one.
        let values = [0, 59_999, 60_000, 599_999, 600_000, 700_000];
        let b = buckets(600, &histogram(&values, group_width_ms(600)));
        assert_eq!(b.len(), 10);
        assert_eq!((b[0].from_secs, b[0].to_secs), (0.0, 60.0));
        assert_eq!((b[9].from_ms, b[9].to_ms), (540_000, 600_000));
        let counts: Vec<i64> = b.iter().map(|x| x.attempts).collect();
        assert_eq!(counts, vec![2, 1, 0, 0, 0, 0, 0, 0, 0, 3]);
    }

    #[test]
    fn odd_limits_have_exact_millisecond_edges() {
        let b = buckets(45, &[]);
        assert_eq!((b[0].from_ms, b[0].to_ms, b[0].to_secs), (0, 4_500, 4.5));
        assert_eq!(b[9].to_ms, 45_000);
        // 4,499 ms is in the first bucket, 4,500 in the second.
        let b = buckets(45, &histogram(&[4_499, 4_500], group_width_ms(45)));
        assert_eq!((b[0].attempts, b[1].attempts), (1, 1));
    }

    #[test]
    fn the_median_slot_points_at_the_lower_middle() {
        assert_eq!(median_slot(&[]), None);
        assert_eq!(lower_median(&[]), None);
        for values in [
            vec![5_000],
            vec![5_000, 1_000],
            vec![3, 1, 2, 4],
            vec![10_000, 10_001, 10_002, 300_000, 2, 599_999],
            (0..1_001)
                .map(|i| (i * 7_919) % 600_000)
                .collect::<Vec<_>>(),
        ] {
            let width = group_width_ms(600);
            let (group, offset) = median_slot(&histogram(&values, width)).unwrap();
            let mut inside: Vec<i64> = values
                .iter()
                .copied()
                .filter(|v| v / width == group)
                .collect();
            inside.sort_unstable();
            assert_eq!(
                Some(inside[offset as usize]),
                lower_median(&values),
                "{values:?}"
            );
        }
        assert_eq!(lower_median(&[4, 1, 3, 2]), Some(2));
    }
}
