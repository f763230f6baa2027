//! A conformance case is a file: `conformance/cases/<scenario>/<name>.toml`. Adding one needs no
//! code edit. It names the module, the export, the input and the limits, and may state the
//! expected outcome (the reference model's answer for that input).

use anyhow::{Context, Result, bail};
use concord_actor::{ActorSpec, Payload, StepRecord};
use concord_engine::{
    Capabilities, CpuBudget, Engine, InstanceConfig, MemoryLimit, MemoryLimiting, Outcome, PluginKernel,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// A built guest, by name.
    pub guest: Option<String>,
    /// Or the module's bytes, in hex (for modules that are deliberately not valid Wasm).
    pub wasm_hex: Option<String>,
    pub export: String,
    #[serde(default)]
    pub input: Input,
    pub memory_limit_pages: Option<u64>,
    pub fuel: Option<u64>,
    pub deadline_ms: Option<u64>,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Calls to make on one instance; the last one is compared. Default 1.
    pub calls: Option<u32>,
    pub expect: Option<Expect>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub text: Option<String>,
    pub hex: Option<String>,
    /// Little-endian i32 values, concatenated.
    pub i32: Option<Vec<i32>>,
}

/// The expected outcome, written as the outcome's own JSON shape or with an output shortcut.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Expect {
    OutputText { output_text: String },
    OutputI32 { output_i32: Vec<i32> },
    Outcome(Outcome),
}

#[derive(Debug, Clone)]
pub struct Case {
    pub scenario: String,
    pub name: String,
    pub module: ModuleSource,
    pub export: String,
    pub input: Vec<u8>,
    pub config: InstanceConfig,
    pub calls: u32,
    /// Drive the module as an actor, step by step, instead of calling `export` with `input`.
    pub actor: Option<ActorScript>,
    /// What the model says: the exact outcome, or a relation the outcome must satisfy.
    pub expect: Option<Expected>,
    /// Linear-memory pages after the last call, where the model knows them.
    pub expect_pages: Option<u64>,
    /// Engines whose documented behaviour differs, each held to its own model.
    pub documented: Vec<EngineModel>,
    /// The WASI implementations whose answers this case compares (the `wasi` scenario's: Concord's
    /// and wasmtime-wasi, which it answers as); a configuration linking another is not judged by
    /// it. Empty: every configuration is.
    pub wasi_hosts: Vec<concord_engine::WasiHost>,
    /// The scenario input the case was generated from: enough to save it and replay it.
    pub origin: Option<serde_json::Value>,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            scenario: String::new(),
            name: String::new(),
            module: ModuleSource::Bytes(Vec::new()),
            export: String::new(),
            input: Vec::new(),
            config: InstanceConfig::default(),
            calls: 1,
            actor: None,
            expect: None,
            expect_pages: None,
            documented: Vec::new(),
            wasi_hosts: Vec::new(),
            origin: None,
        }
    }
}

/// An actor and the messages it is sent, one step each.
#[derive(Debug, Clone)]
pub struct ActorScript {
    pub spec: ActorSpec,
    pub steps: Vec<Payload>,
}

/// A property of an outcome, for models that state relations rather than exact bytes.
#[derive(Clone)]
pub struct ModelCheck(Arc<CheckFn>);

type CheckFn = dyn Fn(&Outcome) -> Result<(), String> + Send + Sync;

impl ModelCheck {
    pub fn new(check: impl Fn(&Outcome) -> Result<(), String> + Send + Sync + 'static) -> Self {
        ModelCheck(Arc::new(check))
    }

    pub fn check(&self, outcome: &Outcome) -> Result<(), String> {
        (self.0)(outcome)
    }
}

impl std::fmt::Debug for ModelCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ModelCheck")
    }
}

/// What an engine must do: an exact outcome, or a relation its outcome must satisfy.
#[derive(Debug, Clone)]
pub enum Expected {
    Outcome(Outcome),
    Check(ModelCheck),
}

impl From<Outcome> for Expected {
    fn from(outcome: Outcome) -> Self {
        Expected::Outcome(outcome)
    }
}

impl Expected {
    pub fn check(&self, outcome: &Outcome) -> Result<(), String> {
        match self {
            Expected::Outcome(expected) if expected.normalized() == outcome.normalized() => Ok(()),
            Expected::Outcome(expected) => Err(format!("expected {expected}")),
            Expected::Check(check) => check.check(outcome),
        }
    }
}

/// What a configuration that declares `holds` must do instead of `expect`. Why is recorded once,
/// in `conformance/divergences.toml`; a model with no entry there is not documented.
#[derive(Debug, Clone)]
pub struct EngineModel {
    pub holds: Holds,
    pub expect: Expected,
}

/// The declared capability a documented model is the model of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Configurations that hold a memory limit this way.
    MemoryLimiting(MemoryLimiting),
    /// Configurations whose plugins meet this kernel.
    Kernel(PluginKernel),
}

