//! Documented mechanisms as code. A mechanism is a named rule that, shown one observation, what the
//! other engines did and a way to run the case again on a reference configuration, confirms that
//! this mechanism produced exactly this observation. An entry of `conformance/divergences.toml`
//! that names a mechanism explains an observation only where its rule holds, so an engine with a
//! known difference is still caught by any other fault: a flipped output byte is not "the limit is
//! not enforced", however many entries name that engine.

mod module_shape;
mod nan;
mod unreachable_code;
mod untyped_select;

use crate::observation::Observation;
use concord_engine::{
    InstanceConfig, InstantiateFailure, KernelRules, LimitKind, MemoryLimitRule, Outcome, TrapKind, Value,
};
use concord_wast::expect::Expected;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    /// The engine does not bound linear memory by the configured limit: it did exactly what a
    /// reference configuration does with no memory limit, bit for bit.
    MemoryLimitNotEnforced,
    /// Extism's memory limiter, where the spec fails a grow and lets the guest go on: the limit
    /// counts only growth after instantiation, and a grow past it, or to the memory's own declared
    /// maximum, ends the call (`limit_hit: memory`). Holds when a reference configuration that
    /// follows that rule does exactly the same, bit for bit (a memory over the limit from the
    /// start fails the reference's instantiation, and Extism's first call, which instantiates).
    ExtismMemoryLimiter,
    /// Extism's Rust host checks less of what a guest passes its kernel than Concord's kernel does
    /// (see [`KernelRules::Extism`]): holds when a reference configuration whose kernel follows
    /// those rules gives exactly the same answers, bit for bit.
    ExtismKernelRules,
    /// Extism's JavaScript host has a kernel of its own (see [`KernelRules::ExtismJs`]: offsets
    /// as block indices, block 0, no reuse, its worker's hand-over): holds when a reference whose
    /// kernel follows the SDK's gives exactly the same answers, bit for bit.
    ExtismJsKernelRules,
    /// The host reports a plugin's error by its message alone and never reads the export's return
    /// code: holds when the engine failed with exactly the others' message and code 0 (unknown).
    ErrorCodeUnread,
    /// One trap kind names two causes: the engine trapped with a kind that covers the kind the
    /// others trapped with (V8's "function signature mismatch" for a null entry, say).
    OneTrapForTwoCauses,
    /// The host counts starting the plugin against its calls' deadline (Extism's JavaScript host
    /// starts a worker): the engine said the deadline passed while it started, where the others
    /// hit the deadline in the call.
    DeadlineCountsStart,
    /// A start function's trap escapes the host as an engine fault (Extism's JavaScript host lets
    /// the error escape its worker's promises), where the others failed to instantiate on it.
    StartTrapEscapes,
    /// A float operation returns a signalling NaN argument unquieted: with each signalling NaN's
    /// quiet bit set, the engine's values are what the spec asks for.
    SignallingNanUnquieted,
    /// An untyped `select` in unreachable code whose operands have no type is taken for 32 bits,
    /// so a valid module in which it feeds a 64-bit instruction is refused: holds when the engine
    /// refused as invalid a module the others instantiated, and the module has such a `select`.
    #[serde(rename = "untyped-select-taken-for-32-bits")]
    UntypedSelectTakenFor32Bits,
    /// An element segment item that reads a global (`global.get`, valid Wasm 2.0) is not
    /// translated, so the module does not compile: holds when the engine refused as invalid a
    /// module the spec (or the others) instantiated, and the module has such an item.
    ElementItemGlobalGetUntranslated,
    /// A table maximum above wasmer's ceiling of 2^27 elements is refused at instantiation,
    /// where the spec allows any maximum up to 2^32 - 1: holds when the engine refused to
    /// instantiate a module the spec (or the others) instantiated, and the module declares one.
    TableMaximumOverCeiling,
    /// Code after an unconditional branch (`unreachable`, `br`, `return`), blocks in it included,
    /// is not type-checked, so a module the spec rejects for a type error there is accepted: holds
    /// when the engine accepted a module that was to be rejected as invalid, and the module's
    /// first validation error is in such code.
    UnreachableCodeUnchecked,
}

/// What a tool shows for a module the engine accepted where the spec rejects it as invalid.
pub const ACCEPTED: &str = "accepted";
pub const REJECTED_AS_INVALID: &str = "rejected as invalid";

