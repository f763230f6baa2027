//! A typed-layer fault planted in one configuration under its own id: hunted by the spec
//! testsuite (values the spec checks) or by generated modules (beside another configuration),
//! and judged like the plugin faults: caught, hidden by an entry, missed, or not applicable where
//! the configuration has no typed layer or the fault changes nothing it does.

use super::{Fault, Faulty, Layer, Planted};
use crate::divergence::Divergences;
use crate::runner::Verdict;
use concord_engine::{Engine, InstanceConfig, Outcome};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How many generated modules a fault is hunted in, from the run's seed.
const MODULES: u64 = 256;

/// `fault` (a typed-layer one) planted in `engines[at]`.
pub fn plant(engines: &[Arc<dyn Engine>], at: usize, fault: Fault, seed: u64, divergences: &Divergences) -> Planted {
    let honest = engines[at].clone();
    if let Err(Outcome::Unsupported(_)) = honest.typed_store(&InstanceConfig::default()) {
        return Planted::NotApplicable;
    }
    match fault.layer() {
        Layer::Spec => in_spec(honest.clone(), Arc::new(Faulty::keeping_id(honest, fault)), divergences),
        Layer::Generated => {
            let reference = engines.iter().enumerate().find(|(i, e)| {
                *i != at && !matches!(e.typed_store(&InstanceConfig::default()), Err(Outcome::Unsupported(_)))
            });
            match reference {
                Some((_, reference)) => in_generated(reference.clone(), honest, fault, seed, divergences),
                None => Planted::NotApplicable,
            }
        }
        Layer::Plugin => unreachable!("plugin faults are planted by `Honest::plant`"),
    }
}

/// The spec's `i64.wast` first, then the whole of wasm-v2: the first assertion the faulty
/// configuration fails where the honest one does not.
fn in_spec(honest: Arc<dyn Engine>, faulty: Arc<dyn Engine>, divergences: &Divergences) -> Planted {
    let Ok(suite) = crate::spec::scripts("wasm-v2") else {
        return Planted::Missed { case: "(the spec testsuite did not load)".into() };
    };
    let (first, rest): (Vec<_>, Vec<_>) = suite.into_iter().partition(|s| s.name.ends_with("/i64.wast"));
    for scripts in [first, rest] {
        let judged = |engine: &Arc<dyn Engine>| crate::spec::run(std::slice::from_ref(engine), &scripts, divergences);
        let before: BTreeSet<(String, Verdict)> =
            judged(&honest).results.into_iter().map(|r| (r.case, r.verdict)).collect();
        let after = judged(&faulty).results;
        let changed = after.into_iter().filter(|r| !before.contains(&(r.case.clone(), r.verdict)));
        let mut hidden = None;
        for result in changed {
            let case = format!("spec/{}", result.case);
            match result.verdict {
                Verdict::Diverge => return Planted::Caught { case, note: result.detail },
                Verdict::Documented => {
                    hidden.get_or_insert(Planted::Hidden { case, note: result.note.unwrap_or_default() });
                }
                _ => {}
            }
        }
        if let Some(hidden) = hidden {
            return hidden;
        }
    }
    Planted::NotApplicable
}

/// Generated modules from `seed`, each run beside `reference` by the honest and by the faulty
/// configuration: the first on which the fault changes what the configuration did, judged
/// against the registry.
fn in_generated(
    reference: Arc<dyn Engine>,
    honest: Arc<dyn Engine>,
    fault: Fault,
    seed: u64,
    divergences: &Divergences,
) -> Planted {
    let faulty: Arc<dyn Engine> = Arc::new(Faulty::keeping_id(honest.clone(), fault));
    let id = honest.id().to_string();
    let limits = concord_fuzz::limits();
    let mut changed = None;
    for seed in seed..seed + MODULES {
        let Ok(module) = concord_fuzz::GeneratedModule::from_seed(seed) else { continue };
        let before = concord_fuzz::run_module(&[reference.clone(), honest.clone()], &module, &limits);
        let after = concord_fuzz::run_module(&[reference.clone(), faulty.clone()], &module, &limits);
        let observed = |run: &concord_fuzz::ModuleRun| run.observations.iter().find(|(e, _)| *e == id).cloned();
        if observed(&before) == observed(&after) {
            continue;
        }
        let case = format!("generated/seed-{seed}");
        let replay = format!("cargo xtask fuzz --seed {seed} --modules 1 --engine {id} --plant {}", fault.name());
        // Where the honest configuration differed and the faulty one does not, the fault made
        // it agree: that shows nothing about the suite.
        let Some(difference) = after.differences.iter().find(|d| d.engine == id) else { continue };
        let shown = format!("{}; replay: {replay}", difference.what);
        match crate::generated::documented(divergences, &format!("seed-{seed}"), &module.wasm, difference) {
            Some(entry) => return Planted::Hidden { case, note: format!("{shown} ({})", entry.reason) },
            None => {
                changed.get_or_insert(Planted::Caught { case, note: shown });
                break;
            }
        }
    }
    changed.unwrap_or(Planted::NotApplicable)
}
