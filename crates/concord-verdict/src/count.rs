//! How many items of one scenario an engine ran and how their verdicts split: what every suite
//! reports, whether each of its items is a result (cases) or only those that differ are (spec
//! assertions, generated modules). The matrix, the summary and shard merging read these alone.

use crate::divergence::Divergence;
use crate::observation::Verdict;
use crate::result::ResultEntry;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioCount {
    pub scenario: String,
    pub engine: String,
    /// Cases, assertions or modules, as the suite counts its items.
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
    /// `cases` items of `scenario` on `engine`, `unsupported` of which it could not run, where only
    /// the items that are not `agree` left a result: those among `results` decide how many are
    /// documented or diverge, and the rest agree.
    pub fn with_results(
        scenario: &str,
        engine: &str,
        (cases, unsupported): (usize, usize),
        elapsed: Duration,
        results: &[ResultEntry],
    ) -> ScenarioCount {
        let mine = || results.iter().filter(|r| r.scenario == scenario && r.engine == engine);
        let count = |v: Verdict| mine().filter(|r| r.verdict == v).count();
        let (documented, diverge) = (count(Verdict::Documented), count(Verdict::Diverge));
        ScenarioCount {
            scenario: scenario.into(),
            engine: engine.into(),
            cases,
            agree: cases.saturating_sub(unsupported + documented + diverge),
            documented,
            diverge,
            unsupported,
            elapsed_ms: elapsed.as_secs_f64() * 1e3,
        }
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Agree => self.agree,
            Verdict::Documented => self.documented,
            Verdict::Diverge => self.diverge,
            Verdict::Unsupported => self.unsupported,
        }
    }

    /// The most serious verdict any of these items got.
    pub fn worst(&self) -> Option<Verdict> {
        Verdict::BY_SEVERITY.into_iter().find(|&v| self.count(v) > 0)
    }

    /// "68 agree, 4 documented": the verdict counts that are not zero.
    pub fn verdicts(&self) -> String {
        let parts: Vec<String> = [Verdict::Agree, Verdict::Documented, Verdict::Diverge, Verdict::Unsupported]
            .into_iter()
            .filter(|&v| self.count(v) > 0)
            .map(|v| format!("{} {}", self.count(v), v.symbol()))
            .collect();
        parts.join(", ")
    }

    /// The suite's own cost on this engine: items per second of engine time.
    pub fn cases_per_second(&self) -> Option<f64> {
        (self.elapsed_ms > 0.0).then(|| self.cases as f64 / (self.elapsed_ms / 1e3))
    }

    fn add(&mut self, other: &ScenarioCount) {
        self.cases += other.cases;
        self.agree += other.agree;
        self.documented += other.documented;
        self.diverge += other.diverge;
        self.unsupported += other.unsupported;
        self.elapsed_ms += other.elapsed_ms;
    }
}

/// Per scenario and engine, for a suite every item of which is a result.
pub fn count_results(engines: &[&str], results: &[ResultEntry]) -> Vec<ScenarioCount> {
    let mut scenarios: Vec<&str> = results.iter().map(|r| r.scenario.as_str()).collect();
    scenarios.sort_unstable();
    scenarios.dedup();
    let mut counts = Vec::new();
    for scenario in scenarios {
        for &engine in engines {
            let mine: Vec<_> = results.iter().filter(|r| r.scenario == scenario && r.engine == engine).collect();
            let elapsed = Duration::from_micros(mine.iter().map(|r| r.elapsed_us).sum());
            let unsupported = mine.iter().filter(|r| r.verdict == Verdict::Unsupported).count();
            let mut count = ScenarioCount::with_results(scenario, engine, (mine.len(), unsupported), elapsed, results);
            count.agree = mine.iter().filter(|r| r.verdict == Verdict::Agree).count();
            counts.push(count);
        }
    }
    counts
}

/// Counts of the same scenario and engine (from shards, or suites) added up: scenarios by name,
/// engines in `engines`' order.
pub fn sum(engines: &[&str], counts: impl IntoIterator<Item = ScenarioCount>) -> Vec<ScenarioCount> {
    let mut summed: Vec<ScenarioCount> = Vec::new();
    for count in counts {
        match summed.iter_mut().find(|c| c.scenario == count.scenario && c.engine == count.engine) {
            Some(total) => total.add(&count),
            None => summed.push(count),
        }
    }
    let position = |id: &str| engines.iter().position(|e| *e == id).unwrap_or(usize::MAX);
    summed.sort_by(|a, b| a.scenario.cmp(&b.scenario).then(position(&a.engine).cmp(&position(&b.engine))));
    summed
}

/// One file on one engine: how its assertions came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecCount {
    pub engine: String,
    pub suite: String,
    pub file: String,
    /// The feature the suite's proposal adds, where Concord names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<concord_engine::Feature>,
    pub passed: usize,
    pub failed: usize,
    pub unsupported: usize,
    pub skipped: usize,
}

impl SpecCount {
    /// Whether a spec divergence (case `suite/file:line`) is about this file.
    pub fn covers(&self, divergence: &Divergence) -> bool {
        divergence.scenario == crate::suite::SPEC
            && divergence.case.starts_with(&format!("{}/{}:", self.suite, self.file))
    }
}
