//! One cache interface: Redis when `REDIS_URL` is set, in-process otherwise.
//!
//! The cache is never the only copy of anything a participant was told is saved. Every call
//! is bounded in time; a cache that fails or is slow answers like an empty one, so the
//! callers fall back to the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;

/// A key-value cache with expiry and counters. Keys are namespaced by the implementation.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// The value under `key`, or `None` when missing, expired or the cache is unreachable.
    async fn get(&self, key: &str) -> Option<String>;
    /// Stores `value` under `key` for `ttl`. Failures are logged and ignored.
    async fn set(&self, key: &str, value: &str, ttl: Duration);
    /// Removes `key`. Failures are logged and ignored.
    async fn delete(&self, key: &str);
    /// Adds one to the counter under `key` (created at 1 with expiry `ttl`), returning the new
    /// value, or `None` when the cache is unreachable.
    async fn incr(&self, key: &str, ttl: Duration) -> Option<i64>;
    /// `"redis"` or `"in_process"`, for `/readyz`.
    fn kind(&self) -> &'static str;
    /// Whether the cache answers now.
    async fn ping(&self) -> bool;
}

fn count_lookup(hit: bool) {
    if hit {
        crate::metrics::CACHE_HITS.inc();
    } else {
        crate::metrics::CACHE_MISSES.inc();
    }
}

/// A cache in this process's memory: for the embedded default and tests. Not shared between
/// nodes, so nothing that must be shared may rely on it when several nodes run.
#[derive(Debug, Default)]
pub struct InProcessCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl InProcessCache {
    /// Most entries kept; past this, expired entries are purged and then the map is cleared.
    const MAX_ENTRIES: usize = 100_000;

    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn with_entries<T>(&self, f: impl FnOnce(&mut HashMap<String, (String, Instant)>) -> T) -> T {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            let now = Instant::now();
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        f(&mut entries)
    }
}

#[async_trait]
impl Cache for InProcessCache {
    async fn get(&self, key: &str) -> Option<String> {
        let found = self.with_entries(|entries| match entries.get(key) {
            Some((value, expires)) if *expires > Instant::now() => Some(value.clone()),
            _ => None,
        });
        count_lookup(found.is_some());
        found
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) {
        self.with_entries(|entries| {
            entries.insert(key.to_owned(), (value.to_owned(), Instant::now() + ttl));
        });
    }

    async fn delete(&self, key: &str) {
        self.with_entries(|entries| {
            entries.remove(key);
        });
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Option<i64> {
        self.with_entries(|entries| {
            let now = Instant::now();
            let entry = entries
                .entry(key.to_owned())
                .or_insert_with(|| ("0".into(), now + ttl));
            if entry.1 <= now {
                *entry = ("0".into(), now + ttl);
            }
            let next = entry.0.parse::<i64>().unwrap_or(0) + 1;
            entry.0 = next.to_string();
            Some(next)
        })
    }

    fn kind(&self) -> &'static str {
        "in_process"
    }

    async fn ping(&self) -> bool {
        true
    }
}

/// Redis, through a reconnecting connection manager; every key is prefixed.
#[derive(Clone)]
pub struct RedisCache {
    connection: redis::aio::ConnectionManager,
    prefix: String,
    timeout: Duration,
}

impl RedisCache {
    /// Connects to `url`; every key gets `prefix` in front (tests use one prefix each).
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("parsing REDIS_URL")?;
        let connection =
            tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
                .await
                .context("connecting to Redis timed out")?
                .context("connecting to Redis")?;
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
            timeout: Duration::from_millis(500),
        })
    }

    async fn run<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Option<T> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(error)) => {
                tracing::warn!(%error, "redis command failed");
                None
            }
            Err(_) => {
                tracing::warn!("redis command timed out");
                None
            }
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Option<String> {
        let mut command = redis::cmd("GET");
        command.arg(self.key(key));
        let found = self.run::<Option<String>>(command).await.flatten();
        count_lookup(found.is_some());
        found
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) {
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64);
        let _: Option<()> = self.run(command).await;
    }

    async fn delete(&self, key: &str) {
        let mut command = redis::cmd("DEL");
        command.arg(self.key(key));
        let _: Option<i64> = self.run(command).await;
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Option<i64> {
        let key = self.key(key);
        let mut command = redis::cmd("INCR");
        command.arg(&key);
        let value: i64 = self.run(command).await?;
        if value == 1 {
            // The first hit of a window sets its expiry (works on every Redis version).
            let mut expire = redis::cmd("PEXPIRE");
            expire.arg(&key).arg(ttl.as_millis().max(1) as u64);
            let _: Option<i64> = self.run(expire).await;
        }
        Some(value)
    }

    fn kind(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> bool {
        self.run::<String>(redis::cmd("PING")).await.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_values_expire_and_counters_count() {
        let cache = InProcessCache::new();
        cache.set("a", "1", Duration::from_secs(60)).await;
        assert_eq!(cache.get("a").await.as_deref(), Some("1"));
        cache.set("b", "2", Duration::from_millis(0)).await;
        assert_eq!(cache.get("b").await, None);
        cache.delete("a").await;
        assert_eq!(cache.get("a").await, None);
        assert_eq!(cache.incr("n", Duration::from_secs(60)).await, Some(1));
        assert_eq!(cache.incr("n", Duration::from_secs(60)).await, Some(2));
    }

    #[tokio::test]
    async fn redis_behaves_like_the_in_process_cache_when_configured() {
        let Ok(url) = std::env::var("TEST_REDIS_URL") else {
            eprintln!("skipped: TEST_REDIS_URL is not set");
            return;
        };
        let prefix = format!("test:{}:", uuid::Uuid::new_v4());
        let cache = RedisCache::connect(&url, &prefix).await.unwrap();
        assert!(cache.ping().await);
        cache.set("a", "1", Duration::from_secs(60)).await;
        assert_eq!(cache.get("a").await.as_deref(), Some("1"));
        cache.delete("a").await;
        assert_eq!(cache.get("a").await, None);
        assert_eq!(cache.incr("n", Duration::from_secs(60)).await, Some(1));
        assert_eq!(cache.incr("n", Duration::from_secs(60)).await, Some(2));
        cache.delete("n").await;
    }
}
