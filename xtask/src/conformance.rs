use anyhow::{Context, Result};
use concord::conformance::{self, DEFAULT_SEED, Options, Progress};
use concord_report::Report;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use indicatif::{ProgressBar, ProgressStyle};
use std::cell::RefCell;
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
    #[arg(long, default_value = "all")]
    spec: String,
    /// Generated modules (wasm-smith) to run as the `generated` scenario, from `--seed`.
    #[arg(long, default_value_t = 256)]
    generated: u64,
    /// Also write the report as JUnit XML here, for CI systems: one test case per case and
    /// configuration, a divergence a failure with its text and replay command.
    #[arg(long)]
    junit: Option<PathBuf>,
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (k, n) = text.split_once('/').ok_or("expected K/N")?;
    let (k, n): (usize, usize) =
        (k.parse().map_err(|_| "K is not a number")?, n.parse().map_err(|_| "N is not a number")?);
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

pub fn out_dir() -> PathBuf {
    concord::guests::workspace_root().join("target").join("conformance")
}

impl Args {
    fn options(&self) -> Options {
        Options {
            engines: self.engines.clone(),
            scenario: self.scenario.clone(),
            shard: self.shard,
            cases: self.cases,
            seed: self.seed,
            skip_costs: self.skip_costs,
            replay: self.replay.clone(),
            spec: self.spec.clone(),
            generated: self.generated,
        }
    }
}

/// A progress bar for each step of the run, and its lines printed above it.
struct Bar(RefCell<Option<ProgressBar>>);

impl Progress for Bar {
    fn begin(&self, total: u64, what: &str) {
        let bar = ProgressBar::new(total);
        let template = format!("{{bar:40}} {{pos}}/{{len}} {what} {{msg}}");
        bar.set_style(ProgressStyle::with_template(&template).expect("valid template"));
        *self.0.borrow_mut() = Some(bar);
    }

    fn step(&self, label: &str) {
        if let Some(bar) = self.0.borrow().as_ref() {
            bar.set_message(label.to_string());
            bar.inc(1);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.0.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }

    fn say(&self, line: &str) {
        match self.0.borrow().as_ref() {
            Some(bar) => bar.println(line),
            None => println!("{line}"),
        }
    }
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
        return finish(Report::merge(parts, &divergences), "report", args.junit.as_deref());
    }

    crate::guests::build()?;
    crate::node::ensure()?;
    crate::python::ensure()?;
    if args.self_check {
        return self_check(&args, &divergences);
    }
    let mut report = conformance::run(&args.options(), &divergences, &Bar(RefCell::new(None)))?;
    let bench = out_dir().join("bench.json");
    if args.shard.is_none() && bench.exists() {
        let text = std::fs::read_to_string(&bench).with_context(|| format!("reading {}", bench.display()))?;
        report.benchmarks = Some(serde_json::from_str(&text).with_context(|| format!("parsing {}", bench.display()))?);
    }
    match args.shard {
        Some((k, n)) => finish(report, &format!("report.shard-{k}-of-{n}"), args.junit.as_deref()),
        None => finish(report, "report", args.junit.as_deref()),
    }
}

/// The planted faults, each in every configuration in turn: the table printed and written.
fn self_check(args: &Args, divergences: &Divergences) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let table = concord_self_check::run(&args.options(), &args.faults, divergences)?;
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

/// Prints the matrix and the differences, writes `<name>.json` (and, for a whole report, `.md`
/// and `.html`), and exits 1 on an undocumented divergence.
fn finish(report: Report, name: &str, junit: Option<&std::path::Path>) -> Result<ExitCode> {
    println!("{}", report.matrix());
    // Documented differences are grouped by engine, scenario and reason; divergences are listed one by one.
    let mut documented: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for result in report.results.iter().filter(|r| r.verdict != Verdict::Agree) {
        let note = result.note.as_deref().unwrap_or("");
        if result.verdict == Verdict::Documented {
            *documented.entry((&result.engine, &result.scenario, note)).or_default() += 1;
            continue;
        }
        println!("{:11} {}/{} on {}: {note}", result.verdict.symbol(), result.scenario, result.case, result.engine);
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
        write(format!("{name}.md"), concord_report::md::markdown(&report))?;
        write(format!("{name}.html"), concord_report::html::html(&report))?;
    }
    if let Some(path) = junit {
        std::fs::write(path, concord_report::junit::junit(&report))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(if report.has_divergence() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
