//! The plugin kernel itself, differentially: generated sequences of kernel calls (`kernel_ops`
//! guest) run on Concord's native kernel under every native engine and on Extism's own kernel, and
//! every answer is compared. There is no model of the answers: Extism's kernel is the reference.
//! Where Extism checks less than the native kernel (it reads a freed block, say, where the native
//! kernel refuses it), the difference is listed in `conformance/divergences.toml` by what the
//! native kernel refused (`refused = "load_*: freed"`), with the minimal sequence that shows it.

use super::Model;
use crate::case::{Case, ModuleSource};
use concord_engine::InstanceConfig;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

pub struct Kernel;

/// The plugin config every sequence runs with: a key with a value, one with an empty value, and
/// the empty key (which only offset 0, the empty block, can name).
pub const CONFIG: [(&str, &str); 3] = [("greeting", "hello"), ("blank", ""), ("", "nameless")];
/// Key texts a sequence writes into blocks: the config's keys, one that is nowhere, a var name.
const KEYS: [&str; 4] = ["greeting", "blank", "missing", "v"];
const SLOTS: u8 = 4;

/// An offset operand, resolved by the guest (offsets differ between kernels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Address {
    /// Offset 0: the empty block.
    Null,
    /// The offset kept in a slot plus a delta: inside the block, or just before it.
    Start { slot: u8, delta: i8 },
    /// The end of the slot's block (its start plus its length) plus a delta: just inside the
    /// block's end, or just past it.
    End { slot: u8, delta: i8 },
    /// An offset below 8, where no kernel puts a block (a kernel's own offsets differ, so a
    /// higher fixed one could be a block in one kernel and not in the other).
    Raw(u32),
    /// Minus this: huge as an unsigned offset.
    Negative(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Alloc {
        len: u64,
        slot: u8,
    },
    /// A block holding `text` (allocated and written byte by byte), kept in `slot`.
    Text {
        text: String,
        slot: u8,
    },
    Free(Address),
    Length(Address),
    LengthUnsafe(Address),
    LoadU8(Address),
    LoadU64(Address),
    StoreU8(Address, u8),
    StoreU64(Address, u64),
    InputLength,
    InputLoadU8(u64),
    InputLoadU64(u64),
    /// `log_trace` (0) to `log_error` (4).
    Log {
        level: u8,
        message: Address,
    },
    ConfigGet {
        key: Address,
        slot: u8,
    },
    VarGet {
        key: Address,
        slot: u8,
    },
    VarSet {
        key: Address,
        value: Address,
    },
    OutputSet(Address, u64),
    ErrorSet(Address),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub ops: Vec<Op>,
    /// Calls on one instance (vars outlive a call); the last one is compared.
    pub calls: u32,
}

/// The guest's opcodes (`guests/wat/kernel_ops.wat`).
mod opcode {
    pub const ALLOC: u64 = 0;
    pub const FREE: u64 = 1;
    pub const LENGTH: u64 = 2;
    pub const LENGTH_UNSAFE: u64 = 3;
    pub const LOAD_U8: u64 = 4;
    pub const LOAD_U64: u64 = 5;
    pub const STORE_U8: u64 = 6;
    pub const STORE_U64: u64 = 7;
    pub const INPUT_LENGTH: u64 = 8;
    pub const INPUT_LOAD_U8: u64 = 9;
    pub const INPUT_LOAD_U64: u64 = 10;
    pub const LOG_TRACE: u64 = 11;
    pub const CONFIG_GET: u64 = 16;
    pub const VAR_GET: u64 = 17;
    pub const VAR_SET: u64 = 18;
    pub const OUTPUT_SET: u64 = 19;
    pub const ERROR_SET: u64 = 20;
}

impl Address {
    fn encode(self) -> u64 {
        match self {
            Address::Null => 0,
            Address::Start { slot, delta } => 1 << 56 | (slot as u64 & 15) << 32 | delta as i32 as u32 as u64,
            Address::End { slot, delta } => 3 << 56 | (slot as u64 & 15) << 32 | delta as i32 as u32 as u64,
            Address::Raw(offset) => offset as u64,
            Address::Negative(minus) => 2 << 56 | minus as u64,
        }
    }
}

