//! `concord check` as an embedder runs it: the real binary on real plugins.

use std::path::PathBuf;
use std::process::{Command, Output};

fn concord(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_concord")).args(args).output().expect("the concord binary runs")
}

fn guest(name: &str) -> String {
    let path = concord::guests::guest_dir().join(format!("{name}.wasm"));
    assert!(path.exists(), "{} missing: build the guests with `cargo xtask guests`", path.display());
    path.to_string_lossy().into_owned()
}

fn scratch(name: &str, bytes: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write scratch file");
    path.to_string_lossy().into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn a_pdk_plugin_gives_the_same_output_on_every_engine() {
    let output = concord(&["check", &guest("stream"), "--export", "stream", "--input-text", "hello", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = json(&output);
    assert_eq!(report["agree"], true);
    let engines = report["engines"].as_array().expect("engines array");
    assert_eq!(engines.len(), concord::all_engines().len());
    let expected = concord::engine::sha256_hex(b"ifmmp");
    for engine in engines {
        assert!(engine["id"].is_string());
        assert_eq!(engine["outcome"]["kind"], "returned", "{engine}");
        assert!(engine["outcome"]["detail"].is_string());
        assert_eq!(engine["output_sha256"], expected.as_str(), "{engine}");
        for phase in ["compile", "instantiate", "call"] {
            assert!(engine["timings_us"][phase].is_u64(), "{phase} in {engine}");
        }
        assert!(engine.get("memory_pages").is_some());
    }
}

#[test]
fn a_divergence_exits_one() {
    // Growing past the limit: -1 on six engines, "oom" on Extism.
    let input = scratch("grow-past-limit.bin", &100i32.to_le_bytes());
    let output =
        concord(&["check", &guest("grow"), "--export", "grow", "--input", &input, "--memory-limit-mb", "1", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["agree"], false);
}

#[test]
fn a_missing_host_function_is_named_on_every_engine() {
    let wasm = wat::parse_str(
        r#"(module (import "extism:host/user" "lookup" (func (param i64) (result i64)))
           (memory (export "memory") 1) (func (export "run") (result i32) i32.const 0))"#,
    )
    .unwrap();
    let plugin = scratch("missing-import.wasm", &wasm);
    let output = concord(&["check", &plugin, "--export", "run", "--json"]);
    assert_eq!(output.status.code(), Some(0), "every engine fails the same way, so they agree");
    for engine in json(&output)["engines"].as_array().unwrap() {
        assert_eq!(engine["outcome"]["kind"], "instantiate_failed", "{engine}");
        let detail = engine["outcome"]["detail"].as_str().unwrap();
        assert!(detail.contains("extism:host/user::lookup"), "{detail}");
    }
}

#[test]
fn bad_usage_and_unreadable_input_exit_two() {
    assert_eq!(concord(&["check"]).status.code(), Some(2));
    assert_eq!(concord(&["check", "/no/such/plugin.wasm", "--export", "run"]).status.code(), Some(2));
    let output = concord(&["check", &guest("stream"), "--export", "stream", "--engine", "no-such-engine"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown engine"));
}

#[test]
fn a_table_is_the_default() {
    let output = concord(&["check", &guest("stream"), "--export", "stream", "--input-text", "x", "--engine", "wasmi"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("wasmi") && text.contains("agree"), "{text}");
}

#[test]
fn a_file_that_is_not_wasm_is_bad_input_with_a_one_line_reason() {
    let plugin = scratch("not-wasm.wasm", b"not wasm");
    let output = concord(&["check", &plugin, "--export", "run"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("is not a WebAssembly module") && stderr.contains("magic"), "{stderr}");
    assert!(output.stdout.is_empty(), "no table for bad input");
}

#[test]
fn a_kernel_fault_names_its_function_and_offset_and_extism_is_labelled_with_its_reason() {
    let output = concord(&["check", &guest("kernel_abuse"), "--export", "load_freed", "--json"]);
    assert_eq!(output.status.code(), Some(0), "the only difference is documented");
    let report = json(&output);
    assert_eq!((report["agree"].as_bool(), report["undocumented"].as_u64()), (Some(false), Some(0)));
    for engine in report["engines"].as_array().unwrap() {
        if engine["id"] == "extism" {
            assert_eq!(engine["verdict"], "documented", "{engine}");
            assert!(engine["note"].as_str().unwrap().contains("freed block"), "{engine}");
        } else {
            assert_eq!(engine["outcome"]["kind"], "kernel_fault", "{engine}");
            let detail = engine["outcome"]["detail"].as_str().unwrap();
            assert!(detail.starts_with("kernel fault in load_u8: 1 bytes at offset "), "{detail}");
            assert_eq!(engine["verdict"], "agree", "{engine}");
        }
    }
}

#[test]
fn the_table_keeps_its_columns_aligned_for_every_engine_id() {
    let output = concord(&["check", &guest("kernel_abuse"), "--export", "load_freed"]);
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().take_while(|line| !line.is_empty()).collect();
    assert_eq!(lines.len(), concord::all_engines().len() + 1, "{text}");
    let column = |line: &str, at: usize| line.char_indices().nth(at).map(|(i, _)| i);
    let outcome_at = lines[0].find("outcome").expect("an outcome column");
    for line in &lines[1..] {
        let cell = column(line, outcome_at).map(|i| &line[i..]).unwrap_or_default();
        assert!(cell.starts_with("kernel fault") || cell.starts_with("0 bytes"), "misaligned: {line}");
    }
    assert!(text.contains("documented") && text.contains("extism"), "{text}");
}
