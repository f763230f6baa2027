//! `cargo xtask <command>`: the project's automation, one module per command.

mod assemblyscript;
mod bench;
mod conformance;
mod fuzz;
mod guests;
mod node;
mod python;
mod screenshot;
mod sources;
mod test;
mod zig;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Concord's project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build every guest in guests/ (Rust, WAT, C, Zig and AssemblyScript) into target/guests/.
    Guests,
    /// Install Node.js, Bun and the npm packages for V8, JavaScriptCore and Extism's JavaScript host (npm ci into target/node-host).
    Node,
    /// Install PythonMonkey, for SpiderMonkey, into a virtual environment in target/python-host.
    Python,
    /// Install Zig from PyPI into target/toolchains/zig (for the C and Zig guests).
    Zig,
    /// Install the AssemblyScript compiler from npm into target/toolchains/assemblyscript.
    Assemblyscript,
    /// Build the guests, run every conformance case on every engine, print the matrix and write
    /// target/conformance/report.json. Exits 1 on an undocumented divergence.
    Conformance(conformance::Args),
    /// Run generated modules on every engine until the time is up; exit 1 if engines differ.
    Fuzz(fuzz::Args),
    /// Draw the conformance report's HTML in headless Chromium: target/conformance/report.png.
    Screenshot(screenshot::Args),
    /// Run the criterion benchmarks and summarize them: medians, ratios, target/conformance/bench.json.
    Bench(bench::Args),
    /// The test command: build the guests, then run the whole workspace's tests.
    Test {
        /// Extra arguments for `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        cargo_args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Guests => guests::build().map(|_| ExitCode::SUCCESS),
        Command::Node => node::install().map(|_| ExitCode::SUCCESS),
        Command::Python => python::install().map(|_| ExitCode::SUCCESS),
        Command::Zig => zig::install().map(|_| ExitCode::SUCCESS),
        Command::Assemblyscript => assemblyscript::install().map(|_| ExitCode::SUCCESS),
        Command::Conformance(args) => conformance::run(args),
        Command::Test { cargo_args } => test::run(&cargo_args),
        Command::Bench(args) => bench::run(args),
        Command::Fuzz(args) => fuzz::run(args),
        Command::Screenshot(args) => screenshot::run(args).map(|_| ExitCode::SUCCESS),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}
