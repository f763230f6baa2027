use anyhow::{Context, Result, bail};
use concord_engine::Engine;
use concord_fuzz::Finding;
use concord_self_check::{Fault, Faulty};
use concord_verdict::divergence::Divergences;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Modules engines differ on, shrunk and saved per run, at most: each shrink runs for up to a
/// minute.
const MAX_SAVED: usize = 5;

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
    /// Replay saved modules (conformance/regressions/generated/*.json) instead of generating.
    #[arg(long, value_name = "FILE")]
    replay: Vec<PathBuf>,
    /// Add the first engine with a planted self-check fault, to see it caught.
    #[arg(long, value_name = "FAULT")]
    plant: Option<String>,
    /// Print differences without shrinking or saving them.
    #[arg(long)]
    no_save: bool,
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

fn engines(args: &Args) -> Result<Vec<Arc<dyn Engine>>> {
    let mut engines = concord::select(&args.engines)?;
    if let Some(name) = &args.plant {
        let fault = Fault::ALL.into_iter().find(|f| f.name() == name).with_context(|| {
            let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
            format!("no planted fault `{name}`; the faults are {}", names.join(", "))
        })?;
        engines.push(Arc::new(Faulty::new(engines[0].clone(), fault)));
    }
    if engines.len() < 2 {
        bail!("a differential run needs at least two engine configurations");
    }
    Ok(engines)
}

/// Runs generated modules on every engine until the time is up, printing each module engines
/// differ on, shrunk and saved, with the command that replays it; differences a documented
/// divergence explains are counted apart. Exits 1 on an undocumented one.
pub fn run(args: Args) -> Result<ExitCode> {
    let engines = engines(&args)?;
    if !args.replay.is_empty() {
        return replay(&engines, &args.replay);
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!(
        "fuzzing {} configurations from seed {} for {}",
        engines.len(),
        args.seed,
        args.modules.map_or(format!("{:?}", args.time), |n| format!("{n} modules"))
    );
    let divergences = Divergences::load(&concord::conformance_dir().join("divergences.toml"))?;
    let findings = Mutex::new(Vec::new());
    let documented = Mutex::new(BTreeMap::<String, u64>::new());
    let found = |finding: &Finding| {
        let case = format!("seed-{}", finding.module.seed);
        let mut finding = finding.clone();
        let wasm = finding.module.wasm.clone();
        finding.differences.retain(|d| match concord::generated::documented(&divergences, &case, &wasm, d) {
            Some(entry) => {
                let mut documented = documented.lock().unwrap_or_else(|p| p.into_inner());
                *documented.entry(format!("{}: {}", d.engine, entry.reason)).or_default() += 1;
                false
            }
            None => true,
        });
        if finding.differences.is_empty() {
            return;
        }
        let finding = &finding;
        let mut findings = findings.lock().unwrap_or_else(|p| p.into_inner());
        findings.push(finding.module.seed);
        let save = !args.no_save && findings.len() <= MAX_SAVED;
        drop(findings);
        let shown = if save {
            // A planted fault's module guards nothing real: it is kept out of the repository.
            let dir = match args.plant {
                Some(_) => concord::guests::workspace_root().join("target").join("fuzz-planted"),
                None => concord::generated::regressions_dir(),
            };
            match concord::generated::shrink_and_save(&engines, finding, &dir) {
                Ok((_, shown)) => match &args.plant {
                    Some(fault) => format!("{shown} --engine {} --plant {fault}", engines[0].id()),
                    None => shown,
                },
                Err(e) => format!("{}\n  could not save it: {e:#}", describe(&engines, finding)),
            }
        } else {
            format!(
                "{}\n  replay: cargo xtask fuzz --seed {} --modules 1",
                describe(&engines, finding),
                finding.module.seed
            )
        };
        println!("{shown}");
    };
    let start = Instant::now();
    let until = args.modules.is_none().then(|| start + args.time);
    let stats = concord_fuzz::run(&engines, args.seed, args.modules, until, threads, &found);
    let wall = start.elapsed();
    let modules = stats.iter().map(|s| s.modules).max().unwrap_or(0);
    println!(
        "\n{modules} modules in {:.1} s: {:.0} a minute on every configuration ({threads} threads)",
        wall.as_secs_f64(),
        modules as f64 / wall.as_secs_f64() * 60.0
    );
    // Each engine's rate alone: modules over the time it spent on them, as if it ran by itself.
    let width = stats.iter().map(|s| s.engine.len()).max().unwrap_or(0).max(6);
    println!("{:<width$} {:>8} {:>12} {:>16}", "engine", "modules", "unsupported", "modules/minute");
    for s in &stats {
        let rate = s.modules as f64 / s.busy.as_secs_f64().max(1e-9) * 60.0;
        println!("{:<width$} {:>8} {:>12} {:>16.0}", s.engine, s.modules, s.unsupported, rate);
    }
    for (what, count) in documented.into_inner().unwrap_or_else(|p| p.into_inner()) {
        println!("documented ({count} modules) {what}");
    }
    let findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    println!("{} modules on which engines differ where no documented divergence explains it", findings.len());
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn describe(engines: &[Arc<dyn Engine>], finding: &Finding) -> String {
    concord::generated::describe(engines, &finding.module, &finding.differences)
}

/// Runs saved modules on every engine and says, for each, whether they agree.
fn replay(engines: &[Arc<dyn Engine>], paths: &[PathBuf]) -> Result<ExitCode> {
    let mut differing = 0;
    for path in paths {
        let saved = concord_fuzz::saved::load(path).map_err(anyhow::Error::msg)?;
        let run = concord_fuzz::run_module(engines, &saved.module, &concord_fuzz::limits());
        println!("{} (saved because {})", saved.name, saved.found);
        if run.differences.is_empty() {
            println!("  every engine agrees ({} ran it)", run.observations.len());
        } else {
            differing += 1;
            println!("{}", concord::generated::describe(engines, &saved.module, &run.differences));
        }
    }
    Ok(if differing == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
