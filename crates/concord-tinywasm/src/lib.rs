//! tinywasm 0.11, an interpreter written apart from the other engines. Its own mechanisms enforce
//! the limits: a resource limiter that refuses a memory past the limit (tinywasm then answers the
//! grow with -1), and resumable calls that run on fuel slices, with the clock read between slices
//! for a deadline. Its store holds no host data, so the kernel and WASI live beside it, shared
//! with the host functions.

mod memory;
mod typed;

use concord_engine::wasi::GuestMemory;
use concord_engine::{
    Call, CompileError, CpuBudget, Engine, EngineInfo, Feature, HostFault, InstanceConfig, InstantiateFailure,
    LimitKind, MemoryObservation, Module, Outcome, TrapKind, ValType,
};
use concord_engine::{Capabilities, Fuel};
use concord_host::{
    ExportShape, HostState, InitCall, PluginAbi, Stop, plugin_call, plugin_module, resolve_for, start_outcome,
};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Instant;
use tinywasm::types::{FuncType, WasmType, WasmValue};
use tinywasm::{ExecProgress, Function, Imports, ModuleInstance, Store, Trap};

pub const VERSION: &str = "0.11.0";

/// Fuel per slice of a budgeted call: small enough to notice a deadline within milliseconds.
const FUEL_SLICE: u32 = 1 << 20;

pub struct TinywasmEngine {
    info: EngineInfo,
}

impl Default for TinywasmEngine {
    fn default() -> Self {
        TinywasmEngine {
            info: EngineInfo {
                id: "tinywasm".into(),
                engine: "tinywasm".into(),
                version: VERSION.into(),
                compiler: "interpreter".into(),
                capabilities: Capabilities::on_concord_host(
                    Fuel::Everywhere,
                    vec![
                        Feature::Simd,
                        Feature::ReferenceTypes,
                        Feature::RelaxedSimd,
                        Feature::TailCall,
                        Feature::ExtendedConst,
                        Feature::MultiMemory,
                        Feature::Memory64,
                        Feature::CustomPageSizes,
                        Feature::WideArithmetic,
                    ],
                ),
            },
        }
    }
}

impl Engine for TinywasmEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        let abi = PluginAbi::parse(wasm)?;
        Ok(plugin_module(TinywasmModule { module: parse(wasm)?, abi: abi.clone() }, &abi))
    }

    fn typed_store(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::TypedStore>, Outcome> {
        Ok(Box::new(typed::TinywasmStore::new(config)))
    }
}

/// Parses and validates (tinywasm's `validate` feature), with every memory made at instantiation.
/// Left alone, tinywasm 0.11 does not make a memory that no function touches and nothing exports
/// or initialises, so one over the limit would instantiate where every engine, tinywasm 0.10
/// included, refuses it: generated modules and the typed layer's limit test declare such memories.
/// The module's flag for it is public (if hidden from its docs), as 0.10's parser option was.
/// Public so the raw-API benchmark parses the same way.
pub fn parse(wasm: &[u8]) -> Result<tinywasm::Module, CompileError> {
    let module = tinywasm::parse_bytes(wasm).map_err(|e| CompileError::Invalid(e.to_string()))?;
    if !module.skip_local_memory_allocation {
        return Ok(module);
    }
    let mut every_memory_made = tinywasm::types::ModuleInner::clone(&module);
    every_memory_made.skip_local_memory_allocation = false;
    Ok(every_memory_made.into())
}

/// A store whose memories cannot grow past the limit.
fn store(config: &InstanceConfig) -> Store {
    let mut engine = tinywasm::engine::Config::new();
    if let Some(limit) = config.memory_limit {
        engine = engine.with_resource_limiter(memory::Limit::bytes(limit.bytes()));
    }
    Store::new(tinywasm::Engine::new(engine))
}

struct TinywasmModule {
    module: tinywasm::Module,
    abi: PluginAbi,
}

/// tinywasm needs an error type for host traps; this carries ours through it.
#[derive(Debug)]
struct Fault(HostFault);

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Fault {}

fn host_trap(fault: HostFault) -> tinywasm::Error {
    tinywasm::Error::Trap(Trap::HostFunction(Box::new(Fault(fault))))
}

