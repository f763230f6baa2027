//! The plugin ABI's rules about a module's shape, as Extism 1.41 applies them (`plugin.rs`:
//! `function_exists`, `raw_call`, `detect_guest_runtime`, `initialize_guest_runtime`; and
//! wasmtime's `Linker::module`, through which Extism links the plugin): which exports can be
//! called, which modules are refused, and which of the guest's functions initialise its language
//! runtime, and when. Read once from the module, so every backend applies the same rules.

use crate::module_info::{FuncSig, ModuleInfo};
use concord_engine::CompileError;
use concord_engine::{BadExport, InstantiateFailure, Outcome};
use std::collections::BTreeMap;
use wasmparser::ValType;

/// How a callable export ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportShape {
    /// `() -> ()`: it returns 0.
    Void,
    /// `() -> i32`: it returns its code.
    Code,
}

/// A call a backend makes to initialise the guest: `export` with `args` i32 zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitCall {
    pub export: &'static str,
    pub args: usize,
}

const START: &str = "_start";
const INITIALIZE: &str = "_initialize";
const CALL_CTORS: &str = "__wasm_call_ctors";
const HS_INIT: &str = "hs_init";

#[derive(Debug, Clone, PartialEq)]
pub struct PluginAbi {
    refusal: Option<Outcome>,
    at_instantiation: Vec<InitCall>,
    at_first_call: Vec<InitCall>,
    /// Every export by name, with its shape when the ABI can call it.
    shapes: BTreeMap<String, Option<ExportShape>>,
}

fn void(sig: &FuncSig) -> bool {
    sig.params.is_empty() && sig.results.is_empty()
}

fn refused(message: &str) -> Option<Outcome> {
    Some(Outcome::InstantiateFailed(InstantiateFailure::Other { message: message.into() }))
}

impl PluginAbi {
    /// The rules for the module `wasm`, read without an engine.
    pub fn parse(wasm: &[u8]) -> Result<Self, CompileError> {
        Ok(PluginAbi::of(&ModuleInfo::parse(wasm)?))
    }

    pub fn of(info: &ModuleInfo) -> Self {
        let exported = |name: &str| info.exports.iter().any(|e| e == name);
        let function = |name: &str| info.functions.get(name);
        let init = |export| InitCall { export, args: 0 };

        // wasmtime's `Linker::module` sorts a module into a command (`_start`) or a reactor, and
        // makes a reactor's instance at once, running `_initialize` there: Extism's plugin is
        // refused when either step fails, before any call.
        let refusal = match (exported(START), exported(INITIALIZE)) {
            (true, true) => refused("the module is both a command (`_start`) and a reactor (`_initialize`)"),
            (true, false) if function(START).is_none() => refused("`_start` must be a function"),
            (false, true) if function(INITIALIZE).is_none() => refused("`_initialize` must be a function"),
            (false, true) if !function(INITIALIZE).is_some_and(void) => refused("`_initialize` must be `() -> ()`"),
            _ => None,
        };
        let reactor = !exported(START) && function(INITIALIZE).is_some_and(void);
        let at_instantiation = if reactor { vec![init(INITIALIZE)] } else { Vec::new() };

        // Extism's real instance is made at the first call and its runtime initialised then: a
        // reactor's `_initialize` has run on an instance already, so only what follows it runs.
        let mut at_first_call = Vec::new();
        if let Some(hs_init) = function(HS_INIT) {
            if !reactor && function(INITIALIZE).is_some_and(void) {
                at_first_call.push(init(INITIALIZE));
            }
            at_first_call.push(InitCall { export: HS_INIT, args: hs_init.params.len() });
        } else if let Some(ctors) = function(CALL_CTORS) {
            if void(ctors) {
                at_first_call.push(init(CALL_CTORS));
            }
        } else if !reactor && function(INITIALIZE).is_some_and(void) {
            at_first_call.push(init(INITIALIZE));
        }
        let refusal = refusal.or_else(|| match function(HS_INIT) {
            Some(sig) if sig.params != [ValType::I32, ValType::I32] => refused("`hs_init` must take (i32, i32)"),
            _ => None,
        });

        let shapes = info
            .exports
            .iter()
            .map(|name| {
                let shape = function(name).and_then(|sig| match (sig.params.is_empty(), sig.results.as_slice()) {
                    (true, []) => Some(ExportShape::Void),
                    (true, [ValType::I32]) => Some(ExportShape::Code),
                    _ => None,
                });
                (name.clone(), shape)
            })
            .collect();
        PluginAbi { refusal, at_instantiation, at_first_call, shapes }
    }

