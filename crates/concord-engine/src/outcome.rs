//! The one vocabulary every backend translates its own errors into, at its edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How one call ended. Comparisons and snapshots use these values, never engine error strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    /// The export returned 0; the bytes are what the guest passed to `output_set`.
    Returned(Vec<u8>),
    /// The guest reported failure: a non-zero return code, `error_set`, or a non-zero WASI exit.
    GuestError(GuestError),
    Trap(TrapKind),
    LimitHit(LimitKind),
    InstantiateFailed(InstantiateFailure),
    /// The export is missing or does not have the plugin ABI's `() -> i32` shape.
    BadExport(BadExport),
    /// The engine cannot run this module or honour this configuration at all.
    Unsupported(String),
    /// The engine itself panicked or failed internally: the engine's fault, not the guest's.
    EngineFault(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GuestError {
    pub code: i32,
    /// What the guest passed to `error_set`; empty when it set none.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivisionByZero,
    BadConversionToInteger,
    /// Stack depth is not specified by Wasm: classify, never compare depths.
    StackOverflow,
    NullReference,
    /// A guest passed a bad offset or length to a kernel or WASI function.
    KernelFault,
    /// A host function supplied by the embedder failed.
    HostFunction,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    Memory,
    Fuel,
    Deadline,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum InstantiateFailure {
    /// The module imports something this host does not provide.
    MissingImport {
        module: String,
        name: String,
    },
    /// The module imports a known function with a different signature.
    ImportTypeMismatch {
        module: String,
        name: String,
    },
    /// The module's declared memory does not fit the configured limit.
    MemoryLimit,
    /// The start function (or WASI/runtime initialisation) trapped.
    StartTrapped {
        trap: TrapKind,
    },
    /// The engine's instance pool has no free slot (wasmtime's pooling allocator, every slot of
    /// one kind in use): the module is fine, the host is at capacity until an instance is dropped.
    PoolExhausted,
    /// The engine rejected the module (not Wasm, truncated, invalid).
    InvalidModule {
        message: String,
    },
    Other {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum BadExport {
    Missing { name: String },
    Signature { name: String },
}

/// Compilation failed: the module is not valid Wasm, or the engine does not support a feature it uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CompileError {
    #[error("invalid WebAssembly: {0}")]
    Invalid(String),
    #[error("unsupported by this engine: {0}")]
    Unsupported(String),
    #[error("engine fault while compiling: {0}")]
    EngineFault(String),
}

impl Outcome {
    /// The stable short name used in reports and JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Returned(_) => "returned",
            Outcome::GuestError(_) => "guest_error",
            Outcome::Trap(_) => "trap",
            Outcome::LimitHit(_) => "limit_hit",
            Outcome::InstantiateFailed(_) => "instantiate_failed",
            Outcome::BadExport(_) => "bad_export",
            Outcome::Unsupported(_) => "unsupported",
            Outcome::EngineFault(_) => "engine_fault",
        }
    }

    /// The value engines are compared on: engine-written text (error messages from the engine,
    /// panic payloads) is dropped; guest-written text (`error_set`) is kept.
    pub fn normalized(&self) -> Outcome {
        match self {
            Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { .. }) => {
                Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { message: String::new() })
            }
            Outcome::InstantiateFailed(InstantiateFailure::Other { .. }) => {
                Outcome::InstantiateFailed(InstantiateFailure::Other { message: String::new() })
            }
            Outcome::Unsupported(_) => Outcome::Unsupported(String::new()),
            Outcome::EngineFault(_) => Outcome::EngineFault(String::new()),
            other => other.clone(),
        }
    }

    pub fn output(&self) -> Option<&[u8]> {
        match self {
            Outcome::Returned(bytes) => Some(bytes),
            _ => None,
        }
    }
}

impl From<CompileError> for Outcome {
    fn from(error: CompileError) -> Self {
        match error {
            CompileError::Invalid(message) => Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { message }),
            CompileError::Unsupported(message) => Outcome::Unsupported(message),
            CompileError::EngineFault(message) => Outcome::EngineFault(message),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(bytes) => write!(f, "returned {} bytes", bytes.len()),
            Outcome::GuestError(e) if e.message.is_empty() => {
                write!(f, "guest error (code {})", e.code)
            }
            Outcome::GuestError(e) => write!(f, "guest error (code {}): {}", e.code, e.message),
            Outcome::Trap(kind) => write!(f, "trap: {kind:?}"),
            Outcome::LimitHit(kind) => write!(f, "limit hit: {kind:?}"),
            Outcome::InstantiateFailed(InstantiateFailure::MissingImport { module, name }) => {
                write!(f, "instantiate failed: missing import {module}::{name}")
            }
            Outcome::InstantiateFailed(reason) => write!(f, "instantiate failed: {reason:?}"),
            Outcome::BadExport(reason) => write!(f, "bad export: {reason:?}"),
            Outcome::Unsupported(why) => write!(f, "unsupported: {why}"),
            Outcome::EngineFault(why) => write!(f, "engine fault: {why}"),
        }
    }
}
