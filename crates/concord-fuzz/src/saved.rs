//! Modules engines differed on, kept under `conformance/regressions/generated/` and replayed by
//! every later run: `NAME.wasm` (what runs), `NAME.wat` (to read) and `NAME.json` (the seed, the
//! arguments each export is called with, and what was found).

use crate::module::GeneratedModule;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A saved module and what it showed when it was saved.
#[derive(Debug, Clone)]
pub struct Saved {
    pub name: String,
    pub module: GeneratedModule,
    pub found: String,
}

#[derive(Serialize, Deserialize)]
struct Record {
    #[serde(flatten)]
    module: GeneratedModule,
    found: String,
}

/// Writes `module` under `dir` and returns the path of its `.json`; the same bytes always land
/// under the same name.
pub fn save(dir: &Path, module: &GeneratedModule, found: &str) -> Result<PathBuf, String> {
    let digest = concord_engine::sha256_hex(&module.wasm);
    let name = format!("seed-{}-{}", module.seed, &digest[..12]);
    let text = wasmprinter::print_bytes(&module.wasm).map_err(|e| format!("printing the module: {e}"))?;
    let record = Record { module: module.clone(), found: found.chars().take(400).collect() };
    let json = serde_json::to_string_pretty(&record).map_err(|e| e.to_string())? + "\n";
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let write = |ext: &str, bytes: &[u8]| {
        let path = dir.join(format!("{name}.{ext}"));
        std::fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display())).map(|()| path)
    };
    write("wasm", &module.wasm)?;
    write("wat", text.as_bytes())?;
    write("json", json.as_bytes())
}

/// The module saved as `path` (its `.json`; the `.wasm` beside it holds the bytes).
pub fn load(path: &Path) -> Result<Saved, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let record: Record = serde_json::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))?;
    let wasm_path = path.with_extension("wasm");
    let wasm = std::fs::read(&wasm_path).map_err(|e| format!("reading {}: {e}", wasm_path.display()))?;
    let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    Ok(Saved { name, module: GeneratedModule { wasm, ..record.module }, found: record.found })
}

/// Every module saved under `dir`, sorted by name; none when `dir` does not exist.
pub fn load_all(dir: &Path) -> Result<Vec<Saved>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

/// The command that replays a saved module on every engine.
pub fn replay_command(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let shown = std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    format!("cargo xtask fuzz --replay {}", shown.as_deref().unwrap_or(&path).display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_module_loads_back_with_its_bytes_and_arguments() {
        let dir = std::env::temp_dir().join(format!("concord-saved-{}", std::process::id()));
        let module = GeneratedModule::from_seed(3).unwrap().fixed();
        let path = save(&dir, &module, "found this").unwrap();
        assert!(path.with_extension("wat").exists());
        let saved = load_all(&dir).unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].module, module);
        assert_eq!(saved[0].found, "found this");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(load(&path).unwrap_err().contains("reading"));
    }
}
