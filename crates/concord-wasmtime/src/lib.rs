//! wasmtime 49 as three engine configurations: cranelift (optimizing JIT), winch (baseline JIT)
//! and pulley (wasmtime's portable interpreter), each allocating instances on demand, plus
//! cranelift with the pooling allocator. Memory limits through a `ResourceLimiter`, the
//! CPU budget through fuel and epoch interruption. Fuel is counted only in instances with a fuel
//! budget: the others run code compiled without it.

mod epoch;
mod limiter;
mod typed;

use concord_engine::wasi::GuestMemory;
use concord_engine::{
    Call, CompileError, CompileVariant, CpuBudget, Engine, EngineInfo, Feature, InstanceConfig, InstantiateFailure,
    LimitKind, MemoryObservation, MeteringVariants, Module, Outcome, TrapKind, ValType, WASM_PAGE,
};
use concord_engine::{Capabilities, Fuel};
use concord_host::kernel::{Kernel, KernelFn, KernelHost};
use concord_host::{
    ExportShape, HostState, InitCall, PluginAbi, Stop, plugin_call, plugin_module, resolve_for, start_outcome,
};
use limiter::MemoryLimiter;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wasmtime::{
    Config, ExternType, FuncType, InstanceAllocationStrategy, InstancePre, Linker, Memory, PoolingAllocationConfig,
    Store, Strategy, TypedFunc,
};

pub const VERSION: &str = "49.0.5";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    Cranelift,
    Winch,
    Pulley,
}

impl Compiler {
    pub const ALL: [Compiler; 3] = [Compiler::Cranelift, Compiler::Winch, Compiler::Pulley];

    fn name(self) -> &'static str {
        match self {
            Compiler::Cranelift => "cranelift",
            Compiler::Winch => "winch",
            Compiler::Pulley => "pulley",
        }
    }
}

/// Where instances get their memories, tables and instance state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocator {
    /// wasmtime's default: mapped when an instance is made, unmapped when it is dropped.
    OnDemand,
    /// Slots reserved when the engine is made and reused: instantiation costs a fraction, and the
    /// pool's limits (wasmtime's defaults: 1,000 live instances, memories of up to 4 GiB, tables of
    /// up to 20,000 elements; here up to 8 of each per module) become part of what the engine
    /// accepts.
    Pooling,
}

pub struct WasmtimeEngine {
    info: EngineInfo,
    engines: Engines,
}

/// One wasmtime engine that counts fuel and one that does not (a wasmtime `Config` setting).
#[derive(Clone)]
struct Engines {
    unmetered: wasmtime::Engine,
    metered: wasmtime::Engine,
}

impl CompileVariant for Engines {
    type Compiled = LinkedModule;
    fn compile_variant(&self, metering: bool, wasm: &[u8]) -> Result<LinkedModule, CompileError> {
        LinkedModule::compile(if metering { &self.metered } else { &self.unmetered }, wasm)
    }
}

const POOL_TABLES_PER_MODULE: u32 = 8;
const POOL_MEMORIES_PER_MODULE: u32 = 8;

