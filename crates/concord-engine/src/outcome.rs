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
    /// A guest passed a kernel or WASI function an offset or length it refused. Compared as a
    /// kind: which function refused what is for people reading the result, not for the verdict.
    KernelFault(KernelFault),
    LimitHit(LimitKind),
    InstantiateFailed(InstantiateFailure),
    /// The export is missing or does not have the plugin ABI's shape (`() -> i32` or `() -> ()`).
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
    /// A host function supplied by the embedder failed.
    HostFunction,
    /// A `call_indirect` through a null entry or with the wrong signature, from an engine whose
    /// trap names both causes at once (V8: "null function or function signature mismatch").
    IndirectCallNullOrBadSignature,
    /// A float truncated to an integer that was NaN or out of range, from an engine whose trap
    /// names both causes at once (V8: "float unrepresentable in integer range").
    FloatUnrepresentable,
    /// An access out of bounds of a memory or of a table, from an engine whose trap names both at
    /// once (SpiderMonkey: "index out of bounds").
    OutOfBounds,
    Other,
}

impl TrapKind {
    pub const ALL: [TrapKind; 15] = [
        TrapKind::Unreachable,
        TrapKind::MemoryOutOfBounds,
        TrapKind::TableOutOfBounds,
        TrapKind::IndirectCallToNull,
        TrapKind::BadSignature,
        TrapKind::IntegerOverflow,
        TrapKind::IntegerDivisionByZero,
        TrapKind::BadConversionToInteger,
        TrapKind::StackOverflow,
        TrapKind::NullReference,
        TrapKind::HostFunction,
        TrapKind::IndirectCallNullOrBadSignature,
        TrapKind::FloatUnrepresentable,
        TrapKind::OutOfBounds,
        TrapKind::Other,
    ];

    /// The trap an outcome class names (`trap BadSignature`), as [`Outcome::class`] writes it.
    pub fn of_class(class: &str) -> Option<TrapKind> {
        TrapKind::named(class.strip_prefix("trap ")?)
    }

    /// The kind its name in an outcome class names (`BadSignature`).
    pub fn named(name: &str) -> Option<TrapKind> {
        TrapKind::ALL.into_iter().find(|kind| format!("{kind:?}") == name)
    }

    /// Whether a trap of this kind is one of `expected`: the same kind, or a kind that names two
    /// causes at once, `expected` among them. The spec testsuite's assertions are judged so;
    /// engines are still compared with each other kind for kind.
    pub fn covers(self, expected: TrapKind) -> bool {
        use TrapKind::*;
        self == expected
            || matches!(
                (self, expected),
                (IndirectCallNullOrBadSignature, IndirectCallToNull | BadSignature)
                    | (FloatUnrepresentable, IntegerOverflow | BadConversionToInteger)
                    | (OutOfBounds, MemoryOutOfBounds | TableOutOfBounds)
            )
    }
}

/// Which host-side function refused what a guest passed it, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct KernelFault {
    /// The kernel or WASI function (`load_u64`, `fd_write`, ...); empty where the engine does not say.
    pub function: String,
    /// What kind of argument it refused, where the engine says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// The offsets and lengths involved, in words.
    pub reason: String,
}

/// What kind of argument a kernel function refused: the part of a fault that a documented engine
/// difference can name (`load_u64: freed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// Offset 0 (the empty block) where bytes were wanted.
    Null,
    /// An offset inside a block that was freed (or a block freed twice).
    Freed,
    /// A range that starts in a live block and runs past its end.
    PastEnd,
    /// An offset inside a live block where the start of a block was wanted.
    MidBlock,
    /// An offset in no block at all (negative offsets included).
    NoBlock,
    /// An input offset past the input.
    PastInput,
    /// A key that is not UTF-8.
    NotUtf8,
    /// The var store would pass its size limit.
    StoreFull,
    /// A guest pointer outside its own linear memory (WASI).
    OutsideMemory,
    /// A guest pointer to a WASI value that is not aligned to its size.
    Misaligned,
    /// Something the host does not allow (network access).
    Denied,
    /// An argument of the wrong type or count.
    BadArgument,
}

