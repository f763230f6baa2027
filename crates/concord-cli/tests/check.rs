//! `concord check` as an embedder runs it: the real binary on real plugins.

mod common;

use common::{capabilities, concord, guest, json, scratch};
use concord::engine::{MemoryLimiting, PluginKernel};

/// The configuration whose memory limit bounds only its kernel's blocks (Extism's JavaScript host).
#[cfg(feature = "plant")]
fn unbounded_memory() -> String {
    let all = concord::all_engines();
    let engine = all.iter().find(|e| e.capabilities().memory_limit == MemoryLimiting::KernelBlocksOnly);
    engine.expect("a configuration of this build bounds only its kernel's blocks").id().to_string()
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

/// Growing past the memory limit: memory.grow fails on ten configurations, Extism's Rust host
/// ends the call ("oom"), extism-js grows as if there were no limit. Both hosts' semantics are
/// documented mechanisms, each confirmed by running the plugin again on a reference engine (under
/// Extism's rule; with no limit), so the check labels them and exits 0.
#[test]
fn each_hosts_memory_limit_semantics_is_labelled_documented() {
    let input = scratch("grow-past-limit.bin", &100i32.to_le_bytes());
    let output =
        concord(&["check", &guest("grow"), "--export", "grow", "--input", &input, "--memory-limit-mb", "1", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let report = json(&output);
    assert_eq!(report["undocumented"], 0);
    for engine in report["engines"].as_array().unwrap() {
        let expected = match capabilities(engine).memory_limit {
            MemoryLimiting::CallFails | MemoryLimiting::KernelBlocksOnly => "documented",
            MemoryLimiting::GrowFails | MemoryLimiting::DeclaredMaximumCapped => "agree",
        };
        assert_eq!(engine["verdict"], expected, "{engine}");
    }
}

/// The same plugin with one output byte flipped on extism-js, planted under its own id: its
/// unenforced limit no longer explains what it returned, so the run exits 1 with extism-js the
/// one that diverges, and Extism's limiter still documented.
#[cfg(feature = "plant")]
#[test]
fn a_flipped_byte_beside_a_documented_limit_exits_one() {
    let input = scratch("grow-past-limit-planted.bin", &100i32.to_le_bytes());
    let output = concord(&[
        "check",
        &guest("grow"),
        "--export",
        "grow",
        "--input",
        &input,
        "--memory-limit-mb",
        "1",
        "--plant",
        &format!("flip-output-byte={}", unbounded_memory()),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    let report = json(&output);
    assert_eq!(report["undocumented"], 1);
    for engine in report["engines"].as_array().unwrap() {
        let expected = match capabilities(engine).memory_limit {
            MemoryLimiting::KernelBlocksOnly => "diverge",
            MemoryLimiting::CallFails => "documented",
            MemoryLimiting::GrowFails | MemoryLimiting::DeclaredMaximumCapped => "agree",
        };
        assert_eq!(engine["verdict"], expected, "{engine}");
    }
}

/// A difference no mechanism confirms exits 1: tinywasm (0.10, 0.11) returns `f32.floor` of a
/// signalling NaN unquieted (documented for the spec testsuite, assertion by assertion, not as a
/// mechanism that follows a plugin).
#[test]
fn a_divergence_exits_one() {
    let wasm = wat::parse_str(
        r#"(module
          (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
          (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
          (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
          (memory (export "memory") 1)
          (func (export "run") (result i32)
            (local $block i64)
            (local.set $block (call $alloc (i64.const 8)))
            (call $store_u64 (local.get $block)
              (i64.extend_i32_u (i32.reinterpret_f32 (f32.floor (f32.reinterpret_i32 (i32.const 0x7fa00000))))))
            (call $output_set (local.get $block) (i64.const 8))
            (i32.const 0)))"#,
    )
    .unwrap();
    let plugin = scratch("floor-snan.wasm", &wasm);
    let output = concord(&["check", &plugin, "--export", "run", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    let report = json(&output);
    assert_eq!(report["agree"], false);
    // Which quiet NaN comes back is the engine's to choose (pulley and singlepass choose others);
    // a NaN with the quiet bit clear is not (tinywasm 0.10 and 0.11 return one), and it diverges.
    let signalling = "8 bytes: 0000a07f00000000";
    let kept: Vec<_> =
        report["engines"].as_array().unwrap().iter().filter(|e| e["outcome"]["detail"] == signalling).collect();
    assert!(!kept.is_empty(), "{report}");
    assert!(kept.iter().all(|e| e["verdict"] == "diverge"), "{report}");
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
        // Neither of Extism's kernels checks a load.
        if capabilities(engine).kernel != PluginKernel::Concord {
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

/// Each engine's outcome and memory pages, for comparing two runs.
fn outcomes(report: &serde_json::Value) -> Vec<(String, String, String, serde_json::Value)> {
    let engines = report["engines"].as_array().expect("engines");
    engines
        .iter()
        .map(|e| {
            let outcome = &e["outcome"];
            (e["id"].to_string(), outcome["kind"].to_string(), outcome["detail"].to_string(), e["memory_pages"].clone())
        })
        .collect()
}

/// An Extism manifest's `memory.max_pages` and `timeout_ms` give the same outcomes, on every
/// engine, as the flags that say the same.
#[test]
fn a_manifest_gives_the_same_outcomes_as_the_equivalent_flags() {
    let input = scratch("grow-twenty.bin", &20i32.to_le_bytes());
    let manifest = |name: &str, wasm: &str, rest: &str| {
        scratch(name, format!(r#"{{"wasm": [{{"path": "{wasm}"}}], {rest}}}"#).as_bytes())
    };
    let grow = manifest("grow-manifest.json", &guest("grow"), r#""memory": {"max_pages": 16}, "config": {"k": "v"}"#);
    let by_manifest = concord(&["check", &grow, "--export", "grow", "--input", &input, "--json"]);
    let by_flags = concord(&[
        "check",
        &guest("grow"),
        "--export",
        "grow",
        "--input",
        &input,
        "--memory-limit-mb",
        "1",
        "--config",
        "k=v",
        "--json",
    ]);
    assert_eq!(by_manifest.status.code(), by_flags.status.code());
    let (manifest_outcomes, flag_outcomes) = (outcomes(&json(&by_manifest)), outcomes(&json(&by_flags)));
    assert_eq!(manifest_outcomes, flag_outcomes);
    assert!(manifest_outcomes.iter().any(|(_, kind, ..)| kind == "\"returned\""), "{manifest_outcomes:?}");

    let spin = manifest("spin-manifest.json", &guest("runaway"), r#""timeout_ms": 150"#);
    let by_manifest = concord(&["check", &spin, "--export", "spin", "--json"]);
    let by_flags = concord(&["check", &guest("runaway"), "--export", "spin", "--timeout-ms", "150", "--json"]);
    let (manifest_outcomes, flag_outcomes) = (outcomes(&json(&by_manifest)), outcomes(&json(&by_flags)));
    assert_eq!(manifest_outcomes, flag_outcomes);
    for (id, kind, detail, _) in &manifest_outcomes {
        assert_eq!(kind, "\"limit_hit\"", "{id}: {detail}");
    }
}

/// What Concord cannot give a plugin is refused with the reason, before any engine runs.
#[test]
fn a_manifest_concord_cannot_honour_is_refused_with_the_reason() {
    let wasm = guest("runaway");
    let cases = [
        (format!(r#"{{"wasm": [{{"path": "{wasm}"}}], "allowed_paths": {{"/tmp": "/data"}}}}"#), "read-only"),
        (format!(r#"{{"wasm": [{{"path": "{wasm}"}}], "allowed_hosts": ["example.com"]}}"#), "allowed_hosts"),
        (r#"{"wasm": [{"url": "https://example.com/plugin.wasm"}]}"#.to_string(), "fetches nothing"),
        (format!(r#"{{"wasm": [{{"path": "{wasm}", "hash": "00"}}]}}"#), "sha256"),
        (format!(r#"{{"wasm": [{{"path": "{wasm}"}}, {{"path": "{wasm}"}}]}}"#), "links 2 modules"),
        (r#"{"wasm": 3}"#.to_string(), "not an Extism manifest"),
    ];
    for (i, (text, reason)) in cases.iter().enumerate() {
        let path = scratch(&format!("refused-{i}.json"), text.as_bytes());
        let output = concord(&["check", &path, "--export", "spin"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(reason), "{text}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
}

/// `--calls N` calls one instance N times: memory grown by one call is there for the next.
#[test]
fn calls_share_one_instance() {
    let input = scratch("grow-one.bin", &1i32.to_le_bytes());
    let output = concord(&["check", &guest("grow"), "--export", "grow", "--input", &input, "--calls", "3", "--json"]);
    let report = json(&output);
    assert_eq!(report["agree"], true, "{report}");
    for engine in report["engines"].as_array().unwrap() {
        let calls = engine["calls"].as_array().expect("every call is reported");
        assert_eq!(calls.len(), 3, "{engine}");
        let pages: Vec<_> = calls.iter().map(|c| c["memory_pages"].clone()).collect();
        if !pages[0].is_null() {
            assert_eq!(pages, [2, 3, 4], "{}", engine["id"]);
        }
        let outputs: std::collections::BTreeSet<_> = calls.iter().map(|c| c["output_sha256"].to_string()).collect();
        assert_eq!(outputs.len(), 3, "each call saw the memory the one before grew: {}", engine["id"]);
    }
    assert_eq!(concord(&["check", &guest("grow"), "--export", "grow", "--calls", "0"]).status.code(), Some(2));
}

/// `--wasi off` leaves WASI unlinked on every engine, Extism's own host included: a plugin that
/// imports it does not instantiate, and the import is named.
#[test]
fn wasi_off_leaves_a_wasi_plugin_unlinked_everywhere() {
    let on = json(&concord(&["check", &guest("wasi"), "--export", "write", "--json"]));
    let off = json(&concord(&["check", &guest("wasi"), "--export", "write", "--wasi", "off", "--json"]));
    assert_eq!((on["agree"].as_bool(), off["agree"].as_bool()), (Some(true), Some(true)));
    for (on, off) in on["engines"].as_array().unwrap().iter().zip(off["engines"].as_array().unwrap()) {
        assert_eq!(on["outcome"]["kind"], "returned", "{on}");
        assert_eq!(off["outcome"]["kind"], "instantiate_failed", "{off}");
        assert!(off["outcome"]["detail"].as_str().unwrap().contains("wasi_snapshot_preview1::"), "{off}");
    }
}

#[test]
fn explain_says_what_the_plugin_needs_and_who_serves_it() {
    let output = concord(&["check", &guest("std_probe"), "--export", "probe", "--engine", "wasmi", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let plugin = json(&output)["plugin"].clone();
    let names = |key: &str| {
        plugin[key].as_array().expect(key).iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert!(names("kernel").contains(&"output_set".to_string()), "{plugin}");
    assert!(names("wasi").contains(&"poll_oneoff".to_string()), "{plugin}");
    assert!(names("missing").is_empty() && names("host_functions").is_empty(), "{plugin}");
    assert!(names("callable").contains(&"probe () -> i32".to_string()), "{plugin}");

    // A plugin with an import nobody serves: the table is preceded by what it needs.
    let output = concord(&["check", &guest("unknown_import"), "--export", "run", "--engine", "wasmi"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("served by nobody here: env::launch_missiles"), "{text}");

    // A reactor that is also a command: refused before any call, and said so.
    let output =
        concord(&["check", &guest("command_and_reactor"), "--export", "run", "--engine", "wasmi", "--explain"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("refused by the host") && text.contains("both a command"), "{text}");
}

/// `--dir` offers a host directory read-only, as a manifest's `ro:` allowed path does: a plugin
/// that reads a file from its first preopen (fd 3) gets its bytes on every engine that can offer
/// one, Extism's Rust host reading the disk and the rest a snapshot; Extism's JavaScript host,
/// which has no read-only directories, says so. A writable allowed path is refused.
#[test]
fn a_plugin_reads_a_directory_offered_read_only() {
    let wasm = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "path_open"
            (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
          (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
          (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
          (memory (export "memory") 1)
          (data (i32.const 16) "note.txt")
          (func (export "run") (result i32)
            (local $read i32) (local $block i64) (local $i i32)
            ;; note.txt below fd 3, with the read right; the new descriptor at 32.
            (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 8) (i32.const 0)
                  (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32))
              (then unreachable))
            (i32.store (i32.const 64) (i32.const 256))
            (i32.store (i32.const 68) (i32.const 1024))
            (if (call $fd_read (i32.load (i32.const 32)) (i32.const 64) (i32.const 1) (i32.const 80))
              (then unreachable))
            (local.set $read (i32.load (i32.const 80)))
            (local.set $block (call $alloc (i64.extend_i32_u (local.get $read))))
            (block $done
              (loop $copy
                (br_if $done (i32.ge_u (local.get $i) (local.get $read)))
                (call $store_u8 (i64.add (local.get $block) (i64.extend_i32_u (local.get $i)))
                  (i32.load8_u (i32.add (i32.const 256) (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $copy)))
            (call $output_set (local.get $block) (i64.extend_i32_u (local.get $read)))
            (i32.const 0)))"#,
    )
    .unwrap();
    let plugin = scratch("reads-note.wasm", &wasm);
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("offered-dir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("note.txt"), "read through a preopen\n").unwrap();
    let dir = dir.to_string_lossy().into_owned();
    let expected = concord::engine::sha256_hex(b"read through a preopen\n");

    let by_flag = concord(&["check", &plugin, "--export", "run", "--dir", &format!("{dir}::/data"), "--json"]);
    assert_eq!(by_flag.status.code(), Some(0), "{}", String::from_utf8_lossy(&by_flag.stderr));
    let report = json(&by_flag);
    for engine in report["engines"].as_array().unwrap() {
        match capabilities(engine).read_only_dirs {
            false => assert_eq!(engine["outcome"]["kind"], "unsupported", "{engine}"),
            true => assert_eq!(engine["output_sha256"], expected.as_str(), "{engine}"),
        }
    }
    // Without it, fd 3 is no descriptor: the plugin traps everywhere.
    let without = json(&concord(&["check", &plugin, "--export", "run", "--json"]));
    assert!(without["engines"].as_array().unwrap().iter().all(|e| e["outcome"]["kind"] == "trap"), "{without}");

    let manifest = |host: &str| {
        let text = format!(r#"{{"wasm": [{{"path": "{plugin}"}}], "allowed_paths": {{"{host}": "/data"}}}}"#);
        scratch("reads-note.json", text.as_bytes())
    };
    let by_manifest = json(&concord(&["check", &manifest(&format!("ro:{dir}")), "--export", "run", "--json"]));
    assert_eq!(outcomes(&by_manifest), outcomes(&report));
    let writable = concord(&["check", &manifest(&dir), "--export", "run"]);
    assert_eq!(writable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&writable.stderr).contains("read-only"));
    let missing = concord(&["check", &plugin, "--export", "run", "--dir", "/no/such/dir"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such/dir"));
}
