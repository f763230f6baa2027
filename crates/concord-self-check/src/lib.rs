//! The self-check: planted faults, engine wrappers that each break one promise, and the run that
//! plants each in every configuration (`cargo xtask conformance --self-check`). The suite is worth
//! running only if it catches every one. Only tests and xtask depend on this crate.

use concord_engine::{
    Call, CompileError, Engine, EngineInfo, GuestError, HostFunction, Instance, InstanceConfig, InstanceId,
    KernelAccess, MemoryLimit, MemoryObservation, Module, Outcome, PipeFault, TypedStore, Val, ValType, Value,
    WASM_PAGE, WasiHost,
};
use concord_host::kernel::ENV_MODULE;
use std::sync::Arc;
use std::time::Duration;

mod detour;
mod everywhere;
mod rem_s;
mod run;
mod table;
mod typed;
mod write_short;

pub use everywhere::{Honest, Planted};
pub use run::run;
pub use table::Table;
pub use typed::plant as plant_typed;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Flips one bit of the output's middle byte.
    FlipOutputByte,
    /// Grants one page more than the memory limit.
    OnePageTooMany,
    /// Refuses growth one page before the limit.
    DenyGrowthEarly,
    /// Drops one key from the state update an actor returns.
    DropStateKey,
    /// Ignores the fuel budget (a short deadline keeps it from hanging the run).
    IgnoreCpuBudget,
    /// The kernel's `length` answers one byte short for every live block.
    KernelLengthShort,
    /// WASI's `fd_write` tells the guest it wrote one byte fewer than it did.
    WasiWriteShort,
    /// Flips the low bit of every i64 a typed call returns (the typed-call layer).
    FlipI64LowBit,
    /// Grants typed stores one page past the memory limit (plugin calls keep it): only modules
    /// that grow memory under a limit through the typed layer, the generated ones, can show it.
    TypedOnePageTooMany,
    /// Typed modules' `i64.rem_s` answers with its low bit flipped when the divisor is negative.
    RemSNegativeDivisor,
    /// A plugin's nonzero return code is reported one lower than it was.
    ReturnCodeOffByOne,
    /// An out-of-process engine's child answers a plugin call after the harness stopped waiting.
    PipeAnswerLate,
    /// One byte of an out-of-process engine's answer to a plugin call is lost on the pipe.
    PipeDropsByte,
}

impl Fault {
    pub const ALL: [Fault; 13] = [
        Fault::FlipOutputByte,
        Fault::OnePageTooMany,
        Fault::DenyGrowthEarly,
        Fault::DropStateKey,
        Fault::IgnoreCpuBudget,
        Fault::KernelLengthShort,
        Fault::WasiWriteShort,
        Fault::FlipI64LowBit,
        Fault::TypedOnePageTooMany,
        Fault::RemSNegativeDivisor,
        Fault::ReturnCodeOffByOne,
        Fault::PipeAnswerLate,
        Fault::PipeDropsByte,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::FlipOutputByte => "flip-output-byte",
            Fault::OnePageTooMany => "one-page-too-many",
            Fault::DenyGrowthEarly => "deny-growth-early",
            Fault::DropStateKey => "drop-state-key",
            Fault::IgnoreCpuBudget => "ignore-cpu-budget",
            Fault::KernelLengthShort => "kernel-length-short",
            Fault::WasiWriteShort => "wasi-write-short",
            Fault::FlipI64LowBit => "flip-i64-low-bit",
            Fault::TypedOnePageTooMany => "typed-one-page-too-many",
            Fault::RemSNegativeDivisor => "rem-s-negative-divisor",
            Fault::ReturnCodeOffByOne => "return-code-off-by-one",
            Fault::PipeAnswerLate => "pipe-answer-late",
            Fault::PipeDropsByte => "pipe-drops-byte",
        }
    }

    /// Where the fault lives, and so which scenario hunts it.
    pub fn layer(self) -> Layer {
        match self {
            Fault::FlipI64LowBit => Layer::Spec,
            Fault::TypedOnePageTooMany | Fault::RemSNegativeDivisor => Layer::Generated,
            _ => Layer::Plugin,
        }
    }

    /// Whether `engine` can carry this fault. A wrong `length` is a fault of Concord's kernel: on
    /// a host with a kernel of its own (Extism's, whose WASI is not Concord's either) a function
    /// under that name also replaces the one the host itself calls, and the plugin never returns.
    fn expressible_on(self, engine: &dyn Engine) -> bool {
        match self {
            Fault::KernelLengthShort => engine.capabilities().wasi == WasiHost::Concord,
            _ => true,
        }
    }

    fn configure(self, config: &InstanceConfig) -> InstanceConfig {
        let mut config = config.clone();
        match self {
            Fault::OnePageTooMany => config.memory_limit = config.memory_limit.map(one_page_more),
            Fault::DenyGrowthEarly => config.memory_limit = config.memory_limit.map(one_page_less),
            Fault::IgnoreCpuBudget => {
                config.cpu.fuel = None;
                config.cpu.deadline = Some(config.cpu.deadline.unwrap_or(Duration::from_millis(200)));
            }
            // An embedder's function under a kernel function's name shadows the kernel's.
            Fault::KernelLengthShort => config.host_functions.push(length_one_short()),
            Fault::PipeAnswerLate => config.pipe_fault = Some(PipeFault::AnswerLate),
            Fault::PipeDropsByte => config.pipe_fault = Some(PipeFault::DropsByte),
            Fault::ReturnCodeOffByOne
            | Fault::FlipOutputByte
            | Fault::WasiWriteShort
            | Fault::DropStateKey
            | Fault::FlipI64LowBit
            | Fault::TypedOnePageTooMany
            | Fault::RemSNegativeDivisor => {}
        }
        config
    }

    fn tamper(self, outcome: Outcome) -> Outcome {
        match (self, outcome) {
            (Fault::FlipOutputByte, Outcome::Returned(mut bytes)) if !bytes.is_empty() => {
                let middle = bytes.len() / 2;
                bytes[middle] ^= 1;
                Outcome::Returned(bytes)
            }
            (Fault::DropStateKey, Outcome::Returned(bytes)) => Outcome::Returned(drop_state_key(bytes)),
            (Fault::ReturnCodeOffByOne, Outcome::GuestError(error)) if error.code != 0 => {
                Outcome::GuestError(GuestError { code: error.code.wrapping_sub(1), ..error })
            }
            (_, outcome) => outcome,
        }
    }
}

