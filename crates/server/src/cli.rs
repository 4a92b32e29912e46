//! Subcommands: `serve` (the default), `migrate`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use cuocthi_store::staff::Role;

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
    /// Staff accounts from the command line.
    Admin {
        /// What to do.
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// `cuocthi admin ...`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Creates a staff account (e.g. the first admin of a new installation), using the same
    /// `DATABASE_URL` as the server; runs the migrations first when the database is new.
    Create {
        /// 3–64 letters, digits, `.`, `_`, `-`.
        #[arg(long)]
        username: String,
        /// `admin`, `organizer` or `unit_manager`.
        #[arg(long)]
        role: String,
        /// The unit code of a unit manager.
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from the first line of standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
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
        Command::Admin {
            command:
                AdminCommand::Create {
                    username,
                    role,
                    unit,
                    password_stdin,
                },
        } => {
            let Some(role) = Role::parse(&role) else {
                anyhow::bail!("--role must be admin, organizer or unit_manager, not {role:?}");
            };
            if !password_stdin {
                anyhow::bail!(
                    "pass --password-stdin and the password on the first line of standard input"
                );
            }
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let url = config.effective_database_url()?;
            let db = cuocthi_store::db::connect(&url, 2).await?;
            cuocthi_store::db::migrate(&db).await?;
            let now_ms = cuocthi_store::time::to_ms(chrono::Utc::now());
            let user = match crate::staff::service::create_account(
                &db,
                &username,
                role,
                unit.as_deref(),
                password,
                now_ms,
            )
            .await
            {
                Ok(user) => user,
                Err(error) => anyhow::bail!("cannot create {username:?}: {error}"),
            };
            cuocthi_store::staff::audit(
                &db,
                now_ms,
                cuocthi_store::staff::AuditEntry {
                    actor: "cli".into(),
                    action: "staff.create".into(),
                    subject: Some(user.username.clone()),
                    after: Some(serde_json::json!({"username": user.username, "role": user.role, "unit_code": user.unit_code})),
                    ..Default::default()
                },
            )
            .await?;
            println!("created {} ({})", user.username, user.role);
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
