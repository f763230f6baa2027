//! wasmer 7.4 as two engine configurations: cranelift and singlepass. Memory limits through
//! custom `Tunables`; the CPU budget through the `Metering` middleware (fuel) and the host
//! interrupter (wall-clock deadline). Only instances with a fuel budget run metered code.

mod tunables;
mod typed;

use concord_engine::wasi::GuestMemory;
use concord_engine::{
    Call, CompileError, CompileVariant, CpuBudget, Engine, EngineInfo, Feature, HostFault, InstanceConfig,
    InstantiateFailure, LimitKind, MemoryObservation, MeteringVariants, Module, Outcome, TrapKind, ValType, set_alarm,
};
use concord_engine::{Capabilities, Fuel};
use concord_host::kernel::{Kernel, KernelFn, KernelHost};
use concord_host::{
    ExportShape, HostState, InitCall, PluginAbi, Stop, plugin_call, plugin_module, resolve_for, start_outcome,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tunables::LimitingTunables;
use wasmer::sys::vm::TrapCode;
use wasmer::sys::{BaseTunables, CompilerConfig, Cranelift, NativeEngineExt, Singlepass};
use wasmer::{
    ExternType, Function, FunctionEnv, FunctionEnvMut, FunctionType, Global, Imports, Memory, RuntimeError, Store,
    TypedFunction, Value,
};
use wasmer_middlewares::Metering;
use wasmer_middlewares::metering::MeteringPoints;

pub const VERSION: &str = "7.4.2";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    Cranelift,
    Singlepass,
}

impl Compiler {
    pub const ALL: [Compiler; 2] = [Compiler::Cranelift, Compiler::Singlepass];

    fn name(self) -> &'static str {
        match self {
            Compiler::Cranelift => "cranelift",
            Compiler::Singlepass => "singlepass",
        }
    }

    /// The features beyond the base it compiles. Singlepass 7.4 (as 7.3) has no SIMD: it cannot hold a
    /// `v128` local ("singlepass init_local unimplemented type: V128") nor compile `v128.const`
    /// or a `v128.load`, so every module of the `simd` proposal's suite failed to compile there.
    fn features(self) -> Vec<Feature> {
        match self {
            Compiler::Cranelift => vec![Feature::Simd, Feature::ReferenceTypes, Feature::MultiMemory],
            Compiler::Singlepass => vec![Feature::ReferenceTypes, Feature::MultiMemory],
        }
    }
}

pub struct WasmerEngine {
    info: EngineInfo,
    compiler: Compiler,
}

impl WasmerEngine {
    pub fn new(compiler: Compiler) -> Self {
        WasmerEngine {
            info: EngineInfo {
                id: format!("wasmer-{}", compiler.name()),
                engine: "wasmer".into(),
                version: VERSION.into(),
                compiler: compiler.name().into(),
                capabilities: Capabilities::on_concord_host(Fuel::PluginCalls, compiler.features()),
            },
            compiler,
        }
    }
}

/// A fresh engine per module, metered by fuel or not: wasmer allows one `Metering` middleware per
/// module, and its points live in the module's globals. Public so the raw-API benchmark runs the
/// same configuration.
pub fn engine(compiler: Compiler, fuel: bool) -> wasmer::Engine {
    let metering = || Arc::new(Metering::new(u64::MAX, |_: &wasmer::wasmparser::Operator| 1));
    match compiler {
        Compiler::Cranelift => {
            let mut config = Cranelift::default();
            if fuel {
                config.push_middleware(metering());
            }
            config.into()
        }
        Compiler::Singlepass => {
            let mut config = Singlepass::default();
            if fuel {
                config.push_middleware(metering());
            }
            config.into()
        }
    }
}

impl Engine for WasmerEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        self.compile_for(wasm, &InstanceConfig::default())
    }

    fn compile_for(&self, wasm: &[u8], config: &InstanceConfig) -> Result<Box<dyn Module>, CompileError> {
        let abi = Arc::new(PluginAbi::parse(wasm)?);
        let variants = MeteringVariants::compile(VariantCompiler(self.compiler), wasm, metering(config))?;
        Ok(plugin_module(WasmerModule { variants, abi: abi.clone() }, &abi))
    }

    fn typed_store(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::TypedStore>, Outcome> {
        Ok(Box::new(typed::WasmerStore::new(self.compiler, config)?))
    }
}

/// Whether an instance with `config` counts fuel: only for a fuel budget (a deadline is enforced
/// by the host interrupter).
fn metering(config: &InstanceConfig) -> bool {
    config.cpu.fuel.is_some()
}

struct WasmerModule {
    variants: MeteringVariants<VariantCompiler>,
    abi: Arc<PluginAbi>,
}

struct CompiledModule {
    engine: wasmer::Engine,
    module: wasmer::Module,
}

