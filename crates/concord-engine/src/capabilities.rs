//! What a configuration offers, declared by its backend. Tests, scenario models, the report and
//! the bench ask this, never the engine's id: a new engine that declares the same is treated the
//! same, and a declaration the engine does not live up to is a test failure, not a silent branch.

use crate::features::Feature;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Capabilities {
    /// Where an instruction budget stops a call.
    pub fuel: Fuel,
    /// What a deadline bounds.
    pub deadline: Deadline,
    /// How a memory limit is held.
    pub memory_limit: MemoryLimiting,
    /// Whether it runs typed calls: the spec testsuite, generated modules, `concord wast`.
    pub typed_layer: bool,
    /// Whose kernel and call ABI a plugin meets.
    pub kernel: PluginKernel,
    /// Whose WASI preview1 a plugin meets.
    pub wasi: WasiHost,
    /// Whether the host can read the guest's linear memory between calls.
    pub memory_visible: bool,
    /// Whether a directory can be preopened read-only for a plugin.
    pub read_only_dirs: bool,
    /// Whether instances come from a fixed pool of slots: a module over a slot's limits is
    /// unsupported, and a full pool refuses the next instance until one is dropped.
    pub instance_pool: bool,
    /// Whether the engine runs in another process: its memory is not this process's to measure.
    pub out_of_process: bool,
    /// The Wasm features beyond the base it runs: a module that needs another is unsupported here
    /// (see [`crate::support`]).
    pub features: Vec<Feature>,
}

/// Where fuel (an instruction budget) is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fuel {
    /// Nowhere: a configuration with a fuel budget is unsupported.
    Absent,
    /// In plugin calls, one metered module per instance; not in a typed store, which links several.
    PluginCalls,
    /// In plugin calls and typed calls alike.
    Everywhere,
}

impl Fuel {
    pub fn in_plugin_calls(self) -> bool {
        self != Fuel::Absent
    }

    pub fn in_typed_calls(self) -> bool {
        self == Fuel::Everywhere
    }
}

/// What a deadline bounds. Wherever there is one, it stops a running call, and the instance is
/// then dead, not the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deadline {
    /// The call, from its first instruction.
    Call,
    /// The call, and every call in flight on another instance of the same compiled plugin:
    /// Extism's timer bumps the epoch of the wasmtime engine the plugin shares.
    PluginWide,
    /// The call and, before it, starting the plugin's worker (Extism's JavaScript host, whose
    /// timeout starts when the call is asked for).
    CallAndStart,
    /// The call, by ending the process the engine runs in when it passes (JavaScriptCore in Bun,
    /// SpiderMonkey in PythonMonkey, which cannot be made to stop Wasm there): every other instance
    /// in that process ends with it, and a fresh process serves the next.
    EndsProcess,
}

/// How a memory limit on an instance is held: what a guest sees when it asks for more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemoryLimiting {
    /// The engine refuses: `memory.grow` past the limit returns -1 and leaves memory as it was, an
    /// initial memory over it fails instantiation.
    GrowFails,
    /// Extism's manifest maximum: a budget for growth past the initial pages, held by a limiter
    /// that fails the whole call ("oom") instead of returning -1; instantiation happens on the
    /// first call, so an initial memory over the limit fails that call.
    CallFails,
    /// Extism's JavaScript SDK: its `maxPages` bounds the kernel's blocks, not linear memory.
    KernelBlocksOnly,
    /// Concord's, for an engine with no limit of its own (JavaScriptCore, SpiderMonkey): the limit
    /// is written as the maximum of every memory a module defines before the engine sees it, so
    /// the engine fails `memory.grow` past it with -1 as it would past any maximum; an initial
    /// memory over it fails instantiation, in Concord.
    DeclaredMaximumCapped,
}

/// Whose kernel (the `extism:host/env` functions) and call ABI a plugin meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKernel {
    /// Concord's (crate `concord-engine`), which checks every access against the blocks it handed out.
    Concord,
    /// Extism's `extism-runtime.wasm`, inside Extism's Rust host: the reference, which checks no load.
    ExtismRuntime,
    /// The kernel written in JavaScript inside Extism's JavaScript SDK, which finds any offset in a
    /// block's 2^48 range inside that block.
    ExtismJs,
}

/// Whose WASI preview1 implementation a configuration links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WasiHost {
    /// Concord's own (crate `concord-engine`), which answers as wasmtime-wasi's adapter does.
    Concord,
    /// wasmtime-wasi's preview1 adapter, inside Extism's Rust host: the reference.
    WasmtimeWasi,
    /// Node's `node:wasi`, inside Extism's JavaScript host.
    Node,
}

impl MemoryLimiting {
    /// Who holds the limit, and how, in a few words (the report's limit table).
    pub fn held_by(self) -> &'static str {
        match self {
            MemoryLimiting::GrowFails => "the engine",
            MemoryLimiting::CallFails => "Extism's limiter",
            MemoryLimiting::KernelBlocksOnly => "no one (kernel blocks only)",
            MemoryLimiting::DeclaredMaximumCapped => "Concord, capping each memory's maximum",
        }
    }
}

impl Deadline {
    /// Who stops a call at its deadline, and how, in a few words (the report's limit table).
    pub fn held_by(self) -> &'static str {
        match self {
            Deadline::Call => "the engine",
            Deadline::PluginWide => "the engine, plugin-wide",
            Deadline::CallAndStart => "the host, start included",
            Deadline::EndsProcess => "Concord, ending the child",
        }
    }
}

impl Capabilities {
    /// A configuration in this process that runs plugins through Concord's own host layer: its
    /// kernel and WASI, which can read guest memory and preopen read-only, its typed layer, a
    /// memory limit its store enforces by failing the grow, and a deadline on the call. What the
    /// engine itself decides comes in: where it counts fuel, and the Wasm features it runs.
    pub fn on_concord_host(fuel: Fuel, features: Vec<Feature>) -> Self {
        Capabilities {
            fuel,
            deadline: Deadline::Call,
            memory_limit: MemoryLimiting::GrowFails,
            typed_layer: true,
            kernel: PluginKernel::Concord,
            wasi: WasiHost::Concord,
            memory_visible: true,
            read_only_dirs: true,
            instance_pool: false,
            out_of_process: false,
            features,
        }
    }

    /// Whether a plugin meets Concord's own host layer (kernel and WASI), not a host that brings its own.
    pub fn concord_host(&self) -> bool {
        self.kernel == PluginKernel::Concord && self.wasi == WasiHost::Concord
    }
}
