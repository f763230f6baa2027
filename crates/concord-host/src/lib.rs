//! The host side of the plugin ABI, written once for every backend that does not bring its own:
//! the kernel (`extism:host/env`), import resolution over the kernel, WASI and the embedder's
//! functions, what a module asks of its host, and how a plugin call ends.

mod abi;
mod fresh_after_start;
mod imports;
pub mod kernel;
mod module_info;
mod plugin_abi;

pub use abi::{Stop, fault_outcome, plugin_call, start_outcome, stop_outcome};
pub use fresh_after_start::plugin_module;
pub use imports::{HostState, Import, resolve, resolve_for};
pub use module_info::{FuncSig, ImportName, ModuleInfo, Provider};
pub use plugin_abi::{ExportShape, InitCall, PluginAbi};
