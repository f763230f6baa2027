use crate::message::Message;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Messages by port. Sorted, so the same messages always serialize to the same bytes.
pub type Payload = BTreeMap<String, Message>;
pub type State = Map<String, Value>;

/// What `process` receives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorContext {
    pub payload: Payload,
    #[serde(default)]
    pub config: Map<String, Value>,
    #[serde(default)]
    pub state: State,
}

/// What `process` returns: messages for the out ports and a state update (`null`: no change).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorResult {
    #[serde(default)]
    pub outputs: Payload,
    #[serde(default)]
    pub state: Option<Value>,
}
