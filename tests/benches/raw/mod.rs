//! The engines' own APIs doing the same work as Concord's `Instance`, wired to the same kernel
//! functions: what an embedder who wrote the glue by hand would run. Concord's overhead is the
//! ratio of the two, measured in one run. One file per engine.

mod extism;
mod tinywasm;
mod v8;
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

/// The same engine configurations as `concord::all_engines()`, by id.
pub fn compile(id: &str, wasm: &[u8]) -> Option<Box<dyn RawModule>> {
    use concord_wasmer::Compiler as WasmerCompiler;
    use concord_wasmtime::Allocator::{OnDemand, Pooling};
    use concord_wasmtime::Compiler as WasmtimeCompiler;
    Some(match id {
        "wasmtime-cranelift" => Box::new(wasmtime::Module::new(WasmtimeCompiler::Cranelift, OnDemand, wasm)),
        "wasmtime-winch" => Box::new(wasmtime::Module::new(WasmtimeCompiler::Winch, OnDemand, wasm)),
        "wasmtime-pulley" => Box::new(wasmtime::Module::new(WasmtimeCompiler::Pulley, OnDemand, wasm)),
        "wasmtime-cranelift-pooling" => Box::new(wasmtime::Module::new(WasmtimeCompiler::Cranelift, Pooling, wasm)),
        "wasmer-cranelift" => Box::new(wasmer::Module::new(WasmerCompiler::Cranelift, wasm)),
        "wasmer-singlepass" => Box::new(wasmer::Module::new(WasmerCompiler::Singlepass, wasm)),
        "wasmi" => Box::new(wasmi::Module::new(wasm)),
        "tinywasm" => Box::new(tinywasm::Module::new(wasm)),
        "extism" => Box::new(extism::Module::new(wasm)),
        "v8-turbofan" => Box::new(v8::Module::new(concord_v8::Compiler::Turbofan)),
        "v8-liftoff" => Box::new(v8::Module::new(concord_v8::Compiler::Liftoff)),
        // Extism's JavaScript host speaks over the same pipe to a Node child: its baseline is that
        // pipe alone too, so its ratio is the SDK's cost (its worker included) beyond the pipe.
        "extism-js" => Box::new(v8::Module::new(concord_v8::Compiler::Turbofan)),
        _ => return None,
    })
}
