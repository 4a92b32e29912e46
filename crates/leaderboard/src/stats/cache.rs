//! The computed figures in the shared cache (Redis when configured, in-process otherwise),
//! per contest, round, unit scope and breakdown, for [`FRESH_MS`].
//!
//! The key carries the server clock's ten-second window (`now_ms / FRESH_MS`), so figures are
//! at most ten seconds old: a new window is a new key, whatever the cache's own expiry. No
//! cheaper "data version" exists: the count and latest finish time of a contest's finished
//! attempts take a full read of its attempts (about 0.35 s on a million attempts, no index
//! covers them), and even they would miss a regrade. Within one process, requests that miss
//! the same key at the same time wait for one computation instead of each running it (the
//! dashboard asks for `/stats` and `/stats/units` at once; both read the per-unit figures).
//!
//! Only integer figures are cached (see [`super::breakdown::Figures`]): names, headcounts and
//! ratios are joined and computed per request, so an edited unit name shows at once.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use cuocthi_store::{ApiError, AppContext};

use super::Scope;

/// How long computed figures are reused, in milliseconds of the server clock.
pub const FRESH_MS: i64 = 10_000;

/// Computations in progress in this process, by key.
type Flights = Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>;

fn flights() -> &'static Flights {
    static FLIGHTS: OnceLock<Flights> = OnceLock::new();
    FLIGHTS.get_or_init(Flights::default)
}

/// The cache key of one breakdown (`units`, `categories`, `days`) of a scope at `now_ms`:
/// contest, round (or `all`), unit (or `all`), and the clock's window.
pub fn key(kind: &str, scope: &Scope, now_ms: i64) -> String {
    let round = scope
        .round_id
        .map_or_else(|| "all".to_owned(), |r| r.simple().to_string());
    let unit = scope
        .unit_id
        .map_or_else(|| "all".to_owned(), |u| u.simple().to_string());
    format!(
        "stats:v1:{kind}:{}:{round}:{unit}:{}",
        scope.contest_id.simple(),
        now_ms.div_euclid(FRESH_MS)
    )
}

async fn lookup<T: DeserializeOwned>(ctx: &AppContext, key: &str) -> Option<T> {
    let text = ctx.cache.get(key).await?;
    serde_json::from_str(&text).ok()
}

/// The value under `key` when the cache has it, else `compute`'s, stored for [`FRESH_MS`].
/// Concurrent misses of one key in this process run `compute` once; a cache that fails
/// answers like an empty one (the figures are computed).
pub async fn cached<T, F, Fut>(ctx: &AppContext, key: String, compute: F) -> Result<T, ApiError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    if let Some(hit) = lookup(ctx, &key).await {
        return Ok(hit);
    }
    let flight = Flight::join(key);
    let _turn = flight.gate.lock().await;
    // Whoever went first may have stored it meanwhile.
    if let Some(hit) = lookup(ctx, &flight.key).await {
        return Ok(hit);
    }
    let value = compute().await?;
    if let Ok(text) = serde_json::to_string(&value) {
        let ttl = Duration::from_millis(FRESH_MS.unsigned_abs());
        ctx.cache.set(&flight.key, &text, ttl).await;
    }
    Ok(value)
}

/// One request's part in the computation of a key: the last one out (done, failed or
/// cancelled) forgets the key, so that a later miss starts afresh.
struct Flight {
    key: String,
    gate: Arc<tokio::sync::Mutex<()>>,
}

impl Flight {
    fn join(key: String) -> Self {
        let gate = flights()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.clone())
            .or_default()
            .clone();
        Self { key, gate }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        let mut map = flights().lock().unwrap_or_else(PoisonError::into_inner);
        if map
            .get(&self.key)
            .is_some_and(|g| Arc::ptr_eq(g, &self.gate) && Arc::strong_count(g) == 2)
        {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn keys_name_the_scope_and_the_ten_second_window() {
        let contest = Uuid::from_u128(1);
        let round = Uuid::from_u128(2);
        let unit = Uuid::from_u128(3);
        let whole = Scope {
            contest_id: contest,
            round_id: None,
            unit_id: None,
        };
        let narrow = Scope {
            contest_id: contest,
            round_id: Some(round),
            unit_id: Some(unit),
        };
        let at = 1_795_000_000_000;
        assert_eq!(
            key("units", &whole, at),
            format!("stats:v1:units:{}:all:all:179500000", contest.simple())
        );
        assert_eq!(key("units", &whole, at + 9_999), key("units", &whole, at));
        assert_ne!(key("units", &whole, at + 10_000), key("units", &whole, at));
        assert_ne!(key("days", &whole, at), key("units", &whole, at));
        assert_eq!(
            key("days", &narrow, at),
            format!(
                "stats:v1:days:{}:{}:{}:179500000",
                contest.simple(),
                round.simple(),
                unit.simple()
            )
        );
        // Times before 1970 (a test clock) still fall into windows of their own.
        assert_ne!(key("units", &whole, -1), key("units", &whole, 0));
    }
}