impl Op {
    /// The guest's ops for this one: `[opcode, a, b]` each.
    fn encode(&self) -> Vec<[u64; 3]> {
        use opcode::*;
        match self {
            Op::Alloc { len, slot } => vec![[ALLOC, *len, *slot as u64]],
            Op::Text { text, slot } => std::iter::once([ALLOC, text.len() as u64, *slot as u64])
                .chain(text.bytes().enumerate().map(|(i, byte)| {
                    let at = Address::Start { slot: *slot, delta: i as i8 };
                    [STORE_U8, at.encode(), byte as u64]
                }))
                .collect(),
            Op::Free(a) => vec![[FREE, a.encode(), 0]],
            Op::Length(a) => vec![[LENGTH, a.encode(), 0]],
            Op::LengthUnsafe(a) => vec![[LENGTH_UNSAFE, a.encode(), 0]],
            Op::LoadU8(a) => vec![[LOAD_U8, a.encode(), 0]],
            Op::LoadU64(a) => vec![[LOAD_U64, a.encode(), 0]],
            Op::StoreU8(a, v) => vec![[STORE_U8, a.encode(), *v as u64]],
            Op::StoreU64(a, v) => vec![[STORE_U64, a.encode(), *v]],
            Op::InputLength => vec![[INPUT_LENGTH, 0, 0]],
            Op::InputLoadU8(at) => vec![[INPUT_LOAD_U8, *at, 0]],
            Op::InputLoadU64(at) => vec![[INPUT_LOAD_U64, *at, 0]],
            Op::Log { level, message } => vec![[LOG_TRACE + (*level as u64).min(4), message.encode(), 0]],
            Op::ConfigGet { key, slot } => vec![[CONFIG_GET, key.encode(), *slot as u64]],
            Op::VarGet { key, slot } => vec![[VAR_GET, key.encode(), *slot as u64]],
            Op::VarSet { key, value } => vec![[VAR_SET, key.encode(), value.encode()]],
            Op::OutputSet(a, len) => vec![[OUTPUT_SET, a.encode(), *len]],
            Op::ErrorSet(a) => vec![[ERROR_SET, a.encode(), 0]],
        }
    }
}

impl Input {
    /// The guest's input: every op, encoded.
    pub fn encode(&self) -> Vec<u8> {
        self.ops.iter().flat_map(Op::encode).flatten().flat_map(u64::to_le_bytes).collect()
    }
}

impl Model for Kernel {
    const NAME: &'static str = "kernel";
    type Input = Input;

    fn inputs() -> BoxedStrategy<Input> {
        (proptest::collection::vec(op(), 1..24), prop_oneof![3 => Just(1u32), 1 => Just(2u32)])
            .prop_map(|(ops, calls)| Input { ops, calls })
            .boxed()
    }

    fn case(input: &Input) -> Case {
        let mut config = InstanceConfig::default();
        for (key, value) in CONFIG {
            config = config.with_config(key, value);
        }
        Case {
            name: match input.calls {
                1 => format!("{}-ops", input.ops.len()),
                calls => format!("{}-ops-{calls}-calls", input.ops.len()),
            },
            module: ModuleSource::Guest("kernel_ops".into()),
            export: "run".into(),
            input: input.encode(),
            config,
            calls: input.calls,
            ..Case::default()
        }
    }
}

fn slot() -> impl Strategy<Value = u8> {
    0..SLOTS
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        6 => (slot(), prop_oneof![4 => Just(0i8), 2 => 1i8..=8, 1 => -8i8..0]).prop_map(|(slot, delta)| Address::Start { slot, delta }),
        2 => (slot(), -8i8..=8).prop_map(|(slot, delta)| Address::End { slot, delta }),
        1 => Just(Address::Null),
        1 => (1u32..8).prop_map(Address::Raw),
        1 => (1u32..16).prop_map(Address::Negative),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let key = proptest::sample::select(KEYS.to_vec()).prop_map(str::to_string);
    prop_oneof![
        4 => (prop_oneof![1 => Just(0u64), 8 => 1u64..40, 1 => Just(1u64 << 40)], slot()).prop_map(|(len, slot)| Op::Alloc { len, slot }),
        3 => (key, slot()).prop_map(|(text, slot)| Op::Text { text, slot }),
        2 => address().prop_map(Op::Free),
        2 => address().prop_map(Op::Length),
        1 => address().prop_map(Op::LengthUnsafe),
        2 => address().prop_map(Op::LoadU8),
        2 => address().prop_map(Op::LoadU64),
        2 => (address(), any::<u8>()).prop_map(|(a, v)| Op::StoreU8(a, v)),
        2 => (address(), any::<u64>()).prop_map(|(a, v)| Op::StoreU64(a, v)),
        1 => Just(Op::InputLength),
        1 => (0u64..600).prop_map(Op::InputLoadU8),
        1 => (0u64..600).prop_map(Op::InputLoadU64),
        2 => (0u8..5, address()).prop_map(|(level, message)| Op::Log { level, message }),
        2 => (address(), slot()).prop_map(|(key, slot)| Op::ConfigGet { key, slot }),
        2 => (address(), slot()).prop_map(|(key, slot)| Op::VarGet { key, slot }),
        2 => (address(), address()).prop_map(|(key, value)| Op::VarSet { key, value }),
        1 => (address(), 0u64..48).prop_map(|(a, len)| Op::OutputSet(a, len)),
        1 => address().prop_map(Op::ErrorSet),
    ]
}
