//! Helpers shared by the cross-engine tests.

use concord::engine::{Call, Engine, InstanceConfig, Outcome};
use std::sync::{Arc, OnceLock};

pub use concord::engine;

/// Every engine configuration in this build, created once per test binary.
pub fn engines() -> &'static [Arc<dyn Engine>] {
    static ENGINES: OnceLock<Vec<Arc<dyn Engine>>> = OnceLock::new();
    ENGINES.get_or_init(concord::all_engines)
}

/// A built guest's bytes; panics with the command that builds them when they are missing.
pub fn guest(name: &str) -> Vec<u8> {
    concord::guests::load(name).unwrap_or_else(|e| panic!("{e:#}"))
}

pub fn wat(source: &str) -> Vec<u8> {
    wat::parse_str(source).expect("test WAT assembles")
}

/// Compile, instantiate and call once; any failure along the way is the call's outcome.
pub fn run_once(engine: &dyn Engine, wasm: &[u8], export: &str, input: &[u8], config: &InstanceConfig) -> Call {
    let module = match engine.compile(wasm) {
        Ok(module) => module,
        Err(error) => return Call::from_outcome(Outcome::from(error)),
    };
    match module.instantiate(config) {
        Ok(mut instance) => instance.call(export, input),
        Err(outcome) => Call::from_outcome(outcome),
    }
}

pub fn i32s(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
