//! Extism: its own kernel and glue, as an embedder uses it: a `CompiledPlugin` once, a `Plugin` per
//! instance, `Plugin::call`.

use super::{RawInstance, RawModule};
use extism::{CompiledPlugin, Manifest, Plugin, PluginBuilder, Wasm};

pub struct Module {
    compiled: CompiledPlugin,
}

impl Module {
    pub fn new(wasm: &[u8]) -> Self {
        let manifest = Manifest::new([Wasm::data(wasm.to_vec())]);
        Module { compiled: CompiledPlugin::new(PluginBuilder::new(manifest).with_cache_disabled()).unwrap() }
    }
}

impl RawModule for Module {
    fn instantiate(&self) -> Box<dyn RawInstance> {
        Box::new(Instance(Plugin::new_from_compiled(&self.compiled).unwrap()))
    }
}

struct Instance(Plugin);

impl RawInstance for Instance {
    fn call(&mut self, export: &str, input: &[u8]) -> Vec<u8> {
        self.0.call::<&[u8], Vec<u8>>(export, input).unwrap()
    }
}
