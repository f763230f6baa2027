//! Generated modules (wasm-smith) on every engine: they agree, the modules exercise more than one
//! kind of outcome (values, traps, memory refusals), and a planted typed-layer fault is found.

use concord::self_check::{Fault, Faulty};
use concord_fuzz::{Step, limits, run_seed};
use concord_tests::engines;
use std::collections::BTreeSet;
use std::sync::Arc;

#[test]
fn generated_modules_agree_on_every_engine_and_exercise_traps_and_refusals() {
    let mut kinds = BTreeSet::new();
    for seed in 0..64 {
        let run = run_seed(engines(), seed, &limits()).expect("the module generates");
        assert!(run.differences.is_empty(), "seed {seed}: {:?}", run.differences);
        assert!(run.observations.len() >= 7, "seed {seed}: every native configuration ran it");
        let (_, reference) = &run.observations[0];
        kinds.extend(reference.refused.iter().cloned());
        for (_, step) in &reference.steps {
            kinds.insert(match step {
                Step::Returned(_) => "returned".to_string(),
                Step::Stopped(class) => class.clone(),
                Step::Memory { .. } => "memory".to_string(),
            });
        }
    }
    assert!(kinds.contains("returned") && kinds.contains("trap Unreachable"), "too narrow: {kinds:?}");
    assert!(kinds.contains("memory"), "memories are compared after calls: {kinds:?}");
    assert!(kinds.len() >= 4, "the modules should end in several ways: {kinds:?}");
}

#[test]
fn a_planted_typed_fault_is_found_by_generated_modules() {
    let inner = engines().iter().find(|e| e.id() == "wasmtime-cranelift").expect("wasmtime-cranelift").clone();
    let faulty: Arc<dyn concord::engine::Engine> = Arc::new(Faulty::new(inner.clone(), Fault::FlipI64LowBit));
    let pair = [inner, faulty.clone()];
    let found = (0..256).find_map(|seed| {
        let run = run_seed(&pair, seed, &limits()).expect("the module generates");
        run.differences.into_iter().next().map(|d| (seed, d))
    });
    let (seed, difference) = found.expect("a flipped i64 shows within 256 modules");
    println!("seed {seed}: {}: {}", difference.engine, difference.what);
    assert!(difference.what.contains("i64:"), "{}", difference.what);
}
