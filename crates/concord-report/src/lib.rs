//! The report: the model `report.json` holds (verdict counts per suite and engine, documented
//! mechanisms, reliability, costs), the advice drawn from it, and the two ways people read it,
//! `report.md` and `report.html`.

pub mod advice;
pub mod html;
pub mod junit;
pub mod md;
pub mod performance;
pub mod proposals;
mod report;

pub use report::{DIVERGING_LISTED, EngineReliability, MechanismCount, Report, Summary, replay_command};
