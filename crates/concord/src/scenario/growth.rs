//! `memory.grow` sequences under a memory limit, through the `grow` guest (1 initial page, no
//! declared maximum). Each grow returns the old size in pages, or -1 when the result would not
//! fit; a word written before the grow reads back after it; fresh pages read as zero.

use super::Model;
use crate::case::{Case, EngineModel, Expected, Holds, ModuleSource};
use concord_engine::{InstanceConfig, LimitKind, MemoryLimit, MemoryLimiting, Outcome};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

pub struct Growth;

pub const INITIAL_PAGES: u64 = 1;
const WASM_MAX_PAGES: u64 = 65536;
const PATTERN: i32 = 0x5A00_0000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    pub limit_pages: u64,
    pub deltas: Vec<u32>,
}

/// The Wasm semantics under a limit: a grow succeeds iff the new size fits the limit and Wasm's
/// own 4 GiB ceiling.
pub fn model(limit_pages: u64, deltas: &[u32]) -> Vec<i32> {
    let mut size = INITIAL_PAGES;
    deltas
        .iter()
        .map(|&delta| {
            let wanted = size + delta as u64;
            if wanted <= limit_pages.min(WASM_MAX_PAGES) {
                let old = size;
                size = wanted;
                old as i32
            } else {
                -1
            }
        })
        .collect()
}

/// Pages after the whole sequence.
pub fn final_pages(limit_pages: u64, deltas: &[u32]) -> u64 {
    model(limit_pages, deltas).iter().zip(deltas).filter(|(r, _)| **r >= 0).map(|(_, &d)| d as u64).sum::<u64>()
        + INITIAL_PAGES
}

/// What `grow_checked` writes for each grow: its result, the pattern read back, the last word.
pub fn checked(results: &[i32], deltas: &[u32]) -> Vec<i32> {
    results
        .iter()
        .zip(deltas)
        .enumerate()
        .flat_map(|(i, (&result, &delta))| {
            let pattern = PATTERN | (i as i32 * 4);
            let last = if result >= 0 && delta > 0 { 0 } else { pattern };
            [result, pattern, last]
        })
        .collect()
}

/// Extism 1.41 as measured: the manifest max is a budget for growth beyond the initial pages
/// (the limiter is reset once the instance exists), and a grow the budget cannot hold fails the
/// whole call with "oom" instead of returning -1, even one past Wasm's 4 GiB ceiling.
pub fn extism_model(limit_pages: u64, deltas: &[u32]) -> Result<Vec<i32>, Outcome> {
    let mut size = INITIAL_PAGES;
    let mut results = Vec::new();
    for &delta in deltas {
        let wanted = size + delta as u64;
        if wanted > INITIAL_PAGES + limit_pages {
            return Err(Outcome::LimitHit(LimitKind::Memory));
        }
        results.push(size as i32);
        size = wanted;
    }
    Ok(results)
}

pub fn encode(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl Model for Growth {
    const NAME: &'static str = "growth";
    type Input = Input;

    fn inputs() -> BoxedStrategy<Input> {
        let delta = prop_oneof![8 => 0u32..24, 1 => Just(WASM_MAX_PAGES as u32), 1 => Just(u32::MAX)];
        (1u64..64, proptest::collection::vec(delta, 0..8))
            .prop_map(|(limit_pages, deltas)| Input { limit_pages, deltas })
            .boxed()
    }

    fn case(input: &Input) -> Case {
        let Input { limit_pages, deltas } = input;
        let input_words: Vec<i32> = deltas.iter().map(|&d| d as i32).collect();
        let extism = match extism_model(*limit_pages, deltas) {
            Ok(results) => Outcome::Returned(encode(&checked(&results, deltas))),
            Err(outcome) => outcome,
        };
        Case {
            name: format!("limit-{limit_pages}-grows-{}", deltas.len()),
            module: ModuleSource::Guest("grow".into()),
            export: "grow_checked".into(),
            input: encode(&input_words),
            config: InstanceConfig::default().with_memory_limit(MemoryLimit::from_pages(*limit_pages)),
            expect: Some(Outcome::Returned(encode(&checked(&model(*limit_pages, deltas), deltas))).into()),
            expect_pages: Some(final_pages(*limit_pages, deltas)),
            documented: vec![EngineModel {
                holds: Holds::MemoryLimiting(MemoryLimiting::CallFails),
                expect: Expected::Outcome(extism),
            }],
            ..Case::default()
        }
    }
}
