//! wasmer: the configuration Concord's backend runs an instance without a fuel budget on (no
//! metering middleware, no limit), imports built per instance as wasmer requires, a
//! `TypedFunction` looked up once per instance.

use super::{RawInstance, RawModule};
use concord::engine::InstanceConfig;
use concord::host::HostState;
use concord::host::kernel::KernelFn;
use concord_wasmer::{Compiler, engine, kernel_function};
use wasmer::{FunctionEnv, Imports, Store, TypedFunction};

pub struct Module {
    engine: wasmer::Engine,
    module: wasmer::Module,
}

impl Module {
    pub fn new(compiler: Compiler, wasm: &[u8]) -> Self {
        let engine = engine(compiler, false);
        let module = wasmer::Module::new(&engine, wasm).unwrap();
        Module { engine, module }
    }
}

impl RawModule for Module {
    fn instantiate(&self) -> Box<dyn RawInstance> {
        let mut store = Store::new(self.engine.clone());
        let env = FunctionEnv::new(&mut store, HostState::new(&InstanceConfig::default()));
        let mut imports = Imports::new();
        for import in self.module.imports() {
            let f = KernelFn::find(import.module(), import.name()).expect("a kernel import");
            imports.define(import.module(), import.name(), kernel_function(&mut store, &env, f));
        }
        let instance = wasmer::Instance::new(&mut store, &self.module, &imports).unwrap();
        Box::new(Instance { store, env, instance, func: None })
    }
}

struct Instance {
    store: Store,
    env: FunctionEnv<HostState>,
    instance: wasmer::Instance,
    func: Option<TypedFunction<(), i32>>,
}

impl RawInstance for Instance {
    fn call(&mut self, export: &str, input: &[u8]) -> Vec<u8> {
        let func = self
            .func
            .get_or_insert_with(|| self.instance.exports.get_typed_function::<(), i32>(&self.store, export).unwrap());
        self.env.as_mut(&mut self.store).kernel.begin_call(input);
        assert_eq!(func.call(&mut self.store).unwrap(), 0);
        self.env.as_ref(&self.store).kernel.output().unwrap()
    }
}
