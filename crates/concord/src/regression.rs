//! `conformance/regressions/`: minimal failing cases, saved as the scenario input they were drawn
//! from (so replaying one rebuilds its expectations from the current model) and run with every
//! conformance run from then on.

use crate::case::Case;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Regression {
    pub scenario: String,
    pub input: serde_json::Value,
    /// What it caught when it was saved.
    pub found: String,
}

const FOUND_CHARS: usize = 400;

pub fn dir() -> PathBuf {
    crate::conformance_dir().join("regressions")
}

/// Saves a generated case under `dir` and returns its path; the same input always lands in the
/// same file.
pub fn save(dir: &Path, case: &Case, found: &str) -> Result<PathBuf> {
    let Some(input) = &case.origin else { bail!("{} was not generated from a scenario input", case.id()) };
    // The input is what replays; the finding is a reminder, kept to a line or two.
    let found: String = found.chars().take(FOUND_CHARS).collect();
    let regression = Regression { scenario: case.scenario.clone(), input: input.clone(), found };
    let digest = concord_engine::sha256_hex(input.to_string().as_bytes());
    let path = dir.join(format!("{}-{}.json", case.scenario, &digest[..12]));
    std::fs::create_dir_all(dir)?;
    std::fs::write(&path, serde_json::to_string_pretty(&regression)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The case a saved regression stands for, named after its file.
pub fn load(path: &Path) -> Result<Case> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let regression: Regression = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut case = crate::scenario::find(&regression.scenario)?
        .replay(&regression.input)
        .with_context(|| format!("replaying {}", path.display()))?;
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    // The model's own name stays at the end, where a documented divergence can name its class.
    let digest = stem.trim_start_matches(&format!("{}-", regression.scenario));
    case.name = format!("regression-{digest}-{}", case.name);
    Ok(case)
}

/// Every saved regression under `dir`, sorted by file name.
pub fn load_all(dir: &Path) -> Result<Vec<Case>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<_> =
        std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<std::io::Result<_>>()?;
    paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

/// The one-line command that replays a saved case.
pub fn replay_command(path: &Path) -> String {
    let root = crate::guests::workspace_root();
    let shown = path.strip_prefix(&root).unwrap_or(path);
    format!("cargo xtask conformance --replay {}", shown.display())
}
