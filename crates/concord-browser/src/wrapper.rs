//! The typed layer's wrapper modules. A float crossing into JavaScript loses its NaN payload (an
//! f32 becomes a double and back) and a v128 cannot cross at all, so every exported function and
//! global is reached through a small module that imports it from the wrapped instance (as module
//! "module") and passes integer bits instead: f32 as i32, f64 as i64, v128 as two i64 (low lane
//! first). Calls between the two instances stay inside V8's Wasm, where bits are kept exactly.

use crate::types::{Export, ModuleTypes};
use wasm_encoder::{
    CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, GlobalType, ImportSection,
    Instruction, Module, TypeSection, ValType,
};

/// The prefix of the getter the wrapper exports for a global.
pub const GLOBAL_GETTER: &str = "concord:global:";

/// A value as JavaScript carries it: its wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Carried {
    I32,
    I64,
    FuncRef,
    ExternRef,
}

/// How a value of `ty` crosses: as which carried values, or `None` when it cannot.
pub fn carried(ty: wasmparser::ValType) -> Option<&'static [Carried]> {
    use wasmparser::ValType as V;
    Some(match ty {
        V::I32 | V::F32 => &[Carried::I32],
        V::I64 | V::F64 => &[Carried::I64],
        V::V128 => &[Carried::I64, Carried::I64],
        V::Ref(r) if r == wasmparser::RefType::FUNCREF => &[Carried::FuncRef],
        V::Ref(r) if r == wasmparser::RefType::EXTERNREF => &[Carried::ExternRef],
        V::Ref(_) => return None,
    })
}

/// How values of `types` cross, one after another, or `None` when one cannot.
pub fn carried_types(types: &[wasmparser::ValType]) -> Option<Vec<Carried>> {
    types.iter().try_fold(Vec::new(), |mut all, ty| {
        all.extend_from_slice(carried(*ty)?);
        Some(all)
    })
}

fn encoder_type(ty: Carried) -> ValType {
    match ty {
        Carried::I32 => ValType::I32,
        Carried::I64 => ValType::I64,
        Carried::FuncRef => ValType::FUNCREF,
        Carried::ExternRef => ValType::EXTERNREF,
    }
}

fn original(ty: wasmparser::ValType) -> ValType {
    ValType::try_from(ty).expect("a type `carried` accepts")
}

/// Pushes the carried values in locals `first..` as one value of `ty`.
fn arrive(body: &mut Function, ty: wasmparser::ValType, first: u32) {
    use wasmparser::ValType as V;
    body.instruction(&Instruction::LocalGet(first));
    match ty {
        V::F32 => {
            body.instruction(&Instruction::F32ReinterpretI32);
        }
        V::F64 => {
            body.instruction(&Instruction::F64ReinterpretI64);
        }
        V::V128 => {
            body.instruction(&Instruction::I64x2Splat);
            body.instruction(&Instruction::LocalGet(first + 1));
            body.instruction(&Instruction::I64x2ReplaceLane(1));
        }
        _ => {}
    }
}

/// Pushes local `local` (of type `ty`) as its carried values.
fn depart(body: &mut Function, ty: wasmparser::ValType, local: u32) {
    use wasmparser::ValType as V;
    body.instruction(&Instruction::LocalGet(local));
    match ty {
        V::F32 => {
            body.instruction(&Instruction::I32ReinterpretF32);
        }
        V::F64 => {
            body.instruction(&Instruction::I64ReinterpretF64);
        }
        V::V128 => {
            body.instruction(&Instruction::I64x2ExtractLane(0));
            body.instruction(&Instruction::LocalGet(local));
            body.instruction(&Instruction::I64x2ExtractLane(1));
        }
        _ => {}
    }
}

/// Leaves `results` (on the stack, of these types) as their carried values: each is stored in a
/// local from `first` on, then pushed again converted.
fn depart_all(body: &mut Function, results: &[wasmparser::ValType], first: u32) {
    for i in (0..results.len() as u32).rev() {
        body.instruction(&Instruction::LocalSet(first + i));
    }
    for (i, ty) in results.iter().enumerate() {
        depart(body, *ty, first + i as u32);
    }
}

/// The wrapper for a module with these exports. Exports whose types cannot cross are left out;
/// invoking them is then unsupported.
pub fn wrapper(module: &ModuleTypes) -> Vec<u8> {
    struct Wrapped<'a> {
        name: String,
        params: &'a [wasmparser::ValType],
        results: &'a [wasmparser::ValType],
        import: u32,
        global: bool,
    }
    let (mut types, mut imports, mut functions, mut exports, mut code) =
        (TypeSection::new(), ImportSection::new(), FunctionSection::new(), ExportSection::new(), CodeSection::new());
    let mut wrapped = Vec::new();
    let (mut function_imports, mut global_imports) = (0, 0);
    for export in &module.exports {
        match export {
            Export::Func { name, ty } => {
                if carried_types(ty.params()).is_none() || carried_types(ty.results()).is_none() {
                    continue;
                }
                types
                    .ty()
                    .function(ty.params().iter().map(|t| original(*t)), ty.results().iter().map(|t| original(*t)));
                imports.import("module", name, EntityType::Function(types.len() - 1));
                wrapped.push(Wrapped {
                    name: name.clone(),
                    params: ty.params(),
                    results: ty.results(),
                    import: function_imports,
                    global: false,
                });
                function_imports += 1;
            }
            Export::Global { name, ty } => {
                if carried(ty.content_type).is_none() {
                    continue;
                }
                let global = GlobalType { val_type: original(ty.content_type), mutable: ty.mutable, shared: false };
                imports.import("module", name, EntityType::Global(global));
                wrapped.push(Wrapped {
                    name: name.clone(),
                    params: &[],
                    results: std::slice::from_ref(&ty.content_type),
                    import: global_imports,
                    global: true,
                });
                global_imports += 1;
            }
            Export::Other { .. } => {}
        }
    }
    for (index, item) in wrapped.iter().enumerate() {
        let params = carried_types(item.params).expect("checked above");
        let results = carried_types(item.results).expect("checked above");
        types.ty().function(params.iter().map(|t| encoder_type(*t)), results.iter().map(|t| encoder_type(*t)));
        functions.function(types.len() - 1);
        let mut body = Function::new_with_locals_types(item.results.iter().map(|t| original(*t)));
        if item.global {
            body.instruction(&Instruction::GlobalGet(item.import));
        } else {
            let mut local = 0;
            for ty in item.params {
                arrive(&mut body, *ty, local);
                local += carried(*ty).expect("checked above").len() as u32;
            }
            body.instruction(&Instruction::Call(item.import));
        }
        depart_all(&mut body, item.results, params.len() as u32);
        body.instruction(&Instruction::End);
        code.function(&body);
        let name = match item.global {
            true => format!("{GLOBAL_GETTER}{}", item.name),
            false => item.name.clone(),
        };
        exports.export(&name, ExportKind::Func, function_imports + index as u32);
    }
    let mut wasm = Module::new();
    wasm.section(&types).section(&imports).section(&functions).section(&exports).section(&code);
    wasm.finish()
}