/// Compiles this backend's variants; private, as what it compiles to is.
struct VariantCompiler(Compiler);

impl CompileVariant for VariantCompiler {
    type Compiled = CompiledModule;
    fn compile_variant(&self, metering: bool, wasm: &[u8]) -> Result<CompiledModule, CompileError> {
        let engine = engine(self.0, metering);
        let module = wasmer::Module::new(&engine, wasm).map_err(|e| CompileError::Invalid(e.to_string()))?;
        Ok(CompiledModule { engine, module })
    }
}

struct Env {
    host: HostState,
    memory: Option<Memory>,
}

impl Module for WasmerModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        if let Some(refusal) = self.abi.refusal() {
            return Err(refusal);
        }
        let compiled = self.variants.get(metering(config))?;
        let refused = Arc::new(AtomicBool::new(false));
        let mut engine = compiled.engine.clone();
        if let Some(limit) = config.memory_limit {
            let base = BaseTunables::new();
            let limit = wasmer::Pages(limit.pages().min(u32::MAX as u64) as u32);
            engine.set_tunables(LimitingTunables { base, limit, refused: refused.clone() });
        }
        let mut store = Store::new(engine);
        let env = FunctionEnv::new(&mut store, Env { host: HostState::new(config), memory: None });

        let mut imports = Imports::new();
        for import in compiled.module.imports() {
            let (module, name) = (import.module().to_string(), import.name().to_string());
            let missing = || {
                Outcome::InstantiateFailed(InstantiateFailure::MissingImport {
                    module: module.clone(),
                    name: name.clone(),
                })
            };
            let ExternType::Function(wanted) = import.ty() else {
                return Err(missing());
            };
            let resolved = resolve_for(config, &module, &name).ok_or_else(missing)?;
            let ty = FunctionType::new(
                resolved.params.iter().map(val_type).collect::<Vec<_>>(),
                resolved.results.iter().map(val_type).collect::<Vec<_>>(),
            );
            if ty != *wanted {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
            }
            if let Some(f) = resolved.kernel_fn() {
                imports.define(&module, &name, kernel_function(&mut store, &env, f));
                continue;
            }
            let function =
                Function::new_with_env(&mut store, &env, ty, move |mut env: FunctionEnvMut<Env>, params: &[Value]| {
                    let args = params.iter().map(from_val);
                    let mut out = Vec::with_capacity(resolved.results.len());
                    let emit = |_, v| out.push(to_val(v));
                    let (data, store) = env.data_and_store_mut();
                    let outcome = match data.memory.as_ref().filter(|_| resolved.needs_memory) {
                        Some(memory) => {
                            let view = memory.view(&store);
                            // SAFETY: the guest is suspended in this host call and its memory is not
                            // shared, so nothing else reads or writes it while the slice lives.
                            let bytes = unsafe { view.data_unchecked_mut() };
                            resolved.invoke_with(&mut data.host, Some(&mut GuestMemory::new(bytes)), args, emit)
                        }
                        None => resolved.invoke_with(&mut data.host, None, args, emit),
                    };
                    outcome.map_err(|fault| RuntimeError::user(Box::new(fault)))?;
                    Ok(out)
                });
            imports.define(&module, &name, function);
        }

        let instance = match wasmer::Instance::new(&mut store, &compiled.module, &imports) {
            Ok(instance) => instance,
            Err(_) if refused.load(Ordering::Relaxed) => {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit));
            }
            Err(wasmer::InstantiationError::Start(error)) => {
                return Err(start_outcome(classify(error, None)));
            }
            Err(error) => {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::Other { message: error.to_string() }));
            }
        };
        let memory = instance.exports.get_memory("memory").ok().cloned();
        env.as_mut(&mut store).memory = memory.clone();
        let metering = MeteringGlobals::of(&instance);
        if self::metering(config) && metering.is_none() {
            return Err(Outcome::EngineFault("the metering middleware left no points globals".into()));
        }
        let abi = self.abi.clone();
        let mut instance = WasmerInstance {
            store,
            env,
            instance,
            memory,
            cpu: config.cpu,
            metering,
            last_export: None,
            abi,
            initialized: false,
        };
        for init in instance.abi.clone().at_instantiation() {
            instance.run_init(init).map_err(start_outcome)?;
        }
        Ok(Box::new(instance))
    }
}

impl KernelHost for Env {
    fn kernel(&mut self) -> &mut Kernel {
        &mut self.host.kernel
    }
}

