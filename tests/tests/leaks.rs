//! 10,000 instantiate / call / drop cycles per engine on one compiled module keep resident memory
//! flat: growth under 10% after warm-up. One test in its own binary, so no other test's
//! allocations show up in the process's resident size.

use concord::engine::{Deadline, InstanceConfig, Outcome};
use concord_tests::{engines, guest};

const WARM_UP: usize = 500;
const CYCLES: usize = 10_000;

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("resident pages");
    pages * 4096
}

#[test]
fn instance_cycles_do_not_leak() {
    let wasm = guest("stream");
    let config = InstanceConfig::default();
    let mut report = Vec::new();
    let mut measured_out_of_process = Vec::new();
    for engine in engines() {
        // Where each instance starts a worker in a Node child (about 25 ms, the deadline covers
        // it), 10,500 cycles would take minutes to measure only the Rust side, which it shares
        // with V8 (concord-node's children, leases and compiled modules), measured here already.
        if engine.capabilities().deadline == Deadline::CallAndStart {
            continue;
        }
        // An engine in another process holds nothing here but its backend's Rust side, which its
        // capabilities steer (how limits are held, how children are leased): a configuration
        // that only differs from one measured in the child's options (a tier) adds nothing.
        let capabilities = engine.capabilities();
        if capabilities.out_of_process {
            if measured_out_of_process.contains(capabilities) {
                continue;
            }
            measured_out_of_process.push(capabilities.clone());
        }
        let module = engine.compile(&wasm).expect("stream compiles");
        let cycle = |i: usize| {
            let mut instance = module.instantiate(&config).expect("instantiates");
            let input = [i as u8; 64];
            assert!(matches!(instance.call("stream", &input).outcome, Outcome::Returned(_)), "{}", engine.id());
        };
        (0..WARM_UP).for_each(cycle);
        let before = resident_bytes();
        (0..CYCLES).for_each(cycle);
        let after = resident_bytes();
        let growth = after.saturating_sub(before) as f64 / before as f64;
        report.push(format!(
            "{}: {} KiB -> {} KiB ({:+.1}%)",
            engine.id(),
            before / 1024,
            after / 1024,
            growth * 100.0
        ));
        assert!(
            growth < 0.10,
            "{} grew {:.1}% over {CYCLES} cycles:\n{}",
            engine.id(),
            growth * 100.0,
            report.join("\n")
        );
    }
    println!("{}", report.join("\n"));
}
