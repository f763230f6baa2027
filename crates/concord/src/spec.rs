//! The `spec` scenario: the WebAssembly spec testsuite on every engine configuration through the
//! `.wast` runner, as per-file counts for the report and, for every assertion an engine fails or
//! engines disagree on, a result like any case's (case `file:line`), documented or not.

use anyhow::{Result, bail};
use concord_engine::{Engine, Value};
use concord_verdict::count::{ScenarioCount, SpecCount};
use concord_verdict::divergence::{Divergence, Divergences};
use concord_verdict::mechanism::{self, Shown};
use concord_verdict::observation::Verdict;
use concord_verdict::result::ResultEntry;
use concord_verdict::verdict::{self, Consensus, Explain, Party, Witness};
use concord_wast::expect::Expected;
use concord_wast::suite::{self, MEMORY_FILES, suite_names};
use concord_wast::{CommandResult, FileRun, Observed, Script, Verdict as WastVerdict, run_everywhere};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SCENARIO: &str = concord_verdict::suite::SPEC;

/// What the spec scenario adds to a report.
#[derive(Debug, Clone, Default)]
pub struct SpecRun {
    pub counts: Vec<SpecCount>,
    /// Failures and disagreements, one per engine and assertion.
    pub results: Vec<ResultEntry>,
    pub elapsed: Duration,
}

impl SpecRun {
    /// The assertions `engine` ran, as every suite counts its items: those it failed or differs
    /// on are results, documented or not; the rest that it ran agree.
    pub fn count_on(&self, engine: &str) -> ScenarioCount {
        let (ran, unsupported) =
            self.counts.iter().filter(|c| c.engine == engine).fold((0, 0), |(ran, unsupported), c| {
                (ran + c.passed + c.failed + c.unsupported, unsupported + c.unsupported)
            });
        ScenarioCount::with_results(SCENARIO, engine, (ran, unsupported), Duration::ZERO, &self.results)
    }
}

/// The scripts `which` names: `wasm-v2` (a core suite or a proposal by name), `memory` (wasm-v2's
/// memory files), `all` (every core suite's newest version and every proposal), comma-separated.
pub fn scripts(which: &str) -> Result<Vec<Script>> {
    let mut scripts = Vec::new();
    for name in which.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let files = match name {
            "memory" => suite::files("wasm-v2")
                .unwrap_or_default()
                .into_iter()
                .filter(|f| MEMORY_FILES.contains(&f.name.as_str()))
                .collect(),
            "all" => suite_names()
                .into_iter()
                .filter(|s| !["wasm-v1", "wasm-v3", "wasm-latest"].contains(s))
                .flat_map(|s| suite::files(s).unwrap_or_default())
                .collect(),
            name => match suite::files(name) {
                Some(files) => files,
                None => bail!("no suite `{name}`; there are memory, all, {}", suite_names().join(", ")),
            },
        };
        for file in files {
            scripts.push(file.parse()?);
        }
    }
    Ok(scripts)
}

/// Runs `scripts` on every engine and judges them (see [`judge`]).
pub fn run(engines: &[Arc<dyn Engine>], scripts: &[Script], divergences: &Divergences) -> SpecRun {
    let start = Instant::now();
    let runs = run_everywhere(engines, scripts);
    let elapsed = start.elapsed();
    let counts = runs.iter().map(count).collect();
    let results = judge(engines, scripts, &runs, divergences, Registered::InTheSuite);
    SpecRun { counts, results, elapsed }
}

/// Where the registry's entries apply to a script's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The spec testsuite itself: an entry may name an assertion (`wasm-v2/file.wast:line`).
    InTheSuite,
    /// Any `.wast` file (`concord wast`): only an entry's mechanism can explain a difference.
    AnyFile,
}

/// Every failed assertion and every command the engines disagree on in `runs`, judged command by
/// command: the spec's expectation is the model (an engine that fails it weighs nothing), and the
/// witnesses decide who differs where it expects nothing.
pub fn judge(
    engines: &[Arc<dyn Engine>],
    scripts: &[Script],
    runs: &[FileRun],
    divergences: &Divergences,
    registered: Registered,
) -> Vec<ResultEntry> {
    let mut commands: BTreeMap<(&str, usize), Vec<(&str, &CommandResult)>> = BTreeMap::new();
    for run in runs {
        for result in &run.results {
            if !matches!(result.verdict, WastVerdict::Unsupported | WastVerdict::Skipped) {
                commands.entry((&run.file, result.line)).or_default().push((&run.engine, result));
            }
        }
    }
    let mut results = Vec::new();
    for ((file, line), ran) in commands {
        let failed = ran.iter().any(|(_, r)| r.verdict == WastVerdict::Failed);
        let apart = ran.iter().any(|(_, r)| r.observed != ran[0].1.observed);
        if failed || apart {
            let script = scripts.iter().find(|s| s.name == file);
            let mut registry = Registry { divergences, registered, case: case_of(file, line), script, ran: &ran };
            results.extend(judge_command(engines, &ran, &mut registry));
        }
    }
    results
}

