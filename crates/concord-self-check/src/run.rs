//! The self-check as a run: the suite's cases against each planted fault, in every configuration
//! in turn under its own id beside the others.

use crate::{Fault, Honest, Table};
use anyhow::{Result, bail};
use concord::case::load_cases;
use concord::conformance::Options;
use concord::regression;
use concord_verdict::divergence::Divergences;

/// Cases per model scenario the self-check draws at most: each planting runs them all again.
const CASES_PER_SCENARIO: usize = 32;

/// Plants `faults` (all of them when empty, by name) and says where each was caught.
pub fn run(options: &Options, faults: &[String], divergences: &Divergences) -> Result<Table> {
    let engines = concord::select(&options.engines)?;
    if engines.is_empty() {
        bail!("no engine to plant faults in");
    }
    if let Some(unknown) = faults.iter().find(|name| !Fault::ALL.iter().any(|f| f.name() == name.as_str())) {
        let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        bail!("no fault named {unknown}; the faults are {}", names.join(", "));
    }
    let mut cases = load_cases(&concord::conformance_dir().join("cases"))?;
    cases.extend(regression::load_all(&regression::dir())?);
    cases.retain(|case| options.in_scope(&case.scenario));
    let per_scenario = options.cases.min(CASES_PER_SCENARIO);
    cases.extend(concord::scenario::generate(options.seed, per_scenario, options.scenario.as_deref()));
    let honest = Honest::observe(&engines, cases, options.seed);
    let chosen = |fault: &Fault| faults.is_empty() || faults.iter().any(|name| name == fault.name());
    let planted = Fault::ALL
        .into_iter()
        .filter(chosen)
        .map(|fault| (fault, honest.plant(fault, divergences, threads())))
        .collect();
    Ok(Table::new(planted))
}

/// Plantings run side by side: most of their time is spent waiting on child processes.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}
