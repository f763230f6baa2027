//! A guest's linear memory as WASI sees it during one call: every access bounds-checked, and every
//! typed access aligned, as wasmtime's `wiggle` (Extism's WASI) checks it. A pointer that fails
//! either check is a trap there and a kernel fault here, never a read outside the memory.

use super::errno::{Fail, NOMEM, WasiResult};
use crate::Refusal;
use crate::host::HostFault;
use std::borrow::Cow;

/// Linear memory, wherever it lives: a slice in this process, or an engine's memory in another
/// (V8's, read and written over its pipe). Ranges handed to it are already checked against `size`.
pub trait LinearMemory {
    /// The memory's size in bytes, fixed for the length of one WASI call.
    fn size(&self) -> u64;
    fn read(&mut self, at: u32, len: u32) -> Result<Cow<'_, [u8]>, HostFault>;
    fn write(&mut self, at: u32, bytes: &[u8]) -> Result<(), HostFault>;
}

/// Linear memory in this process, borrowed for one host call.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }
}

impl LinearMemory for GuestMemory<'_> {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn read(&mut self, at: u32, len: u32) -> Result<Cow<'_, [u8]>, HostFault> {
        Ok(Cow::Borrowed(&self.bytes[at as usize..at as usize + len as usize]))
    }

    fn write(&mut self, at: u32, bytes: &[u8]) -> Result<(), HostFault> {
        self.bytes[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }
}

/// What one WASI call may copy between the guest and the host: wasmtime's "hostcall fuel", which
/// its preview1 adapter spends on each array and string it reads and refuses past with `NOMEM`.
const HOSTCALL_FUEL: u64 = 128 << 20;

/// The checked view every WASI function works through, for one call.
pub struct Guest<'m> {
    memory: &'m mut dyn LinearMemory,
    fuel: u64,
}

impl<'m> Guest<'m> {
    pub fn new(memory: &'m mut dyn LinearMemory) -> Self {
        Guest { memory, fuel: HOSTCALL_FUEL }
    }

    /// Spends `bytes` of the call's fuel, as the adapter does before it copies them: `NOMEM`
    /// when they are more than is left.
    pub fn spend(&mut self, bytes: u64) -> WasiResult {
        self.fuel = self.fuel.checked_sub(bytes).ok_or(Fail::Errno(NOMEM))?;
        Ok(())
    }

    /// `ptr..ptr+len` inside the memory, or the fault wiggle traps with.
    pub fn check(&self, ptr: u32, len: u32) -> Result<(), HostFault> {
        if ptr as u64 + len as u64 > self.memory.size() {
            return Err(HostFault::kernel(
                Refusal::OutsideMemory,
                format!("guest pointer {ptr}+{len} is outside linear memory ({} bytes)", self.memory.size()),
            ));
        }
        Ok(())
    }

    fn check_aligned(&self, ptr: u32, size: u32) -> Result<(), HostFault> {
        self.check(ptr, size)?;
        if !ptr.is_multiple_of(size) {
            return Err(HostFault::kernel(
                Refusal::Misaligned,
                format!("guest pointer {ptr} is not aligned to {size} bytes"),
            ));
        }
        Ok(())
    }

    /// `base + offset` as wiggle adds a field's offset to a pointer: past 4 GiB is a fault.
    pub fn field(base: u32, offset: u32) -> Result<u32, HostFault> {
        base.checked_add(offset).ok_or_else(overflow)
    }

    /// The `i`th element of an array of `size`-byte records at `base`.
    pub fn element(base: u32, i: u32, size: u32) -> Result<u32, HostFault> {
        i.checked_mul(size).and_then(|at| base.checked_add(at)).ok_or_else(overflow)
    }

    pub fn bytes(&mut self, ptr: u32, len: u32) -> Result<Cow<'_, [u8]>, HostFault> {
        self.check(ptr, len)?;
        self.memory.read(ptr, len)
    }

    /// Nothing to write is no access at all: wiggle checks no pointer for it.
    pub fn write_bytes(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), HostFault> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.check(ptr, bytes.len() as u32)?;
        self.memory.write(ptr, bytes)
    }

    fn read_array<const N: usize>(&mut self, ptr: u32) -> Result<[u8; N], HostFault> {
        self.check_aligned(ptr, N as u32)?;
        Ok(self.memory.read(ptr, N as u32)?.as_ref().try_into().expect("N bytes"))
    }

    pub fn read_u8(&mut self, ptr: u32) -> Result<u8, HostFault> {
        Ok(self.read_array::<1>(ptr)?[0])
    }

    pub fn read_u16(&mut self, ptr: u32) -> Result<u16, HostFault> {
        self.read_array(ptr).map(u16::from_le_bytes)
    }

    pub fn read_u32(&mut self, ptr: u32) -> Result<u32, HostFault> {
        self.read_array(ptr).map(u32::from_le_bytes)
    }

    pub fn read_u64(&mut self, ptr: u32) -> Result<u64, HostFault> {
        self.read_array(ptr).map(u64::from_le_bytes)
    }

    pub fn write_u8(&mut self, ptr: u32, value: u8) -> Result<(), HostFault> {
        self.write_bytes(ptr, &[value])
    }

    pub fn write_u16(&mut self, ptr: u32, value: u16) -> Result<(), HostFault> {
        self.check_aligned(ptr, 2)?;
        self.memory.write(ptr, &value.to_le_bytes())
    }

    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), HostFault> {
        self.check_aligned(ptr, 4)?;
        self.memory.write(ptr, &value.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, value: u64) -> Result<(), HostFault> {
        self.check_aligned(ptr, 8)?;
        self.memory.write(ptr, &value.to_le_bytes())
    }
}

fn overflow() -> HostFault {
    HostFault::kernel(Refusal::OutsideMemory, "a guest pointer overflows the address space")
}
