//! Memory patterns through the `patterns` guest: a bump allocator with canaries, an arena reset
//! between batches, a fixed-size object pool, aligned i8..f64 accesses and a little-endian
//! `{x: f64, y: f64}` struct the host reads back. The model predicts every output byte.

use super::Model;
use crate::case::{Case, ModuleSource};
use concord_engine::Outcome;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

pub struct Patterns;

const ARENA: usize = 64 * 1024;
const SLOTS: u8 = 32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Bump {
        size: u16,
        fill: u8,
    },
    Reset,
    PoolTake,
    PoolGive {
        slot: u8,
    },
    /// `kind` 0..=5: i8, i16, i32, i64, f32, f64.
    Access {
        kind: u8,
        bits: u64,
    },
    /// The two fields' f64 bit patterns (NaNs included, which JSON numbers cannot carry).
    Point {
        x: u64,
        y: u64,
    },
}

impl Op {
    fn encode(&self, program: &mut Vec<u8>) {
        match *self {
            Op::Bump { size, fill } => program.extend([1, size as u8, (size >> 8) as u8, fill]),
            Op::Reset => program.push(2),
            Op::PoolTake => program.push(3),
            Op::PoolGive { slot } => program.extend([4, slot]),
            Op::Access { kind, bits } => {
                program.extend([5, kind]);
                program.extend(bits.to_le_bytes());
            }
            Op::Point { x, y } => {
                program.push(6);
                program.extend(x.to_le_bytes());
                program.extend(y.to_le_bytes());
            }
        }
    }
}

pub fn program(ops: &[Op]) -> Vec<u8> {
    let mut program = Vec::new();
    ops.iter().for_each(|op| op.encode(&mut program));
    program
}

/// The reference model: the records the guest writes, worked out without touching memory.
pub fn model(ops: &[Op]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut bump, mut live_blocks) = (0usize, 0u32);
    let mut free: Vec<u8> = (0..SLOTS).rev().collect();
    let mut taken = [false; SLOTS as usize];
    for op in ops {
        match *op {
            Op::Bump { size, .. } => {
                let start = bump.next_multiple_of(8);
                if start + size as usize + 8 > ARENA {
                    out.extend(u32::MAX.to_le_bytes());
                } else {
                    bump = start + 4 + size as usize + 4;
                    live_blocks += 1;
                    out.extend((start as u32 + 4).to_le_bytes());
                }
            }
            Op::Reset => {
                out.extend(live_blocks.to_le_bytes());
                (bump, live_blocks) = (0, 0);
            }
            Op::PoolTake => match free.pop() {
                Some(slot) => {
                    taken[slot as usize] = true;
                    out.push(slot);
                }
                None => out.push(0xFF),
            },
            Op::PoolGive { slot } => {
                let ok = slot < SLOTS && taken[slot as usize];
                if ok {
                    taken[slot as usize] = false;
                    free.push(slot);
                }
                out.push(ok as u8);
            }
            Op::Access { kind, bits } => {
                let width = [1, 2, 4, 8, 4, 8][(kind % 6) as usize];
                out.extend(&bits.to_le_bytes()[..width]);
            }
            // The guest swaps the fields: the host reads back {x: y, y: x}.
            Op::Point { x, y } => {
                out.extend(y.to_le_bytes());
                out.extend(x.to_le_bytes());
            }
        }
    }
    out.extend(0u32.to_le_bytes());
    out
}

fn ops() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (prop_oneof![0u16..64, 0u16..=u16::MAX], any::<u8>()).prop_map(|(size, fill)| Op::Bump { size, fill }),
        1 => Just(Op::Reset),
        3 => Just(Op::PoolTake),
        2 => (0u8..40).prop_map(|slot| Op::PoolGive { slot }),
        2 => (0u8..6, any::<u64>()).prop_map(|(kind, bits)| Op::Access { kind, bits }),
        1 => (any::<f64>(), any::<u64>()).prop_map(|(x, y)| Op::Point { x: x.to_bits(), y }),
    ]
}

impl Model for Patterns {
    const NAME: &'static str = "patterns";
    type Input = Vec<Op>;

    fn inputs() -> BoxedStrategy<Vec<Op>> {
        proptest::collection::vec(ops(), 0..80).boxed()
    }

    fn case(ops: &Vec<Op>) -> Case {
        Case {
            name: format!("ops-{}", ops.len()),
            module: ModuleSource::Guest("patterns".into()),
            export: "patterns".into(),
            input: program(ops),
            expect: Some(Outcome::Returned(model(ops)).into()),
            ..Case::default()
        }
    }
}