/// This backend's wasmtime configuration, with or without fuel counting; public so the raw-API
/// benchmark runs the same one. Epoch interruption (wall-clock deadlines) is always on, as in Extism.
pub fn engine(compiler: Compiler, allocator: Allocator, fuel: bool) -> Result<wasmtime::Engine, CompileError> {
    let mut config = Config::new();
    config.consume_fuel(fuel).epoch_interruption(true);
    if allocator == Allocator::Pooling {
        let mut pool = PoolingAllocationConfig::default();
        // Wasm 2.0 modules may define several tables (the spec testsuite's do); one per module,
        // wasmtime's default, would make them unsupported here. It costs a few bytes per slot.
        pool.max_tables_per_module(POOL_TABLES_PER_MODULE).max_memories_per_module(POOL_MEMORIES_PER_MODULE);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    match compiler {
        Compiler::Cranelift => {
            config.strategy(Strategy::Cranelift);
        }
        Compiler::Winch => {
            config.strategy(Strategy::Winch);
        }
        Compiler::Pulley => {
            config.target("pulley64").map_err(|e| CompileError::Unsupported(format!("{e:#}")))?;
        }
    }
    let engine = wasmtime::Engine::new(&config).map_err(|e| CompileError::EngineFault(format!("{e:#}")))?;
    epoch::register(&engine);
    Ok(engine)
}

impl WasmtimeEngine {
    pub fn new(compiler: Compiler, allocator: Allocator) -> Result<Self, CompileError> {
        let suffix = match allocator {
            Allocator::OnDemand => "",
            Allocator::Pooling => "-pooling",
        };
        let features = match compiler {
            Compiler::Winch => WINCH_FEATURES,
            Compiler::Cranelift | Compiler::Pulley => FEATURES,
        };
        Ok(WasmtimeEngine {
            info: EngineInfo {
                id: format!("wasmtime-{}{suffix}", compiler.name()),
                engine: "wasmtime".into(),
                version: VERSION.into(),
                compiler: compiler.name().into(),
                capabilities: Capabilities {
                    instance_pool: allocator == Allocator::Pooling,
                    ..Capabilities::on_concord_host(Fuel::Everywhere, features.to_vec())
                },
            },
            engines: Engines {
                unmetered: engine(compiler, allocator, false)?,
                metered: engine(compiler, allocator, true)?,
            },
        })
    }
}

impl Engine for WasmtimeEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        self.compile_for(wasm, &InstanceConfig::default())
    }

    fn compile_for(&self, wasm: &[u8], config: &InstanceConfig) -> Result<Box<dyn Module>, CompileError> {
        let abi = Arc::new(PluginAbi::parse(wasm)?);
        let variants = MeteringVariants::compile(self.engines.clone(), wasm, metering(config))?;
        Ok(plugin_module(WasmtimeModule { variants, abi: abi.clone() }, &abi))
    }

    /// Its plugin instances follow either memory-limit rule (its limiter sees every grow).
    fn honours(&self, _config: &InstanceConfig) -> bool {
        true
    }

    fn typed_store(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::TypedStore>, Outcome> {
        let engine = if metering(config) { &self.engines.metered } else { &self.engines.unmetered };
        Ok(Box::new(typed::WasmtimeStore::new(engine, config)?))
    }
}

/// What winch runs beyond the base, as measured with the spec testsuite: it refuses modules with
/// GC types, externref among them, so reference types are not declared.
const WINCH_FEATURES: &[Feature] = &[Feature::Simd, Feature::ExtendedConst, Feature::MultiMemory, Feature::Memory64];

/// What wasmtime 49's default configuration runs beyond the base, with cranelift and pulley.
const FEATURES: &[Feature] = &[
    Feature::Simd,
    Feature::ReferenceTypes,
    Feature::RelaxedSimd,
    Feature::TailCall,
    Feature::ExtendedConst,
    Feature::MultiMemory,
    Feature::Memory64,
];

/// Whether an instance with `config` counts fuel: only for a fuel budget (a deadline is enforced
/// through epochs).
fn metering(config: &InstanceConfig) -> bool {
    config.cpu.fuel.is_some()
}

struct WasmtimeModule {
    variants: MeteringVariants<Engines>,
    abi: Arc<PluginAbi>,
}

struct LinkedModule {
    module: wasmtime::Module,
    /// Imports linked once per set of host functions (keyed by identity): instantiating is then
    /// wasmtime's fastest path, `InstancePre::instantiate`.
    linked: Mutex<HashMap<HostFunctionsKey, Result<InstancePre<StoreData>, Outcome>>>,
}

struct StoreData {
    host: HostState,
    limiter: MemoryLimiter,
    memory: Option<Memory>,
}

/// Module, name and callback identity of each host function an instance is given.
type HostFunctionsKey = Vec<(String, String, usize)>;

fn host_functions_key(config: &InstanceConfig) -> HostFunctionsKey {
    let identity = |f: &concord_engine::HostFunction| Arc::as_ptr(&f.callback) as *const () as usize;
    config.host_functions.iter().map(|f| (f.module.clone(), f.name.clone(), identity(f))).collect()
}

