//! The plugin ABI's shape rules on every configuration, with Extism's Rust host as the reference:
//! exports of type `() -> ()`, a GHC-style runtime started once (`_initialize`, then
//! `hs_init(0, 0)`), a WASI command's `_start` ending in `proc_exit(0)` and the fresh instance the
//! call after it gets, an exit status WASI does not
//! allow, and a module that is both a command and a reactor. Each case is asserted as a value and
//! as Extism's own answer, so a change on either side fails here.

use concord::engine::{GuestError, InstanceConfig, InstantiateFailure, KernelFault, Outcome, PluginKernel};
use concord_tests::{engines, guest, reference_host};

/// The outcomes of `exports` called one after the other on one instance of `guest`.
fn calls(engine: &dyn concord::engine::Engine, guest_name: &str, exports: &[&str]) -> Vec<Outcome> {
    let module = engine.compile(&guest(guest_name)).expect("compiles");
    match module.instantiate(&InstanceConfig::default()) {
        Ok(mut instance) => exports.iter().map(|export| instance.call(export, b"").outcome.normalized()).collect(),
        Err(outcome) => vec![outcome.normalized(); exports.len()],
    }
}

/// Every configuration but Extism's JavaScript host (whose SDK has rules of its own, printed),
/// against the expected outcomes and against Extism's Rust host.
fn check(guest_name: &str, exports: &[&str], expected: &[Outcome]) {
    let reference = reference_host();
    assert_eq!(calls(reference.as_ref(), guest_name, exports), expected, "{}, {guest_name}", reference.id());
    for engine in engines() {
        let got = calls(engine.as_ref(), guest_name, exports);
        if engine.capabilities().kernel == PluginKernel::ExtismJs {
            eprintln!("{}, {guest_name} {exports:?}: {got:?}", engine.id());
            continue;
        }
        assert_eq!(got, expected, "{}, {guest_name} {exports:?}", engine.id());
    }
}

#[test]
fn a_ghc_runtime_starts_once_before_the_first_call_and_void_exports_return() {
    check(
        "ghc_runtime",
        &["trace", "trace"],
        &[Outcome::Returned(b"IHR".to_vec()), Outcome::Returned(b"IHRR".to_vec())],
    );
}

#[test]
fn a_void_export_fails_through_the_kernel_with_code_zero() {
    check("ghc_runtime", &["fail"], &[Outcome::GuestError(GuestError { code: 0, message: "!".into() })]);
}

#[test]
fn a_wasi_commands_start_that_exits_with_zero_returns_its_output() {
    check("wasi_command", &["_start"], &[Outcome::Returned(b"1".to_vec())]);
}

#[test]
fn the_call_after_start_gets_a_fresh_instance() {
    let once = Outcome::Returned(b"1".to_vec());
    check("wasi_command", &["_start", "_start"], &[once.clone(), once.clone()]);
    check(
        "wasi_command",
        &["runs", "_start", "runs"],
        &[Outcome::Returned(b"0".to_vec()), once, Outcome::Returned(b"0".to_vec())],
    );
}

#[test]
fn an_exit_status_of_126_or_more_is_refused_not_an_exit() {
    check("wasi_command", &["exit_126"], &[Outcome::KernelFault(KernelFault::default())]);
}

#[test]
fn a_module_that_is_both_a_command_and_a_reactor_is_refused() {
    let refused = Outcome::InstantiateFailed(InstantiateFailure::Other { message: String::new() });
    check("command_and_reactor", &["run"], &[refused]);
}
