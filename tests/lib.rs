//! Helpers shared by the cross-engine tests.

use concord::engine::{Call, Capabilities, Engine, InstanceConfig, Module, Outcome, PluginKernel};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub use concord::engine;

/// Every engine configuration in this build, created once per test binary.
pub fn engines() -> &'static [Arc<dyn Engine>] {
    static ENGINES: OnceLock<Vec<Arc<dyn Engine>>> = OnceLock::new();
    ENGINES.get_or_init(concord::all_engines)
}

/// A built guest's bytes; panics with the command that builds them when they are missing.
pub fn guest(name: &str) -> Vec<u8> {
    concord::guests::load(name).unwrap_or_else(|e| panic!("{e:#}"))
}

/// A built guest compiled once per engine for the whole test binary, as (engine id, module).
pub fn compiled(name: &'static str) -> &'static [(String, Arc<dyn Module>)] {
    type Compiled = &'static [(String, Arc<dyn Module>)];
    static COMPILED: OnceLock<Mutex<HashMap<&'static str, Compiled>>> = OnceLock::new();
    let mut compiled = COMPILED.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    compiled.entry(name).or_insert_with(|| {
        let wasm = guest(name);
        let modules: Vec<_> = engines()
            .iter()
            .map(|e| {
                let module = e.compile(&wasm).unwrap_or_else(|err| panic!("{name} on {}: {err}", e.id()));
                (e.id().to_string(), Arc::from(module))
            })
            .collect();
        Box::leak(modules.into_boxed_slice())
    })
}

pub fn wat(source: &str) -> Vec<u8> {
    wat::parse_str(source).expect("test WAT assembles")
}

/// Compile, instantiate and call once; any failure along the way is the call's outcome.
pub fn run_once(engine: &dyn Engine, wasm: &[u8], export: &str, input: &[u8], config: &InstanceConfig) -> Call {
    let module = match engine.compile(wasm) {
        Ok(module) => module,
        Err(error) => return Call::from_outcome(Outcome::from(error)),
    };
    call_once(module.as_ref(), config, export, input)
}

/// Instantiate and call once; a failed instantiation is the call's outcome.
pub fn call_once(module: &dyn Module, config: &InstanceConfig, export: &str, input: &[u8]) -> Call {
    match module.instantiate(config) {
        Ok(mut instance) => instance.call(export, input),
        Err(outcome) => Call::from_outcome(outcome),
    }
}

pub fn i32s(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// What the configuration `id` of this build declares it offers. Tests ask this, never the id.
pub fn capabilities(id: &str) -> &'static Capabilities {
    engines().iter().find(|e| e.id() == id).map(|e| e.capabilities()).unwrap_or_else(|| panic!("no engine {id}"))
}

/// The reference for the host layer: the configuration that runs Extism's own kernel
/// (`extism-runtime.wasm`) and WASI (wasmtime-wasi), i.e. Extism's Rust host.
pub fn reference_host() -> &'static Arc<dyn Engine> {
    engines().iter().find(|e| e.capabilities().kernel == PluginKernel::ExtismRuntime).expect("Extism's host is built")
}

/// Where in [`engines`] the first configuration is that declares what `wanted` asks for.
pub fn position_with(wanted: impl Fn(&Capabilities) -> bool) -> usize {
    engines().iter().position(|e| wanted(e.capabilities())).expect("a configuration of this build declares it")
}

/// The first configuration that runs in this process, with a typed layer and Concord's own host
/// layer: the one a test wraps when any such configuration will do.
pub fn in_process() -> Arc<dyn Engine> {
    engines()[position_with(|c| c.typed_layer && !c.out_of_process && c.concord_host())].clone()
}
