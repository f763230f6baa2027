//! The typed-call layer, beside the plugin ABI: modules called with typed values instead of bytes
//! in and bytes out, so engines are judged on arbitrary modules (the spec testsuite, generated
//! modules) and not only on plugins. Several instances live in one store and link to each other;
//! the same [`crate::InstanceConfig`] limits apply.

use crate::outcome::{CompileError, Outcome};
use serde::{Deserialize, Serialize};

/// A Wasm value. Floats are their bits, so NaN payloads survive and comparisons are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    I32(u32),
    I64(u64),
    F32(u32),
    F64(u64),
    V128(u128),
    /// A function reference; which function it is cannot be compared across engines.
    FuncRef {
        null: bool,
    },
    /// An external reference: null, or the host handle it was made from.
    ExternRef(Option<u32>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::I32(v) => write!(f, "i32:{}", *v as i32),
            Value::I64(v) => write!(f, "i64:{}", *v as i64),
            Value::F32(bits) => write!(f, "f32:{} (0x{bits:08x})", f32::from_bits(*bits)),
            Value::F64(bits) => write!(f, "f64:{} (0x{bits:016x})", f64::from_bits(*bits)),
            Value::V128(bits) => write!(f, "v128:0x{bits:032x}"),
            Value::FuncRef { null: true } => f.write_str("ref.null func"),
            Value::FuncRef { null: false } => f.write_str("ref.func"),
            Value::ExternRef(None) => f.write_str("ref.null extern"),
            Value::ExternRef(Some(handle)) => write!(f, "ref.extern {handle}"),
        }
    }
}

/// An instance in a [`TypedStore`], as the store numbered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstanceId(pub usize);

/// One store of linked instances on one engine configuration. Not `Send`, like [`crate::Instance`].
///
/// Every store provides the spec testsuite's `spectest` module: `print*` functions that do nothing,
/// `global_i32` and `global_i64` (666), `global_f32` and `global_f64` (666.6), a funcref `table`
/// of 10 to 20 elements and a `memory` of 1 to 2 pages.
pub trait TypedStore {
    /// Compiles `wasm` without instantiating it: whether this engine accepts the module.
    fn compile(&mut self, wasm: &[u8]) -> Result<(), CompileError>;

    /// Compiles and instantiates `wasm`, its imports linked to `spectest` and to the instances
    /// registered so far. A failure is an [`Outcome`]: a missing import, a start-function trap, a
    /// memory over the limit.
    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, Outcome>;

    /// Makes the exports of `instance` importable by later modules under module name `name`.
    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), Outcome>;

    /// Calls an exported function; a trap, a limit or a bad argument is the [`Outcome`].
    fn invoke(&mut self, instance: InstanceId, export: &str, args: &[Value]) -> Result<Vec<Value>, Outcome>;

    /// Reads an exported global.
    fn global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Outcome>;

    /// A copy of an exported memory's bytes now; `None` when there is no such memory.
    fn memory(&mut self, instance: InstanceId, export: &str) -> Option<Vec<u8>>;
}

/// Wasm's import matching for a memory or a table: the defined one is at least as large *now*
/// (`size`, not its declared minimum) as the import's minimum, and its maximum is within the
/// import's.
pub fn limits_match(size: u64, max: Option<u64>, wanted_min: u64, wanted_max: Option<u64>) -> bool {
    size >= wanted_min && wanted_max.is_none_or(|w| max.is_some_and(|m| m <= w))
}

/// The spectest module's globals, as every backend defines them.
pub mod spectest {
    pub const GLOBAL_I32: i32 = 666;
    pub const GLOBAL_I64: i64 = 666;
    pub const GLOBAL_F32: f32 = 666.6;
    pub const GLOBAL_F64: f64 = 666.6;
    pub const TABLE_MIN: u32 = 10;
    pub const TABLE_MAX: u32 = 20;
    pub const MEMORY_MIN_PAGES: u32 = 1;
    pub const MEMORY_MAX_PAGES: u32 = 2;
    /// Its functions, by name and parameter types (none returns anything).
    pub const PRINT: [(&str, &[crate::ValType]); 7] = {
        use crate::ValType::{F32, F64, I32, I64};
        [
            ("print", &[]),
            ("print_i32", &[I32]),
            ("print_i64", &[I64]),
            ("print_f32", &[F32]),
            ("print_f64", &[F64]),
            ("print_i32_f32", &[I32, F32]),
            ("print_f64_f64", &[F64, F64]),
        ]
    };
}
