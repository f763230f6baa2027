//! Which Wasm features a configuration runs, and which a module needs: a module that needs one the
//! configuration lacks is `unsupported` there, never a failure. Decided by `wasmparser` alone, the
//! same way for every engine, so no engine's error text is read to tell "invalid" from
//! "unsupported".

use serde::{Deserialize, Serialize};
use wasmparser::{Validator, WasmFeatures};

/// A Wasm feature beyond the base every configuration runs (Wasm 1.0 with mutable globals, sign
/// extension, saturating float-to-int, multi-value and bulk memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Feature {
    Simd,
    ReferenceTypes,
    RelaxedSimd,
    TailCall,
    ExtendedConst,
    MultiMemory,
    Memory64,
    Threads,
    Exceptions,
    FunctionReferences,
    Gc,
    CustomPageSizes,
    WideArithmetic,
    CustomDescriptors,
}

impl Feature {
    pub const ALL: [Feature; 14] = [
        Feature::Simd,
        Feature::ReferenceTypes,
        Feature::RelaxedSimd,
        Feature::TailCall,
        Feature::ExtendedConst,
        Feature::MultiMemory,
        Feature::Memory64,
        Feature::Threads,
        Feature::Exceptions,
        Feature::FunctionReferences,
        Feature::Gc,
        Feature::CustomPageSizes,
        Feature::WideArithmetic,
        Feature::CustomDescriptors,
    ];

    /// What Wasm 2.0 adds to the base: the features the wasm-v2 spec testsuite needs.
    pub const WASM2: &[Feature] = &[Feature::Simd, Feature::ReferenceTypes];

    fn wasmparser(self) -> WasmFeatures {
        match self {
            Feature::Simd => WasmFeatures::SIMD,
            Feature::ReferenceTypes => WasmFeatures::REFERENCE_TYPES,
            Feature::RelaxedSimd => WasmFeatures::RELAXED_SIMD,
            Feature::TailCall => WasmFeatures::TAIL_CALL,
            Feature::ExtendedConst => WasmFeatures::EXTENDED_CONST,
            Feature::MultiMemory => WasmFeatures::MULTI_MEMORY,
            Feature::Memory64 => WasmFeatures::MEMORY64,
            Feature::Threads => WasmFeatures::THREADS,
            Feature::Exceptions => WasmFeatures::EXCEPTIONS,
            Feature::FunctionReferences => WasmFeatures::FUNCTION_REFERENCES,
            Feature::Gc => WasmFeatures::GC,
            Feature::CustomPageSizes => WasmFeatures::CUSTOM_PAGE_SIZES,
            Feature::WideArithmetic => WasmFeatures::WIDE_ARITHMETIC,
            Feature::CustomDescriptors => WasmFeatures::CUSTOM_DESCRIPTORS,
        }
    }
}

impl std::fmt::Display for Feature {
    /// The same words as the serialized form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Feature::Simd => "simd",
            Feature::ReferenceTypes => "reference-types",
            Feature::RelaxedSimd => "relaxed-simd",
            Feature::TailCall => "tail-call",
            Feature::ExtendedConst => "extended-const",
            Feature::MultiMemory => "multi-memory",
            Feature::Memory64 => "memory64",
            Feature::Threads => "threads",
            Feature::Exceptions => "exceptions",
            Feature::FunctionReferences => "function-references",
            Feature::Gc => "gc",
            Feature::CustomPageSizes => "custom-page-sizes",
            Feature::WideArithmetic => "wide-arithmetic",
            Feature::CustomDescriptors => "custom-descriptors",
        })
    }
}

/// What every configuration runs.
fn base() -> WasmFeatures {
    WasmFeatures::WASM1
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
}

fn with(features: &[Feature]) -> WasmFeatures {
    features.iter().fold(base(), |set, f| set | f.wasmparser())
}

/// What a configuration can make of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    Supported,
    /// Valid Wasm that needs these features, which the configuration lacks.
    Unsupported(Vec<Feature>),
    /// Valid Wasm only with proposals Concord does not name (`custom-descriptors`, say): no
    /// configuration declares them, so no configuration is asked to run it.
    Beyond(Vec<String>),
    /// Not valid Wasm under any feature set: the validator's reason.
    Invalid(String),
}

/// Whether a configuration that runs `supported` can run `wasm`.
pub fn support(wasm: &[u8], supported: &[Feature]) -> Support {
    if Validator::new_with_features(with(supported)).validate_all(wasm).is_ok() {
        return Support::Supported;
    }
    if let Err(error) = Validator::new_with_features(with(&Feature::ALL)).validate_all(wasm) {
        return match beyond(wasm) {
            Some(proposals) => Support::Beyond(proposals),
            None => Support::Invalid(error.to_string()),
        };
    }
    let needed: Vec<Feature> = Feature::ALL
        .into_iter()
        .filter(|f| !supported.contains(f))
        .filter(|f| {
            let without: Vec<Feature> = Feature::ALL.into_iter().filter(|g| g != f).collect();
            Validator::new_with_features(with(&without)).validate_all(wasm).is_err()
        })
        .collect();
    Support::Unsupported(needed)
}

/// The proposals outside [`Feature::ALL`] that make `wasm` valid, by the validator's names for
/// them; `None` when none does.
fn beyond(wasm: &[u8]) -> Option<Vec<String>> {
    let everything = WasmFeatures::all();
    Validator::new_with_features(everything).validate_all(wasm).ok()?;
    let unnamed = everything.difference(with(&Feature::ALL));
    let needed = unnamed
        .iter_names()
        .filter(|(_, flag)| Validator::new_with_features(everything.difference(*flag)).validate_all(wasm).is_err())
        .map(|(name, _)| name.to_lowercase().replace('_', "-"))
        .collect();
    Some(needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm(text: &str) -> Vec<u8> {
        wat::parse_str(text).unwrap()
    }

    #[test]
    fn a_module_needing_a_missing_feature_is_unsupported_and_names_it() {
        let simd = wasm("(module (func (result v128) (v128.const i64x2 0 0)))");
        assert_eq!(support(&simd, Feature::WASM2), Support::Supported);
        assert_eq!(support(&simd, &[]), Support::Unsupported(vec![Feature::Simd]));
        let memory64 = wasm("(module (memory i64 1))");
        assert_eq!(support(&memory64, Feature::WASM2), Support::Unsupported(vec![Feature::Memory64]));
        assert!(matches!(support(b"\0asm\x01\0\0\0\x7f", &[]), Support::Invalid(_)));
        assert_eq!(Feature::MultiMemory.to_string(), "multi-memory");
    }

    #[test]
    fn a_module_needing_a_proposal_concord_does_not_name_is_beyond_and_names_it() {
        // A shared function type: the shared-everything-threads proposal.
        let shared = wasm("(module (type (shared (func))))");
        assert_eq!(support(&shared, &Feature::ALL), Support::Beyond(vec!["shared-everything-threads".into()]));
        let exact = wasm("(module (type $t (struct)) (func (param (ref (exact $t)))))");
        let without: Vec<Feature> = Feature::ALL.into_iter().filter(|f| *f != Feature::CustomDescriptors).collect();
        assert_eq!(support(&exact, &without), Support::Unsupported(vec![Feature::CustomDescriptors]));
    }
}
