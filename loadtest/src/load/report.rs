//! The report of a run: one JSON document (written with `--json`) and the same figures as a
//! table on standard output.

use serde_json::{json, Map, Value};

use super::drive::Driven;
use super::procfs::{CpuUse, MemorySummary};
use super::stats::{percentile_ms, Recorded};
use super::verify::Verification;

/// Everything a report is made of.
#[derive(Debug)]
pub struct Report<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The servers.
    pub targets: &'a [String],
    /// The settings in force (echoed into the JSON).
    pub settings: Value,
    /// Arrivals and completions.
    pub driven: Driven,
    /// Latencies and errors.
    pub recorded: Recorded,
    /// Interval length in seconds.
    pub interval_secs: u64,
    /// The servers' memory, when their pids were given.
    pub memory: Option<MemorySummary>,
    /// Extra memory figures of a scenario (the hold of P7), in KiB, by name.
    pub memory_marks: Vec<(&'static str, u64)>,
    /// CPU used while the load ran (servers, generator, whole machine).
    pub cpu: Option<CpuUse>,
    /// The read-back, unless disabled.
    pub verification: Option<Verification>,
}

fn mb(kb: u64) -> f64 {
    (kb as f64 / 1024.0 * 10.0).round() / 10.0
}

fn latency_row(sorted: &[u32]) -> Value {
    json!({
        "count": sorted.len(),
        "p50_ms": percentile_ms(sorted, 0.5),
        "p90_ms": percentile_ms(sorted, 0.9),
        "p99_ms": percentile_ms(sorted, 0.99),
        "max_ms": percentile_ms(sorted, 1.0),
    })
}

