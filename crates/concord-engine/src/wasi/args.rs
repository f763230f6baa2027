//! A WASI call's arguments as the host decodes them: the values, descriptors, and the flag sets
//! with their widths from the specification's typenames.

use super::errno::{self, INVAL, WasiResult, flags};
use crate::Refusal;
use crate::host::{HostFault, Val};

/// One call's arguments, as the host was handed them.
pub(super) struct Args<'a>(pub(super) &'a [Val]);

impl Args<'_> {
    pub(super) fn i32(&self, i: usize) -> Result<i32, HostFault> {
        self.0.get(i).ok_or_else(|| HostFault::kernel(Refusal::BadArgument, "missing argument"))?.as_i32()
    }

    pub(super) fn u32(&self, i: usize) -> Result<u32, HostFault> {
        self.i32(i).map(|v| v as u32)
    }

    pub(super) fn i64(&self, i: usize) -> Result<i64, HostFault> {
        match self.0.get(i) {
            Some(Val::I64(v)) => Ok(*v),
            other => Err(HostFault::kernel(Refusal::BadArgument, format!("expected an i64 argument, got {other:?}"))),
        }
    }
}

// Flag widths and counts, from the specification's typenames.
pub(super) const FDFLAGS: (u32, u32) = (16, 5);
pub(super) const FSTFLAGS: (u32, u32) = (16, 4);
pub(super) const LOOKUPFLAGS: (u32, u32) = (32, 1);
pub(super) const OFLAGS: (u32, u32) = (16, 4);
pub(super) const RIGHT_FD_READ: u64 = 1 << 1;
pub(super) const RIGHT_FD_WRITE: u64 = 1 << 6;
pub(super) const FDFLAG_APPEND: u16 = 1;
pub(super) const FDFLAG_NONBLOCK: u16 = 4;
/// DSYNC, RSYNC and SYNC, which wasmtime-wasi refuses to set.
pub(super) const FDFLAGS_SYNC: u16 = 2 | 8 | 16;

pub(super) fn flag(value: i32, (width, bits): (u32, u32)) -> Result<u32, HostFault> {
    flags(value, width, bits)
}

pub(super) fn fd(args: &Args, i: usize) -> Result<u32, HostFault> {
    args.u32(i)
}

/// `fstflags`: setting a time and setting it to now at once is `INVAL`.
pub(super) fn times(fst_flags: i32) -> WasiResult {
    let bits = flag(fst_flags, FSTFLAGS)?;
    if bits & 0b11 == 0b11 || bits & 0b1100 == 0b1100 { errno::errno(INVAL) } else { Ok(()) }
}
