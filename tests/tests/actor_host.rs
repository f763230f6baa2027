//! The actor host functions under abuse: a guest that hands `__set_state` an offset that is no
//! block, or a value that is not JSON, fails its own step with a classified trap on every engine;
//! the host's state is untouched and the actor's next step runs.

use concord_actor::{Actor, ActorSpec, StepRecord};
use concord_engine::{Outcome, TrapKind};
use concord_tests::{engines, wat};
use std::sync::Arc;
use std::time::Duration;

/// `process` calls `__set_state` with the key and value offsets its input names, as two i64s.
const SET_STATE_RAW: &str = r#"
(module
  (import "extism:host/env" "input_load_u64" (func $load (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/user" "__set_state" (func $set_state (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "process") (result i32)
    (local $out i64)
    (call $set_state (i64.const 0xdead0000) (i64.const 0xdead0008))
    (local.set $out (call $alloc (i64.const 2)))
    (call $store (local.get $out) (i32.const 123))
    (call $store (i64.add (local.get $out) (i64.const 1)) (i32.const 125))
    (call $output_set (local.get $out) (i64.const 2))
    (i32.const 0)))
"#;

#[test]
fn a_bad_offset_to_an_actor_host_function_fails_the_step_not_the_host() {
    let wasm = wat(SET_STATE_RAW);
    for engine in engines() {
        let module = Arc::from(engine.compile(&wasm).expect("the module compiles"));
        let mut spec = ActorSpec::new("process");
        spec.cpu.deadline = Some(Duration::from_secs(5));
        let mut actor = Actor::new(module, spec);
        for step in 0..2 {
            match actor.step(Default::default()) {
                StepRecord::Failed { outcome: Outcome::Trap(kind), state, .. } => {
                    assert!(
                        matches!(kind, TrapKind::KernelFault | TrapKind::HostFunction),
                        "{} step {step}: {kind:?}",
                        engine.id()
                    );
                    assert!(state.is_empty(), "{}: state changed", engine.id());
                }
                other => panic!("{} step {step}: a bad offset went through: {other:?}", engine.id()),
            }
        }
    }
}

#[test]
fn actor_host_functions_linked_without_an_actor_trap_instead_of_panicking() {
    let wasm = wat(SET_STATE_RAW);
    let config = ActorSpec::new("process").instance_config().expect("the default limit is valid");
    for engine in engines() {
        let module = engine.compile(&wasm).expect("the module compiles");
        let mut instance = module.instantiate(&config).expect("it instantiates");
        let outcome = instance.call("process", b"").outcome;
        assert!(matches!(outcome, Outcome::Trap(_)), "{}: {outcome:?}", engine.id());
    }
}
