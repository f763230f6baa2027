//! The differential runner: one case on every engine, each engine's observation compared with the
//! case's expected outcome (if it states one) and with the other engines.

use crate::case::{ActorScript, Case, DEFAULT_DEADLINE, Expected, ModuleSource, transcript};
use crate::case_result::CaseResult;
use concord_actor::{Actor, StepRecord};
use concord_engine::{CompileError, Engine, InstanceConfig, Module, Outcome};
use concord_verdict::divergence::Divergences;
use concord_verdict::mechanism::{Replay, Seen};
use concord_verdict::observation::{EngineResult, Observation, Verdict, panic_text};
use concord_verdict::verdict::{self, Party, ReplayOn, Rerun, Witness};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How far past its budget a case may run before the watchdog gives up on it.
pub const WATCHDOG_MARGIN: Duration = Duration::from_secs(5);

/// Runs cases on a fixed set of engines, compiling each module once per engine.
pub struct Runner {
    engines: Vec<Arc<dyn Engine>>,
    watchdog_margin: Duration,
    modules: HashMap<(String, ModuleSource), Result<Arc<dyn Module>, CompileError>>,
    guests: HashMap<String, Result<Vec<u8>, String>>,
}

impl Runner {
    pub fn new(engines: Vec<Arc<dyn Engine>>) -> Self {
        Runner { engines, watchdog_margin: WATCHDOG_MARGIN, modules: HashMap::new(), guests: HashMap::new() }
    }

    /// How far past its budget a case may run before it is abandoned as hung.
    pub fn with_watchdog_margin(mut self, margin: Duration) -> Self {
        self.watchdog_margin = margin;
        self
    }

    pub fn engines(&self) -> &[Arc<dyn Engine>] {
        &self.engines
    }

    fn wasm(&mut self, source: &ModuleSource) -> Result<Vec<u8>, String> {
        match source {
            ModuleSource::Bytes(bytes) => Ok(bytes.clone()),
            ModuleSource::Guest(name) => self
                .guests
                .entry(name.clone())
                .or_insert_with(|| crate::guests::load(name).map_err(|e| format!("{e:#}")))
                .clone(),
        }
    }

    fn module(&mut self, engine: &Arc<dyn Engine>, source: &ModuleSource) -> Result<Arc<dyn Module>, Outcome> {
        let key = (engine.id().to_string(), source.clone());
        if !self.modules.contains_key(&key) {
            let wasm = self.wasm(source).map_err(|e| Outcome::Unsupported(format!("module unavailable: {e}")))?;
            let engine = engine.clone();
            let compiled = catch_unwind(AssertUnwindSafe(|| engine.compile(&wasm)))
                .unwrap_or_else(|panic| Err(CompileError::EngineFault(panic_text(panic))))
                .map(Arc::from);
            self.modules.insert(key.clone(), compiled);
        }
        self.modules[&key].clone().map_err(Outcome::from)
    }

    /// Runs `case` on one engine: compile (cached), then instantiate and call `case.calls` times
    /// on a worker thread under the watchdog. A panic is the engine's fault; a worker that
    /// overruns is abandoned and reported as hung, and the run goes on.
    pub fn observe(&mut self, engine: &Arc<dyn Engine>, case: &Case) -> Observation {
        self.start(engine, case).map_or_else(|observation| observation, Running::finish)
    }

    /// Starts `case` on one engine's worker thread, or says at once why it cannot run.
    fn start(&mut self, engine: &Arc<dyn Engine>, case: &Case) -> Result<Running, Observation> {
        if !case.wasi_hosts.is_empty() && !case.wasi_hosts.contains(&engine.capabilities().wasi) {
            let why = format!(
                "{} links {:?} WASI, and this case compares the answers of {:?}",
                engine.id(),
                engine.capabilities().wasi,
                case.wasi_hosts
            );
            return Err(Observation::fault(Outcome::Unsupported(why)));
        }
        let module = self.module(engine, &case.module).map_err(Observation::fault)?;
        let drive = Drive::of(case);
        let per_call = case.budget().deadline.unwrap_or(DEFAULT_DEADLINE);
        let patience = per_call * (drive.calls() + 1) + self.watchdog_margin;
        let (done, result) = mpsc::channel();
        let start = Instant::now();
        let worker = std::thread::Builder::new().name(format!("concord-{}", engine.id())).spawn(move || {
            let observation = catch_unwind(AssertUnwindSafe(|| drive.run(module)))
                .unwrap_or_else(|panic| Observation::fault(Outcome::EngineFault(panic_text(panic))));
            let _ = done.send(observation);
        });
        if let Err(error) = worker {
            return Err(Observation::fault(Outcome::EngineFault(format!("could not start a worker thread: {error}"))));
        }
        Ok(Running { result, start, patience })
    }

    /// Runs `case` on every engine and gives each a verdict.
    pub fn run(&mut self, case: &Case, divergences: &Divergences) -> CaseResult {
        let observations = self.observe_all(case);
        self.judge(case, observations, divergences)
    }

