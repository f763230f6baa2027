//! The spec testsuite, whole, in the unsharded run (or the first shard).

use super::{Options, Progress, Suite, SuiteRun};
use anyhow::Result;
use concord_engine::Engine;
use concord_verdict::divergence::Divergences;
use std::sync::Arc;

pub struct SpecSuite {
    which: String,
}

impl SpecSuite {
    pub fn new(options: &Options) -> Self {
        SpecSuite { which: options.spec.clone() }
    }
}

impl Suite for SpecSuite {
    fn covers(&self, scenario: &str) -> bool {
        scenario == concord_verdict::suite::SPEC
    }

    fn in_scope(&self, options: &Options) -> bool {
        options.in_scope(concord_verdict::suite::SPEC) && self.which != "none" && options.runs_whole_suites()
    }

    fn run(
        &mut self,
        engines: &[Arc<dyn Engine>],
        divergences: &Divergences,
        progress: &dyn Progress,
    ) -> Result<SuiteRun> {
        let scripts = crate::spec::scripts(&self.which)?;
        let spec = crate::spec::run(engines, &scripts, divergences);
        progress.say(&format!(
            "spec: {} files on {} configurations in {:.1} s",
            scripts.len(),
            engines.len(),
            spec.elapsed.as_secs_f64()
        ));
        let counts = engines.iter().map(|e| spec.count_on(e.id())).collect();
        Ok(SuiteRun { results: spec.results, counts, spec: spec.counts })
    }
}
