//! What this backend asks of its host script (js/main.js), each request with its answer's type.

use concord_node::answers;
use concord_node::protocol::Done;
use concord_node::wire::WireStop;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A plugin of a compiled module, made by the SDK's `createPlugin` with these options.
#[derive(Serialize)]
#[serde(tag = "op", rename = "instantiate")]
pub struct Instantiate<'a> {
    pub module: u64,
    pub host_functions: Vec<HostLink<'a>>,
    pub config: &'a BTreeMap<String, String>,
    /// The SDK's `useWasi`.
    pub wasi: bool,
    /// The SDK's `memory.maxPages`.
    pub max_pages: Option<u64>,
    /// The SDK's `timeoutMs`.
    pub deadline_ms: Option<u64>,
}

/// An embedder's function the plugin imports: the index of the one that runs here.
#[derive(Serialize)]
pub struct HostLink<'a> {
    pub module: &'a str,
    pub name: &'a str,
    pub function: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instantiated {
    Instance(u64),
    /// The SDK's timeout passed before the plugin's worker started.
    StartTimedOut(Done),
    Start(WireStop),
    /// The SDK let an error escape.
    EngineFault(String),
    /// `createPlugin` threw something else, in the SDK's words.
    Failed(String),
}

answers!(Instantiate<'_> => Instantiated);
