//! wasmtime: the configuration Concord's backend runs an instance without a fuel budget on, every
//! import linked once into an `InstancePre`, a `TypedFunc` looked up once per instance.

use super::{RawInstance, RawModule};
use concord::engine::InstanceConfig;
use concord::host::HostState;
use concord::host::kernel::KernelFn;
use concord_wasmtime::{Allocator, Compiler, link_kernel_function};
use wasmtime::{Engine, InstancePre, Linker, Store, TypedFunc};

pub struct Module {
    engine: Engine,
    pre: InstancePre<HostState>,
}

impl Module {
    pub fn new(compiler: Compiler, allocator: Allocator, wasm: &[u8]) -> Self {
        let engine = concord_wasmtime::engine(compiler, allocator, false).unwrap();
        let module = wasmtime::Module::new(&engine, wasm).unwrap();
        let mut linker = Linker::new(&engine);
        for import in module.imports() {
            let f = KernelFn::find(import.module(), import.name()).expect("a kernel import");
            link_kernel_function(&mut linker, import.module(), import.name(), f).unwrap();
        }
        Module { pre: linker.instantiate_pre(&module).unwrap(), engine }
    }
}

impl RawModule for Module {
    fn instantiate(&self) -> Box<dyn RawInstance> {
        let mut store = Store::new(&self.engine, HostState::new(&InstanceConfig::default()));
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = self.pre.instantiate(&mut store).unwrap();
        Box::new(Instance { store, instance, func: None })
    }
}

struct Instance {
    store: Store<HostState>,
    instance: wasmtime::Instance,
    func: Option<TypedFunc<(), i32>>,
}

impl RawInstance for Instance {
    fn call(&mut self, export: &str, input: &[u8]) -> Vec<u8> {
        let func = self.func.get_or_insert_with(|| self.instance.get_typed_func(&mut self.store, export).unwrap());
        self.store.data_mut().kernel.begin_call(input);
        assert_eq!(func.call(&mut self.store, ()).unwrap(), 0);
        self.store.data().kernel.output().unwrap()
    }
}
