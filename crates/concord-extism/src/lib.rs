//! Extism 1.41, the plugin runtime itself: its own kernel, its own WASI, its own limits. Concord
//! configures it the way an embedder would (manifest memory max, fuel limit, timeout) and reports
//! what it does; where that differs from the other engines it is a documented divergence.

mod kernel_access;

use concord_engine::{
    BadExport, Call, CompileError, Engine, EngineInfo, GuestError, HostFault, InstanceConfig, InstantiateFailure,
    KernelFault, LimitKind, MemoryObservation, Module, Outcome, TrapKind, ValType,
};
use concord_engine::{Capabilities, Deadline, Fuel, MemoryLimiting, PluginKernel, WasiHost};
use concord_host::{ModuleInfo, fault_outcome};
use extism::{CompiledPlugin, Manifest, Plugin, PluginBuilder, UserData, Wasm};
use kernel_access::{ExtismKernel, Instances};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const VERSION: &str = "1.41.0";

const WASI_MODULE: &str = concord_engine::wasi::WASI_MODULE;

pub struct ExtismEngine {
    info: EngineInfo,
}

impl Default for ExtismEngine {
    fn default() -> Self {
        ExtismEngine {
            info: EngineInfo {
                id: "extism".into(),
                engine: "extism".into(),
                version: VERSION.into(),
                compiler: "wasmtime-49-cranelift".into(),
                capabilities: Capabilities {
                    fuel: Fuel::PluginCalls,
                    deadline: Deadline::PluginWide,
                    memory_limit: MemoryLimiting::CallFails,
                    typed_layer: false,
                    kernel: PluginKernel::ExtismRuntime,
                    wasi: WasiHost::WasmtimeWasi,
                    memory_visible: false,
                    read_only_dirs: true,
                    instance_pool: false,
                    out_of_process: false,
                    features: Vec::new(),
                },
            },
        }
    }
}

impl Engine for ExtismEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        self.compile_for(wasm, &InstanceConfig::default())
    }

    /// Extism fixes limits at compile time, so compiling the variant for `config` now validates the
    /// module and makes this step cost what it costs on the other engines.
    fn compile_for(&self, wasm: &[u8], config: &InstanceConfig) -> Result<Box<dyn Module>, CompileError> {
        let info = ModuleInfo::parse(wasm)?;
        let module = ExtismModule {
            wasm: wasm.into(),
            info,
            compiled: Mutex::new(BTreeMap::new()),
            instances: Instances::default(),
        };
        // A plugin Extism cannot build for `config` (a host function it rejects, say) is still a
        // module, and instantiating says why; only bytes it cannot compile at all are an error.
        if module.compiled(config).is_err() {
            module.compiled(&InstanceConfig::default()).map_err(|e| CompileError::Invalid(format!("{e:#}")))?;
        }
        Ok(Box::new(module))
    }
}

/// Everything Extism bakes into a `CompiledPlugin`. Host functions are keyed by identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct VariantKey {
    memory_max_pages: Option<u64>,
    fuel: Option<u64>,
    timeout_ms: Option<u64>,
    config: BTreeMap<String, String>,
    host_functions: Vec<(String, String, usize)>,
    without_wasi: bool,
    preopens: Vec<(std::path::PathBuf, String)>,
}

impl VariantKey {
    fn of(config: &InstanceConfig) -> Self {
        VariantKey {
            memory_max_pages: config.memory_limit.map(concord_engine::MemoryLimit::pages),
            fuel: config.cpu.fuel,
            // Extism's timeout has millisecond resolution.
            timeout_ms: config.cpu.deadline_ms(),
            config: config.config.clone(),
            host_functions: config
                .host_functions
                .iter()
                .map(|f| (f.module.clone(), f.name.clone(), Arc::as_ptr(&f.callback) as *const () as usize))
                .collect(),
            without_wasi: config.without_wasi,
            preopens: config.preopens.iter().map(|p| (p.host_path.clone(), p.guest_path.clone())).collect(),
        }
    }
}

struct ExtismModule {
    wasm: Arc<[u8]>,
    info: ModuleInfo,
    /// One compiled variant per configuration seen, so a suite that reuses a configuration compiles once.
    /// Shared, not cloned: a `CompiledPlugin` clone copies its manifest, wasm bytes included.
    compiled: Mutex<BTreeMap<VariantKey, Arc<CompiledPlugin>>>,
    /// Host functions' per-instance state, shared by every variant's host functions.
    instances: Instances,
}

