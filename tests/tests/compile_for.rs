//! `Engine::compile_for` compiles only what one configuration needs (a fuel-metered variant,
//! Extism's limits) so compilation and instantiation can be timed apart. It must never change what
//! happens: a module compiled for one configuration behaves as a plainly compiled one, under that
//! configuration and under every other.

use concord::engine::{InstanceConfig, MemoryLimit};
use concord_tests::{call_once, engines, guest, i32s};
use std::time::Duration;

fn configs() -> Vec<(&'static str, InstanceConfig)> {
    vec![
        ("no budget", InstanceConfig::default()),
        ("fuel", InstanceConfig::default().with_fuel(10_000_000)),
        ("deadline", InstanceConfig::default().with_deadline(Duration::from_secs(5))),
        (
            "memory limit",
            InstanceConfig::default().with_memory_limit(MemoryLimit::from_pages(32)).with_fuel(10_000_000),
        ),
    ]
}

#[test]
fn a_module_compiled_for_a_configuration_behaves_as_a_plainly_compiled_one() {
    // 40 pages more than the one it starts with: past the 32-page limit, within the others.
    let cases = [("grow", "grow", i32s(&[40])), ("unknown_import", "run", Vec::new())];
    for (guest_name, export, input) in &cases {
        let wasm = guest(guest_name);
        for engine in engines() {
            let plain = engine.compile(&wasm).expect("compiles");
            for (compiled_for, config) in configs() {
                let module = engine.compile_for(&wasm, &config).expect("compiles");
                for (what, other) in configs() {
                    let context =
                        format!("{guest_name} on {} compiled for {compiled_for}, run with {what}", engine.id());
                    let expected = call_once(plain.as_ref(), &other, export, input).outcome;
                    assert_eq!(call_once(module.as_ref(), &other, export, input).outcome, expected, "{context}");
                }
            }
        }
    }
}
