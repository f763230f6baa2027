//! The typed-call layer on wasmi: one `Store` of instances, imports resolved by hand against
//! `spectest` and the registered instances (so a name can be registered again, as scripts do),
//! a deadline enforced with fuel slices as for plugin calls.

use crate::{FUEL_SLICE, Slice, classify, metering};
use concord_engine::{
    BadExport, CompileError, CpuBudget, InstanceConfig, InstanceId, InstantiateFailure, Outcome, TypedStore, Value,
    limits_match, spectest,
};
use concord_host::{Stop, stop_outcome};
use std::collections::HashMap;
use std::time::Instant;
use wasmi::{
    Extern, ExternRef, ExternType, F32, F64, Func, FuncType, Global, Memory, MemoryType, Module, Mutability, Nullable,
    Ref, RefType, ResumableCall, Store, StoreLimits, StoreLimitsBuilder, Table, TableType, Val,
};

pub(crate) struct TypedData {
    limits: StoreLimits,
}

pub(crate) struct WasmiStore {
    store: Store<TypedData>,
    /// Importable externs by module and name: `spectest`, then every registered instance.
    externs: HashMap<(String, String), Extern>,
    instances: Vec<wasmi::Instance>,
    budget: CpuBudget,
}

impl WasmiStore {
    pub(crate) fn new(engine: &wasmi::Engine, config: &InstanceConfig) -> Result<Self, Outcome> {
        let mut limits = StoreLimitsBuilder::new();
        if let Some(limit) = config.memory_limit {
            limits = limits.memory_size(limit.bytes() as usize);
        }
        let mut store = Store::new(engine, TypedData { limits: limits.build() });
        store.limiter(|data| &mut data.limits);
        let externs =
            spectest_externs(&mut store).map_err(|e| Outcome::EngineFault(format!("defining spectest: {e}")))?;
        Ok(WasmiStore { store, externs, instances: Vec::new(), budget: config.cpu })
    }

    fn instance(&self, id: InstanceId) -> Result<wasmi::Instance, Outcome> {
        self.instances.get(id.0).copied().ok_or_else(|| Outcome::EngineFault(format!("no instance {}", id.0)))
    }

    /// The import list for `module`, or why it cannot link.
    fn imports(&self, module: &Module) -> Result<Vec<Extern>, InstantiateFailure> {
        module
            .imports()
            .map(|import| {
                let (module_name, name) = (import.module().to_string(), import.name().to_string());
                let Some(defined) = self.externs.get(&(module_name.clone(), name.clone())) else {
                    return Err(InstantiateFailure::MissingImport { module: module_name, name });
                };
                if !matches(&self.store, defined, import.ty()) {
                    return Err(InstantiateFailure::ImportTypeMismatch { module: module_name, name });
                }
                Ok(*defined)
            })
            .collect()
    }

    /// Calls `func` under the budget: fuel, and for a deadline, fuel in slices with the clock read
    /// between them.
    fn call(&mut self, func: Func, params: &[Val], results: &mut [Val]) -> Result<(), Stop> {
        let budget = self.budget;
        if !metering(budget) {
            return func.call(&mut self.store, params, results).map_err(|e| classify(&e));
        }
        let fuel = budget.fuel.unwrap_or(u64::MAX);
        let Some(deadline) = budget.deadline else {
            self.store.set_fuel(fuel).expect("a budget runs on the metered engine");
            return func.call(&mut self.store, params, results).map_err(|e| classify(&e));
        };
        let start = Instant::now();
        let mut granted = FUEL_SLICE.min(fuel);
        self.store.set_fuel(granted).expect("fuel is enabled");
        let mut call = func.call_resumable(&mut self.store, params, results).map_err(|e| classify(&e))?;
        loop {
            match call {
                ResumableCall::Finished => return Ok(()),
                ResumableCall::HostTrap(trap) => return Err(classify(trap.host_error())),
                ResumableCall::OutOfFuel(pending) => {
                    let slice = Slice { fuel, granted, start, deadline };
                    granted = slice.next(&mut self.store, pending.required_fuel())?;
                    call = pending.resume(&mut self.store, results).map_err(|e| classify(&e))?;
                }
            }
        }
    }
}

/// Whether `defined` satisfies an import of type `wanted`, by Wasm's import matching (a memory or
/// table compared by its size now).
fn matches(store: &Store<TypedData>, defined: &Extern, wanted: &ExternType) -> bool {
    match (defined, wanted) {
        (Extern::Func(f), ExternType::Func(want)) => f.ty(store) == *want,
        (Extern::Global(g), ExternType::Global(want)) => {
            let have = g.ty(store);
            have.mutability() == want.mutability() && have.content() == want.content()
        }
        (Extern::Memory(m), ExternType::Memory(want)) => {
            let have = m.ty(store);
            have.is_64() == want.is_64() && limits_match(m.size(store), have.maximum(), want.minimum(), want.maximum())
        }
        (Extern::Table(t), ExternType::Table(want)) => {
            let have = t.ty(store);
            have.element() == want.element()
                && limits_match(t.size(store), have.maximum(), want.minimum(), want.maximum())
        }
        _ => false,
    }
}

