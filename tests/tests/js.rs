//! The JavaScript Concord ships with its out-of-process engines: every module parses
//! (`node --check`), and each `js/test/` directory's tests pass under `node --test`, with the Node
//! the engines run on.

use std::path::{Path, PathBuf};
use std::process::Command;

fn crates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates")
}

/// Every `.js` file under each crate's `js/`, tests included.
fn scripts() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "js") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(crates()).expect("crates/") {
        let js = entry.expect("a directory entry").path().join("js");
        if js.is_dir() {
            walk(&js, &mut out);
        }
    }
    out.sort();
    out
}

fn node() -> PathBuf {
    concord_node::node().unwrap_or_else(|why| panic!("{why}"))
}

#[test]
fn every_script_parses() {
    let scripts = scripts();
    assert!(scripts.len() >= 10, "the host scripts are where they were: {scripts:?}");
    for script in scripts {
        let output = Command::new(node()).arg("--check").arg(&script).output().expect("node runs");
        assert!(output.status.success(), "{}: {}", script.display(), String::from_utf8_lossy(&output.stderr));
    }
}

#[test]
fn the_javascript_tests_pass() {
    let tests: Vec<PathBuf> = scripts().into_iter().filter(|p| p.to_string_lossy().ends_with(".test.js")).collect();
    assert!(!tests.is_empty(), "no js/test/*.test.js found");
    let output = Command::new(node()).arg("--test").args(&tests).output().expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("# fail 0") || stdout.contains("fail 0"), "{stdout}");
}
