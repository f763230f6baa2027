use anyhow::{Context, Result, bail};
use concord_wast::suite::{self, suite_names};
use concord_wast::{Counts, FileRun, Script, Verdict, disagreements, run_everywhere};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// .wast files to run.
    files: Vec<PathBuf>,
    /// A suite of the spec testsuite to run as well (`wasm-v2`, `simd`, `memory64`, ...; repeatable).
    #[arg(long = "suite")]
    suites: Vec<String>,
    /// Only this engine configuration (repeatable); all of them by default.
    #[arg(long = "engine")]
    engines: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct WastReport {
    /// Every engine passed every assertion it supports, and no two engines differ.
    ok: bool,
    engines: Vec<EngineTotals>,
    files: Vec<FileRun>,
    disagreements: Vec<concord_wast::Disagreement>,
    elapsed_ms: u128,
}

#[derive(Serialize)]
struct EngineTotals {
    id: String,
    #[serde(flatten)]
    counts: Counts,
    /// Failures `conformance/divergences.toml` explains by the engine's mechanism (counted in
    /// `failed` too); they do not fail the run.
    documented: usize,
}

/// A failure, or a difference from the other engines, explained by a documented mechanism: file,
/// line, engine, and the reason.
type Documented = BTreeMap<(String, usize, String), String>;

pub fn run(args: Args) -> Result<ExitCode> {
    let mut scripts = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        scripts.push(Script::parse(&path.display().to_string(), &text)?);
    }
    for name in &args.suites {
        let Some(files) = suite::files(name) else {
            bail!("no suite `{name}`; there are {}", suite_names().join(", "));
        };
        for file in files {
            scripts.push(file.parse()?);
        }
    }
    if scripts.is_empty() {
        bail!("nothing to run: name .wast files or a --suite");
    }
    let engines = concord::select(&args.engines)?;
    let start = Instant::now();
    let files = run_everywhere(&engines, &scripts);
    let elapsed = start.elapsed();
    let disagreements = disagreements(&files);
    let registry = concord_verdict::divergence::Divergences::builtin();
    let judged = concord::spec::judge(&engines, &scripts, &files, &registry, concord::spec::Registered::AnyFile);
    // Failures, and differences from the other engines on an assertion passed (a trap of a kind
    // that names two causes, the spec's among them), that a documented mechanism explains.
    let (mut documented, mut differences) = (Documented::new(), Documented::new());
    for result in judged.iter().filter(|r| r.verdict == concord_verdict::observation::Verdict::Documented) {
        let Some((file, line)) = concord::spec::command_of(&result.case) else { continue };
        let key = (file.to_string(), line, result.engine.clone());
        let reason = result.note.clone().unwrap_or_default();
        match result.outcome.as_str() {
            "failed" => documented.insert(key, reason),
            _ => differences.insert(key, reason),
        };
    }
    let mut totals: BTreeMap<&str, Counts> = BTreeMap::new();
    for run in &files {
        totals.entry(run.engine.as_str()).or_default().add(run.counts());
    }
    let engines: Vec<EngineTotals> = engines
        .iter()
        .map(|e| EngineTotals {
            id: e.id().to_string(),
            counts: totals.get(e.id()).copied().unwrap_or_default(),
            documented: documented.keys().filter(|(_, _, engine)| engine == e.id()).count(),
        })
        .collect();
    let ok = judged.iter().all(|r| r.verdict != concord_verdict::observation::Verdict::Diverge);
    let report = WastReport { ok, engines, files, disagreements, elapsed_ms: elapsed.as_millis() };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report, &documented, &differences, scripts.len());
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_text(report: &WastReport, documented: &Documented, differences: &Documented, files: usize) {
    let width = report.engines.iter().map(|e| e.id.len()).max().unwrap_or(0).max("engine".len());
    println!("{:<width$}  {:>8} {:>8} {:>12} {:>8}", "engine", "passed", "failed", "unsupported", "skipped");
    for engine in &report.engines {
        let c = engine.counts;
        println!("{:<width$}  {:>8} {:>8} {:>12} {:>8}", engine.id, c.passed, c.failed, c.unsupported, c.skipped);
    }
    // Failures grouped by command, each engine's answer beside the others'.
    let mut failures: BTreeMap<(&str, usize), Vec<(&str, &concord_wast::CommandResult)>> = BTreeMap::new();
    for run in &report.files {
        for result in run.results.iter().filter(|r| r.verdict == Verdict::Failed) {
            failures.entry((&run.file, result.line)).or_default().push((&run.engine, result));
        }
    }
    for ((file, line), engines) in &failures {
        println!("\n{file}:{line} {}", engines[0].1.directive);
        for (engine, result) in engines {
            println!("  {engine:<width$}  {}", result.detail);
            if let Some(reason) = documented.get(&(file.to_string(), *line, engine.to_string())) {
                println!("  {:<width$}  documented: {reason}", "");
            }
        }
    }
    for d in report.disagreements.iter().filter(|d| !failures.contains_key(&(d.file.as_str(), d.line))) {
        println!("\n{}:{} {}: engines differ", d.file, d.line, d.directive);
        for (engine, observed) in &d.engines {
            println!("  {engine:<width$}  {observed}");
            if let Some(reason) = differences.get(&(d.file.clone(), d.line, engine.clone())) {
                println!("  {:<width$}  documented: {reason}", "");
            }
        }
    }
    let verdict = match (report.ok, documented.is_empty() && differences.is_empty()) {
        (true, true) => "every engine passes every assertion it supports",
        (true, false) => "every engine passes every assertion it supports, but for documented mechanisms",
        (false, _) => "FAILURES",
    };
    println!("\n{files} files in {:.1} s: {verdict}", report.elapsed_ms as f64 / 1000.0);
}
