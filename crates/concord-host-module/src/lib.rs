//! Host functions written in Wasm (`concord check --host-module`): a module whose exports are
//! linked as a plugin's imports. Every engine under test runs the plugin; the host module itself
//! runs on one interpreter (wasmi) for all of them, so a plugin meets the same host behaviour
//! wherever it runs. The host module's own imports are kernel functions, served by the kernel of
//! the plugin instance that called it ([`KernelAccess`]): Concord's on the native engines, Extism's
//! on Extism.
//!
//! Each plugin instance gets its own instance of the host module, so host state (a counter in a
//! global, say) lasts as long as the plugin instance and is never shared between two.

mod kernel_calls;

use concord_engine::{HostFault, HostFunction, KernelAccess, USER_MODULE, Val, ValType};
use concord_host::kernel::ENV_MODULE;
use kernel_calls::{CallView, KernelCall};
use std::path::Path;
use std::sync::Arc;
use wasmi::errors::HostError;
use wasmi::{Config, Engine, Func, FuncType, Linker, Module, ResumableCall, Store};

/// How many instructions one call of a host function may run: a runaway host function is the
/// same fault on every engine, not a hang.
pub const FUEL_PER_CALL: u64 = 10_000_000;

/// An export whose name holds this separator is linked as the import `module::name`; any other
/// export as `extism:host/user::name`.
pub const MODULE_SEPARATOR: &str = "::";

#[derive(Debug, thiserror::Error)]
pub enum HostModuleError {
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("not a WebAssembly module or text: {0}")]
    Parse(String),
    #[error("not a valid WebAssembly module: {0}")]
    Invalid(String),
    #[error(
        "it imports {module}::{name}, which a host function cannot call; it may import these from {ENV_MODULE}: {offered}"
    )]
    UnsupportedImport { module: String, name: String, offered: String },
    #[error("its import {name} is declared {declared}, but the kernel's is {expected}")]
    ImportSignature { name: String, declared: String, expected: String },
    #[error("its export {name} takes or returns a type a host function cannot pass ({ty})")]
    ExportType { name: String, ty: String },
    #[error("its start function failed: {0}")]
    Start(String),
}

/// A host module, validated and compiled once; cheap to clone.
#[derive(Clone)]
pub struct HostModule {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    module: Module,
    imports: Vec<KernelCall>,
    exports: Vec<Export>,
}

/// An export, and the import of the plugin's it is linked as.
struct Export {
    export: String,
    module: String,
    name: String,
    params: Vec<ValType>,
    results: Vec<ValType>,
}

/// A host module's kernel call, handed out of the interpreter to the code that holds the kernel.
#[derive(Debug)]
struct KernelRequest(KernelCall, Vec<Val>);

impl std::fmt::Display for KernelRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "kernel call {}", self.0.name())
    }
}

impl HostError for KernelRequest {}

/// One plugin instance's instance of the host module, with its exports looked up once.
struct Running {
    store: Store<()>,
    /// By export index, as `Inner::exports`.
    functions: Vec<Func>,
}

impl HostModule {
    /// Reads a `.wasm` or `.wat` file.
    pub fn load(path: &Path) -> Result<Self, HostModuleError> {
        let bytes =
            std::fs::read(path).map_err(|error| HostModuleError::Read { path: path.display().to_string(), error })?;
        Self::parse(Some(path), &bytes)
    }