impl LinkedModule {
    fn compile(engine: &wasmtime::Engine, wasm: &[u8]) -> Result<Self, CompileError> {
        let module = wasmtime::Module::new(engine, wasm).map_err(|error| {
            // Validation alone leaves out what this configuration adds (the pooling allocator's
            // limits, say): a module it accepts is valid Wasm this engine will not run.
            match wasmtime::Module::validate(engine, wasm) {
                Ok(()) => CompileError::Unsupported(format!("{error:#}")),
                Err(_) => CompileError::Invalid(format!("{error:#}")),
            }
        })?;
        Ok(LinkedModule { module, linked: Mutex::new(HashMap::new()) })
    }

    fn instance_pre(&self, config: &InstanceConfig) -> Result<InstancePre<StoreData>, Outcome> {
        let mut linked = self.linked.lock().unwrap_or_else(|e| e.into_inner());
        linked.entry(host_functions_key(config)).or_insert_with(|| self.link(config)).clone()
    }

    /// Links every import the module asks for, or says which one this host cannot provide.
    fn link(&self, config: &InstanceConfig) -> Result<InstancePre<StoreData>, Outcome> {
        let engine = self.module.engine();
        let mut linker = Linker::<StoreData>::new(engine);
        for import in self.module.imports() {
            let (module, name) = (import.module().to_string(), import.name().to_string());
            let missing = || {
                Outcome::InstantiateFailed(InstantiateFailure::MissingImport {
                    module: module.clone(),
                    name: name.clone(),
                })
            };
            let ExternType::Func(wanted) = import.ty() else { return Err(missing()) };
            let resolved = resolve_for(config, &module, &name).ok_or_else(missing)?;
            let ty = FuncType::new(engine, resolved.params.iter().map(val_type), resolved.results.iter().map(val_type));
            if !FuncType::eq(&ty, &wanted) {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
            }
            let defined = match resolved.kernel_fn() {
                Some(f) => link_kernel_function(&mut linker, &module, &name, f),
                None => linker
                    .func_new(&module, &name, ty, move |mut caller, params, results| {
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
                        outcome.map_err(wasmtime::Error::new)
                    })
                    .map(|_| ()),
            };
            defined.map_err(|e| Outcome::EngineFault(format!("linking {module}::{name}: {e:#}")))?;
        }
        linker
            .instantiate_pre(&self.module)
            .map_err(|e| Outcome::InstantiateFailed(InstantiateFailure::Other { message: format!("{e:#}") }))
    }
}

impl Module for WasmtimeModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        if let Some(refusal) = self.abi.refusal() {
            return Err(refusal);
        }
        let linked = self.variants.get(metering(config))?;
        let pre = linked.instance_pre(config)?;
        let data = StoreData {
            host: HostState::new(config),
            limiter: MemoryLimiter::new(config.memory_limit.map(|l| l.bytes() as usize), config.memory_limit_rule),
            memory: None,
        };
        let mut store = Store::new(linked.module.engine(), data);
        store.limiter(|data| &mut data.limiter);
        store.epoch_deadline_trap();
        arm_budget(&mut store, config.cpu);
        let instance = match pre.instantiate(&mut store) {
            Ok(instance) => instance,
            Err(error) => return Err(instantiate_failure(&store, error)),
        };
        store.data_mut().limiter.instantiated();
        let memory = instance.get_memory(&mut store, "memory");
        store.data_mut().memory = memory;
        for init in self.abi.at_instantiation() {
            run_init(&mut store, &instance, init).map_err(|e| instantiate_failure(&store, e))?;
        }
        Ok(Box::new(WasmtimeInstance {
            store,
            instance,
            memory,
            cpu: config.cpu,
            last_export: None,
            abi: self.abi.clone(),
            initialized: false,
        }))
    }
}

impl KernelHost for StoreData {
    fn kernel(&mut self) -> &mut Kernel {
        &mut self.host.kernel
    }
}

