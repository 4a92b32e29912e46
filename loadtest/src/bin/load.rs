//! `cuocthi-load`: drives real contestant journeys over HTTP against a running server —
//! register → start → answer every question → submit → read the attempt back — in a closed
//! loop of `--concurrency` contestants for `--seconds` (or `--journeys`), loopback only.
//! Reports completed journeys per second, latency percentiles per endpoint and errors by
//! status and code, and checks every journey's acknowledged answers against what the server
//! returns afterwards (a lost acknowledged answer is an error).
//!
//! Run the server with `CUOCTHI_RATE_LIMIT=off`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use serde_json::{json, Value};

/// Closed-loop contestant journeys.
#[derive(Debug, Parser)]
#[command(name = "cuocthi-load")]
struct Cli {
    /// The server, on loopback.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    /// The contest's slug.
    #[arg(long, default_value = "demo")]
    contest: String,
    /// Contestants at once.
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Stop after this many journeys (0: no limit).
    #[arg(long, default_value_t = 0)]
    journeys: u64,
    /// Phone numbers start here (use another value for each run against one database).
    #[arg(long, default_value_t = 0)]
    phone_offset: u64,
    /// Write the report as JSON to this file too.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

#[derive(Default)]
struct Stats {
    latencies: BTreeMap<&'static str, Vec<u32>>,
    errors: BTreeMap<String, u64>,
}

struct Shared {
    stats: Mutex<Stats>,
    completed: AtomicU64,
    started: AtomicU64,
    lost_answers: AtomicU64,
}

impl Shared {
    fn record(&self, endpoint: &'static str, elapsed: Duration) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats
            .latencies
            .entry(endpoint)
            .or_default()
            .push(elapsed.as_micros().min(u128::from(u32::MAX)) as u32);
    }

    fn error(&self, endpoint: &str, status: u16, code: &str) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        *stats
            .errors
            .entry(format!("{endpoint} {status} {code}"))
            .or_default() += 1;
    }
}

async fn call(
    http: &reqwest::Client,
    shared: &Shared,
    endpoint: &'static str,
    request: reqwest::RequestBuilder,
) -> Option<Value> {
    let started = Instant::now();
    let response = match request.send().await {
        Ok(r) => r,
        Err(error) => {
            shared.error(
                endpoint,
                0,
                if error.is_timeout() {
                    "timeout"
                } else {
                    "connection"
                },
            );
            return None;
        }
    };
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    shared.record(endpoint, started.elapsed());
    let _ = http;
    if (200..300).contains(&status) {
        Some(body)
    } else {
        shared.error(endpoint, status, body["error"].as_str().unwrap_or(""));
        None
    }
}

