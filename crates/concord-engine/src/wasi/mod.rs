//! A deterministic WASI preview1 subset: enough for plugins built for wasm32-wasip1 or with
//! TinyGo/C toolchains. stdout/stderr are captured (bounded), randomness is seeded, the clock is
//! virtual, and there is no file system: nothing a guest does here reaches the host.

mod memory;

pub use memory::GuestMemory;

use crate::host::HostFault;

pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

pub const ERRNO_SUCCESS: i32 = 0;
pub const ERRNO_BADF: i32 = 8;
pub const ERRNO_SPIPE: i32 = 70;

const FILETYPE_CHARACTER_DEVICE: u8 = 2;
/// Captured bytes per stream; the rest is counted, not kept, so a guest cannot exhaust the host.
const CAPTURE_LIMIT: usize = 1024 * 1024;
/// 2024-01-01T00:00:00Z: a fixed start for the virtual clock.
const CLOCK_START_NS: u64 = 1_704_067_200_000_000_000;
const DEFAULT_SEED: u64 = 0x0c0c_0d0d_5eed_5eed;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Capture {
    pub bytes: Vec<u8>,
    /// Everything the guest wrote, kept or not.
    pub total: u64,
}

impl Capture {
    fn push(&mut self, data: &[u8]) {
        let room = CAPTURE_LIMIT.saturating_sub(self.bytes.len());
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
        self.total += data.len() as u64;
    }
}

#[derive(Debug)]
pub struct Wasi {
    pub stdout: Capture,
    pub stderr: Capture,
    rng: u64,
    clock_ns: u64,
}

impl Default for Wasi {
    fn default() -> Self {
        Wasi::with_seed(DEFAULT_SEED)
    }
}

impl Wasi {
    pub fn with_seed(seed: u64) -> Self {
        Wasi { stdout: Capture::default(), stderr: Capture::default(), rng: seed, clock_ns: CLOCK_START_NS }
    }

    fn is_stdio(fd: i32) -> bool {
        (0..=2).contains(&fd)
    }

    pub fn fd_write(
        &mut self,
        mem: &mut GuestMemory,
        fd: i32,
        iovs: u32,
        iovs_len: u32,
        nwritten: u32,
    ) -> Result<i32, HostFault> {
        let sink = match fd {
            1 => &mut self.stdout,
            2 => &mut self.stderr,
            _ => return Ok(ERRNO_BADF),
        };
        let mut written: u32 = 0;
        for i in 0..iovs_len {
            let iov = iovs.checked_add(i.checked_mul(8).ok_or_else(too_many)?).ok_or_else(too_many)?;
            let (ptr, len) = (mem.read_u32(iov)?, mem.read_u32(iov + 4)?);
            sink.push(mem.slice(ptr, len)?);
            written = written.wrapping_add(len);
        }
        mem.write_u32(nwritten, written)?;
        Ok(ERRNO_SUCCESS)
    }

    /// stdin is empty; nothing else is open.
    pub fn fd_read(&mut self, mem: &mut GuestMemory, fd: i32, nread: u32) -> Result<i32, HostFault> {
        if fd != 0 {
            return Ok(ERRNO_BADF);
        }
        mem.write_u32(nread, 0)?;
        Ok(ERRNO_SUCCESS)
    }

    pub fn fd_close(&mut self, fd: i32) -> i32 {
        if Self::is_stdio(fd) { ERRNO_SUCCESS } else { ERRNO_BADF }
    }

    pub fn fd_seek(&mut self, fd: i32) -> i32 {
        if Self::is_stdio(fd) { ERRNO_SPIPE } else { ERRNO_BADF }
    }

    pub fn fd_fdstat_get(&mut self, mem: &mut GuestMemory, fd: i32, buf: u32) -> Result<i32, HostFault> {
        if !Self::is_stdio(fd) {
            return Ok(ERRNO_BADF);
        }
        let mut stat = [0u8; 24];
        stat[0] = FILETYPE_CHARACTER_DEVICE;
        stat[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        mem.write(buf, &stat)?;
        Ok(ERRNO_SUCCESS)
    }

    pub fn fd_filestat_get(&mut self, mem: &mut GuestMemory, fd: i32, buf: u32) -> Result<i32, HostFault> {
        if !Self::is_stdio(fd) {
            return Ok(ERRNO_BADF);
        }
        let mut stat = [0u8; 64];
        stat[16] = FILETYPE_CHARACTER_DEVICE;
        mem.write(buf, &stat)?;
        Ok(ERRNO_SUCCESS)
    }

    /// Two zero counts: no arguments, no environment.
    pub fn sizes_get(&mut self, mem: &mut GuestMemory, count: u32, size: u32) -> Result<i32, HostFault> {
        mem.write_u32(count, 0)?;
        mem.write_u32(size, 0)?;
        Ok(ERRNO_SUCCESS)
    }

    pub fn clock_time_get(&mut self, mem: &mut GuestMemory, time: u32) -> Result<i32, HostFault> {
        self.clock_ns += 1_000;
        mem.write(time, &self.clock_ns.to_le_bytes())?;
        Ok(ERRNO_SUCCESS)
    }

    pub fn random_get(&mut self, mem: &mut GuestMemory, buf: u32, len: u32) -> Result<i32, HostFault> {
        let target = mem.slice_mut(buf, len)?;
        for chunk in target.chunks_mut(8) {
            let bytes = self.next_random().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(ERRNO_SUCCESS)
    }

    /// splitmix64: deterministic, so two engines see the same "random" bytes.
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn too_many() -> HostFault {
    HostFault::kernel(crate::Refusal::OutsideMemory, "iovec array overflows the address space")
}
