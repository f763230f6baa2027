//! V8, out of process: the engine of Chrome and Node.js, driven in a long-lived Node.js child
//! (`js/main.js`, beside this crate) over a pipe. The plugin kernel and the WASI subset run there,
//! written in JavaScript after Concord's Rust ones; the embedder's host functions run here, and
//! the child waits for them mid-call.
//!
//! What V8 enforces itself: the memory limit, with its `--wasm-max-mem-pages` flag (one child per
//! limit, since the flag is the whole process's), and a deadline, with node:vm's watchdog, which
//! terminates the execution and leaves the instance as it stood. V8 has no fuel: a configuration
//! with fuel is unsupported. Node itself comes from npm, through `concord-node`.

mod requests;
mod typed;
mod types;
mod wrapper;

use concord_engine::wasi::Wasi;
use concord_engine::{
    BadExport, Call, CompileError, Engine, EngineInfo, Feature, HostFunction, InstanceConfig, InstanceData,
    InstantiateFailure, MemoryObservation, Module, Outcome, PipeFault, ValType,
};
use concord_engine::{Capabilities, Fuel, MemoryLimit};
use concord_host::{PluginAbi, plugin_module, resolve_for, start_outcome};
use concord_node::child::{self, HostSide};
use concord_node::compiled::Compiled;
use concord_node::held::Held;
use concord_node::protocol::{HandleKind, Hello, PluginCall, PluginCalled};
use concord_node::{Host, PATIENCE, base64, patience, pool, unbase64};
use requests::{Echo, Failed, Init, Instantiate, Instantiated, Link, LinkTo, Memory, Pages};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use types::ModuleTypes;

/// The JavaScript host.
pub static HOST: Host = Host { name: "v8", main: concat!(env!("CARGO_MANIFEST_DIR"), "/js/main.js") };

/// A bare child for measurements: a round trip through the pipe with no Wasm in it, the pipe's
/// share of a call's cost (the overhead benchmark's baseline for V8), and the versions it runs.
pub struct Pipe(child::Child);

impl Pipe {
    pub fn spawn(compiler: Compiler) -> Result<Pipe, String> {
        let node = concord_node::node()?;
        child::Child::spawn(&node, &HOST, &compiler.flags()).map(Pipe).map_err(|gone| gone.0)
    }

    /// `bytes` there and back.
    pub fn echo(&mut self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let answer = self.0.request(&Echo { bytes: base64(bytes) }, None, PATIENCE).map_err(|gone| gone.0)?;
        unbase64(&answer.bytes)
    }

    /// The V8 and Node versions the child runs.
    pub fn versions(&mut self) -> Result<(String, String), String> {
        let mut answer = self.0.request(&Hello {}, None, PATIENCE).map_err(|gone| gone.0)?;
        let mut text = |key: &str| answer.remove(key).unwrap_or_default();
        Ok((text("v8"), text("node")))
    }
}

/// V8's two compilers: Liftoff, its baseline compiler, alone; and TurboFan, its optimizing one,
/// for every function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compiler {
    Liftoff,
    Turbofan,
}

impl Compiler {
    pub const ALL: [Compiler; 2] = [Compiler::Turbofan, Compiler::Liftoff];

    fn name(self) -> &'static str {
        match self {
            Compiler::Liftoff => "liftoff",
            Compiler::Turbofan => "turbofan",
        }
    }

    fn flags(self) -> Vec<String> {
        let flags: &[&str] = match self {
            Compiler::Liftoff => &["--liftoff", "--no-wasm-tier-up"],
            Compiler::Turbofan => &["--no-liftoff"],
        };
        flags.iter().map(|f| f.to_string()).collect()
    }
}

pub struct V8Engine {
    info: EngineInfo,
    compiler: Compiler,
    /// Node, or why it cannot run here.
    node: Result<PathBuf, String>,
}

impl V8Engine {
    pub fn new(compiler: Compiler) -> Self {
        let node = concord_node::node();
        V8Engine {
            info: EngineInfo {
                id: format!("v8-{}", compiler.name()),
                engine: "v8".into(),
                version: format!("{} (Node {})", concord_node::V8_VERSION, concord_node::NODE_VERSION),
                compiler: compiler.name().into(),
                capabilities: Capabilities {
                    out_of_process: true,
                    ..Capabilities::on_concord_host(
                        Fuel::Absent,
                        vec![
                            Feature::Simd,
                            Feature::ReferenceTypes,
                            Feature::RelaxedSimd,
                            Feature::TailCall,
                            Feature::ExtendedConst,
                            Feature::MultiMemory,
                            Feature::Memory64,
                            Feature::Exceptions,
                        ],
                    )
                },
            },
            compiler,
            node,
        }
    }
}

