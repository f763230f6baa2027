use thiserror::Error;

/// Why the host refused an actor's input, configuration or result, before or after the engine ran.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ActorError {
    #[error("{path}: array of {items} items is over the limit of {limit}")]
    ArrayTooLarge { path: String, items: usize, limit: usize },
    #[error("memory_limit_mb must be a positive integer, got {0}")]
    BadMemoryLimit(String),
    #[error("the actor's result is not an ActorResult: {0}")]
    BadResult(String),
    #[error("the actor returned a state that is neither an object nor null: {0}")]
    StateNotObject(String),
}
