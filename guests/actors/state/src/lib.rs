//! Applies the operations on its `ops` port to the state it was given and returns only what it
//! changed (a deleted key as `null`), as the flow runtime's docs advise. Operations:
//! `set`, `delete`, `increment` (by an i64, wrapping), `append` (to an array), and through the host
//! functions `host_set`, `host_get` (values out on port `reads`) and `send` (`__send_output`).
//! Out port `count`: how many operations ran.

use concord_actor_guest::{ActorContext, ActorResult, Map, Message, Payload, Value, get_state, send_output, set_state};
use extism_pdk::{Error, FnResult, Json, plugin_fn};

#[plugin_fn]
pub fn process(Json(context): Json<ActorContext>) -> FnResult<Json<ActorResult>> {
    let ops = match context.payload.get("ops") {
        Some(Message::Array(ops)) => ops.clone(),
        _ => Vec::new(),
    };
    let mut state = context.state.unwrap_or_default();
    let mut changed = Map::new();
    let mut reads = Vec::new();
    for op in &ops {
        let key = op["key"].as_str().unwrap_or_default().to_string();
        let value = op["value"].clone();
        let new = match op["op"].as_str().unwrap_or_default() {
            "set" => value,
            "delete" => {
                state.remove(&key);
                changed.insert(key, Value::Null);
                continue;
            }
            "increment" => {
                let by = op["by"].as_i64().unwrap_or_default();
                state.get(&key).and_then(Value::as_i64).unwrap_or_default().wrapping_add(by).into()
            }
            "append" => {
                let mut items = match state.get(&key) {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                items.push(value);
                Value::Array(items)
            }
            "host_set" => {
                set_state(&key, &value);
                continue;
            }
            "host_get" => {
                reads.push(get_state(&key));
                continue;
            }
            "send" => {
                send_output(&Map::from_iter([("sent".to_string(), value)]));
                continue;
            }
            other => return Err(Error::msg(format!("unknown op {other:?}")).into()),
        };
        state.insert(key.clone(), new.clone());
        changed.insert(key, new);
    }
    let mut outputs = Payload::from([("count".to_string(), Message::Integer(ops.len() as i64))]);
    if !reads.is_empty() {
        outputs.insert("reads".to_string(), Message::Array(reads));
    }
    let state = (!changed.is_empty()).then_some(Value::Object(changed));
    Ok(Json(ActorResult { outputs, state }))
}
