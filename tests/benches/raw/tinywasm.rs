//! tinywasm: the parse options and store Concord's backend runs an instance without a budget on,
//! the kernel shared with the host functions through an `Rc<RefCell<_>>` (tinywasm's store holds
//! no host data), the export looked up once per instance.

use super::{RawInstance, RawModule};
use concord::engine::{InstanceConfig, Val};
use concord::host::HostState;
use concord::host::kernel::KernelFn;
use concord_tinywasm::wasm_type;
use std::cell::RefCell;
use std::rc::Rc;
use tinywasm::types::{FuncType, WasmType, WasmValue};
use tinywasm::{FunctionTyped, HostFunction, Imports, ModuleInstance, Store};

pub struct Module {
    module: tinywasm::Module,
}

impl Module {
    pub fn new(wasm: &[u8]) -> Self {
        Module { module: concord_tinywasm::parse(wasm).unwrap() }
    }
}

impl RawModule for Module {
    fn instantiate(&self) -> Box<dyn RawInstance> {
        let mut store = Store::default();
        let host = Rc::new(RefCell::new(HostState::new(&InstanceConfig::default())));
        let mut imports = Imports::new();
        for import in self.module.imports() {
            let f = KernelFn::find(import.module, import.name).expect("a kernel import");
            let params: Vec<WasmType> = f.params().iter().map(wasm_type).collect();
            let results: Vec<WasmType> = f.results().iter().map(wasm_type).collect();
            let host = host.clone();
            let function = HostFunction::from_untyped(&FuncType::new(&params, &results), move |_, args, results| {
                let args: Vec<Val> = args
                    .iter()
                    .map(|a| match *a {
                        WasmValue::I32(v) => Val::I32(v),
                        WasmValue::I64(v) => Val::I64(v),
                        _ => unreachable!("kernel functions take integers"),
                    })
                    .collect();
                let value = f.invoke(&mut host.borrow_mut().kernel, &args).expect("a kernel call the guest gets right");
                if let Some(value) = value {
                    results[0] = match value {
                        Val::I32(v) => WasmValue::I32(v),
                        Val::I64(v) => WasmValue::I64(v),
                        _ => unreachable!("kernel functions return integers"),
                    };
                }
                Ok(())
            });
            imports.define(import.module, import.name, function);
        }
        let instance = ModuleInstance::instantiate(&mut store, &self.module, Some(&imports)).unwrap();
        Box::new(Instance { store, instance, host, func: None })
    }
}

struct Instance {
    store: Store,
    instance: ModuleInstance,
    host: Rc<RefCell<HostState>>,
    func: Option<FunctionTyped<(), i32>>,
}

impl RawInstance for Instance {
    fn call(&mut self, export: &str, input: &[u8]) -> Vec<u8> {
        let func = self.func.get_or_insert_with(|| self.instance.func::<(), i32>(&self.store, export).unwrap());
        self.host.borrow_mut().kernel.begin_call(input);
        assert_eq!(func.call(&mut self.store, ()).unwrap(), 0);
        self.host.borrow().kernel.output().unwrap()
    }
}
