//! Zig, for the guests built by other toolchains than Rust's: `zig build-exe` for Zig guests and
//! `zig cc` (clang with wasi-libc) for C guests. The `ziglang` package from PyPI, pinned by version
//! and hash in guests/toolchains/requirements.txt, installed with pip into target/toolchains/zig
//! on first use, the way Node is installed with npm.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

pub const INSTALL_COMMAND: &str = "cargo xtask zig";

fn requirements() -> PathBuf {
    concord::guests::workspace_root().join("guests").join("toolchains").join("requirements.txt")
}

fn install_dir() -> PathBuf {
    concord::guests::workspace_root().join("target").join("toolchains").join("zig")
}

/// Where zig keeps what it builds once (wasi-libc, Zig's standard library for wasm32).
pub fn cache_dir() -> PathBuf {
    concord::guests::workspace_root().join("target").join("toolchains").join("zig-cache")
}

/// The `zig` binary of the pinned install.
pub fn zig() -> PathBuf {
    install_dir().join("ziglang").join("zig")
}

/// Zig, installed now if it is missing; `Err` says why it cannot be, for a caller that goes on
/// without it.
pub fn ensure() -> Result<PathBuf> {
    let pinned = std::fs::read_to_string(requirements())?;
    let stamp = install_dir().join("requirements.txt");
    if zig().exists() && std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == pinned) {
        return Ok(zig());
    }
    install()?;
    Ok(zig())
}

/// `pip install` of the pinned requirements into target/toolchains/zig.
pub fn install() -> Result<()> {
    let dir = install_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    eprintln!("installing Zig from PyPI into {} with pip", dir.display());
    let status = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--require-hashes"])
        .arg("--target")
        .arg(&dir)
        .arg("-r")
        .arg(requirements())
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .status()
        .context("running python3 -m pip: install Python 3 with pip")?;
    if !status.success() {
        bail!("pip could not install {} ({status})", requirements().display());
    }
    if !zig().exists() {
        bail!("pip finished but {} is missing", zig().display());
    }
    std::fs::copy(requirements(), dir.join("requirements.txt"))?;
    Ok(())
}
