//! `cuocthi-load`: drives real contestants over HTTP against running servers (loopback only,
//! round-robin across `--target`s) and checks afterwards, through the API, that everything the
//! server acknowledged is there.
//!
//! Scenarios (`--scenario`):
//! - `journey` (P1): register → start → answer every question → submit → read the attempt
//!   back; a closed loop of `--concurrency` contestants, or an open loop of `--rate` new
//!   contestants per second;
//! - `surge` (P3): `--contestants` arriving at `--rate` per second (open loop), each
//!   registering and starting;
//! - `soak`: the journey in a closed loop at low concurrency for a long time, with latency
//!   and the servers' memory per `--interval-secs`;
//! - `hold` (P7): `--contestants` attempts started with one answer each and kept in progress,
//!   then `--hold-secs` of watching the servers' memory.
//!
//! Every run is bounded by `--seconds`, the flow count and `--max-requests`. Run the server
//! with `CUOCTHI_RATE_LIMIT=off`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, ValueEnum};
use reqwest::Method;
use serde_json::json;

use cuocthi_loadtest::load::client::Client;
use cuocthi_loadtest::load::drive::{self, Arrivals, Bounds};
use cuocthi_loadtest::load::flows::{Flow, Ledger, Plan};
use cuocthi_loadtest::load::procfs::{CpuMeter, MemoryWatch};
use cuocthi_loadtest::load::report::Report;
use cuocthi_loadtest::load::stats::Recorder;
use cuocthi_loadtest::load::verify;

/// The scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Whole journeys, closed loop (or open with --rate).
    Journey,
    /// Register and start at a fixed arrival rate (P3).
    Surge,
    /// Journeys at low concurrency for a long time, memory and latency per interval.
    Soak,
    /// Attempts started and kept in progress, then the servers' memory (P7).
    Hold,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Journey => "journey",
            Scenario::Surge => "surge",
            Scenario::Soak => "soak",
            Scenario::Hold => "hold",
        }
    }
}

