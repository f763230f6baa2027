//! `concord actor`: an embedder's actor run through a script of messages on every engine
//! configuration, step by step: what each engine's actor sent, returned and kept as state, and
//! where they part.

use anyhow::{Context, Result, bail};
use concord::engine::{InstanceConfig, Outcome};
use concord::host::ModuleInfo;
use concord_actor::{Actor, ActorSpec, Mode, Payload, Sends, State, StatePolicy, StepRecord};
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::{Observation, Verdict};
use concord_verdict::verdict::{self, Party, Rerun, Witness};
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// An actor step that runs longer than this without `--timeout-ms` is stopped.
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

#[derive(clap::Args)]
pub struct Args {
    /// The actor: a .wasm plugin exporting `process` (or `--export`).
    plugin: PathBuf,
    /// The messages: JSON lines, one payload object (port -> message) per line; blank lines skipped.
    #[arg(long)]
    messages: PathBuf,
    #[arg(long, default_value = "process")]
    export: String,
    /// The actor's config, a JSON object (`memory_limit_mb` in it sets the memory limit).
    #[arg(long, default_value = "{}")]
    config: String,
    /// The node the actor runs as (`config.node_id` in its context).
    #[arg(long, default_value = "node")]
    node_id: String,
    /// The component it is (`config.component`).
    #[arg(long, default_value = "actor")]
    component: String,
    /// `__send_output` values: `plain` JSON by port (the flow runtime's), or `tagged` messages only.
    #[arg(long, default_value = "plain", value_parser = ["plain", "tagged"])]
    sends: String,
    /// The state before the first message, a JSON object.
    #[arg(long, default_value = "{}")]
    state: String,
    /// A fresh instance per message (as the flow runtime runs actors) or one for every message.
    #[arg(long, default_value = "fresh", value_parser = ["fresh", "persistent"])]
    instance: String,
    /// How a returned state is folded in: `replace` (the flow runtime's) or `merge`.
    #[arg(long, default_value = "replace", value_parser = ["replace", "merge"])]
    policy: String,
    /// Memory limit in MiB (the actor config's `memory_limit_mb`).
    #[arg(long)]
    memory_limit_mb: Option<u64>,
    /// Wall-clock limit per step, in milliseconds.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_MS)]
    timeout_ms: u64,
    /// Only this engine configuration (repeatable); all of them by default.
    #[arg(long = "engine")]
    engines: Vec<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct ActorReport {
    /// Every engine did the same at every step.
    agree: bool,
    /// The steps (from 1) where engines parted.
    differing_steps: Vec<usize>,
    /// Steps where an engine parted from the others in a way no documented divergence explains.
    undocumented: usize,
    engines: Vec<EngineSteps>,
}

#[derive(Serialize)]
struct EngineSteps {
    id: String,
    steps: Vec<StepReport>,
}

#[derive(Serialize, Clone)]
struct StepReport {
    outcome: StepOutcome,
    outputs: Option<Payload>,
    sent: Vec<Payload>,
    state: State,
    /// Where this engine parted from the others: `documented` (with the reason) or `diverge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// The step's outcome with its detail, which a documented divergence is matched against
    /// (`Returned` for a step that returned).
    #[serde(skip)]
    full_outcome: Option<Outcome>,
}

impl PartialEq for StepReport {
    fn eq(&self, other: &Self) -> bool {
        (&self.outcome, &self.outputs, &self.sent, &self.state)
            == (&other.outcome, &other.outputs, &other.sent, &other.state)
    }
}

#[derive(Serialize, PartialEq, Clone)]
struct StepOutcome {
    kind: String,
    detail: String,
}

impl StepReport {
    fn of(record: StepRecord) -> Self {
        let (kind, detail, outputs, sent, state, full_outcome) = match record {
            StepRecord::Returned { sent, outputs, state } => {
                ("returned".into(), String::new(), Some(outputs), sent, state, Some(Outcome::Returned(Vec::new())))
            }
            StepRecord::Rejected { reason, state } => ("rejected".into(), reason, None, Vec::new(), state, None),
            StepRecord::Invalid { reason, sent, state } => ("invalid_result".into(), reason, None, sent, state, None),
            StepRecord::Failed { outcome, sent, state } => {
                (outcome.kind().to_string(), outcome.detail(), None, sent, state, Some(outcome))
            }
        };
        let outcome = StepOutcome { kind, detail };
        StepReport { outcome, outputs, sent, state, verdict: None, note: None, full_outcome }
    }
}

fn object(flag: &str, text: &str) -> Result<serde_json::Map<String, Value>> {
    match serde_json::from_str(text).with_context(|| format!("--{flag} is not JSON"))? {
        Value::Object(map) => Ok(map),
        other => bail!("--{flag} must be a JSON object, not {other}"),
    }
}

/// The messages, one payload per non-blank line; an unreadable line is named by its number.
fn messages(path: &PathBuf) -> Result<Vec<Payload>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).with_context(|| {
                format!(
                    "{} line {}: not a payload (an object of port -> {{\"type\", \"data\"}} message)",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

pub fn run(args: Args) -> Result<ExitCode> {
    let wasm = std::fs::read(&args.plugin).with_context(|| format!("reading {}", args.plugin.display()))?;
    let info = ModuleInfo::parse(&wasm)
        .map_err(|e| anyhow::anyhow!("{} is not a WebAssembly module: {e}", args.plugin.display()))?;
    if !info.exports.contains(&args.export) {
        bail!("{} has no export `{}`; it exports: {}", args.plugin.display(), args.export, info.exports.join(", "));
    }
    let script = messages(&args.messages)?;
    let mut config = object("config", &args.config)?;
    if let Some(mb) = args.memory_limit_mb {
        config.insert(concord_actor::MEMORY_LIMIT_KEY.into(), mb.into());
    }
    let initial = object("state", &args.state)?;
    let mut spec = ActorSpec::new(&args.export);
    spec.config = config;
    spec.mode = if args.instance == "persistent" { Mode::Persistent } else { Mode::Fresh };
    spec.policy = if args.policy == "merge" { StatePolicy::Merge } else { StatePolicy::Replace };
    spec.sends = if args.sends == "tagged" { Sends::Tagged } else { Sends::Plain };
    spec.node_id = args.node_id.clone();
    spec.component = args.component.clone();
    spec.cpu.deadline = Some(Duration::from_millis(args.timeout_ms));

    let engines = concord::select(&args.engines)?;
    let mut reports = Vec::new();
    for engine in &engines {
        let steps = match engine.compile_for(&wasm, &spec.instance_config().unwrap_or_default()) {
            Ok(module) => {
                let mut actor = Actor::new(Arc::from(module), spec.clone()).with_state(initial.clone());
                script.iter().map(|payload| step(&mut actor, payload)).collect()
            }
            Err(error) => {
                let failed =
                    StepRecord::Failed { outcome: Outcome::from(error), sent: Vec::new(), state: initial.clone() };
                vec![StepReport::of(failed)]
            }
        };
        reports.push(EngineSteps { id: engine.id().to_string(), steps });
    }
    let steps = reports.iter().map(|r| r.steps.len()).max().unwrap_or(0);
    let differing_steps: Vec<usize> = (0..steps)
        .filter(|&i| reports.windows(2).any(|pair| pair[0].steps.get(i) != pair[1].steps.get(i)))
        .map(|i| i + 1)
        .collect();
    let run = ActorRun { wasm: &wasm, spec: &spec, initial: &initial, script: &script, engines: &engines };
    let undocumented = judge(&mut reports, &differing_steps, &run);
    let report = ActorReport { agree: differing_steps.is_empty(), differing_steps, undocumented, engines: reports };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_steps(&report, steps);
    }
    Ok(if report.undocumented == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// One step of `actor`, as reported.
fn step(actor: &mut Actor, payload: &Payload) -> StepReport {
    let record = actor.step(payload.clone());
    // A documented divergence names what the kernel refused, which the step's record (normalized,
    // for comparing) no longer says; a step refused because the actor ended is judged by the
    // outcome that ended it.
    let judged_by_last = matches!(record, StepRecord::Failed { .. } | StepRecord::Rejected { .. });
    let mut step = StepReport::of(record);
    if judged_by_last {
        step.full_outcome = actor.last_outcome().cloned().or(step.full_outcome);
    }
    step
}

/// What a mechanism is shown of a step: its full outcome, and for a step that returned, all it
/// returned (outputs, messages sent, state), so that a mechanism confirms the step bit for bit.
fn observed(step: &StepReport) -> Option<Observation> {
    let outcome = match step.full_outcome.as_ref()? {
        Outcome::Returned(_) => {
            Outcome::Returned(serde_json::to_vec(&(&step.outputs, &step.sent, &step.state)).unwrap_or_default())
        }
        other => other.clone(),
    };
    Some(Observation::new(outcome, None))
}

/// The actor run again up to one step on a reference engine, with its configuration changed, for
/// a mechanism to confirm what an engine did at that step.
struct ActorRun<'a> {
    wasm: &'a [u8],
    spec: &'a ActorSpec,
    initial: &'a State,
    script: &'a [Payload],
    engines: &'a [Arc<dyn concord::engine::Engine>],
}

struct StepRerun<'a> {
    run: &'a ActorRun<'a>,
    step: usize,
}

impl Rerun for StepRerun<'_> {
    fn rerun(&mut self, references: &[&str], change: &dyn Fn(&mut InstanceConfig)) -> Option<Observation> {
        let mut config = self.run.spec.instance_config().ok()?;
        change(&mut config);
        let mut spec = self.run.spec.clone();
        spec.memory_limit_rule = config.memory_limit_rule;
        spec.kernel_rules = config.kernel_rules;
        spec.set_memory_limit(config.memory_limit);
        let followed = spec.instance_config().ok()?;
        let reference = verdict::reference(self.run.engines, references, &followed)?;
        let module = reference.compile_for(self.run.wasm, &followed).ok()?;
        let mut actor = Actor::new(Arc::from(module), spec).with_state(self.run.initial.clone());
        let mut last = None;
        for payload in self.run.script.get(..=self.step)? {
            last = Some(step(&mut actor, payload));
        }
        Some(compared(&last?))
    }
}

/// A step as engines are compared on it: what a mechanism is shown where the step has a full
/// outcome, and otherwise all the step reports.
fn compared(step: &StepReport) -> Observation {
    observed(step).unwrap_or_else(|| {
        let all = serde_json::to_vec(&(&step.outcome, &step.outputs, &step.sent, &step.state)).unwrap_or_default();
        Observation::new(Outcome::Returned(all), None)
    })
}

/// At each differing step, labels every engine that did something else than the witnesses bore
/// out: `documented` where `conformance/divergences.toml` explains it by its mechanism, else
/// `diverge`. Returns how many steps hold an undocumented difference.
fn judge(reports: &mut [EngineSteps], differing_steps: &[usize], run: &ActorRun) -> usize {
    let divergences = Divergences::builtin();
    let mut undocumented = 0;
    for &step in differing_steps {
        let i = step - 1;
        let taking_part: Vec<(usize, Observation, Witness)> = reports
            .iter()
            .enumerate()
            .filter_map(|(at, report)| {
                let engine = run.engines.iter().find(|e| e.id() == report.id)?;
                Some((at, compared(report.steps.get(i)?), Witness::of(engine.as_ref())))
            })
            .collect();
        let parties: Vec<Party> = taking_part
            .iter()
            .map(|(at, observation, witness)| Party {
                id: &reports[*at].id,
                witness: witness.clone(),
                observation,
                breaks_model: None,
                model: None,
            })
            .collect();
        let mut rerun = StepRerun { run, step: i };
        let (_, verdicts) = verdict::judge(&parties, None, &divergences, &mut rerun);
        let mut diverged = false;
        for ((at, _, _), (verdict, note)) in taking_part.iter().zip(verdicts) {
            let Some(own) = reports[*at].steps.get_mut(i) else { continue };
            match verdict {
                Verdict::Documented | Verdict::Diverge => (own.verdict, own.note) = (Some(verdict), note),
                Verdict::Agree | Verdict::Unsupported => {}
            }
            diverged |= verdict == Verdict::Diverge;
        }
        undocumented += usize::from(diverged);
    }
    undocumented
}

fn print_steps(report: &ActorReport, steps: usize) {
    let show = |step: &StepReport| {
        let mut line = step.outcome.kind.clone();
        if !step.outcome.detail.is_empty() {
            line += &format!(" ({})", step.outcome.detail);
        }
        if let Some(outputs) = &step.outputs {
            line += &format!("  outputs {}", serde_json::to_string(outputs).unwrap_or_default());
        }
        if !step.sent.is_empty() {
            line += &format!("  sent {}", serde_json::to_string(&step.sent).unwrap_or_default());
        }
        line + &format!("  state {}", serde_json::to_string(&step.state).unwrap_or_default())
    };
    let width = report.engines.iter().map(|e| e.id.len()).max().unwrap_or(0);
    for i in 0..steps {
        if !report.differing_steps.contains(&(i + 1)) {
            if let Some(step) = report.engines.first().and_then(|e| e.steps.get(i)) {
                println!("step {}: every engine: {}", i + 1, show(step));
            }
            continue;
        }
        println!("step {}: engines differ", i + 1);
        for engine in &report.engines {
            let step = engine.steps.get(i);
            let shown = step.map_or("(no step: the actor could not start)".to_string(), show);
            let label = match step.and_then(|s| s.verdict) {
                Some(Verdict::Documented) => "documented",
                Some(_) => "DIFFERS",
                None => "",
            };
            println!("  {label:10}  {:width$}  {shown}", engine.id);
            if let Some(note) = step.and_then(|s| s.note.as_deref()) {
                println!("  {:10}  {:width$}  ({note})", "", "");
            }
        }
    }
    let count = report.engines.len();
    match (report.agree, report.undocumented) {
        (true, _) => println!("all {count} engines agree at every step"),
        (false, 0) => {
            println!("the {count} engines agree but for documented differences (steps {:?})", report.differing_steps)
        }
        (false, n) => println!("engines DISAGREE at {n} steps in ways no documented divergence explains"),
    }
}
