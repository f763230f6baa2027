//! The README's "Adding an engine" holds: the places it names exist, and every engine of the
//! registry has what the section says an engine brings.

use concord_tests::engines;
use std::collections::BTreeSet;

#[allow(dead_code)] // the bench's baselines, only listed here
#[path = "../benches/raw/mod.rs"]
mod raw;

fn section() -> String {
    let readme = std::fs::read_to_string(concord::guests::workspace_root().join("README.md")).expect("README.md");
    let start = readme.find("## Adding an engine").expect("the README has the section");
    let rest = &readme[start + 3..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
}

#[test]
fn every_place_the_section_names_exists() {
    let root = concord::guests::workspace_root();
    let named: Vec<String> = section()
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|quoted| quoted.contains('/') && !quoted.contains('<') && !quoted.contains(' '))
        .map(str::to_string)
        .collect();
    assert!(named.len() >= 5, "the section names its places: {named:?}");
    for path in named {
        assert!(root.join(&path).exists(), "the README names {path}, which does not exist");
    }
}

#[test]
fn every_engine_has_a_unique_id_after_its_engine_and_a_baseline() {
    let ids: Vec<&str> = engines().iter().map(|e| e.id()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "ids repeat: {ids:?}");
    for engine in engines() {
        assert!(
            engine.id().starts_with(&engine.info().engine),
            "{} is not named after {}",
            engine.id(),
            engine.info().engine
        );
    }
    let baselines: BTreeSet<&str> = raw::BASELINES.iter().map(|(id, _)| *id).collect();
    assert_eq!(baselines, unique, "bench baselines (left) and the registry (right) differ");
}