/// A configuration V8 cannot honour: fuel, which it does not have.
fn unsupported(config: &InstanceConfig) -> Option<Outcome> {
    config.cpu.fuel.map(|_| Outcome::Unsupported("V8 has no fuel metering".into()))
}

/// The children that run under `config`'s memory limit: V8's flag holds for the whole process.
fn key(compiler: Compiler, max_pages: Option<u64>) -> pool::Key {
    let mut flags = compiler.flags();
    flags.extend(max_pages.map(|pages| format!("--wasm-max-mem-pages={pages}")));
    pool::Key { host: &HOST, flags }
}

impl Engine for V8Engine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        let types = ModuleTypes::parse(wasm)?;
        let abi = Arc::new(PluginAbi::parse(wasm)?);
        let module =
            V8Module { compiled: Compiled::new(wasm), types, abi, compiler: self.compiler, node: self.node.clone() };
        // V8's own verdict, in the child without a limit, where every plugin is compiled first.
        if let Ok(node) = &module.node {
            module.compiled.check_in(node, &pool::lease(key(self.compiler, None)))?;
        }
        let abi = module.abi.clone();
        Ok(plugin_module(module, &abi))
    }

    fn typed_store(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::TypedStore>, Outcome> {
        let node = self.node.clone().map_err(Outcome::Unsupported)?;
        if let Some(outcome) = unsupported(config) {
            return Err(outcome);
        }
        Ok(Box::new(typed::V8Store::new(
            node,
            key(self.compiler, config.memory_limit.map(MemoryLimit::pages)),
            config,
        )?))
    }
}

struct V8Module {
    compiled: Compiled,
    types: ModuleTypes,
    abi: Arc<PluginAbi>,
    compiler: Compiler,
    node: Result<PathBuf, String>,
}

impl V8Module {
    /// Its handle in the leased child, and that child's generation.
    fn compiled_in(&self, lease: &pool::Lease) -> Result<(u64, u64), Outcome> {
        let node = self.node.as_ref().map_err(|why| Outcome::Unsupported(why.clone()))?;
        self.compiled.handle_in(node, lease)
    }

    /// What every import links to, or why the instance cannot be made.
    fn imports(&self, config: &InstanceConfig) -> Result<(Vec<Link>, Vec<HostFunction>), Outcome> {
        let mut links = Vec::new();
        let mut host = Vec::new();
        for import in &self.types.imports {
            let (module, name) = (import.module.clone(), import.name.clone());
            let missing = || {
                Outcome::InstantiateFailed(InstantiateFailure::MissingImport {
                    module: module.clone(),
                    name: name.clone(),
                })
            };
            let (Some(wanted), Some(resolved)) = (&import.func, resolve_for(config, &module, &name)) else {
                return Err(missing());
            };
            let same = |ours: &[ValType], theirs: &[wasmparser::ValType]| {
                ours.len() == theirs.len() && ours.iter().zip(theirs).all(|(a, b)| val_type(*a) == *b)
            };
            if !same(&resolved.params, wanted.params()) || !same(&resolved.results, wanted.results()) {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::ImportTypeMismatch { module, name }));
            }
            let user = config.host_functions.iter().find(|f| f.module == module && f.name == name);
            let to = match user {
                Some(function) => {
                    child::carried(function)?;
                    host.push(function.clone());
                    LinkTo::Host { function: host.len() - 1 }
                }
                None if module == concord_host::kernel::ENV_MODULE => LinkTo::Kernel,
                None => LinkTo::Wasi,
            };
            links.push(Link { module, name, to });
        }
        Ok((links, host))
    }
}

fn val_type(ty: ValType) -> wasmparser::ValType {
    match ty {
        ValType::I32 => wasmparser::ValType::I32,
        ValType::I64 => wasmparser::ValType::I64,
        ValType::F32 => wasmparser::ValType::F32,
        ValType::F64 => wasmparser::ValType::F64,
    }
}

