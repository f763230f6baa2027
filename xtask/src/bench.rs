use anyhow::{Context, Result, bail};
use concord::engine::{Capabilities, PluginKernel};
use concord_verdict::count::ScenarioCount;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Fewer, shorter samples: a first look in a few minutes, not a measurement to quote.
    #[arg(long)]
    quick: bool,
    /// Also time a cold build of everything the test command compiles, in a fresh target directory
    /// (about ten minutes on two cores). Kept in target/conformance/cold-build.json for later runs.
    #[arg(long)]
    cold_build: bool,
}

/// Runs the criterion benchmarks, then prints one table of medians and ratios and writes
/// target/conformance/bench.json (which the conformance report reads when present).
pub fn run(args: Args) -> Result<ExitCode> {
    crate::guests::build()?;
    crate::node::ensure()?;
    crate::python::ensure()?;
    let root = concord::guests::workspace_root();
    let out = root.join("target").join("conformance");
    std::fs::create_dir_all(&out)?;
    if args.cold_build {
        let measured = cold_build(&root)?;
        std::fs::write(out.join("cold-build.json"), serde_json::to_string_pretty(&measured)?)?;
    }
    let (engines_args, overhead_args): (&[&str], &[&str]) = match args.quick {
        true => (&["--warm-up-time", "0.2", "--measurement-time", "0.5", "--sample-size", "10"], &["--quick"]),
        false => (&[], &[]),
    };
    cargo_bench("engines", engines_args)?;
    cargo_bench("overhead", overhead_args)?;
    let criterion = root.join("target").join("criterion");
    let overhead = read_json(&out.join("overhead.json")).context("the overhead benchmark wrote no overhead.json")?;
    let mut summary = summarize(&criterion, &overhead)?;
    summary["cold_build"] = read_json(&out.join("cold-build.json")).unwrap_or(Value::Null);
    summary["suite_cases_per_s"] = read_json(&out.join("report.json")).map_or(Value::Null, |r| suite_cost(&r));
    print_table(&summary);
    let path = out.join("bench.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?)?;
    println!("wrote {}", path.canonicalize().unwrap_or(path).display());
    Ok(ExitCode::SUCCESS)
}

/// Times `cargo test --workspace --all-targets --no-run` from nothing: the build a fresh clone needs before the
/// test command runs. The directory is removed afterwards; it holds gigabytes.
fn cold_build(root: &Path) -> Result<Value> {
    let dir = root.join("target").join("cold-build");
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("timing a cold build in {} ...", dir.display());
    let start = Instant::now();
    let status = Command::new(crate::guests::cargo())
        .args(["test", "--workspace", "--all-targets", "--no-run", "--quiet", "--target-dir"])
        .arg(&dir)
        .current_dir(root)
        .status()
        .context("running cargo test --no-run")?;
    let seconds = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    if !status.success() {
        bail!("the cold build failed");
    }
    let commit = Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(root).output().ok();
    let commit = commit.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let machine = concord_report::performance::machine();
    Ok(json!({
        "seconds": seconds,
        "command": "cargo test --workspace --all-targets --no-run",
        "commit": commit,
        "cores": machine.cores,
    }))
}

/// Runs one of concord-tests' benchmarks with `args` for its harness.
fn cargo_bench(bench: &str, args: &[&str]) -> Result<()> {
    let status = Command::new(crate::guests::cargo())
        .args(["bench", "-p", "concord-tests", "--bench", bench, "--"])
        .args(args)
        .status()
        .with_context(|| format!("running cargo bench --bench {bench}"))?;
    if !status.success() {
        bail!("the {bench} benchmark failed");
    }
    Ok(())
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Cases per second of engine time, per scenario and engine, from the last conformance report.
fn suite_cost(report: &Value) -> Value {
    let rows = report["scenarios"].as_array().into_iter().flatten().filter_map(|row| {
        let count: ScenarioCount = serde_json::from_value(row.clone()).ok()?;
        Some(json!({ "scenario": count.scenario, "engine": count.engine, "cases_per_s": count.cases_per_second() }))
    });
    Value::Array(rows.collect())
}

/// Criterion's median point estimate for one benchmark, in nanoseconds.
fn median_ns(criterion: &Path, group: &str, id: &str) -> Option<f64> {
    let path = criterion.join(group).join(id).join("new").join("estimates.json");
    let estimates: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn mib_per_s(bytes: f64, ns: Option<f64>) -> Option<f64> {
    ns.map(|ns| bytes / (1024.0 * 1024.0) / (ns / 1e9))
}

/// Criterion's medians for what each engine costs through Concord, and the paired overhead ratios
/// (`overhead.json`: Concord against the engine's own API, interleaved rounds).
fn summarize(criterion: &Path, overhead: &Value) -> Result<Value> {
    let engines = concord::all_engines();
    let machine = concord_report::performance::machine();
    let rows: Vec<Value> = engines
        .iter()
        .map(|engine| {
            let id = engine.id();
            let get = |group: &str| median_ns(criterion, group, id);
            let paired = overhead.as_array().into_iter().flatten().find(|e| e["id"] == id).unwrap_or(&Value::Null);
            let (call, instantiate) = (&paired["call"], &paired["instantiate"]);
            let iqr = |p: &Value| json!([p["ratio_q1"], p["ratio_q3"]]);
            json!({
                "id": id,
                "compile_us": get("compile_small").map(|ns| ns / 1e3),
                "compile_large_us": get("compile_large").map(|ns| ns / 1e3),
                "instantiate_us": get("instantiate").map(|ns| ns / 1e3),
                "instantiate_raw_us": instantiate["raw_ns"].as_f64().map(|ns| ns / 1e3),
                "instantiate_ratio": instantiate["ratio"],
                "instantiate_ratio_iqr": iqr(instantiate),
                "call_ns": get("call"),
                "call_raw_ns": call["raw_ns"],
                "call_overhead_ratio": call["ratio"],
                "call_overhead_ratio_iqr": iqr(call),
                "stream_mib_s": {
                    "4k": mib_per_s(4096.0, get("stream_4k")),
                    "64k": mib_per_s(65536.0, get("stream_64k")),
                    "1m": mib_per_s(1048576.0, get("stream_1m")),
                },
                "grow_16mib_us": get("grow_16mib").map(|ns| ns / 1e3),
            })
        })
        .collect();
    // The host layer's reference (Extism's Rust host) against the first configuration that runs
    // Concord's own host layer in this process.
    let declaring = |wanted: &dyn Fn(&Capabilities) -> bool| {
        let id = engines.iter().find(|e| wanted(e.capabilities()))?.id().to_string();
        rows.iter().find(|r| r["id"] == id.as_str()).and_then(|r| r["stream_mib_s"]["1m"].as_f64())
    };
    let extism_1m = declaring(&|c| c.kernel == PluginKernel::ExtismRuntime);
    let cranelift_1m = declaring(&|c| c.concord_host() && !c.out_of_process);
    Ok(json!({
        "machine": machine.describe(),
        "engines": rows,
        "native_over_extism_stream_1m": cranelift_1m.zip(extism_1m).map(|(n, e)| n / e),
    }))
}

fn print_table(summary: &Value) {
    let f = |v: &Value, digits: usize| v.as_f64().map_or("-".to_string(), |x| format!("{x:.digits$}"));
    println!("\nmedians on {}", summary["machine"].as_str().unwrap_or("?"));
    println!("ratio: Concord over the engine's own API, median of paired rounds (middle half in bench.json)\n");
    println!(
        "{:<20} {:>11} {:>11} {:>12} {:>7} {:>9} {:>7} {:>9} {:>9} {:>9} {:>11}",
        "engine",
        "compile µs",
        "large µs",
        "instant. µs",
        "ratio",
        "call ns",
        "ratio",
        "4k MiB/s",
        "64k",
        "1m",
        "grow16 µs"
    );
    for r in summary["engines"].as_array().into_iter().flatten() {
        println!(
            "{:<20} {:>11} {:>11} {:>12} {:>7} {:>9} {:>7} {:>9} {:>9} {:>9} {:>11}",
            r["id"].as_str().unwrap_or("?"),
            f(&r["compile_us"], 0),
            f(&r["compile_large_us"], 0),
            f(&r["instantiate_us"], 1),
            f(&r["instantiate_ratio"], 2),
            f(&r["call_ns"], 0),
            f(&r["call_overhead_ratio"], 2),
            f(&r["stream_mib_s"]["4k"], 0),
            f(&r["stream_mib_s"]["64k"], 0),
            f(&r["stream_mib_s"]["1m"], 0),
            f(&r["grow_16mib_us"], 0),
        );
    }
    println!(
        "\nnative kernel (wasmtime-cranelift) / Extism, stream at 1 MiB: {}",
        f(&summary["native_over_extism_stream_1m"], 2)
    );
    let cold = &summary["cold_build"];
    match cold["seconds"].as_f64() {
        Some(s) => println!(
            "cold build (`{}`): {s:.0} s on {} cores, at {}",
            cold["command"].as_str().unwrap_or("?"),
            cold["cores"],
            cold["commit"].as_str().unwrap_or("?")
        ),
        None => println!("cold build: not measured yet (`cargo xtask bench --cold-build`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_cost_reads_the_reports_scenario_counts() {
        let report = json!({"scenarios": [
            {"scenario": "growth", "engine": "wasmi", "cases": 300, "agree": 300, "documented": 0,
             "diverge": 0, "unsupported": 0, "elapsed_ms": 150.0},
            {"scenario": "state", "engine": "wasmi", "cases": 3, "agree": 3, "documented": 0,
             "diverge": 0, "unsupported": 0},
        ]});
        let cost = suite_cost(&report);
        assert_eq!(cost[0], json!({"scenario": "growth", "engine": "wasmi", "cases_per_s": 2000.0}));
        assert_eq!(cost[1]["cases_per_s"], Value::Null, "no time measured, no rate");
    }
}