/// A kernel function as a typed host function: guests call the kernel for every 8 bytes they read
/// or write, and the dynamic-call path converts every argument and result.
pub fn kernel_function<T: KernelHost + Send>(store: &mut Store, env: &FunctionEnv<T>, f: KernelFn) -> Function {
    type E<'a, T> = FunctionEnvMut<'a, T>;
    let fault = |f: HostFault| RuntimeError::user(Box::new(f));
    match f {
        KernelFn::Get(f) => Function::new_typed_with_env(store, env, move |mut e: E<T>| {
            f(e.data_mut().kernel()).map(|v| v as i64).map_err(fault)
        }),
        KernelFn::Map(f) => Function::new_typed_with_env(store, env, move |mut e: E<T>, a: i64| {
            f(e.data_mut().kernel(), a as u64).map(|v| v as i64).map_err(fault)
        }),
        KernelFn::LoadByte(f) => Function::new_typed_with_env(store, env, move |mut e: E<T>, a: i64| {
            f(e.data_mut().kernel(), a as u64).map(i32::from).map_err(fault)
        }),
        KernelFn::Take(f) => Function::new_typed_with_env(store, env, move |mut e: E<T>, a: i64| {
            f(e.data_mut().kernel(), a as u64).map_err(fault)
        }),
        KernelFn::Put(f) => Function::new_typed_with_env(store, env, move |mut e: E<T>, a: i64, b: i64| {
            f(e.data_mut().kernel(), a as u64, b as u64).map_err(fault)
        }),
        KernelFn::PutByte(f) => Function::new_typed_with_env(store, env, move |mut e: E<T>, a: i64, b: i32| {
            f(e.data_mut().kernel(), a as u64, b as u8).map_err(fault)
        }),
    }
}

struct WasmerInstance {
    store: Store,
    env: FunctionEnv<Env>,
    instance: wasmer::Instance,
    memory: Option<Memory>,
    cpu: CpuBudget,
    /// Present exactly when the instance has a fuel budget.
    metering: Option<MeteringGlobals>,
    /// The export called last, looked up and type-checked once (most callers call one export
    /// over and over).
    last_export: Option<(String, Export)>,
    abi: Arc<PluginAbi>,
    /// Whether the guest's runtime has been initialised (before the first call).
    initialized: bool,
}

/// The two globals the metering middleware adds to every instance, found once: wasmer_middlewares'
/// own accessors look both up by name on every read and write.
struct MeteringGlobals {
    remaining: Global,
    exhausted: Global,
}

impl MeteringGlobals {
    /// The names wasmer_middlewares 7.4's `get_remaining_points` and `set_remaining_points` use.
    fn of(instance: &wasmer::Instance) -> Option<MeteringGlobals> {
        let global = |name| instance.exports.get_global(name).ok().cloned();
        Some(MeteringGlobals {
            remaining: global("wasmer_metering_remaining_points")?,
            exhausted: global("wasmer_metering_points_exhausted")?,
        })
    }

    fn set(&self, store: &mut Store, points: u64) {
        // Both globals are the middleware's own, of these types: neither set can fail.
        let _ = self.remaining.set(store, Value::I64(points as i64));
        let _ = self.exhausted.set(store, Value::I32(0));
    }

    fn get(&self, store: &mut Store) -> MeteringPoints {
        match (self.exhausted.get(store), self.remaining.get(store)) {
            (Value::I32(0), Value::I64(points)) => MeteringPoints::Remaining(points as u64),
            _ => MeteringPoints::Exhausted,
        }
    }
}

impl WasmerInstance {
    /// Runs `f` under the CPU budget: metering points for fuel, the interrupter for the deadline.
    fn run<R>(&mut self, f: impl FnOnce(&mut Store) -> Result<R, RuntimeError>) -> Result<R, Stop> {
        if let (Some(fuel), Some(metering)) = (self.cpu.fuel, &self.metering) {
            metering.set(&mut self.store, fuel);
        }
        let (result, interrupted) = with_deadline(&mut self.store, self.cpu.deadline, f);
        result.map_err(|error| match self.metering.as_ref().map(|m| m.get(&mut self.store)) {
            Some(MeteringPoints::Exhausted) => Stop::Limit(LimitKind::Fuel),
            _ => classify(error, interrupted),
        })
    }

    /// Calls one of the guest's initialisation functions with zeros for its arguments.
    fn run_init(&mut self, init: &InitCall) -> Result<(), Stop> {
        let func = self.instance.exports.get_function(init.export).expect("the ABI found it exported").clone();
        let args = vec![Value::I32(0); init.args];
        self.run(|store| func.call(store, &args).map(drop))
    }

    fn select_export(&mut self, name: &str) -> Result<(), Outcome> {
        if self.last_export.as_ref().is_some_and(|(last, _)| last == name) {
            return Ok(());
        }
        let shape = self.abi.export(name)?;
        let func = self.instance.exports.get_function(name).expect("the ABI found it exported");
        let typed = |e: wasmer::RuntimeError| Outcome::EngineFault(format!("{name}: {e}"));
        let func = match shape {
            ExportShape::Code => Export::Code(func.typed(&self.store).map_err(typed)?),
            ExportShape::Void => Export::Void(func.typed(&self.store).map_err(typed)?),
        };
        self.last_export = Some((name.to_string(), func));
        Ok(())
    }
}

