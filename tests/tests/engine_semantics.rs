//! Each engine's limit semantics, pinned as measured on the pinned versions. These are facts to
//! re-verify on every upgrade: a change here is a change an embedder would feel.

use concord::engine::{
    BadExport, CompileError, Deadline, Engine, GuestError, InstanceConfig, InstantiateFailure, KernelFault, LimitKind,
    MemoryLimit, MemoryLimiting, Outcome, PluginKernel, Refusal, TrapKind,
};
use concord_tests::{call_once, capabilities, compiled, engines, guest, i32s, run_once, wat};
use concord_wasmtime::{Allocator, Compiler, WasmtimeEngine};
use std::time::{Duration, Instant};

#[test]
fn grow_past_the_limit() {
    let config = InstanceConfig::default().with_memory_limit(MemoryLimit::from_pages(8));
    for (id, module) in compiled("grow") {
        let mut instance = module.instantiate(&config).expect("1 page fits in 8");
        let call = instance.call("grow", &i32s(&[100]));
        match capabilities(id).memory_limit {
            // Extism's limiter errors with "oom": the call fails and the guest never sees -1.
            MemoryLimiting::CallFails => assert_eq!(call.outcome, Outcome::LimitHit(LimitKind::Memory), "{id}"),
            // The JavaScript SDK's memory.maxPages counts its kernel's blocks, not linear memory.
            MemoryLimiting::KernelBlocksOnly => {
                assert_eq!(call.outcome, Outcome::Returned(i32s(&[1])), "{id}: the grow succeeded")
            }
            MemoryLimiting::GrowFails | MemoryLimiting::DeclaredMaximumCapped => {
                assert_eq!(call.outcome, Outcome::Returned(i32s(&[-1])), "{id}");
                assert_eq!(instance.memory_pages(), Some(1), "{id}: the refused grow left memory as it was");
            }
        }
        if !capabilities(id).memory_visible {
            assert_eq!(instance.memory_pages(), None, "{id} keeps guest memory to itself");
        }
    }
}

/// A memory counts against the limit whether or not the code uses it (tinywasm 0.11, left alone,
/// does not make a memory that nothing exports, initialises or touches).
#[test]
fn initial_memory_over_the_limit() {
    let exported = wat(r#"(module (memory (export "memory") 4) (func (export "run") (result i32) i32.const 0))"#);
    let unused = wat(r#"(module (memory 4) (func (export "run") (result i32) i32.const 0))"#);
    let config = InstanceConfig::default().with_memory_limit(MemoryLimit::from_pages(2));
    for engine in engines() {
        let expected = match engine.capabilities().memory_limit {
            // Extism instantiates on the first call: that call fails with "oom".
            MemoryLimiting::CallFails => Outcome::LimitHit(LimitKind::Memory),
            // The JavaScript SDK's memory.maxPages does not bound linear memory: the call runs.
            MemoryLimiting::KernelBlocksOnly => Outcome::Returned(Vec::new()),
            MemoryLimiting::GrowFails | MemoryLimiting::DeclaredMaximumCapped => {
                Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit)
            }
        };
        for (which, module) in [("exported", &exported), ("unused", &unused)] {
            let call = run_once(engine.as_ref(), module, "run", b"", &config);
            assert_eq!(call.outcome, expected, "{} ({which} memory)", engine.id());
        }
    }
}

const SPIN: &str = r#"(module (memory (export "memory") 1)
    (func (export "spin") (result i32) (loop $l (br $l)) i32.const 0))"#;

#[test]
fn a_runaway_loop_is_stopped_by_fuel() {
    let config = InstanceConfig::default().with_fuel(1_000_000);
    for engine in engines() {
        let call = run_once(engine.as_ref(), &wat(SPIN), "spin", b"", &config);
        if !engine.capabilities().fuel.in_plugin_calls() {
            assert!(matches!(call.outcome, Outcome::Unsupported(_)), "{}: {}", engine.id(), call.outcome);
            continue;
        }
        assert_eq!(call.outcome, Outcome::LimitHit(LimitKind::Fuel), "{}", engine.id());
    }
}

