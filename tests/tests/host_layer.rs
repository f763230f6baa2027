//! Concord's host layer offers everything Extism's does: every function of Extism's own kernel and
//! runtime builtins, and all of WASI preview1. The lists come from the sources of the real hosts in
//! the cargo registry (Extism's kernel module, `plugin.rs`, and wasmtime-wasi's witx), not from
//! Concord, so a function Extism gains or Concord loses fails here; and a module importing every
//! one of them, with the signatures Concord links, instantiates and runs on every configuration,
//! Extism's hosts included (which checks those signatures against the real ones), and V8's, whose
//! kernel is written again in JavaScript and refuses to link a function it lacks.

use concord::engine::wasi::{WASI_MODULE, names};
use concord::engine::{InstanceConfig, Outcome, PluginKernel, ValType};
use concord::host::kernel::ENV_MODULE;
use concord::host::resolve;
use concord_tests::{engines, run_once, wat};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Where cargo unpacked `package` (at `version`) for this workspace: as `cargo metadata` says, or
/// else in the registry's sources under `CARGO_HOME`.
fn package_dir(package: &str, version: &str) -> PathBuf {
    from_metadata(package, version)
        .or_else(|| from_registry(package, version))
        .unwrap_or_else(|| panic!("{package} {version} is neither in `cargo metadata` nor in the registry's sources"))
}

fn from_metadata(package: &str, version: &str) -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let found = metadata["packages"].as_array()?.iter().find(|p| p["name"] == package && p["version"] == version)?;
    Some(PathBuf::from(found["manifest_path"].as_str()?).parent()?.to_path_buf())
}

fn from_registry(package: &str, version: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
    let sources = std::fs::read_dir(home.join("registry").join("src")).ok()?;
    sources.filter_map(Result::ok).map(|index| index.path().join(format!("{package}-{version}"))).find(|p| p.is_dir())
}

/// The function exports of Extism's kernel module, with their types.
fn extism_kernel() -> Vec<(String, Vec<ValType>, Vec<ValType>)> {
    let wasm = std::fs::read(package_dir("extism", "1.41.0").join("src/extism-runtime.wasm")).expect("the kernel");
    let mut types = Vec::new();
    let mut functions = Vec::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        match payload.expect("the kernel parses") {
            wasmparser::Payload::TypeSection(section) => {
                for ty in section.into_iter_err_on_gc_types() {
                    let ty = ty.expect("a function type");
                    types.push((
                        ty.params().iter().map(val_type).collect(),
                        ty.results().iter().map(val_type).collect(),
                    ));
                }
            }
            wasmparser::Payload::FunctionSection(section) => functions.extend(section.into_iter().map(|f| f.unwrap())),
            wasmparser::Payload::ExportSection(section) => {
                for export in section {
                    let export = export.unwrap();
                    if export.kind == wasmparser::ExternalKind::Func {
                        exports.push((export.name.to_string(), export.index));
                    }
                }
            }
            _ => {}
        }
    }
    exports
        .into_iter()
        .map(|(name, index)| {
            let (params, results): (Vec<_>, Vec<_>) = types[functions[index as usize] as usize].clone();
            (name, params, results)
        })
        .collect()
}

fn val_type(ty: &wasmparser::ValType) -> ValType {
    match ty {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        other => panic!("a kernel function with {other:?}"),
    }
}

/// The builtins Extism links into `extism:host/env` beside its kernel (`add_funcs!` in `relink`).
fn extism_builtins() -> Vec<String> {
    let source = std::fs::read_to_string(package_dir("extism", "1.41.0").join("src/plugin.rs")).expect("plugin.rs");
    let start = source.find("add_funcs!(\n").expect("the builtins' list");
    source[start..]
        .lines()
        .skip(1)
        .take_while(|line| line.trim() != ");")
        .filter_map(|line| line.trim().split_once('(').map(|(name, _)| name.to_string()))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect()
}

/// The functions of `wasi_snapshot_preview1`, from the witx wasmtime-wasi generates its WASI from.
fn wasi_preview1() -> BTreeSet<String> {
    let witx = package_dir("wasmtime-wasi", "49.0.5").join("witx/p1/wasi_snapshot_preview1.witx");
    let text = std::fs::read_to_string(witx).expect("the witx");
    text.split("(@interface func (export \"").skip(1).map(|rest| rest[..rest.find('"').unwrap()].to_string()).collect()
}

#[test]
fn every_function_of_extisms_kernel_is_in_concords_with_its_type() {
    let kernel = extism_kernel();
    assert!(kernel.len() >= 20, "the kernel module exports {} functions", kernel.len());
    for (name, params, results) in &kernel {
        let import = resolve(ENV_MODULE, name, &[]).unwrap_or_else(|| panic!("the kernel lacks {name}"));
        assert_eq!((&import.params, &import.results), (params, results), "{name}");
    }
    let builtins = extism_builtins();
    assert!(builtins.len() >= 12, "{builtins:?}");
    for name in builtins {
        assert!(resolve(ENV_MODULE, &name, &[]).is_some(), "the kernel lacks Extism's builtin {name}");
    }
}

#[test]
fn every_function_of_wasi_preview1_is_linked() {
    let spec = wasi_preview1();
    assert_eq!(spec.len(), 46, "{spec:?}");
    let ours: BTreeSet<String> = names().map(str::to_string).collect();
    assert_eq!(ours, spec, "Concord's WASI and the specification's");
    for name in &spec {
        assert!(resolve(WASI_MODULE, name, &[]).is_some(), "{name} does not link");
    }
}

/// A plugin importing every kernel function, builtin and WASI function with the signatures
/// Concord links, whose `run` returns at once.
fn importing_everything() -> Vec<u8> {
    let mut imports = String::new();
    let env: BTreeSet<String> = extism_kernel().into_iter().map(|(name, ..)| name).chain(extism_builtins()).collect();
    let functions: Vec<(&str, String)> = env
        .into_iter()
        .map(|name| (ENV_MODULE, name))
        .chain(wasi_preview1().into_iter().map(|name| (WASI_MODULE, name)))
        .collect();
    for (i, (module, name)) in functions.iter().enumerate() {
        let import = resolve(module, name, &[]).expect("linked");
        let types = |kind: &str, types: &[ValType]| {
            types.iter().map(|t| format!(" ({kind} {})", format!("{t:?}").to_lowercase())).collect::<String>()
        };
        imports.push_str(&format!(
            "(import \"{module}\" \"{name}\" (func $f{i}{}{}))\n",
            types("param", &import.params),
            types("result", &import.results)
        ));
    }
    wat(&format!("(module {imports} (memory (export \"memory\") 1) (func (export \"run\") (result i32) i32.const 0))"))
}

#[test]
fn a_plugin_importing_everything_runs_on_every_configuration() {
    let wasm = importing_everything();
    for engine in engines() {
        let outcome = run_once(engine.as_ref(), &wasm, "run", b"", &InstanceConfig::default()).outcome;
        if engine.capabilities().kernel == PluginKernel::ExtismJs {
            // Extism's JavaScript SDK links its own kernel and Node's WASI: what it lacks is its own.
            eprintln!("{}: {outcome}", engine.id());
            continue;
        }
        assert_eq!(outcome, Outcome::Returned(Vec::new()), "{}", engine.id());
    }
}
