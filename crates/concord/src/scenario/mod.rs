//! Generated scenarios: each draws typed inputs from a proptest strategy and states, from a
//! reference model in plain Rust, what every engine must do with them. Where an engine's behaviour
//! is a documented difference, the scenario models that behaviour too, so the engine is held to it
//! exactly instead of being excused. A failing case shrinks along its input and is saved as that
//! input, so replaying it rebuilds the case, expectations included, from the model.

pub mod growth;
pub mod kernel;
pub mod limits;
pub mod patterns;
pub mod runaway;
pub mod state;
pub mod stream;
pub mod wasi;

use crate::case::Case;
use anyhow::{Context, Result, anyhow};
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::marker::PhantomData;

pub trait Scenario: Send + Sync {
    fn name(&self) -> &'static str;
    /// Cases with their expectations; shrinking a case shrinks its input.
    fn cases(&self) -> BoxedStrategy<Case>;
    /// The case a saved input stands for.
    fn replay(&self, input: &serde_json::Value) -> Result<Case>;
}

/// A scenario written as a typed input, a strategy for it, and the model that turns one into a case.
pub trait Model: Send + Sync + 'static {
    const NAME: &'static str;
    type Input: Serialize + DeserializeOwned + Clone + Debug + 'static;
    fn inputs() -> BoxedStrategy<Self::Input>;
    /// The case for `input`, named by what distinguishes it.
    fn case(input: &Self::Input) -> Case;
}

struct Typed<M>(PhantomData<M>);

fn with_origin<M: Model>(input: &M::Input) -> Case {
    let mut case = M::case(input);
    case.scenario = M::NAME.to_string();
    case.origin = Some(serde_json::to_value(input).expect("scenario inputs serialize"));
    case
}

impl<M: Model> Scenario for Typed<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }

    fn cases(&self) -> BoxedStrategy<Case> {
        M::inputs().prop_map(|input| with_origin::<M>(&input)).boxed()
    }

    fn replay(&self, input: &serde_json::Value) -> Result<Case> {
        let input: M::Input = serde_json::from_value(input.clone())
            .with_context(|| format!("not an input of the {} scenario", M::NAME))?;
        Ok(with_origin::<M>(&input))
    }
}

fn typed<M: Model>() -> Box<dyn Scenario> {
    Box::new(Typed::<M>(PhantomData))
}

pub fn all() -> Vec<Box<dyn Scenario>> {
    vec![
        typed::<limits::Limits>(),
        typed::<growth::Growth>(),
        typed::<state::State>(),
        typed::<stream::Stream>(),
        typed::<patterns::Patterns>(),
        typed::<runaway::Runaway>(),
        typed::<kernel::Kernel>(),
        typed::<wasi::Wasi>(),
    ]
}

pub fn find(name: &str) -> Result<Box<dyn Scenario>> {
    all().into_iter().find(|s| s.name() == name).ok_or_else(|| {
        let names: Vec<_> = all().iter().map(|s| s.name()).collect();
        anyhow!("no scenario `{name}`; there are {}", names.join(", "))
    })
}

/// One generated case and the proptest value tree it came from, kept for shrinking.
pub struct Draw {
    pub index: usize,
    pub tree: Box<dyn ValueTree<Value = Case>>,
}

impl Draw {
    pub fn case(&self) -> Case {
        named(self.tree.current(), self.index)
    }
}

fn named(mut case: Case, index: usize) -> Case {
    case.name = format!("gen-{index:04}-{}", case.name);
    case
}

/// `count` draws from every scenario (or only `only`), reproducible from `seed`.
pub fn draw(seed: u64, count: usize, only: Option<&str>) -> Vec<Draw> {
    all()
        .iter()
        .filter(|s| only.is_none_or(|name| name == s.name()))
        .flat_map(|scenario| {
            let mut runner = seeded_runner(seed ^ hash(scenario.name()));
            let strategy = scenario.cases();
            (0..count)
                .map(|index| Draw { index, tree: strategy.new_tree(&mut runner).expect("strategies never reject") })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `count` cases of every scenario (or only `only`), reproducible from `seed`.
pub fn generate(seed: u64, count: usize, only: Option<&str>) -> Vec<Case> {
    draw(seed, count, only).iter().map(Draw::case).collect()
}

/// The simplest case the draw shrinks to that still fails, trying at most `budget` candidates.
pub fn shrink(draw: &mut Draw, budget: usize, mut fails: impl FnMut(&Case) -> bool) -> Case {
    let mut smallest = draw.case();
    if !draw.tree.simplify() {
        return smallest;
    }
    for _ in 0..budget {
        let candidate = draw.case();
        let more = if fails(&candidate) {
            smallest = candidate;
            draw.tree.simplify()
        } else {
            draw.tree.complicate()
        };
        if !more {
            break;
        }
    }
    smallest
}

/// A proptest runner whose draws depend only on `seed`.
pub fn seeded_runner(seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&splitmix(seed.wrapping_add(i as u64)).to_le_bytes());
    }
    TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// One step of splitmix64: cheap, good enough to derive test bytes from a seed.
pub fn splitmix(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `len` bytes determined by `seed`: large inputs whose value tree is two numbers, not a million.
pub fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
    (0..len.div_ceil(8) as u64).flat_map(|i| splitmix(seed ^ i.wrapping_mul(0x9e37)).to_le_bytes()).take(len).collect()
}