/// Links a kernel function as a typed host function: the dynamic-call path costs several times
/// more per call, and guests call the kernel for every 8 bytes they read or write.
pub fn link_kernel_function<T: KernelHost>(
    linker: &mut Linker<T>,
    module: &str,
    name: &str,
    f: KernelFn,
) -> wasmtime::Result<()> {
    type C<'a, T> = wasmtime::Caller<'a, T>;
    let fault = wasmtime::Error::new;
    match f {
        KernelFn::Get(f) => {
            linker.func_wrap(module, name, move |mut c: C<T>| f(c.data_mut().kernel()).map(|v| v as i64).map_err(fault))
        }
        KernelFn::Map(f) => linker.func_wrap(module, name, move |mut c: C<T>, a: i64| {
            f(c.data_mut().kernel(), a as u64).map(|v| v as i64).map_err(fault)
        }),
        KernelFn::LoadByte(f) => linker.func_wrap(module, name, move |mut c: C<T>, a: i64| {
            f(c.data_mut().kernel(), a as u64).map(i32::from).map_err(fault)
        }),
        KernelFn::Take(f) => {
            linker.func_wrap(module, name, move |mut c: C<T>, a: i64| f(c.data_mut().kernel(), a as u64).map_err(fault))
        }
        KernelFn::Put(f) => linker.func_wrap(module, name, move |mut c: C<T>, a: i64, b: i64| {
            f(c.data_mut().kernel(), a as u64, b as u64).map_err(fault)
        }),
        KernelFn::PutByte(f) => linker.func_wrap(module, name, move |mut c: C<T>, a: i64, b: i32| {
            f(c.data_mut().kernel(), a as u64, b as u8).map_err(fault)
        }),
    }
    .map(|_| ())
}

/// Calls one of the guest's initialisation functions with zeros for its arguments.
fn run_init<T>(store: &mut Store<T>, instance: &wasmtime::Instance, init: &InitCall) -> wasmtime::Result<()> {
    let func = instance.get_func(&mut *store, init.export).ok_or_else(|| wasmtime::Error::msg("no such export"))?;
    let mut results = vec![wasmtime::Val::I32(0); func.ty(&*store).results().len()];
    func.call(store, &vec![wasmtime::Val::I32(0); init.args], &mut results)
}

fn instantiate_failure(store: &Store<StoreData>, error: wasmtime::Error) -> Outcome {
    if store.data().limiter.refused {
        return Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit);
    }
    if error.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
        return Outcome::InstantiateFailed(InstantiateFailure::PoolExhausted);
    }
    start_outcome(classify(&error))
}

/// Fills the fuel tank and restarts the deadline.
fn arm_budget(store: &mut Store<StoreData>, cpu: CpuBudget) {
    arm_budget_of(store, cpu)
}

/// [`arm_budget`] for a store of any data (the typed layer's too).
fn arm_budget_of<T>(store: &mut Store<T>, cpu: CpuBudget) {
    if let Some(fuel) = cpu.fuel {
        store.set_fuel(fuel).expect("a fuel budget runs on the metered engine");
    }
    // wasmtime adds this to the current epoch, so "never" must leave room for the addition.
    store.set_epoch_deadline(cpu.deadline.map_or(u64::MAX / 2, epoch::ticks));
}

struct WasmtimeInstance {
    store: Store<StoreData>,
    instance: wasmtime::Instance,
    memory: Option<Memory>,
    cpu: CpuBudget,
    /// The export called last, looked up and type-checked once (most callers call one export
    /// over and over).
    last_export: Option<(String, Export)>,
    abi: Arc<PluginAbi>,
    /// Whether the guest's runtime has been initialised (before the first call).
    initialized: bool,
}

enum Export {
    Code(TypedFunc<(), i32>),
    Void(TypedFunc<(), ()>),
}

impl WasmtimeInstance {
    /// Makes `name` the export `last_export` holds. A `TypedFunc` clone copies its registered
    /// type (a reference count and a lock), so the call path borrows it instead of cloning.
    fn select_export(&mut self, name: &str) -> Result<(), Outcome> {
        if self.last_export.as_ref().is_some_and(|(last, _)| last == name) {
            return Ok(());
        }
        let shape = self.abi.export(name)?;
        let func = self.instance.get_func(&mut self.store, name).expect("the ABI found it exported");
        let typed = |e: wasmtime::Error| Outcome::EngineFault(format!("{name}: {e:#}"));
        let export = match shape {
            ExportShape::Code => Export::Code(func.typed(&self.store).map_err(typed)?),
            ExportShape::Void => Export::Void(func.typed(&self.store).map_err(typed)?),
        };
        self.last_export = Some((name.to_string(), export));
        Ok(())
    }
}

