//! Every kernel function as a typed Rust function, grouped by its wasm signature. Backends link
//! each shape once as a typed host function (no conversion through [`Val`], no dynamic-call
//! path), and [`crate::resolve`] calls the same functions for anything that links dynamically, so
//! the name-to-function table exists once.

use super::{ENV_MODULE, Kernel, LogLevel};
use concord_engine::{HostFault, Val, ValType};

type R<T> = Result<T, HostFault>;

/// Whatever an engine's store carries that holds the kernel: backends link typed kernel functions
/// for any such store (their own, and the raw-API baselines in the benchmarks).
pub trait KernelHost: 'static {
    fn kernel(&mut self) -> &mut Kernel;
}

impl KernelHost for crate::HostState {
    fn kernel(&mut self) -> &mut Kernel {
        &mut self.kernel
    }
}

#[derive(Debug, Clone, Copy)]
pub enum KernelFn {
    /// `() -> i64`
    Get(fn(&mut Kernel) -> R<u64>),
    /// `(i64) -> i64`
    Map(fn(&mut Kernel, u64) -> R<u64>),
    /// `(i64) -> i32`, a byte
    LoadByte(fn(&mut Kernel, u64) -> R<u8>),
    /// `(i64) -> ()`
    Take(fn(&mut Kernel, u64) -> R<()>),
    /// `(i64, i64) -> ()`
    Put(fn(&mut Kernel, u64, u64) -> R<()>),
    /// `(i64, i32) -> ()`, a byte
    PutByte(fn(&mut Kernel, u64, u8) -> R<()>),
}

impl KernelFn {
    /// The kernel's function for `module::name`; `None` for other modules and for the few kernel
    /// functions with a signature of their own (see `kernel_function` in imports.rs).
    pub fn find(module: &str, name: &str) -> Option<KernelFn> {
        use KernelFn::{Get, LoadByte, Map, Put, PutByte, Take};
        if module != ENV_MODULE {
            return None;
        }
        Some(match name {
            "input_length" => Get(|k| Ok(k.input_length())),
            "error_get" => Get(|k| Ok(k.error_get())),
            "http_headers" => Get(|_| Ok(0)),
            "input_offset" => Get(Kernel::input_offset),
            "output_offset" => Get(|k| Ok(k.output_offset())),
            "output_length" => Get(|k| Ok(k.output_length())),
            "memory_bytes" => Get(|k| Ok(k.memory_bytes())),
            "input_load_u64" => Map(|k, at| k.input_load_u64(at)),
            "load_u64" => Map(|k, at| k.load_u64(at)),
            "alloc" => Map(Kernel::alloc),
            "length" => Map(|k, at| Ok(k.length(at))),
            "length_unsafe" => Map(|k, at| Ok(k.length_unsafe(at))),
            "config_get" => Map(Kernel::config_get),
            "var_get" => Map(Kernel::var_get),
            "input_load_u8" => LoadByte(|k, at| k.input_load_u8(at)),
            "load_u8" => LoadByte(|k, at| k.load_u8(at)),
            "free" => Take(Kernel::free),
            "error_set" => Take(Kernel::error_set),
            "log_trace" => Take(|k, at| k.log(LogLevel::Trace, at)),
            "log_debug" => Take(|k, at| k.log(LogLevel::Debug, at)),
            "log_info" => Take(|k, at| k.log(LogLevel::Info, at)),
            "log_warn" => Take(|k, at| k.log(LogLevel::Warn, at)),
            "log_error" => Take(|k, at| k.log(LogLevel::Error, at)),
            "store_u64" => Put(Kernel::store_u64),
            "output_set" => Put(Kernel::output_set),
            "input_set" => Put(Kernel::input_set),
            "var_set" => Put(Kernel::var_set),
            "store_u8" => PutByte(Kernel::store_u8),
            _ => return None,
        })
    }

    pub fn params(self) -> &'static [ValType] {
        use ValType::{I32, I64};
        match self {
            KernelFn::Get(_) => &[],
            KernelFn::Map(_) | KernelFn::LoadByte(_) | KernelFn::Take(_) => &[I64],
            KernelFn::Put(_) => &[I64, I64],
            KernelFn::PutByte(_) => &[I64, I32],
        }
    }

    pub fn results(self) -> &'static [ValType] {
        use ValType::{I32, I64};
        match self {
            KernelFn::Get(_) | KernelFn::Map(_) => &[I64],
            KernelFn::LoadByte(_) => &[I32],
            KernelFn::Take(_) | KernelFn::Put(_) | KernelFn::PutByte(_) => &[],
        }
    }

    /// The same function called with dynamically typed arguments.
    pub fn invoke(self, kernel: &mut Kernel, args: &[Val]) -> R<Option<Val>> {
        let arg = |i: usize| {
            args.get(i).ok_or_else(|| HostFault::kernel(concord_engine::Refusal::BadArgument, "missing argument"))
        };
        let i64_val = |v: u64| Some(Val::I64(v as i64));
        Ok(match self {
            KernelFn::Get(f) => i64_val(f(kernel)?),
            KernelFn::Map(f) => i64_val(f(kernel, arg(0)?.as_u64()?)?),
            KernelFn::LoadByte(f) => Some(Val::I32(f(kernel, arg(0)?.as_u64()?)?.into())),
            KernelFn::Take(f) => f(kernel, arg(0)?.as_u64()?).map(|()| None)?,
            KernelFn::Put(f) => f(kernel, arg(0)?.as_u64()?, arg(1)?.as_u64()?).map(|()| None)?,
            KernelFn::PutByte(f) => f(kernel, arg(0)?.as_u64()?, arg(1)?.as_i32()? as u8).map(|()| None)?,
        })
    }
}
