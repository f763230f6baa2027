//! A module engines differ on, reduced while they still differ: first by [`reduce`]'s rewrites
//! (exports one at a time, dead code, whole function bodies, single instructions), then with
//! `wasm-shrink`. Every candidate runs on the engines that differed and one that did what most
//! did, and is kept when one of the engines that differed still differs.

use crate::module::GeneratedModule;
use crate::reduce;
use crate::{limits, run_module};
use concord_engine::Engine;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Shrinking candidates that no longer count their loops' fuel can spin; this stops them sooner
/// than a generated module's deadline, and a stopped candidate is only kept if it still differs.
const CANDIDATE_DEADLINE: Duration = Duration::from_millis(250);
/// Mutations tried before the module counts as small as it gets.
const ATTEMPTS: u32 = 2_000;

/// `module`, as small as `wasm-shrink` gets it in `budget` while an engine in `differing` still
/// differs on it among `engines`, with every export's arguments fixed.
pub fn shrink(
    engines: &[Arc<dyn Engine>],
    module: &GeneratedModule,
    differing: &[String],
    budget: Duration,
) -> Result<GeneratedModule, String> {
    let config = limits().with_deadline(CANDIDATE_DEADLINE);
    let until = Instant::now() + budget;
    let still_differs = |wasm: &[u8]| -> anyhow::Result<bool> {
        if Instant::now() >= until {
            return Ok(false);
        }
        let run = run_module(engines, &module.with_wasm(wasm.to_vec()), &config);
        Ok(run.differences.iter().any(|d| differing.contains(&d.engine)))
    };
    if !still_differs(&module.wasm).unwrap_or(false) {
        return Err("the engines no longer differ on this module".into());
    }
    let mut wasm = module.wasm.clone();
    let keep = |wasm: &mut Vec<u8>, candidate: Option<Vec<u8>>| {
        if let Some(candidate) = candidate
            && still_differs(&candidate).unwrap_or(false)
        {
            *wasm = candidate;
        }
    };
    let exports = crate::exports::exports(&wasm);
    for name in exports.functions.into_iter().map(|f| f.name).chain(exports.globals).chain(exports.memories) {
        let candidate = reduce::without_export(&wasm, &name);
        keep(&mut wasm, candidate);
    }
    let candidate = reduce::without_dead_code(&wasm);
    keep(&mut wasm, candidate);
    for index in 0..reduce::defined_functions(&wasm) {
        let candidate = reduce::with_body_unreachable(&wasm, index);
        keep(&mut wasm, candidate);
    }
    // Runs of one to three instructions at a time, last first, while any goes and there is time.
    loop {
        let before = wasm.len();
        for run in 1..=3 {
            for (function, count) in reduce::instruction_counts(&wasm).into_iter().enumerate() {
                for index in (0..count.saturating_sub(run - 1)).rev() {
                    if Instant::now() >= until {
                        break;
                    }
                    let candidate = reduce::without_instructions(&wasm, function as u32, index, run);
                    keep(&mut wasm, candidate);
                }
            }
        }
        if wasm.len() == before || Instant::now() >= until {
            break;
        }
    }
    let shrunk = wasm_shrink::WasmShrink::default()
        .attempts(ATTEMPTS)
        .seed(module.seed)
        .run(wasm, still_differs)
        .map_err(|e| format!("wasm-shrink: {e:#}"))?;
    Ok(module.with_wasm(shrunk.output).fixed())
}
