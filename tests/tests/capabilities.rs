//! Engines say what they can do; nothing recognises one by its id. The declarations are held to
//! what the engines do where each is used (fuel in `engine_semantics`, the typed layer in
//! `typed_layer`, the deadline's reach in `concurrency`); here, the code that runs engines is held
//! to asking them, never branching on an engine's id or name.

use concord_tests::engines;
use std::path::{Path, PathBuf};

/// The code that runs real engines: integration tests and their helpers, benches, the CLI and its
/// tests, xtask, and the library outside its unit tests (whose witnesses are made up, not engines).
fn sources() -> Vec<PathBuf> {
    let root = concord::guests::workspace_root();
    let mut files = Vec::new();
    let library = [
        "crates/concord/src",
        "crates/concord-verdict/src",
        "crates/concord-report/src",
        "crates/concord-self-check/src",
    ];
    for dir in library.into_iter().chain(["tests", "crates/concord-cli", "xtask/src"]) {
        collect(&root.join(dir), &mut files);
    }
    files
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Where `text` compares something with an engine's id or name, or branches on one.
fn branches_on_an_engine(text: &str, names: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for name in names {
        let quoted = format!("\"{name}\"");
        for shape in [
            format!("== {quoted}"),
            format!("!= {quoted}"),
            format!("{quoted} =="),
            format!("{quoted} =>"),
            format!("{quoted} |"),
            format!("starts_with({quoted}"),
            format!("starts_with(\"{name}-"),
        ] {
            found.extend(text.contains(&shape).then(|| shape.clone()));
        }
    }
    for helper in ["is_extism", "has_fuel("] {
        found.extend(text.contains(helper).then(|| helper.to_string()));
    }
    found
}

#[test]
fn nothing_that_runs_engines_branches_on_an_engine_id() {
    let mut names: Vec<String> = engines().iter().flat_map(|e| [e.id().to_string(), e.info().engine.clone()]).collect();
    names.sort();
    names.dedup();
    let this_file = file!().rsplit('/').next().unwrap_or_default();
    let mut offenders = Vec::new();
    for path in sources() {
        if path.ends_with(this_file) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outside_unit_tests = text.split("#[cfg(test)]").next().unwrap_or_default();
        for shape in branches_on_an_engine(outside_unit_tests, &names) {
            offenders.push(format!("{}: {shape}", path.display()));
        }
    }
    assert!(offenders.is_empty(), "ask the engine's capabilities instead:\n{}", offenders.join("\n"));
}

#[test]
fn the_check_finds_a_branch_on_an_id() {
    let names = vec!["wasmi".to_string(), "v8".to_string()];
    assert_eq!(branches_on_an_engine(r#"if engine.id() == "wasmi" {"#, &names), ["== \"wasmi\""]);
    assert_eq!(branches_on_an_engine(r#"match id { "wasmi" => 1, _ => 0 }"#, &names), ["\"wasmi\" =>"]);
    assert_eq!(branches_on_an_engine(r#"id.starts_with("v8-")"#, &names), ["starts_with(\"v8-"]);
    assert!(branches_on_an_engine(r#"concord(&["--engine", "wasmi"])"#, &names).is_empty());
}
