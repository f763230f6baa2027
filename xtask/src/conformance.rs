use anyhow::{Context, Result, bail};
use concord::case::{Case, load_cases};
use concord::divergence::Divergences;
use concord::performance::{Performance, Samples, machine, measure};
use concord::regression;
use concord::report::{Report, symbol};
use concord::runner::{CaseResult, Runner, Verdict};
use concord::scenario::Draw;
use concord::self_check::{self, Fault};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Run only this engine configuration (repeatable).
    #[arg(long = "engine")]
    engines: Vec<String>,
    /// Run only this scenario.
    #[arg(long)]
    scenario: Option<String>,
    /// Run slice K of N (1-based, e.g. 2/4) and write a partial report.
    #[arg(long, value_parser = parse_shard, conflicts_with = "merge")]
    shard: Option<(usize, usize)>,
    /// Fold partial reports into one report instead of running anything.
    #[arg(long, num_args = 1..)]
    merge: Vec<PathBuf>,
    /// Generated cases per scenario, on top of the case files and saved regressions.
    #[arg(long, default_value_t = 256)]
    cases: usize,
    /// Seed for the generated cases; the same seed replays the same cases.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Do not measure what each engine costs.
    #[arg(long)]
    skip_costs: bool,
    /// Run only these saved regressions (conformance/regressions/*.json).
    #[arg(long, num_args = 1.., conflicts_with_all = ["merge", "self_check"])]
    replay: Vec<PathBuf>,
    /// Run the suite against engine wrappers with planted faults; exit 0 only if every one is caught.
    #[arg(long, conflicts_with = "merge")]
    self_check: bool,
    /// With --self-check: plant only these faults (by name, as the table prints them).
    #[arg(long = "fault", requires = "self_check")]
    faults: Vec<String>,
    /// The spec testsuite to run as the `spec` scenario: a suite (`wasm-v2`, `simd`, ...), `memory`
    /// (wasm-v2's memory files), `all` (wasm-v2 and every proposal), comma-separated, or `none`.
    #[arg(long, default_value = "wasm-v2")]
    spec: String,
    /// Generated modules (wasm-smith) to run as the `generated` scenario, from `--seed`.
    #[arg(long, default_value_t = 256)]
    generated: u64,
}

/// Diverging generated cases shrunk and saved per run, at most: shrinking runs every engine again.
const MAX_SHRUNK: usize = 5;

const DEFAULT_SEED: u64 = 0xc0c0_5eed;

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (k, n) = text.split_once('/').ok_or("expected K/N")?;
    let (k, n): (usize, usize) =
        (k.parse().map_err(|_| "K is not a number")?, n.parse().map_err(|_| "N is not a number")?);
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

fn out_dir() -> PathBuf {
    concord::guests::workspace_root().join("target").join("conformance")
}

