//! `cuocthi-bench`: generates a large dataset in PostgreSQL and times the heavy organizer
//! operations on it (P5 of spec/quality-bars.md: regrade one question that a quarter of a
//! million attempts drew).

use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sea_orm::{DbBackend, EntityTrait, FromQueryResult, Statement};

/// Benchmarks on generated data.
#[derive(Debug, Parser)]
#[command(name = "cuocthi-bench")]
struct Cli {
    /// A PostgreSQL database (it gets the migrations).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The dataset's contest slug.
    #[arg(long, default_value = "bench")]
    slug: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generates the dataset (replacing an earlier one of the same slug).
    Seed {
        /// Finished attempts.
        #[arg(long, default_value_t = 1_000_000)]
        attempts: u64,
        /// Questions in the bank.
        #[arg(long, default_value_t = 80)]
        questions: u64,
        /// Questions per attempt.
        #[arg(long, default_value_t = 20)]
        per_attempt: u64,
        /// Units.
        #[arg(long, default_value_t = 70)]
        units: u64,
    },
    /// Finalizes round 1 of the dataset `runs` times (each call stores a new result version)
    /// and prints each time and the median (P4).
    Finalize {
        /// How many timed runs.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Regrades the most-answered question `runs` times (alternating between two keys) and
    /// prints each time and the median.
    Regrade {
        /// How many timed runs.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
}

#[derive(FromQueryResult)]
struct Version {
    id: uuid::Uuid,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // One connection: the generator's steps share temporary tables.
    let db = cuocthi_store::db::connect(&cli.database_url, 1).await?;
    cuocthi_store::db::migrate(&db).await?;
    match cli.command {
        Command::Seed {
            attempts,
            questions,
            per_attempt,
            units,
        } => {
            let started = Instant::now();
            let shape = cuocthi_loadtest::dataset::Shape {
                attempts,
                questions,
                per_attempt,
                units,
            };
            cuocthi_loadtest::dataset::generate(&db, &cli.slug, shape).await?;
            println!(
                "seeded {attempts} attempts in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Finalize { runs } => {
            use cuocthi_leaderboard::results::service;
            let contest = service::contest_by_slug(&db, &cli.slug)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let round = service::round_by_number(&db, contest.id, 1)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut times = Vec::new();
            for run in 0..runs {
                let started = Instant::now();
                let now_ms = chrono::Utc::now().timestamp_millis();
                let result =
                    service::finalize(&db, &contest, &round, "bench-seed", false, "bench", now_ms)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                let secs = started.elapsed().as_secs_f64();
                println!("run {}: {secs:.2} s — version {}", run + 1, result.version);
                times.push(secs);
            }
            times.sort_by(f64::total_cmp);
            if let Some(median) = times.get(times.len() / 2) {
                println!("median {median:.2} s over {} runs", times.len());
            }
        }
        Command::Regrade { runs } => {
            let version = Version::find_by_statement(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT v.id AS id FROM question_versions v JOIN questions q ON q.id = v.question_id \
                 JOIN contests c ON c.id = q.contest_id WHERE c.slug = $1 ORDER BY v.id LIMIT 1",
                [cli.slug.clone().into()],
            ))
            .one(&db)
            .await?
            .context("no dataset: run `seed` first")?;
            let mut times = Vec::new();
            for run in 0..runs {
                let row = cuocthi_store::entities::question_version::Entity::find_by_id(version.id)
                    .one(&db)
                    .await?
                    .context("version vanished")?;
                let current = row.key_mask as u8;
                let next = if current == 1 { 2 } else { 1 };
                let started = Instant::now();
                let outcome = cuocthi_bank::questions::regrade::regrade(&db, &row, next)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "run {}: {:.2} s — answered {}, rescored {}",
                    run + 1,
                    secs,
                    outcome.answered,
                    outcome.rescored
                );
                times.push(secs);
            }
            times.sort_by(f64::total_cmp);
            if let Some(median) = times.get(times.len() / 2) {
                println!("median {median:.2} s over {} runs", times.len());
            }
        }
    }
    Ok(())
}