impl Report<'_> {
    /// Errors counted (responses outside 2xx and requests without a response).
    pub fn error_count(&self) -> u64 {
        self.recorded.errors.values().sum()
    }

    /// Errors over all requests tried (answered or not).
    pub fn error_rate(&self) -> f64 {
        let answered: usize = self.recorded.endpoints.values().map(Vec::len).sum();
        let transport: u64 = self
            .recorded
            .errors
            .iter()
            .filter(|((_, status, _), _)| *status == 0)
            .map(|(_, n)| *n)
            .sum();
        let tried = answered as u64 + transport;
        if tried == 0 {
            0.0
        } else {
            self.error_count() as f64 / tried as f64
        }
    }

    /// The longest request in milliseconds and its endpoint.
    pub fn longest(&self) -> (f64, &'static str) {
        (
            f64::from(self.recorded.longest.0) / 1000.0,
            self.recorded.longest.1,
        )
    }

    /// The JSON document.
    pub fn to_json(&self) -> Value {
        let seconds = self.driven.seconds.max(1e-9);
        let mut endpoints = Map::new();
        let mut all: Vec<u32> = Vec::new();
        for (endpoint, latencies) in &self.recorded.endpoints {
            let mut sorted = latencies.clone();
            sorted.sort_unstable();
            all.extend_from_slice(&sorted);
            endpoints.insert((*endpoint).to_owned(), latency_row(&sorted));
        }
        all.sort_unstable();
        let errors: Map<String, Value> = self
            .recorded
            .errors
            .iter()
            .map(|((endpoint, status, code), n)| (format!("{endpoint} {status} {code}"), json!(n)))
            .collect();
        let interval = self.interval_secs.max(1);
        let intervals: Vec<Value> = self
            .recorded
            .intervals
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let mut sorted = slot.latencies.clone();
                sorted.sort_unstable();
                json!({
                    "start_s": i as u64 * interval,
                    "requests": sorted.len(),
                    "requests_per_sec": sorted.len() as f64 / interval as f64,
                    "completed": slot.completed,
                    "errors": slot.errors,
                    "p50_ms": percentile_ms(&sorted, 0.5),
                    "p99_ms": percentile_ms(&sorted, 0.99),
                    "max_ms": percentile_ms(&sorted, 1.0),
                    "rss_mb": slot.rss_kb.map(mb),
                })
            })
            .collect();
        // Drift: the first and the last whole interval that had requests.
        let whole = (self.driven.seconds / interval as f64).floor() as usize;
        let measured: Vec<&Value> = intervals
            .iter()
            .take(whole.max(1))
            .filter(|row| row["requests"].as_u64().unwrap_or(0) > 0)
            .collect();
        let drift = match (measured.first(), measured.last()) {
            (Some(first), Some(last)) if measured.len() > 1 => json!({
                "intervals": measured.len(),
                "first_p50_ms": first["p50_ms"], "last_p50_ms": last["p50_ms"],
                "first_p99_ms": first["p99_ms"], "last_p99_ms": last["p99_ms"],
                "first_requests_per_sec": first["requests_per_sec"],
                "last_requests_per_sec": last["requests_per_sec"],
                "first_rss_mb": first["rss_mb"], "last_rss_mb": last["rss_mb"],
            }),
            _ => Value::Null,
        };
        let memory = self.memory.map(|m| {
            let mut doc = json!({
                "first_mb": mb(m.first_kb), "last_mb": mb(m.last_kb),
                "max_mb": mb(m.max_kb), "hwm_mb": mb(m.hwm_kb), "samples": m.samples,
            });
            for (name, kb) in &self.memory_marks {
                doc[*name] = json!(mb(*kb));
            }
            doc
        });
        let (longest_ms, longest_endpoint) = self.longest();
        let requests = all.len();
        json!({
            "scenario": self.scenario,
            "targets": self.targets,
            "settings": self.settings,
            "seconds": self.driven.seconds,
            "started": self.driven.started,
            "journeys": self.driven.completed,
            "completed": self.driven.completed,
            "journeys_per_sec": self.driven.completed as f64 / seconds,
            "dropped": self.driven.dropped,
            "abandoned": self.driven.abandoned,
            "requests": requests,
            "requests_per_sec": requests as f64 / seconds,
            "p50_ms": percentile_ms(&all, 0.5),
            "p90_ms": percentile_ms(&all, 0.9),
            "p99_ms": percentile_ms(&all, 0.99),
            "max_ms": longest_ms,
            "longest_endpoint": longest_endpoint,
            "endpoints": endpoints,
            "errors": errors,
            "error_count": self.error_count(),
            "error_rate": self.error_rate(),
            "transport_details": self.recorded.transport_details,
            "intervals": intervals,
            "drift": drift,
            "memory": memory,
            "cpu": self.cpu,
            "verification": self.verification,
            "lost_answers": self.verification.as_ref().map(|v| v.lost_answers),
        })
    }

    /// The same figures as a table.
    pub fn print(&self, doc: &Value) {
        let f = |v: &Value| v.as_f64().unwrap_or(0.0);
        println!(
            "scenario {}: {} started, {} completed in {:.1} s = {:.1}/s{}",
            self.scenario,
            self.driven.started,
            self.driven.completed,
            self.driven.seconds,
            f(&doc["journeys_per_sec"]),
            if self.driven.dropped + self.driven.abandoned > 0 {
                format!(
                    " ({} arrivals dropped, {} abandoned)",
                    self.driven.dropped, self.driven.abandoned
                )
            } else {
                String::new()
            }
        );
        println!(
            "requests: {} = {:.0} requests/s; all p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, longest {:.2} ms ({})",
            doc["requests"],
            f(&doc["requests_per_sec"]),
            f(&doc["p50_ms"]),
            f(&doc["p90_ms"]),
            f(&doc["p99_ms"]),
            f(&doc["max_ms"]),
            self.longest().1
        );
        println!(
            "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "endpoint", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        if let Some(endpoints) = doc["endpoints"].as_object() {
            for (endpoint, row) in endpoints {
                println!(
                    "{:<10} {:>9} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                    endpoint,
                    row["count"].as_u64().unwrap_or(0),
                    f(&row["p50_ms"]),
                    f(&row["p90_ms"]),
                    f(&row["p99_ms"]),
                    f(&row["max_ms"])
                );
            }
        }
        println!(
            "errors: {} ({:.4} % of requests)",
            self.error_count(),
            self.error_rate() * 100.0
        );
        for ((endpoint, status, code), n) in &self.recorded.errors {
            println!("  {endpoint} {status} {code}: {n}");
        }
        for detail in &self.recorded.transport_details {
            println!("  no response: {detail}");
        }
        if let Some(rows) = doc["intervals"].as_array().filter(|rows| rows.len() > 1) {
            println!(
                "{:>8} {:>9} {:>10} {:>7} {:>9} {:>9} {:>9}",
                "from s", "req/s", "completed", "errors", "p50 ms", "p99 ms", "RSS MB"
            );
            for row in rows {
                println!(
                    "{:>8} {:>9.0} {:>10} {:>7} {:>9.2} {:>9.2} {:>9}",
                    row["start_s"].as_u64().unwrap_or(0),
                    f(&row["requests_per_sec"]),
                    row["completed"].as_u64().unwrap_or(0),
                    row["errors"].as_u64().unwrap_or(0),
                    f(&row["p50_ms"]),
                    f(&row["p99_ms"]),
                    row["rss_mb"]
                        .as_f64()
                        .map_or("-".into(), |v| format!("{v:.1}"))
                );
            }
        }
        if let Some(memory) = doc["memory"].as_object() {
            let fields: Vec<String> = memory
                .iter()
                .map(|(name, value)| format!("{name} {value}"))
                .collect();
            println!("server memory (MB): {}", fields.join(", "));
        }
        if let Some(cpu) = &self.cpu {
            let show = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.2}"));
            println!(
                "CPU while loading (cores): servers {}, generator {}, whole machine {} of {}",
                show(cpu.servers_cores),
                show(cpu.generator_cores),
                show(cpu.machine_busy_cores),
                show(cpu.machine_cores)
            );
        }
        match &self.verification {
            Some(v) => println!(
                "verified {} attempts, {} answers, {} submissions in {:.1} s: {} attempts missing, {} answers lost, {} submissions lost, {} unverifiable",
                v.attempts,
                v.answers,
                v.submissions,
                v.millis as f64 / 1000.0,
                v.missing_attempts,
                v.lost_answers,
                v.lost_submissions,
                v.unverifiable
            ),
            None => println!("verification: skipped (--no-verify)"),
        }
    }
}
