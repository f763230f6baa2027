//! wasmer 7.3 as two engine configurations: cranelift and singlepass. Memory limits through
//! custom `Tunables`; the CPU budget through the `Metering` middleware (fuel) and the host
//! interrupter (wall-clock deadline).

mod tunables;

use concord_engine::kernel::HotFunction;
use concord_engine::wasi::GuestMemory;
use concord_engine::{
    BadExport, Call, CompileError, Engine, EngineInfo, HostFault, HostState, InstanceConfig, InstantiateFailure,
    LimitKind, MemoryObservation, Module, Outcome, Stop, TrapKind, ValType, WASM_PAGE, plugin_outcome, resolve,
    set_alarm, start_outcome,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tunables::LimitingTunables;
use wasmer::sys::vm::TrapCode;
use wasmer::sys::{BaseTunables, CompilerConfig, Cranelift, NativeEngineExt, Singlepass};
use wasmer::{
    ExternType, Function, FunctionEnv, FunctionEnvMut, FunctionType, Imports, Memory, RuntimeError, Store,
    TypedFunction, Value,
};
use wasmer_middlewares::Metering;
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points, set_remaining_points};

pub const VERSION: &str = "7.3.0";

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
            },
            compiler,
        }
    }

    /// A fresh engine per module: wasmer allows one `Metering` middleware per module, and its
    /// points live in the module's globals.
    fn engine(&self) -> wasmer::Engine {
        let metering = Arc::new(Metering::new(u64::MAX, |_: &wasmer::wasmparser::Operator| 1));
        match self.compiler {
            Compiler::Cranelift => {
                let mut config = Cranelift::default();
                config.push_middleware(metering);
                config.into()
            }
            Compiler::Singlepass => {
                let mut config = Singlepass::default();
                config.push_middleware(metering);
                config.into()
            }
        }
    }
}

impl Engine for WasmerEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        let engine = self.engine();
        let module = wasmer::Module::new(&engine, wasm).map_err(|e| CompileError::Invalid(e.to_string()))?;
        Ok(Box::new(WasmerModule { engine, module }))
    }
}

struct WasmerModule {
    engine: wasmer::Engine,
    module: wasmer::Module,
}

struct Env {
    host: HostState,
    memory: Option<Memory>,
}

