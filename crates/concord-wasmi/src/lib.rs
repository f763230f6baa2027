//! wasmi 2.0, the interpreter. Memory limits through `StoreLimits`; the CPU budget through fuel.
//! wasmi has no epochs, so a wall-clock deadline is enforced by running on fuel slices and
//! checking the clock each time a slice runs out (resumable calls). Instances with neither budget
//! run code that counts no fuel.

mod typed;

use concord_engine::wasi::GuestMemory;
use concord_engine::{
    Call, CompileError, CompileVariant, CpuBudget, Engine, EngineInfo, Feature, HostFault, InstanceConfig,
    InstantiateFailure, LimitKind, MemoryObservation, MeteringVariants, Module, Outcome, TrapKind, ValType,
};
use concord_engine::{Capabilities, Fuel};
use concord_host::kernel::{Kernel, KernelFn, KernelHost};
use concord_host::{
    ExportShape, HostState, InitCall, PluginAbi, Stop, plugin_call, plugin_module, resolve_for, start_outcome,
};
use std::fmt;
use std::sync::Arc;
use std::time::Instant;
use wasmi::errors::{ErrorKind, HostError, InstantiationError, MemoryError, TableError};
use wasmi::{
    CompilationMode, Config, ExternType, Func, FuncType, Memory, Store, StoreLimits, StoreLimitsBuilder, TypedFunc,
    TypedResumableCall,
};

pub const VERSION: &str = "2.0.0";

/// Fuel granted per slice when a deadline is set: small enough to notice a deadline within
/// milliseconds, large enough that resuming costs nothing measurable.
const FUEL_SLICE: u64 = 1 << 20;

pub struct WasmiEngine {
    info: EngineInfo,
    engines: Engines,
}

/// One wasmi engine that counts fuel and one that does not (a wasmi `Config` setting).
#[derive(Clone)]
struct Engines {
    unmetered: wasmi::Engine,
    metered: wasmi::Engine,
}

impl CompileVariant for Engines {
    type Compiled = wasmi::Module;
    fn compile_variant(&self, metering: bool, wasm: &[u8]) -> Result<wasmi::Module, CompileError> {
        let engine = if metering { &self.metered } else { &self.unmetered };
        wasmi::Module::new(engine, wasm).map_err(|e| CompileError::Invalid(e.to_string()))
    }
}

/// Whether an instance with `budget` counts fuel: for fuel, and for a deadline too, which is
/// enforced through fuel slices.
fn metering(budget: CpuBudget) -> bool {
    budget != CpuBudget::default()
}

/// This backend's wasmi configuration, counting fuel or not; public so the raw-API benchmark runs
/// the same one.
pub fn engine(fuel: bool) -> wasmi::Engine {
    let mut config = Config::default();
    config.consume_fuel(fuel);
    // Lazy translation charges fuel for compiling a function on its first call, and when a
    // deadline's fuel slice runs out there, wasmi fails the call instead of letting it resume
    // (found by stream/regression-a98fae9bed6a). Eagerly translated code also spends the same
    // fuel on every call of a module, first or not.
    config.compilation_mode(CompilationMode::Eager);
    wasmi::Engine::new(&config)
}

impl Default for WasmiEngine {
    fn default() -> Self {
        WasmiEngine {
            info: EngineInfo {
                id: "wasmi".into(),
                engine: "wasmi".into(),
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
                    ],
                ),
            },
            engines: Engines { unmetered: engine(false), metered: engine(true) },
        }
    }
}

impl Engine for WasmiEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        self.compile_for(wasm, &InstanceConfig::default())
    }

    fn compile_for(&self, wasm: &[u8], config: &InstanceConfig) -> Result<Box<dyn Module>, CompileError> {
        let abi = Arc::new(PluginAbi::parse(wasm)?);
        let variants = MeteringVariants::compile(self.engines.clone(), wasm, metering(config.cpu))?;
        Ok(plugin_module(WasmiModule { variants, abi: abi.clone() }, &abi))
    }

    fn typed_store(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::TypedStore>, Outcome> {
        let engine = if metering(config.cpu) { &self.engines.metered } else { &self.engines.unmetered };
        Ok(Box::new(typed::WasmiStore::new(engine, config)?))
    }
}

struct WasmiModule {
    variants: MeteringVariants<Engines>,
    abi: Arc<PluginAbi>,
}

struct StoreData {
    host: HostState,
    limits: StoreLimits,
    memory: Option<Memory>,
}

