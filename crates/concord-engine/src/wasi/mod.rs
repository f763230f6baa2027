//! WASI preview1, all 46 functions, deterministic: stdout and stderr captured (bounded), randomness
//! seeded, a virtual clock (a sleep returns at once and moves the clock on), and no file system
//! but the read-only snapshots of the directories it is given. Its answers are Extism's WASI's (wasmtime-wasi's preview1 adapter), read from its
//! source: the same errno for the same call, the same checks in the same order, a trap where it
//! traps. Written once: every engine without a WASI of its own runs this one, V8 included (its
//! host script forwards each call here).

mod args;
mod errno;
mod fd;
mod functions;
mod memory;
mod paths;
mod poll;
mod snapshot;

pub use errno::Errno;
pub use functions::{ArrayArg, WasiFunction, function, names};
pub use memory::{Guest, GuestMemory, LinearMemory};
pub use snapshot::{Preopen, Snapshot};

use fd::FdTable;

pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

pub const ERRNO_SUCCESS: i32 = errno::SUCCESS as i32;
pub const ERRNO_BADF: i32 = errno::BADF as i32;

/// Captured bytes per stream; the rest is counted, not kept, so a guest cannot exhaust the host.
const CAPTURE_LIMIT: usize = 1024 * 1024;
/// 2024-01-01T00:00:00Z: where the virtual real-time clock starts.
const CLOCK_START_NS: u64 = 1_704_067_200_000_000_000;
/// How far the virtual clock moves on each reading, so that two readings always differ.
const CLOCK_TICK_NS: u64 = 1_000;
const DEFAULT_SEED: u64 = 0x0c0c_0d0d_5eed_5eed;

// Clock ids: real time, monotonic, and the process and thread CPU clocks (which none serves).
const CLOCK_REALTIME: u32 = 0;
const CLOCK_MONOTONIC: u32 = 1;
const CLOCK_CASES: u32 = 4;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Capture {
    pub bytes: Vec<u8>,
    /// Everything the guest wrote, kept or not.
    pub total: u64,
}

impl Capture {
    /// How many more bytes it keeps.
    fn room(&self) -> usize {
        CAPTURE_LIMIT.saturating_sub(self.bytes.len())
    }

    /// Keeps `kept`, the first bytes of `len` written (as many as [`Self::room`] allows, or all),
    /// and counts them all. The rest is never read: a guest's memory in another process crosses
    /// a pipe to be read, and a flood of output would cross it whole.
    fn push(&mut self, kept: &[u8], len: u32) {
        self.bytes.extend_from_slice(&kept[..kept.len().min(self.room())]);
        self.total += u64::from(len);
    }
}

/// One instance's WASI: what lasts from call to call (descriptors, clock, random stream).
#[derive(Debug)]
pub struct Wasi {
    pub stdout: Capture,
    pub stderr: Capture,
    fds: FdTable,
    rng: u64,
    /// Nanoseconds since the instance was made: the monotonic clock.
    elapsed_ns: u64,
    args: Vec<String>,
    env: Vec<String>,
}

impl Default for Wasi {
    fn default() -> Self {
        Wasi::with_seed(DEFAULT_SEED)
    }
}

impl Wasi {
    pub fn with_seed(seed: u64) -> Self {
        Wasi::new(seed, &[])
    }

    /// A WASI whose descriptors from 3 on are `preopens`, in order.
    pub fn with_preopens(preopens: &[Preopen]) -> Self {
        Wasi::new(DEFAULT_SEED, preopens)
    }

    fn new(seed: u64, preopens: &[Preopen]) -> Self {
        Wasi {
            stdout: Capture::default(),
            stderr: Capture::default(),
            fds: FdTable::new(preopens),
            rng: seed,
            elapsed_ns: 0,
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    /// Runs the WASI function `name` as the guest called it. `None` memory is a module that
    /// exports none, which wasmtime's WASI refuses on every call.
    pub fn call(
        &mut self,
        name: &str,
        memory: Option<&mut dyn LinearMemory>,
        args: &[crate::Val],
    ) -> Result<Option<crate::Val>, crate::HostFault> {
        let function = function(name).ok_or_else(|| crate::HostFault::User(format!("no WASI function {name}")))?;
        function.call(self, memory, args)
    }

    /// Fills `buf` from the seeded stream, as `random_get` does.
    pub fn fill_random(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_random().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    /// splitmix64: deterministic, so two engines see the same "random" bytes.
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn tick(&mut self) -> u64 {
        self.elapsed_ns = self.elapsed_ns.saturating_add(CLOCK_TICK_NS);
        self.elapsed_ns
    }

    /// Moves the virtual clock on to `deadline` (monotonic nanoseconds), if it is later.
    fn sleep_until(&mut self, deadline: u64) {
        self.elapsed_ns = self.elapsed_ns.max(deadline);
    }
}