impl Module for TinywasmModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        if let Some(refusal) = self.abi.refusal() {
            return Err(refusal);
        }
        let mut store = store(config);
        let host = Rc::new(RefCell::new(HostState::new(config)));
        let mut imports = Imports::new();
        for import in self.module.imports() {
            let (module, name) = (import.module.to_string(), import.name.to_string());
            let missing = || {
                Outcome::InstantiateFailed(InstantiateFailure::MissingImport {
                    module: module.clone(),
                    name: name.clone(),
                })
            };
            let tinywasm::types::ImportType::Func(wanted) = import.ty else {
                return Err(missing());
            };
            let resolved = resolve_for(config, &module, &name).ok_or_else(missing)?;
            let ty = FuncType::new(
                &resolved.params.iter().map(wasm_type).collect::<Vec<_>>(),
                &resolved.results.iter().map(wasm_type).collect::<Vec<_>>(),
            );
            if ty != *wanted {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
            }
            let host = host.clone();
            let function = tinywasm::HostFunction::from_untyped(&ty, move |mut ctx, params, results| {
                let args = params.iter().map(from_wasm);
                let emit = |i: usize, v| results[i] = to_wasm(v);
                let mut host = host.borrow_mut();
                let outcome = match resolved.needs_memory.then(|| ctx.memory("memory").ok()).flatten() {
                    // tinywasm's memories are not one slice; WASI calls are rare, so they work on
                    // a copy that is written back.
                    Some(memory) => {
                        let mut bytes = memory.read_vec(ctx.store(), 0, memory.len(ctx.store())?)?;
                        let outcome =
                            resolved.invoke_with(&mut host, Some(&mut GuestMemory::new(&mut bytes)), args, emit);
                        memory.copy_from_slice(ctx.store_mut(), 0, &bytes)?;
                        outcome
                    }
                    None => resolved.invoke_with(&mut host, None, args, emit),
                };
                outcome.map_err(host_trap)
            });
            imports.define(&module, &name, function);
        }
        let instance = ModuleInstance::instantiate_no_start(&mut store, &self.module, Some(&imports))
            .map_err(|e| instantiate_failure(&e))?;
        let memory = instance.memory("memory").ok();
        let abi = self.abi.clone();
        let mut instance =
            TinywasmInstance { store, instance, host, memory, budget: config.cpu, abi, initialized: false };
        if let Some(start) = instance.instance.start_func(&instance.store).map_err(|e| instantiate_failure(&e))? {
            run(&mut instance.store, &start, &[], &mut [], instance.budget).map_err(start_outcome)?;
        }
        for init in instance.abi.clone().at_instantiation() {
            instance.run_init(init).map_err(start_outcome)?;
        }
        Ok(Box::new(instance))
    }
}

/// Why an instance could not be made: a missing or mismatched import, a memory over the limit, a
/// segment that does not fit.
fn instantiate_failure(error: &tinywasm::Error) -> Outcome {
    match error {
        tinywasm::Error::Linker(tinywasm::LinkingError::UnknownImport { module, name }) => {
            Outcome::InstantiateFailed(InstantiateFailure::MissingImport { module: module.clone(), name: name.clone() })
        }
        tinywasm::Error::Linker(tinywasm::LinkingError::IncompatibleImportType { module, name }) => {
            Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch {
                module: module.clone(),
                name: name.clone(),
            })
        }
        tinywasm::Error::Trap(Trap::OutOfMemory) => Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit),
        other => start_outcome(classify(other)),
    }
}

struct TinywasmInstance {
    store: Store,
    instance: ModuleInstance,
    host: Rc<RefCell<HostState>>,
    memory: Option<tinywasm::Memory>,
    budget: CpuBudget,
    abi: PluginAbi,
    /// Whether the guest's runtime has been initialised (before the first call).
    initialized: bool,
}

impl TinywasmInstance {
    /// Calls one of the guest's initialisation functions with zeros for its arguments.
    fn run_init(&mut self, init: &InitCall) -> Result<(), Stop> {
        let wrong = |e: tinywasm::Error| Stop::EngineFault(format!("{}: {e}", init.export));
        let (func, args) = match init.args {
            0 => (self.instance.func::<(), ()>(&self.store, init.export).map_err(wrong)?.func, vec![]),
            _ => (
                self.instance.func::<(i32, i32), ()>(&self.store, init.export).map_err(wrong)?.func,
                vec![WasmValue::I32(0); 2],
            ),
        };
        run(&mut self.store, &func, &args, &mut [], self.budget)
    }
}

/// Calls `func` under the budget, its results written into `results` (as many as it returns, which
/// the caller knows): without a budget, straight through; with fuel or a deadline, in fuel slices,
/// stopping when the fuel is spent or, between slices, when the deadline has passed.
fn run(
    store: &mut Store,
    func: &Function,
    params: &[WasmValue],
    results: &mut [WasmValue],
    budget: CpuBudget,
) -> Result<(), Stop> {
    if budget == CpuBudget::default() {
        return func.call(store, params, results).map_err(|e| classify(&e));
    }
    let start = Instant::now();
    let fuel = budget.fuel.unwrap_or(u64::MAX);
    let mut spent = 0u64;
    let mut call = func.call_resumable(store, params, results).map_err(|e| classify(&e))?;
    loop {
        if spent >= fuel {
            return Err(Stop::Limit(LimitKind::Fuel));
        }
        let slice = (fuel - spent).min(u64::from(FUEL_SLICE)) as u32;
        match call.resume_with_fuel(slice).map_err(|e| classify(&e))? {
            ExecProgress::Completed(()) => break,
            ExecProgress::Suspended => spent += u64::from(slice),
        }
        if budget.deadline.is_some_and(|d| start.elapsed() >= d) {
            return Err(Stop::Limit(LimitKind::Deadline));
        }
    }
    Ok(())
}

