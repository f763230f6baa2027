//! One generated module on one engine: instantiate it under the limits, call every exported
//! function with arguments derived from the seed (and digest every exported memory after each
//! call), read every exported global, and reduce what
//! happened to what engines are compared on. Resource exhaustion is kept, by class: a trap by its
//! kind, a memory refusal exactly, a CPU budget as "stopped", never a count or a depth.

use crate::generate::bytes;
use concord_engine::{Engine, InstanceConfig, LimitKind, Outcome, Value};
use serde::Serialize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType};

/// What one call or global read came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Returned(Vec<Value>),
    /// Stopped, by class: `trap Unreachable`, `memory limit`, `stopped by the budget`, ...
    Stopped(String),
    /// An exported memory after the calls before it: pages and digest.
    Memory {
        pages: u64,
        sha256: String,
    },
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

/// An exported function and its parameter types.
#[derive(Debug, Clone)]
pub struct Export {
    pub name: String,
    pub params: Vec<ValType>,
}

/// The module's exported functions (with their parameters), globals and memories, in order.
pub fn exports(wasm: &[u8]) -> (Vec<Export>, Vec<String>, Vec<String>) {
    let (mut types, mut funcs, mut functions, mut globals) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut memories = Vec::new();
    for payload in Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            Payload::TypeSection(section) => {
                for ty in section.into_iter_err_on_gc_types().flatten() {
                    types.push(ty.params().to_vec());
                }
            }
            Payload::ImportSection(section) => {
                for import in section.into_imports().flatten() {
                    if let TypeRef::Func(ty) = import.ty {
                        funcs.push(ty);
                    }
                }
            }
            Payload::FunctionSection(section) => funcs.extend(section.into_iter().flatten()),
            Payload::ExportSection(section) => {
                for export in section.into_iter().flatten() {
                    match export.kind {
                        ExternalKind::Func => {
                            let params = funcs
                                .get(export.index as usize)
                                .and_then(|&ty| types.get(ty as usize))
                                .cloned()
                                .unwrap_or_default();
                            functions.push(Export { name: export.name.to_string(), params });
                        }
                        ExternalKind::Global => globals.push(export.name.to_string()),
                        ExternalKind::Memory => memories.push(export.name.to_string()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    (functions, globals, memories)
}

/// Arguments for `export` of the module made from `seed`: edge values most of the time.
pub fn arguments(seed: u64, index: usize, params: &[ValType]) -> Vec<Value> {
    let entropy = bytes(seed ^ (index as u64).wrapping_mul(0x9e37_79b9), params.len() * 9);
    params
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let pick = entropy[i * 9];
            let random = u64::from_le_bytes(entropy[i * 9 + 1..i * 9 + 9].try_into().expect("8 bytes"));
            let edge32 = [0u32, 1, u32::MAX, 0x8000_0000, 0x7fff_ffff, 0x1_0000, random as u32];
            let edge64 = [0u64, 1, u64::MAX, 1 << 63, u64::MAX >> 1, 0x1_0000, random];
            let f32s = [0f32, -0.0, 1.0, f32::INFINITY, f32::NAN, f32::MIN_POSITIVE, f32::from_bits(random as u32)];
            let f64s = [0f64, -0.0, 1.0, f64::INFINITY, f64::NAN, f64::MIN_POSITIVE, f64::from_bits(random)];
            let k = pick as usize % 7;
            match ty {
                ValType::I32 => Value::I32(edge32[k]),
                ValType::I64 => Value::I64(edge64[k]),
                ValType::F32 => Value::F32(f32s[k].to_bits()),
                ValType::F64 => Value::F64(f64s[k].to_bits()),
                ValType::V128 => Value::V128(u128::from(random) << 64 | u128::from(random)),
                ValType::Ref(_) => Value::FuncRef { null: true },
            }
        })
        .collect()
}

/// The class an outcome is compared by: [`Outcome::class`], with fuel and deadline one class,
/// since fuel units and clocks differ by engine and stopped is stopped.
pub fn class(outcome: &Outcome) -> String {
    match outcome {
        Outcome::LimitHit(LimitKind::Fuel | LimitKind::Deadline) => "stopped by the budget".into(),
        other => other.class(),
    }
}

/// Runs the module made from `seed` on `engine`, a panic being the engine's fault.
pub fn observe(
    engine: &dyn Engine,
    seed: u64,
    wasm: &[u8],
    config: &InstanceConfig,
) -> Result<Observation, Unsupported> {
    catch_unwind(AssertUnwindSafe(|| observe_unguarded(engine, seed, wasm, config)))
        .unwrap_or_else(|_| Ok(Observation { refused: Some("engine fault (panic)".into()), steps: Vec::new() }))
}

fn observe_unguarded(
    engine: &dyn Engine,
    seed: u64,
    wasm: &[u8],
    config: &InstanceConfig,
) -> Result<Observation, Unsupported> {
    let mut store = engine.typed_store(config).map_err(|o| Unsupported(o.to_string()))?;
    let id = match store.instantiate(wasm) {
        Ok(id) => id,
        Err(Outcome::Unsupported(why)) => return Err(Unsupported(why)),
        Err(outcome) => return Ok(Observation { refused: Some(class(&outcome)), steps: Vec::new() }),
    };
    let (functions, globals, memories) = exports(wasm);
    let mut steps = Vec::new();
    for (index, export) in functions.iter().enumerate() {
        let args = arguments(seed, index, &export.params);
        let step = match store.invoke(id, &export.name, &args) {
            Ok(values) => Step::Returned(values),
            Err(Outcome::Unsupported(why)) => return Err(Unsupported(why)),
            Err(outcome) => Step::Stopped(class(&outcome)),
        };
        steps.push((export.name.clone(), step));
        for memory in &memories {
            if let Some(seen) = store.memory(id, memory) {
                steps.push((
                    format!("{memory} after `{}`", export.name),
                    Step::Memory { pages: seen.pages, sha256: seen.sha256 },
                ));
            }
        }
    }
    for global in globals {
        let step = match store.global(id, &global) {
            Ok(value) => Step::Returned(vec![value]),
            Err(outcome) => Step::Stopped(class(&outcome)),
        };
        steps.push((global, step));
    }
    Ok(Observation { refused: None, steps })
}
