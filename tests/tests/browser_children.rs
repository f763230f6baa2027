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

/// Sends `signal` to every child of this test process that is a runtime (only this file's tests
/// run in it) and whose state `only` accepts; how many it reached.
fn signal_children(signal: &str, only: impl Fn(&str) -> bool) -> usize {
    let me = std::process::id().to_string();
    let mut signalled = 0;
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else { continue };
        let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or_default();
        let runtime = RUNTIMES.iter().any(|runtime| field("Name:").starts_with(runtime));
        if field("PPid:") == me && runtime && only(field("State:")) {
            let pid = entry.file_name().to_string_lossy().into_owned();
            let status = std::process::Command::new("kill").args([signal, &pid]).status().expect("kill runs");
            signalled += usize::from(status.success());
        }
    }
    signalled
}

fn kill_children() -> usize {
    signal_children("-KILL", |_| true)
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

/// A child that dies after its last answer, while it sits idle in the pool, may be leased before
/// its death shows (here: stopped, leased, then killed while the next request waits on it). The
/// request that opens a module or a store runs no Wasm and loses nothing, so it goes to a fresh
/// child instead of failing the module or the whole store.
#[test]
fn a_child_that_dies_as_it_is_leased_is_replaced_before_anything_runs_in_it() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let stopped = |state: &str| state.starts_with('T');
    let dying_as_leased = || {
        assert!(signal_children("-STOP", |_| true) > 0, "an idle child in the pool");
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            signal_children("-KILL", stopped)
        })
    };
    for (n, engine) in children().into_iter().enumerate() {
        let id = engine.id();
        let quiet = InstanceConfig::default().with_host_function(pause(false));
        let warm = engine.compile(&wat(PLUGIN)).expect("compiles");
        assert_eq!(warm.instantiate(&quiet).unwrap().call("run", b"").outcome, Outcome::Returned(vec![]), "{id}");

        // Another module, so that it is compiled in the child and not found among the handles.
        let killer = dying_as_leased();
        let other = PLUGIN.replace("(i64.const 0)", &format!("(i64.const {})", n + 1));
        let module = engine.compile(&wat(&other));
        assert!(killer.join().expect("the killer") > 0, "{id}: the leased child was killed");
        let module = module.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(module.instantiate(&quiet).unwrap().call("run", b"").outcome, Outcome::Returned(vec![]), "{id}");

        let killer = dying_as_leased();
        let store = engine.typed_store(&InstanceConfig::default());
        assert!(killer.join().expect("the killer") > 0, "{id}: the leased child was killed");
        assert!(store.is_ok(), "{id}: {:?}", store.err());
    }
}

/// A runtime can fail to come up (under a loaded machine PythonMonkey has not answered its first
/// hello in time): opening a store or a module, which runs no Wasm, then starts one more child
/// instead of failing every command that would have run in it. The runtime here is Node behind a
/// shell that exits the first time it is started.
#[test]
fn a_child_that_does_not_come_up_is_started_once_more() {
    use concord_node::protocol::Hello;
    use concord_node::{pool, runtime::Runtime};
    // Its child is a Node process too, which the other tests here stop and kill.
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let node = concord_node::node().expect("Node is installed (cargo xtask node)");
    let marker = std::env::temp_dir().join(format!("concord-first-start-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let first_start_fails = r#"if [ -e "$MARKER" ]; then exec "$NODE" "$1"; fi; touch "$MARKER"; exit 3"#;
    let runtime = Runtime {
        name: "flaky Node",
        program: "/bin/sh".into(),
        args: vec!["-c".into(), first_start_fails.into(), "sh".into()],
        env: vec![("MARKER".into(), marker.display().to_string()), ("NODE".into(), node.display().to_string())],
    };
    let key = pool::Key { host: &concord_browser::HOST, runtime, exclusive: true };
    let opened = pool::lease(key).lock().open(&Hello {});
    assert!(marker.exists(), "the first start ran and failed");
    let _ = std::fs::remove_file(&marker);
    let (_, versions) = opened.unwrap_or_else(|outcome| panic!("the second start serves the request: {outcome}"));
    assert_eq!(versions.get("engine").map(String::as_str), Some("v8"), "{versions:?}");
}
