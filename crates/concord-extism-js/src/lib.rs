//! Extism's JavaScript host: the `@extism/extism` SDK on Node.js, driven in a long-lived Node
//! child (`host.js`, beside this crate) over concord-node's pipe. The plugin meets Extism's own
//! kernel and WASI, written in JavaScript, so the same plugin bytes that run under Extism's Rust
//! host (the `extism` configuration) are compared under its other SDK: limits, timeouts, host
//! functions and error codes.
//!
//! Concord configures it as an embedder would: the memory limit is the SDK's `memory.maxPages`,
//! a deadline its `timeoutMs` (which the SDK allows only with `runInWorker`, so a plugin with a
//! deadline runs in a worker thread), the config and host functions its own options. The SDK has
//! no fuel: a configuration with fuel is unsupported.

use concord_engine::{
    BadExport, Call, CompileError, Engine, EngineInfo, HostFunction, InstanceConfig, InstanceData, InstantiateFailure,
    MemoryObservation, Module, Outcome, PipeFault,
};
use concord_engine::{Capabilities, Deadline, Fuel, MemoryLimiting, PluginKernel, WasiHost};
use concord_host::{ModuleInfo, start_outcome};
use concord_node::child::{HostSide, carried};
use concord_node::compiled::Compiled;
use concord_node::held::Held;
use concord_node::{Host, PATIENCE, base64, patience, pool, wire};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// The JavaScript host, run with `node --eval`.
pub static HOST: Host = Host { name: "extism-js", script: include_str!("../host.js") };

/// The SDK release crates/concord-node/package.json pins.
pub const SDK_VERSION: &str = "2.0.0-rc13";

const WASI_MODULE: &str = concord_engine::wasi::WASI_MODULE;

/// Every plugin runs in the same kind of child: the SDK applies its limits per plugin. Node's
/// warning that its WASI is experimental would only fill stderr.
fn key() -> pool::Key {
    pool::Key { host: &HOST, flags: vec!["--no-warnings".into()] }
}

pub struct ExtismJsEngine {
    info: EngineInfo,
    /// Node, or why it cannot run here.
    node: Result<PathBuf, String>,
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
            node: concord_node::node(),
        }
    }
}

impl Engine for ExtismJsEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        let module =
            ExtismJsModule { info: ModuleInfo::parse(wasm)?, compiled: Compiled::new(wasm), node: self.node.clone() };
        if let Ok(node) = &module.node {
            module.compiled.check_in(node, &pool::lease(key()))?;
        }
        Ok(Box::new(module))
    }
}

struct ExtismJsModule {
    info: ModuleInfo,
    compiled: Compiled,
    node: Result<PathBuf, String>,
}

impl ExtismJsModule {
    /// The embedder's host functions the plugin imports, each with its place in the list sent to
    /// the child, or why the plugin cannot be made: an import nothing provides is named the way
    /// the other engines name it (the SDK says so only in words).
    fn host_functions(&self, config: &InstanceConfig) -> Result<(Vec<Value>, Vec<HostFunction>), Outcome> {
        if let Some(missing) = self.info.missing_import(config) {
            return Err(missing);
        }
        let (mut links, mut functions) = (Vec::new(), Vec::new());
        for import in &self.info.imports {
            let user = config.host_functions.iter().find(|f| f.module == import.module && f.name == import.name);
            if let Some(function) = user {
                carried(function)?;
                links.push(json!({"module": function.module, "name": function.name, "function": functions.len()}));
                functions.push(function.clone());
            }
        }
        Ok((links, functions))
    }
}

impl Module for ExtismJsModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        let node = self.node.as_ref().map_err(|why| Outcome::Unsupported(why.clone()))?;
        if config.cpu.fuel.is_some() {
            return Err(Outcome::Unsupported("Extism's JavaScript host has no fuel metering".into()));
        }
        if !config.preopens.is_empty() {
            // Its `createPlugin` throws "Readonly dirs are not supported" for an `ro:` path.
            return Err(Outcome::Unsupported("Extism's JavaScript host offers no read-only directory".into()));
        }
        let (links, host_functions) = self.host_functions(config)?;
        let lease = pool::lease(key());
        let (module, generation) = self.compiled.handle_in(node, &lease)?;
        let request = json!({
            "op": "instantiate",
            "module": module,
            "host_functions": links,
            "config": config.config,
            "wasi": self.info.imports_module(WASI_MODULE) && !config.without_wasi,
            "max_pages": config.memory_limit.map(concord_engine::MemoryLimit::pages),
            "deadline_ms": config.cpu.deadline_ms(),
        });
        let mut data = InstanceData::default();
        let host = HostSide { functions: &host_functions, data: &mut data, wasi: None };
        let answer = lease.lock().request(generation, &request, Some(host), patience(config))?;
        let Some(handle) = answer["instance"].as_u64() else {
            if answer["start_timed_out"] == true {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::StartTimedOut));
            }
            return Err(match (answer.get("start"), answer["engine_fault"].as_str()) {
                (Some(stop), _) => wire::stop(stop).map_or_else(|fault| fault, start_outcome),
                (None, Some(why)) => Outcome::EngineFault(why.to_string()),
                (None, None) => {
                    Outcome::InstantiateFailed(InstantiateFailure::Other { message: answer["failed"].to_string() })
                }
            });
        };
        Ok(Box::new(ExtismJsInstance {
            held: Held::new(lease, generation, "instance", handle),
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
    patience: Duration,
    pipe_fault: Option<PipeFault>,
}

impl concord_engine::Instance for ExtismJsInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        if !self.exports.iter().any(|e| e == export) {
            return Call::from_outcome(Outcome::BadExport(BadExport::Missing { name: export.into() }));
        }
        let request = json!({"op": "call", "export": export, "input": base64(input)});
        let host = HostSide { functions: &self.host_functions, data: &mut self.data, wasi: None };
        let answer = match self.held.request_planted(request, Some(host), self.patience, self.pipe_fault) {
            Ok(answer) => answer,
            Err(outcome) => return Call::from_outcome(outcome),
        };
        // An export the SDK's functionExists would refuse: not a function.
        if answer["not_a_function"] == true {
            return Call::from_outcome(Outcome::BadExport(BadExport::Signature { name: export.into() }));
        }
        Call::from_outcome(match serde_json::from_value::<wire::WireOutcome>(answer["outcome"].clone()) {
            Ok(outcome) => outcome.outcome(),
            Err(e) => Outcome::EngineFault(format!("an outcome of no known shape: {e}")),
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
    let node = concord_node::node()?;
    let mut child = concord_node::child::Child::spawn(&node, &HOST, &key().flags).map_err(|gone| gone.0)?;
    let answer = child.request(&json!({"op": "hello"}), None, PATIENCE).map_err(|gone| gone.0)?;
    let text = |key: &str| answer[key].as_str().unwrap_or_default().to_string();
    Ok((text("node"), text("extism")))
}
