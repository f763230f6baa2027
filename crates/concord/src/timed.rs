//! One plugin on one engine, each phase timed on its own, any panic caught as the engine's fault.

use concord_engine::{Engine, InstanceConfig, Outcome};
use concord_verdict::observation::panic_text;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct TimedRun {
    /// The last call's outcome (or why there was none).
    pub outcome: Outcome,
    pub memory_pages: Option<u64>,
    /// Every call made on the instance, in order, with the memory pages after it: one unless
    /// more were asked for, and none past the first that did not return.
    pub calls: Vec<(Outcome, Option<u64>)>,
    pub compile: Duration,
    /// `None` when compilation failed.
    pub instantiate: Option<Duration>,
    /// `None` when compilation or instantiation failed.
    pub call: Option<Duration>,
}

pub fn timed_run(engine: &dyn Engine, wasm: &[u8], export: &str, input: &[u8], config: &InstanceConfig) -> TimedRun {
    timed_calls(engine, wasm, export, input, config, 1)
}

/// Like [`timed_run`], with `calls` calls on the one instance (state, globals and vars carried
/// from each to the next); the call time is the first call's.
pub fn timed_calls(
    engine: &dyn Engine,
    wasm: &[u8],
    export: &str,
    input: &[u8],
    config: &InstanceConfig,
    calls: usize,
) -> TimedRun {
    let mut run = TimedRun {
        outcome: Outcome::EngineFault(String::new()),
        memory_pages: None,
        calls: Vec::new(),
        compile: Duration::ZERO,
        instantiate: None,
        call: None,
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        // Compiled for this configuration (a fuel-metered variant, Extism's limits), so the
        // instantiate time is instantiation alone on every engine.
        let start = Instant::now();
        let module = engine.compile_for(wasm, config);
        run.compile = start.elapsed();
        let module = match module {
            Ok(module) => module,
            Err(error) => return Outcome::from(error),
        };
        let start = Instant::now();
        let instance = module.instantiate(config);
        run.instantiate = Some(start.elapsed());
        let mut instance = match instance {
            Ok(instance) => instance,
            Err(outcome) => return outcome,
        };
        let start = Instant::now();
        let mut outcome = instance.call(export, input).outcome;
        run.call = Some(start.elapsed());
        run.memory_pages = instance.memory_pages();
        run.calls.push((outcome.clone(), run.memory_pages));
        while run.calls.len() < calls && matches!(outcome, Outcome::Returned(_)) {
            outcome = instance.call(export, input).outcome;
            run.memory_pages = instance.memory_pages();
            run.calls.push((outcome.clone(), run.memory_pages));
        }
        outcome
    }));
    run.outcome = result.unwrap_or_else(|panic| Outcome::EngineFault(panic_text(panic)));
    run
}
