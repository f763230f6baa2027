//! The engine-independent core of Concord: the [`Engine`] trait family, the configuration every
//! engine is given, the normalized [`Outcome`] every call ends in, and the host side of the plugin
//! ABI (kernel and WASI subset), written once for every backend that does not bring its own.

mod abi;
mod alarm;
mod capabilities;
mod config;
mod engine;
mod features;
mod fresh_after_start;
mod host;
mod imports;
mod instance_data;
pub mod kernel;
mod memory_limit;
mod metering;
mod module_info;
mod outcome;
mod plugin_abi;
mod typed;
pub mod wasi;

pub use abi::{Stop, fault_outcome, plugin_call, start_outcome, stop_outcome};
pub use alarm::{AlarmGuard, set_alarm};
pub use capabilities::{Capabilities, Deadline, Fuel, MemoryLimiting, PluginKernel, WasiHost};
pub use config::{CpuBudget, InstanceConfig, KernelRules, MemoryLimitRule, PipeFault, WASM_PAGE};
pub use engine::{Call, Engine, EngineInfo, Instance, MemoryObservation, Module};
pub use features::{Feature, Support, support};
pub use fresh_after_start::plugin_module;
pub use host::{HostCallback, HostFault, HostFunction, KernelAccess, USER_MODULE, Val, ValType};
pub use imports::{HostState, Import, resolve, resolve_for};
pub use instance_data::InstanceData;
pub use memory_limit::MemoryLimit;
pub use metering::{CompileVariant, MeteringVariants};
pub use module_info::{FuncSig, ImportName, ModuleInfo, Provider};
pub use outcome::{
    BadExport, CompileError, GuestError, InstantiateFailure, KernelFault, LimitKind, Outcome, Refusal, TrapKind,
};
pub use plugin_abi::{ExportShape, InitCall, PluginAbi};
pub use typed::{InstanceId, TypedStore, Value, limits_match, spectest};

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
