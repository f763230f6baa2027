use concord_engine::MemoryLimitRule;
use wasmtime::ResourceLimiter;

/// Enforces the memory limit by the configured rule and remembers whether it refused, so a failed
/// instantiation can say why.
#[derive(Debug)]
pub struct MemoryLimiter {
    pub max_bytes: Option<usize>,
    pub refused: bool,
    pub rule: MemoryLimitRule,
    /// Under `ExtismLimiter`: the bytes growth may still add (Extism's `bytes_left`).
    pub bytes_left: usize,
}

/// The error a grow the limit refuses ends the call with, under `MemoryLimitRule::ExtismLimiter`.
#[derive(Debug)]
pub struct MemoryLimitEnded;

impl std::fmt::Display for MemoryLimitEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a memory.grow past the memory limit ended the call")
    }
}

impl std::error::Error for MemoryLimitEnded {}

impl MemoryLimiter {
    pub fn new(max_bytes: Option<usize>, rule: MemoryLimitRule) -> Self {
        MemoryLimiter { max_bytes, refused: false, rule, bytes_left: max_bytes.unwrap_or(usize::MAX) }
    }

    /// Called once the instance is made: Extism's limiter counts growth from here on, so the
    /// initial memories cost nothing (`Plugin::instantiate` resets it).
    pub fn instantiated(&mut self) {
        self.bytes_left = self.max_bytes.unwrap_or(usize::MAX);
    }

    /// `MemoryLimiter::memory_growing` of extism 1.41 (`src/current_plugin.rs`), which only runs
    /// when the manifest sets a max: a grow to the memory's own declared maximum or past it fails
    /// the call, and so does one adding more bytes than are left.
    fn extism_grow(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if self.max_bytes.is_none() {
            return Ok(maximum.is_none_or(|max| desired <= max));
        }
        let added = desired - current;
        if maximum.is_some_and(|max| desired >= max) || added > self.bytes_left {
            self.refused = true;
            return Err(wasmtime::Error::new(MemoryLimitEnded));
        }
        self.bytes_left -= added;
        Ok(true)
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if self.rule == MemoryLimitRule::ExtismLimiter {
            return self.extism_grow(current, desired, maximum);
        }
        let within_limit = self.max_bytes.is_none_or(|max| desired <= max);
        let allowed = within_limit && maximum.is_none_or(|max| desired <= max);
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(maximum.is_none_or(|max| desired <= max))
    }
}
