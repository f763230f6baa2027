use wasmtime::ResourceLimiter;

/// Enforces the memory limit the way `StoreLimits` does (growth past it fails, `memory.grow`
/// returns -1) and remembers whether it refused, so a failed instantiation can say why.
#[derive(Debug, Default)]
pub struct MemoryLimiter {
    pub max_bytes: Option<usize>,
    pub refused: bool,
    /// A grow past the limit ends the call instead of failing (`MemoryLimitRule::EndsTheCall`).
    pub ends_the_call: bool,
}

/// The error a grow past the limit ends the call with, under `MemoryLimitRule::EndsTheCall`.
#[derive(Debug)]
pub struct MemoryLimitEnded;

impl std::fmt::Display for MemoryLimitEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a memory.grow past the memory limit ended the call")
    }
}

impl std::error::Error for MemoryLimitEnded {}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let within_limit = self.max_bytes.is_none_or(|max| desired <= max);
        let allowed = within_limit && maximum.is_none_or(|max| desired <= max);
        self.refused |= !allowed;
        if !within_limit && self.ends_the_call {
            return Err(wasmtime::Error::new(MemoryLimitEnded));
        }
        Ok(allowed)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(maximum.is_none_or(|max| desired <= max))
    }
}
