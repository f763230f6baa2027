//! The kernel's block arena: memory owned by the host, addressed by the i64 offsets the plugin ABI
//! passes around. Every guest-supplied offset is checked against the live blocks; nothing here can
//! index out of bounds whatever the guest sends.

use concord_engine::HostFault;
use concord_engine::MemoryLimit;
use concord_engine::Refusal;
use std::cell::Cell;
use std::collections::BTreeMap;

/// The most a kernel's 32-bit memory can hold: the arena's bound when no memory limit is set.
const ADDRESS_SPACE: u64 = 1 << 32;
/// Offsets start here so that 0 stays the ABI's null.
const FIRST_OFFSET: u64 = 8;
const ALIGN: u64 = 8;
/// Unused bytes after every block, so that a guest running up to 8 bytes past the end of a block
/// is refused rather than let into the next one. Extism's kernel keeps its block headers there.
const GUARD: u64 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    len: u64,
    capacity: u64,
    live: bool,
}

#[derive(Debug)]
pub struct Arena {
    bytes: Vec<u8>,
    blocks: BTreeMap<u64, Block>,
    /// The configured memory limit; `None` leaves the 32-bit address space as the only bound.
    limit: Option<u64>,
    /// The live block the last access landed in (start, len): a guest copying a block touches it
    /// every 8 bytes, so this skips the map for nearly every access. Cleared when a block is freed.
    recent: Cell<Option<(u64, u64)>>,
}

impl Arena {
    pub fn new(limit: Option<MemoryLimit>) -> Self {
        let limit = limit.map(MemoryLimit::bytes);
        Arena { bytes: vec![0; FIRST_OFFSET as usize], blocks: BTreeMap::new(), limit, recent: Cell::new(None) }
    }

    /// The configured memory limit.
    pub fn limit(&self) -> Option<MemoryLimit> {
        self.limit.map(MemoryLimit::from_bytes)
    }

    /// Frees every block. Called at the start of each plugin call, as Extism's kernel does.
    pub fn reset(&mut self) {
        self.bytes.truncate(FIRST_OFFSET as usize);
        self.blocks.clear();
        self.recent.set(None);
    }

    /// Bytes in use, for the memory-limit invariant.
    pub fn footprint(&self) -> u64 {
        self.bytes.len() as u64
    }

    pub fn alloc(&mut self, len: u64) -> Result<u64, HostFault> {
        if len == 0 {
            return Ok(0);
        }
        // Extism's kernel reuses a freed block only when a new one would not fit the memory it
        // already has (its pages, here also the limit): a block freed and the block made next
        // start at different offsets.
        let room = (self.footprint().div_ceil(concord_engine::WASM_PAGE).max(1) * concord_engine::WASM_PAGE)
            .min(self.limit.unwrap_or(ADDRESS_SPACE));
        let bump_end =
            len.checked_next_multiple_of(ALIGN).and_then(|c| self.footprint().checked_add(c)?.checked_add(GUARD));
        let reusable = match bump_end {
            Some(end) if end <= room => None,
            _ => self.blocks.iter().find(|(_, b)| !b.live && b.capacity >= len).map(|(&o, _)| o),
        };
        if let Some(offset) = reusable {
            let block = self.blocks.get_mut(&offset).expect("found above");
            block.live = true;
            block.len = len;
            self.bytes[offset as usize..(offset + len) as usize].fill(0);
            return Ok(offset);
        }
        let offset = self.bytes.len() as u64;
        let capacity = len.checked_next_multiple_of(ALIGN);
        let bound = self.limit.unwrap_or(ADDRESS_SPACE);
        let end = capacity.and_then(|c| offset.checked_add(c)?.checked_add(GUARD)).filter(|&end| end <= bound);
        let (Some(capacity), Some(end)) = (capacity, end) else {
            // Past a configured limit, the call fails, as Extism's limiter fails it ("oom"); past
            // the 32-bit address space no memory can grow, and Extism's kernel answers 0.
            return if self.limit.is_some() { Err(HostFault::OutOfMemory) } else { Ok(0) };
        };
        self.bytes.resize(end as usize, 0);
        self.blocks.insert(offset, Block { len, capacity, live: true });
        Ok(offset)
    }

    /// Frees the live block at `offset`; anything else is left alone, as Extism's kernel does.
    /// Plugins rely on it: Extism's host functions free the key and message blocks they are
    /// given, and PDKs free those blocks again after the call.
    pub fn free(&mut self, offset: u64) {
        if let Some(block) = self.blocks.get_mut(&offset).filter(|block| block.live) {
            block.live = false;
            self.recent.set(None);
        }
    }

