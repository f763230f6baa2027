//! The `generated` scenario: a fixed, seeded number of generated modules (`concord-fuzz`) on every
//! engine configuration, each module on which engines differ a result like any case's (case
//! `seed-N`), documented or not.

use crate::divergence::Divergences;
use crate::report::ResultEntry;
use crate::runner::Verdict;
use concord_engine::Engine;
use concord_fuzz::Finding;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SCENARIO: &str = "generated";

/// What the generated scenario adds to a report.
#[derive(Debug, Clone, Default)]
pub struct GeneratedRun {
    pub modules: u64,
    pub results: Vec<ResultEntry>,
    pub elapsed: Duration,
}

/// Runs `count` modules from seed `first` on every engine and judges each difference against
/// `divergences`.
pub fn run(engines: &[Arc<dyn Engine>], first: u64, count: u64, divergences: &Divergences) -> GeneratedRun {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let findings = Mutex::new(Vec::new());
    let found = |finding: &Finding| findings.lock().unwrap_or_else(|p| p.into_inner()).push(finding.clone());
    let start = Instant::now();
    let stats = concord_fuzz::run(engines, first, Some(count), None, threads, &found);
    let elapsed = start.elapsed();
    let mut findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    findings.sort_by_key(|f| f.seed);
    let results = findings
        .iter()
        .flat_map(|finding| {
            finding.differences.iter().map(move |difference| {
                let case = format!("seed-{}", finding.seed);
                let documented = divergences
                    .entries
                    .iter()
                    .find(|d| d.names_engine(&difference.engine) && d.applies_to_case(SCENARIO, &case));
                let (verdict, note) = match documented {
                    Some(d) => (Verdict::Documented, d.reason.clone()),
                    None => (
                        Verdict::Diverge,
                        format!("{}; replay: cargo xtask fuzz --seed {} --modules 1", difference.what, finding.seed),
                    ),
                };
                ResultEntry {
                    scenario: SCENARIO.into(),
                    case,
                    engine: difference.engine.clone(),
                    verdict,
                    outcome: "differs".into(),
                    detail: difference.what.clone(),
                    output_sha256: None,
                    output_hex: None,
                    memory_pages: None,
                    elapsed_us: 0,
                    note: Some(note),
                    deadline_ms: None,
                    hung: false,
                    limit: None,
                }
            })
        })
        .collect();
    let modules = stats.iter().map(|s| s.modules).max().unwrap_or(0);
    GeneratedRun { modules, results, elapsed }
}