/// What a tool that sees outcomes as classes shows a mechanism (the spec testsuite, generated
/// modules, `concord wast`): what the engine did and what was expected of it, as
/// [`Outcome::class`] words, and what the tool has beside them.
#[derive(Default)]
pub struct Shown<'a> {
    pub did: &'a str,
    pub expected: &'a str,
    /// The module the engine ran, where the tool has it.
    pub module: Option<&'a [u8]>,
    /// For an `assert_return` the engine failed: the values it returned, and what the spec asked.
    pub returned: Option<(&'a [Value], &'a [Expected])>,
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
            Mechanism::ExtismMemoryLimiter => "extism-memory-limiter",
            Mechanism::ExtismKernelRules => "extism-kernel-rules",
            Mechanism::ExtismJsKernelRules => "extism-js-kernel-rules",
            Mechanism::ErrorCodeUnread => "error-code-unread",
            Mechanism::OneTrapForTwoCauses => "one-trap-for-two-causes",
            Mechanism::DeadlineCountsStart => "deadline-counts-start",
            Mechanism::StartTrapEscapes => "start-trap-escapes",
            Mechanism::SignallingNanUnquieted => "signalling-nan-unquieted",
            Mechanism::UntypedSelectTakenFor32Bits => "untyped-select-taken-for-32-bits",
            Mechanism::ElementItemGlobalGetUntranslated => "element-item-global-get-untranslated",
            Mechanism::TableMaximumOverCeiling => "table-maximum-over-ceiling",
            Mechanism::UnreachableCodeUnchecked => "unreachable-code-unchecked",
        }
    }

    /// Whether this mechanism produced exactly `seen`.
    pub fn holds(self, seen: &Seen, replay: &mut dyn Replay) -> bool {
        let outcome = &seen.observation.outcome;
        match self {
            Mechanism::MemoryLimitNotEnforced => {
                replay.replay(&lift_memory_limit).is_some_and(|unlimited| same_bits(seen.observation, &unlimited))
            }
            Mechanism::ExtismMemoryLimiter => {
                let extism = |config: &mut InstanceConfig| config.memory_limit_rule = MemoryLimitRule::ExtismLimiter;
                let refused_at_start =
                    |outcome: &Outcome| matches!(outcome, Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit));
                replay.replay(&extism).is_some_and(|reference| {
                    same_bits(seen.observation, &reference)
                        || (matches!(outcome, Outcome::LimitHit(LimitKind::Memory))
                            && refused_at_start(&reference.outcome))
                })
            }
            Mechanism::ExtismKernelRules => following(KernelRules::Extism, seen, replay),
            Mechanism::ExtismJsKernelRules => {
                let follow = |config: &mut InstanceConfig| config.kernel_rules = KernelRules::ExtismJs;
                replay.replay(&follow).is_some_and(|reference| {
                    same_bits(seen.observation, &reference)
                        || (matches!(outcome, Outcome::EngineFault(_)) && worker_out_of_memory(&reference.outcome))
                })
            }
            Mechanism::ErrorCodeUnread => match (outcome, seen.others.map(|o| &o.outcome)) {
                (Outcome::GuestError(own), Some(Outcome::GuestError(others))) => {
                    own.code == 0 && others.code != 0 && own.message == others.message
                }
                _ => false,
            },
            Mechanism::OneTrapForTwoCauses => match seen.others {
                Some(others) => trap_of_class(&outcome.class())
                    .zip(trap_of_class(&others.outcome.class()))
                    .is_some_and(|(own, theirs)| names_both(own, theirs)),
                None => false,
            },
            Mechanism::DeadlineCountsStart => matches!(
                (outcome, seen.others.map(|o| &o.outcome)),
                (
                    Outcome::InstantiateFailed(InstantiateFailure::StartTimedOut),
                    Some(Outcome::LimitHit(LimitKind::Deadline))
                )
            ),
            Mechanism::StartTrapEscapes => matches!(
                (outcome, seen.others.map(|o| &o.outcome)),
                (Outcome::EngineFault(_), Some(Outcome::InstantiateFailed(InstantiateFailure::StartTrapped { .. })))
            ),
            // Only the tools that see modules and values can tell these.
            Mechanism::SignallingNanUnquieted
            | Mechanism::UntypedSelectTakenFor32Bits
            | Mechanism::ElementItemGlobalGetUntranslated
            | Mechanism::TableMaximumOverCeiling
            | Mechanism::UnreachableCodeUnchecked => false,
        }
    }
}

