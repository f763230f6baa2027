//! `concord actor` as an embedder runs it: the real binary, a real actor (the `state` guest), a
//! script of messages.

mod common;

use common::{capabilities, concord, guest, scratch};
use concord::engine::PluginKernel;

const SCRIPT: &str = r#"{"ops": {"type": "Array", "data": [{"op": "set", "key": "a", "value": 1}]}}

{"ops": {"type": "Array", "data": [{"op": "increment", "key": "a", "by": 41}, {"op": "send", "value": {"hi": true}}]}}
{"ops": {"type": "Array", "data": [{"op": "bogus"}]}}
{"ops": {"type": "Array", "data": [{"op": "set", "key": "b", "value": 2}]}}
"#;

#[test]
fn every_engine_runs_the_script_step_by_step_and_they_agree() {
    let messages = scratch("script.jsonl", SCRIPT.as_bytes());
    let output = concord(&["actor", &guest("state"), "--messages", &messages, "--state", r#"{"z": 0}"#, "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    // Extism's JavaScript host reports the failed step's error without its code (documented).
    assert_eq!(
        (report["differing_steps"].clone(), report["undocumented"].as_u64()),
        (serde_json::json!([3, 4]), Some(0))
    );
    let engines = report["engines"].as_array().unwrap();
    assert_eq!(engines.len(), concord::all_engines().len());
    for engine in engines {
        let steps = engine["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 4, "blank lines are skipped: {engine}");
        assert_eq!(steps[0]["outcome"]["kind"], "returned");
        assert_eq!(steps[0]["state"], serde_json::json!({"a": 1}), "the returned state replaces the whole state");
        assert_eq!(steps[1]["state"], serde_json::json!({"a": 42}));
        assert_eq!(steps[1]["outputs"]["count"], serde_json::json!({"type": "Integer", "data": 2}));
        assert_eq!(steps[1]["sent"], serde_json::json!([{"sent": {"type": "Object", "data": {"hi": true}}}]));
        assert_eq!(steps[2]["outcome"]["kind"], "guest_error", "{engine}");
        assert_eq!(steps[2]["state"], serde_json::json!({"a": 42}), "a failed step leaves the state");
        assert_eq!(steps[3]["outcome"]["kind"], "rejected", "an error ends the actor: {engine}");
        assert!(steps[3]["outcome"]["detail"].as_str().unwrap().starts_with("the actor ended"), "{engine}");
    }
    let table = concord(&["actor", &guest("state"), "--messages", &messages]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("step 2: every engine: returned") && text.contains("but for documented differences"),
        "{text}"
    );
}

#[test]
fn bad_input_is_named_and_exits_two() {
    let broken = scratch("broken.jsonl", b"{\"ops\": {\"type\": \"Array\", \"data\": []}}\n\n{\"ops\": 3}\n");
    let output = concord(&["actor", &guest("state"), "--messages", &broken]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("broken.jsonl line 3"), "{stderr}");

    let messages = scratch("one.jsonl", b"{}\n");
    let output = concord(&["actor", &guest("grow"), "--messages", &messages]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("no export `process`; it exports: memory, grow, grow_checked"), "{stderr}");

    let output = concord(&["actor", &guest("state"), "--messages", &messages, "--config", "[1]"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--config must be a JSON object"));
}

/// An actor that reads past its input: the native kernel refuses, Extism's reads on. The
/// difference is one `conformance/divergences.toml` documents by its mechanism, so it is labelled
/// with the reason and the run exits 0.
#[test]
fn a_documented_difference_is_labelled_and_exits_zero() {
    let wasm = wat::parse_str(
        r#"(module
          (import "extism:host/env" "input_length" (func $input_length (result i64)))
          (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
          (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
          (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
          (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
          (memory (export "memory") 1)
          (func (export "process") (result i32)
            (local $out i64)
            (drop (call $input_load_u8 (i64.add (call $input_length) (i64.const 100))))
            (local.set $out (call $alloc (i64.const 2)))
            (call $store_u8 (local.get $out) (i32.const 123))
            (call $store_u8 (i64.add (local.get $out) (i64.const 1)) (i32.const 125))
            (call $output_set (local.get $out) (i64.const 2))
            (i32.const 0)))"#,
    )
    .unwrap();
    let plugin = scratch("reads-past-input.wasm", &wasm);
    let messages = scratch("empty-message.jsonl", b"{}\n");
    let output = concord(&["actor", &plugin, "--messages", &messages, "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((report["agree"].as_bool(), report["undocumented"].as_u64()), (Some(false), Some(0)));
    for engine in report["engines"].as_array().unwrap() {
        let step = &engine["steps"][0];
        if capabilities(engine).kernel == PluginKernel::ExtismRuntime {
            assert_eq!(step["verdict"], "documented", "{engine}");
            assert!(step["note"].as_str().is_some_and(|n| !n.is_empty()), "{engine}");
        } else {
            assert_eq!(step["outcome"]["kind"], "kernel_fault", "{engine}");
            assert!(step.get("verdict").is_none(), "{engine}");
        }
    }
}

/// The flow runtime's TinyGo-style actor (WASI, `__set_state`, a base64 string result) through
/// `concord actor` on every engine: the same outputs and state everywhere, every step.
#[test]
fn a_tinygo_style_actor_runs_everywhere() {
    let messages = scratch("two-messages.jsonl", b"{}\n{\"in\": {\"type\": \"Flow\", \"data\": null}}\n");
    let output =
        concord(&["actor", &guest("flow_actor"), "--export", "tinygo_style", "--messages", &messages, "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for engine in report["engines"].as_array().unwrap() {
        for step in engine["steps"].as_array().unwrap() {
            assert_eq!(step["outputs"], serde_json::json!({"done": {"type": "Boolean", "data": true}}), "{engine}");
            assert_eq!(step["state"], serde_json::json!({"x": 1}), "{engine}");
        }
    }
}