/// One command on every engine that ran it: a result for each that failed it or differs from
/// what the witnesses bore out.
fn judge_command(
    engines: &[Arc<dyn Engine>],
    ran: &[(&str, &CommandResult)],
    registry: &mut Registry,
) -> Vec<ResultEntry> {
    let parties: Vec<Party<Observed>> = ran
        .iter()
        .filter_map(|(id, result)| {
            let engine = engines.iter().find(|e| e.id() == *id)?;
            Some(Party {
                id,
                witness: Witness::of(engine.as_ref()),
                observation: &result.observed,
                breaks_model: (result.verdict == WastVerdict::Failed).then(|| result.detail.clone()),
                model: None,
            })
        })
        .collect();
    let (consensus, verdicts) = verdict::judge_by(&parties, registry);
    let case = registry.case.clone();
    parties
        .iter()
        .zip(verdicts)
        .filter(|(_, (verdict, _))| matches!(verdict, Verdict::Documented | Verdict::Diverge))
        .map(|(party, (verdict, note))| {
            let result = ran.iter().find(|(id, _)| *id == party.id).map(|(_, r)| *r).expect("a party ran");
            let (outcome, detail) = match (&party.breaks_model, &consensus) {
                (Some(detail), _) => ("failed", detail.clone()),
                (None, Consensus::Agreed(side)) => {
                    ("differs", format!("{}: {}, where the others: {side}", result.directive, result.observed))
                }
                (None, _) => ("differs", format!("{}: {}", result.directive, result.observed)),
            };
            let note = match verdict {
                Verdict::Diverge if party.breaks_model.is_some() => detail.clone(),
                _ => note.unwrap_or_else(|| detail.clone()),
            };
            ResultEntry::without_output(SCENARIO, &case, party.id, (verdict, note), outcome, detail)
        })
        .collect()
}

/// The registry, consulted for one spec command: a failed assertion is explained by what it
/// shows against the spec, a difference by what the engine did against the side borne out.
struct Registry<'a> {
    divergences: &'a Divergences,
    registered: Registered,
    case: String,
    script: Option<&'a Script>,
    ran: &'a [(&'a str, &'a CommandResult)],
}

impl Explain<Observed> for Registry<'_> {
    fn documented(&mut self, party: &Party<Observed>, side: &Observed, _: &[&str]) -> Option<String> {
        let result = self.ran.iter().find(|(id, _)| *id == party.id).map(|(_, r)| *r)?;
        let shows = match party.breaks_model {
            Some(_) => self.script.and_then(|script| shows(script, result)),
            None => difference(party.observation, side),
        };
        let entry = match self.registered {
            Registered::InTheSuite => documented_by(self.divergences, party.id, &self.case, shows.as_ref()),
            Registered::AnyFile => explained_anywhere(self.divergences, party.id, shows.as_ref()?),
        };
        entry.map(|entry| entry.reason.clone())
    }
}

fn count(run: &FileRun) -> SpecCount {
    let c = run.counts();
    let (suite, file) = run.file.split_once('/').unwrap_or(("", &run.file));
    SpecCount {
        engine: run.engine.clone(),
        suite: suite.to_string(),
        file: file.to_string(),
        feature: suite::proposal_feature(suite),
        passed: c.passed,
        failed: c.failed,
        unsupported: c.unsupported,
        skipped: c.skipped,
    }
}

fn case_of(file: &str, line: usize) -> String {
    format!("{file}:{line}")
}

fn file_of(case: &str) -> String {
    command_of(case).map_or(case, |(file, _)| file).to_string()
}

/// The file and line a spec result's case (`suite/file.wast:line`) names.
pub fn command_of(case: &str) -> Option<(&str, usize)> {
    let (file, line) = case.rsplit_once(':')?;
    Some((file, line.parse().ok()?))
}

