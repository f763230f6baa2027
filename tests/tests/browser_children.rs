//! The browser engines run in children (V8 in Node, JavaScriptCore in Bun, SpiderMonkey in
//! PythonMonkey). A child that dies in the middle of a call is that call's engine fault, the
//! instances it held are gone, and a fresh child serves the next instance; a call that runs past
//! its deadline in an engine that cannot stop it there ends its child and is stopped by the
//! deadline. The harness neither hangs nor aborts.

use concord::engine::{Deadline, HostFunction, InstanceConfig, LimitKind, Outcome, Val, ValType};
use concord_tests::{engines, wat};
use std::time::{Duration, Instant};

const PLUGIN: &str = r#"(module
    (import "extism:host/user" "pause" (func $pause (param i64) (result i64)))
    (memory (export "memory") 1)
    (func (export "run") (result i32) (drop (call $pause (i64.const 0))) i32.const 0)
    (func (export "spin") (result i32) (loop $l (br $l)) i32.const 0))"#;

/// One test at a time: killing this process's children would kill the other test's too.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The runtimes' process names: Node names its main thread `node-MainThread`.
const RUNTIMES: [&str; 3] = ["node", "bun", "python"];

/// Kills every child of this test process that is a runtime (only this file's tests run in it).
fn kill_children() -> usize {
    let me = std::process::id().to_string();
    let mut killed = 0;
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else { continue };
        let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or_default();
        if field("PPid:") == me && RUNTIMES.iter().any(|runtime| field("Name:").starts_with(runtime)) {
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
            assert!(kill_children() > 0, "the child serving the call is a child of this process");
        }
        Ok(vec![Val::I64(0)])
    })
}

/// The children Concord's own host layer runs in (the browser engines'); Extism's JavaScript host
/// has tests of its own.
fn children() -> Vec<std::sync::Arc<dyn concord::engine::Engine>> {
    let children: Vec<_> = engines()
        .iter()
        .filter(|e| e.capabilities().out_of_process && e.capabilities().concord_host())
        .cloned()
        .collect();
    assert!(children.len() >= 3, "this build has V8, JavaScriptCore and SpiderMonkey out of process");
    children
}

#[test]
fn a_child_that_dies_mid_call_is_an_engine_fault_and_a_fresh_child_serves_the_next() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for engine in children() {
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

#[test]
fn a_call_past_a_deadline_the_engine_cannot_hold_ends_its_child_and_a_fresh_one_serves_the_next() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ending =
        children().into_iter().filter(|e| e.capabilities().deadline == Deadline::EndsProcess).collect::<Vec<_>>();
    assert!(ending.len() >= 2, "JavaScriptCore and SpiderMonkey end their child at a deadline");
    let deadline = Duration::from_millis(200);
    for engine in ending {
        let id = engine.id();
        let module = engine.compile(&wat(PLUGIN)).expect("compiles");
        let config = InstanceConfig::default().with_host_function(pause(false)).with_deadline(deadline);
        let mut spinning = module.instantiate(&config).unwrap();
        let start = Instant::now();
        assert_eq!(spinning.call("spin", b"").outcome, Outcome::LimitHit(LimitKind::Deadline), "{id}");
        let took = start.elapsed();
        assert!(took >= deadline, "{id}: stopped after {took:?}, before its deadline");
        // Not a timing test: a generous bound that only a hang would break.
        assert!(took < deadline + Duration::from_secs(5), "{id}: stopped after {took:?}");
        let after = spinning.call("run", b"").outcome;
        assert!(matches!(after, Outcome::EngineFault(ref why) if why.contains("gone")), "{id}: {after}");

        let mut fresh = module.instantiate(&config).expect("a fresh child");
        assert_eq!(fresh.call("run", b"").outcome, Outcome::Returned(vec![]), "{id}");
    }
}