impl Module for WasmerModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        let refused = Arc::new(AtomicBool::new(false));
        let mut engine = self.engine.clone();
        if let Some(bytes) = config.memory_limit_bytes {
            let base = BaseTunables::for_target(engine.target());
            let limit = wasmer::Pages((bytes / WASM_PAGE).min(u32::MAX as u64) as u32);
            engine.set_tunables(LimitingTunables { base, limit, refused: refused.clone() });
        }
        let mut store = Store::new(engine);
        let env = FunctionEnv::new(&mut store, Env { host: HostState::new(config), memory: None });

        let mut imports = Imports::new();
        for import in self.module.imports() {
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
            let resolved = resolve(&module, &name, &config.host_functions).ok_or_else(missing)?;
            let ty = FunctionType::new(
                resolved.params.iter().map(val_type).collect::<Vec<_>>(),
                resolved.results.iter().map(val_type).collect::<Vec<_>>(),
            );
            if ty != *wanted {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
            }
            let user_defined = config.host_functions.iter().any(|f| f.module == module && f.name == name);
            if let Some(hot) = HotFunction::find(&module, &name).filter(|_| !user_defined) {
                imports.define(&module, &name, hot_function(&mut store, &env, hot));
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

        let instance = match wasmer::Instance::new(&mut store, &self.module, &imports) {
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
        let mut instance = WasmerInstance { store, env, instance, memory, config: config.clone() };
        if let Ok(init) = instance.instance.exports.get_function("_initialize") {
            let init = init
                .typed::<(), ()>(&instance.store)
                .map_err(|_| Outcome::BadExport(BadExport::Signature { name: "_initialize".into() }))?;
            instance.run(|store| init.call(store)).map_err(start_outcome)?;
        }
        Ok(Box::new(instance))
    }
}

/// The per-byte kernel calls as typed host functions: the same kernel methods, without the
/// dynamic-call path.
fn hot_function(store: &mut Store, env: &FunctionEnv<Env>, hot: HotFunction) -> Function {
    type E<'a> = FunctionEnvMut<'a, Env>;
    let fault = |f: HostFault| RuntimeError::user(Box::new(f));
    match hot {
        HotFunction::InputLoadU8 => Function::new_typed_with_env(store, env, move |e: E, at: i64| {
            e.data().host.kernel.input_load_u8(at as u64).map(i32::from).map_err(fault)
        }),
        HotFunction::InputLoadU64 => Function::new_typed_with_env(store, env, move |e: E, at: i64| {
            e.data().host.kernel.input_load_u64(at as u64).map(|v| v as i64).map_err(fault)
        }),
        HotFunction::LoadU8 => Function::new_typed_with_env(store, env, move |e: E, at: i64| {
            e.data().host.kernel.load_u8(at as u64).map(i32::from).map_err(fault)
        }),
        HotFunction::LoadU64 => Function::new_typed_with_env(store, env, move |e: E, at: i64| {
            e.data().host.kernel.load_u64(at as u64).map(|v| v as i64).map_err(fault)
        }),
        HotFunction::StoreU8 => Function::new_typed_with_env(store, env, move |mut e: E, at: i64, v: i32| {
            e.data_mut().host.kernel.store_u8(at as u64, v as u8).map_err(fault)
        }),
        HotFunction::StoreU64 => Function::new_typed_with_env(store, env, move |mut e: E, at: i64, v: i64| {
            e.data_mut().host.kernel.store_u64(at as u64, v as u64).map_err(fault)
        }),
    }
}

struct WasmerInstance {
    store: Store,
    env: FunctionEnv<Env>,
    instance: wasmer::Instance,
    memory: Option<Memory>,
    config: InstanceConfig,
}

impl WasmerInstance {
    /// Runs `f` under the CPU budget: metering points for fuel, the interrupter for the deadline.
    fn run<R>(&mut self, f: impl FnOnce(&mut Store) -> Result<R, RuntimeError>) -> Result<R, Stop> {
        set_remaining_points(&mut self.store, &self.instance, self.config.cpu.fuel.unwrap_or(u64::MAX));
        let interrupted = Arc::new(AtomicBool::new(false));
        let _alarm = self.config.cpu.deadline.map(|deadline| {
            let interrupter = Mutex::new(self.store.interrupter());
            let interrupted = interrupted.clone();
            set_alarm(deadline, move || {
                interrupted.store(true, Ordering::Relaxed);
                interrupter.lock().unwrap_or_else(|e| e.into_inner()).interrupt();
            })
        });
        let result = f(&mut self.store);
        drop(_alarm);
        result.map_err(|error| {
            let exhausted = matches!(get_remaining_points(&mut self.store, &self.instance), MeteringPoints::Exhausted);
            if exhausted {
                Stop::Limit(LimitKind::Fuel)
            } else {
                classify(error, Some(interrupted.load(Ordering::Relaxed)))
            }
        })
    }

    fn export(&self, name: &str) -> Result<TypedFunction<(), i32>, Outcome> {
        let func = self
            .instance
            .exports
            .get_function(name)
            .map_err(|_| Outcome::BadExport(BadExport::Missing { name: name.into() }))?;
        func.typed::<(), i32>(&self.store).map_err(|_| Outcome::BadExport(BadExport::Signature { name: name.into() }))
    }
}

impl concord_engine::Instance for WasmerInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        let func = match self.export(export) {
            Ok(func) => func,
            Err(outcome) => return Call::from_outcome(outcome),
        };
        self.env.as_mut(&mut self.store).host.kernel.begin_call(input);
        let fuel = self.config.cpu.fuel.unwrap_or(u64::MAX);
        let start = Instant::now();
        let ended = self.run(|store| func.call(store));
        let elapsed = start.elapsed();
        let fuel_consumed = match get_remaining_points(&mut self.store, &self.instance) {
            MeteringPoints::Remaining(left) => fuel - left,
            MeteringPoints::Exhausted => fuel,
        };
        let outcome = plugin_outcome(&self.env.as_ref(&self.store).host, ended);
        let wasi = &mut self.env.as_mut(&mut self.store).host.wasi;
        let (stdout, stderr) = (std::mem::take(&mut wasi.stdout.bytes), std::mem::take(&mut wasi.stderr.bytes));
        Call {
            outcome,
            memory_pages: self.memory.as_ref().map(|m| m.view(&self.store).size().0 as u64),
            elapsed,
            fuel_consumed: Some(fuel_consumed),
            stdout,
            stderr,
        }
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        let memory = self.memory.as_ref()?;
        let bytes = memory.view(&self.store).copy_to_vec().ok()?;
        Some(MemoryObservation::of(&bytes))
    }
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
