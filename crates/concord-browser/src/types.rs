//! What the Rust side must know of a module that V8 will not say: the type of each export and
//! import. V8's JavaScript API reflects no function types, and the plugin ABI, import matching and
//! the typed layer's wrappers all need them.

use concord_engine::CompileError;
use wasmparser::{CompositeInnerType, ExternalKind, FuncType, GlobalType, Parser, Payload, TypeRef};

#[derive(Debug, Clone, Default)]
pub struct ModuleTypes {
    /// Imports in order; `func` is the type of a function import.
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
}

#[derive(Debug, Clone)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub func: Option<FuncType>,
}

#[derive(Debug, Clone)]
pub enum Export {
    Func { name: String, ty: FuncType },
    Global { name: String, ty: GlobalType },
    Other { name: String },
}

impl Export {
    pub fn name(&self) -> &str {
        match self {
            Export::Func { name, .. } | Export::Global { name, .. } | Export::Other { name } => name,
        }
    }
}

impl ModuleTypes {
    pub fn parse(wasm: &[u8]) -> Result<Self, CompileError> {
        let invalid = |e: wasmparser::BinaryReaderError| CompileError::Invalid(e.to_string());
        let mut types: Vec<Option<FuncType>> = Vec::new();
        let mut funcs: Vec<Option<FuncType>> = Vec::new();
        let mut globals: Vec<GlobalType> = Vec::new();
        let mut module = ModuleTypes::default();
        let mut exports = Vec::new();
        let func_type = |types: &[Option<FuncType>], index: u32| types.get(index as usize).cloned().flatten();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(invalid)? {
                Payload::TypeSection(section) => {
                    for group in section {
                        for sub in group.map_err(invalid)?.into_types() {
                            types.push(match sub.composite_type.inner {
                                CompositeInnerType::Func(ty) => Some(ty),
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import.map_err(invalid)?;
                        let func = match import.ty {
                            TypeRef::Func(index) => {
                                let ty = func_type(&types, index);
                                funcs.push(ty.clone());
                                ty
                            }
                            TypeRef::Global(ty) => {
                                globals.push(ty);
                                None
                            }
                            _ => None,
                        };
                        module.imports.push(Import {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            func,
                        });
                    }
                }
                Payload::FunctionSection(section) => {
                    for index in section {
                        funcs.push(func_type(&types, index.map_err(invalid)?));
                    }
                }
                Payload::GlobalSection(section) => {
                    for global in section {
                        globals.push(global.map_err(invalid)?.ty);
                    }
                }
                Payload::ExportSection(section) => {
                    for export in section {
                        let export = export.map_err(invalid)?;
                        exports.push((export.name.to_string(), export.kind, export.index));
                    }
                }
                _ => {}
            }
        }
        module.exports = exports
            .into_iter()
            .map(|(name, kind, index)| match kind {
                ExternalKind::Func => match funcs.get(index as usize).cloned().flatten() {
                    Some(ty) => Export::Func { name, ty },
                    None => Export::Other { name },
                },
                ExternalKind::Global => match globals.get(index as usize) {
                    Some(ty) => Export::Global { name, ty: *ty },
                    None => Export::Other { name },
                },
                _ => Export::Other { name },
            })
            .collect();
        Ok(module)
    }

    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name() == name)
    }
}
