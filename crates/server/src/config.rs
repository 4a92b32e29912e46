//! Configuration from the environment, with defaults that make `cargo run --release` work on a
//! fresh machine: SQLite under `./data`, an in-process cache, the demo contest.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

/// Whether to seed the demo contest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoMode {
    /// Into a new database when no `DATABASE_URL` was given (the default).
    Auto,
    /// Into any new database (`CUOCTHI_DEMO=1`).
    Always,
    /// Never (`CUOCTHI_DEMO=0`).
    Never,
}

/// Everything the server is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`CUOCTHI_LISTEN`, default `127.0.0.1:8080`; port 0 picks one).
    pub listen: String,
    /// Database URL (`DATABASE_URL`), or `None` for the embedded SQLite file.
    pub database_url: Option<String>,
    /// Directory of the embedded database (`CUOCTHI_DATA_DIR`, default `./data`).
    pub data_dir: PathBuf,
    /// Redis URL (`REDIS_URL`), or `None` for the in-process cache.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key (`CUOCTHI_REDIS_PREFIX`, default `cuocthi:`).
    pub redis_prefix: String,
    /// Demo seeding (`CUOCTHI_DEMO`).
    pub demo: DemoMode,
    /// Whether rate limits apply (`CUOCTHI_RATE_LIMIT=off` disables them).
    pub rate_limit: bool,
    /// Database pool size (`CUOCTHI_DB_POOL`, default 16).
    pub db_pool: u32,
    /// Interval of the expiry sweep (`CUOCTHI_SWEEP_SECS`, default 5).
    pub sweep_every: Duration,
    /// HTTP worker threads (`CUOCTHI_WORKERS`, default: one per core).
    pub workers: Option<usize>,
    /// Largest uploaded file in MiB (`CUOCTHI_UPLOAD_LIMIT_MB`, default 20).
    pub upload_limit_mb: usize,
    /// Answer writer tasks (`CUOCTHI_ANSWER_WRITERS`, default 1 on SQLite, 2 on PostgreSQL);
    /// see `cuocthi_attempts::autosave`.
    pub answer_writers: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: None,
            data_dir: PathBuf::from("./data"),
            redis_url: None,
            redis_prefix: "cuocthi:".into(),
            demo: DemoMode::Auto,
            rate_limit: true,
            db_pool: 16,
            sweep_every: Duration::from_secs(5),
            workers: None,
            upload_limit_mb: 20,
            answer_writers: None,
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Config {
    /// Reads the configuration from the environment; unreadable values are errors that name
    /// the variable.
    pub fn from_env() -> anyhow::Result<Self> {
        let mut config = Config::default();
        if let Some(listen) = var("CUOCTHI_LISTEN") {
            config.listen = listen;
        }
        config.database_url = var("DATABASE_URL");
        if let Some(dir) = var("CUOCTHI_DATA_DIR") {
            config.data_dir = PathBuf::from(dir);
        }
        config.redis_url = var("REDIS_URL");
        if let Some(prefix) = var("CUOCTHI_REDIS_PREFIX") {
            config.redis_prefix = prefix;
        }
        config.demo = match var("CUOCTHI_DEMO").as_deref() {
            None => DemoMode::Auto,
            Some("1" | "true" | "yes" | "on") => DemoMode::Always,
            Some("0" | "false" | "no" | "off") => DemoMode::Never,
            Some(other) => anyhow::bail!("CUOCTHI_DEMO must be 0 or 1, not {other:?}"),
        };
        config.rate_limit = !matches!(
            var("CUOCTHI_RATE_LIMIT")
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("off" | "0" | "false" | "no")
        );
        if let Some(pool) = var("CUOCTHI_DB_POOL") {
            config.db_pool = pool
                .parse()
                .context("CUOCTHI_DB_POOL must be a whole number")?;
        }
        if let Some(secs) = var("CUOCTHI_SWEEP_SECS") {
            let secs: u64 = secs
                .parse()
                .context("CUOCTHI_SWEEP_SECS must be a whole number")?;
            config.sweep_every = Duration::from_secs(secs.max(1));
        }
        if let Some(workers) = var("CUOCTHI_WORKERS") {
            config.workers = Some(
                workers
                    .parse()
                    .context("CUOCTHI_WORKERS must be a number")?,
            );
        }
        if let Some(mb) = var("CUOCTHI_UPLOAD_LIMIT_MB") {
            let mb: usize = mb
                .parse()
                .context("CUOCTHI_UPLOAD_LIMIT_MB must be a whole number")?;
            config.upload_limit_mb = mb.clamp(1, 1024);
        }
        if let Some(writers) = var("CUOCTHI_ANSWER_WRITERS") {
            let writers: usize = writers
                .parse()
                .context("CUOCTHI_ANSWER_WRITERS must be a whole number")?;
            config.answer_writers = Some(writers.clamp(1, 64));
        }
        Ok(config)
    }

    /// The database URL in force: `DATABASE_URL`, or the SQLite file under the data directory
    /// (the directory is created when missing).
    pub fn effective_database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating the data directory {}", self.data_dir.display()))?;
        let path = self.data_dir.join("cuocthi.db");
        Ok(format!("sqlite://{}?mode=rwc", path.display()))
    }

    /// Whether the demo contest goes into a database that has just been created.
    pub fn seeds_demo(&self) -> bool {
        match self.demo {
            DemoMode::Always => true,
            DemoMode::Never => false,
            DemoMode::Auto => self.database_url.is_none(),
        }
    }
}
