//! Fuel metering costs every instruction it counts. An instance without a fuel budget runs code
//! compiled without it, as an embedder who meters nothing configures their engine (and as Extism
//! does without a fuel limit); only instances that need fuel counted pay for counting it.

use crate::{CompileError, Outcome};
use std::sync::{Arc, OnceLock};

/// A module compiled without metering up front (which also validates it), and with metering the
/// first time an instance needs it.
pub struct MeteringVariants<M> {
    wasm: Arc<[u8]>,
    unmetered: M,
    metered: OnceLock<Result<M, CompileError>>,
}

impl<M> MeteringVariants<M> {
    pub fn compile(
        wasm: &[u8],
        unmetered: impl FnOnce(&[u8]) -> Result<M, CompileError>,
    ) -> Result<Self, CompileError> {
        Ok(MeteringVariants { wasm: wasm.into(), unmetered: unmetered(wasm)?, metered: OnceLock::new() })
    }

    /// The variant an instance runs; `metered` compiles at most once, on the first instance that
    /// asks for it.
    pub fn get(&self, metering: bool, metered: impl FnOnce(&[u8]) -> Result<M, CompileError>) -> Result<&M, Outcome> {
        if !metering {
            return Ok(&self.unmetered);
        }
        // The same bytes already compiled without metering, so a failure here is the engine's.
        self.metered
            .get_or_init(|| metered(&self.wasm))
            .as_ref()
            .map_err(|error| Outcome::EngineFault(format!("compiling with fuel metering: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn the_metered_variant_is_compiled_once_and_only_when_asked_for() {
        let compiles = Cell::new(0);
        let compile = |metered: bool| {
            let compiles = &compiles;
            move |wasm: &[u8]| {
                compiles.set(compiles.get() + 1);
                Ok((wasm.len(), metered))
            }
        };
        let variants = MeteringVariants::compile(b"wasm", compile(false)).expect("compiles");
        assert_eq!(compiles.get(), 1);
        assert_eq!(variants.get(false, compile(true)), Ok(&(4, false)));
        assert_eq!(compiles.get(), 1, "the unmetered variant needs no second compile");
        assert_eq!(variants.get(true, compile(true)), Ok(&(4, true)));
        assert_eq!(variants.get(true, compile(true)), Ok(&(4, true)));
        assert_eq!(compiles.get(), 2, "the metered variant is compiled once");
    }

    #[test]
    fn a_metered_variant_that_fails_to_compile_is_the_engines_fault() {
        let variants = MeteringVariants::compile(b"wasm", |_| Ok(())).expect("compiles");
        let refused = |_: &[u8]| Err(CompileError::Unsupported("no fuel here".into()));
        assert!(matches!(variants.get(true, refused), Err(Outcome::EngineFault(_))));
        assert_eq!(variants.get(false, refused), Ok(&()));
    }
}
