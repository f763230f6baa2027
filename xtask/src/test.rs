use anyhow::{Context, Result};
use std::process::{Command, ExitCode};

/// Builds the guests, then runs `cargo test --workspace` and passes its exit status on.
pub fn run(cargo_args: &[String]) -> Result<ExitCode> {
    crate::guests::build()?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace", "--no-fail-fast"])
        .args(cargo_args)
        .status()
        .context("running cargo test")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
