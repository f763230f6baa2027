//! Extism's JavaScript host: the `@extism/extism` SDK on Node.js, driven in a long-lived Node
//! child (`js/main.js`, beside this crate) over concord-node's pipe. The plugin meets Extism's own
//! kernel and WASI, written in JavaScript, so the same plugin bytes that run under Extism's Rust
//! host (the `extism` configuration) are compared under its other SDK: limits, timeouts, host
//! functions and error codes.
//!
//! Concord configures it as an embedder would: the memory limit is the SDK's `memory.maxPages`,
//! a deadline its `timeoutMs` (which the SDK allows only with `runInWorker`, so a plugin with a
//! deadline runs in a worker thread), the config and host functions its own options. The SDK has
//! no fuel: a configuration with fuel is unsupported.

mod requests;

use concord_engine::{
    BadExport, Call, CompileError, Engine, EngineInfo, HostFunction, InstanceConfig, InstanceData, InstantiateFailure,
    MemoryObservation, Module, Outcome, PipeFault,
};
use concord_engine::{Capabilities, Deadline, Fuel, MemoryLimiting, PluginKernel, WasiHost};
use concord_host::{ModuleInfo, start_outcome};
use concord_node::child::{HostSide, carried};
use concord_node::compiled::Compiled;
use concord_node::held::Held;
use concord_node::protocol::{HandleKind, Hello, PluginCall, PluginCalled};
use concord_node::runtime::Runtime;
use concord_node::{Host, PATIENCE, base64, patience, pool};
use requests::{HostLink, Instantiate, Instantiated};

/// The JavaScript host.
pub static HOST: Host = Host { name: "extism-js", main: concat!(env!("CARGO_MANIFEST_DIR"), "/js/main.js") };

/// The SDK release crates/concord-node/package.json pins.
pub const SDK_VERSION: &str = "2.0.0-rc13";

const WASI_MODULE: &str = concord_engine::wasi::WASI_MODULE;

/// Every plugin runs in the same kind of child: the SDK applies its limits per plugin. Node's
/// warning that its WASI is experimental would only fill stderr.
fn key() -> Result<pool::Key, String> {
    let runtime = Runtime::node(vec!["--no-warnings".into()])?;
    Ok(pool::Key { host: &HOST, runtime, exclusive: false })
}

pub struct ExtismJsEngine {
    info: EngineInfo,
    /// Node, or why it cannot run here.
    key: Result<pool::Key, String>,
}

impl Default for ExtismJsEngine {
    fn default() -> Self {
        ExtismJsEngine {
            info: EngineInfo {
                id: "extism-js".into(),
                engine: "extism-js".into(),
                version: format!("{SDK_VERSION} (Node {})", concord_node::NODE_VERSION),
                compiler: format!("v8-{}", concord_node::V8_VERSION),
                capabilities: Capabilities {
                    fuel: Fuel::Absent,
                    deadline: Deadline::CallAndStart,
                    memory_limit: MemoryLimiting::KernelBlocksOnly,
                    typed_layer: false,
                    kernel: PluginKernel::ExtismJs,
                    wasi: WasiHost::Node,
                    memory_visible: false,
                    read_only_dirs: false,
                    instance_pool: false,
                    out_of_process: true,
                    features: Vec::new(),
                },
            },
            key: key(),
        }
    }
}

impl Engine for ExtismJsEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        let module =
            ExtismJsModule { info: ModuleInfo::parse(wasm)?, compiled: Compiled::new(wasm), key: self.key.clone() };
        if let Ok(key) = &module.key {
            module.compiled.check_in(&pool::lease(key.clone()))?;
        }
        Ok(Box::new(module))
    }
}

struct ExtismJsModule {
    info: ModuleInfo,
    compiled: Compiled,
    key: Result<pool::Key, String>,
}

