//! The typed-call layer on tinywasm: one `Store` of instances, imports looked up by hand against
//! `spectest` and the registered instances (so a name can be registered again, as scripts do) and
//! type-checked by tinywasm's linker; start functions and calls run under the budget.

use crate::{instantiate_failure, parse, run, wasm_type};
use concord_engine::{
    BadExport, CompileError, CpuBudget, InstanceConfig, InstanceId, InstantiateFailure, Outcome, TypedStore, Value,
    spectest,
};
use concord_host::{start_outcome, stop_outcome};
use std::collections::HashMap;
use tinywasm::types::{
    ExternRef, FuncType, GlobalType, ImportType, MemoryArch, MemoryType, RefType, RefValue, TableType, WasmType,
    WasmValue,
};
use tinywasm::{Extern, ExternItem, Global, HostFunction, Imports, Memory, ModuleInstance, Store, Table};

pub(crate) struct TinywasmStore {
    store: Store,
    /// Importable externs by module and name: `spectest`, then every registered instance.
    externs: HashMap<(String, String), Extern>,
    instances: Vec<ModuleInstance>,
    budget: CpuBudget,
}

impl TinywasmStore {
    pub(crate) fn new(config: &InstanceConfig) -> Self {
        let mut store = crate::store(config);
        let externs = spectest_externs(&mut store);
        TinywasmStore { store, externs, instances: Vec::new(), budget: config.cpu }
    }

    fn instance(&self, id: InstanceId) -> Result<&ModuleInstance, Outcome> {
        self.instances.get(id.0).ok_or_else(|| Outcome::EngineFault(format!("no instance {}", id.0)))
    }
}

fn spectest_externs(store: &mut Store) -> HashMap<(String, String), Extern> {
    let mut externs = HashMap::new();
    let mut define = |name: &str, item: Extern| externs.insert(("spectest".to_string(), name.to_string()), item);
    for (name, params) in spectest::PRINT {
        let ty = FuncType::new(&params.iter().map(wasm_type).collect::<Vec<_>>(), &[]);
        define(name, Extern::HostFunction(HostFunction::from_untyped(&ty, |_, _, _| Ok(()))));
    }
    let globals = [
        ("global_i32", WasmValue::I32(spectest::GLOBAL_I32)),
        ("global_i64", WasmValue::I64(spectest::GLOBAL_I64)),
        ("global_f32", WasmValue::F32(spectest::GLOBAL_F32)),
        ("global_f64", WasmValue::F64(spectest::GLOBAL_F64)),
    ];
    for (name, value) in globals {
        let Some(ty) = value.ty() else { continue };
        if let Ok(global) = Global::try_new(store, GlobalType::new(ty, false), value) {
            define(name, Extern::Global(global));
        }
    }
    let table_ty =
        TableType::new(RefType::FUNCREF, u64::from(spectest::TABLE_MIN), Some(u64::from(spectest::TABLE_MAX)));
    if let Ok(table) = Table::try_new(store, table_ty, WasmValue::Ref(RefValue::Null)) {
        define("table", Extern::Table(table));
    }
    let memory_ty = MemoryType::new(
        MemoryArch::I32,
        u64::from(spectest::MEMORY_MIN_PAGES),
        Some(u64::from(spectest::MEMORY_MAX_PAGES)),
        None,
    );
    if let Ok(memory) = Memory::try_new(store, memory_ty) {
        define("memory", Extern::Memory(memory));
    }
    externs
}