    /// What every engine does with `case`, by engine id, in the runner's order. Engines in other
    /// processes mostly wait on their children, so they run all at once beside the engines in
    /// this process, which take their turns one at a time; unless the case sets a deadline of its
    /// own, where what it checks is time: then every engine runs alone.
    pub fn observe_all(&mut self, case: &Case) -> Vec<(String, Observation)> {
        let engines = self.engines.clone();
        let alongside = |engine: &Arc<dyn Engine>| engine.capabilities().out_of_process && !case.sets_deadline();
        let mut started: Vec<Option<Result<Running, Observation>>> =
            engines.iter().map(|e| alongside(e).then(|| self.start(e, case))).collect();
        let mut observations: Vec<Option<Observation>> =
            engines.iter().zip(&started).map(|(e, s)| s.is_none().then(|| self.observe(e, case))).collect();
        for (observation, started) in observations.iter_mut().zip(&mut started) {
            if let Some(started) = started.take() {
                *observation = Some(started.map_or_else(|observation| observation, Running::finish));
            }
        }
        engines.iter().zip(observations).map(|(e, o)| (e.id().to_string(), o.expect("observed"))).collect()
    }

    /// Gives each of `observations` (one per engine, in the runner's order) its verdict.
    pub fn judge(
        &mut self,
        case: &Case,
        observations: Vec<(String, Observation)>,
        divergences: &Divergences,
    ) -> CaseResult {
        let engines = self.engines.clone();
        let model = match &case.expect {
            Some(Expected::Outcome(expected)) => Some(expected_observation(case, expected)),
            _ => None,
        };
        // Engines with a documented model of their own are held to it, and are no witnesses.
        let parties: Vec<Party> = observations
            .iter()
            .zip(&engines)
            .filter(|(_, engine)| case.model_for(engine.as_ref()).is_none())
            .map(|((id, observation), engine)| Party {
                id,
                witness: Witness::of(engine.as_ref()),
                observation,
                breaks_model: model_violation(case, observation),
                model: model.as_ref(),
            })
            .collect();
        let scope = Some((case.scenario.as_str(), case.name.as_str()));
        let mut rerun = CaseRerun { runner: self, engines: &engines, case };
        let (consensus, verdicts) = verdict::judge(&parties, scope, divergences, &mut rerun);
        let references = consensus.agreed().map(|c| verdict::agreeing(&parties, c)).unwrap_or_default();
        let mut verdicts = verdicts.into_iter();
        let mut results = Vec::new();
        for ((engine, observation), configuration) in observations.iter().zip(&engines) {
            let (verdict, note) = match case.model_for(configuration.as_ref()) {
                Some(model) => {
                    let seen = Seen { observation, others: consensus.agreed() };
                    let mut replay = ReplayOn { rerun: &mut rerun, references: &references };
                    own_model(case, engine, model, &seen, divergences, &mut replay)
                }
                None => verdicts.next().unwrap_or((Verdict::Diverge, Some("not judged".into()))),
            };
            results.push(EngineResult { engine: engine.clone(), observation: observation.clone(), verdict, note });
        }
        CaseResult { case: case.clone(), engines: results }
    }
}

/// A case on an engine's worker thread.
struct Running {
    result: mpsc::Receiver<Observation>,
    start: Instant,
    /// How long after `start` the worker is given up on.
    patience: Duration,
}

impl Running {
    fn finish(self) -> Observation {
        let patience = self.patience;
        match self.result.recv_timeout(patience.saturating_sub(self.start.elapsed())) {
            Ok(observation) => observation,
            Err(mpsc::RecvTimeoutError::Timeout) => Observation {
                outcome: Outcome::EngineFault(format!("watchdog: no result within {patience:?}; worker abandoned")),
                memory_pages: None,
                elapsed: self.start.elapsed(),
                hung: true,
            },
            Err(mpsc::RecvTimeoutError::Disconnected) => Observation::fault(Outcome::EngineFault("worker died".into())),
        }
    }
}

/// A case run again on a reference configuration, for a mechanism to confirm an observation.
struct CaseRerun<'r> {
    runner: &'r mut Runner,
    engines: &'r [Arc<dyn Engine>],
    case: &'r Case,
}

impl Rerun for CaseRerun<'_> {
    fn rerun(&mut self, references: &[&str], change: &dyn Fn(&mut InstanceConfig)) -> Option<Observation> {
        let mut case = self.case.clone();
        match &mut case.actor {
            // An actor's limit is its config's `memory_limit_mb`.
            Some(script) => {
                let limit = concord_actor::memory_limit(&script.spec.config).ok();
                let mut config = InstanceConfig { memory_limit: limit, ..InstanceConfig::default() };
                change(&mut config);
                script.spec.memory_limit_rule = config.memory_limit_rule;
                script.spec.kernel_rules = config.kernel_rules;
                script.spec.set_memory_limit(config.memory_limit);
            }
            None => change(&mut case.config),
        }
        let followed = match &case.actor {
            Some(script) => script.spec.instance_config().ok()?,
            None => case.config.clone(),
        };
        let reference = verdict::reference(self.engines, references, &followed)?.clone();
        Some(self.runner.observe(&reference, &case))
    }
}

