//! The WebAssembly spec testsuite (wasm-v2) on every engine configuration through the typed-call
//! layer: no undocumented failure, no stale entry, and the per-file pass counts of every engine
//! pinned as an insta snapshot, so an engine upgrade that changes spec behaviour shows as a diff.

use concord_tests::engines;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use std::collections::BTreeMap;

#[test]
fn wasm_v2_passes_on_every_engine_but_for_documented_failures() {
    let divergences = Divergences::load(&concord::conformance_dir().join("divergences.toml")).expect("parses");
    let scripts = concord::spec::scripts("wasm-v2").expect("the suite parses");
    assert_eq!(scripts.len(), 90, "every wasm-v2 core file");
    let spec = concord::spec::run(engines(), &scripts, &divergences);

    let undocumented: Vec<String> = spec
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::Diverge)
        .map(|r| format!("{} on {}: {}", r.case, r.engine, r.detail))
        .collect();
    assert!(undocumented.is_empty(), "undocumented spec failures:\n{}", undocumented.join("\n"));
    let report = concord_report::Report::from_entries(
        Vec::new(),
        spec.results.clone(),
        Vec::new(),
        spec.counts.clone(),
        &divergences,
    );
    let stale: Vec<&str> = report.stale.iter().map(|d| d.reason.as_str()).collect();
    assert!(stale.is_empty(), "documented spec failures that no longer show: {stale:?}");

    let mut passed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut table: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for c in &spec.counts {
        *passed.entry(c.engine.as_str()).or_default() += c.passed;
        let cell =
            format!("{} passed, {} failed, {} unsupported, {} skipped", c.passed, c.failed, c.unsupported, c.skipped);
        table.entry(c.file.clone()).or_default().insert(c.engine.clone(), cell);
    }
    // Every configuration with every Wasm 2.0 feature passes nearly all of the suite; winch does
    // not run GC types (externref), so it is held only to what it declares.
    let full = [
        "wasmtime-cranelift",
        "wasmtime-pulley",
        "wasmtime-cranelift-pooling",
        "wasmer-cranelift",
        "wasmer-singlepass",
        "wasmi",
    ];
    for engine in full {
        assert!(passed[engine] >= 26_000, "{engine}: {} passed", passed[engine]);
    }
    assert_eq!(passed["extism"], 0, "Extism has no typed layer: unsupported, not failed");
    insta::with_settings!({ snapshot_path => "../../conformance/snapshots/spec", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_yaml_snapshot!("wasm-v2", table);
    });
}
