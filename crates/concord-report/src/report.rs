//! The report model: what `report.json` holds. Keys are stable; users and later tooling read them.

use crate::proposals::{self, ProposalCell};
use concord_engine::{Engine, EngineInfo, LimitKind};
use concord_verdict::count::{self, ScenarioCount, SpecCount};
use concord_verdict::divergence::{Divergence, Divergences};
use concord_verdict::observation::Verdict;
use concord_verdict::result::ResultEntry;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub engines: Vec<EngineInfo>,
    pub results: Vec<ResultEntry>,
    pub summary: Summary,
    /// Per scenario and engine: how many cases ran and how their verdicts split.
    #[serde(default)]
    pub scenarios: Vec<ScenarioCount>,
    /// Documented divergences that did not show in this run although their cases ran.
    pub stale: Vec<Divergence>,
    /// The documented observations, grouped by the mechanism their entry names.
    #[serde(default)]
    pub mechanisms: Vec<MechanismCount>,
    /// Per engine: outcomes, caught faults, hangs, worst overrun past a deadline.
    #[serde(default)]
    pub reliability: Vec<EngineReliability>,
    /// Per-engine costs, measured in this run (absent from partial shard reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance: Option<crate::performance::Performance>,
    /// `cargo xtask bench`'s summary (bench.json), when one was there to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benchmarks: Option<serde_json::Value>,
    /// The spec testsuite per engine and file; its failures are in `results` (scenario `spec`).
    #[serde(default)]
    pub spec: Vec<SpecCount>,
    /// Each suite of the spec testsuite that ran (a core version, each proposal) per engine.
    #[serde(default)]
    pub proposals: Vec<ProposalCell>,
}

/// Documented observations that one mechanism explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MechanismCount {
    /// The mechanism's name; for an entry that names none, `by case` (it names the case it
    /// documents) or `by outcome class` (it explains any observation of its classes: a hole a new
    /// fault can hide behind).
    pub mechanism: String,
    pub observations: usize,
    pub engines: Vec<String>,
    /// One of them: `scenario/case on engine`.
    pub example: String,
    /// The reason of the entry that documented the example.
    #[serde(default)]
    pub reason: Option<String>,
    /// A saved case that shows it, where that entry names one.
    #[serde(default)]
    pub evidence: Option<String>,
}

/// How an engine held up: the reliability section.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineReliability {
    pub engine: String,
    pub cases: usize,
    pub outcomes: std::collections::BTreeMap<String, usize>,
    /// Engine panics and internal failures, caught and reported as the engine's fault.
    pub engine_faults: usize,
    pub hangs: usize,
    /// The longest a deadline-stopped case ran past its deadline (instantiation included).
    pub worst_overrun_ms: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Distinct items run: cases, spec assertions, generated modules.
    pub cases: usize,
    /// Item × engine results, and how they split by verdict.
    pub results: usize,
    pub agree: usize,
    pub diverge: usize,
    pub documented: usize,
    pub unsupported: usize,
}

impl Summary {
    /// Every suite's items on every engine: a case, an assertion or a module counts once however
    /// many engines ran it.
    fn of(scenarios: &[ScenarioCount]) -> Summary {
        let mut summary = Summary::default();
        let mut names: Vec<&str> = scenarios.iter().map(|c| c.scenario.as_str()).collect();
        names.dedup();
        for name in names {
            summary.cases += scenarios.iter().filter(|c| c.scenario == name).map(|c| c.cases).max().unwrap_or(0);
        }
        for c in scenarios {
            summary.results += c.cases;
            summary.agree += c.agree;
            summary.documented += c.documented;
            summary.diverge += c.diverge;
            summary.unsupported += c.unsupported;
        }
        summary
    }

    /// "a agree, b documented, c diverge, d unsupported".
    pub fn verdicts(&self) -> String {
        format!(
            "{} agree, {} documented, {} diverge, {} unsupported",
            self.agree, self.documented, self.diverge, self.unsupported
        )
    }
}

