//! How a plugin call ends, decided once for every backend that runs the native kernel.

use crate::imports::HostState;
use concord_engine::HostFault;
use concord_engine::{Call, KernelRules};
use concord_engine::{GuestError, InstantiateFailure, LimitKind, Outcome, TrapKind};
use std::mem::take;

/// Why an export did not return normally, as a backend classifies its engine's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Trap(TrapKind),
    Host(HostFault),
    Limit(LimitKind),
    EngineFault(String),
}

/// Ends a call on a backend that runs the native kernel: its outcome, and what the guest wrote to
/// WASI stdout and stderr.
#[inline]
pub fn plugin_call(host: &mut HostState, ended: Result<i32, Stop>) -> Call {
    let outcome = plugin_outcome(host, ended);
    let wasi = &mut host.wasi;
    Call { outcome, stdout: take(&mut wasi.stdout.bytes), stderr: take(&mut wasi.stderr.bytes) }
}

/// Turns the export's return code (or why it stopped) and what the guest left in the kernel into
/// the call's outcome, with Extism's precedence: an error message wins over the return code.
#[inline]
fn plugin_outcome(state: &HostState, ended: Result<i32, Stop>) -> Outcome {
    let code = match ended {
        Ok(code) => code,
        Err(Stop::Host(HostFault::Exit(code))) => code,
        Err(Stop::Host(fault)) => return fault_outcome(fault),
        Err(Stop::Trap(kind)) => return Outcome::Trap(kind),
        Err(Stop::Limit(kind)) => return Outcome::LimitHit(kind),
        Err(Stop::EngineFault(why)) => return Outcome::EngineFault(why),
    };
    match state.kernel.error_message() {
        // The JavaScript SDK reports an error by its message alone: the code is unknown, 0.
        Some(Ok(message)) => {
            let code = if state.kernel.rules() == KernelRules::ExtismJs { 0 } else { code };
            return Outcome::GuestError(GuestError { code, message });
        }
        Some(Err(fault)) => return fault_outcome(fault),
        None => {}
    }
    // Extism's hosts return the output of a call that set no error: the Rust one called for its
    // error code, the JavaScript one always.
    if code != 0 && state.kernel.rules() == KernelRules::Checked {
        return Outcome::GuestError(GuestError { code, message: String::new() });
    }
    match state.kernel.output() {
        Ok(bytes) => Outcome::Returned(bytes),
        Err(fault) => fault_outcome(fault),
    }
}

pub fn fault_outcome(fault: HostFault) -> Outcome {
    match fault {
        HostFault::Kernel(fault) => Outcome::KernelFault(*fault),
        HostFault::OutOfMemory => Outcome::LimitHit(LimitKind::Memory),
        HostFault::User(_) => Outcome::Trap(TrapKind::HostFunction),
        HostFault::Exit(code) => Outcome::GuestError(GuestError { code, message: String::new() }),
    }
}

/// How a typed call ends when it does not return: the trap, the limit, the host's fault.
pub fn stop_outcome(stop: Stop) -> Outcome {
    match stop {
        Stop::Trap(kind) => Outcome::Trap(kind),
        Stop::Limit(kind) => Outcome::LimitHit(kind),
        Stop::Host(fault) => fault_outcome(fault),
        Stop::EngineFault(why) => Outcome::EngineFault(why),
    }
}

/// How an instance that could not start ends: its start function or `_initialize` trapped, ran out
/// of budget, or the engine refused it for a reason that is not a trap.
pub fn start_outcome(stop: Stop) -> Outcome {
    match stop {
        Stop::Trap(trap) => Outcome::InstantiateFailed(InstantiateFailure::StartTrapped { trap }),
        Stop::Limit(kind) => Outcome::LimitHit(kind),
        Stop::Host(fault) => fault_outcome(fault),
        Stop::EngineFault(message) => Outcome::InstantiateFailed(InstantiateFailure::Other { message }),
    }
}
