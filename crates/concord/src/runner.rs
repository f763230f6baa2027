//! The differential runner: one case on every engine, each engine's observation compared with the
//! case's expected outcome (if it states one) and with the other engines.

use crate::case::{Case, ModuleSource};
use crate::divergence::Divergences;
use concord_engine::{CompileError, Engine, Module, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A case with no CPU budget of its own runs under this one: nothing runs unbounded.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);
/// How far past its budget a case may run before the watchdog gives up on it.
pub const WATCHDOG_MARGIN: Duration = Duration::from_secs(5);

/// What one engine did with one case, reduced to what engines are compared on.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub outcome: Outcome,
    /// Linear-memory pages after the call, where the engine shows them.
    pub memory_pages: Option<u64>,
    pub elapsed: Duration,
    /// The engine did not stop within its budget plus the watchdog's margin.
    pub hung: bool,
}

impl Observation {
    /// An observation to compare, from an outcome and the memory size the engine showed.
    pub fn new(outcome: Outcome, memory_pages: Option<u64>) -> Self {
        Observation { outcome, memory_pages, elapsed: Duration::ZERO, hung: false }
    }

    fn fault(outcome: Outcome) -> Self {
        Observation { outcome, memory_pages: None, elapsed: Duration::ZERO, hung: false }
    }

    /// Same normalized outcome, and the same memory size wherever both engines show one.
    pub fn agrees_with(&self, other: &Observation) -> bool {
        self.outcome.normalized() == other.outcome.normalized()
            && (self.memory_pages.is_none() || other.memory_pages.is_none() || self.memory_pages == other.memory_pages)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agree,
    Diverge,
    Documented,
    Unsupported,
}

#[derive(Debug, Clone)]
pub struct EngineResult {
    pub engine: String,
    pub observation: Observation,
    pub verdict: Verdict,
    /// Why it is not `agree`: what it differs from, and the documented reason if there is one.
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub case: Case,
    pub engines: Vec<EngineResult>,
}

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
        let module = match self.module(engine, &case.module) {
            Ok(module) => module,
            Err(outcome) => return Observation::fault(outcome),
        };
        let config = budgeted(&case.config);
        let per_call = config.cpu.deadline.unwrap_or(DEFAULT_DEADLINE);
        let patience = per_call * (case.calls + 1) + self.watchdog_margin;
        let (export, input, calls) = (case.export.clone(), case.input.clone(), case.calls);
        let (done, result) = mpsc::channel();
        let start = Instant::now();
        let worker = std::thread::Builder::new().name(format!("concord-{}", engine.id())).spawn(move || {
            let observation = catch_unwind(AssertUnwindSafe(|| {
                let start = Instant::now();
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
                    memory_pages: call.memory_pages,
                    elapsed: start.elapsed(),
                    hung: false,
                }
            }))
            .unwrap_or_else(|panic| Observation::fault(Outcome::EngineFault(panic_text(panic))));
            let _ = done.send(observation);
        });
        if let Err(error) = worker {
            return Observation::fault(Outcome::EngineFault(format!("could not start a worker thread: {error}")));
        }
        match result.recv_timeout(patience) {
            Ok(observation) => observation,
            Err(mpsc::RecvTimeoutError::Timeout) => Observation {
                outcome: Outcome::EngineFault(format!("watchdog: no result within {patience:?}; worker abandoned")),
                memory_pages: None,
                elapsed: start.elapsed(),
                hung: true,
            },
            Err(mpsc::RecvTimeoutError::Disconnected) => Observation::fault(Outcome::EngineFault("worker died".into())),
        }
    }

    /// Runs `case` on every engine and gives each a verdict.
    pub fn run(&mut self, case: &Case, divergences: &Divergences) -> CaseResult {
        let engines = self.engines.clone();
        let observations: Vec<_> = engines.iter().map(|e| (e.id().to_string(), self.observe(e, case))).collect();
        // Engines with a documented model of their own are expected to differ from the rest.
        let modelled = |engine: &str| case.documented.iter().any(|m| m.engine == engine);
        let consensus = consensus(observations.iter().filter(|(e, _)| !modelled(e)).map(|(_, o)| o));
        let expected = case.expect.as_ref().map(|outcome| Observation::fault(outcome.clone()));
        let engines = observations
            .into_iter()
            .map(|(engine, observation)| {
                let (verdict, note) =
                    verdict(case, &engine, &observation, expected.as_ref(), consensus.as_ref(), divergences);
                EngineResult { engine, observation, verdict, note }
            })
            .collect();
        CaseResult { case: case.clone(), engines }
    }
}

/// The case's configuration, with the default deadline where it sets no CPU budget at all.
pub fn budgeted(config: &concord_engine::InstanceConfig) -> concord_engine::InstanceConfig {
    let mut config = config.clone();
    if config.cpu.fuel.is_none() && config.cpu.deadline.is_none() {
        config.cpu.deadline = Some(DEFAULT_DEADLINE);
    }
    config
}

/// An engine with a documented model of its own is held to that model; every other engine to the
/// expected outcome and to the other engines.
fn verdict(
    case: &Case,
    engine: &str,
    observation: &Observation,
    expected: Option<&Observation>,
    consensus: Option<&Observation>,
    divergences: &Divergences,
) -> (Verdict, Option<String>) {
    if matches!(observation.outcome, Outcome::Unsupported(_)) {
        return (Verdict::Unsupported, None);
    }
    if let Some(model) = case.documented.iter().find(|m| m.engine == engine) {
        let own = Observation::fault(model.expect.clone());
        return if !observation.agrees_with(&own) {
            (Verdict::Diverge, Some(format!("differs from its documented model: {}", observation.outcome)))
        } else if expected.is_some_and(|e| observation.agrees_with(e)) {
            (Verdict::Agree, None)
        } else {
            (Verdict::Documented, Some(model.reason.clone()))
        };
    }
    let differs_from = match (expected, consensus) {
        (Some(model), _) if !observation.agrees_with(model) => Some("the expected outcome"),
        (_, Some(others)) if !observation.agrees_with(others) => Some("the other engines"),
        _ => None,
    };
    match differs_from {
        None => (Verdict::Agree, None),
        Some(what) => match divergences.find(engine, &case.scenario, &case.name, &observation.outcome) {
            Some(documented) => (Verdict::Documented, Some(documented.reason.clone())),
            None => (Verdict::Diverge, Some(format!("differs from {what}: {}", observation.outcome))),
        },
    }
}

/// The observation most engines agree with (the earliest such engine wins a tie), ignoring
/// engines that could not run the case at all.
fn consensus<'a>(observations: impl Iterator<Item = &'a Observation> + Clone) -> Option<Observation> {
    let candidates = observations.clone().filter(|o| !matches!(o.outcome, Outcome::Unsupported(_)));
    let mut best: Option<(usize, &Observation)> = None;
    for candidate in candidates {
        let support = observations.clone().filter(|o| o.agrees_with(candidate)).count();
        // Prefer a candidate that shows memory pages, so the page count is part of the reference.
        let better = match best {
            None => true,
            Some((count, current)) => {
                support > count
                    || (support == count && current.memory_pages.is_none() && candidate.memory_pages.is_some())
            }
        };
        if better {
            best = Some((support, candidate));
        }
    }
    best.map(|(_, o)| o.clone())
}

pub fn panic_text(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "engine panicked".into())
}
