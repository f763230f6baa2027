//! The directive loop: one script on one engine's [`TypedStore`], each command judged against the
//! spec and recorded as what the engine did, for comparing engines with each other.

use crate::expect::Expected;
use crate::script::{Action, CommandKind, Exec, Script};
use concord_engine::{
    CompileError, Feature, InstanceId, InstantiateFailure, Outcome, Support, TrapKind, TypedStore, Value, support,
};
use concord_host::ModuleInfo;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    /// The command needs a feature the configuration does not declare.
    Unsupported,
    /// A directive this runner does not run (quoted text modules, threads, ...).
    Skipped,
    /// A module, register or action that went as it should: not an assertion, not counted.
    Done,
}

/// What an engine did with one command, in the terms engines are compared on: engine-written
/// text is left out, and a NaN is its class where the spec leaves the bits open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Observed {
    /// Nothing to compare (skipped, unsupported, register).
    Nothing,
    Instantiated,
    Values(Vec<Value>),
    /// The values matched the spec's expectation (which may leave NaN bits open).
    AsExpected,
    Accepted,
    Rejected,
    Outcome(Outcome),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommandResult {
    pub line: usize,
    pub directive: String,
    pub verdict: Verdict,
    /// For people: what was expected and what happened, or why it did not run.
    pub detail: String,
    pub observed: Observed,
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Observed::Nothing => f.write_str("-"),
            Observed::Instantiated => f.write_str("instantiated"),
            Observed::Values(values) => {
                let values: Vec<String> = values.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", values.join(", "))
            }
            Observed::AsExpected => f.write_str("as expected"),
            Observed::Accepted => f.write_str("accepted the module"),
            Observed::Rejected => f.write_str("rejected the module"),
            Observed::Outcome(outcome) => outcome.fmt(f),
        }
    }
}

/// An instance by name or the latest, as the script refers to them.
#[derive(Debug, Clone)]
enum Slot {
    Instance(InstanceId),
    Unsupported(String),
    Failed(String),
}

impl Slot {
    /// What stands for a module that could not be made, by why it could not.
    fn not_run((verdict, why, _): &Judged) -> Slot {
        match verdict {
            Verdict::Unsupported => Slot::Unsupported(why.clone()),
            _ => Slot::Failed(why.clone()),
        }
    }
}

struct Runner<'a> {
    store: &'a mut dyn TypedStore,
    features: &'a [Feature],
    named: HashMap<String, Slot>,
    current: Option<Slot>,
    /// Registered module names whose instance could not be made, and why.
    unavailable: HashMap<String, Slot>,
}

fn result(
    line: usize,
    directive: &str,
    verdict: Verdict,
    detail: impl Into<String>,
    observed: Observed,
) -> CommandResult {
    CommandResult { line, directive: directive.to_string(), verdict, detail: detail.into(), observed }
}

/// Runs every command of `script` on `store`, in order.
pub fn run(script: &Script, store: &mut dyn TypedStore, features: &[Feature]) -> Vec<CommandResult> {
    let mut runner = Runner { store, features, named: HashMap::new(), current: None, unavailable: HashMap::new() };
    script
        .commands
        .iter()
        .map(|command| {
            let (verdict, detail, observed) = runner.command(&command.kind);
            result(command.line, command.kind.directive(), verdict, detail, observed)
        })
        .collect()
}

type Judged = (Verdict, String, Observed);

fn failed(detail: impl Into<String>, observed: Observed) -> Judged {
    (Verdict::Failed, detail.into(), observed)
}

/// A command whose module failed: that failure is the module directive's result, counted once
/// there, not again on every command that could not run without it.
fn not_run_after(why: &str) -> Judged {
    (Verdict::Skipped, format!("not run: {why}"), Observed::Nothing)
}

