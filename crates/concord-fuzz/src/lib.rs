//! Generated modules on every engine at once: `wasm-smith` modules, each instantiated and called
//! on every configuration under the same limits, and the engines compared with resource
//! exhaustion kept (memory refusals exactly, CPU budgets and traps by class), where other
//! differential fuzzers discard those cases.

pub mod compare;
pub mod exports;
pub mod generate;
pub mod hexdump;
pub mod module;
pub mod observe;
pub mod reduce;
pub mod saved;
pub mod shrink;

pub use compare::{Difference, differences};
pub use module::GeneratedModule;
pub use observe::{MemoryStats, Observation, Step, observe};
pub use saved::Saved;
pub use shrink::shrink;

use concord_engine::{Engine, InstanceConfig, MemoryLimit};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The memory limit generated modules run under, in pages: below the 16 a module may declare or
/// grow to, so refusals are exercised.
pub const MEMORY_LIMIT_PAGES: u64 = 8;

/// The limits every engine runs a generated module under. The deadline is a safety net: the
/// modules' own fuel global stops runaway code first, at the same instruction everywhere.
pub fn limits() -> InstanceConfig {
    InstanceConfig::default()
        .with_memory_limit(MemoryLimit::from_pages(MEMORY_LIMIT_PAGES))
        .with_deadline(Duration::from_secs(2))
}

/// A module on which engines differed.
#[derive(Debug, Clone)]
pub struct Finding {
    pub module: GeneratedModule,
    pub differences: Vec<Difference>,
    /// What each engine that took part observed.
    pub observations: Vec<(String, Observation)>,
}

/// What one engine did over a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineStats {
    pub engine: String,
    pub modules: u64,
    pub unsupported: u64,
    /// Time spent in this engine (compile, instantiate, calls).
    pub busy: Duration,
}

/// The module made from `seed` on every engine.
pub fn run_seed(engines: &[Arc<dyn Engine>], seed: u64, config: &InstanceConfig) -> Result<ModuleRun, String> {
    Ok(run_module(engines, &GeneratedModule::from_seed(seed)?, config))
}

/// One module on every engine: each engine's observation (unsupported engines left out) and the
/// time each took.
pub fn run_module(engines: &[Arc<dyn Engine>], module: &GeneratedModule, config: &InstanceConfig) -> ModuleRun {
    let mut observations = Vec::new();
    let mut timings = Vec::new();
    let exports = exports::exports(&module.wasm);
    for engine in engines {
        let start = Instant::now();
        let observed = observe(engine.as_ref(), module, &exports, config);
        timings.push((engine.id().to_string(), start.elapsed(), observed.is_err()));
        if let Ok(observation) = observed {
            observations.push((engine.id().to_string(), observation));
        }
    }
    ModuleRun { module: module.clone(), differences: differences(&observations), observations, timings }
}

/// For a difference in a memory, that memory on the engine that differed and on one that did
/// what most did, side by side from the first differing line.
pub fn memory_dump(engines: &[Arc<dyn Engine>], module: &GeneratedModule, difference: &Difference) -> Option<String> {
    let step = difference.step.as_deref()?;
    let engine = |id: &str| engines.iter().find(|e| e.id() == id);
    let config = limits();
    let theirs = observe::memory_at(engine(&difference.like)?.as_ref(), module, &config, step)?;
    let its = observe::memory_at(engine(&difference.engine)?.as_ref(), module, &config, step)?;
    let stats = |bytes: &[u8]| MemoryStats::of(bytes).to_string();
    let dump = hexdump::side_by_side(&difference.like, &theirs, &difference.engine, &its)?;
    let width = difference.like.len().max(difference.engine.len());
    Some(format!(
        "{step}:\n  {:width$}  {}\n  {:width$}  {}\n{dump}",
        difference.like,
        stats(&theirs),
        difference.engine,
        stats(&its)
    ))
}

/// The engines that took part in a difference, in `engines`' order: what shrinking and replaying
/// it needs. Those that differed, and more of those that did not than differed (the one each
/// difference names first), so that what most did stays what most do: two configurations of one
/// engine that differ together would outvote a lone engine that did not.
pub fn party(engines: &[Arc<dyn Engine>], differences: &[Difference]) -> Vec<Arc<dyn Engine>> {
    let differed = |id: &str| differences.iter().any(|d| d.engine == id);
    let named_like = |id: &str| differences.iter().any(|d| d.like == id);
    let differing = engines.iter().filter(|e| differed(e.id())).count();
    let others = engines.iter().filter(|e| !differed(e.id()));
    let (like, rest): (Vec<_>, Vec<_>) = others.partition(|e| named_like(e.id()));
    let references: Vec<&Arc<dyn Engine>> = like.into_iter().chain(rest).take(differing + 1).collect();
    let kept = |e: &Arc<dyn Engine>| differed(e.id()) || references.iter().any(|r| r.id() == e.id());
    engines.iter().filter(|e| kept(e)).cloned().collect()
}

#[derive(Debug, Clone)]
pub struct ModuleRun {
    pub module: GeneratedModule,
    pub observations: Vec<(String, Observation)>,
    pub differences: Vec<Difference>,
    /// Per engine: time taken, and whether it could not take part.
    pub timings: Vec<(String, Duration, bool)>,
}

impl ModuleRun {
    /// Adds this module to each engine's stats.
    pub fn tally(&self, stats: &mut [EngineStats]) {
        for (engine, took, unsupported) in &self.timings {
            if let Some(s) = stats.iter_mut().find(|s| &s.engine == engine) {
                s.modules += 1;
                s.unsupported += u64::from(*unsupported);
                s.busy += *took;
            }
        }
    }
}

/// Runs seeds `first..` on every engine, `threads` modules at a time, until `count` modules ran
/// or `until` passed, whichever comes first; `found` hears of each module engines differ on.
pub fn run(
    engines: &[Arc<dyn Engine>],
    first: u64,
    count: Option<u64>,
    until: Option<Instant>,
    threads: usize,
    found: &(dyn Fn(&Finding) + Sync),
) -> Vec<EngineStats> {
    let next = AtomicU64::new(first);
    let stats = Mutex::new(
        engines
            .iter()
            .map(|e| EngineStats { engine: e.id().to_string(), ..EngineStats::default() })
            .collect::<Vec<_>>(),
    );
    let config = limits();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if count.is_some_and(|n| seed >= first + n) || until.is_some_and(|t| Instant::now() >= t) {
                        break;
                    }
                    let Ok(run) = run_seed(engines, seed, &config) else { continue };
                    run.tally(&mut stats.lock().unwrap_or_else(|p| p.into_inner()));
                    if !run.differences.is_empty() {
                        found(&Finding {
                            module: run.module,
                            differences: run.differences,
                            observations: run.observations,
                        });
                    }
                }
            });
        }
    });
    stats.into_inner().unwrap_or_else(|p| p.into_inner())
}
