//! The flow runtime's documented memory policy, which its own host leaves unenforced.

use crate::error::ActorError;
use concord_engine::MemoryLimit;
use serde_json::{Map, Value};

pub const DEFAULT_MEMORY_LIMIT_MB: u64 = 16;
pub const MEMORY_LIMIT_CEILING_MB: u64 = 100;
/// The actor config key that asks for a different limit.
pub const MEMORY_LIMIT_KEY: &str = "memory_limit_mb";

/// The engine memory limit for an actor with this config: its `memory_limit_mb`, or the default,
/// clamped to the ceiling.
pub fn memory_limit(config: &Map<String, Value>) -> Result<MemoryLimit, ActorError> {
    let mb = match config.get(MEMORY_LIMIT_KEY) {
        None | Some(Value::Null) => DEFAULT_MEMORY_LIMIT_MB,
        Some(value) => match value.as_u64() {
            Some(mb) if mb > 0 => mb,
            _ => return Err(ActorError::BadMemoryLimit(value.to_string())),
        },
    };
    Ok(MemoryLimit::from_mib(mb.min(MEMORY_LIMIT_CEILING_MB)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limit(config: Value) -> Result<MemoryLimit, ActorError> {
        memory_limit(config.as_object().unwrap())
    }

    #[test]
    fn default_request_and_ceiling() {
        assert_eq!(limit(json!({})), Ok(MemoryLimit::from_mib(16)));
        assert_eq!(limit(json!({"memory_limit_mb": null})), Ok(MemoryLimit::from_mib(16)));
        assert_eq!(limit(json!({"memory_limit_mb": 64})), Ok(MemoryLimit::from_mib(64)));
        assert_eq!(limit(json!({"memory_limit_mb": 100})), Ok(MemoryLimit::from_mib(100)));
        assert_eq!(limit(json!({"memory_limit_mb": 101})), Ok(MemoryLimit::from_mib(100)));
        assert_eq!(limit(json!({"memory_limit_mb": u64::MAX})), Ok(MemoryLimit::from_mib(100)));
    }

    #[test]
    fn nonsense_is_refused_not_guessed() {
        for bad in [json!(0), json!(-1), json!(1.5), json!("64")] {
            assert!(matches!(limit(json!({"memory_limit_mb": bad})), Err(ActorError::BadMemoryLimit(_))), "{bad}");
        }
    }
}
