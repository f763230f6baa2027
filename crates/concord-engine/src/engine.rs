use crate::InstanceConfig;
use crate::capabilities::Capabilities;
use crate::outcome::{CompileError, Outcome};
use crate::typed::TypedStore;
use serde::{Deserialize, Serialize};

/// Which engine, which version, which configuration. `id` is stable and unique, e.g. `wasmtime-winch`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EngineInfo {
    pub id: String,
    pub engine: String,
    pub version: String,
    /// The compiler or interpreter inside the engine: `cranelift`, `winch`, `pulley`, `singlepass`, ...
    pub compiler: String,
    /// What it offers, declared: asked instead of the id.
    pub capabilities: Capabilities,
}

/// One engine configuration. Compile once, instantiate many.
pub trait Engine: Send + Sync {
    fn info(&self) -> &EngineInfo;

    fn id(&self) -> &str {
        &self.info().id
    }

    fn capabilities(&self) -> &Capabilities {
        &self.info().capabilities
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError>;

    /// Compiles for one configuration known ahead: up front, only what an instance with `config`
    /// runs (a fuel-metered variant, the limits Extism fixes when it compiles), so that a caller
    /// timing compilation and instantiation apart sees each cost once. The module still
    /// instantiates with any configuration.
    fn compile_for(&self, wasm: &[u8], _config: &InstanceConfig) -> Result<Box<dyn Module>, CompileError> {
        self.compile(wasm)
    }

    /// Whether this configuration can run an instance as `config` asks. Every one follows the
    /// standard memory-limit and kernel rules; a reference that can follow others says so.
    fn honours(&self, config: &InstanceConfig) -> bool {
        config.memory_limit_rule == crate::MemoryLimitRule::GrowFails
            && config.kernel_rules == crate::KernelRules::Checked
    }

    /// A store for the typed-call layer, under `config`'s limits. A configuration that declares no
    /// typed layer answers `Unsupported`.
    fn typed_store(&self, _config: &InstanceConfig) -> Result<Box<dyn TypedStore>, Outcome> {
        Err(Outcome::Unsupported(format!("{} calls plugin exports only, not typed functions", self.id())))
    }
}

pub trait Module: Send + Sync {
    /// A failure here is an [`Outcome`] (missing import, initial memory over the limit, start trap).
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn Instance>, Outcome>;
}

/// Not `Send`: wasmer's store is not, so an instance lives and dies on the thread that made it.
pub trait Instance {
    /// Calls a plugin export (`() -> i32`) with `input` as the kernel input.
    fn call(&mut self, export: &str, input: &[u8]) -> Call;

    /// Linear-memory pages now, or `None` where the engine does not let the host see them. Memory
    /// never shrinks, so after a call this is also the call's peak. Asked for separately from
    /// [`Instance::call`] because reading it is a store lookup on some engines, which a caller that
    /// does not watch memory should not pay on every call.
    fn memory_pages(&mut self) -> Option<u64>;

    /// The guest's linear memory now, or `None` where the engine does not let the host see it.
    fn memory(&mut self) -> Option<MemoryObservation>;
}

/// What one call did.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub outcome: Outcome,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Call {
    pub fn from_outcome(outcome: Outcome) -> Self {
        Call { outcome, stdout: Vec::new(), stderr: Vec::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryObservation {
    pub pages: u64,
    /// sha256 of the whole linear memory, hex.
    pub sha256: String,
}

impl MemoryObservation {
    pub fn of(bytes: &[u8]) -> Self {
        MemoryObservation { pages: bytes.len() as u64 / crate::WASM_PAGE, sha256: crate::sha256_hex(bytes) }
    }
}
