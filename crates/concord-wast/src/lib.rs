//! An engine-neutral `.wast` runner over Concord's typed-call layer: the WebAssembly spec
//! testsuite (or any `.wast` file) on every engine configuration through one interface, each
//! assertion judged against the spec and the engines compared with each other. Traps are compared
//! as [`concord_engine::TrapKind`]s, NaNs on their bits; no engine's message text is read.

pub mod expect;
pub mod matrix;
pub mod run;
pub mod script;
pub mod suite;
pub mod traps;

pub use matrix::{Counts, Disagreement, FileRun, disagreements, run_all, run_everywhere, run_one};
pub use run::{CommandResult, Observed, Verdict};
pub use script::{ParseError, Script};