impl KernelFault {
    pub fn new(function: impl Into<String>, refusal: Refusal, reason: impl Into<String>) -> Self {
        KernelFault { function: function.into(), refusal: Some(refusal), reason: reason.into() }
    }

    /// `function: refusal` (`load_u64: freed`), what a documented divergence's `refused` matches.
    pub fn class(&self) -> String {
        let refusal = self.refusal.map_or("unknown".to_string(), |r| r.to_string());
        format!("{}: {refusal}", self.function)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same words as its serialized form.
        f.write_str(match self {
            Refusal::Null => "null",
            Refusal::Freed => "freed",
            Refusal::PastEnd => "past-end",
            Refusal::MidBlock => "mid-block",
            Refusal::NoBlock => "no-block",
            Refusal::PastInput => "past-input",
            Refusal::NotUtf8 => "not-utf8",
            Refusal::StoreFull => "store-full",
            Refusal::OutsideMemory => "outside-memory",
            Refusal::Misaligned => "misaligned",
            Refusal::Denied => "denied",
            Refusal::BadArgument => "bad-argument",
        })
    }
}

impl fmt::Display for KernelFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("kernel fault")?;
        if !self.function.is_empty() {
            write!(f, " in {}", self.function)?;
        }
        if !self.reason.is_empty() {
            write!(f, ": {}", self.reason)?;
        }
        Ok(())
    }
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
    /// The call's deadline passed before the instance was ready: a host that counts starting the
    /// plugin (Extism's JavaScript host starts a worker) against the deadline of its calls.
    StartTimedOut,
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
    /// What it was, for a person: a returned output's bytes shown as text or hex.
    pub fn detail(&self) -> String {
        match self {
            Outcome::Returned(bytes) => match std::str::from_utf8(bytes) {
                // Text is shown as text, bytes as hex: a person reads either at a glance.
                Ok(text) if !text.is_empty() && !text.chars().any(char::is_control) => {
                    let preview: String = text.chars().take(32).collect();
                    let more = if preview.len() < text.len() { "…" } else { "" };
                    format!("{} bytes: {preview:?}{more}", bytes.len())
                }
                _ => {
                    let preview: String = bytes.iter().take(16).map(|b| format!("{b:02x}")).collect();
                    format!("{} bytes: {preview}{}", bytes.len(), if bytes.len() > 16 { "…" } else { "" })
                }
            },
            other => other.to_string(),
        }
    }

    /// The stable short name used in reports and JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Returned(_) => "returned",
            Outcome::GuestError(_) => "guest_error",
            Outcome::Trap(_) => "trap",
            Outcome::KernelFault(_) => "kernel_fault",
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
            Outcome::KernelFault(_) => Outcome::KernelFault(KernelFault::default()),
            Outcome::Unsupported(_) => Outcome::Unsupported(String::new()),
            Outcome::EngineFault(_) => Outcome::EngineFault(String::new()),
            other => other.clone(),
        }
    }

    /// The outcome in the words a documented divergence names it by: its kind and, where it has
    /// one, its typed cause (`kernel_fault in load_u64: freed`, `trap StackOverflow`,
    /// `instantiate_failed memory limit`, `guest_error without a message`); never engine-written
    /// text.
    pub fn class(&self) -> String {
        match self {
            Outcome::KernelFault(fault) => format!("kernel_fault in {}", fault.class()),
            Outcome::GuestError(error) if error.message.is_empty() => "guest_error without a message".into(),
            Outcome::GuestError(_) => "guest_error with a message".into(),
            Outcome::Trap(kind) => format!("trap {kind:?}"),
            Outcome::LimitHit(kind) => format!("limit_hit {kind:?}"),
            Outcome::InstantiateFailed(InstantiateFailure::StartTrapped { trap }) => {
                format!("instantiate_failed start trapped {trap:?}")
            }
            Outcome::InstantiateFailed(failure) => {
                let reason = match failure {
                    InstantiateFailure::MissingImport { .. } => "missing import",
                    InstantiateFailure::ImportTypeMismatch { .. } => "import type mismatch",
                    InstantiateFailure::MemoryLimit => "memory limit",
                    InstantiateFailure::PoolExhausted => "pool exhausted",
                    InstantiateFailure::StartTimedOut => "deadline while starting",
                    InstantiateFailure::InvalidModule { .. } => "invalid module",
                    InstantiateFailure::StartTrapped { .. } | InstantiateFailure::Other { .. } => "other",
                };
                format!("instantiate_failed {reason}")
            }
            other => other.kind().into(),
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
            Outcome::Trap(kind) => write!(f, "trap: {kind}"),
            Outcome::KernelFault(fault) => fault.fmt(f),
            Outcome::LimitHit(kind) => write!(f, "stopped: {kind}"),
            Outcome::InstantiateFailed(reason) => write!(f, "instantiate failed: {reason}"),
            Outcome::BadExport(BadExport::Missing { name }) => write!(f, "no export `{name}`"),
            Outcome::BadExport(BadExport::Signature { name }) => {
                write!(f, "export `{name}` is not a plugin function (no parameters, and an i32 or no result)")
            }
            Outcome::Unsupported(why) => write!(f, "unsupported: {why}"),
            Outcome::EngineFault(why) => write!(f, "engine fault: {why}"),
        }
    }
}