/// wasmi needs its own error type for host traps; this carries ours through it.
#[derive(Debug)]
struct Fault(HostFault);

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl HostError for Fault {}

impl Module for WasmiModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        if let Some(refusal) = self.abi.refusal() {
            return Err(refusal);
        }
        let budget = config.cpu;
        let module = self.variants.get(metering(budget))?;
        let engine = module.engine();
        let mut limits = StoreLimitsBuilder::new();
        if let Some(limit) = config.memory_limit {
            limits = limits.memory_size(limit.bytes() as usize);
        }
        let data = StoreData { host: HostState::new(config), limits: limits.build(), memory: None };
        let mut store = Store::new(engine, data);
        store.limiter(|data| &mut data.limits);

        let mut imports = Vec::new();
        for import in module.imports() {
            let (module, name) = (import.module().to_string(), import.name().to_string());
            let missing = || {
                Outcome::InstantiateFailed(InstantiateFailure::MissingImport {
                    module: module.clone(),
                    name: name.clone(),
                })
            };
            let ExternType::Func(wanted) = import.ty() else {
                return Err(missing());
            };
            let resolved = resolve_for(config, &module, &name).ok_or_else(missing)?;
            let ty = FuncType::new(resolved.params.iter().map(val_type), resolved.results.iter().map(val_type));
            if ty != *wanted {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
            }
            if let Some(f) = resolved.kernel_fn() {
                imports.push(kernel_function(&mut store, f).into());
                continue;
            }
            imports.push(
                Func::new(&mut store, ty, move |mut caller, params, results| {
                    let args = params.iter().map(from_val);
                    let emit = |i: usize, v| results[i] = to_val(v);
                    let memory = caller.data().memory.filter(|_| resolved.needs_memory);
                    let outcome = match memory {
                        Some(memory) => {
                            let (bytes, data) = memory.data_and_store_mut(&mut caller);
                            resolved.invoke_with(&mut data.host, Some(&mut GuestMemory::new(bytes)), args, emit)
                        }
                        None => resolved.invoke_with(&mut caller.data_mut().host, None, args, emit),
                    };
                    outcome.map_err(|fault| wasmi::Error::host(Fault(fault)))
                })
                .into(),
            );
        }

        if metering(budget) {
            store.set_fuel(budget.fuel.unwrap_or(u64::MAX)).expect("a budget runs on the metered engine");
        }
        let instance = wasmi::Instance::new(&mut store, module, &imports).map_err(|e| instantiate_failure(&e))?;
        let memory = instance.get_memory(&store, "memory");
        store.data_mut().memory = memory;
        let abi = self.abi.clone();
        let mut instance =
            WasmiInstance { store, instance, memory, budget, last_export: None, abi, initialized: false };
        for init in instance.abi.clone().at_instantiation() {
            instance.run_init(init).map_err(start_outcome)?;
        }
        Ok(Box::new(instance))
    }
}

impl KernelHost for StoreData {
    fn kernel(&mut self) -> &mut Kernel {
        &mut self.host.kernel
    }
}

/// A kernel function as a typed host function: guests call the kernel for every 8 bytes they read
/// or write, and the dynamic-call path converts every argument and result.
pub fn kernel_function<T: KernelHost>(store: &mut Store<T>, f: KernelFn) -> Func {
    type C<'a, T> = wasmi::Caller<'a, T>;
    let fault = |f| wasmi::Error::host(Fault(f));
    match f {
        KernelFn::Get(f) => {
            Func::wrap(store, move |mut c: C<T>| f(c.data_mut().kernel()).map(|v| v as i64).map_err(fault))
        }
        KernelFn::Map(f) => Func::wrap(store, move |mut c: C<T>, a: i64| {
            f(c.data_mut().kernel(), a as u64).map(|v| v as i64).map_err(fault)
        }),
        KernelFn::LoadByte(f) => Func::wrap(store, move |mut c: C<T>, a: i64| {
            f(c.data_mut().kernel(), a as u64).map(i32::from).map_err(fault)
        }),
        KernelFn::Take(f) => {
            Func::wrap(store, move |mut c: C<T>, a: i64| f(c.data_mut().kernel(), a as u64).map_err(fault))
        }
        KernelFn::Put(f) => Func::wrap(store, move |mut c: C<T>, a: i64, b: i64| {
            f(c.data_mut().kernel(), a as u64, b as u64).map_err(fault)
        }),
        KernelFn::PutByte(f) => Func::wrap(store, move |mut c: C<T>, a: i64, b: i32| {
            f(c.data_mut().kernel(), a as u64, b as u8).map_err(fault)
        }),
    }
}

