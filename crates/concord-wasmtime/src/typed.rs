//! The typed-call layer on wasmtime: one `Store` and one `Linker` per store, `spectest` defined
//! once, registered instances added to the linker under their names.

use crate::limiter::MemoryLimiter;
use crate::{arm_budget_of, classify};
use concord_engine::{
    BadExport, CompileError, CpuBudget, InstanceConfig, InstanceId, InstantiateFailure, MemoryLimitRule, Outcome,
    TypedStore, Value, limits_match, spectest,
};
use concord_host::stop_outcome;
use wasmtime::{
    Extern, ExternRef, ExternType, FuncType, Global, GlobalType, Linker, Memory, MemoryType, Module, Mutability, Ref,
    RefType, Rooted, Store, Table, TableType, Val, ValType,
};

pub(crate) struct TypedData {
    limiter: MemoryLimiter,
}

pub(crate) struct WasmtimeStore {
    store: Store<TypedData>,
    linker: Linker<TypedData>,
    instances: Vec<wasmtime::Instance>,
    cpu: CpuBudget,
}

impl WasmtimeStore {
    pub(crate) fn new(engine: &wasmtime::Engine, config: &InstanceConfig) -> Result<Self, Outcome> {
        let limiter = MemoryLimiter::new(config.memory_limit.map(|l| l.bytes() as usize), MemoryLimitRule::GrowFails);
        let mut store = Store::new(engine, TypedData { limiter });
        store.limiter(|data| &mut data.limiter);
        store.epoch_deadline_trap();
        let mut linker = Linker::new(engine);
        linker.allow_shadowing(true);
        define_spectest(&mut linker, &mut store)
            .map_err(|e| Outcome::EngineFault(format!("defining spectest: {e:#}")))?;
        Ok(WasmtimeStore { store, linker, instances: Vec::new(), cpu: config.cpu })
    }

    fn instance(&self, id: InstanceId) -> Result<wasmtime::Instance, Outcome> {
        self.instances.get(id.0).copied().ok_or_else(|| Outcome::EngineFault(format!("no instance {}", id.0)))
    }

    fn compiled(&self, wasm: &[u8]) -> Result<Module, CompileError> {
        let engine = self.store.engine();
        Module::new(engine, wasm).map_err(|error| match Module::validate(engine, wasm) {
            Ok(()) => CompileError::Unsupported(format!("{error:#}")),
            Err(_) => CompileError::Invalid(format!("{error:#}")),
        })
    }

    /// Why `module` cannot link, when an import is missing or of the wrong type.
    fn unlinkable(&mut self, module: &Module) -> Option<InstantiateFailure> {
        for import in module.imports() {
            let (module_name, name) = (import.module().to_string(), import.name().to_string());
            let Some(defined) = self.linker.get_by_import(&mut self.store, &import) else {
                return Some(InstantiateFailure::MissingImport { module: module_name, name });
            };
            if !matches(&self.store, &defined, &import.ty()) {
                return Some(InstantiateFailure::ImportTypeMismatch { module: module_name, name });
            }
        }
        None
    }
}

/// Whether `defined` satisfies an import of type `wanted`, by Wasm's import matching: equal
/// function and global types; a memory or table at least as large *now* as the import's minimum,
/// with a maximum within the import's.
fn matches(store: &Store<TypedData>, defined: &Extern, wanted: &ExternType) -> bool {
    match (defined, wanted) {
        (Extern::Func(f), ExternType::Func(want)) => FuncType::eq(&f.ty(store), want),
        (Extern::Global(g), ExternType::Global(want)) => {
            let have = g.ty(store);
            have.mutability() == want.mutability() && ValType::eq(have.content(), want.content())
        }
        (Extern::Memory(m), ExternType::Memory(want)) => {
            let have = m.ty(store);
            have.is_64() == want.is_64() && limits_match(m.size(store), have.maximum(), want.minimum(), want.maximum())
        }
        (Extern::Table(t), ExternType::Table(want)) => {
            let have = t.ty(store);
            RefType::eq(have.element(), want.element())
                && limits_match(t.size(store), have.maximum(), want.minimum(), want.maximum())
        }
        _ => false,
    }
}

