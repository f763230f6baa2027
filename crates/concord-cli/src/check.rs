use crate::manifest;
use anyhow::{Context, Result, bail};
use concord::check::{EngineCheck, Plugin, RejectedEverywhere, check};
use concord::engine::wasi::Preopen;
use concord::engine::{CompileError, InstanceConfig, MemoryLimit, sha256_hex};
use concord::host::ModuleInfo;
use concord_host_module::HostModule;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// A plugin that runs longer than this without `--timeout-ms` is stopped, so a check never hangs.
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

#[derive(clap::Args)]
pub struct Args {
    /// The plugin: a .wasm file, or an Extism manifest (.json) naming one, whose memory.max_pages,
    /// timeout_ms and config apply (the flags below override them).
    plugin: PathBuf,
    /// The export to call (plugin ABI: no parameters, and an i32 return code or no result).
    #[arg(long)]
    export: String,
    /// A file whose bytes are the input.
    #[arg(long, conflicts_with = "input_text")]
    input: Option<PathBuf>,
    /// The input as text.
    #[arg(long)]
    input_text: Option<String>,
    /// Linear-memory limit in MiB.
    #[arg(long)]
    memory_limit_mb: Option<u64>,
    /// Wall-clock limit for each call, in milliseconds (default: the manifest's, else 10000).
    #[arg(long)]
    timeout_ms: Option<u64>,
    /// Calls to make on one instance, each with the same input (state, globals and vars carry
    /// over); engines are judged on the first call where they part.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    calls: u32,
    /// WASI preview 1 linked (`on`, as Extism's hosts link it for a plugin that imports it) or
    /// not (`off`: such a plugin does not instantiate).
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    wasi: String,
    /// Host functions written in Wasm (.wasm or .wat): each export is linked as the plugin's
    /// import `extism:host/user::NAME` (or `MODULE::NAME` when the export is named so), and runs
    /// through the plugin instance's own kernel.
    #[arg(long)]
    host_module: Option<PathBuf>,
    /// A host directory offered to the plugin read-only, `HOST` or `HOST::GUEST` (the path the
    /// plugin opens it by, HOST if not given), as an Extism manifest's `allowed_paths` with `ro:`
    /// offers it (repeatable). It is read into memory once, so every engine sees the same files.
    #[arg(long = "dir", value_parser = parse_dir)]
    dirs: Vec<(PathBuf, String)>,
    /// Plugin config, KEY=VALUE (repeatable).
    #[arg(long = "config", value_parser = parse_key_value)]
    config: Vec<(String, String)>,
    /// Only this engine configuration (repeatable); all of them by default.
    #[arg(long = "engine")]
    engines: Vec<String>,
    /// Plant a self-check fault in one configuration, FAULT=ENGINE (`flip-output-byte=extism-js`),
    /// under that configuration's own id: to see that a documented engine's other faults are still
    /// caught. For testing Concord itself.
    #[cfg(feature = "plant")]
    #[arg(long, value_parser = crate::plant::parse)]
    plant: Option<crate::plant::Plant>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Say first what the plugin needs of its host: its imports by who serves them (kernel, WASI,
    /// host functions, nobody), its callable exports and what starts its runtime (always in the
    /// JSON, as `plugin`).
    #[arg(long)]
    explain: bool,
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| format!("`{text}` is not KEY=VALUE"))?;
    Ok((key.to_string(), value.to_string()))
}

fn parse_dir(text: &str) -> Result<(PathBuf, String), String> {
    match text.split_once("::") {
        Some(("", _)) | Some((_, "")) => Err(format!("`{text}` is not HOST::GUEST")),
        Some((host, guest)) => Ok((PathBuf::from(host), guest.to_string())),
        None => Ok((PathBuf::from(text), text.to_string())),
    }
}

#[derive(Serialize)]
struct CheckReport {
    /// What the plugin needs of its host, from the module alone.
    plugin: crate::needs::Needs,
    /// Every engine did the same.
    agree: bool,
    /// Engines that differ from the others in a way `conformance/divergences.toml` does not explain.
    undocumented: usize,
    engines: Vec<EngineReport>,
}

