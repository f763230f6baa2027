//! The flow runtime's actor protocol, edge by edge, on every engine (the `flow_actor` guest, one
//! export per edge): the context wrapper it hands `process`, plain `__send_output` values made
//! messages by their JSON type, a base64 string result, output ports without `type` or `data`
//! dropped (a `Flow` with `data: null` kept, one without dropped), a returned state replacing
//! what `__set_state` wrote during the call (`null` keeping it), a missing state key read as
//! `null`, an error ending the actor, and an actor shaped like TinyGo's SDK (WASI, a base64 result);
//! the stricter options (tagged sends, merge) beside them.

use concord_actor::{Actor, ActorSpec, Message, Payload, Sends, StatePolicy, StepRecord};
use concord_engine::Outcome;
use concord_tests::{engines, guest};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn actor(engine: &dyn concord_engine::Engine, export: &str, adjust: impl FnOnce(&mut ActorSpec)) -> Actor {
    let module = Arc::from(engine.compile(&guest("flow_actor")).expect("the guest compiles"));
    let mut spec = ActorSpec::new(export);
    spec.cpu.deadline = Some(Duration::from_secs(5));
    adjust(&mut spec);
    Actor::new(module, spec)
}

fn object(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().expect("an object").clone()
}

/// Steps `export` once on every engine, expecting every engine to do the same, and returns it.
fn one_step(export: &str, adjust: impl Fn(&mut ActorSpec)) -> StepRecord {
    let mut records =
        engines().iter().map(|engine| (engine.id(), actor(engine.as_ref(), export, &adjust).step(Payload::new())));
    let (first_id, first) = records.next().expect("engines");
    for (id, record) in records {
        assert_eq!(record, first, "{id} and {first_id} differ on {export}");
    }
    first
}

#[test]
fn the_context_carries_the_node_and_the_actors_config_under_config() {
    let record = one_step("echo_context", |spec| {
        spec.node_id = "n1".into();
        spec.component = "Counter".into();
        spec.config = object(json!({"threshold": 3}));
        spec.resolved_env = object(json!({"HOME": "/h"}));
        spec.namespace = Some("team".into());
    });
    let StepRecord::Returned { sent, .. } = record else { panic!("{record:?}") };
    let config = json!({"node_id": "n1", "component": "Counter", "resolved_env": {"HOME": "/h"},
        "config": {"threshold": 3}, "namespace": "team"});
    assert_eq!(sent[0]["config"], Message::Object(config));
    assert_eq!(sent[0]["state"], Message::Object(json!({})));
    assert_eq!(sent[0]["payload"], Message::Object(json!({})));
}

#[test]
fn plain_sends_become_messages_by_json_type_and_tagged_ones_are_the_strict_option() {
    let StepRecord::Returned { sent, .. } = one_step("plain_values", |_| {}) else { panic!() };
    let expected: Payload = [
        ("a", Message::Array(vec![json!(1)])),
        ("b", Message::Boolean(true)),
        ("f", Message::Float(1.5)),
        ("i", Message::Integer(66)),
        ("n", Message::Optional(None)),
        ("o", Message::Object(json!({"k": 1}))),
        ("s", Message::String("working".into())),
    ]
    .into_iter()
    .map(|(port, message)| (port.to_string(), message))
    .collect();
    assert_eq!(sent, vec![expected]);
    let strict = one_step("plain_values", |spec| spec.sends = Sends::Tagged);
    assert!(matches!(strict, StepRecord::Failed { outcome: Outcome::Trap(_), .. }), "{strict:?}");
}

#[test]
fn a_string_result_is_base64_of_the_result() {
    let record = one_step("base64_result", |_| {});
    let outputs: Payload = [("n".to_string(), Message::Integer(7))].into();
    assert_eq!(record, StepRecord::Returned { sent: vec![], outputs, state: object(json!({"k": 1})) });
}

#[test]
fn output_ports_without_type_or_data_are_dropped() {
    let StepRecord::Returned { outputs, .. } = one_step("dropped_ports", |_| {}) else { panic!() };
    let kept: Payload = [("flow".to_string(), Message::Flow), ("kept".to_string(), Message::Integer(1))].into();
    assert_eq!(outputs, kept);
}

#[test]
fn a_returned_state_replaces_what_set_state_wrote_and_null_keeps_it() {
    let replaced = one_step("set_then_replace", |_| {});
    assert_eq!(
        replaced,
        StepRecord::Returned { sent: vec![], outputs: Payload::new(), state: object(json!({"y": 2})) }
    );
    let kept = one_step("set_then_null", |_| {});
    assert_eq!(kept, StepRecord::Returned { sent: vec![], outputs: Payload::new(), state: object(json!({"x": 1})) });
    let merged = one_step("set_then_replace", |spec| spec.policy = StatePolicy::Merge);
    let StepRecord::Returned { state, .. } = merged else { panic!() };
    assert_eq!(state, object(json!({"x": 1, "y": 2})), "merge keeps what __set_state wrote");
}

#[test]
fn a_missing_state_key_reads_as_null() {
    let StepRecord::Returned { outputs, .. } = one_step("get_missing", |_| {}) else { panic!() };
    assert_eq!(outputs, [("got".to_string(), Message::Any(Value::Null))].into());
}

#[test]
fn an_error_ends_the_actor() {
    for engine in engines() {
        let mut actor = actor(engine.as_ref(), "fail", |_| {});
        assert!(matches!(actor.step(Payload::new()), StepRecord::Failed { .. }), "{}", engine.id());
        let later = actor.step(Payload::new());
        assert!(
            matches!(&later, StepRecord::Rejected { reason, .. } if reason.starts_with("the actor ended")),
            "{}: {later:?}",
            engine.id()
        );
    }
}

/// An actor in the shape TinyGo's SDK gives one: it writes through WASI (every message's instance
/// has it), sets state through the host, and returns its result base64-encoded with a `null`
/// state, which keeps what it set.
#[test]
fn an_actor_shaped_like_tinygos_runs_with_wasi_and_a_base64_result() {
    let record = one_step("tinygo_style", |_| {});
    let outputs: Payload = [("done".to_string(), Message::Boolean(true))].into();
    assert_eq!(record, StepRecord::Returned { sent: vec![], outputs, state: object(json!({"x": 1})) });
}
