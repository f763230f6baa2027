//! Random `memory.grow` sequences under a random memory limit: on every engine the guest sees
//! exactly what the model says (the old size in pages, or -1), and memory never exceeds the limit.
//! Extism is held to its own, documented model. The models live in `concord::scenario::growth`.

use concord::engine::{InstanceConfig, Outcome, WASM_PAGE};
use concord::scenario::growth::{extism_model, model};
use concord_tests::{compiled, i32s};
use proptest::prelude::*;

fn delta() -> impl Strategy<Value = u32> {
    prop_oneof![8 => 0u32..=24, 1 => Just(65536), 1 => Just(u32::MAX)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn grow_results_match_the_model(limit_pages in 1u64..=64, deltas in proptest::collection::vec(delta(), 0..8)) {
        let config = InstanceConfig::default().with_memory_limit(limit_pages * WASM_PAGE);
        let expected = Outcome::Returned(i32s(&model(limit_pages, &deltas)));
        for (engine, module) in compiled("grow") {
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
