//! Several instances on several threads at once, on every engine; and one plugin hitting its
//! deadline must not interrupt another plugin that shares its engine.

use concord::engine::{Deadline, InstanceConfig, LimitKind, Module, Outcome};
use concord_tests::{engines, guest, wat};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// One plugin with a call that never ends and a call that counts down from the number in its
/// input: instances of one plugin under one configuration share whatever engine state a backend
/// keeps.
const SPIN_AND_WORK: &str = r#"(module
    (import "extism:host/env" "input_load_u64" (func $input (param i64) (result i64)))
    (memory (export "memory") 1)
    (func (export "spin") (result i32) (loop $l (br $l)) i32.const 0)
    (func (export "work") (result i32) (local $n i64)
        (local.set $n (call $input (i64.const 0)))
        (loop $l (local.set $n (i64.sub (local.get $n) (i64.const 1))) (br_if $l (i64.gt_s (local.get $n) (i64.const 0))))
        i32.const 0))"#;

/// A countdown that takes about 20 ms on this engine, so the bystander is nearly always mid-call
/// yet never near its own deadline.
fn calibrated_work(module: &dyn Module) -> [u8; 8] {
    let probe: u64 = 1_000_000;
    let mut instance = module.instantiate(&InstanceConfig::default()).unwrap();
    let start = std::time::Instant::now();
    instance.call("work", &probe.to_le_bytes());
    let elapsed = start.elapsed().as_secs_f64().max(1e-6);
    ((probe as f64 * 0.020 / elapsed) as u64).max(1000).to_le_bytes()
}

#[test]
fn instances_on_many_threads_give_the_models_answers() {
    for engine in engines() {
        let module: Arc<dyn Module> = Arc::from(engine.compile(&guest("stream")).expect("stream compiles"));
        std::thread::scope(|scope| {
            for thread in 0..4u8 {
                let module = module.clone();
                scope.spawn(move || {
                    let mut instance = module.instantiate(&InstanceConfig::default()).expect("instantiates");
                    for round in 0..25u8 {
                        let input = vec![thread.wrapping_mul(31).wrapping_add(round); 1000 + round as usize];
                        let expected: Vec<u8> = input.iter().map(|b| b.wrapping_add(1)).collect();
                        assert_eq!(
                            instance.call("stream", &input).outcome,
                            Outcome::Returned(expected),
                            "{}",
                            engine.id()
                        );
                    }
                });
            }
        });
    }
}

/// Runs `spin` under a short deadline on one thread while another thread keeps calling `work` on
/// another instance of the same plugin under the same configuration. Returns how many of the
/// bystander's calls were stopped, and how many it made.
fn bystander_interruptions(engine: &dyn concord::engine::Engine) -> (usize, usize) {
    let config = InstanceConfig::default().with_deadline(Duration::from_millis(300));
    let module: Arc<dyn Module> = Arc::from(engine.compile(&wat(SPIN_AND_WORK)).unwrap());
    let (spinning, ready) = (AtomicBool::new(true), AtomicBool::new(false));
    let module_for_bystander = module.clone();
    let (spinning, ready, config) = (&spinning, &ready, &config);
    std::thread::scope(|scope| {
        let work = calibrated_work(module.as_ref());
        let bystander = scope.spawn(move || {
            let mut instance = module_for_bystander.instantiate(config).unwrap();
            ready.store(true, Ordering::Relaxed);
            let (mut interrupted, mut calls) = (0, 0);
            while spinning.load(Ordering::Relaxed) {
                calls += 1;
                match instance.call("work", &work).outcome {
                    Outcome::Returned(_) => {}
                    Outcome::LimitHit(LimitKind::Deadline) => interrupted += 1,
                    other => panic!("{}: bystander ended with {other}", engine.id()),
                }
            }
            (interrupted, calls)
        });
        // The spinner starts once the bystander can call: a slow instantiation (a worker thread,
        // a Node child) must not end the spin before the bystander made a call.
        let mut spinner = module.instantiate(config).unwrap();
        while !ready.load(Ordering::Relaxed) {
            std::thread::yield_now();
        }
        let outcome = spinner.call("spin", b"").outcome;
        spinning.store(false, Ordering::Relaxed);
        assert_eq!(outcome, Outcome::LimitHit(LimitKind::Deadline), "{}", engine.id());
        bystander.join().unwrap()
    })
}

#[test]
fn a_deadline_hit_does_not_interrupt_a_bystander() {
    for engine in engines().iter().filter(|e| e.capabilities().deadline != Deadline::PluginWide) {
        let (interrupted, calls) = bystander_interruptions(engine.as_ref());
        assert!(calls > 0, "{}: the bystander made no call", engine.id());
        assert_eq!(interrupted, 0, "{}: another plugin's deadline stopped the bystander", engine.id());
    }
}

/// Measured on extism 1.41: its timer enforces a timeout by bumping the epoch of the wasmtime
/// engine behind the compiled plugin, and every call on every instance of that plugin traps at the
/// next epoch change. So the call another instance has in flight is stopped as a timeout too.
/// (The bystander may be between calls at that instant, hence a few attempts.)
#[test]
fn a_plugin_wide_deadline_interrupts_a_bystander_on_the_same_plugin() {
    let plugin_wide = engines().iter().filter(|e| e.capabilities().deadline == Deadline::PluginWide);
    for engine in plugin_wide {
        let interrupted = (0..10).map(|_| bystander_interruptions(engine.as_ref()).0).find(|&n| n > 0);
        assert!(
            interrupted.is_some(),
            "{}: the bystander was never interrupted: the shared epoch changed",
            engine.id()
        );
    }
}