fn length_one_short() -> HostFunction {
    let length = |kernel: &mut dyn KernelAccess, args: &[Val]| {
        let offset = args.first().map_or(Ok(0), Val::as_u64)?;
        let len = kernel.read_block(offset).map_or(0, |block| block.len() as u64);
        Ok(vec![Val::I64(len.saturating_sub(1) as i64)])
    };
    HostFunction {
        module: ENV_MODULE.into(),
        ..HostFunction::new("length", vec![ValType::I64], vec![ValType::I64], length)
    }
}

/// An actor result with one key less in its state update; any other output as it was.
fn drop_state_key(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(mut result) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return bytes };
    let Some(state) = result.get_mut("state").and_then(|s| s.as_object_mut()) else { return bytes };
    let Some(key) = state.keys().next().cloned() else { return bytes };
    state.remove(&key);
    serde_json::to_vec(&result).unwrap_or(bytes)
}

/// Which scenario a planted fault is hunted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Plugin calls: the generated case scenarios.
    Plugin,
    /// The typed layer's values: the spec testsuite.
    Spec,
    /// The typed layer under limits: generated modules.
    Generated,
}

/// `inner`, with `fault` planted.
pub struct Faulty {
    inner: Arc<dyn Engine>,
    fault: Fault,
    info: EngineInfo,
}

impl Faulty {
    pub fn new(inner: Arc<dyn Engine>, fault: Fault) -> Self {
        let info = EngineInfo { id: format!("{}+{}", inner.id(), fault.name()), ..inner.info().clone() };
        Faulty { inner, fault, info }
    }

    /// `inner` with `fault` planted under its own id, so that the entries documenting that
    /// configuration stay in force and must not explain the fault away.
    pub fn keeping_id(inner: Arc<dyn Engine>, fault: Fault) -> Self {
        let info = inner.info().clone();
        Faulty { inner, fault, info }
    }
}

impl Engine for Faulty {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        if !self.fault.expressible_on(self.inner.as_ref()) {
            return self.inner.compile(wasm);
        }
        let wasm = match self.fault {
            Fault::WasiWriteShort => write_short::rewrite(wasm),
            _ => std::borrow::Cow::Borrowed(wasm),
        };
        Ok(Box::new(FaultyModule { inner: self.inner.compile(&wasm)?, fault: self.fault }))
    }

    fn honours(&self, config: &InstanceConfig) -> bool {
        self.inner.honours(config)
    }

    fn typed_store(&self, config: &InstanceConfig) -> Result<Box<dyn TypedStore>, Outcome> {
        let mut config = config.clone();
        if self.fault == Fault::TypedOnePageTooMany {
            config.memory_limit = config.memory_limit.map(one_page_more);
        }
        let inner = self.inner.typed_store(&config)?;
        Ok(Box::new(FaultyStore { inner, fault: self.fault }))
    }
}

/// A typed store with the fault's rewrite of every module and its tampering with results.
struct FaultyStore {
    inner: Box<dyn TypedStore>,
    fault: Fault,
}

