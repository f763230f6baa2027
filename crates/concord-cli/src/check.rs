use anyhow::{Context, Result, bail};
use concord::divergence::Divergences;
use concord::engine::{CompileError, InstanceConfig, InstantiateFailure, ModuleInfo, Outcome, sha256_hex};
use concord::report::detail;
use concord::runner::{Observation, Verdict, consensus};
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
    /// Every engine did the same.
    agree: bool,
    /// Engines that differ from the others in a way `conformance/divergences.toml` does not explain.
    undocumented: usize,
    engines: Vec<EngineReport>,
}

#[derive(Serialize)]
struct EngineReport {
    id: String,
    outcome: OutcomeReport,
    output_sha256: Option<String>,
    memory_pages: Option<u64>,
    timings_us: Timings,
    /// `agree` with the other engines, `documented` (with the reason) or `diverge`.
    verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
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
    // Bytes no engine could even decode are bad input, not a result every engine agrees on.
    if let Err(CompileError::Invalid(why)) = ModuleInfo::parse(&wasm) {
        let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
        bail!("{} is not a WebAssembly module: {why}", args.plugin.display());
    }
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
    if let Some(why) = rejected_everywhere(&runs) {
        bail!("{} is not a valid WebAssembly module: every engine rejects it ({why})", args.plugin.display());
    }
    let observations: Vec<Observation> =
        runs.iter().map(|(_, r)| Observation::new(r.outcome.clone(), r.memory_pages)).collect();
    let consensus = consensus(observations.iter());
    let divergences = Divergences::builtin();
    let engines: Vec<EngineReport> = runs
        .iter()
        .zip(&observations)
        .map(|((id, run), observation)| {
            let (verdict, note) = match &consensus {
                Some(others) if !observation.agrees_with(others) => {
                    match divergences.explain(id, &run.outcome, &others.outcome) {
                        Some(documented) => (Verdict::Documented, Some(documented.reason.clone())),
                        None => {
                            (Verdict::Diverge, Some(format!("differs from the other engines ({})", others.outcome)))
                        }
                    }
                }
                _ => (Verdict::Agree, None),
            };
            EngineReport {
                id: id.clone(),
                outcome: OutcomeReport { kind: run.outcome.kind(), detail: detail(&run.outcome) },
                output_sha256: run.outcome.output().map(sha256_hex),
                memory_pages: run.memory_pages,
                timings_us: Timings {
                    compile: run.compile.as_micros() as u64,
                    instantiate: run.instantiate.map(|d| d.as_micros() as u64),
                    call: run.call.map(|d| d.as_micros() as u64),
                },
                verdict,
                note,
            }
        })
        .collect();
    let report = CheckReport {
        agree: engines.iter().all(|e| e.verdict == Verdict::Agree),
        undocumented: engines.iter().filter(|e| e.verdict == Verdict::Diverge).count(),
        engines,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(if report.undocumented == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The engines' reason when every one of them refused the module as invalid.
fn rejected_everywhere(runs: &[(String, TimedRun)]) -> Option<String> {
    let reasons: Vec<&str> = runs
        .iter()
        .map(|(_, run)| match &run.outcome {
            Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { message }) => Some(message.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    Some(reasons.first()?.lines().next().unwrap_or_default().to_string())
}

fn print_table(report: &CheckReport) {
    let ms = |us: Option<u64>| us.map_or("-".to_string(), |us| format!("{:.2}ms", us as f64 / 1000.0));
    // The outcome goes last: its words are as long as they need to be, and the columns stay put.
    let id_width = report.engines.iter().map(|e| e.id.len()).max().unwrap_or(0).max("engine".len());
    println!(
        "{:<id_width$}  {:<12} {:>5} {:>9} {:>11} {:>9}  outcome",
        "engine", "output", "pages", "compile", "instantiate", "call"
    );
    for engine in &report.engines {
        let digest = engine.output_sha256.as_deref().map_or("-".to_string(), |d| d[..12].to_string());
        let pages = engine.memory_pages.map_or("-".to_string(), |p| p.to_string());
        println!(
            "{:<id_width$}  {:<12} {:>5} {:>9} {:>11} {:>9}  {}",
            engine.id,
            digest,
            pages,
            ms(Some(engine.timings_us.compile)),
            ms(engine.timings_us.instantiate),
            ms(engine.timings_us.call),
            engine.outcome.detail,
        );
    }
    println!();
    let count = report.engines.len();
    for engine in report.engines.iter().filter(|e| e.verdict != Verdict::Agree) {
        let label = if engine.verdict == Verdict::Documented { "documented" } else { "DIFFERS" };
        println!("{label:<10}  {:<id_width$}  {}", engine.id, engine.note.as_deref().unwrap_or_default());
    }
    match (report.agree, report.undocumented) {
        (true, _) => println!("all {count} engines agree"),
        (false, 0) => println!("the {count} engines agree but for the documented differences above"),
        (false, n) => println!("engines DISAGREE: {n} of {count} differ in ways no documented divergence explains"),
    }
}