impl concord_engine::Instance for WasmtimeInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        if let Err(outcome) = self.select_export(export) {
            return Call::from_outcome(outcome);
        }
        // Without a budget there is no fuel to count, and the deadline set at instantiation (~2^63
        // epochs away) cannot pass in any real run of calls, so only a budget is re-armed per call.
        if self.cpu != CpuBudget::default() {
            arm_budget(&mut self.store, self.cpu);
        }
        if !self.initialized {
            self.initialized = true;
            for init in self.abi.at_first_call() {
                if let Err(e) = run_init(&mut self.store, &self.instance, init) {
                    return plugin_call(&mut self.store.data_mut().host, Err(classify(&e)));
                }
            }
        }
        self.store.data_mut().host.kernel.begin_call(input);
        let ended = match &self.last_export.as_ref().expect("selected above").1 {
            Export::Code(func) => func.call(&mut self.store, ()),
            Export::Void(func) => func.call(&mut self.store, ()).map(|()| 0),
        };
        plugin_call(&mut self.store.data_mut().host, ended.map_err(|e| classify(&e)))
    }

    fn memory_pages(&mut self) -> Option<u64> {
        // `Memory::size` also looks the page size up. This engine's Config leaves custom page sizes
        // off (wasmtime's default: not part of Wasm 3.0), so every memory has 64 KiB pages.
        self.memory.map(|m| m.data_size(&self.store) as u64 / WASM_PAGE)
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        self.memory.map(|m| MemoryObservation::of(m.data(&self.store)))
    }
}

fn classify(error: &wasmtime::Error) -> Stop {
    if let Some(fault) = error.downcast_ref::<concord_engine::HostFault>() {
        return Stop::Host(fault.clone());
    }
    if error.downcast_ref::<limiter::MemoryLimitEnded>().is_some() {
        return Stop::Limit(LimitKind::Memory);
    }
    let Some(trap) = error.downcast_ref::<wasmtime::Trap>() else {
        return Stop::EngineFault(format!("{error:#}"));
    };
    use wasmtime::Trap as T;
    Stop::Trap(match trap {
        T::OutOfFuel => return Stop::Limit(LimitKind::Fuel),
        T::Interrupt => return Stop::Limit(LimitKind::Deadline),
        T::StackOverflow => TrapKind::StackOverflow,
        T::MemoryOutOfBounds | T::HeapMisaligned => TrapKind::MemoryOutOfBounds,
        T::TableOutOfBounds => TrapKind::TableOutOfBounds,
        T::IndirectCallToNull => TrapKind::IndirectCallToNull,
        T::BadSignature => TrapKind::BadSignature,
        T::IntegerOverflow => TrapKind::IntegerOverflow,
        T::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        T::BadConversionToInteger => TrapKind::BadConversionToInteger,
        T::UnreachableCodeReached => TrapKind::Unreachable,
        T::NullReference => TrapKind::NullReference,
        _ => TrapKind::Other,
    })
}

fn val_type(ty: &ValType) -> wasmtime::ValType {
    match ty {
        ValType::I32 => wasmtime::ValType::I32,
        ValType::I64 => wasmtime::ValType::I64,
        ValType::F32 => wasmtime::ValType::F32,
        ValType::F64 => wasmtime::ValType::F64,
    }
}

fn from_val(val: &wasmtime::Val) -> concord_engine::Val {
    match *val {
        wasmtime::Val::I32(v) => concord_engine::Val::I32(v),
        wasmtime::Val::I64(v) => concord_engine::Val::I64(v),
        wasmtime::Val::F32(bits) => concord_engine::Val::F32(f32::from_bits(bits)),
        wasmtime::Val::F64(bits) => concord_engine::Val::F64(f64::from_bits(bits)),
        // The import table only declares numeric types, so the engine cannot hand us anything else.
        _ => concord_engine::Val::I64(0),
    }
}

fn to_val(val: concord_engine::Val) -> wasmtime::Val {
    match val {
        concord_engine::Val::I32(v) => wasmtime::Val::I32(v),
        concord_engine::Val::I64(v) => wasmtime::Val::I64(v),
        concord_engine::Val::F32(v) => wasmtime::Val::F32(v.to_bits()),
        concord_engine::Val::F64(v) => wasmtime::Val::F64(v.to_bits()),
    }
}