impl Report {
    /// "N cases, A spec assertions, G generated modules on M engine configurations", the report's
    /// one-line scope (a suite that did not run is left out).
    pub fn scope(&self) -> String {
        let items =
            |suite: &str| self.scenarios.iter().filter(|c| c.scenario == suite).map(|c| c.cases).max().unwrap_or(0);
        let (assertions, modules) = (items(concord_verdict::suite::SPEC), items(concord_verdict::suite::GENERATED));
        let cases = self.summary.cases.saturating_sub(assertions + modules);
        let mut parts = Vec::new();
        if cases > 0 || assertions + modules == 0 {
            parts.push(format!("{cases} cases"));
        }
        if assertions > 0 {
            parts.push(format!("{assertions} spec assertions"));
        }
        if modules > 0 {
            parts.push(format!("{modules} generated modules"));
        }
        format!("{} on {} engine configurations", parts.join(", "), self.engines.len())
    }

    /// The report of a suite every item of which is a result (cases, each on every engine).
    pub fn new(engines: &[Arc<dyn Engine>], results: Vec<ResultEntry>, divergences: &Divergences) -> Self {
        let engines: Vec<EngineInfo> = engines.iter().map(|e| e.info().clone()).collect();
        let ids: Vec<&str> = engines.iter().map(|e| e.id.as_str()).collect();
        let counts = count::count_results(&ids, &results);
        Report::from_entries(engines, results, counts, Vec::new(), divergences)
    }

    /// Everything else follows from the entries, every suite's per-engine counts (a suite whose
    /// agreeing items leave no result counts them there) and the spec's per-file counts, so a
    /// report can be rebuilt from partial ones.
    pub fn from_entries(
        engines: Vec<EngineInfo>,
        mut results: Vec<ResultEntry>,
        counts: Vec<ScenarioCount>,
        spec: Vec<SpecCount>,
        divergences: &Divergences,
    ) -> Self {
        let position = |id: &str| engines.iter().position(|e| e.id == id).unwrap_or(usize::MAX);
        results.sort_by_key(|r| (r.scenario.clone(), r.case.clone(), position(&r.engine)));
        results.dedup_by(|a, b| a.scenario == b.scenario && a.case == b.case && a.engine == b.engine);
        let ids: Vec<&str> = engines.iter().map(|e| e.id.as_str()).collect();
        let scenarios = count::sum(&ids, counts);
        let summary = Summary::of(&scenarios);
        // An entry for every case of a scenario was due wherever that scenario ran on its engine;
        // one that names cases, where one of them ran.
        let ran = |d: &Divergence| {
            results.iter().any(|r| d.names_engine(&r.engine) && d.applies_to_case(&r.scenario, &r.case))
                || spec.iter().any(|c| d.names_engine(&c.engine) && c.covers(d))
                || (d.case == "*"
                    && scenarios.iter().any(|c| c.scenario == d.scenario && c.cases > 0 && d.names_engine(&c.engine)))
        };
        // A documented result's note is its entry's reason, which with the engine and case names
        // one entry (see `each_entry_is_told_apart_by_its_engine_case_and_reason`).
        let shown = |d: &Divergence| {
            results.iter().any(|r| {
                r.verdict == Verdict::Documented
                    && r.note.as_deref() == Some(d.reason.as_str())
                    && d.names_engine(&r.engine)
                    && d.applies_to_case(&r.scenario, &r.case)
            })
        };
        let stale = divergences.entries.iter().filter(|d| ran(d) && !shown(d)).cloned().collect();
        let reliability = engines.iter().map(|e| reliability(&e.id, &results)).collect();
        let mechanisms = mechanism_counts(&results, divergences);
        let proposals = proposals::matrix(&engines, &spec_totals(&spec), &results);
        Report {
            engines,
            results,
            summary,
            scenarios,
            stale,
            mechanisms,
            reliability,
            performance: None,
            benchmarks: None,
            spec,
            proposals,
        }
    }

