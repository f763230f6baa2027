//! The flow runtime's documented memory policy, which its own host leaves unenforced.

use crate::error::ActorError;
use serde_json::{Map, Value};

pub const DEFAULT_MEMORY_LIMIT_MB: u64 = 16;
pub const MEMORY_LIMIT_CEILING_MB: u64 = 100;
/// The actor config key that asks for a different limit.
pub const MEMORY_LIMIT_KEY: &str = "memory_limit_mb";
const MIB: u64 = 1024 * 1024;

/// The engine memory limit for an actor with this config: its `memory_limit_mb`, or the default,
/// clamped to the ceiling.
pub fn memory_limit_bytes(config: &Map<String, Value>) -> Result<u64, ActorError> {
    let mb = match config.get(MEMORY_LIMIT_KEY) {
        None | Some(Value::Null) => DEFAULT_MEMORY_LIMIT_MB,
        Some(value) => match value.as_u64() {
            Some(mb) if mb > 0 => mb,
            _ => return Err(ActorError::BadMemoryLimit(value.to_string())),
        },
    };
    Ok(mb.min(MEMORY_LIMIT_CEILING_MB) * MIB)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limit(config: Value) -> Result<u64, ActorError> {
        memory_limit_bytes(config.as_object().unwrap())
    }

    #[test]
    fn default_request_and_ceiling() {
        assert_eq!(limit(json!({})), Ok(16 * MIB));
        assert_eq!(limit(json!({"memory_limit_mb": null})), Ok(16 * MIB));
        assert_eq!(limit(json!({"memory_limit_mb": 64})), Ok(64 * MIB));
        assert_eq!(limit(json!({"memory_limit_mb": 100})), Ok(100 * MIB));
        assert_eq!(limit(json!({"memory_limit_mb": 101})), Ok(100 * MIB));
        assert_eq!(limit(json!({"memory_limit_mb": u64::MAX})), Ok(100 * MIB));
    }

    #[test]
    fn nonsense_is_refused_not_guessed() {
        for bad in [json!(0), json!(-1), json!(1.5), json!("64")] {
            assert!(matches!(limit(json!({"memory_limit_mb": bad})), Err(ActorError::BadMemoryLimit(_))), "{bad}");
        }
    }
}
