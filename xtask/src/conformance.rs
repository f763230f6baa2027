use anyhow::{Context, Result, bail};
use concord::case::load_cases;
use concord::divergence::Divergences;
use concord::performance::{Performance, Samples, machine, measure};
use concord::report::{Report, symbol};
use concord::runner::{Runner, Verdict};
use indicatif::{ProgressBar, ProgressStyle};
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
    /// Generated cases per scenario, on top of the case files.
    #[arg(long, default_value_t = 64)]
    cases: usize,
    /// Seed for the generated cases; the same seed replays the same cases.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Do not measure what each engine costs.
    #[arg(long)]
    skip_costs: bool,
}

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
    let engines = concord::select(&args.engines)?;
    let mut cases: Vec<_> = load_cases(&conformance.join("cases"))?
        .into_iter()
        .filter(|c| args.scenario.as_ref().is_none_or(|s| *s == c.scenario))
        .collect();
    cases.extend(concord::scenario::generate(args.seed, args.cases, args.scenario.as_deref()));
    if let Some(scenario) = &args.scenario
        && cases.is_empty()
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
    for result in report.results.iter().filter(|r| r.verdict == Verdict::Diverge && r.case.starts_with("gen-")) {
        println!(
            "replay: cargo xtask conformance --scenario {} --seed {} --cases {} --engine {}   # {}",
            result.scenario, args.seed, args.cases, result.engine, result.case
        );
    }
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

/// Prints the matrix and the differences, writes `<name>.json` (and, for a whole report, `.md`
/// and `.html`), and exits 1 on an undocumented divergence.
fn finish(report: Report, name: &str) -> Result<ExitCode> {
    println!("{}", report.matrix());
    for result in report.results.iter().filter(|r| r.verdict != Verdict::Agree) {
        let note = result.note.as_deref().unwrap_or("");
        println!("{:11} {}/{} on {}: {note}", symbol(result.verdict), result.scenario, result.case, result.engine);
    }
    for stale in &report.stale {
        println!("stale       {} {}/{} no longer shows: {}", stale.engine, stale.scenario, stale.case, stale.reason);
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