impl Runner<'_> {
    fn command(&mut self, kind: &CommandKind) -> Judged {
        match kind {
            CommandKind::Module { name, wasm } => self.module(name.as_deref(), wasm),
            CommandKind::Register { name, module } => self.register(name, module.as_deref()),
            CommandKind::Action(action) => match self.act(action) {
                Err(not_run) => not_run,
                Ok(Ok(values)) => (Verdict::Done, String::new(), Observed::Values(nan_classes(values))),
                Ok(Err(outcome)) => failed(format!("failed: {outcome}"), Observed::Outcome(outcome.normalized())),
            },
            CommandKind::AssertReturn { action, expected } => match self.act(action) {
                Err(not_run) => not_run,
                Ok(Ok(values)) if matches(expected, &values) => (Verdict::Passed, String::new(), Observed::AsExpected),
                Ok(Ok(values)) => {
                    failed(format!("expected {}, got {}", list(expected), list(&values)), Observed::Values(values))
                }
                Ok(Err(outcome)) => failed(
                    format!("expected {}, got {outcome}", list(expected)),
                    Observed::Outcome(outcome.normalized()),
                ),
            },
            CommandKind::AssertTrap { exec: Exec::Action(action), traps, message } => match self.act(action) {
                Err(not_run) => not_run,
                Ok(result) => judge_trap(result.map(Observed::Values), traps, message),
            },
            CommandKind::AssertTrap { exec: Exec::Module(wasm), traps, message } => match self.supported(wasm) {
                Err(not_run) => not_run,
                Ok(()) => {
                    let result =
                        self.store.instantiate(wasm).map(|_| Observed::Instantiated).map_err(|outcome| match outcome {
                            Outcome::InstantiateFailed(InstantiateFailure::StartTrapped { trap }) => {
                                Outcome::Trap(trap)
                            }
                            other => other,
                        });
                    judge_trap(result, traps, message)
                }
            },
            CommandKind::AssertExhaustion { action } => match self.act(action) {
                Err(not_run) => not_run,
                Ok(result) => {
                    judge_trap(result.map(Observed::Values), &[TrapKind::StackOverflow], "call stack exhausted")
                }
            },
            CommandKind::AssertInvalid { wasm } | CommandKind::AssertMalformed { wasm } => {
                match self.store.compile(wasm) {
                    Err(CompileError::EngineFault(why)) => failed(format!("engine fault: {why}"), Observed::Rejected),
                    Err(_) => (Verdict::Passed, String::new(), Observed::Rejected),
                    // The suite's rejection is for its own Wasm version; a later feature can make
                    // the module valid (multi-memory, memory64), and an engine that accepts it runs
                    // that feature, declared or not.
                    Ok(()) if matches!(support(wasm, &Feature::ALL), Support::Supported | Support::Beyond(_)) => (
                        Verdict::Unsupported,
                        "valid with a later feature; the suite rejects it without it".into(),
                        Observed::Nothing,
                    ),
                    Ok(()) => failed("accepted a module the spec rejects", Observed::Accepted),
                }
            }
            CommandKind::AssertUnlinkable { wasm } => match self.supported(wasm) {
                Err(not_run) => not_run,
                Ok(()) => match self.store.instantiate(wasm) {
                    Err(Outcome::InstantiateFailed(
                        InstantiateFailure::MissingImport { .. } | InstantiateFailure::ImportTypeMismatch { .. },
                    )) => (Verdict::Passed, String::new(), Observed::Rejected),
                    Err(Outcome::Unsupported(why)) => (Verdict::Unsupported, why, Observed::Nothing),
                    Err(other) => {
                        failed(format!("expected a link failure, got {other}"), Observed::Outcome(other.normalized()))
                    }
                    Ok(_) => failed("expected a link failure, but it instantiated", Observed::Instantiated),
                },
            },
            CommandKind::Skip { reason, .. } => (Verdict::Skipped, reason.clone(), Observed::Nothing),
        }
    }

    /// `Err` with the verdict when this configuration cannot run `wasm`: a feature it lacks, or an
    /// import from a registered module it could not make.
    fn supported(&self, wasm: &[u8]) -> Result<(), Judged> {
        match support(wasm, self.features) {
            Support::Supported => {}
            Support::Unsupported(needed) => {
                let needed: Vec<String> = needed.iter().map(ToString::to_string).collect();
                return Err((Verdict::Unsupported, format!("needs {}", needed.join(", ")), Observed::Nothing));
            }
            Support::Beyond(proposals) => {
                let why = format!("needs {}, which no configuration declares", proposals.join(", "));
                return Err((Verdict::Unsupported, why, Observed::Nothing));
            }
            // Every module run here is valid by the suite; one the validator rejects under every
            // feature it knows uses something newer than it (a later draft of a proposal), and
            // what that needs is no configuration's declaration.
            Support::Invalid(error) => {
                let why = format!("valid by the suite, but no feature set the validator knows accepts it: {error}");
                return Err((Verdict::Unsupported, why, Observed::Nothing));
            }
        }
        let imports = ModuleInfo::parse(wasm).map(|info| info.imports).unwrap_or_default();
        match imports.iter().find_map(|import| self.unavailable.get(&import.module)) {
            Some(Slot::Unsupported(why)) => Err((Verdict::Unsupported, why.clone(), Observed::Nothing)),
            Some(Slot::Failed(why)) => Err(not_run_after(why)),
            _ => Ok(()),
        }
    }

    fn module(&mut self, name: Option<&str>, wasm: &[u8]) -> Judged {
        let (slot, judged) = match self.supported(wasm) {
            Err(judged) => (Slot::not_run(&judged), judged),
            Ok(()) => match self.store.instantiate(wasm) {
                Ok(id) => (Slot::Instance(id), (Verdict::Done, String::new(), Observed::Instantiated)),
                // Valid Wasm the configuration will not run (over a pooling allocator's limits).
                Err(Outcome::Unsupported(why)) => {
                    (Slot::Unsupported(why.clone()), (Verdict::Unsupported, why, Observed::Nothing))
                }
                Err(outcome) => {
                    let why = format!("the module did not instantiate: {outcome}");
                    (Slot::Failed(why.clone()), failed(why, Observed::Outcome(outcome.normalized())))
                }
            },
        };
        if let Some(name) = name {
            self.named.insert(name.to_string(), slot.clone());
        }
        self.current = Some(slot);
        judged
    }

    fn slot(&self, module: Option<&str>) -> Result<InstanceId, Judged> {
        let slot = match module {
            Some(name) => self.named.get(name),
            None => self.current.as_ref(),
        };
        match slot {
            Some(Slot::Instance(id)) => Ok(*id),
            Some(Slot::Unsupported(why)) => Err((Verdict::Unsupported, why.clone(), Observed::Nothing)),
            Some(Slot::Failed(why)) => Err(not_run_after(why)),
            None => Err((Verdict::Skipped, "no module to run it on".into(), Observed::Nothing)),
        }
    }

    fn register(&mut self, name: &str, module: Option<&str>) -> Judged {
        match self.slot(module) {
            Ok(id) => match self.store.register(name, id) {
                Ok(()) => (Verdict::Done, String::new(), Observed::Nothing),
                Err(outcome) => failed(format!("register failed: {outcome}"), Observed::Nothing),
            },
            Err(judged) => {
                self.unavailable.insert(name.to_string(), Slot::not_run(&judged));
                (Verdict::Done, String::new(), Observed::Nothing)
            }
        }
    }

    /// The action's values or outcome; `Err` with the verdict when it cannot run at all.
    #[allow(clippy::type_complexity)]
    fn act(&mut self, action: &Action) -> Result<Result<Vec<Value>, Outcome>, Judged> {
        match action {
            Action::Invoke { module, name, args } => {
                let id = self.slot(module.as_deref())?;
                Ok(self.store.invoke(id, name, args))
            }
            Action::Get { module, global } => {
                let id = self.slot(module.as_deref())?;
                Ok(self.store.global(id, global).map(|v| vec![v]))
            }
        }
    }
}

