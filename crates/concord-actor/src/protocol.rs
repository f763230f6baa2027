use crate::message::Message;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Messages by port. Sorted, so the same messages always serialize to the same bytes.
pub type Payload = BTreeMap<String, Message>;
pub type State = Map<String, Value>;

/// What `process` receives, as the flow runtime builds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorContext {
    pub payload: Payload,
    pub config: RuntimeConfig,
    pub state: State,
}

/// The `config` of a context: the node the actor runs as, and the actor's own metadata under
/// `config`. The runtime's actor SDK refuses a context without `node_id`, `component`,
/// `resolved_env` and `config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuntimeConfig {
    pub node_id: String,
    pub component: String,
    pub resolved_env: Map<String, Value>,
    pub config: Map<String, Value>,
    pub namespace: Option<String>,
}

/// What `process` returns: messages for the out ports and a state update (`null`: no change).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorResult {
    #[serde(default)]
    pub outputs: Payload,
    #[serde(default)]
    pub state: Option<Value>,
}

/// How an actor's messages sent through `__send_output` are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sends {
    /// The flow runtime's: plain JSON values by port, each made a message by its JSON type.
    #[default]
    Plain,
    /// Stricter: tagged messages (`{"type", "data"}`), anything else failing the call.
    Tagged,
}
