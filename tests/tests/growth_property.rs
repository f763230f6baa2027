//! Random `memory.grow` sequences under a random memory limit: on every engine the guest sees
//! exactly what the model says (the old size in pages, or -1), and memory never exceeds the limit.
//! Extism is held to its own, documented model (see conformance/divergences.toml).

use concord::engine::{InstanceConfig, LimitKind, Module, Outcome, WASM_PAGE};
use concord_tests::{engines, guest, i32s};
use proptest::prelude::*;
use std::sync::OnceLock;

/// The grow guest declares one initial page and no maximum.
const INITIAL_PAGES: u64 = 1;
const WASM_MAX_PAGES: u64 = 65536;

/// The Wasm semantics under a limit: grow succeeds iff the new size fits both limits.
fn model(limit_pages: u64, deltas: &[u32]) -> Vec<i32> {
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

/// Extism as measured: its manifest max is a budget for growth beyond the initial pages (the
/// limiter is reset once the instance exists), and a grow the budget cannot hold fails the whole
/// call with "oom" instead of returning -1, even one past Wasm's own 4 GiB ceiling.
fn extism_model(limit_pages: u64, deltas: &[u32]) -> Outcome {
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
    Outcome::Returned(i32s(&results))
}

fn modules() -> &'static [(String, Box<dyn Module>)] {
    static MODULES: OnceLock<Vec<(String, Box<dyn Module>)>> = OnceLock::new();
    MODULES.get_or_init(|| {
        let wasm = guest("grow");
        engines()
            .iter()
            .map(|e| (e.id().to_string(), e.compile(&wasm).expect("grow compiles")))
            .collect()
    })
}

fn delta() -> impl Strategy<Value = u32> {
    prop_oneof![8 => 0u32..=24, 1 => Just(WASM_MAX_PAGES as u32), 1 => Just(u32::MAX)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn grow_results_match_the_model(limit_pages in 1u64..=64, deltas in proptest::collection::vec(delta(), 0..8)) {
        let config = InstanceConfig::default().with_memory_limit(limit_pages * WASM_PAGE);
        let expected = Outcome::Returned(i32s(&model(limit_pages, &deltas)));
        for (engine, module) in modules() {
            let mut instance = module.instantiate(&config).expect("grow instantiates");
            let input: Vec<i32> = deltas.iter().map(|&d| d as i32).collect();
            let call = instance.call("grow", &i32s(&input));
            if engine == "extism" {
                prop_assert_eq!(&call.outcome, &extism_model(limit_pages, &deltas), "{} deltas {:?}", engine, deltas);
                continue;
            }
            prop_assert_eq!(&call.outcome, &expected, "{} limit {} deltas {:?}", engine, limit_pages, deltas);
            let pages = call.memory_pages.expect("native engines show their memory");
            prop_assert!(pages <= limit_pages, "{} grew to {} pages past its {}-page limit", engine, pages, limit_pages);
        }
    }
}
