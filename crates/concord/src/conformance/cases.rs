//! Case files, saved regressions and the model scenarios' generated cases, through the runner.

use super::{MAX_SHRUNK, Options, Progress, Suite, SuiteRun};
use crate::case::{Case, load_cases};
use crate::case_result::CaseResult;
use crate::regression;
use crate::runner::Runner;
use crate::scenario::Draw;
use anyhow::Result;
use concord_engine::Engine;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use std::sync::Arc;

pub struct CaseSuite {
    cases: Vec<Case>,
    /// The generated cases' draws, to shrink one that diverges.
    draws: Vec<Draw>,
}

impl CaseSuite {
    pub fn new(options: &Options) -> Result<Self> {
        let mut draws = Vec::new();
        let mut cases: Vec<Case> = if options.replay.is_empty() {
            let mut cases = load_cases(&crate::conformance_dir().join("cases"))?;
            cases.extend(regression::load_all(&regression::dir())?);
            draws = crate::scenario::draw(options.seed, options.cases, options.scenario.as_deref());
            cases.extend(draws.iter().map(Draw::case));
            cases.into_iter().filter(|case| options.in_scope(&case.scenario)).collect()
        } else {
            options.replay.iter().map(|path| regression::load(path)).collect::<Result<_>>()?
        };
        if let Some((k, n)) = options.shard {
            cases = cases.into_iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, c)| c).collect();
        }
        Ok(CaseSuite { cases, draws })
    }
}

impl Suite for CaseSuite {
    fn covers(&self, scenario: &str) -> bool {
        self.cases.iter().any(|case| case.scenario == scenario)
    }

    fn in_scope(&self, _: &Options) -> bool {
        true
    }

    fn run(
        &mut self,
        engines: &[Arc<dyn Engine>],
        divergences: &Divergences,
        progress: &dyn Progress,
    ) -> Result<SuiteRun> {
        progress.begin(self.cases.len() as u64, "cases");
        let mut runner = Runner::new(engines.to_vec());
        let mut results = Vec::new();
        for case in &self.cases {
            progress.step(&case.id());
            results.push(runner.run(case, divergences));
        }
        progress.end();
        save_regressions(&mut runner, &results, &mut self.draws, divergences, progress)?;
        let results = crate::case_result::entries(&results);
        let ids: Vec<&str> = engines.iter().map(|e| e.id()).collect();
        Ok(SuiteRun { counts: concord_verdict::count::count_results(&ids, &results), results, spec: Vec::new() })
    }
}

/// Shrinks the first few diverging generated cases, saves each under conformance/regressions and
/// says the command that replays it.
fn save_regressions(
    runner: &mut Runner,
    results: &[CaseResult],
    draws: &mut [Draw],
    divergences: &Divergences,
    progress: &dyn Progress,
) -> Result<()> {
    let diverging = results.iter().filter(|r| r.engines.iter().any(|e| e.verdict == Verdict::Diverge));
    for result in diverging.filter(|r| r.case.origin.is_some()).take(MAX_SHRUNK) {
        let Some(draw) = draws.iter_mut().find(|d| d.case().id() == result.case.id()) else { continue };
        let diverges = |runner: &mut Runner, case: &Case| {
            runner.run(case, divergences).engines.into_iter().find(|e| e.verdict == Verdict::Diverge)
        };
        let minimal = crate::scenario::shrink(draw, 64, |case| diverges(runner, case).is_some());
        let found = diverges(runner, &minimal)
            .map(|e| format!("{}: {}", e.engine, e.note.unwrap_or_default()))
            .unwrap_or_else(|| "diverged before shrinking".into());
        let path = regression::save(&regression::dir(), &minimal, &found)?;
        progress.say(&format!("saved {} ({found})\n  replay: {}", minimal.id(), regression::replay_command(&path)));
    }
    Ok(())
}
