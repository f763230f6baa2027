//! Bytes in, every byte `wrapping_add(1)` out.

use extism_pdk::{FnResult, plugin_fn};

#[plugin_fn]
pub fn stream(input: Vec<u8>) -> FnResult<Vec<u8>> {
    Ok(input.into_iter().map(|b| b.wrapping_add(1)).collect())
}