#[derive(Clone)]
enum Export {
    Code(TypedFunction<(), i32>),
    Void(TypedFunction<(), ()>),
}

impl concord_engine::Instance for WasmerInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        if let Err(outcome) = self.select_export(export) {
            return Call::from_outcome(outcome);
        }
        if !self.initialized {
            self.initialized = true;
            for init in self.abi.clone().at_first_call() {
                if let Err(stop) = self.run_init(init) {
                    return plugin_call(&mut self.env.as_mut(&mut self.store).host, Err(stop));
                }
            }
        }
        let func = self.last_export.as_ref().expect("selected above").1.clone();
        self.env.as_mut(&mut self.store).host.kernel.begin_call(input);
        let ended = match func {
            Export::Code(func) => self.run(|store| func.call(store)),
            Export::Void(func) => self.run(|store| func.call(store)).map(|()| 0),
        };
        plugin_call(&mut self.env.as_mut(&mut self.store).host, ended)
    }

    fn memory_pages(&mut self) -> Option<u64> {
        self.memory.as_ref().map(|m| m.view(&self.store).size().0 as u64)
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        let memory = self.memory.as_ref()?;
        let bytes = memory.view(&self.store).copy_to_vec().ok()?;
        Some(MemoryObservation::of(&bytes))
    }
}

/// Runs `f` with `deadline` enforced by the store's interrupter, and says whether the alarm fired
/// (`None` without a deadline).
fn with_deadline<R>(
    store: &mut Store,
    deadline: Option<Duration>,
    f: impl FnOnce(&mut Store) -> R,
) -> (R, Option<bool>) {
    let alarm = deadline.map(|deadline| {
        let interrupter = Mutex::new(store.interrupter());
        let interrupted = Arc::new(AtomicBool::new(false));
        let flag = interrupted.clone();
        let alarm = set_alarm(deadline, move || {
            flag.store(true, Ordering::Relaxed);
            interrupter.lock().unwrap_or_else(|e| e.into_inner()).interrupt();
        });
        (interrupted, alarm)
    });
    let result = f(store);
    let interrupted = alarm.map(|(interrupted, alarm)| {
        drop(alarm);
        interrupted.load(Ordering::Relaxed)
    });
    (result, interrupted)
}

/// `interrupted` is whether our alarm fired, where one was set.
fn classify(error: RuntimeError, interrupted: Option<bool>) -> Stop {
    if let Some(fault) = error.downcast_ref::<HostFault>() {
        return Stop::Host(fault.clone());
    }
    let Some(code) = error.clone().to_trap() else {
        return Stop::EngineFault(error.message());
    };
    Stop::Trap(match code {
        TrapCode::HostInterrupt if interrupted == Some(true) => {
            return Stop::Limit(LimitKind::Deadline);
        }
        TrapCode::StackOverflow => TrapKind::StackOverflow,
        TrapCode::HeapAccessOutOfBounds | TrapCode::UnalignedAtomic => TrapKind::MemoryOutOfBounds,
        TrapCode::TableAccessOutOfBounds => TrapKind::TableOutOfBounds,
        TrapCode::IndirectCallToNull => TrapKind::IndirectCallToNull,
        TrapCode::BadSignature => TrapKind::BadSignature,
        TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
        TrapCode::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        TrapCode::BadConversionToInteger => TrapKind::BadConversionToInteger,
        TrapCode::UnreachableCodeReached => TrapKind::Unreachable,
        _ => TrapKind::Other,
    })
}

fn val_type(ty: &ValType) -> wasmer::Type {
    match ty {
        ValType::I32 => wasmer::Type::I32,
        ValType::I64 => wasmer::Type::I64,
        ValType::F32 => wasmer::Type::F32,
        ValType::F64 => wasmer::Type::F64,
    }
}

fn from_val(val: &Value) -> concord_engine::Val {
    match *val {
        Value::I32(v) => concord_engine::Val::I32(v),
        Value::I64(v) => concord_engine::Val::I64(v),
        Value::F32(v) => concord_engine::Val::F32(v),
        Value::F64(v) => concord_engine::Val::F64(v),
        // The import table only declares numeric types.
        _ => concord_engine::Val::I64(0),
    }
}

fn to_val(val: concord_engine::Val) -> Value {
    match val {
        concord_engine::Val::I32(v) => Value::I32(v),
        concord_engine::Val::I64(v) => Value::I64(v),
        concord_engine::Val::F32(v) => Value::F32(v),
        concord_engine::Val::F64(v) => Value::F64(v),
    }
}
