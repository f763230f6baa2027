//! The verdict: what engines are compared on (an observation), how a consensus is found among
//! them, and when a difference is documented, that is, when an entry of the registry
//! (`conformance/divergences.toml`) names a mechanism that is confirmed on that observation. The
//! result rows and per-engine counts every suite reports are here too, below the suites that
//! produce them and the report that reads them.

pub mod count;
pub mod divergence;
pub mod mechanism;
pub mod observation;
mod observed;
pub mod result;
pub mod suite;
pub mod verdict;