    /// Why `offset` is not the start of a block: it lies inside one, or in none.
    #[cold]
    fn not_a_block(&self, offset: u64) -> HostFault {
        match self.containing(offset) {
            Some((start, _)) => {
                HostFault::kernel(Refusal::MidBlock, format!("{offset} is inside the block at {start}"))
            }
            None => HostFault::kernel(Refusal::NoBlock, format!("{offset} is in no block")),
        }
    }

    /// The block whose span (its capacity) holds `offset`, live or freed.
    fn containing(&self, offset: u64) -> Option<(u64, Block)> {
        let (&start, &block) = self.blocks.range(..=offset).next_back()?;
        (offset < start + block.capacity.max(block.len)).then_some((start, block))
    }

    /// Length of the live block starting at `offset`; 0 for anything else, as Extism answers.
    pub fn length(&self, offset: u64) -> u64 {
        match self.blocks.get(&offset) {
            Some(block) if block.live => block.len,
            _ => 0,
        }
    }

    /// Extism's `length_unsafe`, which reads the length a block's header holds without finding
    /// the block first: freeing a block zeroes it, so at the start of a block it answers as
    /// [`Arena::length`] does (both of Extism's hosts answer 0 for a freed block, not its old
    /// length). Elsewhere it would read whatever memory holds; here 0.
    pub fn length_unchecked(&self, offset: u64) -> u64 {
        self.length(offset)
    }

    /// The range `offset..offset+len` if it lies inside one live block. Guests move data 8 bytes
    /// per kernel call, almost always inside the block they touched last, so that case is checked
    /// inline and the block map is searched out of line.
    #[inline]
    fn checked_range(&self, offset: u64, len: u64) -> Result<std::ops::Range<usize>, HostFault> {
        if let Some((start, block_len)) = self.recent.get()
            && let Some(end) = offset.checked_add(len)
            && offset >= start
            && end <= start + block_len
        {
            return Ok(offset as usize..end as usize);
        }
        self.search_range(offset, len)
    }

    #[cold]
    #[inline(never)]
    fn search_range(&self, offset: u64, len: u64) -> Result<std::ops::Range<usize>, HostFault> {
        let fault = || {
            let refusal = match self.containing(offset) {
                _ if offset == 0 => Refusal::Null,
                Some((_, block)) if !block.live => Refusal::Freed,
                Some(_) => Refusal::PastEnd,
                None => Refusal::NoBlock,
            };
            HostFault::kernel(refusal, format!("{len} bytes at offset {offset} are outside every live block"))
        };
        let end = offset.checked_add(len).ok_or_else(fault)?;
        let (&start, block) = self.blocks.range(..=offset).next_back().ok_or_else(fault)?;
        if !block.live || end > start + block.len {
            return Err(fault());
        }
        self.recent.set(Some((start, block.len)));
        Ok(offset as usize..end as usize)
    }

    #[inline]
    pub fn read(&self, offset: u64, len: u64) -> Result<&[u8], HostFault> {
        let range = self.checked_range(offset, len)?;
        Ok(&self.bytes[range])
    }

    /// What the kernel's memory holds over `offset..offset+len`, whatever blocks it covers, as
    /// Extism's kernel reads an output range it never checked: the bytes there, and 0 past the
    /// last block. A range past the memory's pages is refused as [`Arena::read`] refuses it.
    pub fn read_unchecked(&self, offset: u64, len: u64) -> Result<Vec<u8>, HostFault> {
        let pages = self.footprint().div_ceil(concord_engine::WASM_PAGE).max(1) * concord_engine::WASM_PAGE;
        match offset.checked_add(len) {
            Some(end) if end <= pages => {
                let mut bytes = vec![0; len as usize];
                let held = (offset as usize).min(self.bytes.len())..(end as usize).min(self.bytes.len());
                bytes[..held.len()].copy_from_slice(&self.bytes[held]);
                Ok(bytes)
            }
            _ => self.read(offset, len).map(<[u8]>::to_vec),
        }
    }

    #[inline]
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), HostFault> {
        let range = self.checked_range(offset, data.len() as u64)?;
        self.bytes[range].copy_from_slice(data);
        Ok(())
    }

    /// The whole live block starting at `offset`; offset 0 is the empty block (what `alloc(0)`
    /// returns), as in Extism.
    pub fn block(&self, offset: u64) -> Result<&[u8], HostFault> {
        if offset == 0 {
            return Ok(&[]);
        }
        match self.blocks.get(&offset) {
            Some(block) if block.live => self.read(offset, block.len),
            Some(_) => Err(HostFault::kernel(Refusal::Freed, format!("block {offset} is freed"))),
            None => Err(self.not_a_block(offset)),
        }
    }

    pub fn alloc_bytes(&mut self, data: &[u8]) -> Result<u64, HostFault> {
        let offset = self.alloc(data.len() as u64)?;
        if offset != 0 {
            self.write(offset, data)?;
        }
        Ok(offset)
    }
}