fn instantiate_failure(error: &wasmi::Error) -> Outcome {
    match error.kind() {
        ErrorKind::Memory(MemoryError::ResourceLimiterDeniedAllocation | MemoryError::OutOfBoundsGrowth)
        | ErrorKind::Instantiation(InstantiationError::FailedToInstantiateMemory(
            MemoryError::ResourceLimiterDeniedAllocation | MemoryError::OutOfBoundsGrowth,
        )) => Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit),
        // Active element and data segments that do not fit trap, as the spec says; wasmi reports
        // them as errors of their own kinds.
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. })
        | ErrorKind::Table(TableError::InitOutOfBounds | TableError::SetOutOfBounds | TableError::CopyOutOfBounds) => {
            Outcome::InstantiateFailed(InstantiateFailure::StartTrapped { trap: TrapKind::TableOutOfBounds })
        }
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => {
            Outcome::InstantiateFailed(InstantiateFailure::StartTrapped { trap: TrapKind::MemoryOutOfBounds })
        }
        _ => start_outcome(classify(error)),
    }
}

struct WasmiInstance {
    store: Store<StoreData>,
    instance: wasmi::Instance,
    memory: Option<Memory>,
    budget: CpuBudget,
    last_export: Option<(String, Export)>,
    abi: Arc<PluginAbi>,
    /// Whether the guest's runtime has been initialised (before the first call).
    initialized: bool,
}

#[derive(Clone, Copy)]
enum Export {
    Code(TypedFunc<(), i32>),
    Void(TypedFunc<(), ()>),
}

impl WasmiInstance {
    /// Runs `func` under the budget: fuel, and for a deadline, fuel in slices with the clock read between them.
    fn run<P: wasmi::WasmParams, R: wasmi::WasmResults>(
        &mut self,
        func: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Stop> {
        let Some(deadline) = self.budget.deadline else {
            if let Some(fuel) = self.budget.fuel {
                self.store.set_fuel(fuel).expect("a budget runs on the metered engine");
            }
            return func.call(&mut self.store, params).map_err(|e| classify(&e));
        };
        let fuel = self.budget.fuel.unwrap_or(u64::MAX);
        let start = Instant::now();
        let mut granted = FUEL_SLICE.min(fuel);
        self.store.set_fuel(granted).expect("fuel is enabled");
        let mut call = func.call_resumable(&mut self.store, params).map_err(|e| classify(&e))?;
        loop {
            match call {
                TypedResumableCall::Finished(results) => return Ok(results),
                TypedResumableCall::HostTrap(trap) => return Err(classify(trap.host_error())),
                TypedResumableCall::OutOfFuel(pending) => {
                    let slice = Slice { fuel, granted, start, deadline };
                    granted = slice.next(&mut self.store, pending.required_fuel())?;
                    call = pending.resume(&mut self.store).map_err(|e| classify(&e))?;
                }
            }
        }
    }

    /// Calls one of the guest's initialisation functions with zeros for its arguments.
    fn run_init(&mut self, init: &InitCall) -> Result<(), Stop> {
        let func = self.instance.get_func(&self.store, init.export).expect("the ABI found it exported");
        let wrong = |e: wasmi::Error| Stop::EngineFault(format!("{}: {e}", init.export));
        match init.args {
            0 => self.run(&func.typed::<(), ()>(&self.store).map_err(wrong)?, ()),
            _ => self.run(&func.typed::<(i32, i32), ()>(&self.store).map_err(wrong)?, (0, 0)),
        }
    }

    /// The export, looked up and type-checked once for a run of calls to it.
    fn export(&mut self, name: &str) -> Result<Export, Outcome> {
        if let Some((last, func)) = &self.last_export
            && last == name
        {
            return Ok(*func);
        }
        let shape = self.abi.export(name)?;
        let func = self.instance.get_func(&self.store, name).expect("the ABI found it exported");
        let typed = |e: wasmi::Error| Outcome::EngineFault(format!("{name}: {e}"));
        let func = match shape {
            ExportShape::Code => Export::Code(func.typed(&self.store).map_err(typed)?),
            ExportShape::Void => Export::Void(func.typed(&self.store).map_err(typed)?),
        };
        self.last_export = Some((name.to_string(), func));
        Ok(func)
    }
}

impl concord_engine::Instance for WasmiInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        let func = match self.export(export) {
            Ok(func) => func,
            Err(outcome) => return Call::from_outcome(outcome),
        };
        if !self.initialized {
            self.initialized = true;
            for init in self.abi.clone().at_first_call() {
                if let Err(stop) = self.run_init(init) {
                    return plugin_call(&mut self.store.data_mut().host, Err(stop));
                }
            }
        }
        self.store.data_mut().host.kernel.begin_call(input);
        let ended = match func {
            Export::Code(func) => self.run(&func, ()),
            Export::Void(func) => self.run(&func, ()).map(|()| 0),
        };
        plugin_call(&mut self.store.data_mut().host, ended)
    }

    fn memory_pages(&mut self) -> Option<u64> {
        self.memory.map(|m| m.size(&self.store))
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        self.memory.map(|m| MemoryObservation::of(m.data(&self.store)))
    }
}