fn spectest_externs(store: &mut Store<TypedData>) -> Result<HashMap<(String, String), Extern>, wasmi::Error> {
    let mut externs = HashMap::new();
    let mut define = |name: &str, item: Extern| externs.insert(("spectest".to_string(), name.to_string()), item);
    for (name, params) in spectest::PRINT {
        let ty = FuncType::new(params.iter().map(crate::val_type), []);
        define(name, Func::new(&mut *store, ty, |_, _, _| Ok(())).into());
    }
    let globals = [
        ("global_i32", Val::I32(spectest::GLOBAL_I32)),
        ("global_i64", Val::I64(spectest::GLOBAL_I64)),
        ("global_f32", Val::F32(spectest::GLOBAL_F32.into())),
        ("global_f64", Val::F64(spectest::GLOBAL_F64.into())),
    ];
    for (name, value) in globals {
        define(name, Global::new(&mut *store, value, Mutability::Const).into());
    }
    let table_ty = TableType::new(RefType::Func, spectest::TABLE_MIN, Some(spectest::TABLE_MAX));
    define("table", Table::new(&mut *store, table_ty, Ref::Func(Nullable::Null))?.into());
    let memory_ty = MemoryType::new(spectest::MEMORY_MIN_PAGES, Some(spectest::MEMORY_MAX_PAGES));
    define("memory", Memory::new(&mut *store, memory_ty)?.into());
    Ok(externs)
}

impl TypedStore for WasmiStore {
    fn compile(&mut self, wasm: &[u8]) -> Result<(), CompileError> {
        Module::new(self.store.engine(), wasm).map(|_| ()).map_err(|e| CompileError::Invalid(e.to_string()))
    }

    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, Outcome> {
        let module = Module::new(self.store.engine(), wasm).map_err(|e| CompileError::Invalid(e.to_string()))?;
        let imports = self.imports(&module).map_err(Outcome::InstantiateFailed)?;
        if metering(self.budget) {
            let fuel = self.budget.fuel.unwrap_or(u64::MAX);
            self.store.set_fuel(fuel).expect("a budget runs on the metered engine");
        }
        let instance =
            wasmi::Instance::new(&mut self.store, &module, &imports).map_err(|e| crate::instantiate_failure(&e))?;
        self.instances.push(instance);
        Ok(InstanceId(self.instances.len() - 1))
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome> {
        let instance = self.instance(instance)?;
        let exports: Vec<(String, Extern)> =
            instance.exports(&self.store).map(|e| (e.name().to_string(), e.into_extern())).collect();
        for (export, item) in exports {
            self.externs.insert((name.to_string(), export), item);
        }
        Ok(())
    }

    fn invoke(&mut self, instance: InstanceId, export: &str, args: &[Value]) -> Result<Vec<Value>, Outcome> {
        let instance = self.instance(instance)?;
        let func = instance
            .get_func(&self.store, export)
            .ok_or_else(|| Outcome::BadExport(BadExport::Missing { name: export.into() }))?;
        let ty = func.ty(&self.store);
        if ty.params().len() != args.len() {
            return Err(Outcome::BadExport(BadExport::Signature { name: export.into() }));
        }
        let params: Vec<Val> = args.iter().map(|v| to_val(&mut self.store, *v)).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for_ty(*t)).collect();
        match self.call(func, &params, &mut results) {
            Ok(()) => results.iter().map(|v| from_val(&self.store, v)).collect(),
            Err(stop) => Err(stop_outcome(stop)),
        }
    }

    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>> {
        let memory = self.instance(instance).ok()?.get_memory(&self.store, export)?;
        Some(memory.data(&self.store).to_vec())
    }

    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome> {
        let instance = self.instance(instance)?;
        let global = instance
            .get_global(&self.store, export)
            .ok_or_else(|| Outcome::BadExport(BadExport::Missing { name: export.into() }))?;
        from_val(&self.store, &global.get(&self.store))
    }
}

fn to_val(store: &mut Store<TypedData>, value: Value) -> Val {
    match value {
        Value::I32(v) => Val::I32(v as i32),
        Value::I64(v) => Val::I64(v as i64),
        Value::F32(bits) => Val::F32(F32::from_bits(bits)),
        Value::F64(bits) => Val::F64(F64::from_bits(bits)),
        Value::V128(bits) => Val::V128(bits.into()),
        Value::FuncRef { .. } => Val::FuncRef(Nullable::Null),
        Value::ExternRef(None) => Val::ExternRef(Nullable::Null),
        Value::ExternRef(Some(handle)) => Val::ExternRef(Nullable::Val(ExternRef::new(store, handle))),
    }
}

fn from_val(store: &Store<TypedData>, value: &Val) -> Result<Value, Outcome> {
    Ok(match value {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(v) => Value::F32(v.to_bits()),
        Val::F64(v) => Value::F64(v.to_bits()),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_null() },
        Val::ExternRef(Nullable::Null) => Value::ExternRef(None),
        Val::ExternRef(Nullable::Val(reference)) => {
            let handle = reference.data(store).downcast_ref::<u32>().copied();
            Value::ExternRef(Some(
                handle.ok_or_else(|| Outcome::EngineFault("an externref the host did not make".into()))?,
            ))
        }
    })
}
