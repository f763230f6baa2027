//! Extism's JavaScript SDK's kernel, as the native kernel follows it under
//! [`KernelRules::ExtismJs`](concord_engine::KernelRules::ExtismJs): `@extism/extism` 2.0.0-rc13,
//! `src/call-context.ts`, with a plugin run in a worker (`runInWorker`, `src/background-plugin.ts`
//! and `src/worker.ts`), as Concord's extism-js backend runs every plugin. Read from the SDK's
//! source; a reference following it confirms the `extism-js-kernel-rules` mechanism only where the
//! SDK itself gave exactly the same answers, so what this model gets wrong shows as a divergence,
//! never as a documented one.
//!
//! What the SDK does, in its own terms:
//! - A block is an `ArrayBuffer` in a list; an offset is `index << 48 | place`. Blocks are never
//!   reused and, in a worker, never reset between calls. Block 0 is a 1-byte "null page".
//! - Lookups take the top 16 bits alone (`length`, `free`, `output_set`, keys, log messages), so
//!   any offset below 2^48 is block 0 and a negative one is no block; loads and stores add the
//!   low 48 bits as a place in the block, and `DataView` refuses a place past its end.
//! - A load in no block answers `undefined`: 0 as an `i32`, a thrown `TypeError` as an `i64`.
//! - The output is the whole block `output_set` named (its length only checked), the error the
//!   whole block `error_set` named; a freed error block means a call with no output. The
//!   export's return code is never read.
//! - `var_get` and `config_get` wrap the value's own buffer as a block, and `var_set` copies;
//!   neither frees what `var_set` was given, and there is no var store limit by default.
//! - At the end of a call the worker sends every block it made to the main thread, transferring
//!   its buffer: the worker's copy is detached (length 0, any access a `TypeError`) and the main
//!   thread, which reads the output, keeps the bytes the block held then. A var wrapped by
//!   `var_get` is detached with it.
//!
//! What this model does not follow (it ends the call with [`NOT_FOLLOWED`] instead, which matches
//! no engine): a worker that fails to send its blocks (one buffer twice, or a detached one), an
//! input past the memory limit, and allocations of 4 GiB or more (the worker runs out of memory).

use concord_engine::HostFault;
use concord_engine::{KernelFault, Refusal};
use std::collections::BTreeMap;

/// The function a fault of a state this model does not follow names: no engine names it.
pub const NOT_FOLLOWED: &str = "extism-js model";

const PLACE_BITS: u32 = 48;
const PLACE_MASK: u64 = (1 << PLACE_BITS) - 1;
/// Allocations from here on run the SDK's worker out of memory rather than follow its rules.
const HUGE: u64 = 1 << 32;
/// Why the model stops following the SDK at such an allocation: the SDK's worker dies there
/// (an engine fault), which a mechanism may recognise by this reason of the model's own.
pub const WORKER_OUT_OF_MEMORY: &str = "an allocation that runs the worker out of memory";

/// An `ArrayBuffer`: blocks and vars may hold the same one. Block 0 and each call's input are
/// `SharedArrayBuffer`s the main thread made: never `local`, so never transferred, and the worker
/// and the main thread see the same bytes.
#[derive(Debug, Clone)]
struct Buffer {
    bytes: Vec<u8>,
    /// Transferred to the main thread at the end of the call that made it.
    detached: bool,
}

#[derive(Debug, Clone)]
struct Block {
    buffer: usize,
    /// Made by the worker in this call, not yet sent to the main thread.
    local: bool,
    /// The bytes the main thread holds for a block the worker sent it.
    main_copy: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct SdkKernel {
    buffers: Vec<Buffer>,
    /// `None` is JavaScript's `null` (freed) or a hole: both answer as no block.
    blocks: Vec<Option<Block>>,
    input: usize,
    input_bytes: Vec<u8>,
    output: Option<usize>,
    error: Option<usize>,
    vars: BTreeMap<String, usize>,
    config: BTreeMap<String, String>,
    /// `memory.maxPages`; 0 is no limit, as the SDK reads it.
    max_pages: Option<u64>,
    calls: u32,
    not_followed: Option<&'static str>,
}

type R<T> = Result<T, HostFault>;

/// What the SDK throws inside a kernel function: the extism-js backend reports it as a kernel
/// fault naming no function.
fn thrown(reason: &str) -> HostFault {
    HostFault::Kernel(Box::new(KernelFault { function: String::new(), refusal: None, reason: reason.into() }))
}

fn detached(operation: &str) -> HostFault {
    thrown(&format!("Cannot perform {operation} on a detached ArrayBuffer"))
}

const OUTSIDE_VIEW: &str = "Offset is outside the bounds of the DataView";
const UNDEFINED_BIGINT: &str = "Cannot convert undefined to a BigInt";

/// `TextDecoder().decode`: UTF-8, a leading byte-order mark dropped, bad bytes replaced.
fn decode(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).into_owned()
}

