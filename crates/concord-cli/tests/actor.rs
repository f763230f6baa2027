//! `concord actor` as an embedder runs it: the real binary, a real actor (the `state` guest), a
//! script of messages.

mod common;

use common::{concord, guest, scratch};

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
    assert_eq!(report["agree"], true);
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
    assert!(text.contains("step 2: every engine: returned") && text.contains("agree at every step"), "{text}");
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
