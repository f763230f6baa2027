//! Generated modules (wasm-smith) and the saved ones, whole, in the unsharded run (or the first
//! shard); the first few undocumented differences are shrunk and saved.

use super::{MAX_SHRUNK, Options, Progress, Suite, SuiteRun};
use anyhow::Result;
use concord_engine::Engine;
use concord_verdict::divergence::Divergences;
use std::sync::Arc;

pub struct GeneratedSuite {
    seed: u64,
    count: u64,
}

impl GeneratedSuite {
    pub fn new(options: &Options) -> Self {
        GeneratedSuite { seed: options.seed, count: options.generated }
    }
}

impl Suite for GeneratedSuite {
    fn covers(&self, scenario: &str) -> bool {
        scenario == concord_verdict::suite::GENERATED
    }

    fn in_scope(&self, options: &Options) -> bool {
        options.in_scope(concord_verdict::suite::GENERATED) && self.count > 0 && options.runs_whole_suites()
    }

    fn run(
        &mut self,
        engines: &[Arc<dyn Engine>],
        divergences: &Divergences,
        progress: &dyn Progress,
    ) -> Result<SuiteRun> {
        let generated = crate::generated::run(engines, self.seed, self.count, divergences)?;
        progress.say(&format!(
            "generated: {} modules and {} saved ones on {} configurations in {:.1} s",
            generated.modules,
            generated.replayed,
            engines.len(),
            generated.elapsed.as_secs_f64()
        ));
        for finding in generated.undocumented.iter().take(MAX_SHRUNK) {
            let dir = crate::generated::regressions_dir();
            let (_, shown) = crate::generated::shrink_and_save(engines, finding, &dir)?;
            progress.say(&format!("saved {shown}"));
        }
        Ok(SuiteRun { results: generated.results, counts: generated.counts, spec: Vec::new() })
    }
}