async fn journey(
    http: &reqwest::Client,
    cli: &Cli,
    shared: &Shared,
    unit_id: &str,
    n: u64,
) -> Option<()> {
    let base = &cli.base;
    let phone = format!("09{:08}", (cli.phone_offset + n) % 100_000_000);
    let registered = call(
        http,
        shared,
        "register",
        http.post(format!(
            "{base}/api/v1/contests/{}/participants",
            cli.contest
        ))
        .json(&json!({
            "full_name": format!("Thí sinh {n}"), "phone": phone, "birth_year": 1990,
            "unit_id": unit_id, "consent": true, "category": "citizen"
        })),
    )
    .await?;
    let token = registered["token"].as_str()?.to_owned();
    let attempt = call(
        http,
        shared,
        "start",
        http.post(format!("{base}/api/v1/contests/{}/attempts", cli.contest))
            .bearer_auth(&token)
            .json(&json!({})),
    )
    .await?;
    let id = attempt["attempt_id"].as_str()?.to_owned();
    let mut acknowledged = BTreeMap::new();
    for q in attempt["questions"].as_array()? {
        let position = q["position"].as_i64()?;
        let key = q["options"]
            .as_array()?
            .get((n as usize + position as usize) % 2)?["key"]
            .as_str()?
            .to_owned();
        if call(
            http,
            shared,
            "save",
            http.put(format!("{base}/api/v1/attempts/{id}/answers/{position}"))
                .bearer_auth(&token)
                .json(&json!({"choice": [key]})),
        )
        .await
        .is_some()
        {
            acknowledged.insert(position.to_string(), key);
        }
    }
    call(
        http,
        shared,
        "submit",
        http.post(format!("{base}/api/v1/attempts/{id}/submit"))
            .bearer_auth(&token)
            .json(&json!({"prediction": n % 1000})),
    )
    .await?;
    let read = call(
        http,
        shared,
        "result",
        http.get(format!("{base}/api/v1/attempts/{id}"))
            .bearer_auth(&token),
    )
    .await?;
    for (position, key) in &acknowledged {
        if read["answers"][position].get(0).and_then(Value::as_str) != Some(key.as_str()) {
            shared.lost_answers.fetch_add(1, Ordering::Relaxed);
        }
    }
    Some(())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted.get(index).copied().unwrap_or(0)) / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Arc::new(Cli::parse());
    let host = cli
        .base
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    if !(host == "localhost" || host.starts_with("127.") || host == "[::1]") {
        bail!("cuocthi-load only targets loopback addresses, not {host}");
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(cli.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let units: Value = http
        .get(format!(
            "{}/api/v1/contests/{}/units",
            cli.base, cli.contest
        ))
        .send()
        .await
        .context("reaching the server")?
        .json()
        .await?;
    let unit_id = units[0]["id"]
        .as_str()
        .context("the contest has no units")?
        .to_owned();
    let shared = Arc::new(Shared {
        stats: Mutex::new(Stats::default()),
        completed: AtomicU64::new(0),
        started: AtomicU64::new(0),
        lost_answers: AtomicU64::new(0),
    });
    let deadline = Instant::now() + Duration::from_secs(cli.seconds);
    let began = Instant::now();
    let workers: Vec<_> = (0..cli.concurrency)
        .map(|_| {
            let (http, cli, shared, unit_id) =
                (http.clone(), cli.clone(), shared.clone(), unit_id.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let n = shared.started.fetch_add(1, Ordering::Relaxed);
                    if cli.journeys > 0 && n >= cli.journeys {
                        break;
                    }
                    if journey(&http, &cli, &shared, &unit_id, n).await.is_some() {
                        shared.completed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = began.elapsed().as_secs_f64();
    let stats = shared.stats.lock().unwrap_or_else(|p| p.into_inner());
    let completed = shared.completed.load(Ordering::Relaxed);
    let total_requests: usize = stats.latencies.values().map(Vec::len).sum();
    println!(
        "journeys completed: {completed} in {elapsed:.1} s = {:.1} journeys/s",
        completed as f64 / elapsed
    );
    println!(
        "requests: {total_requests} = {:.0} requests/s",
        total_requests as f64 / elapsed
    );
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "endpoint", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    let mut report = serde_json::Map::new();
    let mut all: Vec<u32> = Vec::new();
    for (endpoint, latencies) in &stats.latencies {
        let mut sorted = latencies.clone();
        sorted.sort_unstable();
        all.extend_from_slice(&sorted);
        let row = json!({"count": sorted.len(), "p50_ms": percentile(&sorted, 0.5), "p90_ms": percentile(&sorted, 0.9),
                         "p99_ms": percentile(&sorted, 0.99), "max_ms": percentile(&sorted, 1.0)});
        println!(
            "{:<10} {:>9} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            endpoint,
            sorted.len(),
            row["p50_ms"].as_f64().unwrap_or(0.0),
            row["p90_ms"].as_f64().unwrap_or(0.0),
            row["p99_ms"].as_f64().unwrap_or(0.0),
            row["max_ms"].as_f64().unwrap_or(0.0)
        );
        report.insert((*endpoint).to_owned(), row);
    }
    all.sort_unstable();
    println!("all requests p99: {:.2} ms", percentile(&all, 0.99));
    let errors: u64 = stats.errors.values().sum();
    println!("errors: {errors}");
    for (what, count) in &stats.errors {
        println!("  {what}: {count}");
    }
    let lost = shared.lost_answers.load(Ordering::Relaxed);
    println!("acknowledged answers missing afterwards: {lost}");
    if let Some(path) = &cli.json {
        let doc = json!({"journeys": completed, "seconds": elapsed, "journeys_per_sec": completed as f64 / elapsed,
                         "requests_per_sec": total_requests as f64 / elapsed, "p99_ms": percentile(&all, 0.99),
                         "endpoints": report, "errors": stats.errors, "lost_answers": lost});
        std::fs::write(path, serde_json::to_vec_pretty(&doc)?)?;
    }
    if lost > 0 {
        bail!("{lost} acknowledged answers were not found afterwards");
    }
    Ok(())
}