impl FaultyStore {
    fn rewrite<'w>(&self, wasm: &'w [u8]) -> std::borrow::Cow<'w, [u8]> {
        match self.fault {
            Fault::RemSNegativeDivisor => rem_s::rewrite(wasm),
            _ => std::borrow::Cow::Borrowed(wasm),
        }
    }
}

impl TypedStore for FaultyStore {
    fn compile(&mut self, wasm: &[u8]) -> Result<(), CompileError> {
        let wasm = self.rewrite(wasm);
        self.inner.compile(&wasm)
    }

    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, Outcome> {
        let wasm = self.rewrite(wasm);
        self.inner.instantiate(&wasm)
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome> {
        self.inner.register(name, instance)
    }

    fn invoke(&mut self, instance: InstanceId, export: &str, args: &[Value]) -> Result<Vec<Value>, Outcome> {
        let tamper = |v: Value| match (self.fault, v) {
            (Fault::FlipI64LowBit, Value::I64(bits)) => Value::I64(bits ^ 1),
            (_, other) => other,
        };
        self.inner.invoke(instance, export, args).map(|values| values.into_iter().map(tamper).collect())
    }

    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome> {
        self.inner.global(instance, export)
    }

    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>> {
        self.inner.memory(instance, export)
    }
}

struct FaultyModule {
    inner: Box<dyn Module>,
    fault: Fault,
}

impl Module for FaultyModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn Instance>, Outcome> {
        let inner = self.inner.instantiate(&self.fault.configure(config))?;
        Ok(Box::new(FaultyInstance { inner, fault: self.fault }))
    }
}

struct FaultyInstance {
    inner: Box<dyn Instance>,
    fault: Fault,
}

impl Instance for FaultyInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        let call = self.inner.call(export, input);
        Call { outcome: self.fault.tamper(call.outcome), ..call }
    }

    fn memory_pages(&mut self) -> Option<u64> {
        self.inner.memory_pages()
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        self.inner.memory()
    }
}

/// The first case (of `per_scenario` drawn from each scenario, or from `only` that one) on which
/// `fault` shows as a divergence, shrunk to the simplest that still shows it, with what the runner
/// said about it.
pub fn hunt(
    inner: Arc<dyn Engine>,
    fault: Fault,
    seed: u64,
    per_scenario: usize,
    only: Option<&str>,
    divergences: &concord_verdict::divergence::Divergences,
) -> Option<(concord::case::Case, String)> {
    use concord::runner::Runner;
    use concord_verdict::observation::Verdict;
    let faulty: Arc<dyn Engine> = Arc::new(Faulty::new(inner.clone(), fault));
    let id = faulty.id().to_string();
    let mut runner = Runner::new(vec![inner, faulty]);
    let mut caught = |case: &concord::case::Case| {
        let result = runner.run(case, divergences);
        result.engines.into_iter().find(|r| r.engine == id && r.verdict == Verdict::Diverge).and_then(|r| r.note)
    };
    for mut draw in concord::scenario::draw(seed, per_scenario, only) {
        if caught(&draw.case()).is_some() {
            let minimal = concord::scenario::shrink(&mut draw, 64, |case| caught(case).is_some());
            let note = caught(&minimal).unwrap_or_default();
            return Some((minimal, note));
        }
    }
    None
}

/// The first generated module (of the default 256 from `seed`) on which `fault` shows, shrunk
/// and saved under `dir`, with what differed and the command that replays it.
pub fn hunt_generated(
    inner: Arc<dyn Engine>,
    fault: Fault,
    seed: u64,
    dir: &std::path::Path,
) -> Option<(String, String)> {
    let faulty: Arc<dyn Engine> = Arc::new(Faulty::new(inner.clone(), fault));
    let pair = [inner.clone(), faulty];
    let finding = (seed..seed + 256).find_map(|seed| {
        let run = concord_fuzz::run_seed(&pair, seed, &concord_fuzz::limits()).ok()?;
        (!run.differences.is_empty()).then_some(concord_fuzz::Finding {
            module: run.module,
            differences: run.differences,
            observations: run.observations,
        })
    })?;
    let case = format!("generated/seed-{}", finding.module.seed);
    let shown = match concord::generated::shrink_and_save(&pair, &finding, dir) {
        Ok((_, shown)) => format!("{shown} --engine {} --plant {}", inner.id(), fault.name()),
        Err(e) => format!("{}; could not save it: {e:#}", finding.differences[0].what),
    };
    Some((case, shown))
}

fn one_page_more(limit: MemoryLimit) -> MemoryLimit {
    MemoryLimit::from_bytes(limit.bytes() + WASM_PAGE)
}

fn one_page_less(limit: MemoryLimit) -> MemoryLimit {
    MemoryLimit::from_bytes(limit.bytes().saturating_sub(WASM_PAGE))
}
