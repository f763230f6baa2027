//! PythonMonkey (SpiderMonkey) for the browser engines: the release and what it needs, pinned
//! with hashes in crates/concord-node/python/requirements.txt, installed with pip into a virtual
//! environment in target/python-host on first use.

use anyhow::{Context, Result, bail};
use concord_node::runtime;
use std::process::Command;

/// Installs PythonMonkey unless what requirements.txt pins is already there. Where Python itself
/// is missing, says so and goes on: SpiderMonkey then reports itself unsupported, and the rest
/// runs.
pub fn ensure() -> Result<()> {
    if runtime::python_installed() {
        return Ok(());
    }
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!(
            "warning: python3 is not installed, so SpiderMonkey cannot run here; install CPython 3.11, then run `{}`",
            runtime::PYTHON_INSTALL_COMMAND
        );
        return Ok(());
    }
    install()
}

/// A virtual environment in target/python-host with the pinned requirements, checked by hash.
pub fn install() -> Result<()> {
    let dir = runtime::python_dir();
    eprintln!("installing PythonMonkey {} into {} with pip", runtime::PYTHONMONKEY_VERSION, dir.display());
    if !runtime::python_path().exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&dir), "making the virtual environment")?;
    }
    let requirements = dir.join("requirements.txt");
    std::fs::write(&requirements, runtime::python_requirements())?;
    run(
        Command::new(runtime::python_path())
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r"])
            .arg(&requirements),
        "pip install",
    )?;
    runtime::record_python_install().context("recording the install")
}

fn run(command: &mut Command, what: &str) -> Result<()> {
    let status = command.status().with_context(|| format!("{what}: running {command:?}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
