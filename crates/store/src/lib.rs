//! What the three services share: the entities, connecting to the database (SQLite or
//! PostgreSQL from its URL) with the migrations run, the cache (Redis or in-process), the
//! injected clock and randomness, time formats, and the HTTP error body every endpoint uses.

pub mod api;
pub mod cache;
pub mod clock;
pub mod context;
pub mod db;
pub mod entities;
pub mod live_board;
pub mod metrics;
pub mod random;
pub mod ratelimit;
pub mod snapshot;
pub mod staff;
pub mod time;
pub mod tokens;

pub use api::ApiError;
pub use cache::{Cache, InProcessCache, RedisCache};
pub use clock::{Clock, ManualClock, SystemClock};
pub use context::AppContext;
pub use random::SharedRng;
pub use snapshot::Snapshots;
