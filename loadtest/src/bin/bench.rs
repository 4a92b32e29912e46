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
    /// Builds the per-unit statistics `.xlsx` of the whole dataset `runs` times, through the
    /// same functions as `GET .../stats/units?format=xlsx`, and prints each time and the
    /// median (P6).
    Stats {
        /// How many timed runs.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

/// The same allocator as the server, so that timings match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(FromQueryResult)]
struct Version {
    id: uuid::Uuid,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The server's phase timings (`results computed`, `result stored`) on stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("cuocthi_leaderboard=info")),
        )
        .init();
    // One connection for the generator (its steps share temporary tables); the timed
    // operations get a pool like the server's, so they may read in parallel as it does.
    let connections = if matches!(cli.command, Command::Seed { .. }) {
        1
    } else {
        4
    };
    let db = cuocthi_store::db::connect(&cli.database_url, connections).await?;
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
        Command::Stats { runs } => stats(&db, &cli.slug, runs).await?,
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

/// P6: the per-unit `.xlsx` of the dataset's contest (every unit, the whole contest), timed
/// from the first query to the finished workbook.
async fn stats(db: &sea_orm::DatabaseConnection, slug: &str, runs: usize) -> anyhow::Result<()> {
    use cuocthi_store::entities::unit;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let contest = cuocthi_leaderboard::results::service::contest_by_slug(db, slug)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let units = unit::Entity::find()
        .filter(unit::Column::ContestId.eq(contest.id))
        .order_by_asc(unit::Column::Position)
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await?;
    let scope = cuocthi_leaderboard::stats::Scope {
        contest_id: contest.id,
        round_id: None,
        unit_id: None,
    };
    let mut times = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        let bytes = cuocthi_leaderboard::stats::handlers::units_xlsx(db, &scope, &units)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "run {}: {secs:.3} s — {} units, {} bytes",
            run + 1,
            units.len(),
            bytes.len()
        );
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    if let Some(median) = times.get(times.len() / 2) {
        println!("median {median:.3} s over {} runs", times.len());
    }
    Ok(())
}
