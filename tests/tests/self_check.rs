//! The suite catches each planted fault: an output byte flipped, one page granted past the limit,
//! growth refused one page early, a state key dropped, the CPU budget ignored, the kernel's
//! `length` one byte short, WASI's `fd_write` one byte short, a return code one lower, a child's
//! answer late or a byte of it lost on the pipe, a typed call's i64 results with their low bit
//! flipped (caught by the spec suite), a typed store granted a page past its limit and an
//! `i64.rem_s` wrong for negative divisors (caught by generated modules).

use concord::case::load_cases;
use concord::engine::Capabilities;
use concord_self_check::{Fault, Honest, Planted, hunt};
use concord_tests::{engines, in_process, position_with};
use concord_verdict::divergence::Divergences;

/// Each fault planted, under its own id and with the registry in force, in a configuration that
/// can express it, beside all the others: the case files and a few drawn cases catch every plugin
/// fault, the spec testsuite and generated modules every typed one. A pipe fault has no pipe to
/// live in on an engine in process, and is reported not applicable there, not caught.
#[test]
fn every_planted_fault_is_caught_where_it_can_show() {
    let mut cases = load_cases(&concord::conformance_dir().join("cases")).expect("case files parse");
    cases.extend(concord::scenario::generate(0x5e1f, 16, None));
    let honest = Honest::observe(engines(), cases, 0);
    let divergences = Divergences::builtin();
    let typed_concord_host = |c: &Capabilities| c.typed_layer && c.concord_host();
    let in_process = position_with(|c| typed_concord_host(c) && !c.out_of_process);
    let in_child = position_with(|c| typed_concord_host(c) && c.out_of_process);
    for fault in Fault::ALL {
        let at = match fault {
            Fault::PipeAnswerLate | Fault::PipeDropsByte => in_child,
            _ => in_process,
        };
        let id = engines()[at].id();
        match honest.plant_in(at, fault, &divergences) {
            Planted::Caught { case, note } => println!("{:24} in {id} caught by {case}: {note}", fault.name()),
            other => panic!("{} in {id}: {other:?}", fault.name()),
        }
    }
    for fault in [Fault::PipeAnswerLate, Fault::PipeDropsByte] {
        assert_eq!(honest.plant_in(in_process, fault, &divergences), Planted::NotApplicable, "{}", fault.name());
    }
}

/// What `scenario` alone shrinks `fault` to, planted in a configuration in process; it must catch it.
fn caught_by(scenario: &str, fault: Fault) {
    let inner = in_process();
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