/// What an engine's failure or difference on one command shows a mechanism: what it did and what
/// was expected, as outcome classes, and for a failed `assert_return` the values themselves.
struct Shows {
    did: String,
    expected: String,
    returned: Option<(Vec<Value>, Vec<Expected>)>,
    /// For a module that was to instantiate: its bytes.
    module: Option<Vec<u8>>,
}

impl Shows {
    fn shown(&self) -> Shown<'_> {
        let returned = self.returned.as_ref().map(|(got, expected)| (got.as_slice(), expected.as_slice()));
        Shown { did: &self.did, expected: &self.expected, module: self.module.as_deref(), returned }
    }
}

/// What an engine that differed from the others on a command did, and what they did, where both
/// are outcomes (a trap of another kind, say).
fn difference(did: &Observed, others: &Observed) -> Option<Shows> {
    match (did, others) {
        (Observed::Outcome(did), Observed::Outcome(others)) => {
            Some(Shows { did: did.class(), expected: others.class(), returned: None, module: None })
        }
        _ => None,
    }
}

/// What a failed assertion shows: a trap of another kind than the spec's, or values other than
/// those it asked for.
fn shows(script: &Script, failure: &concord_wast::CommandResult) -> Option<Shows> {
    use concord_wast::script::CommandKind;
    let command = script.commands.iter().find(|c| c.line == failure.line)?;
    match (&command.kind, &failure.observed) {
        (CommandKind::AssertTrap { traps, .. }, Observed::Outcome(did)) => Some(Shows {
            did: did.class(),
            expected: concord_engine::Outcome::Trap(*traps.first()?).class(),
            returned: None,
            module: None,
        }),
        (CommandKind::AssertReturn { expected, .. }, Observed::Values(got)) => Some(Shows {
            did: "returned".into(),
            expected: "returned".into(),
            returned: Some((got.clone(), expected.clone())),
            module: None,
        }),
        (CommandKind::Module { wasm, .. }, Observed::Outcome(did)) => Some(Shows {
            did: did.class(),
            expected: "instantiated".into(),
            returned: None,
            module: Some(wasm.clone()),
        }),
        (CommandKind::AssertInvalid { wasm }, Observed::Accepted) => Some(Shows {
            did: mechanism::ACCEPTED.into(),
            expected: mechanism::REJECTED_AS_INVALID.into(),
            returned: None,
            module: Some(wasm.clone()),
        }),
        _ => None,
    }
}

/// The entry that documents `engine` failing assertion `case`: one naming the mechanism the
/// failure shows, or one naming the case alone whatever the failure.
fn documented_by<'d>(
    divergences: &'d Divergences,
    engine: &str,
    case: &str,
    shows: Option<&Shows>,
) -> Option<&'d Divergence> {
    divergences.entries.iter().find(|d| {
        d.names_engine(engine)
            && d.applies_to_case(SCENARIO, case)
            && match shows {
                Some(shows) if d.names_a_cause() => d.explains_classes(&shows.shown()),
                _ => d.outcome.is_none() && !d.names_a_cause(),
            }
    })
}

fn explained_anywhere<'d>(divergences: &'d Divergences, engine: &str, shows: &Shows) -> Option<&'d Divergence> {
    divergences.entries.iter().find(|d| {
        d.scenario == SCENARIO && d.mechanism.is_some() && d.names_engine(engine) && d.explains_classes(&shows.shown())
    })
}

/// The entry that documents `engine` on the assertion `case` (`wasm-v2/file.wast:line`), where it
/// fails the assertion or differs from the other `engines`, found by running that file on them
/// now: how a spec entry's evidence is checked. `None` when nothing there needs documenting, or no
/// entry documents it.
pub fn documenting<'d>(
    engines: &[Arc<dyn Engine>],
    engine: &str,
    case: &str,
    divergences: &'d Divergences,
) -> Result<Option<&'d Divergence>> {
    let file = file_of(case);
    let suite = file.split('/').next().unwrap_or_default();
    let Some(script) = scripts(suite)?.into_iter().find(|s| s.name == file) else { bail!("no spec file {file}") };
    let spec = run(engines, std::slice::from_ref(&script), divergences);
    let shown = spec.results.iter().find(|r| r.engine == engine && r.case == case && r.verdict == Verdict::Documented);
    Ok(shown.and_then(|shown| {
        divergences.entries.iter().find(|d| {
            d.names_engine(engine) && d.applies_to_case(SCENARIO, case) && shown.note.as_ref() == Some(&d.reason)
        })
    }))
}
