//! What a configuration declares it runs is what it runs: a module that needs each declared
//! feature instantiates there. Where a declaration was found wrong, both ways: SIMD is declared
//! exactly by the configurations that compile a `v128` module (the `simd` proposal's suite once
//! failed 24,686 assertions on a configuration that declared it and compiled none).

use concord::engine::{Feature, InstanceConfig, Support, support};
use concord_tests::{engines, wat};

/// A module that needs `feature` and nothing else beyond the base.
fn probe(feature: Feature) -> &'static str {
    match feature {
        Feature::Simd => {
            "(module (func (export \"f\") (result i32) (local v128) \
             (i32x4.extract_lane 1 (v128.const i32x4 1 2 3 4))))"
        }
        Feature::ReferenceTypes => "(module (table 1 externref))",
        Feature::RelaxedSimd => {
            "(module (func (result v128) (f32x4.relaxed_min (v128.const f32x4 0 0 0 0) (v128.const f32x4 0 0 0 0))))"
        }
        Feature::TailCall => "(module (func $f (return_call $g)) (func $g))",
        Feature::ExtendedConst => "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
        Feature::MultiMemory => "(module (memory 1) (memory 1))",
        Feature::Memory64 => "(module (memory i64 1))",
        Feature::Threads => "(module (memory 1 1 shared))",
        Feature::Exceptions => "(module (tag $e) (func (throw $e)))",
        Feature::FunctionReferences => "(module (func (param (ref func))))",
        Feature::Gc => "(module (type (struct (field i32))) (func (param (ref null 0))))",
        Feature::CustomPageSizes => "(module (memory 1 (pagesize 1)))",
        Feature::WideArithmetic => {
            "(module (func (param i64 i64 i64 i64) (result i64 i64) \
             (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))"
        }
        Feature::CustomDescriptors => "(module (type $t (struct)) (func (param (ref (exact $t)))))",
    }
}

#[test]
fn each_probe_needs_its_feature_and_no_other() {
    for feature in Feature::ALL {
        let wasm = wat(probe(feature));
        assert_eq!(support(&wasm, &Feature::ALL), Support::Supported, "{feature}");
        let others: Vec<Feature> = Feature::ALL.into_iter().filter(|f| *f != feature).collect();
        let needs = match support(&wasm, &others) {
            Support::Unsupported(needs) => needs,
            other => panic!("{feature}: {other:?}"),
        };
        // Some features come with the ones they extend (GC types need function references).
        assert!(needs.contains(&feature), "{feature}: needs {needs:?}");
    }
}

#[test]
fn every_declared_feature_instantiates_and_simd_exactly_where_declared() {
    for engine in engines().iter().filter(|e| e.capabilities().typed_layer) {
        let declared = &engine.capabilities().features;
        for feature in Feature::ALL {
            let mut store = engine.typed_store(&InstanceConfig::default()).expect("a typed store");
            let made = store.instantiate(&wat(probe(feature)));
            if declared.contains(&feature) {
                assert!(made.is_ok(), "{} declares {feature} but refused its probe: {:?}", engine.id(), made.err());
            } else if feature == Feature::Simd {
                assert!(made.is_err(), "{} compiles a v128 module but does not declare SIMD", engine.id());
            }
        }
    }
}
