//! The spec testsuite, whole, in the unsharded run (or the first shard).

use super::{Options, Progress, Suite, SuiteRun};
use crate::divergence::Divergences;
use anyhow::Result;
use concord_engine::Engine;
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
        scenario == crate::suite::SPEC
    }

    fn in_scope(&self, options: &Options) -> bool {
        options.in_scope(crate::suite::SPEC) && self.which != "none" && options.runs_whole_suites()
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
        Ok(SuiteRun { results: spec.results, spec: spec.counts })
    }
}
