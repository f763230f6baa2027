//! The typed-call layer on V8: a store of linked instances in the child, every module reached
//! through its wrapper (wrapper.rs) so values cross as integer bits.

use crate::instantiate_failure;
use crate::types::{Export, ModuleTypes};
use crate::wrapper::{Carried, GLOBAL_GETTER, carried_types, wrapper};
use concord_engine::{
    BadExport, CompileError, InstanceConfig, InstanceId, InstantiateFailure, Outcome, TypedStore, Value,
};
use concord_host::stop_outcome;
use concord_node::held::Held;
use concord_node::{PATIENCE, base64, patience, pool, unbase64};
use serde_json::{Value as Json, json};
use std::path::PathBuf;
use std::time::Duration;

pub struct V8Store {
    held: Held,
    instances: Vec<(u64, ModuleTypes)>,
    deadline_ms: Option<u64>,
    patience: Duration,
}

impl V8Store {
    pub fn new(node: PathBuf, key: pool::Key, config: &InstanceConfig) -> Result<Self, Outcome> {
        let lease = pool::lease(key);
        let (generation, answer) = {
            let mut slot = lease.lock();
            let generation = slot.start(&node)?;
            (generation, slot.request(generation, &json!({"op": "typed_store"}), None, PATIENCE)?)
        };
        let handle = answer["store"].as_u64().ok_or_else(|| Outcome::EngineFault("no store handle".into()))?;
        Ok(V8Store {
            held: Held::new(lease, generation, "store", handle),
            instances: Vec::new(),
            deadline_ms: config.cpu.deadline_ms(),
            patience: patience(config),
        })
    }

    fn request(&self, request: Json) -> Result<Json, Outcome> {
        self.held.request(request, None, self.patience)
    }

    fn instance(&self, id: InstanceId) -> Result<&(u64, ModuleTypes), Outcome> {
        self.instances.get(id.0).ok_or_else(|| Outcome::EngineFault(format!("no instance {}", id.0)))
    }

    fn carried_all(types: &[wasmparser::ValType]) -> Result<Vec<Carried>, Outcome> {
        carried_types(types).ok_or_else(|| Outcome::Unsupported(format!("{types:?} values cannot cross into V8")))
    }
}

/// `value` as the carried values it crosses as.
fn depart(value: Value, out: &mut Vec<Json>) {
    let int = |ty: &str, bits: String| json!({"type": ty, "bits": bits});
    match value {
        Value::I32(v) | Value::F32(v) => out.push(int("i32", v.to_string())),
        Value::I64(v) | Value::F64(v) => out.push(int("i64", v.to_string())),
        Value::V128(v) => {
            out.push(int("i64", (v as u64).to_string()));
            out.push(int("i64", ((v >> 64) as u64).to_string()));
        }
        Value::FuncRef { .. } => out.push(json!({"type": "funcref"})),
        Value::ExternRef(handle) => out.push(json!({"type": "externref", "handle": handle})),
    }
}

/// The values of `types` from what crossed back.
fn arrive(types: &[wasmparser::ValType], values: &[Json]) -> Result<Vec<Value>, Outcome> {
    use wasmparser::ValType as V;
    let bad = || Outcome::EngineFault("the V8 host answered values of another shape".into());
    let bits = |value: &Json| value["bits"].as_str().and_then(|b| b.parse::<u64>().ok()).ok_or_else(bad);
    let mut values = values.iter();
    let mut next = || values.next().ok_or_else(bad);
    types
        .iter()
        .map(|ty| {
            Ok(match ty {
                V::I32 => Value::I32(bits(next()?)? as u32),
                V::F32 => Value::F32(bits(next()?)? as u32),
                V::I64 => Value::I64(bits(next()?)?),
                V::F64 => Value::F64(bits(next()?)?),
                V::V128 => {
                    let low = bits(next()?)? as u128;
                    Value::V128(low | (bits(next()?)? as u128) << 64)
                }
                V::Ref(_) => {
                    let value = next()?;
                    match value["type"].as_str() {
                        Some("funcref") => Value::FuncRef { null: value["null"].as_bool().unwrap_or(true) },
                        _ => match value["handle"].as_i64() {
                            None => Value::ExternRef(None),
                            Some(handle) if handle >= 0 => Value::ExternRef(Some(handle as u32)),
                            Some(_) => return Err(Outcome::EngineFault("an externref the host did not make".into())),
                        },
                    }
                }
            })
        })
        .collect()
}

