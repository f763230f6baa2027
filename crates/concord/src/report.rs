//! The report model: what `report.json` holds. Keys are stable; users and later tooling read them.

use crate::divergence::{Divergence, Divergences};
use crate::observation::{CaseResult, Verdict};
use crate::result::ResultEntry;
use concord_engine::{Engine, EngineInfo, LimitKind, Outcome, sha256_hex};
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
    pub spec: Vec<crate::spec::SpecCount>,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioCount {
    pub scenario: String,
    pub engine: String,
    pub cases: usize,
    pub agree: usize,
    pub documented: usize,
    pub diverge: usize,
    pub unsupported: usize,
    /// What the engine spent on them, instantiation and calls (compilation is cached per run).
    #[serde(default)]
    pub elapsed_ms: f64,
}

impl ScenarioCount {
    pub fn count(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Agree => self.agree,
            Verdict::Documented => self.documented,
            Verdict::Diverge => self.diverge,
            Verdict::Unsupported => self.unsupported,
        }
    }

    /// The most serious verdict any of these cases got.
    pub fn worst(&self) -> Option<Verdict> {
        [Verdict::Diverge, Verdict::Documented, Verdict::Unsupported, Verdict::Agree]
            .into_iter()
            .find(|&v| self.count(v) > 0)
    }

    /// "68 agree, 4 documented": the verdict counts that are not zero.
    pub fn verdicts(&self) -> String {
        let parts: Vec<String> = [Verdict::Agree, Verdict::Documented, Verdict::Diverge, Verdict::Unsupported]
            .into_iter()
            .filter(|&v| self.count(v) > 0)
            .map(|v| format!("{} {}", self.count(v), symbol(v)))
            .collect();
        parts.join(", ")
    }

    /// The suite's own cost on this engine: cases per second of engine time.
    pub fn cases_per_second(&self) -> Option<f64> {
        (self.elapsed_ms > 0.0).then(|| self.cases as f64 / (self.elapsed_ms / 1e3))
    }
}

/// Per case scenario; the spec scenario keeps its own per-file counts (`Report::spec`), since only
/// its failures are results.
fn scenario_counts(engines: &[EngineInfo], results: &[ResultEntry]) -> Vec<ScenarioCount> {
    let mut scenarios: Vec<&str> = results
        .iter()
        .map(|r| r.scenario.as_str())
        .filter(|s| *s != crate::suite::SPEC && *s != crate::suite::GENERATED)
        .collect();
    scenarios.dedup();
    scenarios
        .into_iter()
        .flat_map(|scenario| {
            engines.iter().map(move |engine| {
                let mine: Vec<_> = results.iter().filter(|r| r.scenario == scenario && r.engine == engine.id).collect();
                let count = |v: Verdict| mine.iter().filter(|r| r.verdict == v).count();
                ScenarioCount {
                    scenario: scenario.to_string(),
                    engine: engine.id.clone(),
                    cases: mine.len(),
                    agree: count(Verdict::Agree),
                    documented: count(Verdict::Documented),
                    diverge: count(Verdict::Diverge),
                    unsupported: count(Verdict::Unsupported),
                    elapsed_ms: mine.iter().map(|r| r.elapsed_us as f64 / 1e3).sum(),
                }
            })
        })
        .collect()
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
    /// Distinct cases run.
    pub cases: usize,
    /// Case × engine results, and how they split by verdict.
    pub results: usize,
    pub agree: usize,
    pub diverge: usize,
    pub documented: usize,
    pub unsupported: usize,
}

impl Summary {
    /// "a agree, b documented, c diverge, d unsupported".
    pub fn verdicts(&self) -> String {
        format!(
            "{} agree, {} documented, {} diverge, {} unsupported",
            self.agree, self.documented, self.diverge, self.unsupported
        )
    }
}

impl Report {
    /// "N cases on M engine configurations", the report's one-line scope.
    pub fn scope(&self) -> String {
        format!("{} cases on {} engine configurations", self.summary.cases, self.engines.len())
    }

    pub fn new(engines: &[Arc<dyn Engine>], cases: &[CaseResult], divergences: &Divergences) -> Self {
        let engines = engines.iter().map(|e| e.info().clone()).collect();
        Report::from_entries(engines, entries(cases), Vec::new(), divergences)
    }

