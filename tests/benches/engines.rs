//! What each engine costs through Concord, on the same guest bytes: compile, instantiate, an empty
//! plugin call, stream throughput through the plugin ABI, and memory growth. Concord's overhead
//! over each engine's own API is measured apart, as paired ratios (`overhead.rs`). `cargo xtask
//! bench` runs both and summarizes.

use concord::engine::{Instance, InstanceConfig, Module};
use concord_tests::{engines, guest, wat};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

/// The stream guest's export that reads its input and writes it back untouched.
const REFLECT: &str = "reflect";

/// A module of about 2 MiB: many small functions, so every compiler has real work to do.
fn large_module() -> Vec<u8> {
    let mut source = String::from("(module (memory (export \"memory\") 1)\n");
    for f in 0..7000 {
        source += &format!("(func $f{f} (export \"f{f}\") (param i32) (result i32) (local.get 0)");
        for k in 0..40 {
            source += &format!(" (i32.const {}) (i32.add) (i32.const {}) (i32.xor)", f * 31 + k, k * 7 + 1);
        }
        source += ")\n";
    }
    source += "(func (export \"run\") (result i32) (i32.const 0)))";
    wat(&source)
}

const GROW_16MIB: &str = r#"(module (memory (export "memory") 1)
    (func (export "grow") (result i32) (local $i i32)
        (loop $more
            (drop (memory.grow (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $more (i32.lt_u (local.get $i) (i32.const 255))))
        (i32.const 0)))"#;

fn instance(module: &dyn Module) -> Box<dyn Instance> {
    module.instantiate(&InstanceConfig::default()).expect("instantiates")
}

fn compile(c: &mut Criterion, small: &[u8], large: &[u8]) {
    let mut group = c.benchmark_group("compile_small");
    for engine in engines() {
        group.bench_function(engine.id(), |b| b.iter(|| engine.compile(small).expect("compiles")));
    }
    group.finish();
    let mut group = c.benchmark_group("compile_large");
    group.sample_size(10);
    for engine in engines() {
        group.bench_function(engine.id(), |b| b.iter(|| engine.compile(large).expect("compiles")));
    }
    group.finish();
}

fn per_instance(c: &mut Criterion, stream: &[u8]) {
    let modules: Vec<_> = engines().iter().map(|e| (e, e.compile(stream).expect("compiles"))).collect();
    let mut group = c.benchmark_group("instantiate");
    for (engine, module) in &modules {
        group.bench_function(engine.id(), |b| b.iter(|| instance(module.as_ref())));
    }
    group.finish();
    let mut group = c.benchmark_group("call");
    for (engine, module) in &modules {
        let mut instance = instance(module.as_ref());
        assert_eq!(instance.call(REFLECT, b"x").outcome, concord::engine::Outcome::Returned(b"x".to_vec()));
        group.bench_function(engine.id(), |b| b.iter(|| instance.call(REFLECT, b"")));
    }
    group.finish();
    for (name, size) in [("stream_4k", 4 << 10), ("stream_64k", 64 << 10), ("stream_1m", 1 << 20)] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(size as u64));
        let input = vec![0x5au8; size];
        for (engine, module) in &modules {
            let mut instance = instance(module.as_ref());
            group.bench_function(engine.id(), |b| b.iter(|| instance.call(REFLECT, &input)));
        }
        group.finish();
    }
    let grow = wat(GROW_16MIB);
    let mut group = c.benchmark_group("grow_16mib");
    for engine in engines() {
        let module = engine.compile(&grow).expect("compiles");
        group.bench_function(engine.id(), |b| {
            b.iter_batched(|| instance(module.as_ref()), |mut i| i.call("grow", b""), BatchSize::SmallInput)
        });
    }
    group.finish();
}

fn all(c: &mut Criterion) {
    let stream = guest("stream");
    compile(c, &stream, &large_module());
    per_instance(c, &stream);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = all
}
criterion_main!(benches);
