//! Extism's `host_reflect` test plugin: it passes its input through a host function and returns
//! what comes back, so all there is to compare is the host function, run through each kernel.

use extism_pdk::{FnResult, host_fn, plugin_fn};

#[host_fn]
extern "ExtismHost" {
    fn host_reflect(input: Vec<u8>) -> Vec<u8>;
}

#[plugin_fn]
pub fn reflect(input: Vec<u8>) -> FnResult<Vec<u8>> {
    Ok(unsafe { host_reflect(input)? })
}
