//! The host side of the plugin ABI (`extism:host/env`), written once in plain Rust. Backends only
//! link these functions; what they do is identical on every engine.

mod arena;
#[cfg(test)]
mod fuzz;
mod sdk;
#[cfg(test)]
mod tests;
mod typed;

pub use arena::Arena;
pub use sdk::{NOT_FOLLOWED, SdkKernel, WORKER_OUT_OF_MEMORY};
pub use typed::{KernelFn, KernelHost};

use concord_engine::{HostFault, KernelAccess};
use concord_engine::{InstanceData, KernelRules, Refusal};
use std::collections::BTreeMap;

pub const ENV_MODULE: &str = "extism:host/env";

/// Extism's default var store size.
const VAR_STORE_LIMIT: usize = 1024 * 1024;
const LOG_LIMIT: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

#[derive(Debug)]
pub struct Kernel {
    arena: Arena,
    input: Vec<u8>,
    /// The block holding a copy of the input, made the first time a guest asks where the input
    /// is (`input_offset`): Extism's kernel keeps the input in a block of its memory, and a guest
    /// may read it there with `load_u8`/`load_u64`.
    input_block: Option<u64>,
    output: (u64, u64),
    error: u64,
    config: BTreeMap<String, String>,
    /// Vars outlive calls on one instance, as in Extism.
    vars: BTreeMap<String, Vec<u8>>,
    logs: Vec<(LogLevel, String)>,
    instance_data: InstanceData,
    rules: KernelRules,
    /// Under [`KernelRules::ExtismJs`], the JavaScript SDK's kernel, which answers every kernel
    /// call in place of the arena.
    sdk: Option<Box<SdkKernel>>,
}

impl Kernel {
    pub fn new(memory_limit: Option<concord_engine::MemoryLimit>, config: BTreeMap<String, String>) -> Self {
        Kernel {
            arena: Arena::new(memory_limit),
            input: Vec::new(),
            input_block: None,
            output: (0, 0),
            error: 0,
            config,
            vars: BTreeMap::new(),
            logs: Vec::new(),
            instance_data: InstanceData::default(),
            rules: KernelRules::Checked,
            sdk: None,
        }
    }

    /// This kernel following another host's rules (see [`KernelRules`]).
    pub fn following(self, rules: KernelRules) -> Self {
        let sdk =
            (rules == KernelRules::ExtismJs).then(|| Box::new(SdkKernel::new(self.arena.limit(), self.config.clone())));
        Kernel { rules, sdk, ..self }
    }

    pub fn rules(&self) -> KernelRules {
        self.rules
    }

    /// Under Extism's rules a load or input load is not checked: it reads what the kernel's memory
    /// holds; here 0.
    fn unchecked<T: Default>(&self, loaded: Result<T, HostFault>) -> Result<T, HostFault> {
        match (loaded, self.rules) {
            (Err(HostFault::Kernel(_)), KernelRules::Extism) => Ok(T::default()),
            (loaded, _) => loaded,
        }
    }

    pub fn begin_call(&mut self, input: &[u8]) {
        if let Some(sdk) = &mut self.sdk {
            sdk.begin_call(input);
        }
        self.arena.reset();
        self.input.clear();
        self.input.extend_from_slice(input);
        self.input_block = None;
        self.output = (0, 0);
        self.error = 0;
        self.logs.clear();
    }

    /// Where the input is in kernel memory (0 for an empty input, as Extism's empty block).
    pub fn input_offset(&mut self) -> Result<u64, HostFault> {
        if let Some(sdk) = &self.sdk {
            return Ok(sdk.input_offset());
        }
        if let Some(offset) = self.input_block {
            return Ok(offset);
        }
        let offset = self.arena.alloc(self.input.len() as u64).map_err(|e| e.within("input_offset"))?;
        if offset != 0 {
            self.arena.write(offset, &self.input).map_err(|e| e.within("input_offset"))?;
        }
        self.input_block = Some(offset);
        Ok(offset)
    }