impl fmt::Display for InstantiateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detail = |f: &mut fmt::Formatter<'_>, what: &str, message: &str| match message {
            "" => f.write_str(what),
            message => write!(f, "{what}: {message}"),
        };
        match self {
            InstantiateFailure::MissingImport { module, name } => write!(f, "missing import {module}::{name}"),
            InstantiateFailure::ImportTypeMismatch { module, name } => {
                write!(f, "import {module}::{name} has the wrong type")
            }
            InstantiateFailure::MemoryLimit => f.write_str("its memory does not fit the limit"),
            InstantiateFailure::StartTrapped { trap } => write!(f, "its start function trapped ({trap})"),
            InstantiateFailure::PoolExhausted => f.write_str("the instance pool is full"),
            InstantiateFailure::StartTimedOut => f.write_str("the deadline passed while it started"),
            InstantiateFailure::InvalidModule { message } => detail(f, "not a valid module", message),
            InstantiateFailure::Other { message } => detail(f, "refused", message),
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::MemoryOutOfBounds => "out-of-bounds memory access",
            TrapKind::TableOutOfBounds => "out-of-bounds table access",
            TrapKind::IndirectCallToNull => "indirect call to null",
            TrapKind::BadSignature => "indirect call type mismatch",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::IntegerDivisionByZero => "integer divide by zero",
            TrapKind::BadConversionToInteger => "invalid conversion to integer",
            TrapKind::StackOverflow => "stack overflow",
            TrapKind::NullReference => "null reference",
            TrapKind::HostFunction => "a host function failed",
            TrapKind::IndirectCallNullOrBadSignature => "indirect call to null or type mismatch",
            TrapKind::FloatUnrepresentable => "integer overflow or invalid conversion to integer",
            TrapKind::OutOfBounds => "out of bounds memory or table access",
            TrapKind::Other => "other",
        })
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::Memory => "memory limit",
            LimitKind::Fuel => "out of fuel",
            LimitKind::Deadline => "deadline passed",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::TrapKind::*;

    #[test]
    fn a_trap_kind_that_names_two_causes_covers_those_two_only() {
        for (coarse, precise) in [
            (IndirectCallNullOrBadSignature, [IndirectCallToNull, BadSignature]),
            (FloatUnrepresentable, [IntegerOverflow, BadConversionToInteger]),
        ] {
            assert!(coarse.covers(coarse));
            for kind in precise {
                assert!(coarse.covers(kind), "{coarse:?} covers {kind:?}");
                assert!(!kind.covers(coarse), "{kind:?} says less than {coarse:?}");
            }
        }
        assert!(!IndirectCallNullOrBadSignature.covers(IntegerOverflow));
        assert!(!FloatUnrepresentable.covers(IndirectCallToNull));
        assert!(!BadSignature.covers(IndirectCallToNull));
        assert!(Unreachable.covers(Unreachable) && !Unreachable.covers(Other));
    }
}