impl Holds {
    pub fn on(self, capabilities: &Capabilities) -> bool {
        match self {
            Holds::MemoryLimiting(limiting) => capabilities.memory_limit == limiting,
            Holds::Kernel(kernel) => capabilities.kernel == kernel,
        }
    }
}

impl Case {
    /// The documented model `engine` is held to in this case, if it declares what one is the model of.
    pub fn model_for(&self, engine: &dyn Engine) -> Option<&EngineModel> {
        self.documented.iter().find(|m| m.holds.on(engine.capabilities()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModuleSource {
    Guest(String),
    Bytes(Vec<u8>),
}

impl Input {
    fn bytes(&self) -> Result<Vec<u8>> {
        Ok(match (&self.text, &self.hex, &self.i32) {
            (None, None, None) => Vec::new(),
            (Some(text), None, None) => text.as_bytes().to_vec(),
            (None, Some(hex), None) => parse_hex(hex)?,
            (None, None, Some(values)) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            _ => bail!("give the input as one of text, hex or i32"),
        })
    }
}

impl Expect {
    fn outcome(&self) -> Outcome {
        match self {
            Expect::OutputText { output_text } => Outcome::Returned(output_text.as_bytes().to_vec()),
            Expect::OutputI32 { output_i32 } => {
                Outcome::Returned(output_i32.iter().flat_map(|v| v.to_le_bytes()).collect())
            }
            Expect::Outcome(outcome) => outcome.clone(),
        }
    }
}

pub fn parse_hex(hex: &str) -> Result<Vec<u8>> {
    let digits: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        bail!("hex has an odd number of digits");
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).with_context(|| format!("bad hex at {i}")))
        .collect()
}

impl Case {
    pub fn from_file(scenario: &str, name: &str, text: &str) -> Result<Case> {
        let file: CaseFile = toml::from_str(text)?;
        let module = match (&file.guest, &file.wasm_hex) {
            (Some(guest), None) => ModuleSource::Guest(guest.clone()),
            (None, Some(hex)) => ModuleSource::Bytes(parse_hex(hex)?),
            _ => bail!("name exactly one of `guest` or `wasm_hex`"),
        };
        let mut config = InstanceConfig { config: file.config.clone(), ..InstanceConfig::default() };
        config.memory_limit = file.memory_limit_pages.map(MemoryLimit::from_pages);
        config.cpu.fuel = file.fuel;
        config.cpu.deadline = file.deadline_ms.map(Duration::from_millis);
        Ok(Case {
            scenario: scenario.to_string(),
            name: name.to_string(),
            module,
            export: file.export,
            input: file.input.bytes()?,
            config,
            calls: file.calls.unwrap_or(1).max(1),
            expect: file.expect.as_ref().map(|e| e.outcome().into()),
            ..Case::default()
        })
    }

    pub fn id(&self) -> String {
        format!("{}/{}", self.scenario, self.name)
    }

    /// The CPU budget the case runs under: its own, or the runner's default deadline.
    pub fn budget(&self) -> CpuBudget {
        let cpu = self.actor.as_ref().map_or(self.config.cpu, |script| script.spec.cpu);
        budgeted(cpu)
    }

    /// Whether the case sets a deadline of its own: what it checks then depends on time.
    pub fn sets_deadline(&self) -> bool {
        self.actor.as_ref().map_or(self.config.cpu, |script| script.spec.cpu).deadline.is_some()
    }

    /// The engine memory limit the case runs under, in pages.
    pub fn limit_pages(&self) -> Option<u64> {
        match &self.actor {
            Some(script) => script.spec.instance_config().ok()?.memory_limit.map(MemoryLimit::pages),
            None => self.config.memory_limit.map(MemoryLimit::pages),
        }
    }
}

/// Every case under `dir` (`<scenario>/<name>.toml`), sorted by scenario then name.
pub fn load_cases(dir: &Path) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    let scenarios = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for scenario in scenarios {
        let scenario = scenario?.path();
        if !scenario.is_dir() {
            continue;
        }
        let scenario_name = scenario.file_name().unwrap_or_default().to_string_lossy().into_owned();
        for file in std::fs::read_dir(&scenario)? {
            let path = file?.path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path)?;
            cases
                .push(Case::from_file(&scenario_name, &name, &text).with_context(|| format!("in {}", path.display()))?);
        }
    }
    cases.sort_by(|a, b| (&a.scenario, &a.name).cmp(&(&b.scenario, &b.name)));
    Ok(cases)
}

/// A case with no CPU budget of its own runs under this one: nothing runs unbounded.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// An actor run as the bytes engines are compared on: every step's record, in order.
pub fn transcript(records: &[StepRecord]) -> Vec<u8> {
    serde_json::to_vec(records).expect("records always serialize")
}

/// `cpu`, with the default deadline where it sets no budget at all.
pub fn budgeted(mut cpu: CpuBudget) -> CpuBudget {
    if cpu.fuel.is_none() && cpu.deadline.is_none() {
        cpu.deadline = Some(DEFAULT_DEADLINE);
    }
    cpu
}
