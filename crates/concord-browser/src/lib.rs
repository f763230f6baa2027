//! The browser engines, out of process: V8 in Node, JavaScriptCore in Bun, SpiderMonkey in
//! PythonMonkey. Each runs in a long-lived child that runs the same host script (`js/main.js`,
//! beside this crate) over a pipe. The plugin kernel runs there, written in JavaScript after
//! Concord's Rust one; Concord's WASI and the embedder's host functions run here, and the child
//! waits for them mid-call.
//!
//! What each engine enforces itself, and what Concord enforces for it (its [`Capabilities`]):
//! - V8: the memory limit, with its `--wasm-max-mem-pages` flag (one child per limit, since the
//!   flag is the whole process's), and a deadline, with node:vm's watchdog, which terminates the
//!   execution and leaves the instance as it stood.
//! - JavaScriptCore and SpiderMonkey: neither has a memory limit its runtime lets Concord set, so
//!   Concord writes the limit as every defined memory's maximum (`concord_node::memory_cap`);
//!   neither can be made to stop Wasm at a deadline there, so the child is ended when it passes,
//!   with every instance in it, and a fresh one serves the next.
//!
//! None has fuel: a configuration with fuel is unsupported.

mod requests;
mod typed;
mod types;
mod wrapper;

use concord_engine::wasi::{self, Wasi};
use concord_engine::{
    BadExport, Call, CompileError, Engine, EngineInfo, Feature, HostFunction, InstanceConfig, InstanceData,
    InstantiateFailure, MemoryObservation, Module, Outcome, PipeFault, ValType,
};
use concord_engine::{Capabilities, Deadline, Fuel, MemoryLimit, MemoryLimiting};
use concord_host::{PluginAbi, plugin_module, resolve_for, start_outcome};
use concord_node::child::{self, HostSide};
use concord_node::compiled::Compiled;
use concord_node::held::Held;
use concord_node::protocol::{HandleKind, Hello, PluginCall, PluginCalled};
use concord_node::runtime::{self, Runtime};
use concord_node::{Host, PATIENCE, Patience, base64, patience, patience_ending_child, pool, unbase64};
use requests::{Echo, Failed, Init, Instantiate, Instantiated, Link, LinkTo, Memory, Pages};
use std::sync::Arc;
use types::ModuleTypes;

/// The JavaScript host.
pub static HOST: Host = Host { name: "browser", main: concat!(env!("CARGO_MANIFEST_DIR"), "/js/main.js") };

/// A bare child for measurements: a round trip through the pipe with no Wasm in it, the pipe's
/// share of a call's cost (the overhead benchmark's baseline), and the versions it runs.
pub struct Pipe(child::Child);

impl Pipe {
    pub fn spawn(browser: Browser) -> Result<Pipe, String> {
        child::Child::spawn(&browser.runtime()?, &HOST).map(Pipe).map_err(|gone| gone.why)
    }

    /// `bytes` there and back.
    pub fn echo(&mut self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let answer = self.0.request(&Echo { bytes: base64(bytes) }, None, PATIENCE).map_err(|gone| gone.why)?;
        unbase64(&answer.bytes)
    }

    /// What the child runs: `engine`, `engine_version`, `runtime` and `runtime_version`.
    pub fn versions(&mut self) -> Result<std::collections::BTreeMap<String, String>, String> {
        self.0.request(&Hello {}, None, PATIENCE).map_err(|gone| gone.why)
    }
}

/// A browser engine, in one configuration of its compilers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Browser {
    /// V8 with its baseline compiler, Liftoff, alone; or its optimizing one, TurboFan, for every
    /// function.
    V8Liftoff,
    V8Turbofan,
    /// JavaScriptCore with its in-place interpreter (IPInt) alone; its baseline compiler, BBQ,
    /// for every function; or every function tiered up to its optimizing compiler, OMG, on its
    /// first call.
    JscIpint,
    JscBbq,
    JscOmg,
    /// SpiderMonkey as PythonMonkey sets it up: its baseline compiler first, then Ion.
    SpiderMonkey,
}

