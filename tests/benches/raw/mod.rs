//! The engines' own APIs doing the same work as Concord's `Instance`, wired to the same kernel
//! functions: what an embedder who wrote the glue by hand would run. Concord's overhead is the
//! ratio of the two, measured in one run. One file per engine.

mod extism;
mod pipe;
mod tinywasm;
mod wasmer;
mod wasmi;
mod wasmtime;

/// A compiled module, ready to instantiate by the engine's fastest path.
pub trait RawModule {
    fn instantiate(&self) -> Box<dyn RawInstance>;
}

pub trait RawInstance {
    /// One plugin call as an embedder makes it: input in, export called, output read back.
    fn call(&mut self, export: &str, input: &[u8]) -> Vec<u8>;
}

type Baseline = fn(&[u8]) -> Box<dyn RawModule>;

/// Each engine configuration of `concord::all_engines()` and its baseline, by id: the one table
/// a new engine adds a row to.
pub const BASELINES: &[(&str, Baseline)] = {
    use concord_browser::Browser;
    use concord_wasmer::Compiler as WasmerCompiler;
    use concord_wasmtime::Allocator::{OnDemand, Pooling};
    use concord_wasmtime::Compiler as WasmtimeCompiler;
    &[
        ("wasmtime-cranelift", |wasm| Box::new(wasmtime::Module::new(WasmtimeCompiler::Cranelift, OnDemand, wasm))),
        ("wasmtime-winch", |wasm| Box::new(wasmtime::Module::new(WasmtimeCompiler::Winch, OnDemand, wasm))),
        ("wasmtime-pulley", |wasm| Box::new(wasmtime::Module::new(WasmtimeCompiler::Pulley, OnDemand, wasm))),
        ("wasmtime-cranelift-pooling", |wasm| {
            Box::new(wasmtime::Module::new(WasmtimeCompiler::Cranelift, Pooling, wasm))
        }),
        ("wasmer-cranelift", |wasm| Box::new(wasmer::Module::new(WasmerCompiler::Cranelift, wasm))),
        ("wasmer-singlepass", |wasm| Box::new(wasmer::Module::new(WasmerCompiler::Singlepass, wasm))),
        ("wasmi", |wasm| Box::new(wasmi::Module::new(wasm))),
        ("tinywasm", |wasm| Box::new(tinywasm::Module::new(wasm))),
        ("extism", |wasm| Box::new(extism::Module::new(wasm))),
        ("v8-turbofan", |_| Box::new(pipe::Module::new(Browser::V8Turbofan))),
        ("v8-liftoff", |_| Box::new(pipe::Module::new(Browser::V8Liftoff))),
        ("jsc-omg", |_| Box::new(pipe::Module::new(Browser::JscOmg))),
        ("jsc-bbq", |_| Box::new(pipe::Module::new(Browser::JscBbq))),
        ("jsc-ipint", |_| Box::new(pipe::Module::new(Browser::JscIpint))),
        ("spidermonkey", |_| Box::new(pipe::Module::new(Browser::SpiderMonkey))),
        // Extism's JavaScript host speaks over the same pipe to a Node child: its baseline is that
        // pipe alone too, so its ratio is the SDK's cost (its worker included) beyond the pipe.
        ("extism-js", |_| Box::new(pipe::Module::new(Browser::V8Turbofan))),
    ]
};

/// The baseline of the configuration `id`, compiled from `wasm`.
pub fn compile(id: &str, wasm: &[u8]) -> Option<Box<dyn RawModule>> {
    BASELINES.iter().find(|(baseline, _)| *baseline == id).map(|(_, compile)| compile(wasm))
}
