//! Each fault planted in every configuration in turn, under that configuration's own id and
//! beside the others, so that the entries documenting it stay in force: a fault an entry explains
//! away is as visible here as one the suite misses. Plugin faults are hunted by the scenarios'
//! cases, typed-layer faults by the spec testsuite or generated modules (see `typed`).

use super::{Fault, Faulty, Layer};
use concord::case::Case;
use concord::runner::Runner;
use concord_engine::Engine;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::{Observation, Verdict};
use serde::Serialize;
use std::sync::Arc;

/// How often a planting that looks hidden is run again, planted and honest, before it counts.
const RETRIES: usize = 3;

/// What became of a fault planted in one configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "planted", rename_all = "snake_case")]
pub enum Planted {
    /// A case where the configuration, faulty, diverged; and no case hid it.
    Caught { case: String, note: String },
    /// A case where the fault changed what the configuration did and a documented entry
    /// explained it away: a hole in the registry.
    Hidden { case: String, note: String },
    /// The fault changed what the configuration did, but never into a divergence.
    Missed { case: String },
    /// The fault changed nothing the configuration did in any case: it cannot express it.
    NotApplicable,
}

impl Planted {
    /// Whether the suite did its job with this fault here.
    pub fn ok(&self) -> bool {
        matches!(self, Planted::Caught { .. } | Planted::NotApplicable)
    }
}

/// The cases and what every honest configuration does with them, observed once for all faults.
pub struct Honest {
    engines: Vec<Arc<dyn Engine>>,
    cases: Vec<(Case, Vec<(String, Observation)>)>,
    /// The first generated module's seed, for typed-layer faults.
    seed: u64,
}

impl Honest {
    pub fn observe(engines: &[Arc<dyn Engine>], cases: Vec<Case>, seed: u64) -> Self {
        let mut runner = Runner::new(engines.to_vec());
        let cases = cases.into_iter().map(|case| (runner.observe_all(&case), case)).map(|(o, c)| (c, o)).collect();
        Honest { engines: engines.to_vec(), cases, seed }
    }

    /// `fault` planted in each configuration in turn, by id. The configurations run side by side
    /// on `threads` threads: most of their time is spent waiting on a child process or a worker.
    pub fn plant(&self, fault: Fault, divergences: &Divergences, threads: usize) -> Vec<(String, Planted)> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut planted: Vec<(usize, Planted)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads.max(1))
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if at >= self.engines.len() {
                                return done;
                            }
                            done.push((at, self.plant_in(at, fault, divergences)));
                        }
                    })
                })
                .collect();
            workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
        });
        planted.sort_by_key(|(at, _)| *at);
        let mut planted = planted.into_iter().peekable();
        (0..self.engines.len())
            .map(|at| {
                let outcome = planted.next_if(|(done, _)| *done == at).map(|(_, p)| p);
                let lost = || Planted::Missed { case: "(the planting's thread panicked)".into() };
                (self.engines[at].id().to_string(), outcome.unwrap_or_else(lost))
            })
            .collect()
    }

    /// `fault` planted in the configuration at `at` only.
    pub fn plant_in(&self, at: usize, fault: Fault, divergences: &Divergences) -> Planted {
        if fault.layer() != Layer::Plugin {
            return super::typed::plant(&self.engines, at, fault, self.seed, divergences);
        }
        let mut engines = self.engines.clone();
        let planted: Arc<dyn Engine> = Arc::new(Faulty::keeping_id(engines[at].clone(), fault));
        engines[at] = planted.clone();
        let mut runner = Runner::new(engines);
        // The runner caches compiled modules by engine id, which the planted engine shares with
        // the honest one: each gets its own runner.
        let mut honest_runner = Runner::new(self.engines.clone());
        let (mut caught, mut changed) = (None, None);
        for (case, honest) in &self.cases {
            let observation = runner.observe(&planted, case);
            if observation.agrees_with(&honest[at].1) {
                continue;
            }
            // A case the honest configuration does not repeat (a deadline racing a worker's start)
            // says nothing about the fault.
            let again = honest_runner.observe(&self.engines[at], case);
            if !again.agrees_with(&honest[at].1) || again.agrees_with(&observation) {
                continue;
            }
            let mut observations = honest.clone();
            observations[at].1 = observation.clone();
            let own = runner.judge(case, observations, divergences).engines.swap_remove(at);
            let note = own.note.unwrap_or_default();
            match own.verdict {
                // Only what the fault did: the planted configuration repeats it, and the honest
                // one, run again beside it, never shows it (a documented race, such as a worker's
                // start against a deadline under load, is no fault's doing).
                Verdict::Documented => {
                    let planted_repeats =
                        (0..RETRIES).all(|_| runner.observe(&planted, case).agrees_with(&observation));
                    let honest_shows_it =
                        (0..RETRIES).any(|_| honest_runner.observe(&self.engines[at], case).agrees_with(&observation));
                    if planted_repeats && !honest_shows_it {
                        return Planted::Hidden { case: case.id(), note };
                    }
                }
                Verdict::Diverge => {
                    caught.get_or_insert(Planted::Caught { case: case.id(), note });
                }
                // Now it does what the other witnesses do: where the honest configuration differs
                // by a documented race (its worker's start against a deadline), the planted one
                // won it; no fault makes an answer right.
                Verdict::Agree => {}
                _ => {
                    changed.get_or_insert(case.id());
                }
            }
        }
        match (caught, changed) {
            (Some(caught), _) => caught,
            (None, Some(case)) => Planted::Missed { case },
            (None, None) => Planted::NotApplicable,
        }
    }
}
