//! The typed-call layer on wasmer: one `Store` (on one engine) for every instance, imports
//! resolved by hand against `spectest` and the registered instances, a deadline through the host
//! interrupter. Fuel is not offered: wasmer's metering middleware serves one module per engine,
//! and a store links several.

use crate::tunables::LimitingTunables;
use crate::{Compiler, classify, engine, with_deadline};
use concord_engine::{
    BadExport, CompileError, CpuBudget, InstanceConfig, InstanceId, InstantiateFailure, Outcome, TypedStore, Value,
    limits_match, spectest,
};
use concord_host::{Stop, start_outcome, stop_outcome};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use wasmer::sys::BaseTunables;
use wasmer::sys::NativeEngineExt;
use wasmer::{
    Extern, ExternRef, ExternType, Function, FunctionType, Global, Imports, Memory, MemoryType, Module, Pages,
    RuntimeError, Store, Table, TableType, Type,
};

pub(crate) struct WasmerStore {
    store: Store,
    refused: Arc<AtomicBool>,
    /// Importable externs by module and name: `spectest`, then every registered instance.
    externs: HashMap<(String, String), Extern>,
    instances: Vec<wasmer::Instance>,
    cpu: CpuBudget,
}

impl WasmerStore {
    pub(crate) fn new(compiler: Compiler, config: &InstanceConfig) -> Result<Self, Outcome> {
        if config.cpu.fuel.is_some() {
            return Err(Outcome::Unsupported(
                "a fuel budget on the typed layer: wasmer meters one module per engine, and a store links several"
                    .into(),
            ));
        }
        let refused = Arc::new(AtomicBool::new(false));
        let mut engine = engine(compiler, false);
        if let Some(limit) = config.memory_limit {
            let base = BaseTunables::new();
            let limit = Pages(limit.pages().min(u32::MAX as u64) as u32);
            engine.set_tunables(LimitingTunables { base, limit, refused: refused.clone() });
        }
        let mut store = Store::new(engine);
        let externs =
            spectest_externs(&mut store).map_err(|e| Outcome::EngineFault(format!("defining spectest: {e}")))?;
        Ok(WasmerStore { store, refused, externs, instances: Vec::new(), cpu: config.cpu })
    }

    fn instance(&self, id: InstanceId) -> Result<&wasmer::Instance, Outcome> {
        self.instances.get(id.0).ok_or_else(|| Outcome::EngineFault(format!("no instance {}", id.0)))
    }

    fn compiled(&self, wasm: &[u8]) -> Result<Module, CompileError> {
        Module::new(&self.store, wasm).map_err(|e| CompileError::Invalid(e.to_string()))
    }

    /// The imports for `module`, or why it cannot link.
    fn imports(&self, module: &Module) -> Result<Imports, InstantiateFailure> {
        let mut imports = Imports::new();
        for import in module.imports() {
            let (module_name, name) = (import.module().to_string(), import.name().to_string());
            let Some(defined) = self.externs.get(&(module_name.clone(), name.clone())) else {
                return Err(InstantiateFailure::MissingImport { module: module_name, name });
            };
            if !matches(&self.store, defined, import.ty()) {
                return Err(InstantiateFailure::ImportTypeMismatch { module: module_name, name });
            }
            imports.define(&module_name, &name, defined.clone());
        }
        Ok(imports)
    }

    /// Runs `f` under the deadline, through the interrupter.
    fn run<R>(&mut self, f: impl FnOnce(&mut Store) -> Result<R, RuntimeError>) -> Result<R, Stop> {
        let (result, interrupted) = with_deadline(&mut self.store, self.cpu.deadline, f);
        result.map_err(|error| classify(error, interrupted))
    }
}

/// Whether `defined` satisfies an import of type `wanted`, by Wasm's import matching (a memory or
/// table compared by its size now).
fn matches(store: &Store, defined: &Extern, wanted: &ExternType) -> bool {
    match (defined, wanted) {
        (Extern::Function(f), ExternType::Function(want)) => f.ty(store) == *want,
        (Extern::Global(g), ExternType::Global(want)) => g.ty(store) == *want,
        (Extern::Memory(m), ExternType::Memory(want)) => {
            let have = m.ty(store);
            have.shared == want.shared
                && limits_match(
                    m.view(store).size().0 as u64,
                    have.maximum.map(|p| p.0 as u64),
                    want.minimum.0 as u64,
                    want.maximum.map(|p| p.0 as u64),
                )
        }
        (Extern::Table(t), ExternType::Table(want)) => {
            let have = t.ty(store);
            have.ty == want.ty
                && limits_match(
                    t.size(store) as u64,
                    have.maximum.map(u64::from),
                    want.minimum as u64,
                    want.maximum.map(u64::from),
                )
        }
        _ => false,
    }
}