pub fn run(args: Args) -> Result<ExitCode> {
    let conformance = concord::conformance_dir();
    let divergences = Divergences::load(&conformance.join("divergences.toml"))?;
    if !args.merge.is_empty() {
        let parts = args
            .merge
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
            })
            .collect::<Result<Vec<Report>>>()?;
        return finish(Report::merge(parts, &divergences), "report");
    }

    crate::guests::build()?;
    crate::node::ensure()?;
    if args.self_check {
        return self_check(&args, &divergences);
    }
    let engines = concord::select(&args.engines)?;
    let in_scope = |case: &Case| args.scenario.as_ref().is_none_or(|s| *s == case.scenario);
    let mut draws = Vec::new();
    let mut cases: Vec<Case> = if args.replay.is_empty() {
        let mut cases = load_cases(&conformance.join("cases"))?;
        cases.extend(regression::load_all(&regression::dir())?);
        draws = concord::scenario::draw(args.seed, args.cases, args.scenario.as_deref());
        cases.extend(draws.iter().map(Draw::case));
        cases.into_iter().filter(in_scope).collect()
    } else {
        args.replay.iter().map(|path| regression::load(path)).collect::<Result<_>>()?
    };
    if let Some(scenario) = &args.scenario
        && cases.is_empty()
        && scenario != concord::spec::SCENARIO
        && scenario != concord::generated::SCENARIO
    {
        bail!("no cases for scenario `{scenario}`");
    }
    if let Some((k, n)) = args.shard {
        cases = cases.into_iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, c)| c).collect();
    }

    let progress = ProgressBar::new(cases.len() as u64);
    progress.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}").expect("valid template"));
    let mut runner = Runner::new(engines.clone());
    let mut results = Vec::new();
    for case in &cases {
        progress.set_message(case.id());
        results.push(runner.run(case, &divergences));
        progress.inc(1);
    }
    progress.finish_and_clear();
    let mut report = Report::new(&engines, &results, &divergences);
    // The spec suite runs whole, in the unsharded run (or the first shard).
    let spec_in_scope = args.scenario.as_deref().is_none_or(|s| s == concord::spec::SCENARIO)
        && args.spec != "none"
        && args.replay.is_empty()
        && args.shard.is_none_or(|(k, _)| k == 1);
    if spec_in_scope {
        let scripts = concord::spec::scripts(&args.spec)?;
        let spec = concord::spec::run(&engines, &scripts, &divergences);
        println!(
            "spec: {} files on {} configurations in {:.1} s",
            scripts.len(),
            engines.len(),
            spec.elapsed.as_secs_f64()
        );
        report = report.with_results(spec.results, spec.counts, &divergences);
    }
    let generated_in_scope = args.scenario.as_deref().is_none_or(|s| s == concord::generated::SCENARIO)
        && args.generated > 0
        && args.replay.is_empty()
        && args.shard.is_none_or(|(k, _)| k == 1);
    if generated_in_scope {
        let generated = concord::generated::run(&engines, args.seed, args.generated, &divergences)?;
        println!(
            "generated: {} modules and {} saved ones on {} configurations in {:.1} s",
            generated.modules,
            generated.replayed,
            engines.len(),
            generated.elapsed.as_secs_f64()
        );
        for finding in generated.undocumented.iter().take(MAX_SHRUNK) {
            let dir = concord::generated::regressions_dir();
            let (_, shown) = concord::generated::shrink_and_save(&engines, finding, &dir)?;
            println!("saved {shown}");
        }
        report = report.with_results(generated.results, Vec::new(), &divergences);
    }

    if args.shard.is_none() && !args.skip_costs {
        let stream = concord::guests::load("stream")?;
        let progress = ProgressBar::new(engines.len() as u64);
        progress
            .set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} measuring {msg}").expect("valid template"));
        let costs = engines
            .iter()
            .filter_map(|engine| {
                progress.set_message(engine.id().to_string());
                let cost = measure(engine, &stream, &Samples::QUICK);
                progress.inc(1);
                cost
            })
            .collect();
        progress.finish_and_clear();
        report.performance = Some(Performance { machine: machine(), engines: costs });
    }
    save_regressions(&mut runner, &results, &mut draws, &divergences)?;
    let bench = out_dir().join("bench.json");
    if args.shard.is_none() && bench.exists() {
        let text = std::fs::read_to_string(&bench).with_context(|| format!("reading {}", bench.display()))?;
        report.benchmarks = Some(serde_json::from_str(&text).with_context(|| format!("parsing {}", bench.display()))?);
    }
    match args.shard {
        Some((k, n)) => finish(report, &format!("report.shard-{k}-of-{n}")),
        None => finish(report, "report"),
    }
}

/// Shrinks the first few diverging generated cases, saves each under conformance/regressions and
/// prints the command that replays it.
fn save_regressions(
    runner: &mut Runner,
    results: &[CaseResult],
    draws: &mut [Draw],
    divergences: &Divergences,
) -> Result<()> {
    let diverging = results.iter().filter(|r| r.engines.iter().any(|e| e.verdict == Verdict::Diverge));
    for result in diverging.filter(|r| r.case.origin.is_some()).take(MAX_SHRUNK) {
        let Some(draw) = draws.iter_mut().find(|d| d.case().id() == result.case.id()) else { continue };
        let diverges = |runner: &mut Runner, case: &Case| {
            runner.run(case, divergences).engines.into_iter().find(|e| e.verdict == Verdict::Diverge)
        };
        let minimal = concord::scenario::shrink(draw, 64, |case| diverges(runner, case).is_some());
        let found = diverges(runner, &minimal)
            .map(|e| format!("{}: {}", e.engine, e.note.unwrap_or_default()))
            .unwrap_or_else(|| "diverged before shrinking".into());
        let path = regression::save(&regression::dir(), &minimal, &found)?;
        println!("saved {} ({found})\n  replay: {}", minimal.id(), regression::replay_command(&path));
    }
    Ok(())
}

