//! Exercises the kernel calls a plugin relies on besides input and output: config, vars and
//! errors, so each engine's kernel can be compared with the others.

use extism_pdk::{Error, FnResult, config, plugin_fn, var};

/// Returns the config value for the key given as input, or `<unset>`.
#[plugin_fn]
pub fn config_get(key: String) -> FnResult<String> {
    Ok(config::get(&key)?.unwrap_or_else(|| "<unset>".into()))
}

/// Increments a var that lives as long as the instance and returns it.
#[plugin_fn]
pub fn count(_: ()) -> FnResult<String> {
    let n = var::get::<String>("count")?.and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) + 1;
    var::set("count", n.to_string())?;
    Ok(n.to_string())
}

/// Fails with the input as the error message.
#[plugin_fn]
pub fn fail(message: String) -> FnResult<()> {
    Err(Error::msg(message).into())
}

/// The empty things real plugins pass the kernel: an empty log message (offset 0, the empty
/// block), a config key that is not set, and an empty var (which removes it).
#[plugin_fn]
pub fn empty_edges(_: ()) -> FnResult<String> {
    extism_pdk::info!("");
    let missing = config::get("no-such-key")?;
    var::set("empty", "")?;
    let empty = var::get::<String>("empty")?;
    Ok(format!("config {missing:?}, var {empty:?}"))
}