impl ExtismModule {
    fn compiled(&self, config: &InstanceConfig) -> Result<Arc<CompiledPlugin>, extism::Error> {
        let key = VariantKey::of(config);
        let mut cache = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(compiled) = cache.get(&key) {
            return Ok(compiled.clone());
        }
        let mut manifest =
            Manifest::new([Wasm::data(self.wasm.to_vec())]).with_config(config.config.clone().into_iter());
        if let Some(pages) = key.memory_max_pages {
            manifest = manifest.with_memory_max(pages.min(u32::MAX as u64) as u32);
        }
        if let Some(ms) = key.timeout_ms {
            manifest = manifest.with_timeout(std::time::Duration::from_millis(ms));
        }
        // `ro:` makes Extism wrap the directory in its read-only `ReadOnlyDir`.
        for (host, guest) in &key.preopens {
            manifest = manifest.with_allowed_path(format!("ro:{}", host.display()), guest);
        }
        let mut builder = PluginBuilder::new(manifest)
            .with_cache_disabled()
            .with_wasi(self.info.imports_module(WASI_MODULE) && !config.without_wasi)
            .with_functions(config.host_functions.iter().map(|f| host_function(f, self.instances.clone())));
        if let Some(fuel) = key.fuel {
            builder = builder.with_fuel_limit(fuel);
        }
        let compiled = Arc::new(CompiledPlugin::new(builder)?);
        cache.insert(key, compiled.clone());
        Ok(compiled)
    }

    /// Why Extism could not make a plugin (or compile one) for `config`.
    fn instantiate_failure(&self, config: &InstanceConfig, error: extism::Error) -> Outcome {
        if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
            return match trap_outcome(*trap) {
                Outcome::Trap(trap) => Outcome::InstantiateFailed(InstantiateFailure::StartTrapped { trap }),
                limit => limit,
            };
        }
        // Extism reports a missing import only as text; it is named from the module itself instead.
        self.info
            .missing_import(config)
            .unwrap_or_else(|| Outcome::InstantiateFailed(InstantiateFailure::Other { message: format!("{error:#}") }))
    }
}

impl Module for ExtismModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        let failed = |error| self.instantiate_failure(config, error);
        let compiled = self.compiled(config).map_err(failed)?;
        let plugin = Plugin::new_from_compiled(&compiled).map_err(failed)?;
        let host = (!config.host_functions.is_empty()).then(|| (self.instances.clone(), plugin.id.as_u128()));
        Ok(Box::new(ExtismInstance { plugin, exports: self.info.exports.clone(), checked_export: None, host }))
    }
}

struct ExtismInstance {
    plugin: Plugin,
    exports: Vec<String>,
    /// The export last found callable: checking costs a type lookup in the module, and most
    /// callers call one export over and over.
    checked_export: Option<String>,
    /// Where this instance's host functions keep their state, when it has host functions.
    host: Option<(Instances, u128)>,
}

impl Drop for ExtismInstance {
    fn drop(&mut self) {
        if let Some((instances, id)) = &self.host {
            instances.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
        }
    }
}

impl concord_engine::Instance for ExtismInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        if self.checked_export.as_deref() != Some(export) {
            // Extism answers "no such function" for an export of the wrong type too.
            if !self.plugin.function_exists(export) {
                let name = export.to_string();
                let reason = match self.exports.contains(&name) {
                    true => BadExport::Signature { name },
                    false => BadExport::Missing { name },
                };
                return Call::from_outcome(Outcome::BadExport(reason));
            }
            self.checked_export = Some(export.to_string());
        }
        if let Some((instances, id)) = &self.host {
            let mut instances = instances.lock().unwrap_or_else(|e| e.into_inner());
            let slot = instances.entry(*id).or_default();
            slot.input.clear();
            slot.input.extend_from_slice(input);
        }
        let result = self.plugin.call_get_error_code::<&[u8], Vec<u8>>(export, input);
        let outcome = match result {
            Ok(output) => Outcome::Returned(output),
            Err((error, code)) => classify(&error, code),
        };
        Call::from_outcome(outcome)
    }

    /// Extism keeps the guest's memory to itself.
    fn memory_pages(&mut self) -> Option<u64> {
        None
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        None
    }
}

