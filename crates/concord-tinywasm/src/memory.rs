//! The memory limit, as tinywasm lets an embedder set one: a resource limiter, asked before each
//! memory is made and before it grows. A memory whose initial size is over the limit fails the
//! instantiation (tinywasm's out of memory); a grow past it answers -1.

use tinywasm::{ResourceLimiter, Trap};

/// Every memory of a store stays within this many bytes.
pub(crate) struct Limit(usize);

impl Limit {
    pub(crate) fn bytes(bytes: u64) -> Limit {
        Limit(usize::try_from(bytes).unwrap_or(usize::MAX))
    }
}

impl ResourceLimiter for Limit {
    fn memory_growing(&self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool, Trap> {
        Ok(desired <= self.0)
    }
}