impl ExtismJsModule {
    /// The embedder's host functions the plugin imports, each with its place in the list sent to
    /// the child, or why the plugin cannot be made: an import nothing provides is named the way
    /// the other engines name it (the SDK says so only in words).
    fn host_functions<'a>(
        &self,
        config: &'a InstanceConfig,
    ) -> Result<(Vec<HostLink<'a>>, Vec<HostFunction>), Outcome> {
        if let Some(missing) = self.info.missing_import(config) {
            return Err(missing);
        }
        let (mut links, mut functions) = (Vec::new(), Vec::new());
        for import in &self.info.imports {
            let user = config.host_functions.iter().find(|f| f.module == import.module && f.name == import.name);
            if let Some(function) = user {
                carried(function)?;
                links.push(HostLink { module: &function.module, name: &function.name, function: functions.len() });
                functions.push(function.clone());
            }
        }
        Ok((links, functions))
    }
}

impl Module for ExtismJsModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        let key = self.key.as_ref().map_err(|why| Outcome::Unsupported(why.clone()))?;
        if config.cpu.fuel.is_some() {
            return Err(Outcome::Unsupported("Extism's JavaScript host has no fuel metering".into()));
        }
        if !config.preopens.is_empty() {
            // Its `createPlugin` throws "Readonly dirs are not supported" for an `ro:` path.
            return Err(Outcome::Unsupported("Extism's JavaScript host offers no read-only directory".into()));
        }
        let (links, host_functions) = self.host_functions(config)?;
        let lease = pool::lease(key.clone());
        let (module, generation) = self.compiled.handle_in(&lease, None)?;
        let request = Instantiate {
            module,
            host_functions: links,
            config: &config.config,
            wasi: self.info.imports_module(WASI_MODULE) && !config.without_wasi,
            max_pages: config.memory_limit.map(concord_engine::MemoryLimit::pages),
            deadline_ms: config.cpu.deadline_ms(),
        };
        let mut data = InstanceData::default();
        let host = HostSide { functions: &host_functions, data: &mut data, wasi: None };
        let handle = match lease.lock().request(generation, &request, Some(host), patience(config))? {
            Instantiated::Instance(handle) => handle,
            Instantiated::StartTimedOut(_) => {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::StartTimedOut));
            }
            Instantiated::Start(stop) => return Err(start_outcome(stop.into())),
            Instantiated::EngineFault(why) => return Err(Outcome::EngineFault(why)),
            Instantiated::Failed(message) => {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::Other { message }));
            }
        };
        Ok(Box::new(ExtismJsInstance {
            held: Held::new(lease, generation, HandleKind::Instance, handle),
            host_functions,
            data,
            exports: self.info.exports.clone(),
            patience: patience(config),
            pipe_fault: config.pipe_fault,
        }))
    }
}

struct ExtismJsInstance {
    held: Held,
    host_functions: Vec<HostFunction>,
    data: InstanceData,
    exports: Vec<String>,
    patience: concord_node::Patience,
    pipe_fault: Option<PipeFault>,
}

impl concord_engine::Instance for ExtismJsInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        if !self.exports.iter().any(|e| e == export) {
            return Call::from_outcome(Outcome::BadExport(BadExport::Missing { name: export.into() }));
        }
        let request = PluginCall { instance: self.held.handle(), export, input: base64(input) };
        let host = HostSide { functions: &self.host_functions, data: &mut self.data, wasi: None };
        Call::from_outcome(match self.held.request_planted(&request, Some(host), self.patience, self.pipe_fault) {
            Ok(PluginCalled::NotAFunction(_)) => Outcome::BadExport(BadExport::Signature { name: export.into() }),
            Ok(PluginCalled::Outcome(outcome)) => outcome.outcome(),
            Err(outcome) => outcome,
        })
    }

    /// The SDK keeps the plugin's memory to itself, as Extism's Rust host does.
    fn memory_pages(&mut self) -> Option<u64> {
        None
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        None
    }
}

/// The versions the child runs: Node, and the SDK it loaded.
pub fn versions() -> Result<(String, String), String> {
    let mut child = concord_node::child::Child::spawn(&key()?.runtime, &HOST).map_err(|gone| gone.why)?;
    let mut answer = child.request(&Hello {}, None, PATIENCE).map_err(|gone| gone.why)?;
    let mut text = |key: &str| answer.remove(key).unwrap_or_default();
    Ok((text("node"), text("extism")))
}
