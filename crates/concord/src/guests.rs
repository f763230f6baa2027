//! Where the built guests are. `cargo xtask guests` puts every guest's `.wasm` into one folder.

use anyhow::{Context, Result};
use std::path::PathBuf;

/// `CONCORD_GUEST_DIR` if set, else `target/guests` in this workspace.
pub fn guest_dir() -> PathBuf {
    match std::env::var_os("CONCORD_GUEST_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target").join("guests"),
    }
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

/// The bytes of guest `name` (`stream`, `grow`, ...).
pub fn load(name: &str) -> Result<Vec<u8>> {
    let path = guest_dir().join(format!("{name}.wasm"));
    std::fs::read(&path).with_context(|| {
        format!("guest `{name}` not found at {}: build the guests with `cargo xtask guests`", path.display())
    })
}