    /// Binary Wasm, or the text format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, HostModuleError> {
        Self::parse(None, bytes)
    }

    fn parse(path: Option<&Path>, bytes: &[u8]) -> Result<Self, HostModuleError> {
        let wasm = wat::Parser::new().parse_bytes(path, bytes).map_err(|e| HostModuleError::Parse(one_line(&e)))?;
        let mut config = Config::default();
        config.consume_fuel(true);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &wasm[..]).map_err(|e| HostModuleError::Invalid(e.to_string()))?;
        let imports = module
            .imports()
            .map(|import| {
                let unsupported = || HostModuleError::UnsupportedImport {
                    module: import.module().to_string(),
                    name: import.name().to_string(),
                    offered: KernelCall::ALL.map(KernelCall::name).join(", "),
                };
                let call = (import.module() == ENV_MODULE).then(|| KernelCall::find(import.name())).flatten();
                let (call, wasmi::ExternType::Func(ty)) = (call.ok_or_else(unsupported)?, import.ty()) else {
                    return Err(unsupported());
                };
                let (params, results) = call.signature();
                let declared = (val_types(ty.params()), val_types(ty.results()));
                if declared != (Some(params.to_vec()), Some(results.to_vec())) {
                    return Err(HostModuleError::ImportSignature {
                        name: call.name().to_string(),
                        declared: format!("{:?} -> {:?}", ty.params(), ty.results()),
                        expected: format!("{params:?} -> {results:?}"),
                    });
                }
                Ok(call)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let exports = module
            .exports()
            .filter_map(|export| match export.ty() {
                wasmi::ExternType::Func(ty) => Some((export.name().to_string(), ty.clone())),
                _ => None,
            })
            .map(|(export, ty)| {
                let (Some(params), Some(results)) = (val_types(ty.params()), val_types(ty.results())) else {
                    return Err(HostModuleError::ExportType { name: export, ty: format!("{ty:?}") });
                };
                let (module, name) = match export.split_once(MODULE_SEPARATOR) {
                    Some((module, name)) => (module.to_string(), name.to_string()),
                    None => (USER_MODULE.to_string(), export.clone()),
                };
                Ok(Export { export, module, name, params, results })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let host = HostModule { inner: Arc::new(Inner { engine, module, imports, exports }) };
        // A start function that traps would fail every plugin instance; say so once, up front.
        host.instantiate().map_err(HostModuleError::Start)?;
        Ok(host)
    }

    /// Whether it provides the plugin's import `module::name`.
    pub fn provides(&self, module: &str, name: &str) -> bool {
        self.inner.exports.iter().any(|e| e.module == module && e.name == name)
    }

    /// The imports it provides, as `module::name`.
    pub fn provided(&self) -> Vec<String> {
        self.inner.exports.iter().map(|e| format!("{}{MODULE_SEPARATOR}{}", e.module, e.name)).collect()
    }

    /// One host function per export, to put in an `InstanceConfig`.
    pub fn host_functions(&self) -> Vec<HostFunction> {
        (0..self.inner.exports.len())
            .map(|index| {
                let export = &self.inner.exports[index];
                let host = self.clone();
                HostFunction {
                    module: export.module.clone(),
                    name: export.name.clone(),
                    params: export.params.clone(),
                    results: export.results.clone(),
                    callback: Arc::new(move |kernel, args| host.call(index, kernel, args)),
                }
            })
            .collect()
    }

    /// Identifies this host module's state among a plugin instance's.
    fn key(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    fn instantiate(&self) -> Result<Running, String> {
        let mut store = Store::new(&self.inner.engine, ());
        store.set_fuel(FUEL_PER_CALL).map_err(|e| e.to_string())?;
        let mut linker = Linker::<()>::new(&self.inner.engine);
        for &call in &self.inner.imports {
            let (params, results) = call.signature();
            let ty = FuncType::new(params.iter().map(wasmi_type), results.iter().map(wasmi_type));
            let func = Func::new(&mut store, ty, move |_, params, _| {
                Err(wasmi::Error::host(KernelRequest(call, params.iter().map(from_wasmi).collect())))
            });
            linker.define(ENV_MODULE, call.name(), func).map_err(|e| e.to_string())?;
        }
        let instance = linker.instantiate_and_start(&mut store, &self.inner.module).map_err(|e| e.to_string())?;
        let functions = self
            .inner
            .exports
            .iter()
            .map(|export| instance.get_func(&store, &export.export).ok_or(format!("no function {}", export.export)))
            .collect::<Result<_, _>>()?;
        Ok(Running { store, functions })
    }

    fn call(&self, index: usize, kernel: &mut dyn KernelAccess, args: &[Val]) -> Result<Vec<Val>, HostFault> {
        let key = self.key();
        let mut running = match kernel.instance_data().take::<Running>(key) {
            Some(running) => running,
            None => self.instantiate().map_err(|e| HostFault::User(format!("host module: {e}")))?,
        };
        let result = self.run(&mut running, index, kernel, args);
        kernel.instance_data().insert(key, running);
        result
    }

    /// Runs the export, stopping at each kernel call the host module makes to serve it.
    fn run(
        &self,
        running: &mut Running,
        index: usize,
        kernel: &mut dyn KernelAccess,
        args: &[Val],
    ) -> Result<Vec<Val>, HostFault> {
        let export = &self.inner.exports[index];
        let fail = |e: wasmi::Error| HostFault::User(format!("host module {}: {e}", export.export));
        let func = running.functions[index];
        running.store.set_fuel(FUEL_PER_CALL).map_err(fail)?;
        let inputs: Vec<_> = args.iter().map(|v| to_wasmi(*v)).collect();
        let mut outputs: Vec<_> = export.results.iter().map(|t| to_wasmi(Val::zero(*t))).collect();
        let mut view = CallView::default();
        let mut call = func.call_resumable(&mut running.store, &inputs, &mut outputs).map_err(fail)?;
        loop {
            match call {
                ResumableCall::Finished => break,
                ResumableCall::OutOfFuel(_) => {
                    return Err(HostFault::User(format!(
                        "host module {}: ran {FUEL_PER_CALL} instructions without returning",
                        export.export
                    )));
                }
                ResumableCall::HostTrap(pending) => {
                    let Some(KernelRequest(request, request_args)) = pending.host_error().downcast_ref() else {
                        return Err(fail(pending.into_host_error()));
                    };
                    let answer = view.serve(kernel, *request, request_args)?;
                    let answer: Vec<_> = answer.into_iter().map(to_wasmi).collect();
                    call = pending.resume(&mut running.store, &answer, &mut outputs).map_err(fail)?;
                }
            }
        }
        Ok(outputs.iter().map(from_wasmi).collect())
    }
}

/// The text format's error is a message and a snippet of source; a message and where it is.
fn one_line(error: &wat::Error) -> String {
    let text = error.to_string();
    let mut lines = text.lines().map(str::trim);
    let message = lines.next().unwrap_or_default();
    match lines.find_map(|line| line.strip_prefix("--> ")) {
        Some(place) => format!("{message} at {place}"),
        None => message.to_string(),
    }
}

fn val_types(types: &[wasmi::ValType]) -> Option<Vec<ValType>> {
    types
        .iter()
        .map(|ty| match ty {
            wasmi::ValType::I32 => Some(ValType::I32),
            wasmi::ValType::I64 => Some(ValType::I64),
            wasmi::ValType::F32 => Some(ValType::F32),
            wasmi::ValType::F64 => Some(ValType::F64),
            _ => None,
        })
        .collect()
}

fn wasmi_type(ty: &ValType) -> wasmi::ValType {
    match ty {
        ValType::I32 => wasmi::ValType::I32,
        ValType::I64 => wasmi::ValType::I64,
        ValType::F32 => wasmi::ValType::F32,
        ValType::F64 => wasmi::ValType::F64,
    }
}

fn to_wasmi(val: Val) -> wasmi::Val {
    match val {
        Val::I32(v) => wasmi::Val::I32(v),
        Val::I64(v) => wasmi::Val::I64(v),
        Val::F32(v) => wasmi::Val::F32(v.into()),
        Val::F64(v) => wasmi::Val::F64(v.into()),
    }
}

fn from_wasmi(val: &wasmi::Val) -> Val {
    match val {
        wasmi::Val::I32(v) => Val::I32(*v),
        wasmi::Val::I64(v) => Val::I64(*v),
        wasmi::Val::F32(v) => Val::F32((*v).into()),
        wasmi::Val::F64(v) => Val::F64((*v).into()),
        _ => Val::I64(0),
    }
}