impl Module for V8Module {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        if let Some(outcome) = unsupported(config).or_else(|| self.abi.refusal()) {
            return Err(outcome);
        }
        let (links, host_functions) = self.imports(config)?;
        let lease = pool::lease(key(self.compiler, config.memory_limit.map(MemoryLimit::pages)));
        let (module, generation) = self.compiled_in(&lease)?;
        let request = Instantiate {
            module,
            imports: links,
            config: &config.config,
            memory_limit_bytes: config.memory_limit.map(MemoryLimit::bytes),
            deadline_ms: config.cpu.deadline_ms(),
            init: Init::all(self.abi.at_instantiation()),
            first_call: Init::all(self.abi.at_first_call()),
        };
        let mut data = InstanceData::default();
        let mut wasi = Wasi::with_preopens(&config.preopens);
        let host = HostSide { functions: &host_functions, data: &mut data, wasi: Some(&mut wasi) };
        let handle = match lease.lock().request(generation, &request, Some(host), patience(config))? {
            Instantiated::Instance(handle) => handle,
            failed => return Err(instantiate_failure(failed)),
        };
        Ok(Box::new(V8Instance {
            held: Held::new(lease, generation, HandleKind::Instance, handle),
            host_functions,
            data,
            wasi,
            abi: self.abi.clone(),
            patience: patience(config),
            pipe_fault: config.pipe_fault,
        }))
    }
}

/// Why the host script could not make an instance.
fn instantiate_failure(answer: Instantiated) -> Outcome {
    let failure = match answer {
        Instantiated::Instance(_) => return Outcome::EngineFault("an instance taken for a failure".into()),
        Instantiated::Start(stop) => return start_outcome(stop.into()),
        Instantiated::Invalid(why) => return CompileError::Invalid(why).into(),
        Instantiated::Failed(Failed::MemoryLimit) => InstantiateFailure::MemoryLimit,
        Instantiated::Failed(Failed::Missing { module, name }) => InstantiateFailure::MissingImport { module, name },
        Instantiated::Failed(Failed::Link(message)) => {
            let (module, name) = linked_names(&message);
            InstantiateFailure::ImportTypeMismatch { module, name }
        }
        Instantiated::Failed(Failed::Other(message)) => InstantiateFailure::Other { message },
    };
    Outcome::InstantiateFailed(failure)
}

/// The import a V8 link error names: `Import #0 "module" "name": ...`.
fn linked_names(message: &str) -> (String, String) {
    let mut quoted = message.split('"').skip(1).step_by(2);
    let module = quoted.next().unwrap_or_default().to_string();
    (module, quoted.next().unwrap_or_default().to_string())
}

struct V8Instance {
    held: Held,
    host_functions: Vec<HostFunction>,
    data: InstanceData,
    wasi: Wasi,
    abi: Arc<PluginAbi>,
    patience: Duration,
    pipe_fault: Option<PipeFault>,
}

impl V8Instance {
    fn request<R: concord_node::protocol::Request>(
        &mut self,
        request: &R,
        serve_host: bool,
    ) -> Result<R::Answer, Outcome> {
        let host = serve_host.then_some(HostSide {
            functions: &self.host_functions,
            data: &mut self.data,
            wasi: Some(&mut self.wasi),
        });
        let fault = if serve_host { self.pipe_fault } else { None };
        self.held.request_planted(request, host, self.patience, fault)
    }
}

impl concord_engine::Instance for V8Instance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        if let Err(outcome) = self.abi.export(export) {
            return Call::from_outcome(outcome);
        }
        let request = PluginCall { instance: self.held.handle(), export, input: base64(input) };
        let outcome = match self.request(&request, true) {
            Ok(PluginCalled::Outcome(outcome)) => outcome.outcome(),
            Ok(PluginCalled::NotAFunction(_)) => Outcome::BadExport(BadExport::Signature { name: export.into() }),
            Err(outcome) => return Call::from_outcome(outcome),
        };
        let (stdout, stderr) = (&mut self.wasi.stdout.bytes, &mut self.wasi.stderr.bytes);
        Call { outcome, stdout: std::mem::take(stdout), stderr: std::mem::take(stderr) }
    }

    /// Asked apart from [`Self::memory`], which hashes the whole memory in the child.
    fn memory_pages(&mut self) -> Option<u64> {
        self.request(&Pages { instance: self.held.handle() }, false).ok()?.pages
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        self.request(&Memory { instance: self.held.handle() }, false).ok()?.memory
    }
}
