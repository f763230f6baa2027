//! Multi-step actor runs through the `state` guest: each step's operations, the actor's partial
//! state update, the host's state policy, and the model's state after every step.

use super::Model;
use crate::case::{ActorScript, Case, ModuleSource};
use concord_actor::{ActorSpec, MAX_ARRAY_ITEMS, Message, Mode, Payload, State as StateMap, StatePolicy, StepRecord};
use concord_engine::Outcome;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub struct State;

/// One operation, in the JSON shape the guest reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Set { key: String, value: Value },
    Delete { key: String },
    Increment { key: String, by: i64 },
    Append { key: String, value: Value },
    HostSet { key: String, value: Value },
    HostGet { key: String },
    Send { value: Value },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Ops(Vec<Op>),
    /// One more operation than the host accepts: rejected before the actor runs.
    Oversized,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    pub policy: StatePolicy,
    pub mode: Mode,
    pub steps: Vec<Step>,
}

impl Step {
    pub fn payload(&self) -> Payload {
        let ops = match self {
            Step::Ops(ops) => ops.iter().map(|op| serde_json::to_value(op).expect("ops serialize")).collect(),
            Step::Oversized => vec![json!({"op": "delete", "key": "a"}); MAX_ARRAY_ITEMS + 1],
        };
        [("ops".to_string(), Message::Array(ops))].into()
    }
}

/// The reference model: the state actor and the host's policy, step by step.
pub fn model(policy: StatePolicy, steps: &[Step]) -> Vec<StepRecord> {
    let mut host = StateMap::new();
    steps.iter().map(|step| model_step(policy, &mut host, step)).collect()
}

pub fn model_step(policy: StatePolicy, host: &mut StateMap, step: &Step) -> StepRecord {
    let ops = match step {
        Step::Ops(ops) => ops,
        Step::Oversized => {
            let reason = concord_actor::validate_payload(&step.payload()).expect_err("over the cap").to_string();
            return StepRecord::Rejected { reason, state: host.clone() };
        }
    };
    let mut seen = host.clone();
    let mut changed = Map::new();
    let (mut sent, mut reads) = (Vec::new(), Vec::new());
    for op in ops {
        let (key, new) = match op {
            Op::Set { key, value } => (key, value.clone()),
            Op::Delete { key } => {
                seen.remove(key);
                changed.insert(key.clone(), Value::Null);
                continue;
            }
            Op::Increment { key, by } => {
                (key, seen.get(key).and_then(Value::as_i64).unwrap_or_default().wrapping_add(*by).into())
            }
            Op::Append { key, value } => {
                let mut items = match seen.get(key) {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                items.push(value.clone());
                (key, Value::Array(items))
            }
            Op::HostSet { key, value } => {
                policy.apply_set(host, key, value.clone());
                continue;
            }
            Op::HostGet { key } => {
                reads.push(host.get(key).cloned().unwrap_or_default());
                continue;
            }
            Op::Send { value } => {
                sent.push([("sent".to_string(), Message::from_plain(value.clone()))].into());
                continue;
            }
        };
        seen.insert(key.clone(), new.clone());
        changed.insert(key.clone(), new);
    }
    let mut outputs: Payload = [("count".to_string(), Message::Integer(ops.len() as i64))].into();
    if !reads.is_empty() {
        outputs.insert("reads".into(), Message::Array(reads));
    }
    let update = (!changed.is_empty()).then_some(Value::Object(changed));
    policy.apply_result(host, update.as_ref()).expect("the model returns objects");
    StepRecord::Returned { sent, outputs, state: host.clone() }
}

pub fn keys() -> impl Strategy<Value = String> {
    proptest::sample::select(vec!["a", "b", "c"]).prop_map(String::from)
}

pub fn values() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-3i64..3).prop_map(Value::from),
        "[a-z]{0,6}".prop_map(Value::from),
    ]
}

pub fn ops() -> impl Strategy<Value = Op> {
    prop_oneof![
        (keys(), values()).prop_map(|(key, value)| Op::Set { key, value }),
        keys().prop_map(|key| Op::Delete { key }),
        (keys(), prop_oneof![-5i64..5, any::<i64>()]).prop_map(|(key, by)| Op::Increment { key, by }),
        (keys(), values()).prop_map(|(key, value)| Op::Append { key, value }),
        (keys(), values()).prop_map(|(key, value)| Op::HostSet { key, value }),
        keys().prop_map(|key| Op::HostGet { key }),
        values().prop_map(|value| Op::Send { value }),
    ]
}

pub fn steps() -> impl Strategy<Value = Step> {
    prop_oneof![31 => proptest::collection::vec(ops(), 0..6).prop_map(Step::Ops), 1 => Just(Step::Oversized)]
}

pub fn policies() -> impl Strategy<Value = StatePolicy> {
    prop_oneof![Just(StatePolicy::Replace), Just(StatePolicy::Merge)]
}

pub fn modes() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Fresh), Just(Mode::Persistent)]
}

impl Model for State {
    const NAME: &'static str = "state";
    type Input = Input;

    fn inputs() -> BoxedStrategy<Input> {
        (policies(), modes(), proptest::collection::vec(steps(), 1..6))
            .prop_map(|(policy, mode, steps)| Input { policy, mode, steps })
            .boxed()
    }

    fn case(input: &Input) -> Case {
        let spec = ActorSpec { policy: input.policy, mode: input.mode, ..ActorSpec::new("process") };
        let records = model(input.policy, &input.steps);
        Case {
            name: format!("{:?}-{:?}-steps-{}", input.policy, input.mode, input.steps.len()).to_lowercase(),
            module: ModuleSource::Guest("state".into()),
            export: "process".into(),
            actor: Some(ActorScript { spec, steps: input.steps.iter().map(Step::payload).collect() }),
            expect: Some(Outcome::Returned(crate::case::transcript(&records)).into()),
            ..Case::default()
        }
    }
}
