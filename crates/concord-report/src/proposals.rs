//! The proposal matrix: each suite of the spec testsuite that ran (a core version, each proposal)
//! on each configuration, measured: its assertions passed, failed and unsupported, and whether the
//! configuration declares the feature the proposal adds. A declared feature whose assertions fail
//! shows as what it is, a divergence or a documented difference, never as support.

use concord_engine::{EngineInfo, Feature};
use concord_verdict::count::SpecCount;
use concord_verdict::observation::Verdict;
use concord_verdict::result::ResultEntry;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One suite on one configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalCell {
    pub suite: String,
    pub engine: String,
    /// The feature the proposal adds, where Concord names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<Feature>,
    /// Whether the configuration declares that feature; `None` for a suite that names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<bool>,
    pub passed: usize,
    pub failed: usize,
    pub unsupported: usize,
    pub skipped: usize,
    /// Its assertions on which the configuration failed or differed, as documented differences.
    pub documented: usize,
    /// Those that no entry explains.
    pub diverge: usize,
    pub standing: Standing,
}

/// What a cell says at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// Every assertion it ran passed, and no difference needed documenting.
    Passes,
    /// It passes but for differences the registry documents.
    Documented,
    /// An assertion failed or differed and no entry explains it.
    Diverges,
    /// The configuration does not declare the proposal's feature: what needs it is unsupported.
    NotDeclared,
    /// None of the suite's assertions ran on it.
    NothingRan,
}

impl Standing {
    /// The mark `report.md` shows before a cell's counts.
    pub fn mark(self) -> &'static str {
        match self {
            Standing::Passes => "✅",
            Standing::Documented => "⚠️",
            Standing::Diverges => "❌",
            Standing::NotDeclared | Standing::NothingRan => "➖",
        }
    }

    /// The class `report.html` colours a cell with.
    pub fn class(self) -> &'static str {
        match self {
            Standing::Passes => "agree",
            Standing::Documented => "documented",
            Standing::Diverges => "diverge",
            Standing::NotDeclared | Standing::NothingRan => "unsupported",
        }
    }
}

impl ProposalCell {
    /// "passed / failed / unsupported".
    pub fn counts(&self) -> String {
        format!("{} / {} / {}", self.passed, self.failed, self.unsupported)
    }
}

/// The matrix from the spec's per-engine suite totals and its results, suites in the order they
/// first ran, engines in the report's order within each.
pub fn matrix(engines: &[EngineInfo], totals: &[SpecCount], results: &[ResultEntry]) -> Vec<ProposalCell> {
    // The spec's documented and diverging results by (engine, suite), counted in one pass: a run
    // with every proposal has some ten thousand of them and a couple of hundred cells.
    let mut differences: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
    for r in results.iter().filter(|r| r.scenario == concord_verdict::suite::SPEC) {
        let suite = r.case.split_once('/').map_or(r.case.as_str(), |(suite, _)| suite);
        let (documented, diverge) = differences.entry((r.engine.as_str(), suite)).or_default();
        match r.verdict {
            Verdict::Documented => *documented += 1,
            Verdict::Diverge => *diverge += 1,
            Verdict::Agree | Verdict::Unsupported => {}
        }
    }
    let mut suites: Vec<&str> = Vec::new();
    for total in totals {
        if !suites.contains(&total.suite.as_str()) {
            suites.push(&total.suite);
        }
    }
    let mut cells = Vec::new();
    // A configuration without the typed layer runs plugins only, and no spec suite.
    for suite in suites {
        for engine in engines.iter().filter(|e| e.capabilities.typed_layer) {
            let Some(total) = totals.iter().find(|t| t.suite == suite && t.engine == engine.id) else { continue };
            let found = differences.get(&(engine.id.as_str(), suite)).copied().unwrap_or_default();
            cells.push(cell(engine, total, found));
        }
    }
    cells
}

fn cell(engine: &EngineInfo, total: &SpecCount, (documented, diverge): (usize, usize)) -> ProposalCell {
    let declared = total.feature.map(|feature| engine.capabilities.features.contains(&feature));
    let standing = if diverge > 0 {
        Standing::Diverges
    } else if declared == Some(false) {
        Standing::NotDeclared
    } else if total.passed + total.failed == 0 {
        Standing::NothingRan
    } else if documented > 0 || total.failed > 0 {
        Standing::Documented
    } else {
        Standing::Passes
    };
    ProposalCell {
        suite: total.suite.clone(),
        engine: engine.id.clone(),
        feature: total.feature,
        declared,
        passed: total.passed,
        failed: total.failed,
        unsupported: total.unsupported,
        skipped: total.skipped,
        documented,
        diverge,
        standing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_engine::{Capabilities, Fuel};

    fn engine(id: &str, features: Vec<Feature>) -> EngineInfo {
        EngineInfo {
            id: id.into(),
            engine: id.into(),
            version: "0".into(),
            compiler: "none".into(),
            capabilities: Capabilities::on_concord_host(Fuel::PluginCalls, features),
        }
    }

    fn total(engine: &str, suite: &str, (passed, failed, unsupported): (usize, usize, usize)) -> SpecCount {
        SpecCount {
            engine: engine.into(),
            suite: suite.into(),
            file: String::new(),
            feature: (suite == "simd").then_some(Feature::Simd),
            passed,
            failed,
            unsupported,
            skipped: 0,
        }
    }

    fn failed(engine: &str, case: &str, verdict: Verdict) -> ResultEntry {
        ResultEntry::without_output(
            concord_verdict::suite::SPEC,
            case,
            engine,
            (verdict, String::new()),
            "failed",
            "".into(),
        )
    }

    #[test]
    fn a_cell_stands_on_what_was_measured_and_what_is_declared() {
        let engines = [engine("a", vec![Feature::Simd]), engine("b", vec![])];
        let totals = [
            total("a", "wasm-v2", (10, 1, 0)),
            total("b", "wasm-v2", (11, 0, 0)),
            total("a", "simd", (5, 2, 0)),
            total("b", "simd", (1, 0, 6)),
        ];
        let results = [
            failed("a", "wasm-v2/f.wast:3", Verdict::Documented),
            failed("a", "simd/s.wast:9", Verdict::Diverge),
            failed("a", "simd/s.wast:12", Verdict::Documented),
        ];
        let cells = matrix(&engines, &totals, &results);
        let standing = |suite: &str, engine: &str| {
            cells.iter().find(|c| c.suite == suite && c.engine == engine).map(|c| c.standing)
        };
        assert_eq!(standing("wasm-v2", "a"), Some(Standing::Documented));
        assert_eq!(standing("wasm-v2", "b"), Some(Standing::Passes));
        // A declared feature that fails diverges; one not declared is not support, whatever passed.
        assert_eq!(standing("simd", "a"), Some(Standing::Diverges));
        assert_eq!(standing("simd", "b"), Some(Standing::NotDeclared));
        let a = cells.iter().find(|c| c.suite == "simd" && c.engine == "a").unwrap();
        assert_eq!((a.documented, a.diverge, a.declared), (1, 1, Some(true)));
        assert_eq!(cells.iter().map(|c| c.suite.as_str()).collect::<Vec<_>>(), ["wasm-v2", "wasm-v2", "simd", "simd"]);
    }
}