impl concord_engine::Instance for TinywasmInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        // The return code, if the export has one; a `() -> ()` export returns 0.
        let (func, returns) = match self.abi.export(export) {
            Ok(ExportShape::Code) => (self.instance.func::<(), i32>(&self.store, export).map(|f| f.func), 1),
            Ok(ExportShape::Void) => (self.instance.func::<(), ()>(&self.store, export).map(|f| f.func), 0),
            Err(outcome) => return Call::from_outcome(outcome),
        };
        let func = match func {
            Ok(func) => func,
            Err(e) => return Call::from_outcome(Outcome::EngineFault(format!("{export}: {e}"))),
        };
        if !self.initialized {
            self.initialized = true;
            for init in self.abi.clone().at_first_call() {
                if let Err(stop) = self.run_init(init) {
                    return plugin_call(&mut self.host.borrow_mut(), Err(stop));
                }
            }
        }
        self.host.borrow_mut().kernel.begin_call(input);
        let mut code = [WasmValue::I32(0)];
        let ended = run(&mut self.store, &func, &[], &mut code[..returns], self.budget).map(|()| match code {
            [WasmValue::I32(code)] => code,
            _ => 0,
        });
        plugin_call(&mut self.host.borrow_mut(), ended)
    }

    fn memory_pages(&mut self) -> Option<u64> {
        self.memory.as_ref().and_then(|m| m.page_count(&self.store).ok()).map(|p| p as u64)
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        let memory = self.memory.as_ref()?;
        let bytes = memory.read_vec(&self.store, 0, memory.len(&self.store).ok()?).ok()?;
        Some(MemoryObservation::of(&bytes))
    }
}

fn classify(error: &tinywasm::Error) -> Stop {
    let tinywasm::Error::Trap(trap) = error else {
        return Stop::EngineFault(error.to_string());
    };
    Stop::Trap(match trap {
        // The interpreter wraps what a host function returned in a trap of its own.
        Trap::HostFunction(inner) => {
            if let Some(Fault(fault)) = inner.downcast_ref::<Fault>() {
                return Stop::Host(fault.clone());
            }
            return match inner.downcast_ref::<tinywasm::Error>() {
                Some(error) => classify(error),
                None => Stop::Trap(TrapKind::HostFunction),
            };
        }
        Trap::OutOfMemory => return Stop::Limit(LimitKind::Memory),
        Trap::Unreachable => TrapKind::Unreachable,
        Trap::MemoryOutOfBounds { .. } => TrapKind::MemoryOutOfBounds,
        Trap::TableOutOfBounds { .. } | Trap::UndefinedElement { .. } => TrapKind::TableOutOfBounds,
        Trap::DivisionByZero => TrapKind::IntegerDivisionByZero,
        Trap::InvalidConversionToInt => TrapKind::BadConversionToInteger,
        Trap::IntegerOverflow => TrapKind::IntegerOverflow,
        Trap::CallStackOverflow | Trap::ValueStackOverflow => TrapKind::StackOverflow,
        Trap::UninitializedElement { .. } => TrapKind::IndirectCallToNull,
        Trap::IndirectCallTypeMismatch { .. } => TrapKind::BadSignature,
        _ => TrapKind::Other,
    })
}

pub fn wasm_type(ty: &ValType) -> WasmType {
    match ty {
        ValType::I32 => WasmType::I32,
        ValType::I64 => WasmType::I64,
        ValType::F32 => WasmType::F32,
        ValType::F64 => WasmType::F64,
    }
}

fn from_wasm(value: &WasmValue) -> concord_engine::Val {
    match *value {
        WasmValue::I32(v) => concord_engine::Val::I32(v),
        WasmValue::I64(v) => concord_engine::Val::I64(v),
        WasmValue::F32(v) => concord_engine::Val::F32(v),
        WasmValue::F64(v) => concord_engine::Val::F64(v),
        // The import table only declares numeric types.
        _ => concord_engine::Val::I64(0),
    }
}

fn to_wasm(value: concord_engine::Val) -> WasmValue {
    match value {
        concord_engine::Val::I32(v) => WasmValue::I32(v),
        concord_engine::Val::I64(v) => WasmValue::I64(v),
        concord_engine::Val::F32(v) => WasmValue::F32(v),
        concord_engine::Val::F64(v) => WasmValue::F64(v),
    }
}
