//! Byte streams, three ways in: `stream` (raw bytes, every byte `wrapping_add(1)`), `transform`
//! (raw bytes, the transform named by the plugin config key `transform`), and `process` (the actor
//! protocol: a `Message::Stream` on port `in`, the transform named by the actor config, the result
//! on port `out`). Transforms: `add1`, `reverse`, `checksum:N` (the wrapping u32 sum of each
//! N-byte chunk, little-endian). And `reflect`, the input back untouched: what the plugin ABI alone
//! costs, as in Extism's reflect benchmark.

use concord_actor_guest::{ActorContext, ActorResult, Message, Payload};
use extism_pdk::{Error, FnResult, Json, plugin_fn};

#[plugin_fn]
pub fn stream(input: Vec<u8>) -> FnResult<Vec<u8>> {
    Ok(input.into_iter().map(|b| b.wrapping_add(1)).collect())
}

#[plugin_fn]
pub fn reflect(input: Vec<u8>) -> FnResult<Vec<u8>> {
    Ok(input)
}

fn apply(transform: &str, mut bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
    match transform.split_once(':') {
        None if transform == "add1" => {
            bytes.iter_mut().for_each(|b| *b = b.wrapping_add(1));
            Ok(bytes)
        }
        None if transform == "reverse" => {
            bytes.reverse();
            Ok(bytes)
        }
        Some(("checksum", chunk)) => match chunk.parse::<usize>() {
            Ok(chunk) if chunk > 0 => Ok(bytes
                .chunks(chunk)
                .flat_map(|c| c.iter().fold(0u32, |sum, &b| sum.wrapping_add(b as u32)).to_le_bytes())
                .collect()),
            _ => Err(Error::msg(format!("bad checksum chunk {chunk:?}"))),
        },
        _ => Err(Error::msg(format!("unknown transform {transform:?}"))),
    }
}

#[plugin_fn]
pub fn transform(input: Vec<u8>) -> FnResult<Vec<u8>> {
    let transform = extism_pdk::config::get("transform")?.unwrap_or_default();
    Ok(apply(&transform, input)?)
}

#[plugin_fn]
pub fn process(Json(context): Json<ActorContext>) -> FnResult<Json<ActorResult>> {
    let transform = context.config.config.get("transform").and_then(|t| t.as_str()).unwrap_or("add1");
    let bytes = match context.payload.into_iter().find(|(port, _)| port == "in") {
        Some((_, Message::Stream(bytes))) => bytes,
        _ => return Err(Error::msg("port `in` carries no stream").into()),
    };
    let outputs = Payload::from([("out".to_string(), Message::Stream(apply(transform, bytes)?))]);
    Ok(Json(ActorResult { outputs, state: None }))
}