impl Mechanism {
    /// Whether this mechanism produced what a tool that sees outcomes as classes `shown` (the spec
    /// testsuite, generated modules, `concord wast`). A mechanism that needs to run the case again
    /// never holds there.
    pub fn holds_on_classes(self, shown: &Shown) -> bool {
        match self {
            Mechanism::OneTrapForTwoCauses => trap_of_class(shown.did)
                .zip(trap_of_class(shown.expected))
                .is_some_and(|(own, theirs)| names_both(own, theirs)),
            Mechanism::SignallingNanUnquieted => {
                shown.returned.is_some_and(|(got, expected)| nan::only_signalling_nans_unquieted(got, expected))
            }
            Mechanism::UntypedSelectTakenFor32Bits => {
                refused_as_invalid(shown)
                    && shown.module.is_some_and(untyped_select::has_untyped_select_on_unknown_operands)
            }
            Mechanism::ElementItemGlobalGetUntranslated => {
                refused_as_invalid(shown) && shown.module.is_some_and(module_shape::has_element_item_global_get)
            }
            Mechanism::TableMaximumOverCeiling => {
                shown.did == Outcome::InstantiateFailed(InstantiateFailure::Other { message: String::new() }).class()
                    && shown.expected.starts_with("instantiate")
                    && shown.module.is_some_and(|wasm| {
                        module_shape::has_table_maximum_over(wasm, module_shape::WASMER_TABLE_CEILING)
                    })
            }
            Mechanism::UnreachableCodeUnchecked => {
                shown.did == ACCEPTED
                    && shown.expected == REJECTED_AS_INVALID
                    && shown.module.is_some_and(unreachable_code::invalid_only_in_unreachable_code)
            }
            Mechanism::MemoryLimitNotEnforced
            | Mechanism::ExtismMemoryLimiter
            | Mechanism::ExtismKernelRules
            | Mechanism::ExtismJsKernelRules
            | Mechanism::ErrorCodeUnread
            | Mechanism::DeadlineCountsStart
            | Mechanism::StartTrapEscapes => false,
        }
    }
}

/// Where a trap an outcome class names happened (in a call, `trap X`, or in the start function,
/// `instantiate_failed start trapped X`), and its kind.
fn trap_of_class(class: &str) -> Option<(&'static str, TrapKind)> {
    let (place, name) = match class.strip_prefix("instantiate_failed start trapped ") {
        Some(name) => ("start", name),
        None => ("call", class.strip_prefix("trap ")?),
    };
    TrapKind::named(name).map(|kind| (place, kind))
}

/// Whether `own` is a kind that names `theirs` among two causes, in the same place.
fn names_both(own: (&str, TrapKind), theirs: (&str, TrapKind)) -> bool {
    own.0 == theirs.0 && own.1 != theirs.1 && own.1.covers(theirs.1)
}

/// Whether the engine refused as invalid a module that was to instantiate.
fn refused_as_invalid(shown: &Shown) -> bool {
    shown.did == Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { message: String::new() }).class()
        && shown.expected.starts_with("instantiate")
}

/// Whether a reference whose kernel follows `rules` gives exactly what was seen.
fn following(rules: KernelRules, seen: &Seen, replay: &mut dyn Replay) -> bool {
    let follow = move |config: &mut InstanceConfig| config.kernel_rules = rules;
    replay.replay(&follow).is_some_and(|reference| same_bits(seen.observation, &reference))
}

/// Where the model of the JavaScript SDK's kernel stops following it because the SDK's worker
/// runs out of memory (an allocation of terabytes), which ends in an engine fault there.
fn worker_out_of_memory(outcome: &Outcome) -> bool {
    use concord_host::kernel::{NOT_FOLLOWED, WORKER_OUT_OF_MEMORY};
    matches!(outcome, Outcome::KernelFault(fault) if fault.function == NOT_FOLLOWED && fault.reason == WORKER_OUT_OF_MEMORY)
}

/// The configuration with no memory limit.
pub fn lift_memory_limit(config: &mut InstanceConfig) {
    config.memory_limit = None;
}

/// The same outcome to the byte, and the same memory size where both show one. A kernel fault is
/// compared by what it is typed by (the refusal, and the function where both name one; the
/// JavaScript SDK never does), never by its words.
fn same_bits(a: &Observation, b: &Observation) -> bool {
    let same_outcome = match (&a.outcome, &b.outcome) {
        (Outcome::KernelFault(a), Outcome::KernelFault(b)) => {
            let unnamed = a.function.is_empty() || b.function.is_empty();
            (unnamed || a.function == b.function) && a.refusal == b.refusal
        }
        (a, b) => a == b,
    };
    same_outcome && (a.memory_pages.is_none() || b.memory_pages.is_none() || a.memory_pages == b.memory_pages)
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
