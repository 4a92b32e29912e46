//! The HTTP side of the load generator: loopback-only targets, round-robin across them, and
//! one `call` that times a request and records its outcome.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::Method;
use serde_json::Value;

use super::stats::Recorder;

/// Whether `url` is `http://` on a loopback host (`localhost`, `127.x.y.z`, `[::1]`); the
/// generator refuses anything else so that it can't be pointed at somebody's server.
pub fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    if parsed.scheme() != "http" {
        return false;
    }
    let Some(host) = parsed.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status, or 0 when there was no response.
    pub status: u16,
    /// The body's `error` code, or `connection` / `timeout` / `budget` without a response.
    pub code: String,
}

impl Failure {
    /// Whether the server did not answer at all (down, restarting, timed out).
    pub fn unreachable(&self) -> bool {
        self.status == 0
    }

    /// Whether the failure may pass if tried again (no response, 5xx, 429).
    pub fn transient(&self) -> bool {
        self.status == 0 || self.status >= 500 || self.status == 429
    }
}

/// A pool of connections to one or more servers, used round-robin request by request.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    targets: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    recorder: Arc<Recorder>,
    max_requests: u64,
    retry_for: Duration,
}

impl Client {
    /// A client for `targets` (each checked to be loopback, trailing `/` removed) that records
    /// into `recorder`, keeps up to `pool` idle connections per server, gives up on a request
    /// after `timeout`, and stops sending once `max_requests` requests were answered
    /// (0: no limit).
    pub fn new(
        targets: &[String],
        recorder: Arc<Recorder>,
        pool: usize,
        timeout: Duration,
        max_requests: u64,
    ) -> anyhow::Result<Self> {
        if targets.is_empty() {
            bail!("no target given");
        }
        let mut cleaned = Vec::with_capacity(targets.len());
        for target in targets {
            if !is_loopback(target) {
                bail!("cuocthi-load only targets http:// on loopback addresses, not {target}");
            }
            cleaned.push(target.trim_end_matches('/').to_owned());
        }
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(pool)
            .timeout(timeout)
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            targets: Arc::new(cleaned),
            next: Arc::new(AtomicUsize::new(0)),
            recorder,
            max_requests,
            retry_for: Duration::ZERO,
        })
    }

    /// The same client, trying a request again after a transient failure (no response, 5xx,
    /// 429) until `retry_for` has passed since its first try, 250 ms apart: contestants who
    /// keep going through an outage, as the browser's autosave does (fault scenarios,
    /// tests/faults/). Every failed try is still recorded as an error. Zero (the default):
    /// no retries.
    pub fn with_retries(self, retry_for: Duration) -> Self {
        Self { retry_for, ..self }
    }

    /// The same connections and targets, recording into another recorder (for verification,
    /// which is not part of the measured load).
    pub fn with_recorder(&self, recorder: Arc<Recorder>) -> Self {
        Self {
            recorder,
            max_requests: 0,
            ..self.clone()
        }
    }

    /// The recorder.
    pub fn recorder(&self) -> &Arc<Recorder> {
        &self.recorder
    }

    /// The targets, as given.
    pub fn targets(&self) -> &[String] {
        &self.targets
    }

    /// Whether the request budget is spent.
    pub fn budget_spent(&self) -> bool {
        self.max_requests > 0 && self.recorder.request_count() >= self.max_requests
    }

    fn next_target(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.targets.len();
        &self.targets[i]
    }

    /// Sends one request to the next target, times it (until the body is read) and records it
    /// as `endpoint`; 2xx gives the parsed body (`null` when it isn't JSON), anything else is
    /// recorded as an error by status and code and returned as a [`Failure`] (after the
    /// retries of [`Client::with_retries`], each try recorded).
    pub async fn call(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        self.exchange(endpoint, method, path, token, body, true)
            .await
    }

    /// As [`Client::call`], but a 2xx body is read and dropped unparsed (`null`): the load
    /// generator shares the cores with the server, so it doesn't parse bodies nobody reads.
    pub async fn send(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        self.exchange(endpoint, method, path, token, body, false)
            .await
    }

    async fn exchange(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        parse: bool,
    ) -> Result<Value, Failure> {
        let first = Instant::now();
        loop {
            match self
                .call_once(endpoint, method.clone(), path, token, body, parse)
                .await
            {
                Err(failure)
                    if failure.transient()
                        && failure.code != "budget"
                        && first.elapsed() < self.retry_for =>
                {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                outcome => return outcome,
            }
        }
    }

    async fn call_once(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        parse: bool,
    ) -> Result<Value, Failure> {
        if self.budget_spent() {
            return Err(Failure {
                status: 0,
                code: "budget".into(),
            });
        }
        let url = format!("{}{}", self.next_target(), path);
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                response.bytes().await.map(|bytes| (status, bytes))
            }
            Err(error) => Err(error),
        };
        let (status, bytes) = match outcome {
            Ok(ok) => ok,
            Err(error) => {
                let code = if error.is_timeout() {
                    "timeout"
                } else {
                    "connection"
                };
                self.recorder.error(endpoint, 0, code);
                // Without the URL, so that the same failure on many attempts is one line.
                self.recorder
                    .transport_detail(endpoint, &error.without_url());
                return Err(Failure {
                    status: 0,
                    code: code.into(),
                });
            }
        };
        self.recorder.request(endpoint, started.elapsed());
        if (200..300).contains(&status) {
            Ok(if parse {
                serde_json::from_slice(&bytes).unwrap_or(Value::Null)
            } else {
                Value::Null
            })
        } else {
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let code = body["error"].as_str().unwrap_or("").to_owned();
            self.recorder.error(endpoint, status, &code);
            Err(Failure { status, code })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_targets_are_accepted() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.0.0.2:1/",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(is_loopback(ok), "{ok}");
        }
        for refused in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "https://127.0.0.1:8080",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com:80",
            "not a url",
        ] {
            assert!(!is_loopback(refused), "{refused}");
        }
    }

    #[test]
    fn requests_go_round_robin_across_targets() {
        let recorder = Arc::new(Recorder::new(Duration::from_secs(60)));
        let client = Client::new(
            &["http://127.0.0.1:1".into(), "http://127.0.0.1:2/".into()],
            recorder,
            1,
            Duration::from_secs(1),
            0,
        );
        let Ok(client) = client else {
            panic!("loopback targets are accepted")
        };
        let seen: Vec<&str> = (0..4).map(|_| client.next_target()).collect();
        assert_eq!(
            seen,
            [
                "http://127.0.0.1:1",
                "http://127.0.0.1:2",
                "http://127.0.0.1:1",
                "http://127.0.0.1:2"
            ]
        );
        assert!(Client::new(
            &["http://192.168.1.1:80".into()],
            Arc::new(Recorder::new(Duration::from_secs(1))),
            1,
            Duration::from_secs(1),
            0
        )
        .is_err());
    }

    /// A port nothing listens on: connecting is refused at once.
    fn closed_port() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}")
    }

    #[tokio::test]
    async fn a_refused_request_is_tried_again_within_the_retry_window_and_each_try_counts() {
        let target = closed_port();
        let once = Arc::new(Recorder::new(Duration::from_secs(60)));
        let client = Client::new(
            std::slice::from_ref(&target),
            once.clone(),
            1,
            Duration::from_secs(1),
            0,
        )
        .unwrap();
        let failure = client
            .call("save", Method::GET, "/", None, None)
            .await
            .unwrap_err();
        assert!(failure.unreachable());
        let tries = |r: &Recorder| r.snapshot().errors.values().sum::<u64>();
        assert_eq!(tries(&once), 1, "no retries by default");
        let retried = Arc::new(Recorder::new(Duration::from_secs(60)));
        let client = Client::new(&[target], retried.clone(), 1, Duration::from_secs(1), 0)
            .unwrap()
            .with_retries(Duration::from_millis(600));
        assert!(client
            .call("save", Method::GET, "/", None, None)
            .await
            .is_err());
        assert!(tries(&retried) >= 2, "tried again: {}", tries(&retried));
    }
}
