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
    ExportType, ExternRef, FuncRef, FuncType, GlobalType, ImportType, MemoryArch, MemoryType, TableType, WasmType,
    WasmValue,
};
use tinywasm::{Extern, ExternItem, Global, HostFunction, Imports, Memory, ModuleInstance, Store, Table};

pub(crate) struct TinywasmStore {
    store: Store,
    /// Importable externs by module and name: `spectest`, then every registered instance.
    externs: HashMap<(String, String), Extern>,
    /// Each instance with its module, whose export types tinywasm's handles do not carry.
    instances: Vec<(ModuleInstance, tinywasm::Module)>,
    budget: CpuBudget,
}

impl TinywasmStore {
    pub(crate) fn new(config: &InstanceConfig) -> Self {
        let mut store = crate::store(config);
        let externs = spectest_externs(&mut store);
        TinywasmStore { store, externs, instances: Vec::new(), budget: config.cpu }
    }

    fn instance(&self, id: InstanceId) -> Result<&(ModuleInstance, tinywasm::Module), Outcome> {
        self.instances.get(id.0).ok_or_else(|| Outcome::EngineFault(format!("no instance {}", id.0)))
    }
}

fn spectest_externs(store: &mut Store) -> HashMap<(String, String), Extern> {
    let mut externs = HashMap::new();
    let mut define = |name: &str, item: Extern| externs.insert(("spectest".to_string(), name.to_string()), item);
    for (name, params) in spectest::PRINT {
        let ty = FuncType::new(&params.iter().map(wasm_type).collect::<Vec<_>>(), &[]);
        define(name, Extern::Function(HostFunction::from_untyped(store, &ty, |_, _| Ok(Vec::new()))));
    }
    let globals = [
        ("global_i32", WasmValue::I32(spectest::GLOBAL_I32)),
        ("global_i64", WasmValue::I64(spectest::GLOBAL_I64)),
        ("global_f32", WasmValue::F32(spectest::GLOBAL_F32)),
        ("global_f64", WasmValue::F64(spectest::GLOBAL_F64)),
    ];
    for (name, value) in globals {
        let ty = GlobalType::new(WasmType::from(&value), false);
        if let Ok(global) = Global::new(store, ty, value) {
            define(name, Extern::Global(global));
        }
    }
    let table_ty =
        TableType::new(WasmType::RefFunc, u64::from(spectest::TABLE_MIN), Some(u64::from(spectest::TABLE_MAX)));
    if let Ok(table) = Table::new(store, table_ty, WasmValue::RefFunc(FuncRef::null())) {
        define("table", Extern::Table(table));
    }
    let memory_ty = MemoryType::new(
        MemoryArch::I32,
        u64::from(spectest::MEMORY_MIN_PAGES),
        Some(u64::from(spectest::MEMORY_MAX_PAGES)),
        None,
    );
    if let Ok(memory) = Memory::new(store, memory_ty) {
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
            if let (ImportType::Func(_), false) = (&import.ty, matches!(defined, Extern::Function(_))) {
                let (module, name) = key;
                return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
            }
            imports.define(&key.0, &key.1, defined.clone());
        }
        let instance = ModuleInstance::instantiate_no_start(&mut self.store, &module, Some(imports))
            .map_err(|e| instantiate_failure(&e))?;
        // An instance whose start function traps is gone, but what it wrote to shared tables and
        // memories stays, as the spec says.
        if let Some(start) = instance.start_func(&self.store).map_err(|e| instantiate_failure(&e))? {
            run(&mut self.store, &start, &[], self.budget).map_err(start_outcome)?;
        }
        self.instances.push((instance, module));
        Ok(InstanceId(self.instances.len() - 1))
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome> {
        let (instance, _) = self.instance(instance)?;
        let exports: Vec<(String, Extern)> = instance
            .exports()
            .map(|(export, item)| {
                let item = match item {
                    ExternItem::Func(f) => Extern::Function(f),
                    ExternItem::Memory(m) => Extern::Memory(m),
                    ExternItem::Table(t) => Extern::Table(t),
                    ExternItem::Global(g) => Extern::Global(g),
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
        let (instance, module) = self.instance(instance)?;
        let missing = || Outcome::BadExport(BadExport::Missing { name: export.into() });
        let params = module
            .exports()
            .find_map(|e| match e.ty {
                ExportType::Func(ty) if e.name == export => Some(ty.params().len()),
                _ => None,
            })
            .ok_or_else(missing)?;
        if params != args.len() {
            return Err(Outcome::BadExport(BadExport::Signature { name: export.into() }));
        }
        let func = instance.func_untyped(&self.store, export).map_err(|_| missing())?;
        let args: Vec<WasmValue> = args.iter().map(|v| to_value(*v)).collect();
        match run(&mut self.store, &func, &args, self.budget) {
            Ok(values) => Ok(values.iter().map(from_value).collect()),
            Err(stop) => Err(stop_outcome(stop)),
        }
    }

    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome> {
        let (instance, _) = self.instance(instance)?;
        let value = instance
            .global_get(&self.store, export)
            .map_err(|_| Outcome::BadExport(BadExport::Missing { name: export.into() }))?;
        Ok(from_value(&value))
    }

    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>> {
        let (instance, _) = self.instance(instance).ok()?;
        let memory = instance.memory(export).ok()?;
        memory.read_vec(&self.store, 0, memory.len(&self.store).ok()?).ok()
    }
}

fn to_value(value: Value) -> WasmValue {
    match value {
        Value::I32(v) => WasmValue::I32(v as i32),
        Value::I64(v) => WasmValue::I64(v as i64),
        Value::F32(bits) => WasmValue::F32(f32::from_bits(bits)),
        Value::F64(bits) => WasmValue::F64(f64::from_bits(bits)),
        Value::V128(bits) => WasmValue::V128(bits.to_le_bytes()),
        Value::FuncRef { .. } => WasmValue::RefFunc(FuncRef::null()),
        Value::ExternRef(handle) => WasmValue::RefExtern(ExternRef::new(handle)),
    }
}

fn from_value(value: &WasmValue) -> Value {
    match value {
        WasmValue::I32(v) => Value::I32(*v as u32),
        WasmValue::I64(v) => Value::I64(*v as u64),
        WasmValue::F32(v) => Value::F32(v.to_bits()),
        WasmValue::F64(v) => Value::F64(v.to_bits()),
        WasmValue::V128(bytes) => Value::V128(u128::from_le_bytes(*bytes)),
        WasmValue::RefFunc(f) => Value::FuncRef { null: f.is_null() },
        WasmValue::RefExtern(e) => Value::ExternRef(e.addr()),
    }
}