#[test]
fn one_module_serves_instances_with_and_without_a_fuel_budget() {
    // Backends count fuel only in instances that have a budget (a second, metered compile of the
    // same module): mixing both on one module must leave each instance with its own budget.
    let module = wat(r#"(module (memory (export "memory") 1)
        (func (export "spin") (result i32) (loop $l (br $l)) i32.const 0)
        (func (export "count") (result i32) (local $i i32)
            (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
                     (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
            i32.const 0))"#);
    let fuel = InstanceConfig::default().with_fuel(1_000_000);
    let (finishes, stopped) = (Outcome::Returned(Vec::new()), Outcome::LimitHit(LimitKind::Fuel));
    for engine in engines() {
        let deadline = InstanceConfig::default().with_deadline(deadline_for_a_loop(engine.capabilities().deadline));
        let module = engine.compile(&module).expect("compiles");
        let call = |config: &InstanceConfig, export: &str| call_once(module.as_ref(), config, export, b"").outcome;
        let id = engine.id();
        assert_eq!(call(&InstanceConfig::default(), "count"), finishes, "{id}: no budget");
        if !engine.capabilities().fuel.in_plugin_calls() {
            assert!(matches!(call(&fuel, "spin"), Outcome::Unsupported(_)), "{id}: fuel where there is none");
            assert_eq!(call(&deadline, "spin"), Outcome::LimitHit(LimitKind::Deadline), "{id}: a deadline alone");
            continue;
        }
        assert_eq!(call(&fuel, "spin"), stopped, "{id}: a fuel budget after an instance without one");
        assert_eq!(call(&fuel, "count"), finishes, "{id}: a fuel budget large enough");
        assert_eq!(call(&InstanceConfig::default(), "count"), finishes, "{id}: no budget after a fuel budget");
        assert_eq!(call(&deadline, "spin"), Outcome::LimitHit(LimitKind::Deadline), "{id}: a deadline alone");
    }
}

#[test]
fn the_pooling_allocator_refuses_a_valid_module_over_its_limits_as_unsupported() {
    // wasmtime's pool takes tables of up to 20,000 elements per module; the module is valid Wasm
    // and every other configuration runs it.
    let big_table = wat(r#"(module (table 30000 funcref) (memory (export "memory") 1)
        (func (export "run") (result i32) (i32.const 0)))"#);
    for engine in engines() {
        let outcome = run_once(engine.as_ref(), &big_table, "run", b"", &InstanceConfig::default()).outcome;
        if engine.capabilities().instance_pool {
            assert!(matches!(outcome, Outcome::Unsupported(_)), "{}: {outcome:?}", engine.id())
        } else {
            assert_eq!(outcome, Outcome::Returned(Vec::new()), "{}", engine.id());
        }
    }
}

#[test]
fn a_full_instance_pool_refuses_the_next_instance_until_one_is_dropped() {
    let module = wat(r#"(module (memory (export "memory") 1) (func (export "run") (result i32) (i32.const 0)))"#);
    let config = InstanceConfig::default();
    // A pool of its own: filling the shared engines' pool would starve the tests running beside it.
    let pooled = WasmtimeEngine::new(Compiler::Cranelift, Allocator::Pooling).expect("pooled wasmtime");
    let module = pooled.compile(&module).expect("compiles");
    // wasmtime's default pool holds 1,000 instances; the cap only stops a pool that never fills.
    let mut live = Vec::new();
    let refusal = loop {
        match module.instantiate(&config) {
            Ok(instance) if live.len() < 100_000 => live.push(instance),
            Ok(_) => panic!("the pool never filled"),
            Err(outcome) => break outcome,
        }
    };
    assert!(!live.is_empty(), "the pool took no instance at all: {refusal:?}");
    assert_eq!(
        refusal,
        Outcome::InstantiateFailed(InstantiateFailure::PoolExhausted),
        "after {} instances",
        live.len()
    );

    let mut survivor = live.pop().expect("a live instance");
    assert_eq!(
        survivor.call("run", b"").outcome,
        Outcome::Returned(Vec::new()),
        "a full pool still runs its instances"
    );
    drop(survivor);
    let mut newcomer = module.instantiate(&config).expect("a dropped instance frees its slot");
    assert_eq!(newcomer.call("run", b"").outcome, Outcome::Returned(Vec::new()));
}

/// A deadline that stops a runaway loop on a configuration whose deadline bounds `bounded`. Where
/// it also bounds starting the plugin's worker (Extism's JavaScript host, 80 ms or more on a busy
/// machine, documented), the worker gets time to start, so the loop is what it stops.
fn deadline_for_a_loop(bounded: Deadline) -> Duration {
    match bounded {
        Deadline::Call | Deadline::PluginWide | Deadline::EndsProcess => Duration::from_millis(50),
        Deadline::CallAndStart => Duration::from_millis(2_000),
    }
}

#[test]
fn a_runaway_loop_is_stopped_by_the_deadline() {
    for engine in engines() {
        let deadline = deadline_for_a_loop(engine.capabilities().deadline);
        let config = InstanceConfig::default().with_deadline(deadline);
        let start = Instant::now();
        let call = run_once(engine.as_ref(), &wat(SPIN), "spin", b"", &config);
        assert_eq!(call.outcome, Outcome::LimitHit(LimitKind::Deadline), "{}", engine.id());
        // Not a timing test: a generous bound that only a hang would break.
        assert!(start.elapsed() < deadline + Duration::from_secs(5), "{} overran its deadline", engine.id());
    }
}

#[test]
fn malformed_wasm_is_a_clear_compile_error() {
    let truncated = &wat(SPIN)[..20];
    for bytes in [b"not wasm at all".as_slice(), truncated, &[]] {
        for engine in engines() {
            match engine.compile(bytes) {
                Err(CompileError::Invalid(message)) => assert!(!message.is_empty(), "{}", engine.id()),
                Err(other) => panic!("{}: expected an invalid-module error, got {other:?}", engine.id()),
                Ok(_) => panic!("{} accepted {} malformed bytes", engine.id(), bytes.len()),
            }
        }
    }
}

#[test]
fn a_missing_import_is_named() {
    let module = wat(r#"(module (import "extism:host/user" "nope" (func))
        (memory (export "memory") 1) (func (export "run") (result i32) i32.const 0))"#);
    let expected = Outcome::InstantiateFailed(InstantiateFailure::MissingImport {
        module: "extism:host/user".into(),
        name: "nope".into(),
    });
    for engine in engines() {
        assert_eq!(
            run_once(engine.as_ref(), &module, "run", b"", &InstanceConfig::default()).outcome,
            expected,
            "{}",
            engine.id()
        );
    }
}

/// Extism's hosts link all of WASI preview 1 (wasmtime-wasi in Rust, Node's in JavaScript); the
/// native kernel links the subset it implements, and names a function outside it as missing.
#[test]
fn a_wasi_function_go_and_ghc_import_links_on_every_host() {
    // `poll_oneoff` was outside Concord's WASI once, and Go's and GHC's plugins failed to
    // instantiate on every configuration but Extism's two hosts.
    let module =
        wat(r#"(module (import "wasi_snapshot_preview1" "poll_oneoff" (func (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1) (func (export "run") (result i32) i32.const 0))"#);
    for engine in engines() {
        let outcome = run_once(engine.as_ref(), &module, "run", b"", &InstanceConfig::default()).outcome;
        assert_eq!(outcome, Outcome::Returned(Vec::new()), "{}", engine.id());
    }
}

#[test]
fn wasm_traps_are_classified_alike() {
    let cases = [
        ("unreachable", TrapKind::Unreachable),
        ("i32.const 0 i32.const 0 i32.div_s drop", TrapKind::IntegerDivisionByZero),
        ("i32.const 0x7fffffff i32.load drop", TrapKind::MemoryOutOfBounds),
    ];
    for (body, trap) in cases {
        let module = wat(&format!(
            r#"(module (memory (export "memory") 1) (func (export "run") (result i32) {body} i32.const 0))"#
        ));
        for engine in engines() {
            // The same kind, or one that names it among two causes (SpiderMonkey's out of bounds).
            let outcome = run_once(engine.as_ref(), &module, "run", b"", &InstanceConfig::default()).outcome;
            let alike = matches!(outcome, Outcome::Trap(kind) if kind.covers(trap));
            assert!(alike, "{} on `{body}`: {outcome}", engine.id());
        }
    }
}

#[test]
fn a_bad_export_is_reported_not_called() {
    let module = wat(
        r#"(module (memory (export "memory") 1) (func (export "takes_arg") (param i32) (result i32) i32.const 0))"#,
    );
    for engine in engines() {
        let missing = run_once(engine.as_ref(), &module, "absent", b"", &InstanceConfig::default());
        assert_eq!(
            missing.outcome,
            Outcome::BadExport(BadExport::Missing { name: "absent".into() }),
            "{}",
            engine.id()
        );
    }
}

#[test]
fn a_non_zero_return_code_is_a_guest_error() {
    let module = wat(r#"(module (memory (export "memory") 1) (func (export "run") (result i32) i32.const 7))"#);
    for engine in engines() {
        let call = run_once(engine.as_ref(), &module, "run", b"", &InstanceConfig::default());
        let expected = match engine.capabilities().kernel {
            PluginKernel::Concord => Outcome::GuestError(GuestError { code: 7, message: String::new() }),
            // Extism's `call_get_error_code` returns the (empty) output when no error message was
            // set; the JavaScript SDK never reads the return code at all.
            PluginKernel::ExtismRuntime | PluginKernel::ExtismJs => Outcome::Returned(Vec::new()),
        };
        assert_eq!(call.outcome, expected, "{}", engine.id());
    }
}

#[test]
fn a_bad_kernel_offset_is_a_classified_fault() {
    let module = wat(r#"(module
        (import "extism:host/env" "load_u64" (func $load (param i64) (result i64)))
        (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
        (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
        (memory (export "memory") 1)
        (func (export "load") (result i32) (drop (call $load (i64.const 0x7fffffff))) i32.const 0)
        (func (export "output_past_block") (result i32)
            (call $output_set (call $alloc (i64.const 8)) (i64.const 64)) i32.const 0))"#);
    for engine in engines() {
        let load = run_once(engine.as_ref(), &module, "load", b"", &InstanceConfig::default());
        let past = run_once(engine.as_ref(), &module, "output_past_block", b"", &InstanceConfig::default());
        let kernel = engine.capabilities().kernel;
        if kernel == PluginKernel::ExtismRuntime {
            // Extism's kernel answers an out-of-bounds load with 0, and an output range past its
            // block with whatever kernel memory follows it: neither call fails.
            assert_eq!(load.outcome, Outcome::Returned(Vec::new()), "{}", engine.id());
            assert_eq!(past.outcome.output().map(<[u8]>::len), Some(64), "{}", engine.id());
        } else if kernel == PluginKernel::ExtismJs {
            // The JavaScript SDK's kernel reads 0x7fffffff as a place in its own 1-byte block 0
            // and fails on the DataView's bounds; output_set checks the length against the block.
            // Both fail the call, but the SDK does not say in which function.
            for outcome in [&load.outcome, &past.outcome] {
                let Outcome::KernelFault(fault) = outcome else { panic!("extism-js: {outcome}") };
                assert_eq!((fault.function.as_str(), fault.refusal), ("", None));
            }
        } else {
            // The fault names the function that refused and what it refused.
            let fault = |function, refusal, reason| Outcome::KernelFault(KernelFault::new(function, refusal, reason));
            let outside = "8 bytes at offset 2147483647 are outside every live block";
            assert_eq!(load.outcome, fault("load_u64", Refusal::NoBlock, outside), "{}", engine.id());
            let past_end = "64 bytes at offset 8 are outside every live block";
            assert_eq!(past.outcome, fault("output_set", Refusal::PastEnd, past_end), "{}", engine.id());
        }
    }
}

#[test]
fn a_failing_host_function_is_classified_as_its_fault() {
    use concord::engine::{HostFault, HostFunction, ValType};
    let module = wat(r#"(module (import "extism:host/user" "lookup" (func $lookup (param i64) (result i64)))
        (memory (export "memory") 1)
        (func (export "run") (result i32) (drop (call $lookup (i64.const 7))) i32.const 0))"#);
    let failing = HostFunction::new("lookup", vec![ValType::I64], vec![ValType::I64], |_, args| {
        Err(HostFault::User(format!("no entry for {args:?}")))
    });
    let config = InstanceConfig::default().with_host_function(failing);
    for engine in engines() {
        let call = run_once(engine.as_ref(), &module, "run", b"", &config);
        assert_eq!(call.outcome, Outcome::Trap(TrapKind::HostFunction), "{}", engine.id());
    }
}

#[test]
fn a_host_function_reads_and_writes_kernel_blocks() {
    use concord::engine::{HostFunction, Val, ValType};
    // The host function gets a kernel block from the guest and hands back a new one, on the native
    // kernel and on Extism's alike.
    let module = wat(r#"(module
        (import "extism:host/user" "shout" (func $shout (param i64) (result i64)))
        (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
        (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
        (import "extism:host/env" "length" (func $length (param i64) (result i64)))
        (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
        (memory (export "memory") 1)
        (func (export "run") (result i32) (local $in i64) (local $out i64)
            (local.set $in (call $alloc (i64.const 2)))
            (call $store_u8 (local.get $in) (i32.const 104))
            (call $store_u8 (i64.add (local.get $in) (i64.const 1)) (i32.const 105))
            (local.set $out (call $shout (local.get $in)))
            (call $output_set (local.get $out) (call $length (local.get $out)))
            i32.const 0))"#);
    let shout = HostFunction::new("shout", vec![ValType::I64], vec![ValType::I64], |kernel, args| {
        let text = kernel.read_block(args[0].as_u64()?)?;
        let loud: Vec<u8> = text.to_ascii_uppercase().into_iter().chain(*b"!").collect();
        Ok(vec![Val::I64(kernel.write_block(&loud)? as i64)])
    });
    let config = InstanceConfig::default().with_host_function(shout);
    for engine in engines() {
        let call = run_once(engine.as_ref(), &module, "run", b"", &config);
        assert_eq!(call.outcome, Outcome::Returned(b"HI!".to_vec()), "{}", engine.id());
    }
}

#[test]
fn linear_memory_after_the_same_call_is_the_same_on_every_native_engine() {
    // Same bytes, same input, the same host kernel: the guest leaves identical memory behind.
    let mut seen = Vec::new();
    for engine in engines() {
        let module = engine.compile(&guest("stream")).expect("compiles");
        let mut instance = module.instantiate(&InstanceConfig::default()).expect("instantiates");
        instance.call("stream", b"the same input on every engine");
        let pages = instance.memory_pages();
        let memory = instance.memory();
        if !engine.capabilities().memory_visible {
            assert_eq!(memory, None, "{} keeps guest memory to itself", engine.id());
            continue;
        }
        let memory = memory.unwrap_or_else(|| panic!("{} shows its memory", engine.id()));
        assert_eq!(Some(memory.pages), pages, "{}", engine.id());
        assert_eq!(memory.sha256.len(), 64);
        seen.push((engine.id().to_string(), memory));
    }
    let (first, reference) = &seen[0];
    for (engine, memory) in &seen[1..] {
        assert_eq!(memory, reference, "{engine} differs from {first}");
    }
}
