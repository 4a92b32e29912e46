//! How contestants arrive: a closed loop (a fixed number of contestants, each starting the
//! next flow as soon as the last one ends, no think time) or an open loop (arrivals at a fixed
//! rate whatever the server's latency, up to a cap of flows in flight). Both stop at a time
//! limit, a count of flows and the client's request budget, whichever comes first.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::Client;
use super::flows::{self, Flow, Ledger, Plan};

/// How contestants arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrivals {
    /// `concurrency` contestants in a closed loop.
    Closed {
        /// Contestants at once.
        concurrency: usize,
    },
    /// `rate` new contestants per second, at most `max_in_flight` of them unfinished at once
    /// (an arrival beyond that is dropped and counted).
    Open {
        /// Arrivals per second.
        rate: f64,
        /// Flows in flight at most.
        max_in_flight: usize,
    },
}

/// The bounds of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// No flow starts after this long.
    pub duration: Duration,
    /// No more than this many flows start (0: no limit).
    pub flows: u64,
    /// After the last arrival of an open loop, flows still running get this long to finish
    /// before they are abandoned.
    pub drain: Duration,
}

/// What happened, apart from what the recorder holds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Driven {
    /// Flows started.
    pub started: u64,
    /// Flows that ran to the end.
    pub completed: u64,
    /// Open loop: arrivals dropped because `max_in_flight` flows were unfinished.
    pub dropped: u64,
    /// Open loop: flows abandoned after the drain time.
    pub abandoned: u64,
    /// Seconds from the first arrival until the last flow ended.
    pub seconds: f64,
}

/// Drives `flow` for contestants `0, 1, 2, ...` as `arrivals` says, within `bounds`; every
/// acknowledged attempt goes into `ledger`.
pub async fn drive(
    client: &Client,
    plan: &Plan,
    flow: Flow,
    arrivals: Arrivals,
    bounds: Bounds,
    ledger: &Arc<Ledger>,
) -> Driven {
    match arrivals {
        Arrivals::Closed { concurrency } => {
            closed(client, plan, flow, concurrency, bounds, ledger).await
        }
        Arrivals::Open {
            rate,
            max_in_flight,
        } => open(client, plan, flow, rate, max_in_flight, bounds, ledger).await,
    }
}

async fn closed(
    client: &Client,
    plan: &Plan,
    flow: Flow,
    concurrency: usize,
    bounds: Bounds,
    ledger: &Arc<Ledger>,
) -> Driven {
    let began = Instant::now();
    let deadline = began + bounds.duration;
    let next = Arc::new(AtomicU64::new(0));
    let completed = Arc::new(AtomicU64::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (client, plan, ledger) = (client.clone(), plan.clone(), ledger.clone());
        let (next, completed) = (next.clone(), completed.clone());
        workers.spawn(async move {
            while Instant::now() < deadline && !client.budget_spent() {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if bounds.flows > 0 && n >= bounds.flows {
                    break;
                }
                match flows::run(&client, &plan, flow, n, &ledger).await {
                    Ok(()) => {
                        completed.fetch_add(1, Ordering::Relaxed);
                        client.recorder().completed();
                    }
                    // The server is down or restarting: don't spin.
                    Err(failure) if failure.unreachable() => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(_) => {}
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let started = next.load(Ordering::Relaxed);
    Driven {
        // Every number taken below the flow limit was started.
        started: if bounds.flows > 0 {
            started.min(bounds.flows)
        } else {
            started
        },
        completed: completed.load(Ordering::Relaxed),
        dropped: 0,
        abandoned: 0,
        seconds: began.elapsed().as_secs_f64(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn open(
    client: &Client,
    plan: &Plan,
    flow: Flow,
    rate: f64,
    max_in_flight: usize,
    bounds: Bounds,
    ledger: &Arc<Ledger>,
) -> Driven {
    let began = tokio::time::Instant::now();
    let deadline = began + bounds.duration;
    let gap = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let slots = Arc::new(Semaphore::new(max_in_flight.max(1)));
    let completed = Arc::new(AtomicU64::new(0));
    let mut flows_running = JoinSet::new();
    let (mut started, mut dropped) = (0u64, 0u64);
    for n in 0u64.. {
        if bounds.flows > 0 && n >= bounds.flows {
            break;
        }
        let at = began + gap.mul_f64(n as f64);
        if at >= deadline || client.budget_spent() {
            break;
        }
        tokio::time::sleep_until(at).await;
        // Reap what has finished so the set doesn't grow with the run.
        while flows_running.try_join_next().is_some() {}
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            dropped += 1;
            continue;
        };
        started += 1;
        let (client, plan, ledger, completed) = (
            client.clone(),
            plan.clone(),
            ledger.clone(),
            completed.clone(),
        );
        flows_running.spawn(async move {
            if flows::run(&client, &plan, flow, n, &ledger).await.is_ok() {
                completed.fetch_add(1, Ordering::Relaxed);
                client.recorder().completed();
            }
            drop(permit);
        });
    }
    let drain_until = tokio::time::Instant::now() + bounds.drain;
    let mut abandoned = 0;
    loop {
        match tokio::time::timeout_at(drain_until, flows_running.join_next()).await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                abandoned = flows_running.len() as u64;
                flows_running.abort_all();
                break;
            }
        }
    }
    Driven {
        started,
        completed: completed.load(Ordering::Relaxed),
        dropped,
        abandoned,
        seconds: began.elapsed().as_secs_f64(),
    }
}
