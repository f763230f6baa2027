//! Every engine configuration this build includes, in a fixed order: the only list of engines.
//! Which backends are compiled in is chosen by cargo features (one per backend; `all-engines`
//! names them all).

use anyhow::{Result, bail};
use concord_engine::Engine;
use std::sync::Arc;

// With no backend feature enabled the list is never pushed to.
#[allow(unused_mut)]
pub fn all_engines() -> Vec<Arc<dyn Engine>> {
    let mut engines: Vec<Arc<dyn Engine>> = Vec::new();
    #[cfg(feature = "wasmtime")]
    {
        use concord_wasmtime::{Allocator, Compiler, WasmtimeEngine};
        let configurations = Compiler::ALL.map(|c| (c, Allocator::OnDemand));
        for (compiler, allocator) in configurations.into_iter().chain([(Compiler::Cranelift, Allocator::Pooling)]) {
            let engine = WasmtimeEngine::new(compiler, allocator)
                .unwrap_or_else(|e| panic!("wasmtime {compiler:?} {allocator:?} is not available on this host: {e}"));
            engines.push(Arc::new(engine));
        }
    }
    #[cfg(feature = "wasmer")]
    for compiler in concord_wasmer::Compiler::ALL {
        engines.push(Arc::new(concord_wasmer::WasmerEngine::new(compiler)));
    }
    #[cfg(feature = "wasmi")]
    engines.push(Arc::new(concord_wasmi::WasmiEngine::default()));
    #[cfg(feature = "tinywasm")]
    engines.push(Arc::new(concord_tinywasm::TinywasmEngine::default()));
    #[cfg(feature = "extism")]
    engines.push(Arc::new(concord_extism::ExtismEngine::default()));
    #[cfg(feature = "browsers")]
    for browser in concord_browser::Browser::ALL {
        engines.push(Arc::new(concord_browser::BrowserEngine::new(browser)));
    }
    #[cfg(feature = "extism-js")]
    engines.push(Arc::new(concord_extism_js::ExtismJsEngine::default()));
    engines
}

/// The engines named by `ids` (all of them when empty), in registry order.
pub fn select(ids: &[String]) -> Result<Vec<Arc<dyn Engine>>> {
    let all = all_engines();
    if let Some(unknown) = ids.iter().find(|id| !all.iter().any(|e| e.id() == id.as_str())) {
        let known: Vec<_> = all.iter().map(|e| e.id().to_string()).collect();
        bail!("unknown engine `{unknown}`; this build has: {}", known.join(", "));
    }
    Ok(all.into_iter().filter(|e| ids.is_empty() || ids.iter().any(|id| id == e.id())).collect())
}
