//! Generated scenarios: each draws inputs from a seeded generator and states, from a reference
//! model in plain Rust, what every engine must do with them. Where an engine's behaviour is a
//! documented difference, the scenario models that behaviour too, so the engine is held to it
//! exactly instead of being excused.

pub mod growth;
mod rng;
pub mod stream;

pub use rng::Rng;

use crate::case::Case;

pub trait Scenario: Send + Sync {
    fn name(&self) -> &'static str;
    /// Case number `index` of a run, drawn from `rng`, with its expected outcome set.
    fn generate(&self, rng: &mut Rng, index: usize) -> Case;
}

pub fn all() -> Vec<Box<dyn Scenario>> {
    vec![Box::new(stream::Stream), Box::new(growth::Growth)]
}

/// `count` cases of every scenario (or only `only`), reproducible from `seed`.
pub fn generate(seed: u64, count: usize, only: Option<&str>) -> Vec<Case> {
    all()
        .iter()
        .filter(|s| only.is_none_or(|name| name == s.name()))
        .flat_map(|scenario| {
            let mut rng = Rng::new(seed ^ rng::hash(scenario.name()));
            (0..count).map(move |i| scenario.generate(&mut rng, i)).collect::<Vec<_>>()
        })
        .collect()
}
