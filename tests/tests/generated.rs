//! Generated modules (wasm-smith) on every engine: they agree, the modules exercise more than one
//! kind of outcome (values, traps, memory refusals), planted typed-layer faults are found, shrunk
//! and saved, and every saved module replays.

use concord_fuzz::{Step, limits, run_module, run_seed, saved};
use concord_self_check::{Fault, Faulty, Layer, hunt_generated};
use concord_tests::{engines, in_process};
use concord_verdict::divergence::Divergences;
use std::collections::BTreeSet;
use std::sync::Arc;

#[test]
fn generated_modules_agree_on_every_engine_and_exercise_traps_and_refusals() {
    let dir = concord::conformance_dir();
    let divergences = Divergences::load(&dir.join("divergences.toml")).expect("divergences.toml parses");
    let mut kinds = BTreeSet::new();
    for seed in 0..64 {
        let run = run_seed(engines(), seed, &limits()).expect("the module generates");
        // V8 names two causes in one trap kind where the others name one: documented, with evidence.
        let case = format!("seed-{seed}");
        let undocumented: Vec<_> = run
            .differences
            .iter()
            .filter(|d| concord::generated::documented(&divergences, &case, &run.module.wasm, d).is_none())
            .collect();
        assert!(undocumented.is_empty(), "seed {seed}: {undocumented:?}");
        assert!(run.observations.len() >= 7, "seed {seed}: every native configuration ran it");
        let (_, reference) = &run.observations[0];
        kinds.extend(reference.refused.iter().cloned());
        for (_, step) in &reference.steps {
            kinds.insert(match step {
                Step::Returned(_) => "returned".to_string(),
                Step::Stopped(class) => class.clone(),
                Step::Memory(_) => "memory".to_string(),
            });
        }
    }
    assert!(kinds.contains("returned") && kinds.contains("trap Unreachable"), "too narrow: {kinds:?}");
    assert!(kinds.contains("memory"), "memories are compared after calls: {kinds:?}");
    assert!(kinds.len() >= 4, "the modules should end in several ways: {kinds:?}");
}

#[test]
fn a_planted_typed_fault_is_found_by_generated_modules() {
    let inner = in_process();
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

/// Each fault only generated modules catch is caught within the default 256 modules, shrunk to a
/// few dozen instructions, and saved where its replay command points; the saved module still
/// shows the fault and nothing else: the real engines agree on it.
#[test]
fn planted_generated_faults_are_caught_shrunk_and_saved() {
    let inner = in_process();
    for fault in Fault::ALL.into_iter().filter(|f| f.layer() == Layer::Generated) {
        let dir = std::env::temp_dir().join(format!("concord-generated-{}-{}", fault.name(), std::process::id()));
        let (case, shown) = hunt_generated(inner.clone(), fault, 0, &dir).expect("caught in 256 modules");
        println!("{}: {case}: {shown}", fault.name());
        assert!(shown.contains("replay: cargo xtask fuzz --replay"), "{shown}");
        let saved = saved::load_all(&dir).expect("loads");
        assert_eq!(saved.len(), 1, "one module saved for {}", fault.name());
        let module = &saved[0].module;
        assert!(module.instructions() <= 40, "{}: {} instructions", fault.name(), module.instructions());
        let faulty: Arc<dyn concord::engine::Engine> = Arc::new(Faulty::new(inner.clone(), fault));
        let replayed = run_module(&[inner.clone(), faulty], module, &limits());
        assert!(!replayed.differences.is_empty(), "the saved module still shows {}", fault.name());
        let real = run_module(engines(), module, &limits());
        assert!(real.differences.is_empty(), "{:?}", real.differences);
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// Every module saved under conformance/regressions/generated replays on every engine, and the
/// engines agree on it or differ only as documented.
#[test]
fn saved_generated_modules_replay() {
    let divergences = concord_verdict::divergence::Divergences::builtin();
    for saved in saved::load_all(&concord::generated::regressions_dir()).expect("saved modules load") {
        let run = run_module(engines(), &saved.module, &limits());
        for difference in &run.differences {
            let case = format!("regression-{}", saved.name);
            assert!(
                divergences
                    .entries
                    .iter()
                    .any(|d| d.names_engine(&difference.engine)
                        && d.applies_to_case(concord::generated::SCENARIO, &case)),
                "{case}: {}: {}",
                difference.engine,
                difference.what
            );
        }
    }
}

/// A difference in a memory is shown side by side from its first differing line, with each
/// engine's memory statistics.
#[test]
fn a_memory_difference_is_dumped_side_by_side() {
    let inner = in_process();
    let faulty: Arc<dyn concord::engine::Engine> = Arc::new(Faulty::new(inner.clone(), Fault::TypedOnePageTooMany));
    let wasm = wat::parse_str(
        r#"(module (memory (export "m") 8)
             (func (export "f") (drop (memory.grow (i32.const 1))) (i32.store8 (i32.const 0x21) (memory.size))))"#,
    )
    .unwrap();
    let module = concord_fuzz::GeneratedModule { seed: 0, wasm, arguments: Default::default() };
    let pair = [inner, faulty];
    let run = run_module(&pair, &module, &limits());
    let difference = run.differences.first().expect("the faulty store grows past the limit");
    assert_eq!(difference.step.as_deref(), Some("m after `f`"));
    let dump = concord_fuzz::memory_dump(&pair, &module, difference).expect("a memory dump");
    println!("{dump}");
    assert!(dump.contains("8 pages, non-zero from 0x21 to 0x21"), "{dump}");
    assert!(dump.contains("9 pages, non-zero from 0x21 to 0x21"), "{dump}");
    assert!(dump.contains("first difference at 0x21"), "{dump}");
    assert!(dump.contains("00000020 * 00 08 ") && dump.contains("00 09 "), "{dump}");
}
