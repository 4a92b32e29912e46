//! Subcommands: `serve` (the default), `migrate`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use cuocthi_store::{SharedRng, SystemClock};

use crate::config::Config;
use crate::startup::Application;

/// cuocthi: online quiz contests.
#[derive(Debug, Parser)]
#[command(
    name = "cuocthi",
    version,
    about = "cuocthi: online quiz contests (cuộc thi trực tuyến)"
)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the migrations, seeds the demo when configured, and serves HTTP until SIGTERM or
    /// Ctrl-C (in-flight requests finish first).
    Serve,
    /// Runs the migrations only.
    Migrate,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(config, Arc::new(SystemClock), SharedRng::from_entropy())
                .await?;
            tracing::info!(address = %app.address(), "cuocthi is listening; open http://{}", app.address());
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let url = config.effective_database_url()?;
            let db = cuocthi_store::db::connect(&url, 1).await?;
            let was_new = cuocthi_store::db::migrate(&db).await?;
            tracing::info!(new_database = was_new, "migrations are up to date");
            Ok(ExitCode::SUCCESS)
        }
    }
}
