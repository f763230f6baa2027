//! Guest sources in a folder, the module each builds, and the build step that must succeed: what
//! every toolchain's build shares.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The files in `dir` that end in `.extension`, in name order.
pub fn sources(dir: &Path, extension: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// `NAME.wasm` for the source `NAME.ext`.
pub fn wasm_name(source: &Path) -> String {
    format!("{}.wasm", source.file_stem().expect("a file").to_string_lossy())
}

/// Runs `command`; `what` names it when it cannot start or fails.
pub fn succeed(command: &mut Command, what: &str) -> Result<()> {
    let status = command.status().with_context(|| format!("{what}: the program could not start"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
