//! Fuel metering costs every instruction it counts. An instance without a fuel budget runs code
//! compiled without it, as an embedder who meters nothing configures their engine (and as Extism
//! does without a fuel limit); only instances that need fuel counted pay for counting it.

use crate::{CompileError, Outcome};
use std::sync::{Arc, OnceLock};

/// A module compiled with or without metering: the variant asked for first when the module is
/// compiled (which also validates it), the other the first time an instance needs it.
pub struct MeteringVariants<M> {
    wasm: Arc<[u8]>,
    unmetered: OnceLock<Result<M, CompileError>>,
    metered: OnceLock<Result<M, CompileError>>,
}

impl<M> MeteringVariants<M> {
    pub fn compile(
        wasm: &[u8],
        metering: bool,
        compile: impl FnOnce(&[u8]) -> Result<M, CompileError>,
    ) -> Result<Self, CompileError> {
        let first = OnceLock::from(Ok(compile(wasm)?));
        let (unmetered, metered) = match metering {
            false => (first, OnceLock::new()),
            true => (OnceLock::new(), first),
        };
        Ok(MeteringVariants { wasm: wasm.into(), unmetered, metered })
    }

    /// The variant an instance runs; `compile` runs only if this variant was not compiled yet.
    pub fn get(&self, metering: bool, compile: impl FnOnce(&[u8]) -> Result<M, CompileError>) -> Result<&M, Outcome> {
        let variant = if metering { &self.metered } else { &self.unmetered };
        // The same bytes already compiled as the other variant, so a failure here is the engine's.
        variant.get_or_init(|| compile(&self.wasm)).as_ref().map_err(|error| {
            let which = if metering { "with" } else { "without" };
            Outcome::EngineFault(format!("compiling {which} fuel metering: {error}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn each_variant_is_compiled_once_and_only_when_asked_for() {
        for first in [false, true] {
            let compiles = Cell::new(0);
            let compile = |metered: bool| {
                let compiles = &compiles;
                move |wasm: &[u8]| {
                    compiles.set(compiles.get() + 1);
                    Ok((wasm.len(), metered))
                }
            };
            let variants = MeteringVariants::compile(b"wasm", first, compile(first)).expect("compiles");
            assert_eq!(compiles.get(), 1);
            assert_eq!(variants.get(first, compile(first)), Ok(&(4, first)));
            assert_eq!(compiles.get(), 1, "the variant compiled up front needs no second compile");
            assert_eq!(variants.get(!first, compile(!first)), Ok(&(4, !first)));
            assert_eq!(variants.get(!first, compile(!first)), Ok(&(4, !first)));
            assert_eq!(compiles.get(), 2, "the other variant is compiled once");
        }
    }

    #[test]
    fn a_variant_that_fails_after_the_first_compiled_is_the_engines_fault() {
        let variants = MeteringVariants::compile(b"wasm", false, |_| Ok(())).expect("compiles");
        let refused = |_: &[u8]| Err(CompileError::Unsupported("no fuel here".into()));
        assert!(matches!(variants.get(true, refused), Err(Outcome::EngineFault(_))));
        assert_eq!(variants.get(false, refused), Ok(&()));
    }

    #[test]
    fn the_first_compile_failing_is_the_modules_compile_error() {
        let invalid = |_: &[u8]| Err::<(), _>(CompileError::Invalid("not wasm".into()));
        assert_eq!(
            MeteringVariants::compile(b"junk", true, invalid).err(),
            Some(CompileError::Invalid("not wasm".into()))
        );
    }
}
