//! Extism's `count_vowels` example with its host function: it counts the vowels of its input,
//! greets the host with the count through `hello_world`, and reports what the host answered, a
//! little-endian u64 (the counter host module answers how many times it has been greeted).

use extism_pdk::{FnResult, host_fn, plugin_fn};

#[host_fn]
extern "ExtismHost" {
    fn hello_world(greeting: String) -> u64;
}

#[plugin_fn]
pub fn count_vowels(input: String) -> FnResult<String> {
    let count = input.chars().filter(|c| "aeiouAEIOU".contains(*c)).count();
    let answer = unsafe { hello_world(format!("{{\"count\":{count}}}"))? };
    Ok(format!("{{\"count\":{count},\"host\":{answer}}}"))
}
