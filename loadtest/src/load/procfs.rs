//! The server's memory, read from `/proc/<pid>/status` (Linux only): `VmRSS` (resident now)
//! and `VmHWM` (the resident peak since the process started).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::stats::Recorder;

/// Resident memory of one process in KiB: `(VmRSS, VmHWM)`, or `None` when it can't be read
/// (no such process, not Linux).
pub fn memory_kb(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status(&status)
}

/// `(VmRSS, VmHWM)` in KiB from the text of a `/proc/<pid>/status` file.
pub fn parse_status(status: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The summed `(VmRSS, VmHWM)` of several processes (two server nodes), `None` when any of
/// them can't be read.
pub fn total_memory_kb(pids: &[u32]) -> Option<(u64, u64)> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().try_fold((0, 0), |(rss, hwm), pid| {
        memory_kb(*pid).map(|(r, h)| (rss + r, hwm + h))
    })
}

/// Samples of the servers' resident memory taken once a second during a run.
#[derive(Debug)]
pub struct MemoryWatch {
    pids: Vec<u32>,
    began: Instant,
    samples: Mutex<Vec<(f64, u64)>>,
}

/// What the watch saw, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemorySummary {
    /// `VmRSS` when the watch started.
    pub first_kb: u64,
    /// `VmRSS` at the last sample.
    pub last_kb: u64,
    /// The largest `VmRSS` sampled.
    pub max_kb: u64,
    /// `VmHWM` at the end (the kernel's own peak, between samples too).
    pub hwm_kb: u64,
    /// Samples taken.
    pub samples: usize,
}

impl MemoryWatch {
    /// Starts sampling `pids` every `every`, noting each sample in `recorder`'s current
    /// interval; `None` when no pid was given or the first read fails.
    pub fn spawn(pids: Vec<u32>, recorder: Arc<Recorder>, every: Duration) -> Option<Arc<Self>> {
        let (first, _) = total_memory_kb(&pids)?;
        let watch = Arc::new(Self {
            pids,
            began: Instant::now(),
            samples: Mutex::new(vec![(0.0, first)]),
        });
        recorder.rss(first);
        let weak = Arc::downgrade(&watch);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(watch) = weak.upgrade() else { break };
                watch.sample(&recorder);
            }
        });
        Some(watch)
    }

    /// Takes a sample now.
    pub fn sample(&self, recorder: &Recorder) -> Option<u64> {
        let (rss, _) = total_memory_kb(&self.pids)?;
        recorder.rss(rss);
        self.samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((self.began.elapsed().as_secs_f64(), rss));
        Some(rss)
    }

    /// Every sample: seconds since the watch started, `VmRSS` in KiB.
    pub fn samples(&self) -> Vec<(f64, u64)> {
        self.samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The figures so far (`VmHWM` read now).
    pub fn summary(&self) -> MemorySummary {
        let samples = self.samples();
        MemorySummary {
            first_kb: samples.first().map_or(0, |s| s.1),
            last_kb: samples.last().map_or(0, |s| s.1),
            max_kb: samples.iter().map(|s| s.1).max().unwrap_or(0),
            hwm_kb: total_memory_kb(&self.pids).map_or(0, |(_, hwm)| hwm),
            samples: samples.len(),
        }
    }
}

/// Clock ticks per second of the CPU times in `/proc` (`USER_HZ`, 100 on Linux).
const USER_HZ: f64 = 100.0;

/// CPU time (user + system) a process has used so far, in seconds, from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_cpu(&stat)
}

/// User + system seconds from the text of a `/proc/<pid>/stat` file (fields 14 and 15,
/// counted after the parenthesised command name, which may hold spaces).
pub fn parse_stat_cpu(stat: &str) -> Option<f64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after_name starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / USER_HZ)
}

/// Busy and total CPU seconds of the whole machine so far (all cores; busy is everything
/// but idle and iowait), from `/proc/stat`.
pub fn machine_cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    let total: u64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some(((total - idle) as f64 / USER_HZ, total as f64 / USER_HZ))
}

/// CPU used during a stretch of time by the servers, this process and the whole machine.
#[derive(Debug, Clone, Copy)]
pub struct CpuMeter {
    servers: Option<f64>,
    me: Option<f64>,
    machine: Option<(f64, f64)>,
    began: std::time::Instant,
}

/// What a [`CpuMeter`] measured, in cores (CPU seconds per second of wall time).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CpuUse {
    /// The servers given by pid, together.
    pub servers_cores: Option<f64>,
    /// The load generator.
    pub generator_cores: Option<f64>,
    /// Every process of the machine (the rest is other work: the database, builds).
    pub machine_busy_cores: Option<f64>,
    /// Cores of the machine.
    pub machine_cores: Option<f64>,
}

fn servers_cpu(pids: &[u32]) -> Option<f64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter()
        .try_fold(0.0, |sum, pid| cpu_seconds(*pid).map(|s| sum + s))
}

impl CpuMeter {
    /// Starts measuring.
    pub fn start(server_pids: &[u32]) -> Self {
        Self {
            servers: servers_cpu(server_pids),
            me: cpu_seconds(std::process::id()),
            machine: machine_cpu_seconds(),
            began: std::time::Instant::now(),
        }
    }

    /// What was used since [`CpuMeter::start`].
    pub fn stop(&self, server_pids: &[u32]) -> CpuUse {
        let wall = self.began.elapsed().as_secs_f64().max(1e-9);
        let round = |x: f64| (x * 100.0).round() / 100.0;
        let machine = match (self.machine, machine_cpu_seconds()) {
            (Some((busy0, total0)), Some((busy1, total1))) => Some((
                round((busy1 - busy0) / wall),
                round((total1 - total0) / wall),
            )),
            _ => None,
        };
        CpuUse {
            servers_cores: self
                .servers
                .zip(servers_cpu(server_pids))
                .map(|(a, b)| round((b - a) / wall)),
            generator_cores: self
                .me
                .zip(cpu_seconds(std::process::id()))
                .map(|(a, b)| round((b - a) / wall)),
            machine_busy_cores: machine.map(|m| m.0),
            machine_cores: machine.map(|m| m.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_and_hwm_from_a_status_file() {
        let status = "Name:\tcuocthi\nVmPeak:\t  900000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   48128 kB\nThreads:\t5\n";
        assert_eq!(parse_status(status), Some((48128, 51200)));
        assert_eq!(parse_status("Name:\tx\n"), None);
    }

    #[test]
    fn reads_cpu_seconds_after_a_command_name_with_spaces() {
        let stat =
            "4242 (tokio rt (w)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat_cpu(stat), Some(3.0));
        assert!(cpu_seconds(std::process::id()).is_some());
        assert!(machine_cpu_seconds().is_some_and(|(busy, total)| total >= busy));
    }

    #[test]
    fn reads_this_process() {
        let Some((rss, hwm)) = memory_kb(std::process::id()) else {
            panic!("/proc/self/status is readable on Linux")
        };
        assert!(rss > 0 && hwm >= rss);
    }
}
