//! The memory limit, as tinywasm lets an embedder set one: a memory backend. Each memory is
//! tinywasm's own contiguous `VecMemory`, refused at creation when its initial size is over the
//! limit (instantiation fails) and refused any grow past it (`memory.grow` answers -1).

use tinywasm::types::MemoryType;
use tinywasm::{LinearMemory, MemoryBackend, Trap, VecMemory};

/// A backend whose memories stay within `limit` bytes each.
pub(crate) fn limited(limit: u64) -> MemoryBackend {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    MemoryBackend::custom(move |ty: MemoryType| {
        let initial = usize::try_from(ty.initial_size()).unwrap_or(usize::MAX);
        if initial > limit {
            return Err(tinywasm::Error::Trap(Trap::OutOfMemory));
        }
        Ok(Limited { inner: VecMemory::try_new(initial).map_err(tinywasm::Error::Trap)?, limit })
    })
}

struct Limited {
    inner: VecMemory,
    limit: usize,
}

impl LinearMemory for Limited {
    fn len(&self) -> usize {
        self.inner.len()
    }

    fn grow_to(&mut self, new_len: usize) -> Result<(), Trap> {
        if new_len > self.limit {
            return Err(Trap::OutOfMemory);
        }
        self.inner.grow_to(new_len)
    }

    fn read(&self, addr: usize, dst: &mut [u8]) -> usize {
        self.inner.read(addr, dst)
    }

    fn write(&mut self, addr: usize, src: &[u8]) -> usize {
        self.inner.write(addr, src)
    }
}