/// Contestants over HTTP.
#[derive(Debug, Parser)]
#[command(name = "cuocthi-load")]
struct Cli {
    /// What to run.
    #[arg(long, value_enum, default_value_t = Scenario::Journey)]
    scenario: Scenario,
    /// A server, on loopback; repeat for several (requests go round-robin).
    #[arg(
        long = "target",
        alias = "base",
        default_value = "http://127.0.0.1:8080"
    )]
    targets: Vec<String>,
    /// The contest's slug.
    #[arg(long, default_value = "demo")]
    contest: String,
    /// Contestants at once in a closed loop (journey 200, soak 20, hold 50).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Open loop: new contestants per second (surge: 500; journey: closed loop unless given).
    #[arg(long)]
    rate: Option<f64>,
    /// Open loop: flows unfinished at once at most; an arrival beyond is dropped and counted.
    #[arg(long, default_value_t = 10_000)]
    max_in_flight: usize,
    /// No contestant starts after this many seconds (journey 30, soak 600, surge 60, hold 900).
    #[arg(long)]
    seconds: Option<u64>,
    /// At most this many contestants (surge 5,000, hold 10,000; otherwise no limit).
    #[arg(long, alias = "journeys")]
    contestants: Option<u64>,
    /// No request is sent after this many were answered.
    #[arg(long, default_value_t = 20_000_000)]
    max_requests: u64,
    /// Phone numbers start here (use another value for each run against one database).
    #[arg(long, default_value_t = 0)]
    phone_offset: u64,
    /// A request without a response after this many seconds is an error (`timeout`).
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Try a request again after no response, a 5xx or a 429, 250 ms apart, until this many
    /// seconds after its first try (each failed try still counts as an error): contestants who
    /// keep going through an outage (tests/faults/). 0: give up at once.
    #[arg(long, default_value_t = 0)]
    retry_secs: u64,
    /// Open loop: flows still running after the last arrival get this long to finish.
    #[arg(long, default_value_t = 60)]
    drain_secs: u64,
    /// Latency, throughput and memory are also reported per interval of this many seconds.
    #[arg(long, default_value_t = 60)]
    interval_secs: u64,
    /// The server's process id (repeat for several nodes): its memory is read from /proc.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// hold: seconds to keep the attempts open and watch memory after the last start.
    #[arg(long, default_value_t = 10)]
    hold_secs: u64,
    /// Don't read acknowledged attempts back (the bare handler stores nothing).
    #[arg(long)]
    no_verify: bool,
    /// Read-backs at once.
    #[arg(long, default_value_t = 32)]
    verify_concurrency: usize,
    /// Further tries of a read-back that got no response or a 5xx, a second apart.
    #[arg(long, default_value_t = 5)]
    verify_retries: u32,
    /// Exit with status 1 when errors exceed this fraction of requests (e.g. 0.001).
    #[arg(long)]
    max_error_rate: Option<f64>,
    /// Exit with status 1 when any request took longer than this many milliseconds.
    #[arg(long)]
    max_request_ms: Option<f64>,
    /// Write the report as JSON to this file too.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let scenario = cli.scenario;
    let concurrency = cli.concurrency.unwrap_or(match scenario {
        Scenario::Journey => 200,
        Scenario::Soak => 20,
        Scenario::Hold => 50,
        Scenario::Surge => 0,
    });
    let seconds = cli.seconds.unwrap_or(match scenario {
        Scenario::Journey => 30,
        Scenario::Soak => 600,
        Scenario::Surge => 60,
        Scenario::Hold => 900,
    });
    let contestants = cli.contestants.unwrap_or(match scenario {
        Scenario::Surge => 5_000,
        Scenario::Hold => 10_000,
        Scenario::Journey | Scenario::Soak => 0,
    });
    let rate = match scenario {
        Scenario::Surge => Some(cli.rate.unwrap_or(500.0)),
        Scenario::Journey => cli.rate,
        Scenario::Soak | Scenario::Hold => {
            if cli.rate.is_some() {
                bail!("--rate applies to journey and surge only");
            }
            None
        }
    };
    let arrivals = match rate {
        Some(rate) if rate > 0.0 => Arrivals::Open {
            rate,
            max_in_flight: cli.max_in_flight,
        },
        Some(_) => bail!("--rate must be above 0"),
        None => Arrivals::Closed { concurrency },
    };
    let flow = match scenario {
        Scenario::Journey | Scenario::Soak => Flow::Journey,
        Scenario::Surge => Flow::Start,
        Scenario::Hold => Flow::StartAndSave,
    };
    let pool = match arrivals {
        Arrivals::Closed { concurrency } => concurrency,
        Arrivals::Open { max_in_flight, .. } => max_in_flight.min(1_000),
    };
    let recorder = Arc::new(Recorder::new(Duration::from_secs(cli.interval_secs)));
    let client = Client::new(
        &cli.targets,
        recorder.clone(),
        pool.max(1),
        Duration::from_secs(cli.timeout_secs.max(1)),
        cli.max_requests,
    )?
    .with_retries(Duration::from_secs(cli.retry_secs));

    // The contest must be there and have a unit to register in (not part of the figures).
    let setup = client.with_recorder(Arc::new(Recorder::new(Duration::from_secs(60))));
    let units = setup
        .call(
            "units",
            Method::GET,
            &format!("/api/v1/contests/{}/units", cli.contest),
            None,
            None,
        )
        .await
        .map_err(|f| anyhow::anyhow!("reading the contest's units: {} {}", f.status, f.code))
        .context("is the server running, with the contest open?")?;
    let unit_id = units[0]["id"]
        .as_str()
        .context("the contest has no units")?
        .to_owned();
    let plan = Plan {
        contest: cli.contest.clone(),
        unit_id,
        phone_offset: cli.phone_offset,
    };

    let watch = MemoryWatch::spawn(
        cli.server_pids.clone(),
        recorder.clone(),
        Duration::from_secs(1),
    );
    if !cli.server_pids.is_empty() && watch.is_none() {
        bail!("cannot read /proc/<pid>/status of {:?}", cli.server_pids);
    }
    let ledger = Arc::new(Ledger::default());
    let bounds = Bounds {
        duration: Duration::from_secs(seconds),
        flows: contestants,
        drain: Duration::from_secs(cli.drain_secs),
    };
    let cpu_meter = CpuMeter::start(&cli.server_pids);
    let driven = drive::drive(&client, &plan, flow, arrivals, bounds, &ledger).await;
    let cpu = cpu_meter.stop(&cli.server_pids);

    let mut memory_marks = Vec::new();
    if let Some(watch) = &watch {
        if let Some(rss) = watch.sample(&recorder) {
            memory_marks.push(("after_load_mb", rss));
        }
        if scenario == Scenario::Hold {
            println!(
                "{} attempts in progress; holding them for {} s",
                ledger.len(),
                cli.hold_secs
            );
            tokio::time::sleep(Duration::from_secs(cli.hold_secs)).await;
            if let Some(rss) = watch.sample(&recorder) {
                memory_marks.push(("after_hold_mb", rss));
            }
        }
    }
    let memory = watch.as_ref().map(|w| w.summary());

    let verification = if cli.no_verify {
        None
    } else {
        let entries = ledger.take();
        let verifier = client.with_recorder(Arc::new(Recorder::new(Duration::from_secs(60))));
        Some(
            verify::verify(
                &verifier,
                entries,
                cli.verify_concurrency,
                cli.verify_retries,
            )
            .await,
        )
    };

    let report = Report {
        scenario: scenario.name(),
        targets: client.targets(),
        settings: json!({
            "flow": format!("{flow:?}"),
            "arrivals": match arrivals {
                Arrivals::Closed { concurrency } => json!({"closed_loop": concurrency}),
                Arrivals::Open { rate, max_in_flight } =>
                    json!({"open_loop_per_sec": rate, "max_in_flight": max_in_flight}),
            },
            "seconds": seconds, "contestants": contestants, "max_requests": cli.max_requests,
            "phone_offset": cli.phone_offset, "timeout_secs": cli.timeout_secs, "retry_secs": cli.retry_secs,
            "server_pids": cli.server_pids, "hold_secs": cli.hold_secs,
        }),
        driven,
        recorded: recorder.snapshot(),
        interval_secs: recorder.interval().as_secs(),
        memory,
        memory_marks,
        cpu: Some(cpu),
        verification,
    };
    let doc = report.to_json();
    report.print(&doc);
    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_vec_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }

    let mut failures = Vec::new();
    if let Some(v) = &report.verification {
        if !v.ok() {
            failures.push(format!(
                "acknowledged data missing: {} attempts, {} answers, {} submissions, {} unverifiable",
                v.missing_attempts, v.lost_answers, v.lost_submissions, v.unverifiable
            ));
        }
    }
    if let Some(limit) = cli.max_error_rate {
        if report.error_rate() > limit {
            failures.push(format!(
                "error rate {:.5} above {limit}",
                report.error_rate()
            ));
        }
    }
    if let Some(limit) = cli.max_request_ms {
        let (longest, endpoint) = report.longest();
        if longest > limit {
            failures.push(format!(
                "the longest request took {longest:.1} ms ({endpoint}), above {limit} ms"
            ));
        }
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("; "));
    }
    Ok(())
}