fn define_spectest(linker: &mut Linker<TypedData>, store: &mut Store<TypedData>) -> wasmtime::Result<()> {
    let engine = store.engine().clone();
    for (name, params) in spectest::PRINT {
        let ty = FuncType::new(&engine, params.iter().map(crate::val_type), []);
        linker.func_new("spectest", name, ty, |_, _, _| Ok(()))?;
    }
    let globals = [
        ("global_i32", ValType::I32, Val::I32(spectest::GLOBAL_I32)),
        ("global_i64", ValType::I64, Val::I64(spectest::GLOBAL_I64)),
        ("global_f32", ValType::F32, Val::F32(spectest::GLOBAL_F32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(spectest::GLOBAL_F64.to_bits())),
    ];
    for (name, ty, value) in globals {
        let ty = GlobalType::new(ty, Mutability::Const);
        let global = Global::new(&mut *store, ty, value)?;
        linker.define(&*store, "spectest", name, global)?;
    }
    let table_ty = TableType::new(RefType::FUNCREF, spectest::TABLE_MIN, Some(spectest::TABLE_MAX));
    let table = Table::new(&mut *store, table_ty, Ref::Func(None))?;
    linker.define(&*store, "spectest", "table", table)?;
    let memory_ty = MemoryType::new(spectest::MEMORY_MIN_PAGES, Some(spectest::MEMORY_MAX_PAGES));
    let memory = Memory::new(&mut *store, memory_ty)?;
    linker.define(&*store, "spectest", "memory", memory)?;
    Ok(())
}

impl TypedStore for WasmtimeStore {
    fn compile(&mut self, wasm: &[u8]) -> Result<(), CompileError> {
        self.compiled(wasm).map(|_| ())
    }

    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, Outcome> {
        let module = self.compiled(wasm).map_err(Outcome::from)?;
        if let Some(failure) = self.unlinkable(&module) {
            return Err(Outcome::InstantiateFailed(failure));
        }
        arm_budget_of(&mut self.store, self.cpu);
        self.store.data_mut().limiter.refused = false;
        match self.linker.instantiate(&mut self.store, &module) {
            Ok(instance) => {
                self.instances.push(instance);
                Ok(InstanceId(self.instances.len() - 1))
            }
            Err(_) if self.store.data().limiter.refused => {
                Err(Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit))
            }
            Err(error) => Err(concord_host::start_outcome(classify(&error))),
        }
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome> {
        let instance = self.instance(instance)?;
        self.linker
            .instance(&mut self.store, name, instance)
            .map(|_| ())
            .map_err(|e| Outcome::EngineFault(format!("registering {name}: {e:#}")))
    }

    fn invoke(&mut self, instance: InstanceId, export: &str, args: &[Value]) -> Result<Vec<Value>, Outcome> {
        let instance = self.instance(instance)?;
        let func = instance
            .get_func(&mut self.store, export)
            .ok_or_else(|| Outcome::BadExport(BadExport::Missing { name: export.into() }))?;
        let ty = func.ty(&self.store);
        if ty.params().len() != args.len() {
            return Err(Outcome::BadExport(BadExport::Signature { name: export.into() }));
        }
        let params = args.iter().map(|v| to_val(&mut self.store, *v)).collect::<Result<Vec<_>, _>>()?;
        let mut results = vec![Val::I32(0); ty.results().len()];
        arm_budget_of(&mut self.store, self.cpu);
        match func.call(&mut self.store, &params, &mut results) {
            Ok(()) => results.iter().map(|v| from_val(&self.store, v)).collect(),
            Err(error) => Err(stop_outcome(classify(&error))),
        }
    }

    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>> {
        let memory = self.instance(instance).ok()?.get_memory(&mut self.store, export)?;
        Some(memory.data(&self.store).to_vec())
    }

    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome> {
        let instance = self.instance(instance)?;
        let global = instance
            .get_global(&mut self.store, export)
            .ok_or_else(|| Outcome::BadExport(BadExport::Missing { name: export.into() }))?;
        let value = global.get(&mut self.store);
        from_val(&self.store, &value)
    }
}

fn to_val(store: &mut Store<TypedData>, value: Value) -> Result<Val, Outcome> {
    Ok(match value {
        Value::I32(v) => Val::I32(v as i32),
        Value::I64(v) => Val::I64(v as i64),
        Value::F32(bits) => Val::F32(bits),
        Value::F64(bits) => Val::F64(bits),
        Value::V128(bits) => Val::V128(bits.into()),
        Value::FuncRef { null: true } => Val::FuncRef(None),
        Value::FuncRef { null: false } => {
            return Err(Outcome::Unsupported("a non-null funcref argument from the host".into()));
        }
        Value::ExternRef(None) => Val::ExternRef(None),
        Value::ExternRef(Some(handle)) => {
            let reference = ExternRef::new(store, handle).map_err(|e| Outcome::EngineFault(format!("{e:#}")))?;
            Val::ExternRef(Some(reference))
        }
    })
}

fn from_val(store: &Store<TypedData>, value: &Val) -> Result<Value, Outcome> {
    Ok(match value {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(bits) => Value::F32(*bits),
        Val::F64(bits) => Value::F64(*bits),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_none() },
        Val::ExternRef(None) => Value::ExternRef(None),
        Val::ExternRef(Some(reference)) => Value::ExternRef(Some(handle(store, reference)?)),
        other => {
            return Err(Outcome::Unsupported(format!("a result that is not a number or funcref/externref: {other:?}")));
        }
    })
}

fn handle(store: &Store<TypedData>, reference: &Rooted<ExternRef>) -> Result<u32, Outcome> {
    let data = reference.data(store).map_err(|e| Outcome::EngineFault(format!("{e:#}")))?;
    data.and_then(|d| d.downcast_ref::<u32>().copied())
        .ok_or_else(|| Outcome::EngineFault("an externref the host did not make".into()))
}
