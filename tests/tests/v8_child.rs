//! V8 runs in a Node.js child. A child that dies in the middle of a call is that call's engine
//! fault, the instances it held are gone, and a fresh child serves the next instance: the harness
//! neither hangs nor aborts.

use concord::engine::{HostFunction, InstanceConfig, Outcome, Val, ValType};
use concord_tests::{engines, wat};

const PLUGIN: &str = r#"(module
    (import "extism:host/user" "pause" (func $pause (param i64) (result i64)))
    (memory (export "memory") 1)
    (func (export "run") (result i32) (drop (call $pause (i64.const 0))) i32.const 0))"#;

/// Kills every Node.js child of this test process (only this file's tests run in it); Node names
/// its main thread `node-MainThread`.
fn kill_node_children() -> usize {
    let me = std::process::id().to_string();
    let mut killed = 0;
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else { continue };
        let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or_default();
        if field("PPid:") == me && field("Name:").starts_with("node") {
            let pid = entry.file_name().to_string_lossy().into_owned();
            let status = std::process::Command::new("kill").args(["-9", &pid]).status().expect("kill runs");
            killed += usize::from(status.success());
        }
    }
    killed
}

fn pause(kill: bool) -> HostFunction {
    HostFunction::new("pause", vec![ValType::I64], vec![ValType::I64], move |_, _| {
        if kill {
            assert!(kill_node_children() > 0, "the child serving the call is a child of this process");
        }
        Ok(vec![Val::I64(0)])
    })
}

#[test]
fn a_child_that_dies_mid_call_is_an_engine_fault_and_a_fresh_child_serves_the_next() {
    // The children Concord's own host layer runs in (V8's); Extism's JavaScript host has tests of its own.
    let children: Vec<_> =
        engines().iter().filter(|e| e.capabilities().out_of_process && e.capabilities().concord_host()).collect();
    assert!(!children.is_empty(), "this build has an engine out of process");
    for engine in children {
        let id = engine.id();
        let module = engine.compile(&wat(PLUGIN)).expect("compiles");
        let quiet = InstanceConfig::default().with_host_function(pause(false));
        assert_eq!(module.instantiate(&quiet).unwrap().call("run", b"").outcome, Outcome::Returned(vec![]), "{id}");

        let mut doomed = module.instantiate(&InstanceConfig::default().with_host_function(pause(true))).unwrap();
        let outcome = doomed.call("run", b"").outcome;
        assert!(matches!(outcome, Outcome::EngineFault(_)), "{id}: {outcome}");
        let after = doomed.call("run", b"").outcome;
        assert!(matches!(after, Outcome::EngineFault(ref why) if why.contains("gone")), "{id}: {after}");
        drop(doomed);

        let mut fresh = module.instantiate(&quiet).expect("a fresh child");
        assert_eq!(fresh.call("run", b"").outcome, Outcome::Returned(vec![]), "{id}");
    }
}