/// Extism's own failures carry no type: "oom", "timeout" and "plugin ran out of fuel" are the
/// exact messages it constructs (extism 1.41 `plugin.rs`), so they are matched whole, here only.
fn classify(error: &extism::Error, code: i32) -> Outcome {
    if let Some(fault) = error.chain().find_map(|e| e.downcast_ref::<HostFault>()) {
        return fault_outcome(fault.clone());
    }
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
        return trap_outcome(*trap);
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return Outcome::GuestError(GuestError { code: exit.0, message: String::new() });
    }
    // wasmtime attaches a backtrace to an error raised inside a host function: here, one of
    // Extism's kernel or WASI functions refusing what the guest passed it.
    // Extism's messages do not name the function, so the fault carries its message alone.
    if error.downcast_ref::<wasmtime::WasmBacktrace>().is_some() && !is_limit_message(error) {
        return Outcome::KernelFault(KernelFault { reason: error.root_cause().to_string(), ..KernelFault::default() });
    }
    let root = error.root_cause().to_string();
    match root.as_str() {
        "oom" => Outcome::LimitHit(LimitKind::Memory),
        "timeout" => Outcome::LimitHit(LimitKind::Deadline),
        "plugin ran out of fuel" => Outcome::LimitHit(LimitKind::Fuel),
        _ => Outcome::GuestError(GuestError { code, message: root }),
    }
}

fn is_limit_message(error: &extism::Error) -> bool {
    matches!(error.root_cause().to_string().as_str(), "oom" | "timeout" | "plugin ran out of fuel")
}

fn trap_outcome(trap: wasmtime::Trap) -> Outcome {
    use wasmtime::Trap as T;
    Outcome::Trap(match trap {
        T::OutOfFuel => return Outcome::LimitHit(LimitKind::Fuel),
        T::Interrupt => return Outcome::LimitHit(LimitKind::Deadline),
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

fn host_function(function: &concord_engine::HostFunction, instances: Instances) -> extism::Function {
    let callback = function.callback.clone();
    let results = function.results.clone();
    let name = function.name.clone();
    extism::Function::new(
        function.name.clone(),
        function.params.iter().map(val_type),
        function.results.iter().map(val_type),
        UserData::new(()),
        move |plugin, inputs, outputs, _| {
            let args: Vec<_> = inputs.iter().map(from_val).collect();
            let mut instances = instances.lock().unwrap_or_else(|e| e.into_inner());
            let slot = instances.entry(plugin.id().as_u128()).or_default();
            let values = callback(&mut ExtismKernel { plugin, slot }, &args).map_err(|fault| fault.within(&name))?;
            if values.len() != outputs.len() || values.iter().zip(&results).any(|(v, t)| v.ty() != *t) {
                return Err(HostFault::User(format!("host function returned {values:?}, declared {results:?}")).into());
            }
            for (slot, value) in outputs.iter_mut().zip(values) {
                *slot = to_val(value);
            }
            Ok(())
        },
    )
    .with_namespace(function.module.clone())
}

fn val_type(ty: &ValType) -> extism::ValType {
    match ty {
        ValType::I32 => extism::ValType::I32,
        ValType::I64 => extism::ValType::I64,
        ValType::F32 => extism::ValType::F32,
        ValType::F64 => extism::ValType::F64,
    }
}

fn from_val(val: &extism::Val) -> concord_engine::Val {
    match *val {
        extism::Val::I32(v) => concord_engine::Val::I32(v),
        extism::Val::I64(v) => concord_engine::Val::I64(v),
        extism::Val::F32(bits) => concord_engine::Val::F32(f32::from_bits(bits)),
        extism::Val::F64(bits) => concord_engine::Val::F64(f64::from_bits(bits)),
        _ => concord_engine::Val::I64(0),
    }
}

fn to_val(val: concord_engine::Val) -> extism::Val {
    match val {
        concord_engine::Val::I32(v) => extism::Val::I32(v),
        concord_engine::Val::I64(v) => extism::Val::I64(v),
        concord_engine::Val::F32(v) => extism::Val::F32(v.to_bits()),
        concord_engine::Val::F64(v) => extism::Val::F64(v.to_bits()),
    }
}
