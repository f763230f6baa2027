//! The guest side of the actor protocol, mirroring the host's `concord-actor`: an actor exports
//! `process`, takes an [`ActorContext`] and returns an [`ActorResult`], and may call the three
//! actor host functions in `extism:host/user`.

use extism_pdk::Memory;
use serde::{Deserialize, Serialize};
pub use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Message {
    Flow,
    Event(Value),
    Boolean(bool),
    Integer(i64),
    Float(f64),
    String(String),
    Object(Value),
    Array(Vec<Value>),
    Stream(Vec<u8>),
    Optional(Option<Value>),
    Any(Value),
    Error(String),
}

pub type Payload = BTreeMap<String, Message>;

/// What the flow runtime hands `process`; like its actor SDK, refused without `config` (and its
/// `node_id`, `component`, `resolved_env`, `config`) or `state`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActorContext {
    pub payload: Payload,
    pub config: RuntimeConfig,
    pub state: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuntimeConfig {
    pub node_id: String,
    pub component: String,
    pub resolved_env: Map<String, Value>,
    /// The actor's own metadata.
    pub config: Map<String, Value>,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActorResult {
    pub outputs: Payload,
    pub state: Option<Value>,
}

#[link(wasm_import_module = "extism:host/user")]
unsafe extern "C" {
    fn __send_output(outputs: u64);
    fn __get_state(key: u64) -> u64;
    fn __set_state(key: u64, value: u64);
}

fn block(bytes: &[u8]) -> Memory {
    Memory::from_bytes(bytes).expect("the kernel allocates")
}

/// Sends values now, before `process` returns: plain JSON by port, which the runtime makes
/// messages by their JSON type.
pub fn send_output(outputs: &Map<String, Value>) {
    let json = block(&serde_json::to_vec(outputs).expect("messages serialize"));
    unsafe { __send_output(json.offset()) };
    json.free();
}

/// The host's current value for `key` (`null` when unset).
pub fn get_state(key: &str) -> Value {
    let key = block(key.as_bytes());
    let value = unsafe { __get_state(key.offset()) };
    key.free();
    Memory::find(value).and_then(|value| serde_json::from_slice(&value.to_vec()).ok()).unwrap_or_default()
}

/// Sets `key` in the host's state now.
pub fn set_state(key: &str, value: &Value) {
    let (key, value) = (block(key.as_bytes()), block(&serde_json::to_vec(value).expect("values serialize")));
    unsafe { __set_state(key.offset(), value.offset()) };
    key.free();
    value.free();
}