/// Runs the suite against each planted fault, in every configuration in turn under its own id
/// beside the others: a table of fault × configuration, each cell with the case that caught it.
fn self_check(args: &Args, divergences: &Divergences) -> Result<ExitCode> {
    let engines = concord::select(&args.engines)?;
    if engines.is_empty() {
        bail!("no engine to plant faults in");
    }
    let per_scenario = args.cases.min(32);
    let in_scope = |case: &Case| args.scenario.as_ref().is_none_or(|s| *s == case.scenario);
    let mut cases = load_cases(&concord::conformance_dir().join("cases"))?;
    cases.extend(regression::load_all(&regression::dir())?);
    cases.retain(in_scope);
    cases.extend(concord::scenario::generate(args.seed, per_scenario, args.scenario.as_deref()));
    let started = std::time::Instant::now();
    let honest = self_check::Honest::observe(&engines, cases, args.seed);
    let chosen = |fault: &Fault| args.faults.is_empty() || args.faults.iter().any(|name| name == fault.name());
    if let Some(unknown) = args.faults.iter().find(|name| !Fault::ALL.iter().any(|f| f.name() == name.as_str())) {
        let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        bail!("no fault named {unknown}; the faults are {}", names.join(", "));
    }
    let mut planted = Vec::new();
    for fault in Fault::ALL.into_iter().filter(chosen) {
        planted.push((fault, honest.plant(fault, divergences, planting_threads())));
    }
    let table = self_check::Table::new(planted);
    println!("{}", table.text());
    for (fault, engine, not_ok) in table.failures() {
        println!("NOT OK  {fault:24} in {engine}: {not_ok:?}");
    }
    let (failed, plantings) = (table.failures().len(), table.plantings());
    println!(
        "\n{} of {plantings} plantings caught or not applicable, in {:.0?}",
        plantings - failed,
        started.elapsed()
    );
    let out = out_dir();
    std::fs::create_dir_all(&out)?;
    for (file, text) in
        [("self-check.json", serde_json::to_string_pretty(&table)?), ("self-check.md", table.markdown())]
    {
        let path = out.join(file);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Plantings run side by side: most of their time is spent waiting on child processes.
fn planting_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

/// Prints the matrix and the differences, writes `<name>.json` (and, for a whole report, `.md`
/// and `.html`), and exits 1 on an undocumented divergence.
fn finish(report: Report, name: &str) -> Result<ExitCode> {
    println!("{}", report.matrix());
    // Documented differences are grouped by engine, scenario and reason; divergences are listed one by one.
    let mut documented: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for result in report.results.iter().filter(|r| r.verdict != Verdict::Agree) {
        let note = result.note.as_deref().unwrap_or("");
        if result.verdict == Verdict::Documented {
            *documented.entry((&result.engine, &result.scenario, note)).or_default() += 1;
            continue;
        }
        println!("{:11} {}/{} on {}: {note}", symbol(result.verdict), result.scenario, result.case, result.engine);
    }
    for ((engine, scenario, reason), count) in documented {
        println!("documented  {engine} in {scenario} ({count} cases): {reason}");
    }
    for stale in &report.stale {
        println!(
            "stale       {} {}/{} {}: {}",
            stale.engine,
            stale.scenario,
            stale.case,
            stale.why_stale(),
            stale.reason
        );
    }
    println!("\n{}: {}", report.scope(), report.summary.verdicts());

    let out = out_dir();
    std::fs::create_dir_all(&out)?;
    let write = |file: String, text: String| -> Result<()> {
        let path = out.join(file);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.canonicalize().unwrap_or(path).display());
        Ok(())
    };
    write(format!("{name}.json"), serde_json::to_string_pretty(&report)?)?;
    if !name.contains("shard") {
        write(format!("{name}.md"), concord::report_md::markdown(&report))?;
        write(format!("{name}.html"), concord::report_html::html(&report))?;
    }
    Ok(if report.has_divergence() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
