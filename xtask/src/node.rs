//! Node.js and Bun for the out-of-process engines (V8, JavaScriptCore, Extism's JavaScript host):
//! the releases and the npm packages pinned in crates/concord-node/package.json and its lockfile,
//! installed with `npm ci` into target/node-host on first use, the way the guests' wasm32 target
//! is installed.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// Installs Node and the packages unless what the lockfile pins is already there. Where npm
/// itself is missing, says so and goes on: the configurations on Node then report themselves
/// unsupported, and the rest runs.
pub fn ensure() -> Result<()> {
    if concord_node::installed() {
        return Ok(());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        eprintln!(
            "warning: npm is not installed, so V8 and Extism's JavaScript host cannot run here; install Node.js and npm, then run `{}`",
            concord_node::INSTALL_COMMAND
        );
        return Ok(());
    }
    install()
}

/// `npm ci` in target/node-host with the pinned package.json and lockfile.
pub fn install() -> Result<()> {
    let dir = concord_node::install_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, text) in concord_node::package_files() {
        std::fs::write(dir.join(name), text)?;
    }
    eprintln!(
        "installing Node {}, Bun {} and Extism's JavaScript host into {} with npm ci",
        concord_node::NODE_VERSION,
        concord_node::runtime::BUN_VERSION,
        dir.display()
    );
    npm_ci(&dir)?;
    for binary in [concord_node::node_path(), concord_node::runtime::bun_path()] {
        if !binary.exists() {
            bail!("npm ci finished but {} is missing", binary.display());
        }
    }
    concord_node::record_install().context("recording the install")
}

/// `npm ci` in `dir`, which holds a package.json and its lockfile.
pub fn npm_ci(dir: &Path) -> Result<()> {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .context("running npm: install Node.js and npm")?;
    if !status.success() {
        bail!("`npm ci` in {} failed ({status})", dir.display());
    }
    Ok(())
}
