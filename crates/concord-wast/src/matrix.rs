//! Scripts on every engine at once: each (engine, script) pair is one job on a small pool of
//! threads, each in a fresh store; a panicking engine fails that file, not the run. Then engines
//! are compared with each other, command by command.

use crate::run::{CommandResult, Observed, Verdict, run};
use crate::script::Script;
use concord_engine::{Engine, InstanceConfig, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One script on one engine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRun {
    pub engine: String,
    pub file: String,
    pub results: Vec<CommandResult>,
}

/// Passed, failed, unsupported and skipped commands of one file on one engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub unsupported: usize,
    pub skipped: usize,
}

impl FileRun {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for result in &self.results {
            match result.verdict {
                Verdict::Passed => counts.passed += 1,
                Verdict::Failed => counts.failed += 1,
                Verdict::Unsupported => counts.unsupported += 1,
                Verdict::Skipped => counts.skipped += 1,
                Verdict::Done => {}
            }
        }
        counts
    }
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.unsupported += other.unsupported;
        self.skipped += other.skipped;
    }
}

/// Thread stack for a job: deep-recursion tests (`assert_exhaustion`) must hit the engine's own
/// stack limit, not the thread's.
const JOB_STACK: usize = 16 << 20;

/// A call that runs longer than this is stopped, so a runaway test never hangs a run.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs every script on every engine under the runner's deadline, as many jobs at a time as the
/// machine has cores and one more for each configuration in another process, whose jobs mostly
/// wait on their children: how the CLI and the conformance run both run scripts.
pub fn run_everywhere(engines: &[Arc<dyn Engine>], scripts: &[Script]) -> Vec<FileRun> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let waiting = engines.iter().filter(|e| e.capabilities().out_of_process).count();
    run_all(engines, scripts, &InstanceConfig::default().with_deadline(DEADLINE), cores + waiting)
}

/// Runs every script on every engine, `threads` jobs at a time, results in (script, engine) order.
pub fn run_all(
    engines: &[Arc<dyn Engine>],
    scripts: &[Script],
    config: &InstanceConfig,
    threads: usize,
) -> Vec<FileRun> {
    let jobs: Vec<(usize, usize)> = (0..scripts.len()).flat_map(|s| (0..engines.len()).map(move |e| (s, e))).collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<FileRun>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let (jobs, next, done) = (&jobs, &next, &done);
            std::thread::Builder::new()
                .stack_size(JOB_STACK)
                .spawn_scoped(scope, move || {
                    loop {
                        let job = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(s, e)) = jobs.get(job) else { break };
                        let run = run_one(engines[e].as_ref(), &scripts[s], config);
                        done.lock().unwrap_or_else(|p| p.into_inner())[job] = Some(run);
                    }
                })
                .expect("spawn a wast worker");
        }
    });
    done.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().flatten().collect()
}

/// One script on one engine; a configuration without the typed layer, a store that cannot be
/// made, or an engine that panics, is recorded on every command.
pub fn run_one(engine: &dyn Engine, script: &Script, config: &InstanceConfig) -> FileRun {
    let every = |verdict, detail: &str| {
        let results = script
            .commands
            .iter()
            .map(|c| CommandResult {
                line: c.line,
                directive: c.kind.directive().to_string(),
                verdict: if matches!(c.kind, crate::script::CommandKind::Skip { .. }) {
                    Verdict::Skipped
                } else {
                    verdict
                },
                detail: detail.to_string(),
                observed: Observed::Nothing,
            })
            .collect();
        FileRun { engine: engine.id().to_string(), file: script.name.clone(), results }
    };
    // A configuration without the typed layer says so; one whose store could not be made (a child
    // that would not start, twice) failed every command of the file, and says why.
    let mut store = match engine.typed_store(config) {
        Ok(store) => store,
        Err(outcome @ Outcome::Unsupported(_)) => return every(Verdict::Unsupported, &outcome.to_string()),
        Err(outcome) => return every(Verdict::Failed, &format!("no store: {outcome}")),
    };
    match catch_unwind(AssertUnwindSafe(|| run(script, store.as_mut(), &engine.capabilities().features))) {
        Ok(results) => FileRun { engine: engine.id().to_string(), file: script.name.clone(), results },
        Err(panic) => {
            let text =
                panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
            every(Verdict::Failed, &format!("engine fault: {}", text.unwrap_or_else(|| "panicked".into())))
        }
    }
}

/// A command on which engines that ran it did different things.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Disagreement {
    pub file: String,
    pub line: usize,
    pub directive: String,
    /// Each engine that ran the command, and what it did.
    pub engines: BTreeMap<String, Observed>,
}

impl Disagreement {
    /// What most engines observed (ties go to the first in the engines' order).
    pub fn majority(&self) -> &Observed {
        let support = |o: &Observed| self.engines.values().filter(|x| *x == o).count();
        let mut best: Option<&Observed> = None;
        for observed in self.engines.values() {
            if best.is_none_or(|b| support(observed) > support(b)) {
                best = Some(observed);
            }
        }
        best.expect("a disagreement has engines")
    }

    /// The engines that observed something else than [`Self::majority`], and what.
    pub fn odd_ones_out(&self) -> impl Iterator<Item = (&String, &Observed)> {
        let majority = self.majority();
        self.engines.iter().filter(move |(_, o)| *o != majority)
    }
}

/// Every command on which two engines that both ran it observed different things.
pub fn disagreements(runs: &[FileRun]) -> Vec<Disagreement> {
    let mut by_command: BTreeMap<(String, usize, String), BTreeMap<String, Observed>> = BTreeMap::new();
    for run in runs {
        for result in &run.results {
            if matches!(result.verdict, Verdict::Unsupported | Verdict::Skipped) {
                continue;
            }
            by_command
                .entry((run.file.clone(), result.line, result.directive.clone()))
                .or_default()
                .insert(run.engine.clone(), result.observed.clone());
        }
    }
    by_command
        .into_iter()
        .filter(|(_, engines)| {
            let mut observed = engines.values();
            let first = observed.next();
            observed.any(|o| Some(o) != first)
        })
        .map(|((file, line, directive), engines)| Disagreement { file, line, directive, engines })
        .collect()
}
