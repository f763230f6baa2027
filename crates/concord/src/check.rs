//! One plugin on every engine, judged as a case is: each engine's calls timed, the engines judged
//! on the first call where they part, and what they do differently checked against the registry's
//! mechanisms, which may run the plugin again on a reference engine. `concord check` prints it.

use crate::timed::{TimedRun, timed_calls};
use concord_engine::{Engine, InstanceConfig, InstantiateFailure, Outcome};
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::{Observation, Verdict};
use concord_verdict::verdict::{self, Party, Rerun, Witness};
use std::sync::Arc;

/// What is checked: `calls` calls of `export` with `input` on one instance under `config`.
pub struct Plugin<'a> {
    pub wasm: &'a [u8],
    pub export: &'a str,
    pub input: &'a [u8],
    pub config: &'a InstanceConfig,
    pub calls: usize,
}

/// One engine's runs and its verdict.
pub struct EngineCheck {
    pub id: String,
    pub run: TimedRun,
    /// What it did on the call judged.
    pub observation: Observation,
    pub verdict: Verdict,
    /// The mechanism that explains it, or what differs.
    pub note: Option<String>,
}

pub struct Checked {
    pub engines: Vec<EngineCheck>,
    /// The call the engines are judged on (0-based).
    pub judged: usize,
}

/// Every engine refused the module as invalid: bad input, not a result they agree on.
#[derive(Debug)]
pub struct RejectedEverywhere(pub String);

/// Runs `plugin` on every engine and judges them.
pub fn check(
    engines: &[Arc<dyn Engine>],
    plugin: &Plugin<'_>,
    divergences: &Divergences,
) -> Result<Checked, RejectedEverywhere> {
    let runs: Vec<TimedRun> = engines
        .iter()
        .map(|engine| {
            timed_calls(engine.as_ref(), plugin.wasm, plugin.export, plugin.input, plugin.config, plugin.calls)
        })
        .collect();
    if let Some(why) = rejected_everywhere(&runs) {
        return Err(RejectedEverywhere(why));
    }
    let judged = first_parting(&runs);
    let observations: Vec<Observation> = runs.iter().map(|run| call(run, judged)).collect();
    let parties: Vec<Party> = engines
        .iter()
        .zip(&observations)
        .map(|(engine, observation)| Party {
            id: engine.id(),
            witness: Witness::of(engine.as_ref()),
            observation,
            breaks_model: None,
            model: None,
        })
        .collect();
    // The engines that did what the witnesses bore out run the plugin again where a mechanism
    // asks what one would do under another configuration.
    let mut rerun = PluginRerun { engines, plugin, judged };
    let (_, verdicts) = verdict::judge(&parties, None, divergences, &mut rerun);
    let engines = engines
        .iter()
        .zip(runs)
        .zip(observations)
        .zip(verdicts)
        .map(|(((engine, run), observation), (verdict, note))| {
            let note = match (verdict, note) {
                (Verdict::Diverge, Some(note)) if plugin.calls > 1 => Some(format!("call {}: {note}", judged + 1)),
                (_, note) => note,
            };
            EngineCheck { id: engine.id().to_string(), run, observation, verdict, note }
        })
        .collect();
    Ok(Checked { engines, judged })
}

/// Call `i` of `run`; a call none made counts as an outcome of its own.
fn call(run: &TimedRun, i: usize) -> Observation {
    match run.calls.get(i) {
        Some((outcome, pages)) => Observation::new(outcome.clone(), *pages),
        None if i == 0 => Observation::new(run.outcome.clone(), run.memory_pages),
        None => Observation::new(Outcome::EngineFault("no such call: an earlier one did not return".into()), None),
    }
}

/// The first call where the engines that ran part, or the last when they never do.
fn first_parting(runs: &[TimedRun]) -> usize {
    let made = runs.iter().map(|r| r.calls.len()).max().unwrap_or(1).max(1);
    let parts = |i: usize| {
        let observations: Vec<Observation> = runs.iter().map(|r| call(r, i)).collect();
        let mut running = observations.iter().filter(|o| !matches!(o.outcome, Outcome::Unsupported(_)));
        let first = running.next();
        running.any(|o| first.is_some_and(|first| !o.agrees_with(first)))
    };
    (0..made).find(|&i| parts(i)).unwrap_or(made - 1)
}

/// The plugin called again on a reference engine, for a mechanism to confirm an observation.
struct PluginRerun<'a> {
    engines: &'a [Arc<dyn Engine>],
    plugin: &'a Plugin<'a>,
    judged: usize,
}

impl Rerun for PluginRerun<'_> {
    fn rerun(&mut self, references: &[&str], change: &dyn Fn(&mut InstanceConfig)) -> Option<Observation> {
        let mut config = self.plugin.config.clone();
        change(&mut config);
        let reference = verdict::reference(self.engines, references, &config)?;
        let plugin = self.plugin;
        let run = timed_calls(reference.as_ref(), plugin.wasm, plugin.export, plugin.input, &config, plugin.calls);
        Some(match run.calls.get(self.judged) {
            Some((outcome, pages)) => Observation::new(outcome.clone(), *pages),
            None => Observation::new(run.outcome, run.memory_pages),
        })
    }
}

/// The engines' reason when every one of them refused the module as invalid.
fn rejected_everywhere(runs: &[TimedRun]) -> Option<String> {
    let reasons: Vec<&str> = runs
        .iter()
        .map(|run| match &run.outcome {
            Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { message }) => Some(message.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    Some(reasons.first()?.lines().next().unwrap_or_default().to_string())
}
