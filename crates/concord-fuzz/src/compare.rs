//! Engines compared on one module: the observation most engines share is the reference, and each
//! engine that differs is reported with the first place it parts from it.

use crate::observe::{Observation, Step};
use serde::Serialize;

/// One engine that did something else than the others with one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub engine: String,
    /// Where and how it parts from the others, for people.
    pub what: String,
    /// The step where it parts from them, when it instantiated like them.
    pub step: Option<String>,
    /// What it did there, and what the others did, as classes (`instantiated`, `trap
    /// Unreachable`, `returned [i32:1]`): what a documented divergence names.
    pub did: String,
    pub others_did: String,
    /// One engine that did what most did.
    pub like: String,
}

/// Every engine whose observation differs from the one most engines share (the earliest engine
/// wins a tie).
pub fn differences(observations: &[(String, Observation)]) -> Vec<Difference> {
    let support = |o: &Observation| observations.iter().filter(|(_, other)| other == o).count();
    let best = observations.iter().map(|(_, o)| support(o)).max().unwrap_or(0);
    let Some((like, reference)) = observations.iter().find(|(_, o)| support(o) == best) else {
        return Vec::new();
    };
    observations
        .iter()
        .filter(|(_, o)| o != reference)
        .map(|(engine, o)| difference(engine, like, reference, o))
        .collect()
}

/// How `engine`, which observed `other`, parts from `reference`, which `like` observed.
pub fn difference(engine: &str, like: &str, reference: &Observation, other: &Observation) -> Difference {
    let (step, did, others_did) = first_difference(reference, other);
    let what = match &step {
        Some(name) => format!("`{name}`: {did}, where the others: {others_did}"),
        None => format!("instantiation: {did}, where the others: {others_did}"),
    };
    Difference { engine: engine.to_string(), what, step, like: like.to_string(), did, others_did }
}

fn describe(step: &Step) -> String {
    match step {
        Step::Returned(values) => {
            let values: Vec<String> = values.iter().map(ToString::to_string).collect();
            format!("returned [{}]", values.join(", "))
        }
        Step::Stopped(class) => class.clone(),
        Step::Memory(stats) => stats.to_string(),
    }
}

/// Where `other` parts from `reference` (`None`: at instantiation), what it did and what the
/// reference did.
fn first_difference(reference: &Observation, other: &Observation) -> (Option<String>, String, String) {
    if reference.refused != other.refused {
        let said = |r: &Option<String>| r.clone().unwrap_or_else(|| "instantiated".into());
        return (None, said(&other.refused), said(&reference.refused));
    }
    for ((name, want), (_, got)) in reference.steps.iter().zip(&other.steps) {
        if want != got {
            return (Some(name.clone()), describe(got), describe(want));
        }
    }
    let steps = |o: &Observation| format!("{} steps", o.steps.len());
    (Some("(end)".into()), steps(other), steps(reference))
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_engine::Value;

    fn returned(v: u32) -> Observation {
        Observation { refused: None, steps: vec![("f".into(), Step::Returned(vec![Value::I32(v)]))] }
    }

    #[test]
    fn the_odd_engine_out_is_named_with_where_it_differs() {
        let observations = vec![("a".into(), returned(1)), ("b".into(), returned(2)), ("c".into(), returned(1))];
        let diffs = differences(&observations);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].engine, "b");
        assert_eq!(diffs[0].what, "`f`: returned [i32:2], where the others: returned [i32:1]");
        assert_eq!((diffs[0].step.as_deref(), diffs[0].like.as_str()), (Some("f"), "a"));
        assert!(differences(&[("a".into(), returned(1)), ("b".into(), returned(1))]).is_empty());
    }
}
