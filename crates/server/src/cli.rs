//! Subcommands: `serve` (the default), `migrate`, `verify`, `backup`, `admin`.

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
    /// Recomputes a round's winners from its canonical results export, the rules in force and
    /// the draw seed — independently of any database — and says whether they match the prizes
    /// the file records. Exit status 0: they match; 1: they don't; 2: a file can't be read.
    Verify {
        /// The canonical results export (`.../results/{version}/export.csv`).
        #[arg(long)]
        export: std::path::PathBuf,
        /// The rules in force (`.../results/{version}/rules.json`).
        #[arg(long)]
        rules: std::path::PathBuf,
        /// The draw seed the organizers published.
        #[arg(long)]
        seed: String,
    },
    /// Writes an online, consistent copy of the embedded SQLite database into a new file
    /// (mode 0600) while the server may be running; the copy opens as a data directory's
    /// `cuocthi.db`. Refuses to overwrite a file. PostgreSQL: use `pg_dump -Fc` (docs/RELIABILITY.md).
    Backup {
        /// The new file to write (must not exist).
        #[arg(long)]
        out: std::path::PathBuf,
    },
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
        Command::Verify {
            export,
            rules,
            seed,
        } => {
            match verify_files(&export, &rules, &seed) {
                Ok(verdict) => {
                    for gap in &verdict.gaps {
                        println!("note: the file alone cannot reproduce `{gap}` (left out of the comparison)");
                    }
                    println!("recomputed ranked prizes: {}", verdict.recomputed.len());
                    println!("recorded ranked prizes:   {}", verdict.recorded.len());
                    if verdict.matches {
                        println!("KHỚP / MATCH: the published winners follow from the file, the rules and the seed");
                        Ok(ExitCode::SUCCESS)
                    } else {
                        for (attempt, tier) in verdict
                            .recomputed
                            .iter()
                            .filter(|p| !verdict.recorded.contains(p))
                        {
                            println!("  expected {tier} for attempt {attempt}, the file does not record it");
                        }
                        for (attempt, tier) in verdict
                            .recorded
                            .iter()
                            .filter(|p| !verdict.recomputed.contains(p))
                        {
                            println!("  the file records {tier} for attempt {attempt}, which does not follow");
                        }
                        println!("KHÔNG KHỚP / MISMATCH");
                        Ok(ExitCode::from(1))
                    }
                }
                Err(error) => {
                    eprintln!("cuocthi verify: {error:#}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Backup { out } => {
            let url = match &config.database_url {
                Some(url) => url.clone(),
                None => format!(
                    "sqlite://{}?mode=rw",
                    config.data_dir.join("cuocthi.db").display()
                ),
            };
            let report = crate::backup::backup_sqlite(&url, &out).await?;
            println!(
                "backup written: {} ({} bytes; {} attempts, {} finished, {} answers)",
                report.path.display(),
                report.bytes,
                report.attempts,
                report.finished_attempts,
                report.answers
            );
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

/// Reads the export and the rules and verifies them with the seed (see `cuocthi verify`).
pub fn verify_files(
    export: &std::path::Path,
    rules: &std::path::Path,
    seed: &str,
) -> anyhow::Result<cuocthi_domain::verify::Verdict> {
    let csv = std::fs::read_to_string(export)
        .with_context(|| format!("reading the export {}", export.display()))?;
    let rules: cuocthi_domain::verify::Rules = serde_json::from_slice(
        &std::fs::read(rules).with_context(|| format!("reading the rules {}", rules.display()))?,
    )
    .context("the rules file is not the rules JSON of a result version")?;
    cuocthi_domain::verify::verify(&csv, &rules, seed)
        .map_err(|e| anyhow::anyhow!("the export cannot be read: {e}"))
}
