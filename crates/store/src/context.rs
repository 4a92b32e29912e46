//! The application context every handler receives: database, cache, clock, randomness and
//! settings. One per process; cheap to clone.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::cache::Cache;
use crate::clock::Clock;
use crate::random::SharedRng;

/// Settings of the running node that handlers need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted JSON body, in bytes.
    pub json_limit: usize,
    /// Whether rate limits apply (`CUOCTHI_RATE_LIMIT=off` turns them off).
    pub rate_limit: bool,
    /// Largest accepted uploaded file, in bytes.
    pub upload_limit: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            json_limit: 64 * 1024,
            rate_limit: true,
            upload_limit: 20 * 1024 * 1024,
        }
    }
}

/// Everything a handler may touch, injected at start-up.
#[derive(Clone)]
pub struct AppContext {
    /// The database (SQLite or PostgreSQL).
    pub db: DatabaseConnection,
    /// The cache (Redis or in-process).
    pub cache: Arc<dyn Cache>,
    /// The only clock.
    pub clock: Arc<dyn Clock>,
    /// The random source for draws.
    pub rng: Arc<SharedRng>,
    /// Node settings.
    pub settings: Settings,
}

impl AppContext {
    /// The current time, in whole milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        crate::time::to_ms(self.clock.now())
    }
}