impl TypedStore for TinywasmStore {
    fn compile(&mut self, wasm: &[u8]) -> Result<(), CompileError> {
        parse(wasm).map(|_| ())
    }

    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, Outcome> {
        let module = parse(wasm)?;
        let mut imports = Imports::new();
        for import in module.imports() {
            let key = (import.module.to_string(), import.name.to_string());
            let Some(defined) = self.externs.get(&key) else {
                let (module, name) = key;
                return Err(Outcome::InstantiateFailed(InstantiateFailure::MissingImport { module, name }));
            };
            // tinywasm's linker checks functions by type, and the rest by kind and limits.
            let function = matches!(defined, Extern::Function(_) | Extern::HostFunction(_));
            if let (ImportType::Func(_), false) = (&import.ty, function) {
                let (module, name) = key;
                return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
            }
            imports.define(&key.0, &key.1, defined.clone());
        }
        let instance = ModuleInstance::instantiate_no_start(&mut self.store, &module, Some(&imports))
            .map_err(|e| instantiate_failure(&e))?;
        // An instance whose start function traps is gone, but what it wrote to shared tables and
        // memories stays, as the spec says.
        if let Some(start) = instance.start_func(&self.store).map_err(|e| instantiate_failure(&e))? {
            run(&mut self.store, &start, &[], &mut [], self.budget).map_err(start_outcome)?;
        }
        self.instances.push(instance);
        Ok(InstanceId(self.instances.len() - 1))
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome> {
        let exports: Vec<(String, Extern)> = self
            .instance(instance)?
            .exports()
            .map(|(export, item)| {
                let item = match item {
                    ExternItem::Func(f) => Extern::Function(f),
                    ExternItem::Memory(m) => Extern::Memory(m),
                    ExternItem::Table(t) => Extern::Table(t),
                    ExternItem::Global(g) => Extern::Global(g),
                    ExternItem::Tag(t) => Extern::Tag(t),
                };
                (export.to_string(), item)
            })
            .collect();
        for (export, item) in exports {
            self.externs.insert((name.to_string(), export), item);
        }
        Ok(())
    }

    fn invoke(&mut self, instance: InstanceId, export: &str, args: &[Value]) -> Result<Vec<Value>, Outcome> {
        let missing = || Outcome::BadExport(BadExport::Missing { name: export.into() });
        let func = self.instance(instance)?.func_untyped(&self.store, export).map_err(|_| missing())?;
        let results: Vec<WasmType> = {
            let ty = func.ty(&self.store).map_err(|_| missing())?;
            if ty.params().len() != args.len() {
                return Err(Outcome::BadExport(BadExport::Signature { name: export.into() }));
            }
            ty.results().to_vec()
        };
        let args = args.iter().map(|v| to_value(&mut self.store, *v)).collect::<Result<Vec<_>, _>>()?;
        let mut values = vec![WasmValue::I32(0); results.len()];
        match run(&mut self.store, &func, &args, &mut values, self.budget) {
            Ok(()) => values.iter().zip(&results).map(|(v, ty)| from_value(&self.store, v, ty)).collect(),
            Err(stop) => Err(stop_outcome(stop)),
        }
    }

    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome> {
        let missing = || Outcome::BadExport(BadExport::Missing { name: export.into() });
        let global = self.instance(instance)?.global(export).map_err(|_| missing())?;
        let ty = global.ty(&self.store).map_err(|_| missing())?.ty;
        let value = global.get(&mut self.store).map_err(|_| missing())?;
        from_value(&self.store, &value, &ty)
    }

    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>> {
        let memory = self.instance(instance).ok()?.memory(export).ok()?;
        memory.read_vec(&self.store, 0, memory.len(&self.store).ok()?).ok()
    }
}

/// A function reference from outside is always null: which function a non-null one names cannot
/// be carried between engines.
fn to_value(store: &mut Store, value: Value) -> Result<WasmValue, Outcome> {
    Ok(match value {
        Value::I32(v) => WasmValue::I32(v as i32),
        Value::I64(v) => WasmValue::I64(v as i64),
        Value::F32(bits) => WasmValue::F32(f32::from_bits(bits)),
        Value::F64(bits) => WasmValue::F64(f64::from_bits(bits)),
        Value::V128(bits) => WasmValue::V128(bits.to_le_bytes()),
        Value::FuncRef { .. } | Value::ExternRef(None) => WasmValue::Ref(RefValue::Null),
        Value::ExternRef(Some(handle)) => WasmValue::Ref(RefValue::Extern(
            ExternRef::try_new(store, handle).map_err(|e| Outcome::EngineFault(format!("ref.extern {handle}: {e}")))?,
        )),
    })
}

/// A value of type `ty`: tinywasm's null reference carries no type of its own.
fn from_value(store: &Store, value: &WasmValue, ty: &WasmType) -> Result<Value, Outcome> {
    Ok(match value {
        WasmValue::I32(v) => Value::I32(*v as u32),
        WasmValue::I64(v) => Value::I64(*v as u64),
        WasmValue::F32(v) => Value::F32(v.to_bits()),
        WasmValue::F64(v) => Value::F64(v.to_bits()),
        WasmValue::V128(bytes) => Value::V128(u128::from_le_bytes(*bytes)),
        WasmValue::Ref(RefValue::Null) => match ty {
            WasmType::Ref(reference) if reference.is_extern() => Value::ExternRef(None),
            _ => Value::FuncRef { null: true },
        },
        WasmValue::Ref(RefValue::Func(_)) => Value::FuncRef { null: false },
        WasmValue::Ref(RefValue::Extern(reference)) => Value::ExternRef(Some(
            reference.key(store).map_err(|e| Outcome::EngineFault(format!("an external reference: {e}")))?,
        )),
        WasmValue::Ref(RefValue::Any(_) | RefValue::Exn(_)) => {
            return Err(Outcome::EngineFault("a GC or exception reference, which Concord does not carry".into()));
        }
    })
}
