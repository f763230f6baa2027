//! What each engine costs, measured in one run on the same guest bytes: medians of repeated
//! samples, with the machine named. The criterion benchmarks are the careful version of this.

use concord_engine::{Engine, InstanceConfig, Outcome};
use serde::{Deserialize, Serialize};
use std::backtrace::{Backtrace, BacktraceStatus};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Performance {
    pub machine: Machine,
    pub engines: Vec<EngineCost>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub os: String,
    /// Whether `std::backtrace::Backtrace::capture` captures here (`RUST_BACKTRACE` or
    /// `RUST_LIB_BACKTRACE` set). Extism asks wasmtime for the fuel left after every call; without
    /// a fuel limit the answer is an error, and that error captures a backtrace, so Extism's
    /// figures measured with this on include one stack walk per call.
    #[serde(default)]
    pub library_backtraces: bool,
}

impl Machine {
    /// "cpu (N cores, os)", and a warning when the figures include backtrace captures.
    pub fn describe(&self) -> String {
        let backtraces = match self.library_backtraces {
            true => ", library backtraces on: each Extism call walks the stack once",
            false => "",
        };
        format!("{} ({} cores, {}){backtraces}", self.cpu, self.cores, self.os)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineCost {
    pub id: String,
    /// Median compile time of the `stream` guest (an Extism PDK plugin).
    pub compile_us: f64,
    pub instantiate_us: f64,
    /// Median time of a call with empty input: the fixed cost of one plugin call.
    pub call_us: f64,
    pub stream_mib_s_64k: f64,
    pub stream_mib_s_1m: f64,
    /// Resident memory added per live instance, from 32 instances held at once.
    pub memory_per_instance_kib: Option<f64>,
}

pub struct Samples {
    pub compile: usize,
    pub instantiate: usize,
    pub call: usize,
    pub stream: usize,
}

impl Samples {
    pub const QUICK: Samples = Samples { compile: 3, instantiate: 11, call: 51, stream: 5 };
}

pub fn machine() -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    Machine {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        os: std::env::consts::OS.to_string(),
        library_backtraces: Backtrace::capture().status() == BacktraceStatus::Captured,
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Measures one engine on the stream guest. `None` if the guest does not run on it.
pub fn measure(engine: &Arc<dyn Engine>, stream_wasm: &[u8], samples: &Samples) -> Option<EngineCost> {
    let config = InstanceConfig::default();
    let compile = median(
        (0..samples.compile)
            .map(|_| {
                let start = Instant::now();
                let _ = engine.compile(stream_wasm);
                start.elapsed()
            })
            .collect(),
    );
    let module = engine.compile(stream_wasm).ok()?;
    let instantiate = median(
        (0..samples.instantiate)
            .map(|_| {
                let start = Instant::now();
                let _ = module.instantiate(&config);
                start.elapsed()
            })
            .collect(),
    );
    let mut instance = module.instantiate(&config).ok()?;
    let mut timed_call = |input: &[u8]| {
        let start = Instant::now();
        let call = instance.call("stream", input);
        (call, start.elapsed())
    };
    let call = median((0..samples.call).map(|_| timed_call(b"").1).collect());
    let mut throughput = |size: usize| -> Option<f64> {
        let input = vec![7u8; size];
        let mut times = Vec::new();
        for _ in 0..samples.stream {
            let (call, elapsed) = timed_call(&input);
            if !matches!(call.outcome, Outcome::Returned(ref out) if out.len() == size) {
                return None;
            }
            times.push(elapsed);
        }
        Some(size as f64 / (1024.0 * 1024.0) / median(times).as_secs_f64().max(1e-9))
    };
    let stream_64k = throughput(64 * 1024)?;
    let stream_1m = throughput(1024 * 1024)?;
    let resident = resident_bytes().filter(|_| !engine.capabilities().out_of_process);
    let memory_per_instance_kib = resident.and_then(|before| {
        let mut held = Vec::new();
        for _ in 0..32 {
            let mut instance = module.instantiate(&config).ok()?;
            instance.call("stream", b"warm");
            held.push(instance);
        }
        let after = resident_bytes()?;
        Some(after.saturating_sub(before) as f64 / 32.0 / 1024.0)
    });
    Some(EngineCost {
        id: engine.id().to_string(),
        compile_us: micros(compile),
        instantiate_us: micros(instantiate),
        call_us: micros(call),
        stream_mib_s_64k: stream_64k,
        stream_mib_s_1m: stream_1m,
        memory_per_instance_kib,
    })
}
