//! WASI preview1's error numbers that Concord's WASI answers with, and how arguments are converted
//! before a function runs, as wiggle (wasmtime's WASI, which Extism runs) converts them.

use crate::Refusal;
use crate::host::HostFault;

pub type Errno = u16;

pub const SUCCESS: Errno = 0;
pub const BADF: Errno = 8;
pub const ILSEQ: Errno = 25;
pub const INVAL: Errno = 28;
pub const LOOP: Errno = 32;
pub const NAMETOOLONG: Errno = 37;
pub const NOMEM: Errno = 48;
pub const NOENT: Errno = 44;
pub const NOTDIR: Errno = 54;
pub const NOTSOCK: Errno = 57;
pub const NOTSUP: Errno = 58;
pub const PERM: Errno = 63;
pub const SPIPE: Errno = 70;

/// Why a WASI function did not succeed: an errno the guest sees, or a fault that stops the call.
#[derive(Debug)]
pub enum Fail {
    Errno(Errno),
    Fault(HostFault),
}

impl From<HostFault> for Fail {
    fn from(fault: HostFault) -> Self {
        Fail::Fault(fault)
    }
}

pub type WasiResult<T = ()> = Result<T, Fail>;

pub fn errno<T>(errno: Errno) -> WasiResult<T> {
    Err(Fail::Errno(errno))
}

// Arguments are converted before the function runs, by wiggle's generated glue, where a failed
// conversion is a trap (not an errno): a value too wide for its type, an unknown enum case, an
// unknown flag bit.

fn too_wide() -> HostFault {
    HostFault::kernel(Refusal::BadArgument, "out of range integral type conversion attempted")
}

fn unknown(what: &str) -> HostFault {
    HostFault::kernel(Refusal::BadArgument, format!("invalid {what} value"))
}

/// An enum of `cases` cases carried in a `u8` (advice, whence, signal).
pub fn enum_u8(value: i32, cases: u8) -> Result<u8, HostFault> {
    let value = u8::try_from(value).map_err(|_| too_wide())?;
    if value >= cases { Err(unknown("enum")) } else { Ok(value) }
}

/// An enum of `cases` cases carried in a `u32` (clock ids).
pub fn enum_u32(value: i32, cases: u32) -> Result<u32, HostFault> {
    let value = u32::try_from(value).map_err(|_| too_wide())?;
    if value >= cases { Err(unknown("enum")) } else { Ok(value) }
}

/// Flags of `bits` bits carried in a `u8`, `u16` or `u32` (`width` bits).
pub fn flags(value: i32, width: u32, bits: u32) -> Result<u32, HostFault> {
    let fits = match width {
        32 => value >= 0,
        width => (0..1i64 << width).contains(&(value as i64)),
    };
    if !fits {
        return Err(too_wide());
    }
    let value = value as u32;
    if value >> bits != 0 { Err(unknown("flag")) } else { Ok(value) }
}

/// Rights: 30 flag bits in a `u64`.
pub fn rights(value: i64) -> Result<u64, HostFault> {
    let value = u64::try_from(value).map_err(|_| too_wide())?;
    if value >> 30 != 0 { Err(unknown("flag")) } else { Ok(value) }
}

/// A plain `u16` (`siflags`, which has no flags defined).
pub fn plain_u16(value: i32) -> Result<u16, HostFault> {
    u16::try_from(value).map_err(|_| too_wide())
}
