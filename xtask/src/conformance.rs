use anyhow::{Context, Result};
use concord::case::load_cases;
use concord::divergence::Divergences;
use concord::report::Report;
use concord::runner::{Runner, Verdict};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Run only this engine configuration (repeatable).
    #[arg(long = "engine")]
    engines: Vec<String>,
    /// Run only this scenario.
    #[arg(long)]
    scenario: Option<String>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    crate::guests::build()?;
    let engines = concord::select(&args.engines)?;
    let conformance = concord::conformance_dir();
    let divergences = Divergences::load(&conformance.join("divergences.toml"))?;
    let cases: Vec<_> = load_cases(&conformance.join("cases"))?
        .into_iter()
        .filter(|c| args.scenario.as_ref().is_none_or(|s| *s == c.scenario))
        .collect();

    let mut runner = Runner::new(engines.clone());
    let mut results = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        eprintln!("[{}/{}] {}", i + 1, cases.len(), case.id());
        results.push(runner.run(case, &divergences));
    }
    let report = Report::new(&engines, &results, &divergences);

    println!("\n{}", report.matrix());
    for result in report.results.iter().filter(|r| r.verdict != Verdict::Agree) {
        let note = result.note.as_deref().unwrap_or("");
        println!(
            "{:11} {}/{} on {}: {}",
            concord::report::symbol(result.verdict),
            result.scenario,
            result.case,
            result.engine,
            note
        );
    }
    for stale in &report.stale {
        println!(
            "stale      documented divergence no longer shows: {} {}/{}: {}",
            stale.engine, stale.scenario, stale.case, stale.reason
        );
    }
    let s = &report.summary;
    println!(
        "\n{} cases on {} engines: {} agree, {} documented, {} diverge, {} unsupported",
        s.cases,
        report.engines.len(),
        s.agree,
        s.documented,
        s.diverge,
        s.unsupported
    );

    let out = concord::guests::workspace_root().join("target").join("conformance");
    std::fs::create_dir_all(&out)?;
    let path = out.join("report.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!("report: {}", path.canonicalize().unwrap_or(path).display());
    Ok(if report.has_divergence() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
