//! Concord: runs the same plugin bytes on every engine configuration, compares what each one
//! does, and reports where they differ.

pub mod advice;
pub mod case;
pub mod conformance;
pub mod divergence;
pub mod generated;
pub mod guests;
pub mod mechanism;
pub mod observation;
pub mod performance;
pub mod registry;
pub mod regression;
pub mod report;
pub mod report_html;
pub mod report_md;
pub mod result;
pub mod runner;
pub mod scenario;
pub mod self_check;
pub mod spec;
pub mod suite;
pub mod timed;
pub mod verdict;

pub use concord_engine as engine;
pub use registry::{all_engines, select};

use std::path::PathBuf;

/// `conformance/` in this workspace: cases, divergences, snapshots, regressions.
pub fn conformance_dir() -> PathBuf {
    guests::workspace_root().join("conformance")
}
