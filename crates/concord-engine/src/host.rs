//! Host functions: the embedder's own imports, written once against [`KernelAccess`] so they run
//! on the native kernel and on Extism's alike.

use crate::InstanceData;
use crate::outcome::{KernelFault, Refusal};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

impl Val {
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
        }
    }

    /// Kernel offsets are i64 on the wire and u64 in meaning.
    pub fn as_u64(&self) -> Result<u64, HostFault> {
        match *self {
            Val::I64(v) => Ok(v as u64),
            Val::I32(v) => Ok(v as u32 as u64),
            other => {
                Err(HostFault::kernel(Refusal::BadArgument, format!("expected an integer argument, got {other:?}")))
            }
        }
    }

    pub fn as_i32(&self) -> Result<i32, HostFault> {
        match *self {
            Val::I32(v) => Ok(v),
            other => Err(HostFault::kernel(Refusal::BadArgument, format!("expected an i32 argument, got {other:?}"))),
        }
    }

    pub fn zero(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0.0),
            ValType::F64 => Val::F64(0.0),
        }
    }
}

/// Why a host-side function refused to go on. Backends turn it into a trap, and the call site
/// turns that trap back into an [`crate::Outcome`] by downcasting, never by reading its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostFault {
    /// A bad offset, length or argument from the guest. Boxed: every kernel call returns a
    /// `Result` with this error, and a rare fault should not widen every return.
    #[error("{0}")]
    Kernel(Box<KernelFault>),
    /// The kernel arena would exceed the memory limit.
    #[error("kernel memory limit exceeded")]
    OutOfMemory,
    /// WASI `proc_exit`.
    #[error("guest exited with code {0}")]
    Exit(i32),
    /// An embedder's host function failed.
    #[error("host function failed: {0}")]
    User(String),
}

/// The kernel as a host function sees it: blocks addressed by offset, what Extism's
/// `CurrentPlugin` lets a host function do. Implemented by the native kernel and by Concord's
/// adapter over `CurrentPlugin`.
pub trait KernelAccess {
    /// The bytes of the live block that starts at `offset`.
    fn read_block(&mut self, offset: u64) -> Result<Vec<u8>, HostFault>;
    /// Allocates a block holding `bytes` and returns its offset.
    fn write_block(&mut self, bytes: &[u8]) -> Result<u64, HostFault>;
    /// The length of the live block that starts at `offset`, or 0 when none does (the kernel's
    /// `length`).
    fn block_length(&mut self, offset: u64) -> u64;
    /// Allocates a block of `len` bytes, contents unspecified, and returns its offset.
    fn alloc(&mut self, len: u64) -> Result<u64, HostFault>;
    /// Overwrites the live block at `block` from its byte `at` on; the bytes must fit in it.
    fn write_into(&mut self, block: u64, at: u64, bytes: &[u8]) -> Result<(), HostFault>;
    fn free(&mut self, block: u64) -> Result<(), HostFault>;
    /// The input of the call in progress.
    fn input(&mut self) -> Vec<u8>;
    /// The plugin config's value for `key`.
    fn config(&mut self, key: &str) -> Option<String>;
    /// What host functions keep for the life of this plugin instance.
    fn instance_data(&mut self) -> &mut InstanceData;
}

impl HostFault {
    /// A refusal whose function the caller names later ([`HostFault::within`]).
    pub fn kernel(refusal: Refusal, reason: impl Into<String>) -> Self {
        HostFault::Kernel(Box::new(KernelFault::new("", refusal, reason)))
    }

    /// Names the function a kernel fault happened in, unless an inner one already did.
    pub fn within(self, function: &str) -> Self {
        match self {
            HostFault::Kernel(mut fault) if fault.function.is_empty() => {
                fault.function = function.to_string();
                HostFault::Kernel(fault)
            }
            other => other,
        }
    }
}

pub type HostCallback = Arc<dyn Fn(&mut dyn KernelAccess, &[Val]) -> Result<Vec<Val>, HostFault> + Send + Sync>;

/// A function the embedder links into every instance, typically in `extism:host/user`.
#[derive(Clone)]
pub struct HostFunction {
    pub module: String,
    pub name: String,
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
    pub callback: HostCallback,
}

pub const USER_MODULE: &str = "extism:host/user";

impl HostFunction {
    pub fn new(
        name: impl Into<String>,
        params: Vec<ValType>,
        results: Vec<ValType>,
        callback: impl Fn(&mut dyn KernelAccess, &[Val]) -> Result<Vec<Val>, HostFault> + Send + Sync + 'static,
    ) -> Self {
        HostFunction {
            module: USER_MODULE.to_string(),
            name: name.into(),
            params,
            results,
            callback: Arc::new(callback),
        }
    }
}
