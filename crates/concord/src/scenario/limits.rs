//! The limit policy at work: an actor with a `memory_limit_mb` (or the 16 MiB default, clamped to
//! the 100 MiB ceiling) allocates what its payload names, through the Rust allocator and through
//! raw `memory.grow`, near and past its limit, and reports what it got. The allocator's page use
//! is its own business, so the model states relations: a raw grow is granted exactly when it fits,
//! an allocation is refused only when it cannot fit, and memory never passes the limit.

use super::Model;
use crate::case::{ActorScript, Case, EngineModel, Expected, Holds, ModelCheck, ModuleSource};
use concord_actor::{ActorSpec, MEMORY_LIMIT_KEY, Message, StepRecord, memory_limit};
use concord_engine::{InstantiateFailure, LimitKind, MemoryLimiting, Outcome, WASM_PAGE};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub struct Limits;

/// What the `limits` guest declares (1 MiB of stack and its data), checked against the build by a test.
pub const GUEST_INITIAL_PAGES: u64 = 17;
/// Room the allocator may need beyond a request: a header and rounding to whole pages.
const ALLOCATOR_SLACK_PAGES: u64 = 2;
/// What parsing the context and the allocator's own bookkeeping may take before the first request.
const CALL_OVERHEAD_PAGES: u64 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// Reserve this many bytes with `Vec::try_reserve_exact`.
    Vec(u64),
    /// `memory.grow` by this many pages.
    Grow(u64),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    pub memory_limit_mb: Option<u64>,
    pub requests: Vec<Request>,
}

impl Input {
    fn config(&self) -> Map<String, Value> {
        self.memory_limit_mb
            .map(|mb| [(MEMORY_LIMIT_KEY.to_string(), json!(mb))].into_iter().collect())
            .unwrap_or_default()
    }

    fn limit_pages(&self) -> u64 {
        memory_limit(&self.config()).expect("generated limits are valid").pages()
    }
}

#[derive(Debug, Deserialize)]
struct Granted {
    granted: bool,
    before: u64,
    after: u64,
}

fn single_step(outcome: &Outcome) -> Result<StepRecord, String> {
    let Outcome::Returned(bytes) = outcome else { return Err(format!("the actor host ended with {outcome}")) };
    let mut records: Vec<StepRecord> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    match records.len() {
        1 => Ok(records.remove(0)),
        n => Err(format!("{n} step records for one step")),
    }
}

fn report(record: &StepRecord) -> Result<Option<Vec<Granted>>, String> {
    match record {
        StepRecord::Returned { outputs, .. } => match outputs.get("report") {
            Some(Message::Array(items)) => items
                .iter()
                .map(|item| serde_json::from_value(item.clone()).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()
                .map(Some),
            other => Err(format!("no report: {other:?}")),
        },
        StepRecord::Failed { .. } => Ok(None),
        other => Err(format!("unexpected step: {other:?}")),
    }
}

/// The relations every report must satisfy under a limit of `limit` pages. `refuses` says whether
/// the engine lets a refused allocation show (memory.grow returning -1) or fails the call instead.
fn check_report(requests: &[Request], report: &[Granted], limit: u64, refuses: bool) -> Result<(), String> {
    if report.len() != requests.len() {
        return Err(format!("{} reports for {} requests", report.len(), requests.len()));
    }
    let mut previous_after = None;
    for (i, (request, got)) in requests.iter().zip(report).enumerate() {
        let fail = |why: String| Err(format!("request {i} ({request:?}): {why}"));
        if got.after < got.before || got.after > limit {
            return fail(format!("memory went from {} to {} pages under a limit of {limit}", got.before, got.after));
        }
        if previous_after.is_some_and(|after| after != got.before) {
            return fail("memory changed between requests".into());
        }
        previous_after = Some(got.after);
        let room = limit - got.before;
        match *request {
            Request::Grow(pages) => {
                let fits = pages <= room;
                if got.granted != fits || got.after != got.before + if fits { pages } else { 0 } {
                    return fail(format!(
                        "granted {} from {} to {} with {room} pages of room",
                        got.granted, got.before, got.after
                    ));
                }
                if !fits && !refuses {
                    return fail("a refused grow showed instead of failing the call".into());
                }
            }
            Request::Vec(bytes) => {
                let could_fit = bytes + ALLOCATOR_SLACK_PAGES * WASM_PAGE <= room * WASM_PAGE;
                if !got.granted && could_fit {
                    return fail(format!("refused with {room} pages of room"));
                }
                if !got.granted && !refuses && bytes <= i32::MAX as u64 {
                    return fail("a refused allocation showed instead of failing the call".into());
                }
            }
        }
    }
    Ok(())
}

fn pages_requested(requests: &[Request]) -> u64 {
    requests
        .iter()
        .map(|r| match *r {
            Request::Grow(pages) => pages,
            Request::Vec(bytes) => bytes.div_ceil(WASM_PAGE),
        })
        .sum()
}

/// The Wasm semantics: the limit holds, a grow past it returns -1, an allocation past it is refused.
fn native_check(input: &Input) -> ModelCheck {
    let (requests, limit) = (input.requests.clone(), input.limit_pages());
    ModelCheck::new(move |outcome| {
        let record = single_step(outcome)?;
        if limit < GUEST_INITIAL_PAGES {
            return match record {
                StepRecord::Failed { outcome: Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit), .. } => {
                    Ok(())
                }
                other => Err(format!("{limit} pages cannot hold the guest's {GUEST_INITIAL_PAGES}, yet: {other:?}")),
            };
        }
        match report(&record)? {
            Some(report) => check_report(&requests, &report, limit, true),
            None => Err(format!("the call failed: {record:?}")),
        }
    })
}

