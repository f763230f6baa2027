//! The messages of the pipe, typed on this side: a request names its answer's type, and what the
//! child sends while a request runs (host and WASI calls, kernel and memory answers) is one enum.
//! The JavaScript side reads and writes the same shapes (js/pipe.js, js/serve.js).

use crate::wire::WireFault;
use concord_engine::Val;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A request to a host script: serialized with its `op` (`#[serde(tag = "op")]`), answered with
/// an `ok` that reads as [`Request::Answer`].
pub trait Request: Serialize {
    type Answer: DeserializeOwned;
}

/// Declares a request struct's answer type.
#[macro_export]
macro_rules! answers {
    ($request:ty => $answer:ty) => {
        impl $crate::protocol::Request for $request {
            type Answer = $answer;
        }
    };
}

/// An answer whose content does not matter: that it came is the answer.
pub type Done = serde::de::IgnoredAny;

/// Is the child alive and its script loaded? Every host answers with the versions it runs.
#[derive(Serialize)]
#[serde(tag = "op", rename = "hello")]
pub struct Hello {}

answers!(Hello => std::collections::BTreeMap<String, String>);

/// Compiles a module in the child, kept under a handle until it is dropped.
#[derive(Serialize)]
#[serde(tag = "op", rename = "compile")]
pub struct Compile {
    /// Base64.
    pub wasm: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compiled {
    Module(u64),
    /// The engine's reason.
    Invalid(String),
}

answers!(Compile => Compiled);

/// What a handle names in a host script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandleKind {
    Module,
    Instance,
    Store,
}

/// Forgets what `handle` names; the script's dropper for `kind` frees it.
#[derive(Serialize)]
#[serde(tag = "op", rename = "drop")]
pub struct Drop {
    pub kind: HandleKind,
    pub handle: u64,
}

answers!(Drop => Done);

/// Calls a plugin instance's export with `input` (base64), as Extism's hosts call a plugin.
#[derive(Serialize)]
#[serde(tag = "op", rename = "call")]
pub struct PluginCall<'a> {
    pub instance: u64,
    pub export: &'a str,
    pub input: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginCalled {
    /// An export the host would not call: not a function.
    NotAFunction(Done),
    Outcome(crate::wire::WireOutcome),
}

answers!(PluginCall<'_> => PluginCalled);

/// What the child sends while a request runs, and the answer that ends it.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FromChild {
    /// The Wasm called the embedder's host function `function`.
    HostCall {
        function: usize,
        args: Vec<WireVal>,
    },
    /// The Wasm called a WASI function, which runs here over the child's memory.
    WasiCall {
        name: String,
        args: Vec<WireVal>,
        memory_size: Option<u64>,
        /// The bytes the call reads first (its link's `reads_first`), sent with it.
        ahead: Option<MemoryAhead>,
    },
    KernelAnswer(KernelAnswer),
    MemoryAnswer(MemoryAnswer),
    Ok(serde_json::Value),
    /// The host script failed (not the Wasm): its handler threw.
    Error(String),
}

/// What this side sends while a request runs.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ToChild<'a> {
    HostAnswer(CallAnswer),
    WasiAnswer(CallAnswer),
    Kernel(KernelRequest<'a>),
    Memory(MemoryRequest),
}

/// How a host or WASI call that ran here ended.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CallAnswer {
    Results(Vec<WireVal>),
    Fault(WireFault),
}

/// A host function's access to the kernel of the instance that called it, in the child.
#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum KernelRequest<'a> {
    ReadBlock { offset: u64 },
    WriteBlock { bytes: String },
    BlockLength { offset: u64 },
    Alloc { len: u64 },
    WriteInto { block: u64, at: u64, bytes: String },
    Free { block: u64 },
    Input,
    Config { key: &'a str },
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KernelAnswer {
    Ok(KernelValue),
    Fault(WireFault),
}

/// What a kernel request gives back; each request fills the field it is about.
#[derive(Deserialize, Default)]
pub(crate) struct KernelValue {
    pub bytes: Option<String>,
    pub offset: Option<u64>,
    pub length: Option<u64>,
    pub value: Option<String>,
}

/// A WASI call's access to the memory of the instance that made it, in the child.
#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum MemoryRequest {
    Read { at: u32, len: u32 },
    Write { at: u32, bytes: String },
}

