//! The `generated` scenario: a fixed, seeded number of generated modules (`concord-fuzz`) on every
//! engine configuration, and every module saved under `conformance/regressions/generated/`
//! replayed. Each module engines differ on is a result like any case's (case `seed-N`, or
//! `regression-NAME` for a saved one), documented or not.

use concord_engine::Engine;
use concord_fuzz::{Difference, Finding, GeneratedModule, Observation, run_module};
use concord_verdict::count::ScenarioCount;
use concord_verdict::divergence::{Divergence, Divergences};
use concord_verdict::mechanism::Shown;
use concord_verdict::observation::Verdict;
use concord_verdict::result::ResultEntry;
use concord_verdict::verdict::{self, Consensus, Explain, Party, Witness};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SCENARIO: &str = concord_verdict::suite::GENERATED;

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
    /// Per engine: modules run (generated and saved), how many it could not take part in, and how
    /// the rest split by verdict.
    pub counts: Vec<ScenarioCount>,
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
    let mut stats = concord_fuzz::run(engines, first, Some(count), None, threads, &found);
    let mut findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    findings.sort_by_key(|f| f.module.seed);
    let mut results = Vec::new();
    let mut undocumented = Vec::new();
    for finding in findings {
        let case = format!("seed-{}", finding.module.seed);
        let replay = format!("cargo xtask fuzz --seed {} --modules 1", finding.module.seed);
        let judged = judge(engines, &case, &finding.module.wasm, &finding.observations, &replay, divergences);
        if judged.iter().any(|r| r.verdict == Verdict::Diverge) {
            undocumented.push(finding);
        }
        results.extend(judged);
    }
    let saved = concord_fuzz::saved::load_all(&regressions_dir()).map_err(anyhow::Error::msg)?;
    for saved in &saved {
        let run = run_module(engines, &saved.module, &concord_fuzz::limits());
        run.tally(&mut stats);
        let path = regressions_dir().join(format!("{}.json", saved.name));
        let replay = concord_fuzz::saved::replay_command(&path);
        let case = format!("regression-{}", saved.name);
        results.extend(judge(engines, &case, &saved.module.wasm, &run.observations, &replay, divergences));
    }
    let replayed = saved.len() as u64;
    let modules = stats.iter().map(|s| s.modules).max().unwrap_or(0).saturating_sub(replayed);
    let counts = stats
        .iter()
        .map(|s| {
            let ran = (s.modules as usize, s.unsupported as usize);
            ScenarioCount::with_results(SCENARIO, &s.engine, ran, s.busy, &results)
        })
        .collect();
    Ok(GeneratedRun { modules, replayed, results, counts, undocumented, elapsed: start.elapsed() })
}

/// One input of a coverage-guided fuzzer (the cargo-fuzz target in `fuzz/`, which OSS-Fuzz or
/// ClusterFuzzLite can run at scale): the module `wasm-smith` makes of `entropy` on every engine,
/// judged as the generated scenario judges each module. The module with its differences where one
/// diverges undocumented, to shrink and save; `None` where the engines agree, every difference is
/// documented, or the bytes make no module.
pub fn fuzz_input(engines: &[Arc<dyn Engine>], divergences: &Divergences, entropy: &[u8]) -> Option<Finding> {
    let module = GeneratedModule::from_entropy(entropy).ok()?;
    let run = run_module(engines, &module, &concord_fuzz::limits());
    if run.differences.is_empty() {
        return None;
    }
    let case = format!("input-{:016x}", module.seed);
    let judged = judge(engines, &case, &module.wasm, &run.observations, "", divergences);
    let diverging = |engine: &str| judged.iter().any(|r| r.engine == engine && r.verdict == Verdict::Diverge);
    let differences: Vec<Difference> = run.differences.into_iter().filter(|d| diverging(&d.engine)).collect();
    (!differences.is_empty()).then_some(Finding { module: run.module, differences, observations: run.observations })
}

/// One result per engine that differs on `case` from what the witnesses bore out.
fn judge(
    engines: &[Arc<dyn Engine>],
    case: &str,
    wasm: &[u8],
    observations: &[(String, Observation)],
    replay: &str,
    divergences: &Divergences,
) -> Vec<ResultEntry> {
    let parties: Vec<Party<Observation>> = observations
        .iter()
        .filter_map(|(id, observation)| {
            let engine = engines.iter().find(|e| e.id() == id)?;
            Some(Party { id, witness: Witness::of(engine.as_ref()), observation, breaks_model: None, model: None })
        })
        .collect();
    let (consensus, verdicts) = verdict::judge_by(&parties, &mut Registry { case, wasm, divergences });
    let side = match &consensus {
        Consensus::Agreed(side) => Some((side, verdict::agreeing(&parties, side))),
        Consensus::EvenSplit(sides) => {
            sides.first().map(|(side, ids)| (side, ids.iter().map(String::as_str).collect()))
        }
        Consensus::Nobody => None,
    };
    let Some((side, like)) = side else { return Vec::new() };
    parties
        .iter()
        .zip(verdicts)
        .filter(|(_, (verdict, _))| matches!(verdict, Verdict::Documented | Verdict::Diverge))
        .map(|(party, (verdict, note))| {
            let difference = concord_fuzz::compare::difference(
                party.id,
                like.first().copied().unwrap_or(""),
                side,
                party.observation,
            );
            let note = match verdict {
                Verdict::Diverge => match &consensus {
                    Consensus::EvenSplit(_) => format!("{}; replay: {replay}", note.unwrap_or_default()),
                    _ => format!("{}; replay: {replay}", difference.what),
                },
                _ => note.unwrap_or_default(),
            };
            ResultEntry::without_output(SCENARIO, case, party.id, (verdict, note), &difference.did, difference.what)
        })
        .collect()
}

/// The registry, consulted for a generated module: an entry explains an engine's difference from
/// the side the witnesses bore out by the classes of what each did, and the module.
struct Registry<'a> {
    case: &'a str,
    wasm: &'a [u8],
    divergences: &'a Divergences,
}

impl Explain<Observation> for Registry<'_> {
    fn documented(&mut self, party: &Party<Observation>, side: &Observation, references: &[&str]) -> Option<String> {
        let like = references.first().copied().unwrap_or("");
        let difference = concord_fuzz::compare::difference(party.id, like, side, party.observation);
        documented(self.divergences, self.case, self.wasm, &difference).map(|entry| entry.reason.clone())
    }
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
