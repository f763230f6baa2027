//! A memory limit for an engine that has none of its own (JavaScriptCore, SpiderMonkey): before
//! the engine sees a module, Concord writes the limit as the maximum of every memory the module
//! defines. The engine then holds it as its own maximum: `memory.grow` past it returns -1 and
//! leaves memory as it was. A memory whose initial size is over the limit is refused here, as the
//! instantiation failing on the memory limit. An imported memory is defined, and capped, where
//! it comes from.

use concord_engine::{InstantiateFailure, Outcome};
use wasm_encoder::{MemorySection, MemoryType, RawSection};
use wasmparser::{Parser, Payload};

/// `wasm` with each memory it defines at most `pages` long.
pub fn capped(wasm: &[u8], pages: u64) -> Result<Vec<u8>, Outcome> {
    let invalid = |e: wasmparser::BinaryReaderError| {
        Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { message: e.to_string() })
    };
    let mut module = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(invalid)?;
        if let Payload::MemorySection(reader) = &payload {
            let mut memories = MemorySection::new();
            for memory in reader.clone() {
                let memory = memory.map_err(invalid)?;
                if memory.initial > pages {
                    return Err(Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit));
                }
                memories.memory(MemoryType {
                    minimum: memory.initial,
                    maximum: Some(memory.maximum.map_or(pages, |max| max.min(pages))),
                    memory64: memory.memory64,
                    shared: memory.shared,
                    page_size_log2: memory.page_size_log2,
                });
            }
            module.section(&memories);
        } else if let Some((id, range)) = payload.as_section() {
            module.section(&RawSection { id, data: &wasm[range.start as usize..range.end as usize] });
        }
    }
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memories(wasm: &[u8]) -> Vec<(u64, Option<u64>)> {
        let mut found = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::MemorySection(reader) = payload.unwrap() {
                found.extend(reader.into_iter().map(|m| m.map(|m| (m.initial, m.maximum)).unwrap()));
            }
        }
        found
    }

    /// `(module (memory 1) (memory 2 8) (memory 3 4) (func (export "f")) (data (i32.const 0) "x"))`
    /// with multi-memory, written out by hand so that this crate needs no text parser.
    fn module() -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let mut functions = wasm_encoder::FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut memories = MemorySection::new();
        for (minimum, maximum) in [(1, None), (2, Some(8)), (3, Some(4))] {
            memories.memory(MemoryType { minimum, maximum, memory64: false, shared: false, page_size_log2: None });
        }
        module.section(&memories);
        let mut exports = wasm_encoder::ExportSection::new();
        exports.export("f", wasm_encoder::ExportKind::Func, 0);
        module.section(&exports);
        let mut code = wasm_encoder::CodeSection::new();
        let mut body = wasm_encoder::Function::new([]);
        body.instructions().end();
        code.function(&body);
        module.section(&code);
        module.finish()
    }

    #[test]
    fn every_defined_memory_gets_the_limit_as_its_maximum_and_the_rest_is_kept() {
        let wasm = module();
        let capped = capped(&wasm, 5).unwrap();
        assert_eq!(memories(&capped), [(1, Some(5)), (2, Some(5)), (3, Some(4))]);
        assert_eq!(capped.len(), wasm.len() + 1, "only the memory section changed: one maximum added");
        let features = wasmparser::WasmFeatures::default() | wasmparser::WasmFeatures::MULTI_MEMORY;
        wasmparser::Validator::new_with_features(features).validate_all(&capped).expect("still valid");
    }

    #[test]
    fn an_initial_memory_over_the_limit_is_the_instantiation_failing_on_it() {
        let refused = capped(&module(), 2).unwrap_err();
        assert_eq!(refused, Outcome::InstantiateFailed(InstantiateFailure::MemoryLimit));
        assert!(capped(&module(), 3).is_ok());
    }
}
