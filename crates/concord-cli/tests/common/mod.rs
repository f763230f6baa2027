//! The real `concord` binary and the real guests, as the CLI tests use them.

use std::path::PathBuf;
use std::process::{Command, Output};

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
