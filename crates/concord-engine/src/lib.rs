//! The engine-independent core of Concord: the [`Engine`] trait family, the configuration every
//! engine is given, the normalized [`Outcome`] every call ends in, the host functions' types and
//! Concord's WASI preview1. The kernel and the call ABI over them are in `concord-host`.

mod alarm;
mod capabilities;
mod config;
mod engine;
mod features;
mod host;
mod instance_data;
mod memory_limit;
mod metering;
mod outcome;
mod typed;
pub mod wasi;

pub use alarm::{AlarmGuard, set_alarm};
pub use capabilities::{Capabilities, Deadline, Fuel, MemoryLimiting, PluginKernel, WasiHost};
pub use config::{CpuBudget, InstanceConfig, KernelRules, MemoryLimitRule, PipeFault, WASM_PAGE};
pub use engine::{Call, Engine, EngineInfo, Instance, MemoryObservation, Module};
pub use features::{Feature, Support, support};
pub use host::{HostCallback, HostFault, HostFunction, KernelAccess, USER_MODULE, Val, ValType};
pub use instance_data::InstanceData;
pub use memory_limit::MemoryLimit;
pub use metering::{CompileVariant, MeteringVariants};
pub use outcome::{
    BadExport, CompileError, GuestError, InstantiateFailure, KernelFault, LimitKind, Outcome, Refusal, TrapKind,
};
pub use typed::{InstanceId, TypedStore, Value, limits_match, spectest};

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