    /// Per engine and suite: passed, failed, unsupported and skipped spec assertions.
    /// The suites of the proposal matrix, in the order they ran.
    pub fn proposal_suites(&self) -> Vec<&str> {
        let mut suites: Vec<&str> = self.proposals.iter().map(|c| c.suite.as_str()).collect();
        suites.dedup();
        suites
    }

    /// The configurations the proposal matrix has columns for, in report order.
    pub fn proposal_engines(&self) -> Vec<&str> {
        let ran = |id: &str| self.proposals.iter().any(|c| c.engine == id);
        self.engines.iter().map(|e| e.id.as_str()).filter(|id| ran(id)).collect()
    }

    /// What the proposal matrix says of the configurations it has no column for: those that run
    /// plugins only, without the typed layer the spec testsuite needs. Empty when every one ran.
    pub fn without_proposal_column(&self) -> String {
        let ran = self.proposal_engines();
        let missing: Vec<&str> = self.engines.iter().map(|e| e.id.as_str()).filter(|id| !ran.contains(id)).collect();
        match missing.as_slice() {
            [] => String::new(),
            _ => format!(" No column for {}: they run plugins, not typed calls.", missing.join(", ")),
        }
    }

    /// One suite's cell on one engine.
    pub fn proposal(&self, suite: &str, engine: &str) -> Option<&ProposalCell> {
        self.proposals.iter().find(|c| c.suite == suite && c.engine == engine)
    }

    /// Folds partial reports (from `--shard K/N` runs) into one.
    pub fn merge(parts: Vec<Report>, divergences: &Divergences) -> Self {
        let mut engines: Vec<EngineInfo> = Vec::new();
        let mut results = Vec::new();
        let mut performance = None;
        let mut spec = Vec::new();
        let mut counts = Vec::new();
        for part in parts {
            for engine in part.engines {
                if !engines.iter().any(|e| e.id == engine.id) {
                    engines.push(engine);
                }
            }
            results.extend(part.results);
            performance = performance.or(part.performance);
            spec.extend(part.spec);
            counts.extend(part.scenarios);
        }
        let mut merged = Report::from_entries(engines, results, counts, spec, divergences);
        merged.performance = performance;
        merged
    }

    /// The scenarios that ran, in report order.
    pub fn scenario_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.scenarios.iter().map(|c| c.scenario.as_str()).collect();
        names.dedup();
        names
    }

    pub fn scenario_count(&self, scenario: &str, engine: &str) -> Option<&ScenarioCount> {
        self.scenarios.iter().find(|c| c.scenario == scenario && c.engine == engine)
    }

    pub fn result(&self, scenario: &str, case: &str, engine: &str) -> Option<&ResultEntry> {
        self.results.iter().find(|r| r.scenario == scenario && r.case == case && r.engine == engine)
    }

    /// The scenario × engine matrix as text: cases per cell, and how many were not `agree`.
    pub fn matrix(&self) -> String {
        let width = self.scenarios.iter().map(|c| c.scenario.len()).max().unwrap_or(8).max(8);
        let mut out = format!("{:width$}", "scenario");
        for engine in &self.engines {
            out += &format!("  {:>w$}", engine.id, w = engine.id.len().max(14));
        }
        out.push('\n');
        for scenario in self.scenario_names() {
            out += &format!("{scenario:width$}");
            for engine in &self.engines {
                let cell = self.scenario_count(scenario, &engine.id).map_or(String::new(), |c| {
                    match (c.documented, c.diverge) {
                        _ if c.unsupported == c.cases => "unsupported".to_string(),
                        (0, 0) => format!("{} agree", c.agree),
                        (d, 0) => format!("{} ({d} doc)", c.cases),
                        (_, x) => format!("{} ({x} DIVERGE)", c.cases),
                    }
                });
                out += &format!("  {:>w$}", cell, w = engine.id.len().max(14));
            }
            out.push('\n');
        }
        out
    }

    pub fn has_divergence(&self) -> bool {
        self.summary.diverge > 0
    }
}

