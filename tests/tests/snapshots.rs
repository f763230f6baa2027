//! The normalized outcome table of every conformance case, one insta snapshot per case under
//! conformance/snapshots/. A change in any engine's behaviour shows up as a snapshot diff, which
//! `cargo insta review` walks through. No timings and no versions: only behaviour.

use concord::case::load_cases;
use concord::engine::{Outcome, sha256_hex};
use concord::runner::Runner;
use concord_tests::engines;
use concord_verdict::divergence::Divergences;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const SNAPSHOT_DIR: &str = "../../conformance/snapshots";

#[derive(Serialize)]
struct Row {
    outcome: &'static str,
    /// The normalized outcome, without engine-written text.
    detail: String,
    output_len: Option<usize>,
    /// The first 16 bytes, hex, so a reviewer sees what changed.
    output_preview: Option<String>,
    output_sha256: Option<String>,
    memory_pages: Option<u64>,
}

fn row(outcome: &Outcome, memory_pages: Option<u64>) -> Row {
    let normalized = outcome.normalized();
    Row {
        outcome: normalized.kind(),
        detail: match &normalized {
            Outcome::Returned(_) => String::new(),
            other => other.to_string(),
        },
        output_len: normalized.output().map(<[u8]>::len),
        output_preview: normalized.output().map(|b| b.iter().take(16).map(|b| format!("{b:02x}")).collect()),
        output_sha256: normalized.output().map(sha256_hex),
        memory_pages,
    }
}

fn snapshot_name(scenario: &str, case: &str) -> String {
    format!("{scenario}__{case}")
}

#[test]
fn outcome_tables_match_their_snapshots() {
    let cases = load_cases(&concord::conformance_dir().join("cases")).expect("case files parse");
    let mut runner = Runner::new(engines().to_vec());
    for case in &cases {
        let result = runner.run(case, &Divergences::default());
        let table: BTreeMap<String, Row> = result
            .engines
            .iter()
            .map(|r| (r.engine.clone(), row(&r.observation.outcome, r.observation.memory_pages)))
            .collect();
        insta::with_settings!({ snapshot_path => SNAPSHOT_DIR, prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_yaml_snapshot!(snapshot_name(&case.scenario, &case.name), table);
        });
    }
}

#[test]
fn every_snapshot_belongs_to_a_case_and_none_is_pending() {
    let cases: BTreeSet<String> = load_cases(&concord::conformance_dir().join("cases"))
        .expect("case files parse")
        .iter()
        .map(|c| format!("{}.snap", snapshot_name(&c.scenario, &c.name)))
        .collect();
    let dir = concord::conformance_dir().join("snapshots");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let unreferenced: Vec<String> =
        names.iter().filter(|&name| name.ends_with(".snap") && !cases.contains(name)).cloned().collect();
    assert!(unreferenced.is_empty(), "snapshots with no case (delete them): {unreferenced:?}");
}