    /// Summary and stale divergences follow from the entries (and, for the spec scenario, whose
    /// passing assertions are no results, from its per-file counts), so a report can be rebuilt
    /// from partial ones.
    pub fn from_entries(
        engines: Vec<EngineInfo>,
        mut results: Vec<ResultEntry>,
        spec: Vec<crate::spec::SpecCount>,
        divergences: &Divergences,
    ) -> Self {
        let position = |id: &str| engines.iter().position(|e| e.id == id).unwrap_or(usize::MAX);
        results.sort_by_key(|r| (r.scenario.clone(), r.case.clone(), position(&r.engine)));
        results.dedup_by(|a, b| a.scenario == b.scenario && a.case == b.case && a.engine == b.engine);
        let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
        let mut case_ids: Vec<_> = results.iter().map(|r| (&r.scenario, &r.case)).collect();
        case_ids.dedup();
        let summary = Summary {
            cases: case_ids.len(),
            results: results.len(),
            agree: count(Verdict::Agree),
            diverge: count(Verdict::Diverge),
            documented: count(Verdict::Documented),
            unsupported: count(Verdict::Unsupported),
        };
        let ran = |d: &Divergence| {
            results.iter().any(|r| d.names_engine(&r.engine) && d.applies_to_case(&r.scenario, &r.case))
                || spec.iter().any(|c| d.names_engine(&c.engine) && c.covers(d))
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
        let scenarios = scenario_counts(&engines, &results);
        let mechanisms = mechanism_counts(&results, divergences);
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
        }
    }

    /// This report with a scenario's results added (the spec's and the generated modules' failures)
    /// and, for the spec, its per-file counts.
    pub fn with_results(
        self,
        added: Vec<ResultEntry>,
        spec: Vec<crate::spec::SpecCount>,
        divergences: &Divergences,
    ) -> Report {
        let mut results = self.results;
        results.extend(added);
        let mut counts = self.spec;
        counts.extend(spec);
        let mut report = Report::from_entries(self.engines, results, counts, divergences);
        report.performance = self.performance;
        report.benchmarks = self.benchmarks;
        report
    }

    /// Per engine and suite: passed, failed, unsupported and skipped spec assertions.
    pub fn spec_totals(&self) -> Vec<crate::spec::SpecCount> {
        let mut totals: Vec<crate::spec::SpecCount> = Vec::new();
        for count in &self.spec {
            match totals.iter_mut().find(|t| t.engine == count.engine && t.suite == count.suite) {
                Some(total) => {
                    total.passed += count.passed;
                    total.failed += count.failed;
                    total.unsupported += count.unsupported;
                    total.skipped += count.skipped;
                }
                None => totals.push(crate::spec::SpecCount { file: String::new(), ..count.clone() }),
            }
        }
        totals
    }

    /// Folds partial reports (from `--shard K/N` runs) into one.
    pub fn merge(parts: Vec<Report>, divergences: &Divergences) -> Self {
        let mut engines: Vec<EngineInfo> = Vec::new();
        let mut results = Vec::new();
        let mut performance = None;
        let mut spec = Vec::new();
        for part in parts {
            for engine in part.engines {
                if !engines.iter().any(|e| e.id == engine.id) {
                    engines.push(engine);
                }
            }
            results.extend(part.results);
            performance = performance.or(part.performance);
            spec.extend(part.spec);
        }
        let mut merged = Report::from_entries(engines, results, spec, divergences);
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

pub fn symbol(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Agree => "agree",
        Verdict::Diverge => "DIVERGE",
        Verdict::Documented => "documented",
        Verdict::Unsupported => "unsupported",
    }
}

/// A short human description of an outcome: for output, its length and first bytes.
/// Outputs up to this many bytes are kept whole in the report.
const SHORT_OUTPUT: usize = 64;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Each engine's result on each case, as the report keeps them.
pub fn entries(cases: &[CaseResult]) -> Vec<ResultEntry> {
    cases
        .iter()
        .flat_map(|case| {
            let deadline_ms = case.case.budget().deadline.map(|d| d.as_millis() as u64);
            case.engines.iter().map(move |r| ResultEntry {
                scenario: case.case.scenario.clone(),
                case: case.case.name.clone(),
                engine: r.engine.clone(),
                verdict: r.verdict,
                outcome: r.observation.outcome.kind().to_string(),
                detail: r.observation.outcome.detail(),
                output_sha256: r.observation.outcome.output().map(sha256_hex),
                output_hex: r.observation.outcome.output().filter(|b| b.len() <= SHORT_OUTPUT).map(hex),
                memory_pages: r.observation.memory_pages,
                elapsed_us: r.observation.elapsed.as_micros() as u64,
                note: r.note.clone(),
                deadline_ms,
                hung: r.observation.hung,
                limit: match r.observation.outcome {
                    Outcome::LimitHit(kind) => Some(kind),
                    _ => None,
                },
            })
        })
        .collect()
}
