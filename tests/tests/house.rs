//! The house stays layered: within each crate, no module reaches back to one that reaches it
//! (`crate::a` in `b` and `crate::b` in `a`, or a longer loop). A module is a top-level file or
//! folder of the crate's `src/`; what a folder's files take from each other is their own affair.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `src/` folder of the workspace's crates and of xtask.
fn crate_sources() -> Vec<PathBuf> {
    let root = concord::guests::workspace_root();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
        .map(|entry| entry.path().join("src"))
        .filter(|src| src.is_dir())
        .collect();
    sources.push(root.join("xtask/src"));
    sources.sort();
    sources
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The top-level module a file of `src` belongs to (`lib`/`main` for the crate root).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("a file of src");
    let first = relative.components().next().expect("a path").as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Each module's `crate::` references to the crate's other top-level modules, outside unit tests.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(src, file);
        let text = std::fs::read_to_string(file).expect("a readable file");
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (at, _) in text.match_indices("crate::") {
            let name: String =
                text[at + "crate::".len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name != from && modules.contains(&name) {
                edges.entry(from.clone()).or_default().insert(name);
            }
        }
        // `use crate::{a::X, b::Y}`: each name in the group.
        for (at, _) in text.match_indices("crate::{") {
            let group = &text[at + "crate::{".len()..];
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for part in group.split(',') {
                let name = part.trim().split("::").next().unwrap_or_default().to_string();
                if name != from && modules.contains(&name) {
                    edges.entry(from.clone()).or_default().insert(name);
                }
            }
        }
    }
    edges
}

/// One loop among `edges`, as the modules along it, if there is one.
fn a_loop(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == at) {
            let mut found = path[start..].to_vec();
            found.push(at.to_string());
            return Some(found);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_string());
        for next in edges.get(at).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(at.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_an_import_circle_among_its_modules() {
    let mut circles = Vec::new();
    for src in crate_sources() {
        if let Some(found) = a_loop(&imports(&src)) {
            circles.push(format!("{}: {}", src.display(), found.join(" -> ")));
        }
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

#[test]
fn the_check_finds_a_circle() {
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("case".to_string(), ["runner".to_string()].into()),
        ("runner".to_string(), ["verdict".to_string()].into()),
        ("verdict".to_string(), ["case".to_string()].into()),
    ]
    .into();
    assert_eq!(a_loop(&edges), Some(vec!["case".into(), "runner".into(), "verdict".into(), "case".into()]));
    let layered: BTreeMap<String, BTreeSet<String>> =
        [("runner".to_string(), ["case".to_string()].into()), ("case".to_string(), BTreeSet::new())].into();
    assert_eq!(a_loop(&layered), None);
}
