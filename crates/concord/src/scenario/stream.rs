//! Binary streams through the `stream` guest: every byte `wrapping_add(1)`.

use super::{Rng, Scenario};
use crate::case::{Case, ModuleSource};
use concord_engine::{InstanceConfig, Outcome};

pub struct Stream;

/// The reference model.
pub fn model(input: &[u8]) -> Vec<u8> {
    input.iter().map(|b| b.wrapping_add(1)).collect()
}

/// Lengths where chunked copies go wrong: empty, around the ABI's 8-byte loads, page sizes.
const EDGE_LENGTHS: [usize; 9] = [0, 1, 7, 8, 9, 4095, 4096, 65536, 65537];
const MAX_LENGTH: u64 = 256 * 1024;

impl Scenario for Stream {
    fn name(&self) -> &'static str {
        "stream"
    }

    fn generate(&self, rng: &mut Rng, index: usize) -> Case {
        let len = if rng.range(0, 3) == 0 { rng.pick(&EDGE_LENGTHS) } else { rng.range(0, MAX_LENGTH) as usize };
        let input = rng.bytes(len);
        Case {
            scenario: self.name().into(),
            name: format!("gen-{index:04}-len-{len}"),
            module: ModuleSource::Guest("stream".into()),
            export: "stream".into(),
            expect: Some(Outcome::Returned(model(&input))),
            input,
            config: InstanceConfig::default(),
            calls: 1,
            documented: Vec::new(),
        }
    }
}