    /// Makes `len` bytes at `offset` the input, as the host does before a call; a guest that calls
    /// it gets the same, within a live block.
    pub fn input_set(&mut self, offset: u64, len: u64) -> Result<(), HostFault> {
        let bytes = match (offset, len) {
            (0, 0) => Vec::new(),
            _ => self.arena.read(offset, len).map_err(|e| e.within("input_set"))?.to_vec(),
        };
        self.input = bytes;
        self.input_block = Some(offset);
        Ok(())
    }

    pub fn output_offset(&self) -> u64 {
        self.output.0
    }

    pub fn output_length(&self) -> u64 {
        self.output.1
    }

    /// Frees every block and forgets the input, output and error, as Extism's `reset` does.
    pub fn reset(&mut self) {
        self.arena.reset();
        self.input.clear();
        self.input_block = None;
        self.output = (0, 0);
        self.error = 0;
    }

    /// The kernel memory's size in bytes, in whole 64 KiB pages as Extism's kernel reports it.
    pub fn memory_bytes(&self) -> u64 {
        self.arena.footprint().div_ceil(concord_engine::WASM_PAGE).max(1) * concord_engine::WASM_PAGE
    }

    /// The bytes the guest passed to `output_set` this call. A bad output range is reported, not trusted.
    #[inline]
    pub fn output(&self) -> Result<Vec<u8>, HostFault> {
        if let Some(sdk) = &self.sdk {
            return sdk.output();
        }
        match (self.output, self.rules) {
            ((0, _), _) => Ok(Vec::new()),
            ((offset, len), KernelRules::Extism) => self.arena.read_unchecked(offset, len),
            ((offset, len), _) => self.arena.read(offset, len).map(<[u8]>::to_vec),
        }
    }

    /// The message the guest passed to `error_set` this call, if it set one.
    pub fn error_message(&self) -> Option<Result<String, HostFault>> {
        if let Some(sdk) = &self.sdk {
            return sdk.error_message();
        }
        (self.error != 0).then(|| self.arena.block(self.error).map(|bytes| String::from_utf8_lossy(bytes).into_owned()))
    }

    pub fn arena(&self) -> &Arena {
        &self.arena
    }

    pub fn logs(&self) -> &[(LogLevel, String)] {
        &self.logs
    }

    pub fn input_length(&self) -> u64 {
        if let Some(sdk) = &self.sdk {
            return sdk.input_length();
        }
        self.input.len() as u64
    }

    pub fn input_load_u8(&self, offset: u64) -> Result<u8, HostFault> {
        if let Some(sdk) = &self.sdk {
            return sdk.input_load_u8(offset);
        }
        self.unchecked(self.input_byte(offset))
    }

    fn input_byte(&self, offset: u64) -> Result<u8, HostFault> {
        self.input.get(offset as usize).copied().ok_or_else(|| {
            fault(
                "input_load_u8",
                Refusal::PastInput,
                format!("offset {offset} is past the input's {} bytes", self.input.len()),
            )
        })
    }

    pub fn input_load_u64(&self, offset: u64) -> Result<u64, HostFault> {
        if let Some(sdk) = &self.sdk {
            return sdk.input_load_u64(offset);
        }
        self.unchecked(self.input_word(offset))
    }

    fn input_word(&self, offset: u64) -> Result<u64, HostFault> {
        offset
            .checked_add(8)
            .filter(|&end| end <= self.input.len() as u64)
            .map(|end| u64::from_le_bytes(self.input[offset as usize..end as usize].try_into().expect("8 bytes")))
            .ok_or_else(|| {
                fault(
                    "input_load_u64",
                    Refusal::PastInput,
                    format!("8 bytes at offset {offset} run past the input's {} bytes", self.input.len()),
                )
            })
    }

