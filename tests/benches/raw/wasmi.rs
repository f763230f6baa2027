//! wasmi: the configuration Concord's backend runs an instance without a budget on (no fuel, eager
//! translation), imports built per instance, a `TypedFunc` looked up once per instance.

use super::{RawInstance, RawModule};
use concord::engine::InstanceConfig;
use concord::host::HostState;
use concord::host::kernel::KernelFn;
use concord_wasmi::kernel_function;
use wasmi::{Store, TypedFunc};

pub struct Module {
    module: wasmi::Module,
}

impl Module {
    pub fn new(wasm: &[u8]) -> Self {
        Module { module: wasmi::Module::new(&concord_wasmi::engine(false), wasm).unwrap() }
    }
}

impl RawModule for Module {
    fn instantiate(&self) -> Box<dyn RawInstance> {
        let mut store = Store::new(self.module.engine(), HostState::new(&InstanceConfig::default()));
        let imports: Vec<wasmi::Extern> = self
            .module
            .imports()
            .map(|import| {
                let f = KernelFn::find(import.module(), import.name()).expect("a kernel import");
                kernel_function(&mut store, f).into()
            })
            .collect();
        let instance = wasmi::Instance::new(&mut store, &self.module, &imports).unwrap();
        Box::new(Instance { store, instance, func: None })
    }
}

struct Instance {
    store: Store<HostState>,
    instance: wasmi::Instance,
    func: Option<TypedFunc<(), i32>>,
}

impl RawInstance for Instance {
    fn call(&mut self, export: &str, input: &[u8]) -> Vec<u8> {
        let func = *self.func.get_or_insert_with(|| self.instance.get_typed_func(&self.store, export).unwrap());
        self.store.data_mut().kernel.begin_call(input);
        assert_eq!(func.call(&mut self.store, ()).unwrap(), 0);
        self.store.data().kernel.output().unwrap()
    }
}
