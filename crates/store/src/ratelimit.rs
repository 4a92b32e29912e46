//! Rate limits, counted in the cache (Redis: shared by every node) per fixed window, and
//! switched off entirely by `CUOCTHI_RATE_LIMIT=off`. When the cache is unreachable requests
//! are let through: a limit must never take the service down with it.
//!
//! The limits in force (documented in the README):
//! - registration: 600 per client address per 10 minutes (a commune's meeting room behind one
//!   address registers a few dozen people, with retries, well within it);
//! - wrong PINs: 10 per participant per 15 minutes;
//! - starting attempts: 30 per participant per minute.

use std::time::Duration;

use crate::{ApiError, AppContext};

/// A limit: at most `max` hits per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Hits allowed in a window.
    pub max: i64,
    /// The window.
    pub window: Duration,
}

/// Registrations per client address.
pub const REGISTRATION_PER_ADDRESS: Limit = Limit {
    max: 600,
    window: Duration::from_secs(600),
};
/// Wrong PINs per participant.
pub const PIN_FAILURES: Limit = Limit {
    max: 10,
    window: Duration::from_secs(900),
};
/// Starts per participant.
pub const STARTS_PER_PARTICIPANT: Limit = Limit {
    max: 30,
    window: Duration::from_secs(60),
};

/// Counts a hit on `key`; 429 `rate_limited` with `Retry-After` once over the limit.
pub async fn hit(ctx: &AppContext, key: &str, limit: Limit) -> Result<(), ApiError> {
    if !ctx.settings.rate_limit {
        return Ok(());
    }
    match ctx.cache.incr(&format!("rate:{key}"), limit.window).await {
        Some(count) if count > limit.max => {
            Err(ApiError::too_many_requests(limit.window.as_secs() as u32))
        }
        _ => Ok(()),
    }
}

/// Whether `key` is already over its limit, without counting a hit (for failure counters).
pub async fn exceeded(ctx: &AppContext, key: &str, limit: Limit) -> bool {
    ctx.settings.rate_limit
        && ctx
            .cache
            .get(&format!("rate:{key}"))
            .await
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|count| count >= limit.max)
}

/// Counts a failure on `key` (see [`exceeded`]).
pub async fn fail(ctx: &AppContext, key: &str, limit: Limit) {
    if ctx.settings.rate_limit {
        ctx.cache.incr(&format!("rate:{key}"), limit.window).await;
    }
}
