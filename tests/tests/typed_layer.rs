//! The typed-call layer holds every engine to the same `InstanceConfig` limits as plugin calls:
//! a memory limit on arbitrary modules, a deadline and (where the engine offers it) fuel.

use concord::engine::{InstanceConfig, InstantiateFailure, LimitKind, MemoryLimit, Outcome, Value};
use concord_tests::{engines, wat};
use std::time::Duration;

const MODULE: &str = r#"(module
    (memory 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "spin") (loop (br 0))))"#;

#[test]
fn a_memory_limit_and_a_deadline_apply_to_typed_calls_on_every_engine() {
    let config = InstanceConfig::default()
        .with_memory_limit(MemoryLimit::from_pages(4))
        .with_deadline(Duration::from_millis(50));
    for engine in engines() {
        let store = engine.typed_store(&config);
        if !engine.capabilities().typed_layer {
            assert!(matches!(store, Err(Outcome::Unsupported(_))), "{} declares no typed layer", engine.id());
            continue;
        }
        let mut store = store.unwrap_or_else(|o| panic!("{}: {o}", engine.id()));
        let id = store.instantiate(&wat(MODULE)).unwrap_or_else(|o| panic!("{}: {o}", engine.id()));
        let grow = |store: &mut Box<dyn concord::engine::TypedStore>, pages: u32| {
            store.invoke(id, "grow", &[Value::I32(pages)])
        };
        assert_eq!(grow(&mut store, 3), Ok(vec![Value::I32(1)]), "{}: up to the limit", engine.id());
        assert_eq!(grow(&mut store, 1), Ok(vec![Value::I32(u32::MAX)]), "{}: past the limit is -1", engine.id());
        assert_eq!(store.invoke(id, "spin", &[]), Err(Outcome::LimitHit(LimitKind::Deadline)), "{}", engine.id());
        let over = wat("(module (memory 5))");
        assert_eq!(
            store.instantiate(&over).map(|_| ()),
            Err(Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit)),
            "{}: an initial memory over the limit",
            engine.id()
        );
    }
}

#[test]
fn fuel_stops_a_typed_call_where_the_engine_offers_it() {
    let config = InstanceConfig::default().with_fuel(100_000);
    for engine in engines().iter().filter(|e| e.capabilities().typed_layer) {
        match engine.typed_store(&config) {
            Ok(mut store) => {
                assert!(engine.capabilities().fuel.in_typed_calls(), "{} declares no fuel in typed calls", engine.id());
                let id = store.instantiate(&wat(MODULE)).unwrap_or_else(|o| panic!("{}: {o}", engine.id()));
                assert_eq!(store.invoke(id, "spin", &[]), Err(Outcome::LimitHit(LimitKind::Fuel)), "{}", engine.id());
            }
            // wasmer meters one module per engine, and a typed store links several; V8 has no fuel.
            Err(outcome) => {
                assert!(!engine.capabilities().fuel.in_typed_calls(), "{}: {outcome}", engine.id());
                assert!(matches!(outcome, Outcome::Unsupported(_)), "{}: {outcome}", engine.id());
            }
        }
    }
}
