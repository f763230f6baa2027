//! The actor host functions from a guest's side, with exact typed outcomes: a well-formed
//! `__set_state` lands in the host's state; one with an offset that is no block fails its own step
//! with a kernel fault, leaves the state alone, and ends the actor (or, restarted, fails again);
//! the same functions linked into a plain plugin call, with no actor step running, fail the call
//! cleanly.

use concord_actor::{Actor, ActorSpec, StepRecord};
use concord_engine::{KernelFault, Outcome, PluginKernel, TrapKind};
use concord_tests::{engines, wat};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// `set_good` sets `"k"` to `1` through `__set_state` and returns `{}`; `set_bad` passes offsets
/// that are no blocks.
const SET_STATE: &str = r#"
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/user" "__set_state" (func $set_state (param i64 i64)))
  (memory (export "memory") 1)
  (func $byte (param $value i32) (result i64)
    (local $at i64)
    (local.set $at (call $alloc (i64.const 1)))
    (call $store (local.get $at) (local.get $value))
    (local.get $at))
  (func $empty_result
    (local $out i64)
    (local.set $out (call $alloc (i64.const 2)))
    (call $store (local.get $out) (i32.const 123))
    (call $store (i64.add (local.get $out) (i64.const 1)) (i32.const 125))
    (call $output_set (local.get $out) (i64.const 2)))
  (func (export "set_good") (result i32)
    (call $set_state (call $byte (i32.const 107)) (call $byte (i32.const 49)))
    (call $empty_result)
    (i32.const 0))
  (func (export "set_bad") (result i32)
    (call $set_state (i64.const 0xdead0000) (i64.const 0xdead0008))
    (call $empty_result)
    (i32.const 0)))
"#;

fn actor(engine: &dyn concord_engine::Engine, export: &str) -> Actor {
    actor_with(engine, export, |_| {})
}

fn actor_with(engine: &dyn concord_engine::Engine, export: &str, adjust: impl FnOnce(&mut ActorSpec)) -> Actor {
    let module = Arc::from(engine.compile(&wat(SET_STATE)).expect("the module compiles"));
    let mut spec = ActorSpec::new(export);
    spec.cpu.deadline = Some(Duration::from_secs(5));
    adjust(&mut spec);
    Actor::new(module, spec)
}

#[test]
fn a_well_formed_set_state_lands_in_the_hosts_state() {
    for engine in engines() {
        let record = actor(engine.as_ref(), "set_good").step(Default::default());
        let expected = json!({"k": 1}).as_object().unwrap().clone();
        assert_eq!(
            record,
            StepRecord::Returned { sent: vec![], outputs: Default::default(), state: expected },
            "{}",
            engine.id()
        );
    }
}

#[test]
fn a_bad_offset_to_an_actor_host_function_fails_the_step_not_the_host() {
    for engine in engines() {
        // Extism's JavaScript host reads any offset below 2^48 as a place in its own 1-byte block
        // 0: the bad offsets read that byte, which is not JSON, and the host function fails.
        let (outcome, words) = match engine.capabilities().kernel {
            PluginKernel::ExtismJs => (Outcome::Trap(TrapKind::HostFunction), "trap"),
            PluginKernel::Concord | PluginKernel::ExtismRuntime => {
                (Outcome::KernelFault(KernelFault::default()), "kernel fault")
            }
        };
        let failed = StepRecord::Failed { outcome, sent: vec![], state: Default::default() };
        // The flow runtime's way: the error ends the actor, and later messages are refused.
        let mut actor = actor(engine.as_ref(), "set_bad");
        assert_eq!(actor.step(Default::default()), failed, "{}", engine.id());
        let StepRecord::Rejected { reason, .. } = actor.step(Default::default()) else {
            panic!("{}: the actor goes on after an error", engine.id())
        };
        assert!(reason.starts_with(&format!("the actor ended when a step failed ({words}")), "{reason}");
        // A supervisor's way: the next step runs on a new instance, and fails the same way.
        let mut restarting = actor_with(engine.as_ref(), "set_bad", |spec| spec.restart_after_error = true);
        for step in 0..2 {
            assert_eq!(restarting.step(Default::default()), failed, "{} step {step}", engine.id());
        }
    }
}

#[test]
fn actor_host_functions_with_no_actor_step_running_fail_the_call() {
    let config = ActorSpec::new("set_good").instance_config().expect("the default limit is valid");
    for engine in engines() {
        let module = engine.compile(&wat(SET_STATE)).expect("the module compiles");
        let mut instance = module.instantiate(&config).expect("it instantiates");
        let outcome = instance.call("set_good", b"").outcome;
        assert_eq!(outcome, Outcome::Trap(TrapKind::HostFunction), "{}", engine.id());
    }
}
