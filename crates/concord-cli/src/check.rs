use anyhow::{Context, Result, bail};
use concord::engine::{InstanceConfig, Outcome, sha256_hex};
use concord::report::detail;
use concord::runner::Observation;
use concord::timed::{TimedRun, timed_run};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// A plugin that runs longer than this without `--timeout-ms` is stopped, so a check never hangs.
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

#[derive(clap::Args)]
pub struct Args {
    /// The plugin: a .wasm file.
    plugin: PathBuf,
    /// The export to call (plugin ABI: `() -> i32`).
    #[arg(long)]
    export: String,
    /// A file whose bytes are the input.
    #[arg(long, conflicts_with = "input_text")]
    input: Option<PathBuf>,
    /// The input as text.
    #[arg(long)]
    input_text: Option<String>,
    /// Linear-memory limit in MiB.
    #[arg(long)]
    memory_limit_mb: Option<u64>,
    /// Wall-clock limit for the call, in milliseconds.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_MS)]
    timeout_ms: u64,
    /// Plugin config, KEY=VALUE (repeatable).
    #[arg(long = "config", value_parser = parse_key_value)]
    config: Vec<(String, String)>,
    /// Only this engine configuration (repeatable); all of them by default.
    #[arg(long = "engine")]
    engines: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| format!("`{text}` is not KEY=VALUE"))?;
    Ok((key.to_string(), value.to_string()))
}

#[derive(Serialize)]
struct CheckReport {
    agree: bool,
    engines: Vec<EngineReport>,
}

#[derive(Serialize)]
struct EngineReport {
    id: String,
    outcome: OutcomeReport,
    output_sha256: Option<String>,
    memory_pages: Option<u64>,
    timings_us: Timings,
}

#[derive(Serialize)]
struct OutcomeReport {
    kind: &'static str,
    detail: String,
}

#[derive(Serialize)]
struct Timings {
    compile: u64,
    instantiate: Option<u64>,
    call: Option<u64>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let wasm = std::fs::read(&args.plugin).with_context(|| format!("reading {}", args.plugin.display()))?;
    let input = match (&args.input, &args.input_text) {
        (Some(path), _) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        (None, Some(text)) => text.as_bytes().to_vec(),
        (None, None) => Vec::new(),
    };
    let engines = concord::select(&args.engines)?;
    if engines.is_empty() {
        bail!("this build has no engines");
    }
    let mut config = InstanceConfig::default().with_deadline(Duration::from_millis(args.timeout_ms));
    config.memory_limit_bytes = args.memory_limit_mb.map(|mb| mb * 1024 * 1024);
    config.config.extend(args.config.iter().cloned());

    let runs: Vec<(String, TimedRun)> = engines
        .iter()
        .map(|engine| (engine.id().to_string(), timed_run(engine.as_ref(), &wasm, &args.export, &input, &config)))
        .collect();
    let observations: Vec<Observation> =
        runs.iter().map(|(_, r)| Observation::new(r.outcome.clone(), r.memory_pages)).collect();
    let agree = observations.iter().all(|a| observations.iter().all(|b| a.agrees_with(b)));
    let report = CheckReport {
        agree,
        engines: runs
            .iter()
            .map(|(id, run)| EngineReport {
                id: id.clone(),
                outcome: OutcomeReport { kind: run.outcome.kind(), detail: detail(&run.outcome) },
                output_sha256: run.outcome.output().map(sha256_hex),
                memory_pages: run.memory_pages,
                timings_us: Timings {
                    compile: run.compile.as_micros() as u64,
                    instantiate: run.instantiate.map(|d| d.as_micros() as u64),
                    call: run.call.map(|d| d.as_micros() as u64),
                },
            })
            .collect(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report, &runs);
    }
    Ok(if agree { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_table(report: &CheckReport, runs: &[(String, TimedRun)]) {
    let ms = |us: Option<u64>| us.map_or("-".to_string(), |us| format!("{:.2}ms", us as f64 / 1000.0));
    println!(
        "{:<20} {:<44} {:<14} {:>6} {:>10} {:>12} {:>10}",
        "engine", "outcome", "output sha256", "pages", "compile", "instantiate", "call"
    );
    for (engine, (_, run)) in report.engines.iter().zip(runs) {
        let outcome = match &run.outcome {
            Outcome::Returned(_) => engine.outcome.detail.clone(),
            other => other.to_string(),
        };
        let outcome: String = outcome.chars().take(44).collect();
        let digest = engine.output_sha256.as_deref().map_or("-".to_string(), |d| d[..12].to_string());
        let pages = engine.memory_pages.map_or("-".to_string(), |p| p.to_string());
        println!(
            "{:<20} {:<44} {:<14} {:>6} {:>10} {:>12} {:>10}",
            engine.id,
            outcome,
            digest,
            pages,
            ms(Some(engine.timings_us.compile)),
            ms(engine.timings_us.instantiate),
            ms(engine.timings_us.call)
        );
    }
    if report.agree {
        println!("\nall {} engines agree", report.engines.len());
    } else {
        println!("\nengines DISAGREE: compare the outcome, output and pages columns above");
    }
}
