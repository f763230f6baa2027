//! The host side of the plugin ABI (`extism:host/env`), written once in plain Rust. Backends only
//! link these functions; what they do is identical on every engine.

mod arena;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;
mod typed;

pub use arena::Arena;
pub use typed::{KernelFn, KernelHost};

use crate::host::{HostFault, KernelAccess};
use std::collections::BTreeMap;

pub const ENV_MODULE: &str = "extism:host/env";

/// Extism's default var store size.
const VAR_STORE_LIMIT: usize = 1024 * 1024;
const LOG_LIMIT: usize = 1024;
/// Arena size when the instance has no memory limit.
const UNLIMITED_ARENA: u64 = 1 << 32;

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
    output: (u64, u64),
    error: u64,
    config: BTreeMap<String, String>,
    /// Vars outlive calls on one instance, as in Extism.
    vars: BTreeMap<String, Vec<u8>>,
    logs: Vec<(LogLevel, String)>,
}

impl Kernel {
    pub fn new(memory_limit_bytes: Option<u64>, config: BTreeMap<String, String>) -> Self {
        Kernel {
            arena: Arena::new(memory_limit_bytes.unwrap_or(UNLIMITED_ARENA)),
            input: Vec::new(),
            output: (0, 0),
            error: 0,
            config,
            vars: BTreeMap::new(),
            logs: Vec::new(),
        }
    }

    pub fn begin_call(&mut self, input: &[u8]) {
        self.arena.reset();
        self.input.clear();
        self.input.extend_from_slice(input);
        self.output = (0, 0);
        self.error = 0;
        self.logs.clear();
    }

    /// The bytes the guest passed to `output_set` this call. A bad output range is reported, not trusted.
    #[inline]
    pub fn output(&self) -> Result<Vec<u8>, HostFault> {
        match self.output {
            (0, _) => Ok(Vec::new()),
            (offset, len) => self.arena.read(offset, len).map(<[u8]>::to_vec),
        }
    }

    /// The message the guest passed to `error_set` this call, if it set one.
    pub fn error_message(&self) -> Option<Result<String, HostFault>> {
        (self.error != 0).then(|| self.arena.block(self.error).map(|bytes| String::from_utf8_lossy(bytes).into_owned()))
    }

    pub fn arena(&self) -> &Arena {
        &self.arena
    }

    pub fn logs(&self) -> &[(LogLevel, String)] {
        &self.logs
    }

    pub fn input_length(&self) -> u64 {
        self.input.len() as u64
    }

    pub fn input_load_u8(&self, offset: u64) -> Result<u8, HostFault> {
        self.input
            .get(offset as usize)
            .copied()
            .ok_or_else(|| HostFault::Kernel(format!("input offset {offset} past input length {}", self.input.len())))
    }

    pub fn input_load_u64(&self, offset: u64) -> Result<u64, HostFault> {
        offset
            .checked_add(8)
            .filter(|&end| end <= self.input.len() as u64)
            .map(|end| u64::from_le_bytes(self.input[offset as usize..end as usize].try_into().expect("8 bytes")))
            .ok_or_else(|| HostFault::Kernel(format!("input offset {offset}+8 past input length {}", self.input.len())))
    }

    pub fn alloc(&mut self, len: u64) -> Result<u64, HostFault> {
        self.arena.alloc(len)
    }

    pub fn free(&mut self, offset: u64) -> Result<(), HostFault> {
        self.arena.free(offset)
    }

    pub fn length(&self, offset: u64) -> u64 {
        self.arena.length(offset)
    }

    pub fn length_unsafe(&self, offset: u64) -> u64 {
        self.arena.length_unchecked(offset)
    }

    pub fn load_u8(&self, offset: u64) -> Result<u8, HostFault> {
        Ok(self.arena.read(offset, 1)?[0])
    }

    pub fn load_u64(&self, offset: u64) -> Result<u64, HostFault> {
        Ok(u64::from_le_bytes(self.arena.read(offset, 8)?.try_into().expect("8 bytes")))
    }

    pub fn store_u8(&mut self, offset: u64, value: u8) -> Result<(), HostFault> {
        self.arena.write(offset, &[value])
    }

    pub fn store_u64(&mut self, offset: u64, value: u64) -> Result<(), HostFault> {
        self.arena.write(offset, &value.to_le_bytes())
    }

    pub fn output_set(&mut self, offset: u64, len: u64) -> Result<(), HostFault> {
        if offset != 0 || len != 0 {
            self.arena.read(offset, len)?;
        }
        self.output = (offset, len);
        Ok(())
    }

    pub fn error_set(&mut self, offset: u64) -> Result<(), HostFault> {
        if offset != 0 && !self.arena.is_live_block(offset) {
            return Err(HostFault::Kernel(format!("error_set({offset}): not a live block")));
        }
        self.error = offset;
        Ok(())
    }

    pub fn error_get(&self) -> u64 {
        self.error
    }

    fn block_str(&self, offset: u64, what: &str) -> Result<String, HostFault> {
        let bytes = self.arena.block(offset).map_err(|_| HostFault::Kernel(format!("{what}: bad offset {offset}")))?;
        String::from_utf8(bytes.to_vec()).map_err(|_| HostFault::Kernel(format!("{what}: not UTF-8")))
    }

    pub fn config_get(&mut self, key_offset: u64) -> Result<u64, HostFault> {
        let key = self.block_str(key_offset, "config_get key")?;
        match self.config.get(&key).cloned() {
            Some(value) => self.arena.alloc_bytes(value.as_bytes()),
            None => Ok(0),
        }
    }

    pub fn var_get(&mut self, key_offset: u64) -> Result<u64, HostFault> {
        let key = self.block_str(key_offset, "var_get key")?;
        match self.vars.get(&key).cloned() {
            Some(value) => self.arena.alloc_bytes(&value),
            None => Ok(0),
        }
    }

    pub fn var_set(&mut self, key_offset: u64, value_offset: u64) -> Result<(), HostFault> {
        let key = self.block_str(key_offset, "var_set key")?;
        if value_offset == 0 {
            self.vars.remove(&key);
            return Ok(());
        }
        let value = self.arena.block(value_offset)?.to_vec();
        let stored: usize = self.vars.iter().filter(|(k, _)| **k != key).map(|(k, v)| k.len() + v.len()).sum();
        if stored + key.len() + value.len() > VAR_STORE_LIMIT {
            return Err(HostFault::Kernel("var store is full".into()));
        }
        self.vars.insert(key, value);
        Ok(())
    }

    pub fn log(&mut self, level: LogLevel, offset: u64) -> Result<(), HostFault> {
        let message = String::from_utf8_lossy(self.arena.block(offset)?).into_owned();
        if self.logs.len() < LOG_LIMIT {
            self.logs.push((level, message));
        }
        Ok(())
    }
}

impl KernelAccess for Kernel {
    fn read_block(&mut self, offset: u64) -> Result<Vec<u8>, HostFault> {
        Ok(self.arena.block(offset)?.to_vec())
    }

    fn write_block(&mut self, bytes: &[u8]) -> Result<u64, HostFault> {
        self.arena.alloc_bytes(bytes)
    }
}