fn spectest_externs(store: &mut Store) -> Result<HashMap<(String, String), Extern>, String> {
    let mut externs = HashMap::new();
    let mut define = |name: &str, item: Extern| externs.insert(("spectest".to_string(), name.to_string()), item);
    for (name, params) in spectest::PRINT {
        let ty = FunctionType::new(params.iter().map(crate::val_type).collect::<Vec<_>>(), []);
        define(name, Function::new(&mut *store, ty, |_| Ok(vec![])).into());
    }
    let globals = [
        ("global_i32", wasmer::Value::I32(spectest::GLOBAL_I32)),
        ("global_i64", wasmer::Value::I64(spectest::GLOBAL_I64)),
        ("global_f32", wasmer::Value::F32(spectest::GLOBAL_F32)),
        ("global_f64", wasmer::Value::F64(spectest::GLOBAL_F64)),
    ];
    for (name, value) in globals {
        define(name, Global::new(&mut *store, value).into());
    }
    let table_ty = TableType::new(Type::FuncRef, spectest::TABLE_MIN, Some(spectest::TABLE_MAX));
    let table = Table::new(&mut *store, table_ty, wasmer::Value::FuncRef(None)).map_err(|e| e.message())?;
    define("table", table.into());
    let memory_ty = MemoryType::new(spectest::MEMORY_MIN_PAGES, Some(spectest::MEMORY_MAX_PAGES), false);
    define("memory", Memory::new(&mut *store, memory_ty).map_err(|e| e.to_string())?.into());
    Ok(externs)
}

impl TypedStore for WasmerStore {
    fn compile(&mut self, wasm: &[u8]) -> Result<(), CompileError> {
        self.compiled(wasm).map(|_| ())
    }

    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, Outcome> {
        let module = self.compiled(wasm).map_err(Outcome::from)?;
        let imports = self.imports(&module).map_err(Outcome::InstantiateFailed)?;
        self.refused.store(false, Ordering::Relaxed);
        let instance = match self.run(|store| {
            wasmer::Instance::new(store, &module, &imports).map_err(|error| match error {
                wasmer::InstantiationError::Start(error) => error,
                other => RuntimeError::new(other.to_string()),
            })
        }) {
            Ok(instance) => instance,
            Err(_) if self.refused.load(Ordering::Relaxed) => {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit));
            }
            Err(stop) => return Err(start_outcome(stop)),
        };
        self.instances.push(instance);
        Ok(InstanceId(self.instances.len() - 1))
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome> {
        let exports: Vec<(String, Extern)> =
            self.instance(instance)?.exports.iter().map(|(n, e)| (n.clone(), e.clone())).collect();
        for (export, item) in exports {
            self.externs.insert((name.to_string(), export), item);
        }
        Ok(())
    }

    fn invoke(&mut self, instance: InstanceId, export: &str, args: &[Value]) -> Result<Vec<Value>, Outcome> {
        let func = self
            .instance(instance)?
            .exports
            .get_function(export)
            .map_err(|_| Outcome::BadExport(BadExport::Missing { name: export.into() }))?
            .clone();
        if func.ty(&self.store).params().len() != args.len() {
            return Err(Outcome::BadExport(BadExport::Signature { name: export.into() }));
        }
        let params: Vec<wasmer::Value> = args.iter().map(|v| to_val(&mut self.store, *v)).collect();
        match self.run(|store| func.call(store, &params)) {
            Ok(results) => results.iter().map(|v| from_val(&self.store, v)).collect(),
            Err(stop) => Err(stop_outcome(stop)),
        }
    }

    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>> {
        let memory = self.instance(instance).ok()?.exports.get_memory(export).ok()?.clone();
        memory.view(&self.store).copy_to_vec().ok()
    }

    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome> {
        let global = self
            .instance(instance)?
            .exports
            .get_global(export)
            .map_err(|_| Outcome::BadExport(BadExport::Missing { name: export.into() }))?
            .clone();
        let value = global.get(&mut self.store);
        from_val(&self.store, &value)
    }
}

fn to_val(store: &mut Store, value: Value) -> wasmer::Value {
    match value {
        Value::I32(v) => wasmer::Value::I32(v as i32),
        Value::I64(v) => wasmer::Value::I64(v as i64),
        Value::F32(bits) => wasmer::Value::F32(f32::from_bits(bits)),
        Value::F64(bits) => wasmer::Value::F64(f64::from_bits(bits)),
        Value::V128(bits) => wasmer::Value::V128(bits),
        Value::FuncRef { .. } => wasmer::Value::FuncRef(None),
        Value::ExternRef(None) => wasmer::Value::ExternRef(None),
        Value::ExternRef(Some(handle)) => wasmer::Value::ExternRef(Some(ExternRef::new(store, handle))),
    }
}

fn from_val(store: &Store, value: &wasmer::Value) -> Result<Value, Outcome> {
    Ok(match value {
        wasmer::Value::I32(v) => Value::I32(*v as u32),
        wasmer::Value::I64(v) => Value::I64(*v as u64),
        wasmer::Value::F32(v) => Value::F32(v.to_bits()),
        wasmer::Value::F64(v) => Value::F64(v.to_bits()),
        wasmer::Value::V128(v) => Value::V128(*v),
        wasmer::Value::FuncRef(f) => Value::FuncRef { null: f.is_none() },
        wasmer::Value::ExternRef(None) => Value::ExternRef(None),
        wasmer::Value::ExternRef(Some(reference)) => {
            let handle = reference.downcast::<u32>(store).copied();
            Value::ExternRef(Some(
                handle.ok_or_else(|| Outcome::EngineFault("an externref the host did not make".into()))?,
            ))
        }
        other => return Err(Outcome::Unsupported(format!("a result of type {:?}", other.ty()))),
    })
}
