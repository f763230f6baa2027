//! What each engine costs, on the same guest bytes: compile, instantiate, an empty plugin call,
//! stream throughput through the plugin ABI, and memory growth; plus the engines' own APIs for the
//! same work, so Concord's overhead is a ratio taken in one run. `cargo xtask bench` summarizes.

use concord::engine::{Engine, Instance, InstanceConfig, Module};
use concord_tests::{engines, guest, wat};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

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
    let modules: Vec<(&dyn Engine, Box<dyn Module>)> =
        engines().iter().map(|e| (e.as_ref(), e.compile(stream).expect("compiles"))).collect();
    let mut group = c.benchmark_group("instantiate");
    for (engine, module) in &modules {
        group.bench_function(engine.id(), |b| b.iter(|| instance(module.as_ref())));
    }
    group.finish();
    let mut group = c.benchmark_group("call");
    for (engine, module) in &modules {
        let mut instance = instance(module.as_ref());
        group.bench_function(engine.id(), |b| b.iter(|| instance.call("stream", b"")));
    }
    group.finish();
    for (name, size) in [("stream_4k", 4 << 10), ("stream_64k", 64 << 10), ("stream_1m", 1 << 20)] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(size as u64));
        let input = vec![0x5au8; size];
        for (engine, module) in &modules {
            let mut instance = instance(module.as_ref());
            group.bench_function(engine.id(), |b| b.iter(|| instance.call("stream", &input)));
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

mod raw {
    //! The engines' own APIs for the same work, wired to the same host kernel.
    use concord::engine::{HostState, InstanceConfig, resolve};

    pub struct Wasmtime {
        pre: wasmtime::InstancePre<HostState>,
        engine: wasmtime::Engine,
    }

    impl Wasmtime {
        /// The configuration Concord's wasmtime-cranelift uses, and an `InstancePre` with every
        /// import linked once.
        pub fn new(wasm: &[u8]) -> Self {
            let mut config = wasmtime::Config::new();
            config.consume_fuel(true).epoch_interruption(true);
            let engine = wasmtime::Engine::new(&config).unwrap();
            let module = wasmtime::Module::new(&engine, wasm).unwrap();
            let mut linker = wasmtime::Linker::<HostState>::new(&engine);
            for import in module.imports() {
                let resolved = resolve(import.module(), import.name(), &[]).expect("kernel import");
                let wasmtime::ExternType::Func(ty) = import.ty() else { panic!("function imports only") };
                linker
                    .func_new(import.module(), import.name(), ty, move |mut caller, params, results| {
                        let args = params.iter().map(|v| match v {
                            wasmtime::Val::I32(x) => concord::engine::Val::I32(*x),
                            wasmtime::Val::I64(x) => concord::engine::Val::I64(*x),
                            _ => concord::engine::Val::I64(0),
                        });
                        let emit = |i: usize, v| {
                            results[i] = match v {
                                concord::engine::Val::I32(x) => wasmtime::Val::I32(x),
                                concord::engine::Val::I64(x) => wasmtime::Val::I64(x),
                                _ => wasmtime::Val::I64(0),
                            }
                        };
                        resolved.invoke_with(caller.data_mut(), None, args, emit).map_err(wasmtime::Error::new)
                    })
                    .unwrap();
            }
            Wasmtime { pre: linker.instantiate_pre(&module).unwrap(), engine }
        }

        pub fn store(&self) -> wasmtime::Store<HostState> {
            let mut store = wasmtime::Store::new(&self.engine, HostState::new(&InstanceConfig::default()));
            store.set_fuel(u64::MAX).unwrap();
            store.set_epoch_deadline(u64::MAX / 2);
            store
        }

        pub fn instantiate(&self, store: &mut wasmtime::Store<HostState>) -> wasmtime::Instance {
            self.pre.instantiate(store).unwrap()
        }
    }
}

fn baselines(c: &mut Criterion, stream: &[u8]) {
    let raw = raw::Wasmtime::new(stream);
    let mut group = c.benchmark_group("instantiate_raw");
    group.bench_function("wasmtime-cranelift", |b| {
        b.iter(|| {
            let mut store = raw.store();
            raw.instantiate(&mut store)
        })
    });
    group.finish();
    let mut store = raw.store();
    let instance = raw.instantiate(&mut store);
    let func = instance.get_typed_func::<(), i32>(&mut store, "stream").unwrap();
    let mut group = c.benchmark_group("call_raw");
    group.bench_function("wasmtime-cranelift", |b| {
        // The same call an embedder makes: input in, export called, output read back.
        b.iter(|| {
            store.data_mut().kernel.begin_call(b"");
            let code = func.call(&mut store, ()).unwrap();
            (code, store.data().kernel.end_call())
        })
    });
    let manifest = extism::Manifest::new([extism::Wasm::data(stream.to_vec())]);
    let compiled = extism::CompiledPlugin::new(extism::PluginBuilder::new(manifest).with_cache_disabled()).unwrap();
    let mut plugin = extism::Plugin::new_from_compiled(&compiled).unwrap();
    group.bench_function("extism", |b| b.iter(|| plugin.call::<&[u8], Vec<u8>>("stream", b"").unwrap()));
    group.finish();
}

fn all(c: &mut Criterion) {
    let stream = guest("stream");
    compile(c, &stream, &large_module());
    per_instance(c, &stream);
    baselines(c, &stream);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = all
}
criterion_main!(benches);
