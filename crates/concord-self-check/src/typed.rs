//! A typed-layer fault planted in one configuration under its own id: hunted by the spec
//! testsuite (values the spec checks) or by generated modules (beside another configuration),
//! and judged like the plugin faults: caught, hidden by an entry, missed, or not applicable where
//! the configuration has no typed layer or the fault changes nothing it does.

use super::{Fault, Faulty, Layer, Planted};
use concord_engine::Engine;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use std::collections::BTreeSet;
use std::sync::Arc;

/// How many generated modules a fault is hunted in, from the run's seed.
const MODULES: u64 = 256;

/// `fault` (a typed-layer one) planted in `engines[at]`.
pub fn plant(engines: &[Arc<dyn Engine>], at: usize, fault: Fault, seed: u64, divergences: &Divergences) -> Planted {
    let honest = engines[at].clone();
    if !honest.capabilities().typed_layer {
        return Planted::NotApplicable;
    }
    match fault.layer() {
        Layer::Spec => in_spec(honest.clone(), Arc::new(Faulty::keeping_id(honest, fault)), divergences),
        Layer::Generated => {
            let mut others = engines.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, e)| e);
            match others.find(|e| e.capabilities().typed_layer) {
                Some(reference) => in_generated(reference.clone(), honest, fault, seed, divergences),
                None => Planted::NotApplicable,
            }
        }
        Layer::Plugin => unreachable!("plugin faults are planted by `Honest::plant`"),
    }
}

/// The spec's `i64.wast` first, then the whole of wasm-v2: the first assertion the faulty
/// configuration fails where the honest one does not.
fn in_spec(honest: Arc<dyn Engine>, faulty: Arc<dyn Engine>, divergences: &Divergences) -> Planted {
    let Ok(suite) = concord::spec::scripts("wasm-v2") else {
        return Planted::Missed { case: "(the spec testsuite did not load)".into() };
    };
    let (first, rest): (Vec<_>, Vec<_>) = suite.into_iter().partition(|s| s.name.ends_with("/i64.wast"));
    for scripts in [first, rest] {
        let judged = |engine: &Arc<dyn Engine>| concord::spec::run(std::slice::from_ref(engine), &scripts, divergences);
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

/// Generated modules from `seed`, each observed on `reference` and on the honest and the faulty
/// configuration: the first on which the fault changes what the configuration did, and makes it
/// differ from the reference, judged against the registry.
fn in_generated(
    reference: Arc<dyn Engine>,
    honest: Arc<dyn Engine>,
    fault: Fault,
    seed: u64,
    divergences: &Divergences,
) -> Planted {
    let faulty: Arc<dyn Engine> = Arc::new(Faulty::keeping_id(honest.clone(), fault));
    let limits = concord_fuzz::limits();
    for seed in seed..seed + MODULES {
        let Ok(module) = concord_fuzz::GeneratedModule::from_seed(seed) else { continue };
        let exports = concord_fuzz::exports::exports(&module.wasm);
        let observe =
            |engine: &Arc<dyn Engine>| concord_fuzz::observe(engine.as_ref(), &module, &exports, &limits).ok();
        let (Some(theirs), Some(before), Some(after)) = (observe(&reference), observe(&honest), observe(&faulty))
        else {
            continue;
        };
        // A fault that changes nothing here, or makes the configuration agree where it did not,
        // shows nothing about the suite.
        if before == after || after == theirs {
            continue;
        }
        let difference = concord_fuzz::compare::difference(honest.id(), reference.id(), &theirs, &after);
        let case = format!("generated/seed-{seed}");
        let replay =
            format!("cargo xtask fuzz --seed {seed} --modules 1 --engine {} --plant {}", honest.id(), fault.name());
        let shown = format!("{}; replay: {replay}", difference.what);
        return match concord::generated::documented(divergences, &format!("seed-{seed}"), &module.wasm, &difference) {
            Some(entry) => Planted::Hidden { case, note: format!("{shown} ({})", entry.reason) },
            None => Planted::Caught { case, note: shown },
        };
    }
    Planted::NotApplicable
}