    pub fn alloc(&mut self, len: u64) -> Result<u64, HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return sdk.alloc(len);
        }
        self.arena.alloc(len).map_err(|e| e.within("alloc"))
    }

    pub fn free(&mut self, offset: u64) -> Result<(), HostFault> {
        if let Some(sdk) = &mut self.sdk {
            sdk.free(offset);
            return Ok(());
        }
        self.arena.free(offset);
        Ok(())
    }

    pub fn length(&self, offset: u64) -> u64 {
        if let Some(sdk) = &self.sdk {
            return sdk.length(offset);
        }
        self.arena.length(offset)
    }

    pub fn length_unsafe(&self, offset: u64) -> u64 {
        if let Some(sdk) = &self.sdk {
            return sdk.length(offset);
        }
        self.arena.length_unchecked(offset)
    }

    #[inline]
    pub fn load_u8(&self, offset: u64) -> Result<u8, HostFault> {
        if let Some(sdk) = &self.sdk {
            return sdk.load_u8(offset);
        }
        match self.arena.read(offset, 1) {
            Ok(bytes) => Ok(bytes[0]),
            Err(e) => self.unchecked(Err(e.within("load_u8"))),
        }
    }

    #[inline]
    pub fn load_u64(&self, offset: u64) -> Result<u64, HostFault> {
        if let Some(sdk) = &self.sdk {
            return sdk.load_u64(offset);
        }
        match self.arena.read(offset, 8) {
            Ok(bytes) => Ok(u64::from_le_bytes(bytes.try_into().expect("8 bytes"))),
            Err(e) => self.unchecked(Err(e.within("load_u64"))),
        }
    }

    #[inline]
    pub fn store_u8(&mut self, offset: u64, value: u8) -> Result<(), HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return sdk.store_u8(offset, value);
        }
        self.arena.write(offset, &[value]).map_err(|e| e.within("store_u8"))
    }

    #[inline]
    pub fn store_u64(&mut self, offset: u64, value: u64) -> Result<(), HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return sdk.store_u64(offset, value);
        }
        self.arena.write(offset, &value.to_le_bytes()).map_err(|e| e.within("store_u64"))
    }

    /// Under Extism's rules the range is taken as it is: reading the output checks it then.
    pub fn output_set(&mut self, offset: u64, len: u64) -> Result<(), HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return sdk.output_set(offset, len);
        }
        if (offset != 0 || len != 0) && self.rules != KernelRules::Extism {
            self.arena.read(offset, len).map_err(|e| e.within("output_set"))?;
        }
        self.output = (offset, len);
        Ok(())
    }

    pub fn error_set(&mut self, offset: u64) -> Result<(), HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return sdk.error_set(offset);
        }
        if offset != 0 {
            match (self.arena.block(offset), self.rules) {
                (Ok(_), _) => {}
                (Err(_), KernelRules::Extism) => return Ok(()),
                (Err(e), _) => return Err(e.within("error_set")),
            }
        }
        self.error = offset;
        Ok(())
    }

    pub fn error_get(&self) -> u64 {
        if let Some(sdk) = &self.sdk {
            return sdk.error_get();
        }
        self.error
    }

    /// The UTF-8 text of the block at `offset` (0 is the empty block).
    fn block_str(&self, offset: u64, function: &str, what: &str) -> Result<String, HostFault> {
        let bytes = self.arena.block(offset).map_err(|e| e.within(function))?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| fault(function, Refusal::NotUtf8, format!("the {what} at {offset} is not UTF-8")))
    }

    /// [`Kernel::block_str`], taking ownership of the block and freeing it, as Extism's host
    /// functions do with the key and message handles they are given.
    fn take_str(&mut self, offset: u64, function: &str, what: &str) -> Result<String, HostFault> {
        let text = self.block_str(offset, function, what)?;
        self.arena.free(offset);
        Ok(text)
    }

    pub fn config_get(&mut self, key_offset: u64) -> Result<u64, HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return sdk.config_get(key_offset);
        }
        let key = self.take_str(key_offset, "config_get", "key")?;
        match self.config.get(&key).cloned() {
            Some(value) => self.arena.alloc_bytes(value.as_bytes()).map_err(|e| e.within("config_get")),
            None => Ok(0),
        }
    }

    pub fn var_get(&mut self, key_offset: u64) -> Result<u64, HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return sdk.var_get(key_offset);
        }
        let key = self.take_str(key_offset, "var_get", "key")?;
        match self.vars.get(&key).cloned() {
            Some(value) => self.arena.alloc_bytes(&value).map_err(|e| e.within("var_get")),
            None => Ok(0),
        }
    }

    /// Sets (or, for value offset 0, removes) a var. Both blocks are taken and freed, as in Extism.
    /// Both blocks are read before either is freed (they may be the same block).
    pub fn var_set(&mut self, key_offset: u64, value_offset: u64) -> Result<(), HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return sdk.var_set(key_offset, value_offset);
        }
        let key = self.block_str(key_offset, "var_set", "key")?;
        if value_offset == 0 {
            self.arena.free(key_offset);
            self.vars.remove(&key);
            return Ok(());
        }
        let value = self.arena.block(value_offset).map_err(|e| e.within("var_set"))?.to_vec();
        let stored: usize = self.vars.iter().filter(|(k, _)| **k != key).map(|(k, v)| k.len() + v.len()).sum();
        if stored + key.len() + value.len() > VAR_STORE_LIMIT {
            return Err(fault("var_set", Refusal::StoreFull, "the var store is full"));
        }
        self.arena.free(value_offset);
        self.arena.free(key_offset);
        self.vars.insert(key, value);
        Ok(())
    }

    pub fn log(&mut self, level: LogLevel, offset: u64) -> Result<(), HostFault> {
        if let Some(sdk) = &mut self.sdk {
            sdk.log(offset);
            return Ok(());
        }
        if self.rules == KernelRules::Extism {
            if self.arena.length(offset) != 0 {
                self.arena.free(offset);
            }
            return Ok(());
        }
        let function = level.function();
        let message = String::from_utf8_lossy(self.arena.block(offset).map_err(|e| e.within(function))?).into_owned();
        self.arena.free(offset);
        if self.logs.len() < LOG_LIMIT {
            self.logs.push((level, message));
        }
        Ok(())
    }
}