/// Where a call running on fuel slices stands when a slice runs out.
struct Slice {
    /// The fuel budget (`u64::MAX` for a deadline alone).
    fuel: u64,
    granted: u64,
    start: Instant,
    deadline: std::time::Duration,
}

impl Slice {
    /// Grants the next slice (at least `required`) and returns the fuel granted so far, or stops
    /// the call: its fuel is spent, or its deadline passed.
    fn next<T>(self, store: &mut Store<T>, required: u64) -> Result<u64, Stop> {
        if self.granted >= self.fuel {
            return Err(Stop::Limit(LimitKind::Fuel));
        }
        if self.start.elapsed() >= self.deadline {
            return Err(Stop::Limit(LimitKind::Deadline));
        }
        let more = FUEL_SLICE.max(required).min(self.fuel - self.granted);
        let left = store.get_fuel().expect("fuel is enabled");
        store.set_fuel(left + more).expect("fuel is enabled");
        Ok(self.granted + more)
    }
}

fn classify(error: &wasmi::Error) -> Stop {
    if let Some(Fault(fault)) = error.downcast_ref::<Fault>() {
        return Stop::Host(fault.clone());
    }
    if let Some(code) = error.i32_exit_status() {
        return Stop::Host(HostFault::Exit(code));
    }
    let Some(code) = error.as_trap_code() else {
        return match error.kind() {
            ErrorKind::Memory(MemoryError::OutOfFuel { .. }) | ErrorKind::Fuel(_) => Stop::Limit(LimitKind::Fuel),
            _ => Stop::EngineFault(error.to_string()),
        };
    };
    use wasmi::TrapCode as T;
    Stop::Trap(match code {
        T::OutOfFuel => return Stop::Limit(LimitKind::Fuel),
        T::UnreachableCodeReached => TrapKind::Unreachable,
        T::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        T::TableOutOfBounds => TrapKind::TableOutOfBounds,
        T::IndirectCallToNull => TrapKind::IndirectCallToNull,
        T::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        T::IntegerOverflow => TrapKind::IntegerOverflow,
        T::BadConversionToInteger => TrapKind::BadConversionToInteger,
        T::StackOverflow => TrapKind::StackOverflow,
        T::BadSignature => TrapKind::BadSignature,
        _ => TrapKind::Other,
    })
}

fn val_type(ty: &ValType) -> wasmi::ValType {
    match ty {
        ValType::I32 => wasmi::ValType::I32,
        ValType::I64 => wasmi::ValType::I64,
        ValType::F32 => wasmi::ValType::F32,
        ValType::F64 => wasmi::ValType::F64,
    }
}

fn from_val(val: &wasmi::Val) -> concord_engine::Val {
    match *val {
        wasmi::Val::I32(v) => concord_engine::Val::I32(v),
        wasmi::Val::I64(v) => concord_engine::Val::I64(v),
        wasmi::Val::F32(v) => concord_engine::Val::F32(v.into()),
        wasmi::Val::F64(v) => concord_engine::Val::F64(v.into()),
        // The import table only declares numeric types.
        _ => concord_engine::Val::I64(0),
    }
}

fn to_val(val: concord_engine::Val) -> wasmi::Val {
    match val {
        concord_engine::Val::I32(v) => wasmi::Val::I32(v),
        concord_engine::Val::I64(v) => wasmi::Val::I64(v),
        concord_engine::Val::F32(v) => wasmi::Val::F32(v.into()),
        concord_engine::Val::F64(v) => wasmi::Val::F64(v.into()),
    }
}
