//! `concord`: the embedder's tool. `concord check plugin.wasm --export run` runs a plugin on every
//! engine configuration and says whether they agree.

mod check;

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
}

/// Exit codes: 0 all engines agree, 1 they diverge, 2 bad usage or unreadable input.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}