#[derive(Deserialize)]
pub(crate) struct MemoryAhead {
    pub at: u32,
    pub bytes: String,
}

#[derive(Deserialize)]
pub(crate) struct MemoryAnswer {
    pub bytes: Option<String>,
}

/// A host-call value: an i64 as a decimal string (JSON numbers lose bits past 2^53).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WireVal {
    I32(i32),
    I64(#[serde(with = "decimal")] i64),
}

impl From<WireVal> for Val {
    fn from(value: WireVal) -> Val {
        match value {
            WireVal::I32(v) => Val::I32(v),
            WireVal::I64(v) => Val::I64(v),
        }
    }
}

impl From<&Val> for WireVal {
    /// Floats are never sent: an instance whose host functions take or return them is refused
    /// out of process (see `child::carried`); their bits would go as integers.
    fn from(value: &Val) -> WireVal {
        match *value {
            Val::I32(v) => WireVal::I32(v),
            Val::I64(v) => WireVal::I64(v),
            Val::F32(v) => WireVal::I32(v.to_bits() as i32),
            Val::F64(v) => WireVal::I64(v.to_bits() as i64),
        }
    }
}

mod decimal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_carry_their_op_and_fields() {
        let compile = serde_json::to_value(Compile { wasm: "AA==".into() }).unwrap();
        assert_eq!(compile, json!({"op": "compile", "wasm": "AA=="}));
        let drop = serde_json::to_value(Drop { kind: HandleKind::Store, handle: 7 }).unwrap();
        assert_eq!(drop, json!({"op": "drop", "kind": "store", "handle": 7}));
        assert_eq!(serde_json::to_value(Hello {}).unwrap(), json!({"op": "hello"}));
        let kernel = serde_json::to_value(ToChild::Kernel(KernelRequest::Config { key: "k" })).unwrap();
        assert_eq!(kernel, json!({"kernel": {"op": "config", "key": "k"}}));
    }

    #[test]
    fn an_i64_crosses_as_a_decimal_string_and_keeps_every_bit() {
        let value = WireVal::from(&Val::I64(i64::MIN + 1));
        let text = serde_json::to_value(&value).unwrap();
        assert_eq!(text, json!({"i64": "-9223372036854775807"}));
        let back: WireVal = serde_json::from_value(text).unwrap();
        assert_eq!(Val::from(back), Val::I64(i64::MIN + 1));
        assert!(serde_json::from_value::<WireVal>(json!({"i64": "x"})).is_err());
    }

    #[test]
    fn what_the_child_sends_reads_by_its_shape() {
        let call: FromChild =
            serde_json::from_value(json!({"host_call": {"function": 2, "args": [{"i32": 5}]}})).unwrap();
        assert!(matches!(call, FromChild::HostCall { function: 2, ref args } if args.len() == 1));
        let answer: FromChild = serde_json::from_value(json!({"kernel_answer": {"ok": {"offset": 8}}})).unwrap();
        assert!(matches!(answer, FromChild::KernelAnswer(KernelAnswer::Ok(KernelValue { offset: Some(8), .. }))));
        let wasi = json!({"wasi_call": {"name": "fd_write", "args": [], "memory_size": 65536, "ahead": {"at": 8, "bytes": "AAAA"}}});
        let wasi: FromChild = serde_json::from_value(wasi).unwrap();
        assert!(matches!(wasi, FromChild::WasiCall { ahead: Some(MemoryAhead { at: 8, .. }), .. }));
        assert!(serde_json::from_value::<FromChild>(json!({"surprise": 1})).is_err());
    }
}
