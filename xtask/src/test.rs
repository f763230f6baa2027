use anyhow::{Context, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};

/// Builds the guests, runs `cargo test --workspace --all-targets`, echoes its output and closes
/// with one line that totals every test binary (cargo's own last line is whichever binary ran
/// last). `--all-targets` also runs each benchmark once in criterion's test mode, so the raw-API
/// baselines and their output checks cannot rot between benchmark runs.
pub fn run(cargo_args: &[String]) -> Result<ExitCode> {
    crate::guests::build()?;
    crate::node::ensure()?;
    crate::python::ensure()?;
    let mut child = Command::new(crate::guests::cargo())
        .args(["test", "--workspace", "--all-targets", "--no-fail-fast"])
        // `concord check --plant`, which the CLI's tests plant faults with.
        .args(["--features", "concord-cli/plant"])
        .args(cargo_args)
        .stdout(Stdio::piped())
        .spawn()
        .context("running cargo test")?;
    let (mut passed, mut failed, mut ignored) = (0, 0, 0);
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let line = line?;
        println!("{line}");
        if let Some(counts) = line.strip_prefix("test result: ") {
            passed += count(counts, "passed");
            failed += count(counts, "failed");
            ignored += count(counts, "ignored");
        }
    }
    let status = child.wait()?;
    println!("\ntests: {passed} passed, {failed} failed, {ignored} skipped");
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The number before `word` in cargo's "ok. 3 passed; 0 failed; 1 ignored; ..." summary.
fn count(summary: &str, word: &str) -> u64 {
    summary
        .split([';', '.'])
        .filter_map(|part| part.trim().strip_suffix(word))
        .filter_map(|n| n.trim().parse::<u64>().ok())
        .sum()
}