/// Extism 1.41: an initial memory over the limit fails the first call with "oom"; once the instance
/// exists the limit counts pages beyond the initial ones, and a grow past it fails the call with
/// "oom", which only a request that could pass the limit may cause.
fn extism_check(input: &Input) -> ModelCheck {
    let (requests, declared) = (input.requests.clone(), input.limit_pages());
    let limit = declared + GUEST_INITIAL_PAGES;
    ModelCheck::new(move |outcome| {
        let record = single_step(outcome)?;
        let oom = matches!(record, StepRecord::Failed { outcome: Outcome::LimitHit(LimitKind::Memory), .. });
        if declared < GUEST_INITIAL_PAGES {
            return if oom { Ok(()) } else { Err(format!("{declared} pages cannot hold the guest, yet: {record:?}")) };
        }
        match (&record, report(&record)?) {
            (_, Some(report)) => check_report(&requests, &report, limit, false),
            (StepRecord::Failed { outcome: Outcome::LimitHit(LimitKind::Memory), .. }, None) => {
                let most = GUEST_INITIAL_PAGES + CALL_OVERHEAD_PAGES + pages_requested(&requests);
                if most > limit { Ok(()) } else { Err(format!("oom with at most {most} of {limit} pages asked for")) }
            }
            (other, None) => Err(format!("the call failed: {other:?}")),
        }
    })
}

impl Model for Limits {
    const NAME: &'static str = "limits";
    type Input = Input;

    fn inputs() -> BoxedStrategy<Input> {
        let limit = prop_oneof![
            2 => Just(None),
            4 => proptest::sample::select(vec![1u64, 2, 3, 4, 8]).prop_map(Some),
            1 => Just(Some(100)),
            1 => (101u64..10_000).prop_map(Some),
        ];
        let request = prop_oneof![
            3 => (0u64..64 * 1024).prop_map(Request::Vec),
            3 => (64 * 1024u64..8 * 1024 * 1024).prop_map(Request::Vec),
            1 => (8 * 1024 * 1024u64..128 * 1024 * 1024).prop_map(Request::Vec),
            1 => (1u64 << 31..1 << 32).prop_map(Request::Vec),
            4 => (0u64..160).prop_map(Request::Grow),
            1 => (160u64..2000).prop_map(Request::Grow),
        ];
        (limit, proptest::collection::vec(request, 0..8))
            .prop_map(|(memory_limit_mb, requests)| Input { memory_limit_mb, requests })
            .boxed()
    }

    fn case(input: &Input) -> Case {
        let spec = ActorSpec { config: input.config(), ..ActorSpec::new("process") };
        let requests = input.requests.iter().map(|r| serde_json::to_value(r).expect("requests serialize")).collect();
        let limit = input.memory_limit_mb.map_or("default".to_string(), |mb| format!("{mb}mb"));
        Case {
            name: format!("{limit}-requests-{}", input.requests.len()),
            module: ModuleSource::Guest("limits".into()),
            export: "process".into(),
            actor: Some(ActorScript { spec, steps: vec![[("requests".to_string(), Message::Array(requests))].into()] }),
            expect: Some(Expected::Check(native_check(input))),
            documented: vec![EngineModel {
                holds: Holds::MemoryLimiting(MemoryLimiting::CallFails),
                expect: Expected::Check(extism_check(input)),
            }],
            ..Case::default()
        }
    }
}
