//! The conformance run, as `cargo xtask conformance` does it and any other caller can: every suite
//! in scope on the chosen engines, judged against the registry, folded into one [`Report`]. The
//! caller builds the guests, shows progress and writes the report; nothing here prints.

mod cases;
mod costs;
mod generated;
mod spec;

use anyhow::{Result, bail};
use concord_engine::Engine;
use concord_report::Report;
use concord_verdict::count::{ScenarioCount, SpecCount};
use concord_verdict::divergence::Divergences;
use concord_verdict::result::ResultEntry;
use std::path::PathBuf;
use std::sync::Arc;

/// Diverging generated cases (or modules) shrunk and saved per run, at most: shrinking runs every
/// engine again.
pub const MAX_SHRUNK: usize = 5;

/// The seed a run takes unless told otherwise.
pub const DEFAULT_SEED: u64 = 0xc0c0_5eed;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Engine configurations by id; all of the build's when empty.
    pub engines: Vec<String>,
    /// Only this scenario (or suite).
    pub scenario: Option<String>,
    /// Slice K of N (1-based) of the cases; the spec and generated suites run in slice 1.
    pub shard: Option<(usize, usize)>,
    /// Generated cases per model scenario.
    pub cases: usize,
    pub seed: u64,
    /// Measure no costs.
    pub skip_costs: bool,
    /// Only these saved regressions.
    pub replay: Vec<PathBuf>,
    /// The spec testsuite's scripts (see [`crate::spec::scripts`]), or `none`.
    pub spec: String,
    /// Generated modules, from `seed`.
    pub generated: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            engines: Vec::new(),
            scenario: None,
            shard: None,
            cases: 256,
            seed: DEFAULT_SEED,
            skip_costs: false,
            replay: Vec::new(),
            spec: "all".into(),
            generated: 256,
        }
    }
}

impl Options {
    pub fn in_scope(&self, scenario: &str) -> bool {
        self.scenario.as_deref().is_none_or(|s| s == scenario)
    }

    /// Whether a suite that runs whole (spec, generated) runs in this run.
    fn runs_whole_suites(&self) -> bool {
        self.replay.is_empty() && self.shard.is_none_or(|(k, _)| k == 1)
    }
}

/// How a run shows where it is; the caller draws it (a progress bar, or nothing).
pub trait Progress {
    /// A step of `total` begins.
    fn begin(&self, total: u64, what: &str);
    /// One more of them is done; `label` names the next.
    fn step(&self, label: &str);
    fn end(&self);
    /// A line for the person running it: what a suite ran, what was saved.
    fn say(&self, line: &str);
}

/// Shows nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _: u64, _: &str) {}
    fn step(&self, _: &str) {}
    fn end(&self) {}
    fn say(&self, _: &str) {}
}

/// What one suite adds to the report.
#[derive(Default)]
pub struct SuiteRun {
    /// Its items that engines differ on; for a suite of cases, every case.
    pub results: Vec<ResultEntry>,
    /// Per scenario and engine: how many items ran and how their verdicts split.
    pub counts: Vec<ScenarioCount>,
    /// The spec testsuite's per-file counts, for its own table.
    pub spec: Vec<SpecCount>,
}

/// One kind of test material run on every engine at once: case files and model scenarios, the
/// spec testsuite, generated modules. A new suite is one implementation, listed in [`suites`].
pub trait Suite {
    /// The scenario its results carry (a suite of many scenarios answers for each).
    fn covers(&self, scenario: &str) -> bool;
    /// Whether it runs at all under `options`.
    fn in_scope(&self, options: &Options) -> bool;
    fn run(
        &mut self,
        engines: &[Arc<dyn Engine>],
        divergences: &Divergences,
        progress: &dyn Progress,
    ) -> Result<SuiteRun>;
}

/// Every suite, in report order.
fn suites(options: &Options) -> Result<Vec<Box<dyn Suite>>> {
    Ok(vec![
        Box::new(cases::CaseSuite::new(options)?),
        Box::new(spec::SpecSuite::new(options)),
        Box::new(generated::GeneratedSuite::new(options)),
    ])
}

/// Runs every suite in scope and folds what each found into one report.
pub fn run(options: &Options, divergences: &Divergences, progress: &dyn Progress) -> Result<Report> {
    let engines = crate::select(&options.engines)?;
    let mut suites = suites(options)?;
    if let Some(scenario) = &options.scenario
        && !suites.iter().any(|s| s.covers(scenario))
    {
        bail!("no cases for scenario `{scenario}`");
    }
    let (mut results, mut counts, mut spec) = (Vec::new(), Vec::new(), Vec::new());
    for suite in suites.iter_mut().filter(|s| s.in_scope(options)) {
        let run = suite.run(&engines, divergences, progress)?;
        results.extend(run.results);
        counts.extend(run.counts);
        spec.extend(run.spec);
    }
    let infos = engines.iter().map(|e| e.info().clone()).collect();
    let mut report = Report::from_entries(infos, results, counts, spec, divergences);
    if options.shard.is_none() && !options.skip_costs {
        report.performance = Some(costs::measure_all(&engines, progress)?);
    }
    Ok(report)
}
