//! One generated module on one engine: instantiate it under the limits, call every exported
//! function with arguments derived from the seed (and digest every exported memory after each
//! call), read every exported global, and reduce what
//! happened to what engines are compared on. Resource exhaustion is kept, by class: a trap by its
//! kind, a memory refusal exactly, a CPU budget as "stopped", never a count or a depth.

use crate::exports::{Exports, exports};
use crate::module::GeneratedModule;
use concord_engine::{Engine, InstanceConfig, LimitKind, Outcome, Value, WASM_PAGE};
use serde::Serialize;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What one call or global read came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Returned(Vec<Value>),
    /// Stopped, by class: `trap Unreachable`, `memory limit`, `stopped by the budget`, ...
    Stopped(String),
    /// An exported memory after the calls before it.
    Memory(MemoryStats),
}

/// What a memory is compared on: its digest, and for people, its size and where its non-zero
/// bytes lie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemoryStats {
    pub pages: u64,
    /// The first and last non-zero byte's offsets; `None` when every byte is zero.
    pub nonzero: Option<(u64, u64)>,
    pub sha256: String,
}

impl MemoryStats {
    pub fn of(bytes: &[u8]) -> Self {
        let first = bytes.iter().position(|&b| b != 0);
        let last = bytes.iter().rposition(|&b| b != 0);
        MemoryStats {
            pages: bytes.len() as u64 / WASM_PAGE,
            nonzero: first.zip(last).map(|(a, b)| (a as u64, b as u64)),
            sha256: concord_engine::sha256_hex(bytes),
        }
    }
}

impl std::fmt::Display for MemoryStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} pages, ", self.pages)?;
        match self.nonzero {
            Some((first, last)) => write!(f, "non-zero from 0x{first:x} to 0x{last:x}")?,
            None => f.write_str("all zero")?,
        }
        write!(f, ", sha256 {}", &self.sha256[..12])
    }
}

/// What one engine did with one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// `None` when it instantiated, else the class of why not.
    pub refused: Option<String>,
    /// Each exported function called, in export order, and each exported global read after.
    pub steps: Vec<(String, Step)>,
}

/// The engine could not take part (a feature or configuration it does not offer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// The class an outcome is compared by: [`Outcome::class`], with fuel and deadline one class,
/// since fuel units and clocks differ by engine and stopped is stopped.
pub fn class(outcome: &Outcome) -> String {
    match outcome {
        Outcome::LimitHit(LimitKind::Fuel | LimitKind::Deadline) => "stopped by the budget".into(),
        other => other.class(),
    }
}

/// Runs `module` on `engine`, a panic being the engine's fault. `exports` are the module's, read
/// once for every engine that runs it.
pub fn observe(
    engine: &dyn Engine,
    module: &GeneratedModule,
    exports: &Exports,
    config: &InstanceConfig,
) -> Result<Observation, Unsupported> {
    observe_keeping(engine, module, exports, config, None).map(|(observation, _)| observation)
}

/// The bytes of the memory at step `step` (as [`Observation::steps`] names it) on `engine`.
pub fn memory_at(
    engine: &dyn Engine,
    module: &GeneratedModule,
    config: &InstanceConfig,
    step: &str,
) -> Option<Vec<u8>> {
    observe_keeping(engine, module, &exports(&module.wasm), config, Some(step)).ok()?.1
}

fn observe_keeping(
    engine: &dyn Engine,
    module: &GeneratedModule,
    exports: &Exports,
    config: &InstanceConfig,
    keep: Option<&str>,
) -> Result<(Observation, Option<Vec<u8>>), Unsupported> {
    catch_unwind(AssertUnwindSafe(|| observe_unguarded(engine, module, exports, config, keep)))
        .unwrap_or_else(|_| Ok((Observation { refused: Some("engine fault (panic)".into()), steps: Vec::new() }, None)))
}

fn observe_unguarded(
    engine: &dyn Engine,
    module: &GeneratedModule,
    exports: &Exports,
    config: &InstanceConfig,
    keep: Option<&str>,
) -> Result<(Observation, Option<Vec<u8>>), Unsupported> {
    let mut store = engine.typed_store(config).map_err(|o| Unsupported(o.to_string()))?;
    let mut kept = None;
    let id = match store.instantiate(&module.wasm) {
        Ok(id) => id,
        Err(Outcome::Unsupported(why)) => return Err(Unsupported(why)),
        Err(outcome) => return Ok((Observation { refused: Some(class(&outcome)), steps: Vec::new() }, None)),
    };
    let mut steps = Vec::new();
    for export in &exports.functions {
        let args = module.arguments_for(&export.name, &export.params);
        let step = match store.invoke(id, &export.name, &args) {
            Ok(values) => Step::Returned(values),
            Err(Outcome::Unsupported(why)) => return Err(Unsupported(why)),
            Err(outcome) => Step::Stopped(class(&outcome)),
        };
        steps.push((export.name.clone(), step));
        for memory in &exports.memories {
            if let Some(bytes) = store.memory(id, memory) {
                let step = format!("{memory} after `{}`", export.name);
                if keep == Some(step.as_str()) {
                    kept = Some(bytes.clone());
                }
                steps.push((step, Step::Memory(MemoryStats::of(&bytes))));
            }
        }
    }
    for global in &exports.globals {
        let step = match store.global(id, global) {
            Ok(value) => Step::Returned(vec![value]),
            Err(outcome) => Step::Stopped(class(&outcome)),
        };
        steps.push((global.clone(), step));
    }
    Ok((Observation { refused: None, steps }, kept))
}
