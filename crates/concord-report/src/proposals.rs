//! The proposal matrix: each suite of the spec testsuite that ran (a core version, each proposal)
//! on each configuration, measured: its assertions passed, failed and unsupported, and whether the
//! configuration declares the feature the proposal adds. A declared feature whose assertions fail
//! shows as what it is, a divergence or a documented difference, never as support.

use concord_engine::{EngineInfo, Feature};
use concord_verdict::count::SpecCount;
use concord_verdict::observation::Verdict;
use concord_verdict::result::ResultEntry;
use serde::{Deserialize, Serialize};

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
    let mut cells = Vec::new();
    let mut suites: Vec<&str> = Vec::new();
    for total in totals {
        if !suites.contains(&total.suite.as_str()) {
            suites.push(&total.suite);
        }
    }
    // A configuration without the typed layer (Extism's hosts run plugins) runs no spec suite.
    for suite in suites {
        for engine in engines.iter().filter(|e| e.capabilities.typed_layer) {
            let Some(total) = totals.iter().find(|t| t.suite == suite && t.engine == engine.id) else { continue };
            cells.push(cell(engine, total, results));
        }
    }
    cells
}

fn cell(engine: &EngineInfo, total: &SpecCount, results: &[ResultEntry]) -> ProposalCell {
    let prefix = format!("{}/", total.suite);
    let (mut documented, mut diverge) = (0, 0);
    for r in results
        .iter()
        .filter(|r| r.scenario == concord_verdict::suite::SPEC && r.engine == engine.id && r.case.starts_with(&prefix))
    {
        match r.verdict {
            Verdict::Documented => documented += 1,
            Verdict::Diverge => diverge += 1,
            Verdict::Agree | Verdict::Unsupported => {}
        }
    }
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