    /// Why the host refuses this module before any call, if it does.
    pub fn refusal(&self) -> Option<Outcome> {
        self.refusal.clone()
    }

    /// What runs on a new instance before it is handed out: a reactor's `_initialize`.
    pub fn at_instantiation(&self) -> &[InitCall] {
        &self.at_instantiation
    }

    /// What runs once per instance before its first call: the language runtime's start
    /// (`hs_init` for GHC, `__wasm_call_ctors`), whose failure is that call's outcome.
    pub fn at_first_call(&self) -> &[InitCall] {
        &self.at_first_call
    }

    /// How `name` is called, or why it cannot be: Extism calls any function with no parameters
    /// and no result or one i32.
    pub fn export(&self, name: &str) -> Result<ExportShape, Outcome> {
        match self.shapes.get(name) {
            Some(Some(shape)) => Ok(*shape),
            Some(None) => Err(Outcome::BadExport(BadExport::Signature { name: name.into() })),
            None => Err(Outcome::BadExport(BadExport::Missing { name: name.into() })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abi(wat: &str) -> PluginAbi {
        PluginAbi::of(&ModuleInfo::parse(&wat::parse_str(wat).expect("wat")).expect("parses"))
    }

    #[test]
    fn exports_with_no_parameters_and_no_result_or_an_i32_are_callable() {
        let abi = abi(r#"(module
            (func (export "void")) (func (export "code") (result i32) i32.const 0)
            (func (export "wide") (result i64) i64.const 0) (func (export "param") (param i32) (result i32) i32.const 0)
            (memory (export "memory") 1))"#);
        assert_eq!(abi.export("void"), Ok(ExportShape::Void));
        assert_eq!(abi.export("code"), Ok(ExportShape::Code));
        for name in ["wide", "param", "memory"] {
            assert_eq!(abi.export(name), Err(Outcome::BadExport(BadExport::Signature { name: name.into() })));
        }
        assert_eq!(abi.export("absent"), Err(Outcome::BadExport(BadExport::Missing { name: "absent".into() })));
    }

    #[test]
    fn a_command_that_is_also_a_reactor_is_refused() {
        let both = abi(r#"(module (func (export "_start")) (func (export "_initialize")))"#);
        assert!(matches!(both.refusal(), Some(Outcome::InstantiateFailed(InstantiateFailure::Other { .. }))));
        assert!(abi(r#"(module (func (export "_start")))"#).refusal().is_none());
        assert!(abi(r#"(module (func (export "_initialize") (result i32) i32.const 0))"#).refusal().is_some());
    }

    #[test]
    fn a_reactor_initialises_at_instantiation_and_ghc_at_the_first_call() {
        let reactor = abi(r#"(module (func (export "_initialize")))"#);
        assert_eq!(reactor.at_instantiation(), [InitCall { export: INITIALIZE, args: 0 }]);
        assert!(reactor.at_first_call().is_empty());
        let ghc = abi(r#"(module (func (export "_initialize")) (func (export "hs_init") (param i32 i32)))"#);
        assert_eq!(ghc.at_instantiation(), [InitCall { export: INITIALIZE, args: 0 }]);
        assert_eq!(ghc.at_first_call(), [InitCall { export: HS_INIT, args: 2 }]);
        let ctors = abi(r#"(module (func (export "__wasm_call_ctors")) (func (export "run")))"#);
        assert!(ctors.at_instantiation().is_empty());
        assert_eq!(ctors.at_first_call(), [InitCall { export: CALL_CTORS, args: 0 }]);
        let command = abi(r#"(module (func (export "_start")))"#);
        assert!(command.at_instantiation().is_empty() && command.at_first_call().is_empty());
    }
}