fn address(index: usize) -> u64 {
    (index as u64) << PLACE_BITS
}

impl SdkKernel {
    pub fn new(memory_limit: Option<concord_engine::MemoryLimit>, config: BTreeMap<String, String>) -> Self {
        let mut sdk = SdkKernel {
            buffers: Vec::new(),
            blocks: Vec::new(),
            input: 0,
            input_bytes: Vec::new(),
            output: None,
            error: None,
            vars: BTreeMap::new(),
            config,
            max_pages: memory_limit.map(concord_engine::MemoryLimit::pages).filter(|&pages| pages > 0),
            calls: 0,
            not_followed: None,
        };
        let null_page = sdk.buffer(vec![0]);
        sdk.blocks.push(Some(Block { buffer: null_page, local: false, main_copy: None }));
        sdk
    }

    fn buffer(&mut self, bytes: Vec<u8>) -> usize {
        self.buffers.push(Buffer { bytes, detached: false });
        self.buffers.len() - 1
    }

    /// `Block.addressToIndex` on the signed offset the plugin passed, and the block there.
    fn index(addr: u64) -> Option<usize> {
        usize::try_from((addr as i64) >> PLACE_BITS).ok()
    }

    fn block(&self, addr: u64) -> Option<&Block> {
        self.blocks.get(Self::index(addr)?)?.as_ref()
    }

    /// The block's bytes as the worker sees them; `None` once transferred.
    fn worker_bytes<'a>(&'a self, block: &'a Block) -> Option<&'a [u8]> {
        let buffer = &self.buffers[block.buffer];
        (!buffer.detached).then_some(&buffer.bytes[..])
    }

    /// The block's bytes as the main thread, which reads a call's output and error, sees them.
    fn main_bytes<'a>(&'a self, block: &'a Block) -> &'a [u8] {
        match &block.main_copy {
            Some(copy) => copy,
            None => &self.buffers[block.buffer].bytes,
        }
    }

    /// `byteLength`, 0 for a transferred buffer.
    fn byte_length(&self, block: &Block) -> u64 {
        self.worker_bytes(block).map_or(0, |bytes| bytes.len() as u64)
    }

    /// A block for a buffer the worker made (`alloc`, or `STORE` wrapping one).
    fn push_local(&mut self, buffer: usize) -> usize {
        self.blocks.push(Some(Block { buffer, local: true, main_copy: None }));
        self.blocks.len() - 1
    }

    fn over_max_pages(&self, view: impl Fn(&Block) -> u64) -> bool {
        let Some(max) = self.max_pages else { return false };
        let total: u64 = self.blocks.iter().flatten().map(view).sum();
        total.div_ceil(concord_engine::WASM_PAGE) > max
    }

    /// A call starts: the worker sends the last call's blocks, and the main thread stores the
    /// input in a block of its own (a `SharedArrayBuffer` the worker shares).
    pub fn begin_call(&mut self, input: &[u8]) {
        if self.calls > 0 {
            self.send_blocks();
        }
        self.calls += 1;
        let buffer = self.buffer(input.to_vec());
        self.blocks.push(Some(Block { buffer, local: false, main_copy: None }));
        self.input = self.blocks.len() - 1;
        if self.over_max_pages(|block| self.main_bytes(block).len() as u64) {
            self.not_followed.get_or_insert("an input past the memory limit");
        }
        self.input_bytes = input.to_vec();
        self.output = None;
        self.error = None;
    }

    /// The end of a call in the worker: every block it made goes to the main thread.
    fn send_blocks(&mut self) {
        let local: Vec<usize> = self.blocks.iter().flatten().filter(|b| b.local).map(|b| b.buffer).collect();
        let mut seen = std::collections::BTreeSet::new();
        if local.iter().any(|&buffer| !seen.insert(buffer) || self.buffers[buffer].detached) {
            self.not_followed.get_or_insert("a worker whose blocks could not be sent");
        }
        for block in self.blocks.iter_mut().flatten().filter(|b| b.local) {
            block.local = false;
            block.main_copy = Some(self.buffers[block.buffer].bytes.clone());
        }
        for buffer in local {
            self.buffers[buffer].detached = true;
        }
    }

