//! Concord: runs the same plugin bytes on every engine configuration, compares what each one
//! does, and reports where they differ. This crate holds the suites (case files and model
//! scenarios through the runner, the spec testsuite, generated modules), the conformance run over
//! them, and one plugin's check on every engine; the verdict is `concord-verdict`'s, the report
//! `concord-report`'s.

pub mod case;
pub mod case_result;
pub mod check;
pub mod conformance;
pub mod generated;
pub mod guests;
pub mod registry;
pub mod regression;
pub mod runner;
pub mod scenario;
pub mod spec;
pub mod timed;

pub use concord_engine as engine;
pub use concord_host as host;
pub use registry::{all_engines, select};

use std::path::PathBuf;

/// `conformance/` in this workspace: cases, divergences, snapshots, regressions.
pub fn conformance_dir() -> PathBuf {
    guests::workspace_root().join("conformance")
}
