//! What engines are compared on: one engine's observation of one case, and the verdict it gets.

use concord_engine::Outcome;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What one engine did with one case, reduced to what engines are compared on.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub outcome: Outcome,
    /// Linear-memory pages after the call, where the engine shows them.
    pub memory_pages: Option<u64>,
    pub elapsed: Duration,
    /// The engine did not stop within its budget plus the watchdog's margin.
    pub hung: bool,
}

impl Observation {
    /// An observation to compare, from an outcome and the memory size the engine showed.
    pub fn new(outcome: Outcome, memory_pages: Option<u64>) -> Self {
        Observation { outcome, memory_pages, elapsed: Duration::ZERO, hung: false }
    }

    /// An observation of an outcome alone: a case that could not be run as asked.
    pub fn fault(outcome: Outcome) -> Self {
        Observation { outcome, memory_pages: None, elapsed: Duration::ZERO, hung: false }
    }

    /// Same normalized outcome, and the same memory size wherever both engines show one.
    pub fn agrees_with(&self, other: &Observation) -> bool {
        self.outcome.normalized() == other.outcome.normalized()
            && (self.memory_pages.is_none() || other.memory_pages.is_none() || self.memory_pages == other.memory_pages)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agree,
    Diverge,
    Documented,
    Unsupported,
}

impl Verdict {
    /// Every verdict, most serious first.
    pub const BY_SEVERITY: [Verdict; 4] = [Verdict::Diverge, Verdict::Documented, Verdict::Unsupported, Verdict::Agree];

    /// How the report writes it; a divergence shouts.
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Agree => "agree",
            Verdict::Diverge => "DIVERGE",
            Verdict::Documented => "documented",
            Verdict::Unsupported => "unsupported",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EngineResult {
    pub engine: String,
    pub observation: Observation,
    pub verdict: Verdict,
    /// Why it is not `agree`: what it differs from, and the documented reason if there is one.
    pub note: Option<String>,
}

/// The text of a panic's payload, for the engine fault it is reported as.
pub fn panic_text(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "engine panicked".into())
}
