//! The WASI preview1 subset on the native kernel: captured stdout, seeded randomness, exit codes,
//! no file access, and bounds-checked pointers. Extism's hosts bring their own WASI (wasmtime-wasi in
//! Rust, Node's in JavaScript); where they behave differently the test says what they do instead.

use concord::engine::wasi::{ERRNO_BADF, Wasi};
use concord::engine::{GuestError, InstanceConfig, KernelFault, Outcome, WasiHost};
use concord_tests::{engines, guest, run_once};

fn call(engine: &dyn concord::engine::Engine, export: &str) -> concord::engine::Call {
    run_once(engine, &guest("wasi"), export, b"", &InstanceConfig::default())
}

fn native() -> impl Iterator<Item = &'static std::sync::Arc<dyn concord::engine::Engine>> {
    engines().iter().filter(|e| e.capabilities().wasi == WasiHost::Concord)
}

#[test]
fn stdout_is_captured() {
    for engine in native() {
        let call = call(engine.as_ref(), "write");
        let mut expected = 0i32.to_le_bytes().to_vec();
        expected.extend(6u32.to_le_bytes());
        assert_eq!(call.outcome, Outcome::Returned(expected), "{}", engine.id());
        assert_eq!(call.stdout, b"hello\n", "{}", engine.id());
    }
}

#[test]
fn randomness_is_seeded_and_the_same_on_every_native_engine() {
    let mut model = [0u8; 16];
    Wasi::default().fill_random(&mut model);
    assert_ne!(model, [0u8; 16]);
    for engine in native() {
        assert_eq!(call(engine.as_ref(), "random").outcome, Outcome::Returned(model.to_vec()), "{}", engine.id());
    }
}

#[test]
fn proc_exit_is_a_guest_error_with_its_code() {
    for engine in engines() {
        // Node's WASI leaves proc_exit by throwing an object that is no Error, which the SDK's
        // worker hands back with neither message nor stack: the call fails, the code is lost.
        let code = if engine.capabilities().wasi == WasiHost::Node { 0 } else { 3 };
        match call(engine.as_ref(), "exit").outcome {
            Outcome::GuestError(GuestError { code: c, message }) if c == code && message.is_empty() => {}
            other => panic!("{}: expected exit code 3, got {other:?}", engine.id()),
        }
    }
}

#[test]
fn the_host_file_system_is_out_of_reach() {
    // No directory is preopened, so opening relative to fd 3 is EBADF, here and in Extism's WASI.
    for engine in engines() {
        let errno = call(engine.as_ref(), "open").outcome;
        assert_eq!(errno, Outcome::Returned((ERRNO_BADF as u32).to_le_bytes().to_vec()), "{}", engine.id());
    }
}

#[test]
fn a_bad_iovec_is_a_kernel_fault_not_a_host_crash() {
    for engine in engines() {
        let outcome = call(engine.as_ref(), "bad_iovec").outcome;
        let wasi = engine.capabilities().wasi;
        if wasi == WasiHost::Node {
            // Node's WASI answers the bad pointer with an errno, not a trap, and the guest goes on.
            assert!(matches!(outcome, Outcome::Returned(_)), "{outcome}");
            continue;
        }
        assert_eq!(outcome.normalized(), Outcome::KernelFault(KernelFault::default()), "{}", engine.id());
        if wasi == WasiHost::Concord {
            assert!(matches!(&outcome, Outcome::KernelFault(f) if f.function == "fd_write"), "{outcome}");
        }
    }
}
