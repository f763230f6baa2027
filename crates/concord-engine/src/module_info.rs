//! What a module declares, read without any engine: used to explain failures the same way on
//! every engine (which import is missing) and to configure engines that need to know up front.

use crate::InstanceConfig;
use crate::outcome::{CompileError, InstantiateFailure, Outcome};
use wasmparser::{Parser, Payload, TypeRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportName {
    pub module: String,
    pub name: String,
    pub is_function: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    pub imports: Vec<ImportName>,
    pub exports: Vec<String>,
    /// Initial and maximum pages of the module's own (not imported) first memory.
    pub memory: Option<(u64, Option<u64>)>,
}

impl ModuleInfo {
    pub fn parse(wasm: &[u8]) -> Result<Self, CompileError> {
        let mut info = ModuleInfo::default();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| CompileError::Invalid(e.to_string()))? {
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import.map_err(|e| CompileError::Invalid(e.to_string()))?;
                        info.imports.push(ImportName {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            is_function: matches!(import.ty, TypeRef::Func(_)),
                        });
                    }
                }
                Payload::MemorySection(section) => {
                    if let Some(memory) = section.into_iter().next() {
                        let memory = memory.map_err(|e| CompileError::Invalid(e.to_string()))?;
                        info.memory.get_or_insert((memory.initial, memory.maximum));
                    }
                }
                Payload::ExportSection(section) => {
                    for export in section {
                        let export = export.map_err(|e| CompileError::Invalid(e.to_string()))?;
                        info.exports.push(export.name.to_string());
                    }
                }
                _ => {}
            }
        }
        Ok(info)
    }

    pub fn imports_module(&self, module: &str) -> bool {
        self.imports.iter().any(|i| i.module == module)
    }

    /// The first import a host that brings its own kernel and all of WASI preview 1 (Extism's
    /// hosts) cannot link under `config`, as the outcome the other engines name it by: a kernel
    /// function Concord's kernel does not have either, WASI when `config` leaves it out, a host
    /// function `config` does not give, or anything but a function.
    pub fn missing_import(&self, config: &InstanceConfig) -> Option<Outcome> {
        let provided = |module: &str, name: &str| match module {
            crate::kernel::ENV_MODULE => crate::resolve(module, name, &[]).is_some(),
            crate::wasi::WASI_MODULE => !config.without_wasi,
            _ => config.host_functions.iter().any(|f| f.module == module && f.name == name),
        };
        let missing = self.imports.iter().find(|i| !i.is_function || !provided(&i.module, &i.name))?;
        Some(Outcome::InstantiateFailed(InstantiateFailure::MissingImport {
            module: missing.module.clone(),
            name: missing.name.clone(),
        }))
    }
}
