//! `memory.grow` sequences under a memory limit, through the `grow` guest (1 initial page, no
//! declared maximum): each grow returns the old size in pages, or -1 when the result would not fit.

use super::{Rng, Scenario};
use crate::case::{Case, EngineModel, ModuleSource};
use concord_engine::{InstanceConfig, LimitKind, Outcome, WASM_PAGE};

pub struct Growth;

pub const INITIAL_PAGES: u64 = 1;
const WASM_MAX_PAGES: u64 = 65536;

/// The Wasm semantics under a limit: a grow succeeds iff the new size fits the limit and Wasm's
/// own 4 GiB ceiling.
pub fn model(limit_pages: u64, deltas: &[u32]) -> Vec<i32> {
    let mut size = INITIAL_PAGES;
    deltas
        .iter()
        .map(|&delta| {
            let wanted = size + delta as u64;
            if wanted <= limit_pages.min(WASM_MAX_PAGES) {
                let old = size;
                size = wanted;
                old as i32
            } else {
                -1
            }
        })
        .collect()
}

/// Extism 1.30 as measured: the manifest max is a budget for growth beyond the initial pages
/// (the limiter is reset once the instance exists), and a grow the budget cannot hold fails the
/// whole call with "oom" instead of returning -1, even one past Wasm's 4 GiB ceiling.
pub fn extism_model(limit_pages: u64, deltas: &[u32]) -> Outcome {
    let mut size = INITIAL_PAGES;
    let mut results = Vec::new();
    for &delta in deltas {
        let wanted = size + delta as u64;
        if wanted > INITIAL_PAGES + limit_pages {
            return Outcome::LimitHit(LimitKind::Memory);
        }
        results.push(size as i32);
        size = wanted;
    }
    Outcome::Returned(encode(&results))
}

pub const EXTISM_REASON: &str = "Extism's max counts pages beyond the initial ones, and a grow past it fails the call with \"oom\" instead of returning -1";

pub fn encode(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl Scenario for Growth {
    fn name(&self) -> &'static str {
        "growth"
    }

    fn generate(&self, rng: &mut Rng, index: usize) -> Case {
        let limit_pages = rng.range(1, 64);
        let deltas: Vec<u32> = (0..rng.range(0, 8))
            .map(|_| match rng.range(0, 9) {
                0 => WASM_MAX_PAGES as u32,
                1 => u32::MAX,
                _ => rng.range(0, 24) as u32,
            })
            .collect();
        let input: Vec<i32> = deltas.iter().map(|&d| d as i32).collect();
        Case {
            scenario: self.name().into(),
            name: format!("gen-{index:04}-limit-{limit_pages}"),
            module: ModuleSource::Guest("grow".into()),
            export: "grow".into(),
            input: encode(&input),
            config: InstanceConfig::default().with_memory_limit(limit_pages * WASM_PAGE),
            calls: 1,
            expect: Some(Outcome::Returned(encode(&model(limit_pages, &deltas)))),
            documented: vec![EngineModel {
                engine: "extism".into(),
                expect: extism_model(limit_pages, &deltas),
                reason: EXTISM_REASON.into(),
            }],
        }
    }
}
