//! `conformance/divergences.toml`: engine differences that are known, explained and accepted.
//! A divergence that is not listed fails the run; a listed one that no longer shows is stale.

use anyhow::{Context, Result};
use concord_engine::Outcome;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Divergence {
    pub engine: String,
    pub scenario: String,
    /// A case name, or `*` for every case of the scenario.
    #[serde(default = "every_case")]
    pub case: String,
    /// The outcome kind the engine shows instead (`limit_hit`, `returned`, ...); any when absent.
    pub outcome: Option<String>,
    pub reason: String,
}

fn every_case() -> String {
    "*".into()
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Divergences {
    #[serde(default, rename = "divergence")]
    pub entries: Vec<Divergence>,
}

impl Divergence {
    pub fn covers(&self, engine: &str, scenario: &str, case: &str, outcome: &Outcome) -> bool {
        self.engine == engine
            && self.scenario == scenario
            && (self.case == "*" || self.case == case)
            && self.outcome.as_deref().is_none_or(|kind| kind == outcome.kind())
    }

    pub fn applies_to_case(&self, scenario: &str, case: &str) -> bool {
        self.scenario == scenario && (self.case == "*" || self.case == case)
    }
}

impl Divergences {
    pub fn load(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Ok(Divergences::default());
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    pub fn find(&self, engine: &str, scenario: &str, case: &str, outcome: &Outcome) -> Option<&Divergence> {
        self.entries.iter().find(|d| d.covers(engine, scenario, case, outcome))
    }
}