/// What a worker does with a compiled module: call a plugin export, or host an actor through its steps.
enum Drive {
    Plugin { config: InstanceConfig, export: String, input: Vec<u8>, calls: u32 },
    Actor(ActorScript),
}

impl Drive {
    fn of(case: &Case) -> Drive {
        match &case.actor {
            Some(script) => {
                let mut script = script.clone();
                script.spec.cpu = case.budget();
                Drive::Actor(script)
            }
            None => Drive::Plugin {
                config: InstanceConfig { cpu: case.budget(), ..case.config.clone() },
                export: case.export.clone(),
                input: case.input.clone(),
                calls: case.calls,
            },
        }
    }

    fn calls(&self) -> u32 {
        match self {
            Drive::Plugin { calls, .. } => *calls,
            Drive::Actor(script) => script.steps.len() as u32,
        }
    }

    fn run(self, module: Arc<dyn Module>) -> Observation {
        let start = Instant::now();
        match self {
            Drive::Plugin { config, export, input, calls } => {
                let mut instance = match module.instantiate(&config) {
                    Ok(instance) => instance,
                    Err(outcome) => {
                        return Observation { outcome, memory_pages: None, elapsed: start.elapsed(), hung: false };
                    }
                };
                let mut call = instance.call(&export, &input);
                for _ in 1..calls {
                    call = instance.call(&export, &input);
                }
                Observation {
                    outcome: call.outcome,
                    memory_pages: instance.memory_pages(),
                    elapsed: start.elapsed(),
                    hung: false,
                }
            }
            Drive::Actor(script) => {
                let mut actor = Actor::new(module, script.spec);
                let records: Vec<StepRecord> = script.steps.into_iter().map(|payload| actor.step(payload)).collect();
                Observation {
                    outcome: Outcome::Returned(transcript(&records)),
                    memory_pages: actor.memory_pages(),
                    elapsed: start.elapsed(),
                    hung: false,
                }
            }
        }
    }
}

/// Whether `observation` breaks what the case's model says: the exact outcome and pages, or the
/// relation, and in every case the memory limit.
fn model_violation(case: &Case, observation: &Observation) -> Option<String> {
    if let (Some(pages), Some(limit)) = (observation.memory_pages, case.limit_pages())
        && pages > limit
    {
        return Some(format!("memory at {pages} pages, above its limit of {limit}"));
    }
    match case.expect.as_ref()? {
        Expected::Outcome(expected) => {
            let expected = expected_observation(case, expected);
            (!observation.agrees_with(&expected)).then(|| {
                let detail = first_difference(expected.outcome.output(), case.actor.is_some(), observation);
                format!("differs from the model: {}{detail}", observation.outcome)
            })
        }
        Expected::Check(check) => check.check(&observation.outcome).err().map(|why| format!("breaks the model: {why}")),
    }
}

/// What the case's model says an engine observes.
fn expected_observation(case: &Case, expected: &Outcome) -> Observation {
    Observation { memory_pages: case.expect_pages, ..Observation::fault(expected.clone()) }
}

/// Where an output first parts from the model's: the step for actor transcripts, else the byte.
fn first_difference(expected: Option<&[u8]>, transcript: bool, observation: &Observation) -> String {
    let (Some(expected), Outcome::Returned(got)) = (expected, &observation.outcome) else {
        return String::new();
    };
    if !transcript {
        let at = expected.iter().zip(got).position(|(a, b)| a != b).unwrap_or(expected.len().min(got.len()));
        return format!(" (first different byte at {at} of {})", expected.len());
    }
    let parse = |bytes: &[u8]| serde_json::from_slice::<Vec<serde_json::Value>>(bytes).unwrap_or_default();
    let (expected, got) = (parse(expected), parse(got));
    match expected.iter().zip(&got).position(|(a, b)| a != b) {
        Some(step) => format!(" (step {step}: expected {}, got {})", expected[step], got[step]),
        None => format!(" ({} steps, expected {})", got.len(), expected.len()),
    }
}

/// An engine with a documented model of its own is held to that model, and to the case's model
/// only where `divergences.toml` documents it.
fn own_model(
    case: &Case,
    engine: &str,
    model: &crate::case::EngineModel,
    seen: &Seen,
    divergences: &Divergences,
    replay: &mut dyn Replay,
) -> (Verdict, Option<String>) {
    let observation = seen.observation;
    if let Outcome::Unsupported(why) = &observation.outcome {
        return (Verdict::Unsupported, Some(why.clone()));
    }
    match model.expect.check(&observation.outcome) {
        Err(why) => {
            let note = format!("differs from its documented model: {why}; got {}", observation.outcome);
            (Verdict::Diverge, Some(note))
        }
        Ok(()) if model_violation(case, observation).is_none() => (Verdict::Agree, None),
        Ok(()) => match divergences.find(engine, &case.scenario, &case.name, seen, replay) {
            Some(documented) => (Verdict::Documented, Some(documented.reason.clone())),
            None => {
                let note =
                    format!("follows its own model, which divergences.toml does not list: {}", observation.outcome);
                (Verdict::Diverge, Some(note))
            }
        },
    }
}