fn wire_types(types: &[Carried]) -> Vec<&'static str> {
    types.iter().map(|t| t.wire_name()).collect()
}

impl TypedStore for V8Store {
    fn compile(&mut self, wasm: &[u8]) -> Result<(), CompileError> {
        let answer = self
            .request(json!({"op": "typed_compile", "wasm": base64(wasm)}))
            .map_err(|outcome| CompileError::EngineFault(outcome.to_string()))?;
        match answer["invalid"].as_str() {
            Some(why) => Err(CompileError::Invalid(why.to_string())),
            None => Ok(()),
        }
    }

    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, Outcome> {
        let types = ModuleTypes::parse(wasm)?;
        let request = json!({
            "op": "typed_instantiate",
            "wasm": base64(wasm),
            "wrapper": base64(&wrapper(&types)),
            "deadline_ms": self.deadline_ms,
        });
        let answer = self.request(request)?;
        if let Some(why) = answer["invalid"].as_str() {
            return Err(CompileError::Invalid(why.to_string()).into());
        }
        if let Some(missing) = answer["failed"].get("missing") {
            let name = |field: &str| missing[field].as_str().unwrap_or_default().to_string();
            let (module, name) = (name("module"), name("name"));
            return Err(Outcome::InstantiateFailed(InstantiateFailure::MissingImport { module, name }));
        }
        if let Some(link) = answer["failed"].get("link") {
            let (module, name) = linked_names(link.as_str().unwrap_or_default());
            return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
        }
        let handle = answer["instance"].as_u64().ok_or_else(|| instantiate_failure(&answer))?;
        self.instances.push((handle, types));
        Ok(InstanceId(self.instances.len() - 1))
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome> {
        let handle = self.instance(instance)?.0;
        self.request(json!({"op": "typed_register", "name": name, "instance": handle})).map(drop)
    }

    fn invoke(&mut self, instance: InstanceId, export: &str, args: &[Value]) -> Result<Vec<Value>, Outcome> {
        let (handle, types) = self.instance(instance)?;
        let Some(Export::Func { ty, .. }) = types.export(export) else {
            return Err(Outcome::BadExport(BadExport::Missing { name: export.into() }));
        };
        if ty.params().len() != args.len() {
            return Err(Outcome::BadExport(BadExport::Signature { name: export.into() }));
        }
        let results = Self::carried_all(ty.results())?;
        Self::carried_all(ty.params())?;
        let mut wire_args = Vec::new();
        args.iter().for_each(|arg| depart(*arg, &mut wire_args));
        let result_types = ty.results().to_vec();
        let request = json!({
            "op": "typed_invoke",
            "instance": handle,
            "export": export,
            "args": wire_args,
            "results": wire_types(&results),
        });
        let answer = self.request(request)?;
        if let Some(stop) = answer.get("stop") {
            return Err(concord_node::wire::stop(stop).map_or_else(|fault| fault, stop_outcome));
        }
        arrive(&result_types, answer["values"].as_array().map(Vec::as_slice).unwrap_or_default())
    }

    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome> {
        let (handle, types) = self.instance(instance)?;
        let Some(Export::Global { ty, .. }) = types.export(export) else {
            return Err(Outcome::BadExport(BadExport::Missing { name: export.into() }));
        };
        let content = [ty.content_type];
        let results = Self::carried_all(&content)?;
        let request = json!({
            "op": "typed_global",
            "instance": handle,
            "export": export,
            "results": wire_types(&results),
        });
        let answer = self.request(request)?;
        let values = arrive(&content, answer["values"].as_array().map(Vec::as_slice).unwrap_or_default())?;
        values.into_iter().next().ok_or_else(|| Outcome::EngineFault(format!("no {GLOBAL_GETTER}{export}")))
    }

    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>> {
        let handle = self.instance(instance).ok()?.0;
        let answer = self.request(json!({"op": "typed_memory", "instance": handle, "export": export})).ok()?;
        unbase64(answer["bytes"].as_str()?).ok()
    }
}

/// The import a V8 link error names: `Import #0 "module" "name": ...`.
fn linked_names(message: &str) -> (String, String) {
    let mut quoted = message.split('"').skip(1).step_by(2);
    let module = quoted.next().unwrap_or_default().to_string();
    (module, quoted.next().unwrap_or_default().to_string())
}
