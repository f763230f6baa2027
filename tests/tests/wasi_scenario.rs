//! The `wasi` scenario: generated sequences of WASI calls, every errno and every byte written
//! compared between Concord's WASI (ten configurations) and wasmtime-wasi inside Extism's Rust host,
//! with no documented difference to hide behind. Extism's JavaScript host, whose WASI is Node's,
//! is reported unsupported by the scenario, not judged by it.

use concord::engine::{Outcome, WasiHost};
use concord::runner::Runner;
use concord::scenario;
use concord_tests::{capabilities, engines, reference_host};
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;

#[test]
fn concords_wasi_answers_as_extisms_on_every_sequence() {
    let mut runner = Runner::new(engines().to_vec());
    let cases = scenario::generate(0x3a51, 64, Some("wasi"));
    let mut calls = 0;
    for case in &cases {
        let result = runner.run(case, &Divergences::default());
        for engine in &result.engines {
            match capabilities(&engine.engine).wasi {
                WasiHost::Node => assert_eq!(engine.verdict, Verdict::Unsupported, "{}", engine.engine),
                WasiHost::Concord | WasiHost::WasmtimeWasi => assert_eq!(
                    engine.verdict,
                    Verdict::Agree,
                    "{} on {}: {:?}\n{:?}",
                    engine.engine,
                    case.name,
                    engine.note,
                    case.origin
                ),
            }
        }
        calls += case.origin.as_ref().map_or(0, |o| o["ops"].as_array().map_or(0, Vec::len));
    }
    assert!(calls > 200, "{calls} ops in 64 sequences");
}

/// One sequence written by hand, so that what the generated ones rely on is shown to happen: the
/// fixture is preopened at fd 3, a file below it opens and reads, a directory lists, a symlink
/// resolves, a way out is refused, stdio polls ready at once while a deadline due at once yields,
/// and a file under the read-only directory cannot be polled for writing; Extism's Rust host (the
/// reference, reading the disk) answers so, and every configuration on Concord's snapshot answers
/// the same bytes.
#[test]
fn a_preopened_directory_reads_as_on_extisms_host() {
    const W: i64 = 0x2000;
    const IOVECS: i64 = 0x1000;
    // The fixture's path table: 16-byte slots from 0x3100, in `fixture::PATHS`' order.
    let path = |index: i64, len: i64| [0x3100 + 16 * index, len];
    let call = |function: &str, args: Vec<i64>| serde_json::json!({"call": {"function": function, "args": args}});
    let (hello, link, escape) = (path(0, 9), path(3, 4), path(9, 6));
    const RIGHT_FD_READ: i64 = 1 << 1;
    let input = serde_json::json!({
        "preopen": true,
        "ops": [
            call("fd_prestat_get", vec![3, W]),
            call("path_open", vec![3, 0, hello[0], hello[1], 0, RIGHT_FD_READ, 0, 0, W]),
            {"iovec": {"index": 0, "buf": W + 16, "len": 64}},
            call("fd_read", vec![4, IOVECS, 1, W]),
            call("fd_readdir", vec![3, W, 88, 0, W + 88]),
            call("path_filestat_get", vec![3, 1, link[0], link[1], W]),
            call("path_open", vec![3, 1, escape[0], escape[1], 0, RIGHT_FD_READ, 0, 0, W]),
            // stdin and stdout beside a deadline due at once, then hello.txt to write.
            {"subscribe": {"index": 0, "userdata": 7, "event": {"fd_read": 0}}},
            {"subscribe": {"index": 1, "userdata": 8, "event": {"fd_write": 1}}},
            {"subscribe": {"index": 2, "userdata": 9, "event": {"clock": {"id": 1, "timeout_ns": 0, "flags": 0}}}},
            call("poll_oneoff", vec![0x1800, W, 3, W + 88]),
            {"subscribe": {"index": 0, "userdata": 10, "event": {"fd_write": 4}}},
            call("poll_oneoff", vec![0x1800, W, 1, W + 88]),
        ]
    });
    let case = scenario::find("wasi").expect("the wasi scenario").replay(&input).expect("a wasi input");
    assert!(case.name.ends_with("-preopened"), "the fixture could not be preopened: {}", case.name);
    let result = Runner::new(engines().to_vec()).run(&case, &Divergences::default());

    let reference = result.engines.iter().find(|e| e.engine == reference_host().id()).expect("Extism's Rust host runs");
    let Outcome::Returned(report) = &reference.observation.outcome else {
        panic!("Extism's Rust host: {:?}", reference.observation.outcome)
    };
    let calls: Vec<(u64, &[u8])> = report
        .chunks(104)
        .map(|call| (u64::from_le_bytes(call[..8].try_into().expect("8 bytes")), &call[8..]))
        .collect();
    const ERRNO_PERM: u64 = 63;
    let errnos: Vec<u64> = calls.iter().map(|(errno, _)| *errno).collect();
    assert_eq!(errnos, [0, 0, 0, 0, 0, ERRNO_PERM, 0, ERRNO_PERM], "fd_prestat_get .. poll_oneoff");
    assert_eq!(&calls[0].1[..8], [0, 0xee, 0xee, 0xee, 8, 0, 0, 0], "a directory prestat, a name of 8 bytes");
    assert_eq!(&calls[1].1[..4], 4u32.to_le_bytes(), "hello.txt opens at fd 4");
    assert_eq!(&calls[2].1[..4], 23u32.to_le_bytes(), "23 bytes read");
    assert_eq!(&calls[2].1[16..39], b"hello, preopened world\n");
    assert_eq!(&calls[3].1[88..92], 88u32.to_le_bytes(), "the listing fills the buffer");
    assert_eq!(&calls[3].1[24..25], b".", "the listing starts with `.`");
    assert_eq!(calls[4].1[16], 4, "`link` resolves to a regular file");
    assert_eq!(&calls[4].1[32..40], 23u64.to_le_bytes(), "of 23 bytes");
    let poll = calls[6].1;
    assert_eq!(&poll[88..92], 2u32.to_le_bytes(), "two events: the due deadline yields to stdio");
    assert_eq!((poll[0], poll[10], poll[16]), (7, 1, 1), "stdin readable, one byte promised");
    assert_eq!((poll[32], poll[42], poll[48]), (8, 2, 1), "stdout writable, one byte promised");

    for engine in &result.engines {
        if capabilities(&engine.engine).wasi != WasiHost::Node {
            assert_eq!(engine.observation.outcome, reference.observation.outcome, "{}", engine.engine);
        }
    }
}
