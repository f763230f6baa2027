//! The suite catches each planted fault: an output byte flipped, one page granted past the limit,
//! growth refused one page early, a state key dropped, the CPU budget ignored, the kernel's `length`
//! one byte short, WASI's `fd_write` one byte short, a typed call's i64 results with their low bit flipped (caught by the spec suite),
//! a typed store granted a page past its limit and an `i64.rem_s` wrong for negative divisors
//! (caught by generated modules).

use concord::divergence::Divergences;
use concord::self_check::{Fault, Layer, hunt, hunt_generated, hunt_spec};
use concord_tests::engines;

#[test]
fn every_planted_fault_is_caught() {
    let inner = engines().iter().find(|e| e.id() == "wasmtime-cranelift").expect("wasmtime-cranelift").clone();
    for fault in Fault::ALL {
        let caught = match fault.layer() {
            Layer::Spec => hunt_spec(inner.clone(), fault, &Divergences::default()),
            Layer::Generated => hunt_generated(inner.clone(), fault, 0, &std::env::temp_dir().join("concord-hunt")),
            Layer::Plugin => hunt(inner.clone(), fault, 0x5e1f, 32, None, &Divergences::default())
                .map(|(case, note)| (case.id(), note)),
        };
        let (case, note) = caught.unwrap_or_else(|| panic!("{} went unnoticed", fault.name()));
        println!("{:18} caught by {case}: {note}", fault.name());
    }
}

/// What `scenario` alone shrinks `fault` to, planted in wasmtime-cranelift; it must catch it.
fn caught_by(scenario: &str, fault: Fault) {
    let inner = engines().iter().find(|e| e.id() == "wasmtime-cranelift").expect("wasmtime-cranelift").clone();
    let caught = hunt(inner, fault, 0x5e1f, 64, Some(scenario), &Divergences::default());
    let (case, note) = caught.unwrap_or_else(|| panic!("the {scenario} scenario misses {}", fault.name()));
    assert_eq!(case.scenario, scenario);
    println!("caught by {}: {note}\n{:?}", case.id(), case.origin);
}

/// The WASI scenario alone catches an `fd_write` that reports one byte fewer than it wrote: it
/// compares every count WASI writes back, where the other guests never write through WASI.
#[test]
fn the_wasi_scenario_catches_a_planted_wasi_fault() {
    caught_by("wasi", Fault::WasiWriteShort);
}

/// The kernel scenario alone catches a kernel that answers `length` one byte short: it compares
/// every kernel answer, not only what a guest makes of them.
#[test]
fn the_kernel_scenario_catches_a_planted_kernel_fault() {
    caught_by("kernel", Fault::KernelLengthShort);
}
