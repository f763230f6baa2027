//! A memory limit, from the flag an embedder types to the option each engine takes. It is held in
//! bytes; pages and MiB are derived here and nowhere else, so no backend converts units by hand.

use crate::WASM_PAGE;
use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemoryLimit {
    bytes: u64,
}

impl MemoryLimit {
    pub const fn from_bytes(bytes: u64) -> Self {
        MemoryLimit { bytes }
    }

    /// `pages` Wasm pages of 64 KiB.
    pub const fn from_pages(pages: u64) -> Self {
        MemoryLimit { bytes: pages.saturating_mul(WASM_PAGE) }
    }

    /// `mib` MiB, as the CLI's `--memory-limit-mb` and an actor's `memory_limit_mb` give it.
    pub const fn from_mib(mib: u64) -> Self {
        MemoryLimit { bytes: mib.saturating_mul(MIB) }
    }

    pub const fn bytes(self) -> u64 {
        self.bytes
    }

    /// The whole Wasm pages that fit: a memory may never grow past these.
    pub const fn pages(self) -> u64 {
        self.bytes / WASM_PAGE
    }

    /// In MiB, rounded up: an option in MiB never shortens the limit.
    pub const fn mib_rounded_up(self) -> u64 {
        self.bytes.div_ceil(MIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_derive_from_bytes_in_one_place() {
        assert_eq!(MemoryLimit::from_mib(1), MemoryLimit::from_pages(16));
        assert_eq!(MemoryLimit::from_pages(16).bytes(), 1 << 20);
        assert_eq!(MemoryLimit::from_bytes(WASM_PAGE + 1).pages(), 1, "a partial page does not count");
        assert_eq!(MemoryLimit::from_bytes(MIB + 1).mib_rounded_up(), 2, "MiB round up");
        assert_eq!(MemoryLimit::from_pages(u64::MAX).bytes(), u64::MAX, "saturates, never wraps");
    }
}
