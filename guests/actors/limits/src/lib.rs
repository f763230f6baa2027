//! Allocates what its `requests` port names, in order, and reports what it got:
//! `{"vec": bytes}` through the Rust allocator (`try_reserve_exact`, kept until the end of the
//! call), `{"grow": pages}` through raw `memory.grow`. Out port `report`: one
//! `{"granted", "before", "after"}` per request, in pages.

use concord_actor_guest::{ActorContext, ActorResult, Message, Value, json};
use core::arch::wasm32::{memory_grow, memory_size};
use extism_pdk::{FnResult, Json, plugin_fn};

#[plugin_fn]
pub fn process(Json(context): Json<ActorContext>) -> FnResult<Json<ActorResult>> {
    let requests = match context.payload.get("requests") {
        Some(Message::Array(requests)) => requests.clone(),
        _ => Vec::new(),
    };
    // Reserved before the first request, so reporting needs no memory the requests may have taken.
    let mut granted: Vec<(bool, usize, usize)> = Vec::with_capacity(requests.len());
    let mut held: Vec<Vec<u8>> = Vec::with_capacity(requests.len());
    for request in &requests {
        let before = memory_size(0);
        let ok = if let Some(bytes) = request.get("vec").and_then(Value::as_u64) {
            let mut block = Vec::<u8>::new();
            let ok = block.try_reserve_exact(bytes as usize).is_ok();
            held.push(block);
            ok
        } else if let Some(pages) = request.get("grow").and_then(Value::as_u64) {
            memory_grow(0, pages as usize) != usize::MAX
        } else {
            false
        };
        granted.push((ok, before, memory_size(0)));
    }
    drop(held);
    let report = granted.iter().map(|&(ok, before, after)| json!({"granted": ok, "before": before, "after": after}));
    let outputs = [("report".to_string(), Message::Array(report.collect()))].into();
    Ok(Json(ActorResult { outputs, state: None }))
}
