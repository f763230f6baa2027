//! Binary streams through the `stream` guest, byte-exact against the model: on the actor path
//! (a `Message::Stream`, so bytes as a JSON array of numbers) and on the raw-bytes path beside it.

use super::{Model, seeded_bytes};
use crate::case::{ActorScript, Case, ModuleSource};
use concord_actor::{ActorSpec, DEFAULT_MEMORY_LIMIT_MB, Message, StepRecord};
use concord_engine::{InstanceConfig, MemoryLimit, Outcome};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

pub struct Stream;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    /// The actor protocol: `process`, bytes as JSON numbers.
    Json,
    /// The plugin ABI: `transform`, bytes as bytes.
    Raw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    Add1,
    Reverse,
    /// The wrapping u32 sum of each chunk of this many bytes, little-endian.
    Checksum(u16),
}

impl Transform {
    pub fn config_value(self) -> String {
        match self {
            Transform::Add1 => "add1".into(),
            Transform::Reverse => "reverse".into(),
            Transform::Checksum(chunk) => format!("checksum:{chunk}"),
        }
    }

    /// The reference model.
    pub fn apply(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Transform::Add1 => model(bytes),
            Transform::Reverse => bytes.iter().rev().copied().collect(),
            Transform::Checksum(chunk) => bytes
                .chunks(chunk.max(1) as usize)
                .flat_map(|c| c.iter().fold(0u32, |sum, &b| sum.wrapping_add(b as u32)).to_le_bytes())
                .collect(),
        }
    }
}

/// The `stream` export's transform: every byte `wrapping_add(1)`.
pub fn model(input: &[u8]) -> Vec<u8> {
    input.iter().map(|b| b.wrapping_add(1)).collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    pub path: Path,
    pub transform: Transform,
    pub len: usize,
    /// The bytes are derived from this, so a 1 MiB case shrinks as two numbers.
    pub seed: u64,
}

/// Lengths where chunked copies go wrong: empty, around the ABI's 8-byte loads, page sizes.
const EDGE_LENGTHS: [usize; 9] = [0, 1, 7, 8, 9, 4095, 4096, 65536, 65537];
/// JSON costs about four bytes per byte each way, and the interpreters parse it slowly.
const MAX_JSON_LENGTH: usize = 64 * 1024;
const MAX_RAW_LENGTH: usize = 1024 * 1024;

impl Model for Stream {
    const NAME: &'static str = "stream";
    type Input = Input;

    fn inputs() -> BoxedStrategy<Input> {
        let path = prop_oneof![Just(Path::Json), Just(Path::Raw)];
        let transform =
            prop_oneof![Just(Transform::Add1), Just(Transform::Reverse), (1u16..=64).prop_map(Transform::Checksum)];
        (path, transform, any::<u64>(), 0usize..4)
            .prop_flat_map(|(path, transform, seed, kind)| {
                let max = if path == Path::Json { MAX_JSON_LENGTH } else { MAX_RAW_LENGTH };
                let len = match kind {
                    0 => proptest::sample::select(EDGE_LENGTHS.to_vec()).boxed(),
                    1 => (max / 2..=max).boxed(),
                    _ => (0..=4096usize).boxed(),
                };
                len.prop_map(move |len| Input { path, transform, len, seed })
            })
            .boxed()
    }

    fn case(input: &Input) -> Case {
        let bytes = seeded_bytes(input.seed, input.len);
        let out = input.transform.apply(&bytes);
        let name = format!("{:?}-{}-len-{}", input.path, input.transform.config_value(), input.len).to_lowercase();
        let case =
            Case { name: name.replace(':', "-"), module: ModuleSource::Guest("stream".into()), ..Case::default() };
        match input.path {
            Path::Raw => Case {
                export: "transform".into(),
                input: bytes,
                config: InstanceConfig::default()
                    .with_memory_limit(MemoryLimit::from_mib(DEFAULT_MEMORY_LIMIT_MB))
                    .with_config("transform", input.transform.config_value()),
                expect: Some(Outcome::Returned(out).into()),
                ..case
            },
            Path::Json => {
                let mut spec = ActorSpec::new("process");
                spec.config.insert("transform".into(), input.transform.config_value().into());
                let record = StepRecord::Returned {
                    sent: Vec::new(),
                    outputs: [("out".to_string(), Message::Stream(out))].into(),
                    state: Default::default(),
                };
                Case {
                    export: "process".into(),
                    actor: Some(ActorScript { spec, steps: vec![[("in".to_string(), Message::Stream(bytes))].into()] }),
                    expect: Some(Outcome::Returned(crate::case::transcript(&[record])).into()),
                    ..case
                }
            }
        }
    }
}
