//! `concord`: the embedder's tool. `concord check plugin.wasm --export run` runs a plugin on every
//! engine configuration and says whether they agree; `concord wast file.wast` does the same for
//! spec-style tests.

mod actor;
mod check;
mod manifest;
mod needs;
#[cfg(feature = "plant")]
mod plant;
mod wast;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "concord", version, about = "Run a Wasm plugin on every engine and compare what each does")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one plugin export on every engine configuration and compare the outcomes.
    Check(check::Args),
    /// Run an actor through a script of messages on every engine configuration and compare each
    /// step: outputs, messages sent, state.
    Actor(actor::Args),
    /// Run .wast files (or a spec testsuite) on every engine configuration: per-engine verdicts
    /// against the spec, and every assertion where engines differ.
    Wast(wast::Args),
}

/// Exit codes: 0 all engines agree, 1 they diverge, 2 bad usage or unreadable input.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Actor(args) => actor::run(args),
        Command::Wast(args) => wast::run(args),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}
