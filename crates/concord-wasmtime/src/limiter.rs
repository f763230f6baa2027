use wasmtime::ResourceLimiter;

/// Enforces the memory limit the way `StoreLimits` does (growth past it fails, `memory.grow`
/// returns -1) and remembers whether it refused, so a failed instantiation can say why.
#[derive(Debug, Default)]
pub struct MemoryLimiter {
    pub max_bytes: Option<usize>,
    pub refused: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.max_bytes.is_none_or(|max| desired <= max) && maximum.is_none_or(|max| desired <= max);
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(maximum.is_none_or(|max| desired <= max))
    }
}
