//! A plugin built with Rust's standard library for WASI preview1: what such a plugin does at
//! start-up and through WASI, reported as facts that do not depend on which host ran it (a clock's
//! value does; that it moves forward does not). Its runtime starts through wasi-libc's reactor
//! `_initialize`; its stdio, clocks, sleep, randomness, environment, arguments and files are
//! wasi-libc's and std's own calls.

use extism_pdk::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Every fact at once, as one JSON object.
#[plugin_fn]
pub fn probe(input: String) -> FnResult<String> {
    Ok(facts(&input).to_string())
}

/// Prints to stdout and stderr (which Extism discards and Concord captures) and returns the
/// input: the output must not depend on whether the writes were kept.
#[plugin_fn]
pub fn print(input: String) -> FnResult<String> {
    println!("{input}");
    eprintln!("to stderr: {}", input.len());
    std::io::stdout().flush()?;
    Ok(input)
}

/// Sleeps for the number of milliseconds in the input and says whether the monotonic clock moved
/// at least that far.
#[plugin_fn]
pub fn sleep(input: String) -> FnResult<String> {
    let millis: u64 = input.trim().parse().unwrap_or(1);
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(millis));
    Ok(json!({ "slept_at_least": start.elapsed() >= Duration::from_millis(millis) }).to_string())
}

/// Fails with an error the host reports.
#[plugin_fn]
pub fn fail(input: String) -> FnResult<String> {
    Err(WithReturnCode::new(Error::msg(format!("failed on {input}")), 7))
}

fn facts(input: &str) -> Value {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let start = Instant::now();
    let later = Instant::now();
    let mut stdin = String::new();
    let stdin_read = std::io::stdin().read_to_string(&mut stdin).map_err(|e| e.kind().to_string());
    let file = std::fs::read("/etc/passwd").map(|b| b.len()).map_err(|e| e.kind().to_string());
    let created = std::fs::write("probe.txt", b"x").map_err(|e| e.kind().to_string());
    let dir = std::fs::read_dir(".").map(|d| d.count()).map_err(|e| e.kind().to_string());
    let cwd = std::env::current_dir().map(|p| p.display().to_string()).map_err(|e| e.kind().to_string());
    // The standard library's hash maps seed themselves from `random_get`.
    let mut map = std::collections::HashMap::new();
    map.insert(input.to_string(), input.len());
    json!({
        "input": input,
        "after_2020": now > 1_577_836_800,
        "monotonic": later >= start,
        "args": std::env::args().count(),
        "env": std::env::vars().count(),
        "stdin": stdin_read.map(|n| json!(n)).unwrap_or_else(|e| json!(e)),
        "read_file": file.map(|n| json!(n)).unwrap_or_else(|e| json!(e)),
        "write_file": created.map(|()| json!("ok")).unwrap_or_else(|e| json!(e)),
        "read_dir": dir.map(|n| json!(n)).unwrap_or_else(|e| json!(e)),
        "cwd": cwd.map(|p| json!(p)).unwrap_or_else(|e| json!(e)),
        "map": map.len(),
    })
}
