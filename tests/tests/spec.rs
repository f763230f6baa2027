//! The WebAssembly spec testsuite (wasm-v2) on every engine configuration through the typed-call
//! layer: no undocumented failure, no stale entry, and the per-file pass counts of every engine
//! pinned as an insta snapshot, so an engine upgrade that changes spec behaviour shows as a diff.

use concord_engine::Feature;
use concord_tests::engines;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use std::collections::BTreeMap;

/// Every result no entry documents, for people.
fn undocumented(spec: &concord::spec::SpecRun) -> Vec<String> {
    spec.results
        .iter()
        .filter(|r| r.verdict == Verdict::Diverge)
        .map(|r| format!("{} on {}: {}", r.case, r.engine, r.detail))
        .collect()
}

#[test]
fn wasm_v2_passes_on_every_engine_but_for_documented_failures() {
    let divergences = Divergences::load(&concord::conformance_dir().join("divergences.toml")).expect("parses");
    let scripts = concord::spec::scripts("wasm-v2").expect("the suite parses");
    assert_eq!(scripts.len(), 90, "every wasm-v2 core file");
    let spec = concord::spec::run(engines(), &scripts, &divergences);

    let undocumented = undocumented(&spec);
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
    // Every configuration that declares every Wasm 2.0 feature passes nearly all of the suite
    // (winch, which refuses GC types, externref among them, does not declare reference types and is
    // held only to what it declares), and those are at least the seven implementations; one with no
    // typed layer passes nothing, as unsupported, not failed.
    let mut implementations = std::collections::BTreeSet::new();
    for engine in engines() {
        let (id, capabilities) = (engine.id(), engine.capabilities());
        if !capabilities.typed_layer {
            assert_eq!(passed[id], 0, "{id} has no typed layer");
        } else if Feature::WASM2.iter().all(|f| capabilities.features.contains(f)) {
            assert!(passed[id] >= 26_000, "{id}: {} passed", passed[id]);
            implementations.insert(engine.info().engine.clone());
        }
    }
    assert!(implementations.len() >= 7, "wasm-v2 in full on {implementations:?}");
    insta::with_settings!({ snapshot_path => "../../conformance/snapshots/spec", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_yaml_snapshot!("wasm-v2", table);
    });
}

/// Every proposal of the pinned testsuite on every configuration: nothing undocumented, no stale
/// entry, and the proposal matrix pinned as a snapshot (what each configuration supports, measured).
#[test]
fn every_proposal_ends_in_no_undocumented_divergence_and_its_matrix_is_pinned() {
    let divergences = Divergences::load(&concord::conformance_dir().join("divergences.toml")).expect("parses");
    let proposals: Vec<&str> =
        concord_wast::suite::suite_names().into_iter().filter(|s| !s.starts_with("wasm-")).collect();
    let scripts = concord::spec::scripts(&proposals.join(",")).expect("the proposals parse");
    let spec = concord::spec::run(engines(), &scripts, &divergences);
    let undocumented = undocumented(&spec);
    assert!(undocumented.is_empty(), "undocumented failures in the proposals:\n{}", undocumented.join("\n"));
    let infos = engines().iter().map(|e| e.info().clone()).collect();
    let report = concord_report::Report::from_entries(
        infos,
        spec.results.clone(),
        Vec::new(),
        spec.counts.clone(),
        &divergences,
    );

    let mut matrix: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for cell in &report.proposals {
        let standing = format!("{:?} {}", cell.standing, cell.counts());
        matrix.entry(cell.suite.clone()).or_default().insert(cell.engine.clone(), standing);
    }
    assert_eq!(matrix.len(), proposals.len(), "a row for every proposal");
    insta::with_settings!({ snapshot_path => "../../conformance/snapshots/spec", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_yaml_snapshot!("proposals", matrix);
    });
}
