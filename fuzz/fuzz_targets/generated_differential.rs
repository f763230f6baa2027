//! libFuzzer's input as the randomness `wasm-smith` builds a module from; the module on every
//! configuration, compared as `cargo xtask fuzz` compares them. A difference no entry of
//! `conformance/divergences.toml` documents is shrunk, saved with the command that replays it,
//! and reported as a crash, so libFuzzer keeps the input. `CONCORD_FUZZ_ENGINES` (comma-separated
//! ids) picks the configurations.

#![no_main]

use concord::engine::Engine;
use concord_verdict::divergence::Divergences;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, LazyLock};

static ENGINES: LazyLock<Vec<Arc<dyn Engine>>> = LazyLock::new(|| {
    let ids: Vec<String> = std::env::var("CONCORD_FUZZ_ENGINES")
        .map(|ids| ids.split(',').map(str::trim).filter(|id| !id.is_empty()).map(String::from).collect())
        .unwrap_or_default();
    concord::select(&ids).unwrap_or_else(|e| panic!("CONCORD_FUZZ_ENGINES: {e:#}"))
});

static DIVERGENCES: LazyLock<Divergences> = LazyLock::new(|| {
    let path = concord::conformance_dir().join("divergences.toml");
    Divergences::load(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
});

fuzz_target!(|data: &[u8]| {
    if let Some(finding) = concord::generated::fuzz_input(&ENGINES, &DIVERGENCES, data) {
        let dir = concord::generated::regressions_dir();
        match concord::generated::shrink_and_save(&ENGINES, &finding, &dir) {
            Ok((_, shown)) => panic!("engines differ, undocumented:\n{shown}"),
            Err(e) => panic!("engines differ, undocumented ({e:#}):\n{:?}", finding.differences),
        }
    }
});
