//! The `generated` scenario: a fixed, seeded number of generated modules (`concord-fuzz`) on every
//! engine configuration, and every module saved under `conformance/regressions/generated/`
//! replayed. Each module engines differ on is a result like any case's (case `seed-N`, or
//! `regression-NAME` for a saved one), documented or not.

use crate::divergence::{Divergence, Divergences};
use crate::mechanism::Shown;
use crate::report::ResultEntry;
use crate::runner::Verdict;
use concord_engine::Engine;
use concord_fuzz::{Difference, Finding, GeneratedModule, run_module};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SCENARIO: &str = "generated";

/// Where modules engines differed on are kept and replayed from.
pub fn regressions_dir() -> PathBuf {
    crate::regression::dir().join(SCENARIO)
}

/// What the generated scenario adds to a report.
#[derive(Debug, Clone, Default)]
pub struct GeneratedRun {
    pub modules: u64,
    pub replayed: u64,
    pub results: Vec<ResultEntry>,
    /// Generated modules with an undocumented difference, to shrink and save.
    pub undocumented: Vec<Finding>,
    pub elapsed: Duration,
}

/// Runs `count` modules from seed `first`, then every saved module, on every engine and judges
/// each difference against `divergences`.
pub fn run(
    engines: &[Arc<dyn Engine>],
    first: u64,
    count: u64,
    divergences: &Divergences,
) -> anyhow::Result<GeneratedRun> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let findings = Mutex::new(Vec::new());
    let found = |finding: &Finding| findings.lock().unwrap_or_else(|p| p.into_inner()).push(finding.clone());
    let start = Instant::now();
    let stats = concord_fuzz::run(engines, first, Some(count), None, threads, &found);
    let mut findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    findings.sort_by_key(|f| f.module.seed);
    let mut results = Vec::new();
    let mut undocumented = Vec::new();
    for finding in findings {
        let case = format!("seed-{}", finding.module.seed);
        let replay = format!("cargo xtask fuzz --seed {} --modules 1", finding.module.seed);
        let judged = judge(&case, &finding.module.wasm, &finding.differences, &replay, divergences);
        if judged.iter().any(|r| r.verdict == Verdict::Diverge) {
            undocumented.push(finding);
        }
        results.extend(judged);
    }
    let saved = concord_fuzz::saved::load_all(&regressions_dir()).map_err(anyhow::Error::msg)?;
    for saved in &saved {
        let run = run_module(engines, &saved.module, &concord_fuzz::limits());
        let path = regressions_dir().join(format!("{}.json", saved.name));
        let replay = concord_fuzz::saved::replay_command(&path);
        let case = format!("regression-{}", saved.name);
        results.extend(judge(&case, &saved.module.wasm, &run.differences, &replay, divergences));
    }
    let modules = stats.iter().map(|s| s.modules).max().unwrap_or(0);
    Ok(GeneratedRun { modules, replayed: saved.len() as u64, results, undocumented, elapsed: start.elapsed() })
}

/// One result per engine that differed on `case`.
fn judge(
    case: &str,
    wasm: &[u8],
    differences: &[Difference],
    replay: &str,
    divergences: &Divergences,
) -> Vec<ResultEntry> {
    differences
        .iter()
        .map(|difference| {
            let documented = documented(divergences, case, wasm, difference);
            let (verdict, note) = match documented {
                Some(d) => (Verdict::Documented, d.reason.clone()),
                None => (Verdict::Diverge, format!("{}; replay: {replay}", difference.what)),
            };
            ResultEntry {
                scenario: SCENARIO.into(),
                case: case.into(),
                engine: difference.engine.clone(),
                verdict,
                outcome: difference.did.clone(),
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
        .collect()
}

/// The entry that documents `difference` on `case` (module `wasm`), if one does.
pub fn documented<'d>(
    divergences: &'d Divergences,
    case: &str,
    wasm: &[u8],
    difference: &Difference,
) -> Option<&'d Divergence> {
    let shown =
        Shown { did: &difference.did, expected: &difference.others_did, module: Some(wasm), ..Shown::default() };
    divergences.entries.iter().find(|d| d.names_engine(&difference.engine) && d.explains_generated(case, &shown))
}

/// How long shrinking one module may take.
pub const SHRINK_BUDGET: Duration = Duration::from_secs(60);

/// `finding`'s module shrunk on the engines that took part, saved under `dir`: the saved file
/// and what it shows, the memory side by side where a memory differs. The module is saved as it
/// was when shrinking fails, so nothing is lost.
pub fn shrink_and_save(
    engines: &[Arc<dyn Engine>],
    finding: &Finding,
    dir: &std::path::Path,
) -> anyhow::Result<(PathBuf, String)> {
    let party = concord_fuzz::party(engines, &finding.differences);
    let differing: Vec<String> = finding.differences.iter().map(|d| d.engine.clone()).collect();
    let (minimal, unshrunk) = match concord_fuzz::shrink(&party, &finding.module, &differing, SHRINK_BUDGET) {
        Ok(minimal) => (minimal, None),
        Err(why) => (finding.module.clone().fixed(), Some(why)),
    };
    let run = run_module(&party, &minimal, &concord_fuzz::limits());
    let differences = if run.differences.is_empty() { &finding.differences } else { &run.differences };
    let found: Vec<String> = differences.iter().map(|d| format!("{}: {}", d.engine, d.what)).collect();
    let path = concord_fuzz::saved::save(dir, &minimal, &found.join("; ")).map_err(anyhow::Error::msg)?;
    let mut shown = describe(&party, &minimal, differences);
    if let Some(why) = unshrunk {
        shown += &format!("\n  saved as generated, since shrinking failed: {why}");
    }
    shown += &format!("\n  replay: {}", concord_fuzz::saved::replay_command(&path));
    Ok((path, shown))
}

/// What engines did differently with `module`: each difference, its size in instructions, and
/// any differing memory side by side.
pub fn describe(engines: &[Arc<dyn Engine>], module: &GeneratedModule, differences: &[Difference]) -> String {
    let mut out = format!("seed {} ({} instructions):", module.seed, module.instructions());
    for difference in differences {
        out += &format!("\n  {}: {}", difference.engine, difference.what);
        if let Some(dump) = concord_fuzz::memory_dump(engines, module, difference) {
            out += &format!("\n{dump}");
        }
    }
    out
}
