//! The actor protocol of a flow runtime whose actors are Extism plugins (Reflow's wire format),
//! hosted on any Concord engine: the messages, the memory-limit policy, the two state policies,
//! the actor host functions and an [`Actor`] that drives a module step by step.

mod actor;
mod error;
mod host;
mod limits;
mod message;
mod protocol;
mod state;
mod validate;

pub use actor::{Actor, ActorSpec, Mode, StepRecord};
pub use error::ActorError;
pub use host::{GET_STATE, SEND_OUTPUT, SET_STATE, host_functions};
pub use limits::{DEFAULT_MEMORY_LIMIT_MB, MEMORY_LIMIT_CEILING_MB, MEMORY_LIMIT_KEY, memory_limit};
pub use message::Message;
pub use protocol::{ActorContext, ActorResult, Payload, RuntimeConfig, Sends, State};
pub use state::StatePolicy;
pub use validate::{MAX_ARRAY_ITEMS, validate_payload};