/// Documented results by the mechanism of the entry that documented them (found by its reason,
/// which with the engine and case names one entry), most observations first.
fn mechanism_counts(results: &[ResultEntry], divergences: &Divergences) -> Vec<MechanismCount> {
    let mut counts: Vec<MechanismCount> = Vec::new();
    for r in results.iter().filter(|r| r.verdict == Verdict::Documented) {
        let entry = divergences.entries.iter().find(|d| {
            r.note.as_deref() == Some(d.reason.as_str())
                && d.names_engine(&r.engine)
                && d.applies_to_case(&r.scenario, &r.case)
        });
        let mechanism = match entry {
            Some(Divergence { mechanism: Some(m), .. }) => m.name(),
            Some(d) if !d.case.contains('*') => "by case",
            _ => "by outcome class",
        };
        let at = match counts.iter().position(|c| c.mechanism == mechanism) {
            Some(at) => at,
            None => {
                let example = format!("{}/{} on {}", r.scenario, r.case, r.engine);
                counts.push(MechanismCount {
                    mechanism: mechanism.into(),
                    observations: 0,
                    engines: Vec::new(),
                    example,
                    reason: entry.map(|d| d.reason.clone()),
                    evidence: entry.and_then(|d| d.evidence.clone()),
                });
                counts.len() - 1
            }
        };
        let count = &mut counts[at];
        count.observations += 1;
        if !count.engines.contains(&r.engine) {
            count.engines.push(r.engine.clone());
        }
    }
    counts.sort_by(|a, b| b.observations.cmp(&a.observations).then_with(|| a.mechanism.cmp(&b.mechanism)));
    counts
}

fn reliability(engine: &str, results: &[ResultEntry]) -> EngineReliability {
    let mine: Vec<_> = results.iter().filter(|r| r.engine == engine).collect();
    let mut outcomes = std::collections::BTreeMap::new();
    for r in &mine {
        *outcomes.entry(r.outcome.clone()).or_insert(0) += 1;
    }
    let worst_overrun_ms = mine
        .iter()
        .filter(|r| r.limit == Some(LimitKind::Deadline))
        .filter_map(|r| Some(r.elapsed_us as f64 / 1e3 - r.deadline_ms? as f64))
        .reduce(f64::max);
    EngineReliability {
        engine: engine.to_string(),
        cases: mine.len(),
        outcomes,
        engine_faults: mine.iter().filter(|r| r.outcome == "engine_fault").count(),
        hangs: mine.iter().filter(|r| r.hung).count(),
        worst_overrun_ms,
    }
}

/// Diverging results a page lists in full, at most; all of them are in report.json.
pub const DIVERGING_LISTED: usize = 50;

/// The command that runs a result's scenario again on its engine.
pub fn replay_command(result: &ResultEntry) -> String {
    format!("cargo xtask conformance --scenario {} --engine {}", result.scenario, result.engine)
}

impl Report {
    /// The results that no entry of the registry explains.
    pub fn diverging(&self) -> Vec<&ResultEntry> {
        self.results.iter().filter(|r| r.verdict == Verdict::Diverge).collect()
    }
}

/// The spec testsuite's per-file counts summed per engine and suite.
fn spec_totals(spec: &[SpecCount]) -> Vec<SpecCount> {
    let mut totals: Vec<SpecCount> = Vec::new();
    for count in spec {
        match totals.iter_mut().find(|t| t.engine == count.engine && t.suite == count.suite) {
            Some(total) => {
                total.passed += count.passed;
                total.failed += count.failed;
                total.unsupported += count.unsupported;
                total.skipped += count.skipped;
            }
            None => totals.push(SpecCount { file: String::new(), ..count.clone() }),
        }
    }
    totals
}
