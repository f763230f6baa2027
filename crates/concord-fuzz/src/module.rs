//! A module under test: its bytes, the seed it came from, and the arguments each export is
//! called with. Arguments are derived from the seed and the export's name (not its position), so
//! they stay put while shrinking removes other exports; a saved module fixes them outright.

use crate::generate::{self, bytes};
use concord_engine::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wasmparser::ValType;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedModule {
    pub seed: u64,
    #[serde(skip)]
    pub wasm: Vec<u8>,
    /// Arguments by export name, where fixed; others are derived from the seed.
    #[serde(default)]
    pub arguments: BTreeMap<String, Vec<Value>>,
}

impl GeneratedModule {
    /// The module `wasm-smith` makes from `seed`.
    pub fn from_seed(seed: u64) -> Result<Self, String> {
        Ok(GeneratedModule { seed, wasm: generate::module(seed)?, arguments: BTreeMap::new() })
    }

    /// The module `wasm-smith` makes of a fuzzer's input. Its seed, from which the exports'
    /// arguments and the configuration's variations come, is a hash of the input (FNV-1a), so the
    /// same input is the same module with the same calls.
    pub fn from_entropy(entropy: &[u8]) -> Result<Self, String> {
        let seed = entropy
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3));
        Ok(GeneratedModule { seed, wasm: generate::module_from(entropy, seed)?, arguments: BTreeMap::new() })
    }

    /// The same module with other bytes (a shrinking candidate).
    pub fn with_wasm(&self, wasm: Vec<u8>) -> Self {
        GeneratedModule { wasm, ..self.clone() }
    }

    /// What `export` is called with.
    pub fn arguments_for(&self, export: &str, params: &[ValType]) -> Vec<Value> {
        match self.arguments.get(export) {
            Some(fixed) => fixed.clone(),
            None => derive(self.seed, export, params),
        }
    }

    /// The module with every export's arguments written down, as a saved module keeps them.
    pub fn fixed(mut self) -> Self {
        let functions = crate::exports::exports(&self.wasm).functions;
        self.arguments = functions.iter().map(|f| (f.name.clone(), self.arguments_for(&f.name, &f.params))).collect();
        self
    }

    /// Instructions in its function bodies: how small a shrunk module got.
    pub fn instructions(&self) -> usize {
        let mut count = 0;
        for payload in wasmparser::Parser::new(0).parse_all(&self.wasm).flatten() {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload
                && let Ok(reader) = body.get_operators_reader()
            {
                // The `end` closing each body is not an instruction anyone wrote.
                count += reader.into_iter().count().saturating_sub(1);
            }
        }
        count
    }
}

/// Edge values most of the time, from the seed and the export's name.
fn derive(seed: u64, export: &str, params: &[ValType]) -> Vec<Value> {
    // FNV-1a: a stable hash of the name, the same on every machine and release.
    let name = export.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let entropy = bytes(seed ^ name, params.len() * 9);
    params
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let pick = entropy[i * 9];
            let random = u64::from_le_bytes(entropy[i * 9 + 1..i * 9 + 9].try_into().expect("8 bytes"));
            let edge32 = [0u32, 1, u32::MAX, 0x8000_0000, 0x7fff_ffff, 0x1_0000, random as u32];
            let edge64 = [0u64, 1, u64::MAX, 1 << 63, u64::MAX >> 1, 0x1_0000, random];
            let f32s = [0f32, -0.0, 1.0, f32::INFINITY, f32::NAN, f32::MIN_POSITIVE, f32::from_bits(random as u32)];
            let f64s = [0f64, -0.0, 1.0, f64::INFINITY, f64::NAN, f64::MIN_POSITIVE, f64::from_bits(random)];
            let k = pick as usize % 7;
            match ty {
                ValType::I32 => Value::I32(edge32[k]),
                ValType::I64 => Value::I64(edge64[k]),
                ValType::F32 => Value::F32(f32s[k].to_bits()),
                ValType::F64 => Value::F64(f64s[k].to_bits()),
                ValType::V128 => Value::V128(u128::from(random) << 64 | u128::from(random)),
                ValType::Ref(_) => Value::FuncRef { null: true },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_follow_the_export_name_and_fixed_ones_win() {
        let module = GeneratedModule::from_seed(7).unwrap();
        let params = [ValType::I64, ValType::F32, ValType::I32];
        assert_eq!(module.arguments_for("a", &params), module.arguments_for("a", &params));
        let names: Vec<String> = (0..16).map(|i| i.to_string()).collect();
        assert!(names.iter().any(|n| module.arguments_for(n, &params) != module.arguments_for("a", &params)));
        let mut fixed = module.clone();
        fixed.arguments.insert("a".into(), vec![Value::I32(9)]);
        assert_eq!(fixed.arguments_for("a", &params), vec![Value::I32(9)]);
    }
}
