//! The browser engines run out of process, so no embedder calls them without a pipe. Their
//! baseline is the pipe alone, to a child of the same runtime: a round trip carrying the same
//! bytes with no Wasm in it. The ratio is then how much a call through Concord's backend costs
//! beyond the pipe.

use super::{RawInstance, RawModule};
use concord_browser::{Browser, Pipe};
use std::cell::RefCell;
use std::rc::Rc;

pub struct Module(Rc<RefCell<Pipe>>);

impl Module {
    pub fn new(browser: Browser) -> Self {
        Module(Rc::new(RefCell::new(Pipe::spawn(browser).expect("the runtime is installed"))))
    }
}

struct Instance(Rc<RefCell<Pipe>>);

impl RawModule for Module {
    /// A round trip, as instantiating in the child is one.
    fn instantiate(&self) -> Box<dyn RawInstance> {
        let mut instance = Instance(self.0.clone());
        instance.call("", b"");
        Box::new(instance)
    }
}

impl RawInstance for Instance {
    fn call(&mut self, _export: &str, input: &[u8]) -> Vec<u8> {
        self.0.borrow_mut().echo(input).expect("the child answers")
    }
}
