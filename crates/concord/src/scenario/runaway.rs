//! Runaway and hostile guests: infinite loops under fuel or a deadline, unbounded recursion,
//! out-of-bounds accesses, bad indirect calls, grow bombs and bad kernel offsets. Every engine
//! must stop every one within its budget with the classified outcome, and the run goes on.

use super::Model;
use crate::case::{Case, EngineModel, Expected, Holds, ModuleSource};
use concord_engine::{
    InstanceConfig, KernelFault, LimitKind, MemoryLimit, MemoryLimiting, Outcome, PluginKernel, TrapKind,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub struct Runaway;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    SpinFuel {
        fuel: u64,
    },
    SpinDeadline {
        ms: u64,
    },
    Recurse,
    LoadOutOfBounds,
    StoreOutOfBounds,
    CallNull,
    CallPastTable,
    GrowBomb {
        limit_pages: u64,
    },
    /// One grow to exactly the 64-page limit.
    GrowToLimit,
    ErrorGarbage,
    KernelLoadPastEnd,
    KernelLoadNegative,
    KernelLoadFreed,
}

impl Model for Runaway {
    const NAME: &'static str = "runaway";
    type Input = Input;

    fn inputs() -> BoxedStrategy<Input> {
        prop_oneof![
            3 => (1_000u64..2_000_000).prop_map(|fuel| Input::SpinFuel { fuel }),
            1 => (5u64..40).prop_map(|ms| Input::SpinDeadline { ms }),
            1 => Just(Input::Recurse),
            1 => Just(Input::LoadOutOfBounds),
            1 => Just(Input::StoreOutOfBounds),
            1 => Just(Input::CallNull),
            1 => Just(Input::CallPastTable),
            2 => (1u64..128).prop_map(|limit_pages| Input::GrowBomb { limit_pages }),
            1 => Just(Input::GrowToLimit),
            1 => Just(Input::ErrorGarbage),
            1 => Just(Input::KernelLoadPastEnd),
            1 => Just(Input::KernelLoadNegative),
            1 => Just(Input::KernelLoadFreed),
        ]
        .boxed()
    }

    fn case(input: &Input) -> Case {
        let trap = |kind| Some(Outcome::Trap(kind));
        let hostile = |export: &str| (ModuleSource::Guest("hostile".into()), export.to_string());
        let kernel = |export: &str| (ModuleSource::Guest("kernel_abuse".into()), export.to_string());
        let returned_empty = Outcome::Returned(Vec::new());
        let kernel_fault = Some(Outcome::KernelFault(KernelFault::default()));
        let mut config = InstanceConfig::default();
        let mut expect_pages = None;
        let mut extism = None;
        let ((module, export), expect) = match *input {
            Input::SpinFuel { fuel } => {
                config = config.with_fuel(fuel);
                ((ModuleSource::Guest("runaway".into()), "spin".into()), Some(Outcome::LimitHit(LimitKind::Fuel)))
            }
            Input::SpinDeadline { ms } => {
                config = config.with_deadline(Duration::from_millis(ms));
                ((ModuleSource::Guest("runaway".into()), "spin".into()), Some(Outcome::LimitHit(LimitKind::Deadline)))
            }
            Input::Recurse => (hostile("recurse"), trap(TrapKind::StackOverflow)),
            Input::LoadOutOfBounds => (hostile("load_out_of_bounds"), trap(TrapKind::MemoryOutOfBounds)),
            Input::StoreOutOfBounds => (hostile("store_out_of_bounds"), trap(TrapKind::MemoryOutOfBounds)),
            Input::CallNull => (hostile("call_null"), trap(TrapKind::IndirectCallToNull)),
            Input::CallPastTable => (hostile("call_past_table"), trap(TrapKind::TableOutOfBounds)),
            Input::GrowBomb { limit_pages } => {
                config = config.with_memory_limit(MemoryLimit::from_pages(limit_pages));
                expect_pages = Some(limit_pages);
                extism = Some((Holds::MemoryLimiting(MemoryLimiting::CallFails), Outcome::LimitHit(LimitKind::Memory)));
                (hostile("grow_bomb"), Some(returned_empty.clone()))
            }
            Input::GrowToLimit => {
                config = config.with_memory_limit(MemoryLimit::from_pages(64));
                expect_pages = Some(64);
                (hostile("grow_to_limit"), Some(returned_empty.clone()))
            }
            Input::ErrorGarbage => {
                extism = Some((Holds::Kernel(PluginKernel::ExtismRuntime), returned_empty.clone()));
                (hostile("error_garbage"), kernel_fault)
            }
            Input::KernelLoadPastEnd | Input::KernelLoadNegative | Input::KernelLoadFreed => {
                extism = Some((Holds::Kernel(PluginKernel::ExtismRuntime), returned_empty.clone()));
                let export = match input {
                    Input::KernelLoadPastEnd => "load_past_end",
                    Input::KernelLoadNegative => "load_negative",
                    _ => "load_freed",
                };
                (kernel(export), kernel_fault)
            }
        };
        let name = match *input {
            Input::SpinFuel { fuel } => format!("spin-fuel-{fuel}"),
            Input::SpinDeadline { ms } => format!("spin-deadline-{ms}ms"),
            Input::GrowBomb { limit_pages } => format!("grow-bomb-limit-{limit_pages}"),
            _ => export.replace('_', "-"),
        };
        Case {
            name,
            module,
            export,
            config,
            expect: expect.map(Expected::from),
            expect_pages,
            documented: extism
                .into_iter()
                .map(|(holds, outcome)| EngineModel { holds, expect: Expected::Outcome(outcome) })
                .collect(),
            ..Case::default()
        }
    }
}