    fn not_followed_fault(&self) -> Option<HostFault> {
        self.not_followed
            .map(|why| HostFault::Kernel(Box::new(KernelFault::new(NOT_FOLLOWED, Refusal::BadArgument, why))))
    }

    pub fn alloc(&mut self, len: u64) -> R<u64> {
        if (len as i64) < 0 {
            return Err(thrown("Invalid array buffer length"));
        }
        if len >= HUGE {
            self.not_followed.get_or_insert(WORKER_OUT_OF_MEMORY);
            return Err(self.not_followed_fault().expect("just set"));
        }
        let buffer = self.buffer(vec![0; len as usize]);
        let index = self.push_local(buffer);
        if self.over_max_pages(|block| self.byte_length(block)) {
            return Ok(0);
        }
        Ok(address(index))
    }

    pub fn free(&mut self, addr: u64) {
        let Some(index) = Self::index(addr) else { return };
        if index >= self.blocks.len() {
            self.blocks.resize(index + 1, None);
        }
        self.blocks[index] = None;
    }

    pub fn length(&self, addr: u64) -> u64 {
        self.block(addr).map_or(0, |block| self.byte_length(block))
    }

    /// The `width` bytes at `addr`'s place in its block, for a load or store through the block's
    /// `DataView`; `Ok(None)` where there is no block.
    fn view(&self, addr: u64, width: u64, operation: &str) -> R<Option<std::ops::Range<usize>>> {
        let Some(block) = self.block(addr) else { return Ok(None) };
        let bytes = self.worker_bytes(block).ok_or_else(|| detached(operation))?;
        let place = addr & PLACE_MASK;
        if place + width > bytes.len() as u64 {
            return Err(thrown(OUTSIDE_VIEW));
        }
        Ok(Some(place as usize..(place + width) as usize))
    }

    fn bytes_at(&self, addr: u64, range: std::ops::Range<usize>) -> &[u8] {
        let block = self.block(addr).expect("viewed");
        &self.buffers[block.buffer].bytes[range]
    }

    pub fn load_u8(&self, addr: u64) -> R<u8> {
        Ok(match self.view(addr, 1, "DataView.prototype.getUint8")? {
            Some(range) => self.bytes_at(addr, range)[0],
            None => 0,
        })
    }

    pub fn load_u64(&self, addr: u64) -> R<u64> {
        match self.view(addr, 8, "DataView.prototype.getBigUint64")? {
            Some(range) => Ok(u64::from_le_bytes(self.bytes_at(addr, range).try_into().expect("8 bytes"))),
            None => Err(thrown(UNDEFINED_BIGINT)),
        }
    }

    fn store(&mut self, addr: u64, value: &[u8], operation: &str) -> R<()> {
        if let Some(range) = self.view(addr, value.len() as u64, operation)? {
            let buffer = self.block(addr).expect("viewed").buffer;
            self.buffers[buffer].bytes[range].copy_from_slice(value);
        }
        Ok(())
    }

    pub fn store_u8(&mut self, addr: u64, value: u8) -> R<()> {
        self.store(addr, &[value], "DataView.prototype.setUint8")
    }

    pub fn store_u64(&mut self, addr: u64, value: u64) -> R<()> {
        self.store(addr, &value.to_le_bytes(), "DataView.prototype.setBigUint64")
    }

    pub fn input_offset(&self) -> u64 {
        address(self.input)
    }

    /// The call's input block, unless the plugin freed it.
    fn input_block(&self) -> Option<&[u8]> {
        self.blocks[self.input].as_ref().map(|block| &self.buffers[block.buffer].bytes[..])
    }

    pub fn input_length(&self) -> u64 {
        self.input_block().map_or(0, |bytes| bytes.len() as u64)
    }

    /// The input's bytes at `addr`'s place (its top 16 bits are ignored).
    fn input_view(&self, addr: u64, width: u64) -> R<Option<&[u8]>> {
        let Some(input) = self.input_block() else { return Ok(None) };
        let place = addr & PLACE_MASK;
        if place + width > input.len() as u64 {
            return Err(thrown(OUTSIDE_VIEW));
        }
        Ok(Some(&input[place as usize..(place + width) as usize]))
    }

    pub fn input_load_u8(&self, addr: u64) -> R<u8> {
        Ok(self.input_view(addr, 1)?.map_or(0, |bytes| bytes[0]))
    }

    pub fn input_load_u64(&self, addr: u64) -> R<u64> {
        let bytes = self.input_view(addr, 8)?.ok_or_else(|| thrown(UNDEFINED_BIGINT))?;
        Ok(u64::from_le_bytes(bytes.try_into().expect("8 bytes")))
    }

