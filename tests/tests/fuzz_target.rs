//! The cargo-fuzz target's body (`concord::generated::fuzz_input`, which `fuzz/` hands libFuzzer's
//! inputs to) on a few hundred inputs of the sizes libFuzzer makes: every engine agrees but for
//! documented differences, and a planted fault is a finding, judged as the generated scenario
//! judges, that shrinks and saves as `cargo xtask fuzz`'s do.

use concord_fuzz::generate::bytes;
use concord_self_check::{Fault, Faulty};
use concord_tests::{engines, in_process};
use concord_verdict::divergence::Divergences;
use std::sync::Arc;

/// Input `i`: a few hundred bytes to a few KiB, as libFuzzer's inputs run (its default cap is 4 KiB).
fn input(i: u64) -> Vec<u8> {
    bytes(0xf022_0000 + i, 256 + (i as usize * 613) % 4096)
}

fn divergences() -> Divergences {
    Divergences::load(&concord::conformance_dir().join("divergences.toml")).expect("divergences.toml parses")
}

#[test]
fn three_hundred_fuzzer_inputs_show_no_undocumented_difference() {
    let divergences = divergences();
    for i in 0..300 {
        if let Some(finding) = concord::generated::fuzz_input(engines(), &divergences, &input(i)) {
            panic!("input {i}: {:?}", finding.differences);
        }
    }
    // That the inputs make modules at all is what the planted fault below shows: it is found.
}

#[test]
fn a_planted_fault_is_a_finding_that_shrinks_and_saves() {
    let inner = in_process();
    let faulty: Arc<dyn concord::engine::Engine> = Arc::new(Faulty::new(inner.clone(), Fault::FlipI64LowBit));
    let pair = [inner, faulty];
    let divergences = divergences();
    let (i, finding) = (0..300)
        .find_map(|i| concord::generated::fuzz_input(&pair, &divergences, &input(i)).map(|f| (i, f)))
        .expect("a flipped i64 shows within 300 inputs");
    assert!(finding.differences.iter().all(|d| d.engine.ends_with(Fault::FlipI64LowBit.name())), "input {i}");
    let dir = std::env::temp_dir().join(format!("concord-fuzz-target-{}", std::process::id()));
    let (path, shown) = concord::generated::shrink_and_save(&pair, &finding, &dir).expect("shrinks and saves");
    assert!(path.is_file() && shown.contains("replay: cargo xtask fuzz --replay"), "{shown}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every package of `fuzz/`'s lockfile at the version the main lockfile holds, but libFuzzer's
/// bindings and the target itself: the fuzzer builds the engines CI tests, not older ones.
#[test]
fn the_fuzz_target_hands_its_input_to_fuzz_input_on_the_main_lockfiles_versions() {
    let root = concord::guests::workspace_root();
    let packages = |path: &str| -> std::collections::BTreeSet<(String, String)> {
        let text = std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut found = std::collections::BTreeSet::new();
        let mut name = None;
        for line in text.lines() {
            if let Some(n) = line.strip_prefix("name = ") {
                name = Some(n.trim_matches('"').to_string());
            } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
                found.insert((n, v.trim_matches('"').to_string()));
            }
        }
        found
    };
    let main = packages("Cargo.lock");
    let fuzz = packages("fuzz/Cargo.lock");
    let own = ["libfuzzer-sys", "concord-fuzz-targets"];
    let elsewhere: Vec<_> =
        fuzz.iter().filter(|(n, _)| !own.contains(&n.as_str())).filter(|p| !main.contains(*p)).collect();
    assert!(elsewhere.is_empty(), "fuzz/Cargo.lock differs from Cargo.lock: {elsewhere:?}");
    assert!(fuzz.len() > 300, "the fuzz lockfile holds every engine: {} packages", fuzz.len());
    let target = std::fs::read_to_string(root.join("fuzz/fuzz_targets/generated_differential.rs")).expect("the target");
    assert!(target.contains("concord::generated::fuzz_input(") && target.contains("shrink_and_save("), "{target}");
}
