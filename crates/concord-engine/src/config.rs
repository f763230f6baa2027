use crate::host::HostFunction;
use crate::memory_limit::MemoryLimit;
use std::collections::BTreeMap;
use std::time::Duration;

pub const WASM_PAGE: u64 = 64 * 1024;

/// Everything an instance is configured with. The same value is handed to every engine; each backend
/// enforces it with its own mechanism, and differences in how they do so are what Concord measures.
#[derive(Clone, Default)]
pub struct InstanceConfig {
    /// Maximum linear memory (`None`: the engine's default). Also caps the kernel arena.
    pub memory_limit: Option<MemoryLimit>,
    /// What a grow past that limit does; only a configuration that [`honours`] a rule other than
    /// the standard one is asked to follow it.
    ///
    /// [`honours`]: crate::Engine::honours
    pub memory_limit_rule: MemoryLimitRule,
    /// Whose rules the native kernel follows; like `memory_limit_rule`, only for a configuration
    /// that [`honours`] them.
    ///
    /// [`honours`]: crate::Engine::honours
    pub kernel_rules: KernelRules,
    pub cpu: CpuBudget,
    /// Plugin config, read by the guest through `config_get`.
    pub config: BTreeMap<String, String>,
    /// Functions for `extism:host/user` (or any other module) beyond the kernel and WASI.
    pub host_functions: Vec<HostFunction>,
    /// WASI preview 1 left unlinked, as an embedder who turns it off has it: a plugin that
    /// imports it does not instantiate.
    pub without_wasi: bool,
    /// Directories offered read-only to WASI from fd 3 on, as Extism's `allowed_paths` with `ro:`.
    pub preopens: Vec<crate::wasi::Preopen>,
    /// A fault planted in the pipe to an engine that runs out of process, on every plugin call:
    /// for the self-check only. An engine in process has no pipe, and ignores it.
    pub pipe_fault: Option<PipeFault>,
}

/// What a planted fault does to the pipe to an out-of-process engine, on a plugin call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeFault {
    /// The child's answer comes after the harness stopped waiting for it.
    AnswerLate,
    /// One byte of the child's first line after the request is lost on the pipe.
    DropsByte,
}

/// What a `memory.grow` past the memory limit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemoryLimitRule {
    /// It fails: `memory.grow` returns -1 and the guest goes on, as the spec has it.
    #[default]
    GrowFails,
    /// Extism's memory limiter (extism 1.41, `src/current_plugin.rs`): the limit bounds the bytes
    /// grown after instantiation (the initial memory is free), a grow past it or to the memory's
    /// own declared maximum ends the call (`limit_hit: memory`). A rule a reference configuration
    /// follows to confirm that mechanism, observation by observation.
    ExtismLimiter,
}

/// Whose rules the native kernel follows where hosts differ on what a guest may pass it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KernelRules {
    /// Concord's: every offset and range is checked against the live blocks and the input.
    #[default]
    Checked,
    /// Extism's Rust host (extism 1.41, its kernel `extism-runtime.wasm` and `src/pdk.rs`), as
    /// Concord calls it (`call_get_error_code`): a load or input load is not checked (it reads
    /// what the kernel's memory holds; here 0, which a guest that reports loads never shows), an
    /// output range is taken unchecked, an `error_set` at no live block is ignored, a log message
    /// is dropped unread with no subscriber (its block freed if it is one), and a non-zero return
    /// with no error set is a success. A rule a reference configuration follows to confirm that
    /// mechanism, observation by observation.
    Extism,
    /// Extism's JavaScript host (`@extism/extism` 2.0.0-rc13 in a worker): its whole kernel, its
    /// offsets (`index << 48 | place`), its block 0 and its worker's hand-over of blocks at the
    /// end of a call, modelled from its source in `kernel/sdk.rs`; the export's return code is
    /// never read.
    ExtismJs,
}

/// A call stops when either budget runs out. Engines that have no fuel or no clock of their own
/// emulate the missing one as closely as they can; see each backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuBudget {
    /// Engine-specific units: roughly one per Wasm instruction, but not comparable across engines.
    pub fuel: Option<u64>,
    pub deadline: Option<Duration>,
}

impl CpuBudget {
    /// The deadline in whole milliseconds, rounded up so that an engine with millisecond
    /// resolution never shortens it.
    pub fn deadline_ms(&self) -> Option<u64> {
        self.deadline.map(|d| d.as_nanos().div_ceil(1_000_000) as u64)
    }
}

impl InstanceConfig {
    pub fn with_memory_limit(mut self, limit: MemoryLimit) -> Self {
        self.memory_limit = Some(limit);
        self
    }

    pub fn with_fuel(mut self, fuel: u64) -> Self {
        self.cpu.fuel = Some(fuel);
        self
    }

    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.cpu.deadline = Some(deadline);
        self
    }

    pub fn with_config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.insert(key.into(), value.into());
        self
    }

    pub fn with_host_function(mut self, function: HostFunction) -> Self {
        self.host_functions.push(function);
        self
    }

    pub fn with_preopen(mut self, preopen: crate::wasi::Preopen) -> Self {
        self.preopens.push(preopen);
        self
    }
}

impl std::fmt::Debug for InstanceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceConfig")
            .field("memory_limit", &self.memory_limit)
            .field("cpu", &self.cpu)
            .field("config", &self.config)
            .field("preopens", &self.preopens.iter().map(|p| (&p.host_path, &p.guest_path)).collect::<Vec<_>>())
            .field(
                "host_functions",
                &self.host_functions.iter().map(|h| format!("{}::{}", h.module, h.name)).collect::<Vec<_>>(),
            )
            .finish()
    }
}