impl Browser {
    pub const ALL: [Browser; 6] = [
        Browser::V8Turbofan,
        Browser::V8Liftoff,
        Browser::JscOmg,
        Browser::JscBbq,
        Browser::JscIpint,
        Browser::SpiderMonkey,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Browser::V8Liftoff => "v8-liftoff",
            Browser::V8Turbofan => "v8-turbofan",
            Browser::JscIpint => "jsc-ipint",
            Browser::JscBbq => "jsc-bbq",
            Browser::JscOmg => "jsc-omg",
            Browser::SpiderMonkey => "spidermonkey",
        }
    }

    fn family(self) -> Family {
        match self {
            Browser::V8Liftoff | Browser::V8Turbofan => Family::V8,
            Browser::JscIpint | Browser::JscBbq | Browser::JscOmg => Family::JavaScriptCore,
            Browser::SpiderMonkey => Family::SpiderMonkey,
        }
    }

    fn compiler(self) -> &'static str {
        match self {
            Browser::V8Liftoff => "liftoff",
            Browser::V8Turbofan => "turbofan",
            Browser::JscIpint => "ipint",
            Browser::JscBbq => "bbq",
            Browser::JscOmg => "omg",
            Browser::SpiderMonkey => "baseline+ion",
        }
    }

    /// The runtime this configuration's children run in, with its compilers chosen.
    pub fn runtime(self) -> Result<Runtime, String> {
        let flags = |flags: &[&str]| flags.iter().map(|f| f.to_string()).collect();
        match self {
            Browser::V8Liftoff => Runtime::node(flags(&["--liftoff", "--no-wasm-tier-up"])),
            Browser::V8Turbofan => Runtime::node(flags(&["--no-liftoff"])),
            Browser::JscIpint => Runtime::bun(&[("useBBQJIT", "false"), ("useOMGJIT", "false")]),
            Browser::JscBbq => Runtime::bun(&[("useWasmIPInt", "false"), ("useOMGJIT", "false")]),
            // Tiering up at a threshold of 0, on the calling thread: OMG code from the first call.
            Browser::JscOmg => Runtime::bun(&[
                ("useWasmIPInt", "false"),
                ("thresholdForOMGOptimizeAfterWarmUp", "0"),
                ("thresholdForOMGOptimizeSoon", "0"),
                ("useConcurrentJIT", "false"),
            ]),
            Browser::SpiderMonkey => Runtime::pythonmonkey(),
        }
    }

    fn capabilities(self) -> Capabilities {
        let on_concord_host = Capabilities::on_concord_host(Fuel::Absent, self.family().features());
        Capabilities {
            out_of_process: true,
            memory_limit: match self.limits_memory_itself() {
                true => on_concord_host.memory_limit,
                false => MemoryLimiting::DeclaredMaximumCapped,
            },
            deadline: match self.stops_at_deadline() {
                true => on_concord_host.deadline,
                false => Deadline::EndsProcess,
            },
            ..on_concord_host
        }
    }

    /// Whether the engine has a memory limit of its own (V8's flag); the others' is Concord's cap.
    fn limits_memory_itself(self) -> bool {
        self.family() == Family::V8
    }

    /// Whether the engine stops Wasm at a deadline itself (V8, through node:vm); the others' child
    /// is ended.
    fn stops_at_deadline(self) -> bool {
        self.family() == Family::V8
    }

    /// The children that run under a memory limit of `max_pages`: V8's flag holds for the whole
    /// process; Concord's cap is the module's own.
    fn key(self, runtime: &Runtime, max_pages: Option<u64>) -> pool::Key {
        let mut runtime = runtime.clone();
        if self.limits_memory_itself() {
            runtime.args.extend(max_pages.map(|pages| format!("--wasm-max-mem-pages={pages}")));
        }
        // A deadline that ends a child must end no other instance: each gets a child of its own.
        pool::Key { host: &HOST, runtime, exclusive: !self.stops_at_deadline() }
    }

    /// The memory limit Concord writes into the module for an engine without one of its own.
    fn memory_cap(self, max_pages: Option<u64>) -> Option<u64> {
        max_pages.filter(|_| !self.limits_memory_itself())
    }

    /// How long to wait for a request that runs Wasm under `config`.
    fn patience(self, config: &InstanceConfig) -> Patience {
        match self.stops_at_deadline() {
            true => patience(config),
            false => patience_ending_child(config),
        }
    }

    /// The deadline the host script is told of: only one it can hold.
    fn deadline_ms(self, config: &InstanceConfig) -> Option<u64> {
        config.cpu.deadline_ms().filter(|_| self.stops_at_deadline())
    }
}

/// The three engines, whatever their compilers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Family {
    V8,
    JavaScriptCore,
    SpiderMonkey,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::V8 => "v8",
            Family::JavaScriptCore => "jsc",
            Family::SpiderMonkey => "spidermonkey",
        }
    }

    fn version(self) -> String {
        match self {
            Family::V8 => format!("{} (Node {})", concord_node::V8_VERSION, concord_node::NODE_VERSION),
            Family::JavaScriptCore => {
                format!("JavaScriptCore of WebKit {} (Bun {})", &runtime::WEBKIT_COMMIT[..12], runtime::BUN_VERSION)
            }
            Family::SpiderMonkey => {
                format!("{} (PythonMonkey {})", runtime::SPIDERMONKEY_VERSION, runtime::PYTHONMONKEY_VERSION)
            }
        }
    }

    /// The Wasm features beyond the base each runs, as its runtime is set up here (checked both
    /// ways for SIMD, and each declared one run, by tests/tests/declared_features.rs).
    fn features(self) -> Vec<Feature> {
        use Feature::*;
        let mut features = vec![Simd, ReferenceTypes, RelaxedSimd, TailCall, ExtendedConst, MultiMemory, Exceptions];
        // JavaScriptCore in Bun 1.4.5 leaves memory64 off (its `useWasmMemory64` option).
        if self != Family::JavaScriptCore {
            features.push(Memory64);
        }
        features
    }
}

