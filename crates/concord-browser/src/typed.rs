//! The typed-call layer on a browser engine: a store of linked instances in the child, every
//! module reached through its wrapper (wrapper.rs) so values cross as integer bits.

use crate::instantiate_failure;
use crate::requests::{
    self, GlobalRead, Instantiated, Invoked, TypedCompile, TypedGlobal, TypedInstantiate, TypedInvoke, TypedMemory,
    TypedRegister, WireValue,
};
use crate::types::{Export, ModuleTypes};
use crate::wrapper::{Carried, GLOBAL_GETTER, carried_types, wrapper};
use concord_engine::{BadExport, CompileError, InstanceId, Outcome, TypedStore, Value};
use concord_host::stop_outcome;
use concord_node::held::Held;
use concord_node::protocol::{HandleKind, Request};
use concord_node::{PATIENCE, Patience, base64, memory_cap, pool, unbase64};

pub struct BrowserStore {
    held: Held,
    instances: Vec<(u64, ModuleTypes)>,
    /// The deadline the host script holds, if it can.
    deadline_ms: Option<u64>,
    /// For requests that run Wasm.
    patience: Patience,
    /// The memory limit Concord holds for the engine, in pages.
    memory_cap: Option<u64>,
}

impl BrowserStore {
    pub fn new(
        key: pool::Key,
        deadline_ms: Option<u64>,
        patience: Patience,
        memory_cap: Option<u64>,
    ) -> Result<Self, Outcome> {
        let lease = pool::lease(key);
        let (generation, answer) = {
            let mut slot = lease.lock();
            slot.open(&requests::TypedStore {})?
        };
        Ok(BrowserStore {
            held: Held::new(lease, generation, HandleKind::Store, answer.store),
            instances: Vec::new(),
            deadline_ms,
            patience,
            memory_cap,
        })
    }

    /// A request that runs Wasm.
    fn request<R: Request>(&self, request: &R) -> Result<R::Answer, Outcome> {
        self.held.request(request, None, self.patience)
    }

    /// A request that does not.
    fn ask<R: Request>(&self, request: &R) -> Result<R::Answer, Outcome> {
        self.held.request(request, None, PATIENCE)
    }

    fn store(&self) -> u64 {
        self.held.handle()
    }

    fn instance(&self, id: InstanceId) -> Result<&(u64, ModuleTypes), Outcome> {
        self.instances.get(id.0).ok_or_else(|| Outcome::EngineFault(format!("no instance {}", id.0)))
    }

    fn carried_all(types: &[wasmparser::ValType]) -> Result<Vec<Carried>, Outcome> {
        carried_types(types)
            .ok_or_else(|| Outcome::Unsupported(format!("{types:?} values cannot cross into the browser engines")))
    }
}

/// `value` as the carried values it crosses as.
fn depart(value: Value, out: &mut Vec<WireValue>) {
    match value {
        Value::I32(v) | Value::F32(v) => out.push(WireValue::I32 { bits: v.to_string() }),
        Value::I64(v) | Value::F64(v) => out.push(WireValue::I64 { bits: v.to_string() }),
        Value::V128(v) => {
            out.push(WireValue::I64 { bits: (v as u64).to_string() });
            out.push(WireValue::I64 { bits: ((v >> 64) as u64).to_string() });
        }
        Value::FuncRef { .. } => out.push(WireValue::Funcref { null: None }),
        Value::ExternRef(handle) => out.push(WireValue::Externref { handle: handle.map(i64::from) }),
    }
}

/// The values of `types` from what crossed back.
fn arrive(types: &[wasmparser::ValType], values: Vec<WireValue>) -> Result<Vec<Value>, Outcome> {
    use wasmparser::ValType as V;
    let bad = || Outcome::EngineFault("the host script answered values of another shape".into());
    let bits = |value: WireValue| match value {
        WireValue::I32 { bits } | WireValue::I64 { bits } => bits.parse::<u64>().map_err(|_| bad()),
        _ => Err(bad()),
    };
    let mut values = values.into_iter();
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
                V::Ref(_) => match next()? {
                    WireValue::Funcref { null } => Value::FuncRef { null: null.unwrap_or(true) },
                    WireValue::Externref { handle: None } => Value::ExternRef(None),
                    WireValue::Externref { handle: Some(handle) } => match u32::try_from(handle) {
                        Ok(handle) => Value::ExternRef(Some(handle)),
                        Err(_) => return Err(Outcome::EngineFault("an externref the host did not make".into())),
                    },
                    _ => return Err(bad()),
                },
            })
        })
        .collect()
}

impl TypedStore for BrowserStore {
    fn compile(&mut self, wasm: &[u8]) -> Result<(), CompileError> {
        let answer = self
            .ask(&TypedCompile { wasm: base64(wasm) })
            .map_err(|outcome| CompileError::EngineFault(outcome.to_string()))?;
        match answer.invalid {
            Some(why) => Err(CompileError::Invalid(why)),
            None => Ok(()),
        }
    }

    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, Outcome> {
        let types = ModuleTypes::parse(wasm)?;
        let capped;
        let wasm = match self.memory_cap {
            Some(pages) => {
                capped = memory_cap::capped(wasm, pages)?;
                &capped
            }
            None => wasm,
        };
        let request = TypedInstantiate {
            store: self.store(),
            wasm: base64(wasm),
            wrapper: base64(&wrapper(&types)),
            deadline_ms: self.deadline_ms,
        };
        let handle = match self.request(&request)? {
            Instantiated::Instance(handle) => handle,
            failed => return Err(instantiate_failure(failed)),
        };
        self.instances.push((handle, types));
        Ok(InstanceId(self.instances.len() - 1))
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome> {
        let handle = self.instance(instance)?.0;
        self.ask(&TypedRegister { store: self.store(), name, instance: handle }).map(drop)
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
        let request = TypedInvoke { store: self.store(), instance: *handle, export, args: wire_args, results };
        match self.request(&request)? {
            Invoked::Values(values) => arrive(&result_types, values),
            Invoked::Stop(stop) => Err(stop_outcome(stop.into())),
        }
    }

    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome> {
        let (handle, types) = self.instance(instance)?;
        let Some(Export::Global { ty, .. }) = types.export(export) else {
            return Err(Outcome::BadExport(BadExport::Missing { name: export.into() }));
        };
        let content = [ty.content_type];
        let results = Self::carried_all(&content)?;
        let request = TypedGlobal { store: self.store(), instance: *handle, export, results };
        let GlobalRead::Values(values) = self.ask(&request)? else {
            return Err(Outcome::EngineFault(format!("no {GLOBAL_GETTER}{export}")));
        };
        let values = arrive(&content, values)?;
        values.into_iter().next().ok_or_else(|| Outcome::EngineFault(format!("no {GLOBAL_GETTER}{export}")))
    }

    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>> {
        let handle = self.instance(instance).ok()?.0;
        let answer = self.ask(&TypedMemory { store: self.store(), instance: handle, export }).ok()?;
        unbase64(&answer.bytes?).ok()
    }
}
