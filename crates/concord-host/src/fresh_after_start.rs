//! Extism's rule for WASI commands: a call of `_start` runs the program to its end, so the call
//! after it gets a fresh instance (Extism 1.41 marks the store for a reset after `_start`; the next
//! call makes a new store, a new instance, vars and WASI state anew, and starts the guest's runtime
//! again). Backends that run Concord's host layer wrap a command's module so, through
//! [`plugin_module`]; other modules are returned as they are, at no cost.

use crate::plugin_abi::PluginAbi;
use concord_engine::{Call, Instance, MemoryObservation, Module};
use concord_engine::{InstanceConfig, Outcome};
use std::sync::Arc;

const START: &str = "_start";

/// `module` as the plugin ABI runs it: a command's instances are made afresh after `_start`.
pub fn plugin_module<M: Module + 'static>(module: M, abi: &PluginAbi) -> Box<dyn Module> {
    match abi.export(START) {
        Ok(_) => Box::new(Command(Arc::new(module))),
        Err(_) => Box::new(module),
    }
}

struct Command(Arc<dyn Module>);

impl Module for Command {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn Instance>, Outcome> {
        let inner = self.0.instantiate(config)?;
        Ok(Box::new(CommandInstance { module: self.0.clone(), config: config.clone(), inner, started: false }))
    }
}

struct CommandInstance {
    module: Arc<dyn Module>,
    config: InstanceConfig,
    inner: Box<dyn Instance>,
    /// `_start` ran on `inner`: the next call makes a fresh one first.
    started: bool,
}

impl Instance for CommandInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        if self.started {
            match self.module.instantiate(&self.config) {
                Ok(fresh) => self.inner = fresh,
                Err(outcome) => return Call::from_outcome(outcome),
            }
            self.started = false;
        }
        let call = self.inner.call(export, input);
        self.started = export == START;
        call
    }

    fn memory_pages(&mut self) -> Option<u64> {
        self.inner.memory_pages()
    }

    fn memory(&mut self) -> Option<MemoryObservation> {
        self.inner.memory()
    }
}