fn fault(function: &str, refusal: Refusal, reason: impl Into<String>) -> HostFault {
    HostFault::Kernel(Box::new(concord_engine::KernelFault::new(function, refusal, reason)))
}

impl LogLevel {
    fn function(self) -> &'static str {
        match self {
            LogLevel::Trace => "log_trace",
            LogLevel::Debug => "log_debug",
            LogLevel::Info => "log_info",
            LogLevel::Warn => "log_warn",
            LogLevel::Error => "log_error",
        }
    }
}

impl KernelAccess for Kernel {
    fn read_block(&mut self, offset: u64) -> Result<Vec<u8>, HostFault> {
        if let Some(sdk) = &self.sdk {
            return sdk.read_block(offset);
        }
        Ok(self.arena.block(offset)?.to_vec())
    }

    fn write_block(&mut self, bytes: &[u8]) -> Result<u64, HostFault> {
        if let Some(sdk) = &mut self.sdk {
            return Ok(sdk.write_block(bytes));
        }
        self.arena.alloc_bytes(bytes)
    }

    fn block_length(&mut self, offset: u64) -> u64 {
        self.length(offset)
    }

    fn alloc(&mut self, len: u64) -> Result<u64, HostFault> {
        Kernel::alloc(self, len)
    }

    fn write_into(&mut self, block: u64, at: u64, bytes: &[u8]) -> Result<(), HostFault> {
        if let Some(sdk) = &mut self.sdk {
            let len = sdk.length(block);
            if at.checked_add(bytes.len() as u64).is_none_or(|end| end > len) {
                return Err(HostFault::kernel(
                    Refusal::PastEnd,
                    format!("{} bytes at {at} do not fit block {block}", bytes.len()),
                ));
            }
            return bytes.iter().zip(block + at..).try_for_each(|(&byte, offset)| sdk.store_u8(offset, byte));
        }
        let len = self.arena.block(block)?.len() as u64;
        if at.checked_add(bytes.len() as u64).is_none_or(|end| end > len) {
            return Err(HostFault::kernel(
                Refusal::PastEnd,
                format!("{} bytes at {at} do not fit block {block} of {len} bytes", bytes.len()),
            ));
        }
        self.arena.write(block + at, bytes)
    }

    fn free(&mut self, block: u64) -> Result<(), HostFault> {
        Kernel::free(self, block)
    }

    fn input(&mut self) -> Vec<u8> {
        if let Some(sdk) = &self.sdk {
            return sdk.input().to_vec();
        }
        self.input.clone()
    }

    fn config(&mut self, key: &str) -> Option<String> {
        if let Some(sdk) = &self.sdk {
            return sdk.config(key);
        }
        self.config.get(key).cloned()
    }

    fn instance_data(&mut self) -> &mut InstanceData {
        &mut self.instance_data
    }
}
