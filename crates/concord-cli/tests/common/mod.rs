//! The real `concord` binary and the real guests, as the CLI tests use them.

#![allow(dead_code)] // each test binary uses its own share of these

use concord::engine::Capabilities;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn concord(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_concord")).args(args).output().expect("the concord binary runs")
}

pub fn guest(name: &str) -> String {
    let path = concord::guests::guest_dir().join(format!("{name}.wasm"));
    assert!(path.exists(), "{} missing: build the guests with `cargo xtask guests`", path.display());
    path.to_string_lossy().into_owned()
}

/// A file under the test's scratch directory holding `bytes`.
pub fn scratch(name: &str, bytes: &[u8]) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, bytes).expect("write scratch file");
    path.to_string_lossy().into_owned()
}

/// The binary's JSON answer, or a panic that shows what it printed instead.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// What the configuration an engine entry of a JSON report names declares: the tests ask this,
/// never the id.
pub fn capabilities(engine: &serde_json::Value) -> &'static Capabilities {
    capabilities_of(engine["id"].as_str().unwrap_or_else(|| panic!("an engine entry without an id: {engine}")))
}

/// What the configuration `id` declares.
pub fn capabilities_of(id: &str) -> &'static Capabilities {
    static ALL: OnceLock<BTreeMap<String, Capabilities>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        concord::all_engines().iter().map(|e| (e.id().to_string(), e.capabilities().clone())).collect()
    });
    all.get(id).unwrap_or_else(|| panic!("no engine {id} in this build"))
}
