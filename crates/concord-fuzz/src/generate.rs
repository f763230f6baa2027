//! Modules from `wasm-smith`, configured so every engine can run them deterministically: no
//! imports, every function exported, at most one memory of at most 16 pages (with or without a
//! declared maximum), a bounded number of functions and instructions, and loops and calls that
//! trap `unreachable` when a fuel global runs out (`ensure_termination`), so runaway code stops at
//! the same instruction on every engine instead of on a clock. Features: the base every
//! configuration runs (no SIMD, no reference types, which not all declare).

use arbitrary::Unstructured;
use wasm_smith::{Config, InstructionKind, InstructionKinds, Module};

/// Loop iterations and calls a module may make before its fuel global traps: few enough that
/// recursion ends before any engine's stack does (wasmi's allows the fewest frames), since the
/// trap that ends it (`unreachable`) cannot be told from the program's own.
pub const TERMINATION_FUEL: u32 = 500;
/// The largest memory a generated module may declare or grow to, in pages.
pub const MAX_MEMORY_PAGES: u64 = 16;
/// Bytes of randomness behind one module.
const ENTROPY: usize = 16 * 1024;

/// The generator's configuration.
pub fn config() -> Config {
    Config {
        max_imports: 0,
        export_everything: true,
        allow_start_export: false,
        min_funcs: 1,
        max_funcs: 8,
        max_instructions: 64,
        max_nesting_depth: 6,
        max_memories: 1,
        max_tables: 1,
        max_table_elements: 64,
        max_memory32_bytes: MAX_MEMORY_PAGES * 65_536,
        max_data_segments: 4,
        max_element_segments: 4,
        max_globals: 8,
        max_types: 16,
        memory64_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        reference_types_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        tail_call_enabled: false,
        threads_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        bulk_memory_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        // A NaN's bits are the engine's choice where the spec allows several: canonicalized,
        // they cannot make engines differ through memory or reinterpretation.
        canonicalize_nans: true,
        ..Config::default()
    }
}

/// The module for `seed`: the same bytes for the same seed, on every machine.
pub fn module(seed: u64) -> Result<Vec<u8>, String> {
    module_from(&bytes(seed, ENTROPY), seed)
}

/// The module `wasm-smith` makes from `entropy`, the low bits of `variant` choosing the
/// configuration's variations: how a seed makes one, and how a fuzzer's input does.
pub fn module_from(entropy: &[u8], variant: u64) -> Result<Vec<u8>, String> {
    let seed = variant;
    let mut u = Unstructured::new(entropy);
    let mut config = config();
    // Half the memories declare a maximum, half do not.
    config.memory_max_size_required = seed & 1 == 0;
    // Every other pair of seeds: longer straight-line integer arithmetic on the arguments
    // (integer operators, locals, globals, `select`). Among 500-odd instructions any one operator
    // is rare: `i64.rem_s` showed in 9 of 400 modules before, 48 after, and a planted
    // `i64.rem_s` fault in 16 of 3,000 modules instead of 1.
    if seed & 2 == 0 {
        config.allowed_instructions = InstructionKinds::new(&[
            InstructionKind::NumericInt,
            InstructionKind::Variable,
            InstructionKind::Parametric,
        ]);
        config.max_instructions = 256;
    }
    let mut module = Module::new(config, &mut u).map_err(|e| format!("wasm-smith: {e}"))?;
    module.ensure_termination(TERMINATION_FUEL).map_err(|e| format!("wasm-smith: {e}"))?;
    Ok(module.to_bytes())
}

/// `len` bytes determined by `seed` (splitmix64).
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..len.div_ceil(8)).flat_map(|_| next().to_le_bytes()).take(len).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_gives_the_same_valid_module() {
        for seed in 0..32 {
            let wasm = module(seed).expect("generates");
            assert_eq!(wasm, module(seed).unwrap(), "seed {seed} is deterministic");
            wasmparser::Validator::new().validate_all(&wasm).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        }
        assert_ne!(module(1).unwrap(), module(2).unwrap());
    }
}