    pub fn output_set(&mut self, addr: u64, len: u64) -> R<()> {
        let block = self.block(addr).ok_or_else(|| thrown("cannot assign to this block"))?;
        if (len as i64) > self.byte_length(block) as i64 {
            return Err(thrown("length longer than target block"));
        }
        self.output = Self::index(addr);
        Ok(())
    }

    pub fn error_set(&mut self, addr: u64) -> R<()> {
        self.block(addr).ok_or_else(|| thrown("cannot assign error to this block"))?;
        self.error = Self::index(addr);
        Ok(())
    }

    pub fn error_get(&self) -> u64 {
        self.error.map_or(0, address)
    }

    /// `read(addr)`: the text of the block `addr` names, `None` for no block.
    fn read_text(&self, addr: u64) -> R<Option<String>> {
        let Some(block) = self.block(addr) else { return Ok(None) };
        let bytes = self.worker_bytes(block).ok_or_else(|| detached("DataView constructor"))?;
        Ok(Some(decode(bytes)))
    }

    pub fn config_get(&mut self, addr: u64) -> R<u64> {
        let Some(key) = self.read_text(addr)? else { return Ok(0) };
        let stored = self.config.get(&key).cloned().map(|value| {
            let buffer = self.buffer(value.into_bytes());
            address(self.push_local(buffer))
        });
        self.free(addr);
        Ok(stored.unwrap_or(0))
    }

    pub fn var_get(&mut self, addr: u64) -> R<u64> {
        let Some(key) = self.read_text(addr)? else { return Ok(0) };
        let stored = match self.vars.get(&key).copied() {
            Some(buffer) if self.buffers[buffer].detached => Err(detached("DataView constructor")),
            Some(buffer) => Ok(address(self.push_local(buffer))),
            None => Ok(0),
        };
        self.free(addr);
        stored
    }

    pub fn var_set(&mut self, key_addr: u64, value_addr: u64) -> R<()> {
        let Some(key) = self.read_text(key_addr)? else { return Ok(()) };
        if value_addr == 0 {
            self.vars.remove(&key);
            return Ok(());
        }
        let Some(value) = self.block(value_addr) else { return Ok(()) };
        match self.worker_bytes(value).map(<[u8]>::to_vec) {
            Some(bytes) => {
                let buffer = self.buffer(bytes);
                self.vars.insert(key, buffer);
            }
            None => {
                // The copy throws, and the SDK sets what it threw as the plugin's error.
                let message = "Cannot perform Construct on a detached ArrayBuffer";
                let buffer = self.buffer(message.as_bytes().to_vec());
                self.error = Some(self.push_local(buffer));
            }
        }
        Ok(())
    }

    /// A log message (the SDK logs at `silent` unless told otherwise): its block is freed.
    pub fn log(&mut self, addr: u64) {
        if self.block(addr).is_some() {
            self.free(addr);
        }
    }

    /// What the call left, as the main thread reads it (`END` in the worker, then `call`): the
    /// error block's text, or the output block's bytes; a freed block is a call with no output.
    fn result(&self) -> Option<(bool, &[u8])> {
        let (is_error, index) = match (self.error, self.output) {
            (Some(error), _) => (true, error),
            (None, Some(output)) => (false, output),
            (None, None) => return None,
        };
        let block = self.blocks.get(index)?.as_ref()?;
        Some((is_error, self.main_bytes(block)))
    }

    pub fn error_message(&self) -> Option<R<String>> {
        if let Some(fault) = self.not_followed_fault() {
            return Some(Err(fault));
        }
        match self.result() {
            Some((true, bytes)) => Some(Ok(decode(bytes))),
            _ => None,
        }
    }

    pub fn output(&self) -> R<Vec<u8>> {
        if let Some(fault) = self.not_followed_fault() {
            return Err(fault);
        }
        Ok(match self.result() {
            Some((false, bytes)) => bytes.to_vec(),
            _ => Vec::new(),
        })
    }

    // What Concord's extism-js backend serves a host function from the SDK's call context.

    pub fn read_block(&self, addr: u64) -> R<Vec<u8>> {
        let block =
            self.block(addr).ok_or_else(|| HostFault::kernel(Refusal::NoBlock, format!("no block at {addr}")))?;
        Ok(self.main_bytes(block).to_vec())
    }

    pub fn write_block(&mut self, bytes: &[u8]) -> u64 {
        let buffer = self.buffer(bytes.to_vec());
        address(self.push_local(buffer))
    }

    pub fn input(&self) -> &[u8] {
        &self.input_bytes
    }

    pub fn config(&self, key: &str) -> Option<String> {
        self.config.get(key).cloned()
    }
}
