use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, ExitCode};

#[derive(clap::Args)]
pub struct Args {
    /// Fewer, shorter samples: a first look in a few minutes, not a measurement to quote.
    #[arg(long)]
    quick: bool,
}

/// Runs the criterion benchmarks, then prints one table of medians and ratios and writes
/// target/conformance/bench.json (which the conformance report reads when present).
pub fn run(args: Args) -> Result<ExitCode> {
    crate::guests::build()?;
    let mut command = Command::new(crate::guests::cargo());
    command.args(["bench", "-p", "concord-tests", "--bench", "engines", "--"]);
    if args.quick {
        command.args(["--warm-up-time", "0.2", "--measurement-time", "0.5", "--sample-size", "10"]);
    }
    if !command.status().context("running cargo bench")?.success() {
        bail!("the benchmarks failed");
    }
    let root = concord::guests::workspace_root();
    let criterion = root.join("target").join("criterion");
    let summary = summarize(&criterion)?;
    print_table(&summary);
    let out = root.join("target").join("conformance");
    std::fs::create_dir_all(&out)?;
    let path = out.join("bench.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?)?;
    println!("wrote {}", path.canonicalize().unwrap_or(path).display());
    Ok(ExitCode::SUCCESS)
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

fn summarize(criterion: &Path) -> Result<Value> {
    let engines = concord::all_engines();
    let machine = concord::performance::machine();
    let rows: Vec<Value> = engines
        .iter()
        .map(|engine| {
            let id = engine.id();
            let get = |group: &str| median_ns(criterion, group, id);
            let raw_call = median_ns(criterion, "call_raw", id);
            let raw_instantiate = median_ns(criterion, "instantiate_raw", id);
            json!({
                "id": id,
                "compile_us": get("compile_small").map(|ns| ns / 1e3),
                "compile_large_us": get("compile_large").map(|ns| ns / 1e3),
                "instantiate_us": get("instantiate").map(|ns| ns / 1e3),
                "instantiate_ratio": get("instantiate").zip(raw_instantiate).map(|(c, r)| c / r),
                "call_ns": get("call"),
                "call_overhead_ratio": get("call").zip(raw_call).map(|(c, r)| c / r),
                "stream_mib_s": {
                    "4k": mib_per_s(4096.0, get("stream_4k")),
                    "64k": mib_per_s(65536.0, get("stream_64k")),
                    "1m": mib_per_s(1048576.0, get("stream_1m")),
                },
                "grow_16mib_us": get("grow_16mib").map(|ns| ns / 1e3),
            })
        })
        .collect();
    let extism_1m = rows.iter().find(|r| r["id"] == "extism").and_then(|r| r["stream_mib_s"]["1m"].as_f64());
    let cranelift_1m =
        rows.iter().find(|r| r["id"] == "wasmtime-cranelift").and_then(|r| r["stream_mib_s"]["1m"].as_f64());
    Ok(json!({
        "machine": format!("{} ({} cores, {})", machine.cpu, machine.cores, machine.os),
        "engines": rows,
        "native_over_extism_stream_1m": cranelift_1m.zip(extism_1m).map(|(n, e)| n / e),
    }))
}

fn print_table(summary: &Value) {
    let f = |v: &Value, digits: usize| v.as_f64().map_or("-".to_string(), |x| format!("{x:.digits$}"));
    println!("\nmedians on {}\n", summary["machine"].as_str().unwrap_or("?"));
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
}
