//! What this backend asks of its host script (js/main.js), each request with its answer's type.

use crate::wrapper::Carried;
use concord_engine::MemoryObservation;
use concord_engine::wasi::ArrayArg;
use concord_host::InitCall;
use concord_node::answers;
use concord_node::protocol::Done;
use concord_node::wire::WireStop;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `bytes` there and back: the pipe's own cost.
#[derive(Serialize)]
#[serde(tag = "op", rename = "echo")]
pub struct Echo {
    pub bytes: String,
}

#[derive(Deserialize)]
pub struct Echoed {
    pub bytes: String,
}

answers!(Echo => Echoed);

/// A plugin instance of a compiled module, its imports linked as `imports` says.
#[derive(Serialize)]
#[serde(tag = "op", rename = "instantiate")]
pub struct Instantiate<'a> {
    pub module: u64,
    pub imports: Vec<Link>,
    pub config: &'a BTreeMap<String, String>,
    pub memory_limit_bytes: Option<u64>,
    pub deadline_ms: Option<u64>,
    /// The guest runtime's initialisation, run now and before the first call.
    pub init: Vec<Init>,
    pub first_call: Vec<Init>,
}

answers!(Instantiate<'_> => Instantiated);

/// What one import links to in the child.
#[derive(Serialize)]
pub struct Link {
    pub module: String,
    pub name: String,
    #[serde(flatten)]
    pub to: LinkTo,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkTo {
    /// The embedder's function with this index in the request's host functions, run here.
    Host { function: usize },
    /// The script's own kernel.
    Kernel,
    /// Concord's WASI, forwarded here, with the array the function reads first sent along.
    Wasi { reads_first: Option<ArrayArg> },
}

#[derive(Serialize)]
pub struct Init {
    pub export: &'static str,
    /// How many zeros it is called with.
    pub args: usize,
}

impl Init {
    pub fn all(calls: &[InitCall]) -> Vec<Init> {
        calls.iter().map(|c| Init { export: c.export, args: c.args }).collect()
    }
}

/// How making an instance (a plugin's or the typed layer's) ended.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instantiated {
    Instance(u64),
    /// V8 refused the module.
    Invalid(String),
    Failed(Failed),
    /// The start function, or an initialisation, stopped.
    Start(WireStop),
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failed {
    MemoryLimit,
    /// An import no registered module provides.
    Missing {
        module: String,
        name: String,
    },
    /// V8's link error, in its words (the import it names is read from them).
    Link(String),
    Other(String),
}

#[derive(Serialize)]
#[serde(tag = "op", rename = "pages")]
pub struct Pages {
    pub instance: u64,
}

#[derive(Deserialize)]
pub struct PagesAnswer {
    pub pages: Option<u64>,
}

answers!(Pages => PagesAnswer);

/// The instance's memory, hashed in the child.
#[derive(Serialize)]
#[serde(tag = "op", rename = "memory")]
pub struct Memory {
    pub instance: u64,
}

#[derive(Deserialize)]
pub struct MemoryAnswer {
    pub memory: Option<MemoryObservation>,
}

answers!(Memory => MemoryAnswer);

/// A new store of linked instances for the typed layer.
#[derive(Serialize)]
#[serde(tag = "op", rename = "typed_store")]
pub struct TypedStore {}

#[derive(Deserialize)]
pub struct NewStore {
    pub store: u64,
}

answers!(TypedStore => NewStore);

/// V8's verdict on a module, kept nowhere.
#[derive(Serialize)]
#[serde(tag = "op", rename = "typed_compile")]
pub struct TypedCompile {
    pub wasm: String,
}

#[derive(Deserialize)]
pub struct Checked {
    pub invalid: Option<String>,
}

answers!(TypedCompile => Checked);

/// A module and its wrapper (wrapper.rs), instantiated in a store.
#[derive(Serialize)]
#[serde(tag = "op", rename = "typed_instantiate")]
pub struct TypedInstantiate {
    pub store: u64,
    pub wasm: String,
    pub wrapper: String,
    pub deadline_ms: Option<u64>,
}

answers!(TypedInstantiate => Instantiated);

/// Makes an instance's exports importable as `name`.
#[derive(Serialize)]
#[serde(tag = "op", rename = "typed_register")]
pub struct TypedRegister<'a> {
    pub store: u64,
    pub name: &'a str,
    pub instance: u64,
}

answers!(TypedRegister<'_> => Done);

#[derive(Serialize)]
#[serde(tag = "op", rename = "typed_invoke")]
pub struct TypedInvoke<'a> {
    pub store: u64,
    pub instance: u64,
    pub export: &'a str,
    pub args: Vec<WireValue>,
    pub results: Vec<Carried>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invoked {
    Values(Vec<WireValue>),
    Stop(WireStop),
}

answers!(TypedInvoke<'_> => Invoked);

/// A global's value, read through its getter in the wrapper.
#[derive(Serialize)]
#[serde(tag = "op", rename = "typed_global")]
pub struct TypedGlobal<'a> {
    pub store: u64,
    pub instance: u64,
    pub export: &'a str,
    pub results: Vec<Carried>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlobalRead {
    Values(Vec<WireValue>),
    /// The wrapper has no getter for it.
    Missing(Done),
}

answers!(TypedGlobal<'_> => GlobalRead);

/// An exported memory's bytes.
#[derive(Serialize)]
#[serde(tag = "op", rename = "typed_memory")]
pub struct TypedMemory<'a> {
    pub store: u64,
    pub instance: u64,
    pub export: &'a str,
}

#[derive(Deserialize)]
pub struct MemoryBytes {
    pub bytes: Option<String>,
}

answers!(TypedMemory<'_> => MemoryBytes);

/// A value as it crosses: integers as decimal bits (JSON numbers lose bits past 2^53), references
/// as whether they are null or which host-made externref they are.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WireValue {
    I32 {
        bits: String,
    },
    I64 {
        bits: String,
    },
    Funcref {
        null: Option<bool>,
    },
    /// -1: an externref the host did not make.
    Externref {
        handle: Option<i64>,
    },
}
