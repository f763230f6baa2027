//! The kernel functions a host module may import, served through [`KernelAccess`].
//!
//! A host function sees the plugin's kernel as Extism lets a host function see it: blocks, not
//! the arena. So a host module's loads and stores must fall inside a block it was handed (it asks
//! its `length`, or reads from its start) or allocated itself; anything else is refused the same
//! way whichever engine runs the plugin.

use concord_engine::{HostFault, KernelAccess, Refusal, Val, ValType};
use concord_host::kernel::{ENV_MODULE, KernelFn};

/// A kernel function a host module imports from `extism:host/env`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelCall {
    Alloc,
    Free,
    Length,
    LoadU8,
    LoadU64,
    StoreU8,
    StoreU64,
    InputLength,
    InputLoadU8,
    InputLoadU64,
    ConfigGet,
}

impl KernelCall {
    pub const ALL: [KernelCall; 11] = [
        KernelCall::Alloc,
        KernelCall::Free,
        KernelCall::Length,
        KernelCall::LoadU8,
        KernelCall::LoadU64,
        KernelCall::StoreU8,
        KernelCall::StoreU64,
        KernelCall::InputLength,
        KernelCall::InputLoadU8,
        KernelCall::InputLoadU64,
        KernelCall::ConfigGet,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KernelCall::Alloc => "alloc",
            KernelCall::Free => "free",
            KernelCall::Length => "length",
            KernelCall::LoadU8 => "load_u8",
            KernelCall::LoadU64 => "load_u64",
            KernelCall::StoreU8 => "store_u8",
            KernelCall::StoreU64 => "store_u64",
            KernelCall::InputLength => "input_length",
            KernelCall::InputLoadU8 => "input_load_u8",
            KernelCall::InputLoadU64 => "input_load_u64",
            KernelCall::ConfigGet => "config_get",
        }
    }

    pub fn find(name: &str) -> Option<KernelCall> {
        KernelCall::ALL.into_iter().find(|call| call.name() == name)
    }

    /// The signature: the kernel's own for the function, as a plugin imports it.
    pub fn signature(self) -> (&'static [ValType], &'static [ValType]) {
        let function = KernelFn::find(ENV_MODULE, self.name()).expect("every kernel call is a kernel function");
        (function.params(), function.results())
    }
}

/// What one host-function call has seen of the kernel: the blocks it may touch, read once.
#[derive(Default)]
pub struct CallView {
    blocks: Vec<(u64, Vec<u8>)>,
    input: Option<Vec<u8>>,
}

fn refuse(refusal: Refusal, reason: String) -> HostFault {
    HostFault::kernel(refusal, format!("host module: {reason}"))
}

impl CallView {
    /// Runs `call` with `args` (already checked against its signature by the interpreter).
    pub fn serve(
        &mut self,
        kernel: &mut dyn KernelAccess,
        call: KernelCall,
        args: &[Val],
    ) -> Result<Option<Val>, HostFault> {
        let arg = |i: usize| args.get(i).map_or(Ok(0), Val::as_u64);
        let result = match call {
            KernelCall::Alloc => Some(Val::I64(self.alloc(kernel, arg(0)?)? as i64)),
            KernelCall::Free => {
                let block = arg(0)?;
                kernel.free(block)?;
                self.blocks.retain(|(start, _)| *start != block);
                None
            }
            KernelCall::Length => Some(Val::I64(self.length(kernel, arg(0)?) as i64)),
            KernelCall::LoadU8 => Some(Val::I32(self.load(kernel, arg(0)?, 1)?[0] as i32)),
            KernelCall::LoadU64 => {
                let bytes = self.load(kernel, arg(0)?, 8)?;
                Some(Val::I64(u64::from_le_bytes(bytes.try_into().expect("8 bytes")) as i64))
            }
            KernelCall::StoreU8 => {
                self.store(kernel, arg(0)?, &[arg(1)? as u8])?;
                None
            }
            KernelCall::StoreU64 => {
                self.store(kernel, arg(0)?, &arg(1)?.to_le_bytes())?;
                None
            }
            KernelCall::InputLength => Some(Val::I64(self.input(kernel).len() as i64)),
            KernelCall::InputLoadU8 => Some(Val::I32(self.input_bytes(kernel, arg(0)?, 1)?[0] as i32)),
            KernelCall::InputLoadU64 => {
                let bytes = self.input_bytes(kernel, arg(0)?, 8)?;
                Some(Val::I64(u64::from_le_bytes(bytes.try_into().expect("8 bytes")) as i64))
            }
            KernelCall::ConfigGet => {
                let key = kernel.read_block(arg(0)?)?;
                let key = String::from_utf8(key)
                    .map_err(|_| refuse(Refusal::NotUtf8, "a config key that is not UTF-8".into()))?;
                let offset = match kernel.config(&key) {
                    Some(value) => kernel.write_block(value.as_bytes())?,
                    None => 0,
                };
                Some(Val::I64(offset as i64))
            }
        };
        Ok(result)
    }