pub struct BrowserEngine {
    info: EngineInfo,
    browser: Browser,
    /// Its runtime, or why it cannot run here.
    runtime: Result<Runtime, String>,
}

impl BrowserEngine {
    pub fn new(browser: Browser) -> Self {
        BrowserEngine {
            info: EngineInfo {
                id: browser.id().into(),
                engine: browser.family().name().into(),
                version: browser.family().version(),
                compiler: browser.compiler().into(),
                capabilities: browser.capabilities(),
            },
            browser,
            runtime: browser.runtime(),
        }
    }

    fn key(&self, max_pages: Option<u64>) -> Result<pool::Key, String> {
        Ok(self.browser.key(self.runtime.as_ref().map_err(Clone::clone)?, max_pages))
    }
}

/// A configuration no browser engine can honour: fuel, which none has.
fn unsupported(config: &InstanceConfig) -> Option<Outcome> {
    config.cpu.fuel.map(|_| Outcome::Unsupported("the browser engines have no fuel metering".into()))
}

impl Engine for BrowserEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        let types = ModuleTypes::parse(wasm)?;
        let abi = Arc::new(PluginAbi::parse(wasm)?);
        let module = BrowserModule {
            compiled: Compiled::new(wasm),
            types,
            abi,
            browser: self.browser,
            runtime: self.runtime.clone(),
        };
        // The engine's own verdict, in the child without a limit, where every plugin is compiled first.
        if let Ok(key) = self.key(None) {
            module.compiled.check_in(&pool::lease(key))?;
        }
        let abi = module.abi.clone();
        Ok(plugin_module(module, &abi))
    }

    fn typed_store(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::TypedStore>, Outcome> {
        let max_pages = config.memory_limit.map(MemoryLimit::pages);
        let key = self.key(max_pages).map_err(Outcome::Unsupported)?;
        if let Some(outcome) = unsupported(config) {
            return Err(outcome);
        }
        let browser = self.browser;
        let (deadline_ms, patience) = (browser.deadline_ms(config), browser.patience(config));
        Ok(Box::new(typed::BrowserStore::new(key, deadline_ms, patience, browser.memory_cap(max_pages))?))
    }
}

struct BrowserModule {
    compiled: Compiled,
    types: ModuleTypes,
    abi: Arc<PluginAbi>,
    browser: Browser,
    runtime: Result<Runtime, String>,
}

impl BrowserModule {
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
                None => LinkTo::Wasi { reads_first: wasi::function(&name).and_then(|f| f.reads_first()) },
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

impl Module for BrowserModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn concord_engine::Instance>, Outcome> {
        if let Some(outcome) = unsupported(config).or_else(|| self.abi.refusal()) {
            return Err(outcome);
        }
        let (links, host_functions) = self.imports(config)?;
        let runtime = self.runtime.as_ref().map_err(|why| Outcome::Unsupported(why.clone()))?;
        let max_pages = config.memory_limit.map(MemoryLimit::pages);
        let lease = pool::lease(self.browser.key(runtime, max_pages));
        let (module, generation) = self.compiled.handle_in(&lease, self.browser.memory_cap(max_pages))?;
        let patience = self.browser.patience(config);
        let request = Instantiate {
            module,
            imports: links,
            config: &config.config,
            memory_limit_bytes: config.memory_limit.map(MemoryLimit::bytes),
            deadline_ms: self.browser.deadline_ms(config),
            init: Init::all(self.abi.at_instantiation()),
            first_call: Init::all(self.abi.at_first_call()),
        };
        let mut data = InstanceData::default();
        let mut wasi = Wasi::with_preopens(&config.preopens);
        let host = HostSide { functions: &host_functions, data: &mut data, wasi: Some(&mut wasi) };
        let handle = match lease.lock().request(generation, &request, Some(host), patience)? {
            Instantiated::Instance(handle) => handle,
            failed => return Err(instantiate_failure(failed)),
        };
        Ok(Box::new(BrowserInstance {
            held: Held::new(lease, generation, HandleKind::Instance, handle),
            host_functions,
            data,
            wasi,
            abi: self.abi.clone(),
            patience,
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

/// The import a link error names: `Import #0 "module" "name": ...`.
fn linked_names(message: &str) -> (String, String) {
    let mut quoted = message.split('"').skip(1).step_by(2);
    let module = quoted.next().unwrap_or_default().to_string();
    (module, quoted.next().unwrap_or_default().to_string())
}

struct BrowserInstance {
    held: Held,
    host_functions: Vec<HostFunction>,
    data: InstanceData,
    wasi: Wasi,
    abi: Arc<PluginAbi>,
    /// For calls, which run Wasm; questions about memory wait [`PATIENCE`].
    patience: Patience,
    pipe_fault: Option<PipeFault>,
}

impl BrowserInstance {
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
        let (fault, patience) = if serve_host { (self.pipe_fault, self.patience) } else { (None, PATIENCE) };
        self.held.request_planted(request, host, patience, fault)
    }
}

impl concord_engine::Instance for BrowserInstance {
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
