//! What a module declares, read without any engine: used to explain failures the same way on
//! every engine (which import is missing) and to configure engines that need to know up front.

use concord_engine::InstanceConfig;
use concord_engine::{CompileError, InstantiateFailure, Outcome};
use std::collections::BTreeMap;
use wasmparser::{ExternalKind, Parser, Payload, TypeRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportName {
    pub module: String,
    pub name: String,
    pub is_function: bool,
}

/// An exported function's type, in the number and kinds of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncSig {
    pub params: Vec<wasmparser::ValType>,
    pub results: Vec<wasmparser::ValType>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    pub imports: Vec<ImportName>,
    pub exports: Vec<String>,
    /// The exported functions by name, with their types.
    pub functions: BTreeMap<String, FuncSig>,
    /// Initial and maximum pages of the module's own (not imported) first memory.
    pub memory: Option<(u64, Option<u64>)>,
}

/// Who serves an import of a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    /// The plugin kernel, `extism:host/env` (Extism's, or Concord's in its place).
    Kernel,
    /// WASI preview1.
    Wasi,
    /// A host function the embedder gives.
    HostFunction,
    /// Nobody: the plugin cannot instantiate under this configuration.
    Missing,
}

impl ModuleInfo {
    /// Each import and who serves it under `config`.
    pub fn providers(&self, config: &InstanceConfig) -> Vec<(&ImportName, Provider)> {
        self.imports
            .iter()
            .map(|import| {
                let given = config.host_functions.iter().any(|f| f.module == import.module && f.name == import.name);
                let provider = match import.module.as_str() {
                    _ if !import.is_function => Provider::Missing,
                    _ if given => Provider::HostFunction,
                    crate::kernel::ENV_MODULE if crate::resolve(&import.module, &import.name, &[]).is_some() => {
                        Provider::Kernel
                    }
                    concord_engine::wasi::WASI_MODULE
                        if !config.without_wasi && concord_engine::wasi::function(&import.name).is_some() =>
                    {
                        Provider::Wasi
                    }
                    _ => Provider::Missing,
                };
                (import, provider)
            })
            .collect()
    }

    pub fn parse(wasm: &[u8]) -> Result<Self, CompileError> {
        let mut info = ModuleInfo::default();
        let invalid = |e: wasmparser::BinaryReaderError| CompileError::Invalid(e.to_string());
        // Function types by type index, and each function's type index by function index.
        let mut types: Vec<Option<FuncSig>> = Vec::new();
        let mut function_types: Vec<u32> = Vec::new();
        let mut exported = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| CompileError::Invalid(e.to_string()))? {
                Payload::TypeSection(section) => {
                    for group in section {
                        for ty in group.map_err(invalid)?.into_types() {
                            types.push(match ty.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => {
                                    Some(FuncSig { params: f.params().to_vec(), results: f.results().to_vec() })
                                }
                                _ => None,
                            });
                        }
                    }
                }
                Payload::FunctionSection(section) => {
                    for ty in section {
                        function_types.push(ty.map_err(invalid)?);
                    }
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import.map_err(|e| CompileError::Invalid(e.to_string()))?;
                        if let TypeRef::Func(ty) = import.ty {
                            function_types.push(ty);
                        }
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
                        if export.kind == ExternalKind::Func {
                            exported.push((export.name.to_string(), export.index));
                        }
                    }
                }
                _ => {}
            }
        }
        for (name, index) in exported {
            let sig = function_types.get(index as usize).and_then(|&ty| types.get(ty as usize).cloned().flatten());
            if let Some(sig) = sig {
                info.functions.insert(name, sig);
            }
        }
        Ok(info)
    }

    pub fn imports_module(&self, module: &str) -> bool {
        self.imports.iter().any(|i| i.module == module)
    }

    /// The first import nobody serves under `config` ([`ModuleInfo::providers`]), as the outcome
    /// engines name it by: what Extism's hosts, which link their own kernel and WASI, report too.
    pub fn missing_import(&self, config: &InstanceConfig) -> Option<Outcome> {
        let (missing, _) = self.providers(config).into_iter().find(|(_, provider)| *provider == Provider::Missing)?;
        Some(Outcome::InstantiateFailed(InstantiateFailure::MissingImport {
            module: missing.module.clone(),
            name: missing.name.clone(),
        }))
    }
}
