//! What a module exports, read from its bytes: the functions (with their parameters) a generated
//! module is called through, and the globals and memories an observation reads.

use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType};

/// An exported function and its parameter types.
#[derive(Debug, Clone)]
pub struct Export {
    pub name: String,
    pub params: Vec<ValType>,
}

/// What a module exports, in order: what every engine calls and reads.
#[derive(Debug, Clone, Default)]
pub struct Exports {
    pub functions: Vec<Export>,
    pub globals: Vec<String>,
    pub memories: Vec<String>,
}

/// The module's exported functions (with their parameters), globals and memories, in order.
pub fn exports(wasm: &[u8]) -> Exports {
    let (mut types, mut funcs, mut functions, mut globals) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut memories = Vec::new();
    for payload in Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            Payload::TypeSection(section) => {
                for ty in section.into_iter_err_on_gc_types().flatten() {
                    types.push(ty.params().to_vec());
                }
            }
            Payload::ImportSection(section) => {
                for import in section.into_imports().flatten() {
                    if let TypeRef::Func(ty) = import.ty {
                        funcs.push(ty);
                    }
                }
            }
            Payload::FunctionSection(section) => funcs.extend(section.into_iter().flatten()),
            Payload::ExportSection(section) => {
                for export in section.into_iter().flatten() {
                    match export.kind {
                        ExternalKind::Func => {
                            let params = funcs
                                .get(export.index as usize)
                                .and_then(|&ty| types.get(ty as usize))
                                .cloned()
                                .unwrap_or_default();
                            functions.push(Export { name: export.name.to_string(), params });
                        }
                        ExternalKind::Global => globals.push(export.name.to_string()),
                        ExternalKind::Memory => memories.push(export.name.to_string()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Exports { functions, globals, memories }
}
