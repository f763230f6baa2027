//! The actor host functions, in `extism:host/user` as the flow runtime links them:
//! `__send_output(json) `, `__get_state(key) -> json`, `__set_state(key, json)`, every argument
//! and result a kernel block offset.
//!
//! Backends cache linked imports per set of host functions (by identity), so one set serves every
//! actor: the actor a call belongs to is the one whose step is running on this thread, which is
//! where every engine runs the host functions of a synchronous call.

use crate::message::Message;
use crate::protocol::{Payload, Sends, State};
use crate::state::StatePolicy;
use concord_engine::{HostFault, HostFunction, KernelAccess, Val, ValType};
use std::cell::RefCell;
use std::sync::OnceLock;

pub const SEND_OUTPUT: &str = "__send_output";
pub const GET_STATE: &str = "__get_state";
pub const SET_STATE: &str = "__set_state";

/// What the host functions of one running step read and write.
#[derive(Debug, Default)]
pub(crate) struct StepScope {
    pub policy: StatePolicy,
    pub sends: Sends,
    pub state: State,
    pub sent: Vec<Payload>,
}

thread_local! {
    static CURRENT: RefCell<Option<StepScope>> = const { RefCell::new(None) };
}

/// Runs `call` with `scope` as the current step's, and gives the scope back with what the host
/// functions did to it.
pub(crate) fn in_scope<R>(scope: StepScope, call: impl FnOnce() -> R) -> (R, StepScope) {
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|current| current.borrow_mut().take());
        }
    }
    CURRENT.with(|current| *current.borrow_mut() = Some(scope));
    let restore = Restore;
    let result = call();
    let scope = CURRENT.with(|current| current.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (result, scope)
}

fn with_current<R>(name: &str, f: impl FnOnce(&mut StepScope) -> Result<R, HostFault>) -> Result<R, HostFault> {
    CURRENT.with(|current| match current.borrow_mut().as_mut() {
        Some(scope) => f(scope),
        None => Err(HostFault::User(format!("{name} called outside an actor step"))),
    })
}

fn read_json<T: serde::de::DeserializeOwned>(
    kernel: &mut dyn KernelAccess,
    name: &str,
    what: &str,
    offset: &Val,
) -> Result<T, HostFault> {
    let bytes = kernel.read_block(offset.as_u64()?)?;
    serde_json::from_slice(&bytes).map_err(|e| HostFault::User(format!("{name}: {what} is not valid JSON: {e}")))
}

fn read_key(kernel: &mut dyn KernelAccess, name: &str, offset: &Val) -> Result<String, HostFault> {
    String::from_utf8(kernel.read_block(offset.as_u64()?)?)
        .map_err(|_| HostFault::User(format!("{name}: the key is not UTF-8")))
}

/// Messages by port: plain JSON values made messages by their type (the flow runtime's way), or
/// tagged messages under the stricter [`Sends::Tagged`].
fn send_output(kernel: &mut dyn KernelAccess, args: &[Val]) -> Result<Vec<Val>, HostFault> {
    let sent: serde_json::Map<String, serde_json::Value> = read_json(kernel, SEND_OUTPUT, "the outputs", &args[0])?;
    with_current(SEND_OUTPUT, |scope| {
        let outputs: Payload = match scope.sends {
            Sends::Plain => sent.into_iter().map(|(port, value)| (port, Message::from_plain(value))).collect(),
            Sends::Tagged => serde_json::from_value(serde_json::Value::Object(sent))
                .map_err(|e| HostFault::User(format!("{SEND_OUTPUT}: the outputs are not tagged messages: {e}")))?,
        };
        scope.sent.push(outputs);
        Ok(vec![])
    })
}

fn get_state(kernel: &mut dyn KernelAccess, args: &[Val]) -> Result<Vec<Val>, HostFault> {
    let key = read_key(kernel, GET_STATE, &args[0])?;
    let value = with_current(GET_STATE, |scope| Ok(scope.state.get(&key).cloned().unwrap_or_default()))?;
    let bytes = serde_json::to_vec(&value).map_err(|e| HostFault::User(e.to_string()))?;
    Ok(vec![Val::I64(kernel.write_block(&bytes)? as i64)])
}

fn set_state(kernel: &mut dyn KernelAccess, args: &[Val]) -> Result<Vec<Val>, HostFault> {
    let key = read_key(kernel, SET_STATE, &args[0])?;
    let value = read_json(kernel, SET_STATE, "the value", &args[1])?;
    with_current(SET_STATE, |scope| {
        scope.policy.apply_set(&mut scope.state, &key, value);
        Ok(vec![])
    })
}

/// The three actor host functions, the same values every time (so engines link them once).
pub fn host_functions() -> Vec<HostFunction> {
    static FUNCTIONS: OnceLock<Vec<HostFunction>> = OnceLock::new();
    FUNCTIONS
        .get_or_init(|| {
            vec![
                HostFunction::new(SEND_OUTPUT, vec![ValType::I64], vec![], send_output),
                HostFunction::new(GET_STATE, vec![ValType::I64], vec![ValType::I64], get_state),
                HostFunction::new(SET_STATE, vec![ValType::I64, ValType::I64], vec![], set_state),
            ]
        })
        .clone()
}
