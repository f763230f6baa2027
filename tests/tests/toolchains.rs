//! Plugins built by other toolchains than the ones Concord's own guests use, run as a user's
//! would be: each call's outcome on every configuration equals what Extism's own host gives, and
//! what the plugin reports is checked as a value too. `std_probe` is Rust's standard library on
//! wasm32-wasip1: wasi-libc's start-up, stdio, clocks, sleep, randomness, environment and files.
//! `c_probe` is C through clang and wasi-libc (`zig cc`) as a WASI reactor whose constructors
//! run from `_initialize`; `zig_probe` is Zig's own standard library calling WASI directly. The
//! C and Zig guests need Zig, which `cargo xtask guests` installs from PyPI with pip, and the
//! AssemblyScript guest its compiler, installed from npm; on a machine without pip or npm their
//! tests say so and the command that installs it, and pass. `as_probe` is AssemblyScript,
//! its runtime (collector, strings, maps) started by the module's start function, no WASI.

use concord::engine::{GuestError, InstanceConfig, Outcome, PluginKernel};
use concord_tests::{engines, guest, reference_host};
use serde_json::json;

/// The outcome of `export` with `input` on one instance of `name`, on every configuration, and
/// Extism's Rust host's, which every other must equal (Extism's JavaScript host, whose WASI is
/// Node's, printed instead).
fn on_every_configuration(name: &str, export: &str, input: &str) -> Outcome {
    let wasm = guest(name);
    let run = |engine: &dyn concord::engine::Engine| {
        concord_tests::run_once(engine, &wasm, export, input.as_bytes(), &InstanceConfig::default())
    };
    let expected = run(reference_host().as_ref()).outcome;
    for engine in engines() {
        let call = run(engine.as_ref());
        if engine.capabilities().kernel == PluginKernel::ExtismJs {
            eprintln!("{}, {name} {export}: {}", engine.id(), call.outcome);
            continue;
        }
        assert_eq!(call.outcome, expected, "{} on {name} {export}", engine.id());
    }
    expected
}

fn json_output(outcome: &Outcome) -> serde_json::Value {
    serde_json::from_slice(outcome.output().unwrap_or_else(|| panic!("returned: {outcome}"))).expect("JSON")
}

#[test]
fn rust_std_on_wasip1_sees_the_same_wasi_everywhere() {
    let facts = json_output(&on_every_configuration("std_probe", "probe", "hi"));
    // No arguments, no environment, an empty stdin, no preopened directory: no file reachable.
    assert_eq!(
        facts,
        json!({
            "input": "hi", "after_2020": true, "monotonic": true, "args": 0, "env": 0, "stdin": 0,
            "read_file": facts["read_file"], "write_file": facts["write_file"], "read_dir": facts["read_dir"],
            "cwd": facts["cwd"], "map": 1,
        })
    );
    for key in ["read_file", "write_file", "read_dir"] {
        assert!(facts[key].is_string(), "{key}: {}", facts[key]);
    }
}

#[test]
fn rust_std_prints_sleeps_and_fails_as_on_extism() {
    assert_eq!(on_every_configuration("std_probe", "print", "hello"), Outcome::Returned(b"hello".to_vec()));
    assert_eq!(json_output(&on_every_configuration("std_probe", "sleep", "2")), json!({"slept_at_least": true}));
    let failed = on_every_configuration("std_probe", "fail", "x");
    assert_eq!(failed, Outcome::GuestError(GuestError { code: 7, message: "failed on x".into() }));
}

#[test]
fn concords_wasi_captures_what_rust_std_prints() {
    let wasm = guest("std_probe");
    for engine in engines().iter().filter(|e| e.capabilities().wasi == concord::engine::WasiHost::Concord) {
        let call = concord_tests::run_once(engine.as_ref(), &wasm, "print", b"hello", &InstanceConfig::default());
        assert_eq!((call.stdout.as_slice(), call.stderr.as_slice()), (&b"hello\n"[..], &b"to stderr: 5\n"[..]));
    }
}

/// Whether this machine can install what builds `name` (`program` with `args` answers); if not,
/// says so and how to get it. Where it can, the guest must be there: an install that failed is a
/// failure, not a skip.
fn installable(name: &str, program: &str, args: &[&str], command: &str) -> bool {
    let available = std::process::Command::new(program).args(args).output().is_ok_and(|o| o.status.success());
    if !available {
        eprintln!("skipped: {name} needs `{program}`, which is not installed here; then run `{command}`");
    }
    available
}

fn built_by_zig(name: &str) -> bool {
    installable(name, "python3", &["-m", "pip", "--version"], "cargo xtask zig")
}

#[test]
fn c_with_wasi_libc_runs_its_constructors_once_and_sees_the_same_wasi_everywhere() {
    if !built_by_zig("c_probe") {
        return;
    }
    let facts = json_output(&on_every_configuration("c_probe", "probe", "hi"));
    let open_errno = facts["open_errno"].clone();
    assert_eq!(
        facts,
        json!({"input": "hi", "constructed": 1, "after_2020": 1, "slept": 1, "environ": 0, "open_errno": open_errno, "heap": 1})
    );
    assert_ne!(open_errno, json!(0), "a file is reachable without a preopened directory");
    let failed = on_every_configuration("c_probe", "fail", "");
    assert_eq!(failed, Outcome::GuestError(GuestError { code: 3, message: "c_probe failed".into() }));
}

#[test]
fn zig_calling_wasi_directly_sees_the_same_wasi_everywhere() {
    if !built_by_zig("zig_probe") {
        return;
    }
    let facts = json_output(&on_every_configuration("zig_probe", "probe", "hi"));
    assert_eq!(
        facts,
        json!({"input": "hi", "after_2020": true, "poll": 0, "events": 1, "userdata": 42, "slept": true,
               "random": 0, "argc": 0, "write": 0, "written": 10, "heap": true})
    );
    let failed = on_every_configuration("zig_probe", "fail", "");
    assert_eq!(failed, Outcome::GuestError(GuestError { code: 5, message: "zig_probe failed".into() }));
}

#[test]
fn assemblyscript_with_its_own_runtime_answers_as_on_extism() {
    let compiler =
        concord::guests::workspace_root().join("target/toolchains/assemblyscript/node_modules/assemblyscript");
    if !compiler.exists() {
        eprintln!("skipped: as_probe needs the AssemblyScript compiler; install it with `cargo xtask assemblyscript`");
        return;
    }
    let facts = json_output(&on_every_configuration("as_probe", "probe", "b a b"));
    assert_eq!(
        facts,
        json!({"greeting": "as_probe", "calls": 1, "words": {"a": 1, "b": 2}, "sqrt2": std::f64::consts::SQRT_2})
    );
    let failed = on_every_configuration("as_probe", "fail", "");
    assert_eq!(failed, Outcome::GuestError(GuestError { code: 9, message: "as_probe failed".into() }));
}
