//! Documented mechanisms as code. A mechanism is a named rule that, shown one observation, what the
//! other engines did and a way to run the case again on a reference configuration, confirms that
//! this mechanism produced exactly this observation. An entry of `conformance/divergences.toml`
//! that names a mechanism explains an observation only where its rule holds, so an engine with a
//! known difference is still caught by any other fault: a flipped output byte is not "the limit is
//! not enforced", however many entries name that engine.

use crate::runner::Observation;
use concord_engine::{InstanceConfig, InstantiateFailure, LimitKind, MemoryLimitRule, Outcome};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    /// The engine does not bound linear memory by the configured limit: it did exactly what a
    /// reference configuration does with no memory limit, bit for bit.
    MemoryLimitNotEnforced,
    /// A grow past the memory limit ends the call (`limit_hit: memory`), as Extism's limiter
    /// does, where the spec fails the grow and lets the guest go on: holds when a reference
    /// configuration that follows that rule stops the call at the memory limit too (or, for a
    /// memory over the limit from the start, refuses to instantiate it).
    MemoryLimitEndsTheCall,
    /// One trap kind names two causes: the engine trapped with a kind that covers the kind the
    /// others trapped with (V8's "function signature mismatch" for a null entry, say).
    OneTrapForTwoCauses,
}

/// Runs the case again on a reference configuration (the first that agrees with the others and
/// can follow the changed configuration), with a changed instance configuration.
pub trait Replay {
    /// The reference's observation with `change` applied to the case's configuration; `None`
    /// where no reference could run it.
    fn replay(&mut self, change: &dyn Fn(&mut InstanceConfig)) -> Option<Observation>;
}

/// What one engine did, beside what the others did, for a mechanism to confirm.
pub struct Seen<'a> {
    pub observation: &'a Observation,
    /// The others' consensus, if there is one.
    pub others: Option<&'a Observation>,
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::MemoryLimitNotEnforced => "memory-limit-not-enforced",
            Mechanism::MemoryLimitEndsTheCall => "memory-limit-ends-the-call",
            Mechanism::OneTrapForTwoCauses => "one-trap-for-two-causes",
        }
    }

    /// Whether this mechanism produced exactly `seen`.
    pub fn holds(self, seen: &Seen, replay: &mut dyn Replay) -> bool {
        let outcome = &seen.observation.outcome;
        match self {
            Mechanism::MemoryLimitNotEnforced => {
                replay.replay(&lift_memory_limit).is_some_and(|unlimited| same_bits(seen.observation, &unlimited))
            }
            Mechanism::MemoryLimitEndsTheCall => {
                let ends = |config: &mut InstanceConfig| config.memory_limit_rule = MemoryLimitRule::EndsTheCall;
                let stopped = |outcome: &Outcome| matches!(outcome, Outcome::LimitHit(LimitKind::Memory));
                // A memory over the limit from the start fails instantiation there, and the first
                // call where the plugin is instantiated lazily (Extism makes it at the first call).
                let refused = |outcome: &Outcome| {
                    stopped(outcome) || matches!(outcome, Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit))
                };
                stopped(outcome) && replay.replay(&ends).is_some_and(|reference| refused(&reference.outcome))
            }
            Mechanism::OneTrapForTwoCauses => match (outcome, seen.others.map(|o| &o.outcome)) {
                (Outcome::Trap(kind), Some(Outcome::Trap(expected))) => kind != expected && kind.covers(*expected),
                _ => false,
            },
        }
    }
}

/// The configuration with no memory limit.
pub fn lift_memory_limit(config: &mut InstanceConfig) {
    config.memory_limit_bytes = None;
}

/// The same outcome to the byte, and the same memory size where both show one.
fn same_bits(a: &Observation, b: &Observation) -> bool {
    a.outcome == b.outcome && (a.memory_pages.is_none() || b.memory_pages.is_none() || a.memory_pages == b.memory_pages)
}

impl std::fmt::Display for Mechanism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// For a tool that cannot run a case again: mechanisms that would need to do not hold.
pub struct NoReplay;

impl Replay for NoReplay {
    fn replay(&mut self, _change: &dyn Fn(&mut InstanceConfig)) -> Option<Observation> {
        None
    }
}
