//! Fuel metering costs every instruction it counts. An instance without a fuel budget runs code
//! compiled without it, as an embedder who meters nothing configures their engine (and as Extism
//! does without a fuel limit); only instances that need fuel counted pay for counting it.

use crate::{CompileError, Outcome};
use std::sync::{Arc, OnceLock};

/// How a backend compiles a module with or without fuel metering.
pub trait CompileVariant {
    type Compiled;
    fn compile_variant(&self, metering: bool, wasm: &[u8]) -> Result<Self::Compiled, CompileError>;
}

/// A module compiled with or without metering: the variant asked for first when the module is
/// compiled (which also validates it), the other the first time an instance needs it.
pub struct MeteringVariants<C: CompileVariant> {
    compiler: C,
    wasm: Arc<[u8]>,
    unmetered: OnceLock<Result<C::Compiled, CompileError>>,
    metered: OnceLock<Result<C::Compiled, CompileError>>,
}

impl<C: CompileVariant> MeteringVariants<C> {
    pub fn compile(compiler: C, wasm: &[u8], metering: bool) -> Result<Self, CompileError> {
        let first = OnceLock::from(Ok(compiler.compile_variant(metering, wasm)?));
        let (unmetered, metered) = match metering {
            false => (first, OnceLock::new()),
            true => (OnceLock::new(), first),
        };
        Ok(MeteringVariants { compiler, wasm: wasm.into(), unmetered, metered })
    }

    /// The variant an instance runs, compiled now if it was not yet.
    pub fn get(&self, metering: bool) -> Result<&C::Compiled, Outcome> {
        let variant = if metering { &self.metered } else { &self.unmetered };
        // The same bytes already compiled as the other variant, so a failure here is the engine's.
        variant.get_or_init(|| self.compiler.compile_variant(metering, &self.wasm)).as_ref().map_err(|error| {
            let which = if metering { "with" } else { "without" };
            Outcome::EngineFault(format!("compiling {which} fuel metering: {error}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Counts its compiles; refuses to meter when `metering_fails`, and anything when `invalid`.
    #[derive(Default)]
    struct Counting {
        compiles: Cell<usize>,
        metering_fails: bool,
        invalid: bool,
    }

    impl CompileVariant for &Counting {
        type Compiled = (usize, bool);
        fn compile_variant(&self, metering: bool, wasm: &[u8]) -> Result<(usize, bool), CompileError> {
            self.compiles.set(self.compiles.get() + 1);
            if self.invalid {
                return Err(CompileError::Invalid("not wasm".into()));
            }
            if metering && self.metering_fails {
                return Err(CompileError::Unsupported("no fuel here".into()));
            }
            Ok((wasm.len(), metering))
        }
    }

    #[test]
    fn each_variant_is_compiled_once_and_only_when_asked_for() {
        for first in [false, true] {
            let compiler = Counting::default();
            let variants = MeteringVariants::compile(&compiler, b"wasm", first).expect("compiles");
            assert_eq!(compiler.compiles.get(), 1);
            assert_eq!(variants.get(first), Ok(&(4, first)));
            assert_eq!(compiler.compiles.get(), 1, "the variant compiled up front needs no second compile");
            assert_eq!(variants.get(!first), Ok(&(4, !first)));
            assert_eq!(variants.get(!first), Ok(&(4, !first)));
            assert_eq!(compiler.compiles.get(), 2, "the other variant is compiled once");
        }
    }

    #[test]
    fn a_variant_that_fails_after_the_first_compiled_is_the_engines_fault() {
        let compiler = Counting { metering_fails: true, ..Counting::default() };
        let variants = MeteringVariants::compile(&compiler, b"wasm", false).expect("compiles");
        assert!(matches!(variants.get(true), Err(Outcome::EngineFault(_))));
        assert_eq!(variants.get(false), Ok(&(4, false)));
    }

    #[test]
    fn the_first_compile_failing_is_the_modules_compile_error() {
        let compiler = Counting { invalid: true, ..Counting::default() };
        assert_eq!(
            MeteringVariants::compile(&compiler, b"junk", true).err(),
            Some(CompileError::Invalid("not wasm".into()))
        );
    }
}