#[derive(Serialize)]
struct CallReport {
    outcome: OutcomeReport,
    output_sha256: Option<String>,
    memory_pages: Option<u64>,
}

#[derive(Serialize)]
struct EngineReport {
    id: String,
    outcome: OutcomeReport,
    output_sha256: Option<String>,
    memory_pages: Option<u64>,
    timings_us: Timings,
    /// `agree` with the other engines, `documented` (with the reason) or `diverge`.
    verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// With `--calls`, every call, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    calls: Vec<CallReport>,
}

#[derive(Serialize)]
struct OutcomeReport {
    kind: &'static str,
    detail: String,
}

#[derive(Serialize)]
struct Timings {
    compile: u64,
    instantiate: Option<u64>,
    call: Option<u64>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let bytes = std::fs::read(&args.plugin).with_context(|| format!("reading {}", args.plugin.display()))?;
    let shipped = match manifest::is_manifest(&bytes) {
        true => manifest::load(&args.plugin, &bytes)?,
        false => manifest::Shipped {
            wasm: bytes,
            memory_limit: None,
            timeout_ms: None,
            config: Default::default(),
            dirs: Vec::new(),
        },
    };
    let wasm = shipped.wasm;
    // Bytes no engine could even decode are bad input, not a result every engine agrees on.
    let info = ModuleInfo::parse(&wasm).map_err(|error| {
        let (CompileError::Invalid(why) | CompileError::Unsupported(why) | CompileError::EngineFault(why)) = error;
        let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
        anyhow::anyhow!("{} is not a WebAssembly module: {why}", args.plugin.display())
    })?;
    let input = match (&args.input, &args.input_text) {
        (Some(path), _) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        (None, Some(text)) => text.as_bytes().to_vec(),
        (None, None) => Vec::new(),
    };
    let engines = concord::select(&args.engines)?;
    #[cfg(feature = "plant")]
    let engines = crate::plant::planted(args.plant.as_ref(), engines)?;
    if engines.is_empty() {
        bail!("this build has no engines");
    }
    let timeout_ms = args.timeout_ms.or(shipped.timeout_ms).unwrap_or(DEFAULT_TIMEOUT_MS);
    let mut config = InstanceConfig::default().with_deadline(Duration::from_millis(timeout_ms));
    config.memory_limit = args.memory_limit_mb.map(MemoryLimit::from_mib).or(shipped.memory_limit);
    config.config = shipped.config;
    config.without_wasi = args.wasi == "off";
    config.config.extend(args.config.iter().cloned());
    for (host, guest) in shipped.dirs.iter().chain(&args.dirs) {
        let preopen = Preopen::read(host, guest)
            .with_context(|| format!("offering {} to the plugin as {guest}", host.display()))?;
        config.preopens.push(preopen);
    }
    if let Some(path) = &args.host_module {
        config.host_functions = host_functions(path, &info)?;
    }

