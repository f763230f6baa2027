//! `concord check --host-module`: host functions written in Wasm, run through each plugin
//! instance's own kernel, with Extism-style Rust PDK plugins that import them.

mod common;

use common::{capabilities_of, concord, guest, scratch};
use concord::engine::PluginKernel;
use std::path::PathBuf;
use std::process::Output;

fn json(output: &Output) -> serde_json::Value {
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn host_module(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/wat").join(format!("{name}.wat"));
    path.to_string_lossy().into_owned()
}

/// Each engine's id and outcome detail.
fn details(report: &serde_json::Value) -> Vec<(String, String)> {
    let engines = report["engines"].as_array().unwrap().iter();
    engines
        .map(|e| (e["id"].as_str().unwrap().to_string(), e["outcome"]["detail"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn host_reflect_hands_every_engine_its_input_back() {
    let binary: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 256) as u8).collect();
    for input in [b"hello, host".to_vec(), Vec::new(), binary] {
        let file = scratch("reflect-input.bin", &input);
        let args = ["check", &guest("reflect"), "--export", "reflect", "--input", &file];
        let report = json(&concord(&[&args[..], &["--host-module", &host_module("host_echo"), "--json"]].concat()));
        assert_eq!(report["agree"], true, "{report}");
        let engines = report["engines"].as_array().unwrap();
        assert_eq!(engines.len(), concord::all_engines().len());
        for engine in engines {
            assert_eq!(engine["outcome"]["kind"], "returned", "{engine}");
            assert_eq!(engine["output_sha256"], concord::engine::sha256_hex(&input), "{}", engine["id"]);
        }
    }
}

/// The counter lives in the host module's global: one count per plugin instance, kept across
/// calls on it, and never shared with another engine's instance.
#[test]
fn a_host_module_keeps_its_state_per_plugin_instance() {
    let args = ["check", &guest("count_vowels"), "--export", "count_vowels", "--input-text", "Hello, World"];
    let report = json(&concord(
        &[&args[..], &["--host-module", &host_module("host_counter"), "--calls", "3", "--json"]].concat(),
    ));
    assert_eq!(report["agree"], true, "{report}");
    for engine in report["engines"].as_array().unwrap() {
        let calls: Vec<_> =
            engine["calls"].as_array().unwrap().iter().map(|c| c["outcome"]["detail"].clone()).collect();
        let expected: Vec<_> = (1..=3).map(|n| format!(r#"20 bytes: "{{\"count\":3,\"host\":{n}}}""#)).collect();
        assert_eq!(calls, expected, "{}", engine["id"]);
    }
}

#[test]
fn an_import_the_host_module_lacks_is_named() {
    let output = concord(&[
        "check",
        &guest("count_vowels"),
        "--export",
        "count_vowels",
        "--host-module",
        &host_module("host_echo"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("extism:host/user::hello_world"), "{stderr}");
    assert!(stderr.contains("it provides: extism:host/user::host_reflect"), "{stderr}");
}

/// A host module that cannot be a host module is refused before any engine runs, in one line.
#[test]
fn a_host_module_that_cannot_serve_is_refused_with_the_reason() {
    let cases = [
        ("(module", "not a WebAssembly module or text"),
        (
            r#"(module (import "extism:host/env" "output_set" (func (param i64 i64))))"#,
            "extism:host/env::output_set, which a host function cannot call",
        ),
        (
            r#"(module (import "extism:host/env" "alloc" (func (param i32) (result i32))))"#,
            "its import alloc is declared",
        ),
        (r#"(module (func (export "f") (param v128)))"#, "its export f takes or returns a type"),
        (r#"(module (func $s unreachable) (start $s))"#, "its start function failed"),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        let path = scratch(&format!("bad-host-{i}.wat"), text.as_bytes());
        let output = concord(&["check", &guest("reflect"), "--export", "reflect", "--host-module", &path]);
        assert_eq!(output.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

/// What goes wrong inside a host function is the same outcome on every engine, Extism's kernel
/// included: a runaway loop is stopped by the host module's own budget, and memory it was not
/// given is refused.
#[test]
fn a_host_module_that_misbehaves_fails_the_same_way_everywhere() {
    let cases = [
        (r#"(func (export "host_reflect") (param i64) (result i64) (loop (br 0)) (i64.const 0))"#, "trap"),
        (r#"(func (export "host_reflect") (param i64) (result i64) unreachable)"#, "trap"),
        (
            r#"(import "extism:host/env" "load_u8" (func $load (param i64) (result i32)))
               (func (export "host_reflect") (param $in i64) (result i64)
                 (drop (call $load (i64.add (local.get $in) (i64.const 100000)))) (local.get $in))"#,
            "kernel_fault",
        ),
        (
            r#"(import "extism:host/env" "length" (func $length (param i64) (result i64)))
               (import "extism:host/env" "store_u64" (func $store (param i64 i64)))
               (func (export "host_reflect") (param $in i64) (result i64)
                 (call $store (i64.add (local.get $in) (i64.sub (call $length (local.get $in)) (i64.const 4)))
                              (i64.const -1))
                 (local.get $in))"#,
            "kernel_fault",
        ),
    ];
    for (i, (body, kind)) in cases.into_iter().enumerate() {
        let path = scratch(&format!("misbehaving-host-{i}.wat"), format!("(module {body})").as_bytes());
        let args = ["check", &guest("reflect"), "--export", "reflect", "--input-text", "a block of 24 bytes here"];
        let report = json(&concord(&[&args[..], &["--host-module", &path, "--json"]].concat()));
        assert_eq!(report["agree"], true, "{body}: {report}");
        for engine in report["engines"].as_array().unwrap() {
            assert_eq!(engine["outcome"]["kind"], kind, "{body}: {engine}");
        }
        if kind == "kernel_fault" {
            // Extism's JavaScript host finds any offset in a block's range of 2^48 inside that
            // block, so the load past the input succeeds there; its worker then loses the i64 the
            // host function returns (an argument handed back, with an input of 8 bytes or more:
            // measured on the SDK alone), and the plugin fails in the import.
            let details = details(&report);
            let js_kernel = |id: &str| capabilities_of(id).kernel == PluginKernel::ExtismJs;
            let shown = details.iter().filter(|(id, _)| !(i == 2 && js_kernel(id)));
            assert!(shown.clone().all(|(_, d)| d.contains("host module:")), "{details:?}");
        }
    }
}

/// Beyond the blocks it is handed, a host function reaches the call's input and the plugin's
/// config, which Extism's host API offers differently from the native kernel.
#[test]
fn a_host_module_reads_the_input_and_the_config() {
    let input_copy = r#"(module
        (import "extism:host/env" "input_length" (func $input_length (result i64)))
        (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
        (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
        (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
        (func (export "host_reflect") (param i64) (result i64) (local $out i64) (local $i i64)
          (local.set $out (call $alloc (call $input_length)))
          (block $done (loop $copy
            (br_if $done (i64.ge_u (local.get $i) (call $input_length)))
            (call $store_u8 (i64.add (local.get $out) (local.get $i)) (call $input_load_u8 (local.get $i)))
            (local.set $i (i64.add (local.get $i) (i64.const 1)))
            (br $copy)))
          (local.get $out)))"#;
    let config_lookup = r#"(module
        (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
        (func (export "host_reflect") (param $key i64) (result i64) (call $config_get (local.get $key))))"#;
    for (name, text, expected) in [("input-copy", input_copy, "greeting"), ("config-lookup", config_lookup, "hello")] {
        let path = scratch(&format!("{name}.wat"), text.as_bytes());
        let args = ["check", &guest("reflect"), "--export", "reflect", "--input-text", "greeting"];
        let report =
            json(&concord(&[&args[..], &["--config", "greeting=hello", "--host-module", &path, "--json"]].concat()));
        assert_eq!(report["agree"], true, "{name}: {report}");
        for engine in report["engines"].as_array().unwrap() {
            assert_eq!(engine["output_sha256"], concord::engine::sha256_hex(expected.as_bytes()), "{name}: {engine}");
        }
    }
}
