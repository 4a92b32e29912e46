//! Building and running the application: connect, migrate, seed, bind, serve.
//!
//! `Application::build` binds before it returns, so tests ask for port 0 and read the real
//! port from [`Application::port`].

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use cuocthi_attempts::auth::TokenCache;
use cuocthi_attempts::autosave::AnswerWriter;
use cuocthi_attempts::draws::DrawCache;
use cuocthi_store::context::Settings;
use cuocthi_store::Snapshots;
use cuocthi_store::{AppContext, Cache, Clock, InProcessCache, RedisCache, SharedRng};

use crate::config::Config;

/// A bound, not yet running server, with the context it serves.
pub struct Application {
    port: u16,
    address: String,
    server: Server,
    context: AppContext,
    snapshots: Arc<Snapshots>,
    sweeper: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Connects to the database and cache, runs the migrations, seeds the demo when
    /// configured, and binds the listener. Nothing is served before all of that has finished.
    pub async fn build(
        config: Config,
        clock: Arc<dyn Clock>,
        rng: SharedRng,
    ) -> anyhow::Result<Self> {
        let url = config.effective_database_url()?;
        let db = cuocthi_store::db::connect(&url, config.db_pool).await?;
        let was_new = cuocthi_store::db::migrate(&db).await?;
        if was_new && config.seeds_demo() {
            crate::demo::seed(&db, clock.now())
                .await
                .context("seeding the demo contest")?;
            tracing::info!("seeded the demo contest at /c/demo");
            if config.database_url.is_none() {
                crate::demo::create_demo_admin(&db, clock.now(), &config.listen).await?;
            }
        }
        let cache: Arc<dyn Cache> = match &config.redis_url {
            Some(redis_url) => {
                Arc::new(RedisCache::connect(redis_url, &config.redis_prefix).await?)
            }
            None => Arc::new(InProcessCache::new()),
        };
        let context = AppContext {
            db,
            cache,
            clock,
            rng: Arc::new(rng),
            settings: Settings {
                rate_limit: config.rate_limit,
                ..Settings::default()
            },
        };
        let snapshots = web::Data::new(Snapshots::new(Duration::from_secs(5)));
        let tokens = web::Data::new(TokenCache::default());
        let draws = web::Data::new(DrawCache::default());
        let writers = config
            .answer_writers
            .unwrap_or_else(|| AnswerWriter::default_writers(&context.db));
        let answer_writer = web::Data::new(AnswerWriter::spawn(context.db.clone(), writers));
        let listener = TcpListener::bind(&config.listen)
            .with_context(|| format!("binding {}", config.listen))?;
        let local = listener.local_addr().context("reading the bound address")?;
        let data = web::Data::new(context.clone());
        let json_limit = context.settings.json_limit;
        let server_snapshots = snapshots.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(cuocthi_store::staff::gate))
                .wrap(actix_web::middleware::from_fn(
                    crate::http::security_headers,
                ))
                .wrap(actix_web::middleware::from_fn(crate::http::request_log))
                .wrap(actix_web::middleware::Compress::default())
                .app_data(data.clone())
                .app_data(server_snapshots.clone())
                .app_data(tokens.clone())
                .app_data(draws.clone())
                .app_data(answer_writer.clone())
                .app_data(cuocthi_store::api::json_config(json_limit))
                .app_data(cuocthi_store::api::path_config())
                .app_data(cuocthi_store::api::query_config())
                .configure(crate::health::configure)
                .configure(crate::metrics::configure)
                .configure(cuocthi_attempts::configure)
                .configure(crate::staff::configure)
                .configure(cuocthi_bank::configure)
                .configure(cuocthi_leaderboard::configure)
                // After `participants/export`, which `participants/{id}` would otherwise take.
                .configure(cuocthi_bank::configure_after_statistics)
                .configure(crate::openapi::configure)
                .configure(crate::frontend::configure)
                .default_service(web::to(crate::http::not_found))
        })
        .listen(listener)
        .context("listening")?
        .shutdown_timeout(30)
        // Signals are handled in `run_until_stopped`, so that Ctrl-C is as graceful as SIGTERM.
        .disable_signals();
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        let snapshots = snapshots.into_inner();
        let sweeper = cuocthi_attempts::expiry::spawn_sweeper(
            context.clone(),
            snapshots.clone(),
            config.sweep_every,
        );
        Ok(Self {
            port: local.port(),
            address: local.to_string(),
            server: server.run(),
            context,
            snapshots,
            sweeper,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address actually bound, `host:port`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The context the server runs with (tests read the database through it).
    pub fn context(&self) -> &AppContext {
        &self.context
    }

    /// This node's contest snapshots (tests drop them after editing the database directly).
    pub fn snapshots(&self) -> Arc<Snapshots> {
        self.snapshots.clone()
    }

    /// Serves until SIGTERM or Ctrl-C; in-flight requests finish (up to 30 s) before it
    /// returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let stopper = tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("stopping: finishing in-flight requests");
            handle.stop(true).await;
        });
        let result = self.server.await;
        stopper.abort();
        self.sweeper.abort();
        tracing::info!("cuocthi stopped");
        result
    }
}

/// Waits for SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