    /// Zeroed, so what a host module reads before writing is the same on every kernel.
    fn alloc(&mut self, kernel: &mut dyn KernelAccess, len: u64) -> Result<u64, HostFault> {
        let block = kernel.alloc(len)?;
        if block != 0 {
            let zeros = vec![0; len as usize];
            kernel.write_into(block, 0, &zeros)?;
            self.blocks.push((block, zeros));
        }
        Ok(block)
    }

    fn length(&mut self, kernel: &mut dyn KernelAccess, block: u64) -> u64 {
        self.block_at(kernel, block).map_or(0, |index| self.blocks[index].1.len() as u64)
    }

    /// The known block that starts at `offset`, read now if it is live and not yet known.
    fn block_at(&mut self, kernel: &mut dyn KernelAccess, offset: u64) -> Option<usize> {
        if let Some(index) = self.blocks.iter().position(|(start, _)| *start == offset) {
            return Some(index);
        }
        if offset == 0 || kernel.block_length(offset) == 0 {
            return None;
        }
        let bytes = kernel.read_block(offset).ok()?;
        self.blocks.push((offset, bytes));
        Some(self.blocks.len() - 1)
    }

    /// The block holding `offset..offset + len`, and where in it the range starts.
    fn containing(
        &mut self,
        kernel: &mut dyn KernelAccess,
        offset: u64,
        len: u64,
    ) -> Result<(usize, usize), HostFault> {
        let found =
            self.blocks.iter().position(|(start, bytes)| (*start..*start + bytes.len() as u64).contains(&offset));
        let index = found.or_else(|| self.block_at(kernel, offset)).ok_or_else(|| {
            refuse(
                Refusal::NoBlock,
                format!("{offset} is in no block this host function was given or allocated (ask its length first)"),
            )
        })?;
        let (start, bytes) = &self.blocks[index];
        let at = offset - start;
        if at + len > bytes.len() as u64 {
            return Err(refuse(
                Refusal::PastEnd,
                format!("{len} bytes at {offset} run past the end of block {start} ({} bytes)", bytes.len()),
            ));
        }
        Ok((index, at as usize))
    }

    fn load(&mut self, kernel: &mut dyn KernelAccess, offset: u64, len: u64) -> Result<Vec<u8>, HostFault> {
        let (index, at) = self.containing(kernel, offset, len)?;
        Ok(self.blocks[index].1[at..at + len as usize].to_vec())
    }

    fn store(&mut self, kernel: &mut dyn KernelAccess, offset: u64, bytes: &[u8]) -> Result<(), HostFault> {
        let (index, at) = self.containing(kernel, offset, bytes.len() as u64)?;
        let (start, cached) = &mut self.blocks[index];
        kernel.write_into(*start, at as u64, bytes)?;
        cached[at..at + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    fn input(&mut self, kernel: &mut dyn KernelAccess) -> &[u8] {
        self.input.get_or_insert_with(|| kernel.input())
    }

    fn input_bytes(&mut self, kernel: &mut dyn KernelAccess, offset: u64, len: u64) -> Result<Vec<u8>, HostFault> {
        let input = self.input(kernel);
        let range =
            offset.checked_add(len).filter(|end| *end <= input.len() as u64).map(|end| offset as usize..end as usize);
        let size = input.len();
        match range {
            Some(range) => Ok(input[range].to_vec()),
            None => {
                Err(refuse(Refusal::PastInput, format!("{len} bytes at {offset} run past the input's {size} bytes")))
            }
        }
    }
}
