//! `concord wast` as an engine developer runs it: the real binary on real .wast files.

mod common;

use common::{capabilities, concord, json, scratch};

fn concord_wast() -> String {
    concord::conformance_dir().join("wast").join("concord.wast").to_string_lossy().into_owned()
}

#[test]
fn the_hand_written_file_passes_on_every_engine_with_the_typed_layer() {
    let output = concord(&["wast", &concord_wast(), "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let report = json(&output);
    assert_eq!(report["ok"], true);
    for engine in report["engines"].as_array().unwrap() {
        if !capabilities(engine).typed_layer {
            // Extism's hosts call plugin exports only: every command is unsupported there, and said so.
            assert_eq!(
                (engine["passed"].as_u64(), engine["unsupported"].as_u64().map(|n| n > 0)),
                (Some(0), Some(true))
            );
        } else {
            // V8 fails two trap assertions by a documented mechanism (one message for two traps).
            let documented = engine["documented"].as_u64();
            assert_eq!(engine["failed"].as_u64(), documented, "{engine}");
            assert_eq!(engine["passed"].as_u64().zip(documented).map(|(p, d)| p + d), Some(36), "{engine}");
        }
    }
}

#[test]
fn a_wrong_expectation_fails_with_its_line_and_each_engines_answer() {
    let file = scratch(
        "wrong.wast",
        "(module (memory 1 2) (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))\n\
         (assert_return (invoke \"grow\" (i32.const 2)) (i32.const 1))\n\
         (assert_trap (invoke \"grow\" (i32.const 1)) \"unreachable\")\n"
            .as_bytes(),
    );
    let output = concord(&["wast", &file, "--engine", "wasmi", "--engine", "wasmtime-cranelift"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("wrong.wast:2 assert_return"), "{text}");
    assert!(text.contains("expected [i32:1], got [i32:-1]"), "{text}");
    assert!(text.contains("wrong.wast:3 assert_trap") && text.contains("expected trap: unreachable"), "{text}");
}

#[test]
fn unreadable_or_unparsable_input_exits_two_with_the_place() {
    let bad = scratch("bad.wast", b"(module\n  (func (result i32) (i32.const 0))\n  (oops))\n");
    let output = concord(&["wast", &bad]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.wast:3:"), "the parser's line: {stderr}");
    assert_eq!(concord(&["wast", "/no/such/file.wast"]).status.code(), Some(2));
    assert_eq!(concord(&["wast", "--suite", "no-such-suite"]).status.code(), Some(2));
}
