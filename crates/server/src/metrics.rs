//! `/metrics`: Prometheus text format. Requests and latencies by route, attempts started,
//! submitted and expired, answer saves, cache hits and misses, database pool use.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{web, HttpResponse};
use sea_orm::{ConnectionTrait, DbBackend};

use cuocthi_store::metrics as counters;
use cuocthi_store::AppContext;

/// Latency histogram bounds, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_secs: f64,
    buckets: [u64; BUCKETS.len()],
}

static REQUESTS: Mutex<BTreeMap<(String, String, u16), Series>> = Mutex::new(BTreeMap::new());

/// Counts a finished request: its method, route pattern (not the raw path, so ids don't
/// explode the series), status and latency.
pub fn observe(method: &str, route: &str, status: u16, elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    let mut map = REQUESTS.lock().unwrap_or_else(|p| p.into_inner());
    let series = map
        .entry((method.to_owned(), route.to_owned(), status))
        .or_default();
    series.count += 1;
    series.sum_secs += secs;
    for (slot, bound) in series.buckets.iter_mut().zip(BUCKETS) {
        if secs <= bound {
            *slot += 1;
        }
    }
}

/// Mounts `/metrics`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(render));
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

async fn render(ctx: web::Data<AppContext>) -> HttpResponse {
    let mut out = String::new();
    let requests = REQUESTS.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let _ = writeln!(
        out,
        "# HELP cuocthi_http_requests_total HTTP requests by method, route and status."
    );
    let _ = writeln!(out, "# TYPE cuocthi_http_requests_total counter");
    for ((method, route, status), series) in &requests {
        let _ = writeln!(
            out,
            "cuocthi_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
            escape(route),
            series.count
        );
    }
    let _ = writeln!(
        out,
        "# HELP cuocthi_http_request_duration_seconds HTTP request latency by method and route."
    );
    let _ = writeln!(
        out,
        "# TYPE cuocthi_http_request_duration_seconds histogram"
    );
    let mut by_route: BTreeMap<(String, String), Series> = BTreeMap::new();
    for ((method, route, _), series) in requests {
        let merged = by_route.entry((method, route)).or_default();
        merged.count += series.count;
        merged.sum_secs += series.sum_secs;
        for (total, part) in merged.buckets.iter_mut().zip(series.buckets) {
            *total += part;
        }
    }
    for ((method, route), series) in &by_route {
        let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
        for (bound, count) in BUCKETS.iter().zip(series.buckets) {
            let _ = writeln!(
                out,
                "cuocthi_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "cuocthi_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
            series.count
        );
        let _ = writeln!(
            out,
            "cuocthi_http_request_duration_seconds_sum{{{labels}}} {}",
            series.sum_secs
        );
        let _ = writeln!(
            out,
            "cuocthi_http_request_duration_seconds_count{{{labels}}} {}",
            series.count
        );
    }
    for (name, help, counter) in [
        (
            "cuocthi_attempts_started_total",
            "Attempts started.",
            &counters::ATTEMPTS_STARTED,
        ),
        (
            "cuocthi_attempts_submitted_total",
            "Attempts submitted by their participant.",
            &counters::ATTEMPTS_SUBMITTED,
        ),
        (
            "cuocthi_attempts_expired_total",
            "Attempts closed as expired by the server.",
            &counters::ATTEMPTS_EXPIRED,
        ),
        (
            "cuocthi_answer_saves_total",
            "Answer saves acknowledged.",
            &counters::ANSWER_SAVES,
        ),
        (
            "cuocthi_cache_hits_total",
            "Cache lookups that found a value.",
            &counters::CACHE_HITS,
        ),
        (
            "cuocthi_cache_misses_total",
            "Cache lookups that found nothing.",
            &counters::CACHE_MISSES,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
            counter.get()
        );
    }
    let (size, idle) = match ctx.db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = ctx.db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = ctx.db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    let _ = writeln!(out, "# HELP cuocthi_db_pool_connections Open database connections.\n# TYPE cuocthi_db_pool_connections gauge\ncuocthi_db_pool_connections {size}");
    let _ = writeln!(out, "# HELP cuocthi_db_pool_idle Idle database connections.\n# TYPE cuocthi_db_pool_idle gauge\ncuocthi_db_pool_idle {idle}");
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
}
