use anyhow::{Result, bail};
use concord_fuzz::Finding;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// How long to run: `90s`, `10m`, `1h`.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    time: Duration,
    /// The first seed; module N of the run is seed + N.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Stop after this many modules (with `--seed S --modules 1`, replay one module).
    #[arg(long)]
    modules: Option<u64>,
    /// Only these engine configurations (repeatable); all of them by default.
    #[arg(long = "engine")]
    engines: Vec<String>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().map_err(|_| format!("`{text}`: expected a number and s, m or h"))?;
    Ok(Duration::from_secs(match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}`: the unit is s, m or h")),
    }))
}

/// Runs generated modules on every engine until the time is up, printing each module engines
/// differ on with the command that replays it. Exits 1 if engines differed on any.
pub fn run(args: Args) -> Result<ExitCode> {
    let engines = concord::select(&args.engines)?;
    if engines.len() < 2 {
        bail!("a differential run needs at least two engine configurations");
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!(
        "fuzzing {} configurations from seed {} for {}",
        engines.len(),
        args.seed,
        args.modules.map_or(format!("{:?}", args.time), |n| format!("{n} modules"))
    );
    let findings = std::sync::Mutex::new(Vec::new());
    let found = |finding: &Finding| {
        for difference in &finding.differences {
            println!("seed {}: {}: {}", finding.seed, difference.engine, difference.what);
        }
        println!("  replay: cargo xtask fuzz --seed {} --modules 1", finding.seed);
        findings.lock().unwrap_or_else(|p| p.into_inner()).push(finding.seed);
    };
    let start = Instant::now();
    let until = args.modules.is_none().then(|| start + args.time);
    let stats = concord_fuzz::run(&engines, args.seed, args.modules, until, threads, &found);
    let wall = start.elapsed();
    let modules = stats.iter().map(|s| s.modules).max().unwrap_or(0);
    println!(
        "\n{modules} modules in {:.1} s: {:.0} a minute on every configuration",
        wall.as_secs_f64(),
        modules as f64 / wall.as_secs_f64() * 60.0
    );
    println!("{:<28} {:>8} {:>12} {:>16}", "engine", "modules", "unsupported", "modules/minute");
    for s in &stats {
        let rate = s.modules as f64 / s.busy.as_secs_f64().max(1e-9) * 60.0;
        println!("{:<28} {:>8} {:>12} {:>16.0}", s.engine, s.modules, s.unsupported, rate);
    }
    let findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    println!("{} modules on which engines differ", findings.len());
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