    let calls = args.calls as usize;
    let plugin = Plugin { wasm: &wasm, export: &args.export, input: &input, config: &config, calls };
    let checked = check(&engines, &plugin, &Divergences::builtin()).map_err(|RejectedEverywhere(why)| {
        anyhow::anyhow!("{} is not a valid WebAssembly module: every engine rejects it ({why})", args.plugin.display())
    })?;
    let engines: Vec<EngineReport> = checked
        .engines
        .into_iter()
        .map(|EngineCheck { id, run, observation, verdict, note }| {
            let calls = match calls {
                1 => Vec::new(),
                _ => run
                    .calls
                    .iter()
                    .map(|(outcome, pages)| CallReport {
                        outcome: OutcomeReport { kind: outcome.kind(), detail: outcome.detail() },
                        output_sha256: outcome.output().map(sha256_hex),
                        memory_pages: *pages,
                    })
                    .collect(),
            };
            EngineReport {
                id,
                calls,
                outcome: OutcomeReport { kind: observation.outcome.kind(), detail: observation.outcome.detail() },
                output_sha256: observation.outcome.output().map(sha256_hex),
                memory_pages: observation.memory_pages,
                timings_us: Timings {
                    compile: run.compile.as_micros() as u64,
                    instantiate: run.instantiate.map(|d| d.as_micros() as u64),
                    call: run.call.map(|d| d.as_micros() as u64),
                },
                verdict,
                note,
            }
        })
        .collect();
    let report = CheckReport {
        plugin: crate::needs::Needs::of(&info, &config),
        agree: engines.iter().all(|e| matches!(e.verdict, Verdict::Agree | Verdict::Unsupported)),
        undocumented: engines.iter().filter(|e| e.verdict == Verdict::Diverge).count(),
        engines,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        if args.explain || !report.plugin.missing.is_empty() || report.plugin.refused.is_some() {
            report.plugin.print();
        }
        print_table(&report);
    }
    Ok(if report.undocumented == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_table(report: &CheckReport) {
    let ms = |us: Option<u64>| us.map_or("-".to_string(), |us| format!("{:.2}ms", us as f64 / 1000.0));
    // The outcome goes last: its words are as long as they need to be, and the columns stay put.
    let id_width = report.engines.iter().map(|e| e.id.len()).max().unwrap_or(0).max("engine".len());
    println!(
        "{:<id_width$}  {:<12} {:>5} {:>9} {:>11} {:>9}  outcome",
        "engine", "output", "pages", "compile", "instantiate", "call"
    );
    for engine in &report.engines {
        let digest = engine.output_sha256.as_deref().map_or("-".to_string(), |d| d[..12].to_string());
        let pages = engine.memory_pages.map_or("-".to_string(), |p| p.to_string());
        println!(
            "{:<id_width$}  {:<12} {:>5} {:>9} {:>11} {:>9}  {}",
            engine.id,
            digest,
            pages,
            ms(Some(engine.timings_us.compile)),
            ms(engine.timings_us.instantiate),
            ms(engine.timings_us.call),
            engine.outcome.detail,
        );
    }
    println!();
    let count = report.engines.len();
    for engine in report.engines.iter().filter(|e| e.verdict != Verdict::Agree) {
        let label = match engine.verdict {
            Verdict::Documented => "documented",
            Verdict::Unsupported => "unsupported",
            _ => "DIFFERS",
        };
        println!("{label:<10}  {:<id_width$}  {}", engine.id, engine.note.as_deref().unwrap_or_default());
    }
    let unsupported = report.engines.iter().filter(|e| e.verdict == Verdict::Unsupported).count();
    match (report.agree, report.undocumented) {
        (true, _) if unsupported > 0 => println!("the {} engines that can run it agree", count - unsupported),
        (true, _) => println!("all {count} engines agree"),
        (false, 0) => println!("the {count} engines agree but for the documented differences above"),
        (false, n) => println!("engines DISAGREE: {n} of {count} differ in ways no documented divergence explains"),
    }
}

/// The host module's functions, once every import of the plugin's that the kernel and WASI do
/// not serve is among them.
fn host_functions(path: &std::path::Path, info: &ModuleInfo) -> Result<Vec<concord::engine::HostFunction>> {
    let host = HostModule::load(path).with_context(|| format!("host module {}", path.display()))?;
    let served = [concord::host::kernel::ENV_MODULE, concord::engine::wasi::WASI_MODULE];
    if let Some(missing) =
        info.imports.iter().find(|i| !served.contains(&i.module.as_str()) && !host.provides(&i.module, &i.name))
    {
        bail!(
            "the plugin imports {}::{}, which the host module {} does not provide (it provides: {})",
            missing.module,
            missing.name,
            path.display(),
            match host.provided() {
                provided if provided.is_empty() => "nothing".to_string(),
                provided => provided.join(", "),
            }
        );
    }
    Ok(host.host_functions())
}