fn matches(expected: &[Expected], values: &[Value]) -> bool {
    expected.len() == values.len() && expected.iter().zip(values).all(|(e, v)| e.matches(v))
}

fn judge_trap(result: Result<Observed, Outcome>, traps: &[TrapKind], message: &str) -> Judged {
    let trap = traps.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or ");
    match result {
        Err(Outcome::Unsupported(why)) => (Verdict::Unsupported, why, Observed::Nothing),
        Err(Outcome::Trap(kind)) if traps.iter().any(|trap| kind.covers(*trap)) => {
            (Verdict::Passed, String::new(), Observed::Outcome(Outcome::Trap(kind)))
        }
        Err(other) => {
            failed(format!("expected trap: {trap} ({message:?}), got {other}"), Observed::Outcome(other.normalized()))
        }
        Ok(observed) => failed(format!("expected trap: {trap} ({message:?}), got {observed}"), observed),
    }
}

/// Unchecked results, with each NaN float reduced to its canonical form: the spec lets engines
/// differ in NaN bits, so comparing them would report differences that are allowed.
fn nan_classes(values: Vec<Value>) -> Vec<Value> {
    values
        .into_iter()
        .map(|value| match value {
            Value::F32(bits) if f32::from_bits(bits).is_nan() => Value::F32(0x7fc0_0000),
            Value::F64(bits) if f64::from_bits(bits).is_nan() => Value::F64(0x7ff8_0000_0000_0000),
            other => other,
        })
        .collect()
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(", "))
}
