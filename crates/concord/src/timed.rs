//! One plugin on one engine, each phase timed on its own, any panic caught as the engine's fault.

use crate::runner::panic_text;
use concord_engine::{Engine, InstanceConfig, Outcome};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct TimedRun {
    pub outcome: Outcome,
    pub memory_pages: Option<u64>,
    pub compile: Duration,
    /// `None` when compilation failed.
    pub instantiate: Option<Duration>,
    /// `None` when compilation or instantiation failed.
    pub call: Option<Duration>,
}

pub fn timed_run(engine: &dyn Engine, wasm: &[u8], export: &str, input: &[u8], config: &InstanceConfig) -> TimedRun {
    let mut run = TimedRun {
        outcome: Outcome::EngineFault(String::new()),
        memory_pages: None,
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
        let call = instance.call(export, input);
        run.call = Some(start.elapsed());
        run.memory_pages = instance.memory_pages();
        call.outcome
    }));
    run.outcome = result.unwrap_or_else(|panic| Outcome::EngineFault(panic_text(panic)));
    run
}
