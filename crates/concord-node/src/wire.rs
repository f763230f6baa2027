//! The JSON the host speaks, as the Rust side reads it: only shapes, no engine text is judged.

use concord_engine::{GuestError, HostFault, KernelFault, LimitKind, Outcome, TrapKind};
use concord_host::Stop;
use serde::Deserialize;

/// Why a call into Wasm stopped, as the host scripts report it (js/traps.js's `wasmStop`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireStop {
    Trap(TrapKind),
    Host(WireFault),
    Limit(LimitKind),
    EngineFault(String),
}

/// concord_engine::HostFault on the wire.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WireFault {
    Kernel(KernelFault),
    OutOfMemory,
    Exit(i32),
    User(String),
}

impl From<WireFault> for HostFault {
    fn from(fault: WireFault) -> Self {
        match fault {
            WireFault::Kernel(fault) => HostFault::Kernel(Box::new(fault)),
            WireFault::OutOfMemory => HostFault::OutOfMemory,
            WireFault::Exit(code) => HostFault::Exit(code),
            WireFault::User(message) => HostFault::User(message),
        }
    }
}

impl From<HostFault> for WireFault {
    fn from(fault: HostFault) -> Self {
        match fault {
            HostFault::Kernel(fault) => WireFault::Kernel(*fault),
            HostFault::OutOfMemory => WireFault::OutOfMemory,
            HostFault::Exit(code) => WireFault::Exit(code),
            HostFault::User(message) => WireFault::User(message),
        }
    }
}

impl From<WireStop> for Stop {
    fn from(stop: WireStop) -> Self {
        match stop {
            WireStop::Trap(kind) => Stop::Trap(kind),
            WireStop::Host(fault) => Stop::Host(fault.into()),
            WireStop::Limit(kind) => Stop::Limit(kind),
            WireStop::EngineFault(why) => Stop::EngineFault(why),
        }
    }
}

/// How a plugin call ended.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireOutcome {
    Returned(String),
    GuestError(GuestError),
    Stop(WireStop),
}

impl WireOutcome {
    pub fn outcome(self) -> Outcome {
        match self {
            WireOutcome::Returned(bytes) => match crate::unbase64(&bytes) {
                Ok(bytes) => Outcome::Returned(bytes),
                Err(why) => Outcome::EngineFault(why),
            },
            WireOutcome::GuestError(error) => Outcome::GuestError(error),
            WireOutcome::Stop(stop) => concord_host::stop_outcome(stop.into()),
        }
    }
}
