//! The `wasi-write-short` fault: a plugin rewritten so every call of its `fd_write` import goes
//! through an appended function that calls the real one and then tells the guest it wrote one
//! byte fewer. Only a sequence that writes and reads back the count shows it, which the `wasi`
//! scenario does and the other scenarios' guests, which do not write through WASI, cannot.

use super::detour::{Detour, HelperType};
use concord_engine::wasi::WASI_MODULE;
use std::borrow::Cow;
use wasm_encoder::{Function, Instruction, MemArg, MemArgTarget, ValType};
use wasmparser::{Operator, Parser, Payload, TypeRef};

/// `wasm` with its `fd_write` answering one byte short; as it was when it imports no `fd_write`,
/// or cannot be read (the engine then says why).
pub fn rewrite(wasm: &[u8]) -> Cow<'_, [u8]> {
    let Some((fd_write, ty, functions)) = find(wasm) else { return Cow::Borrowed(wasm) };
    let word = MemArg { offset: 0, align: 2, target: MemArgTarget::Memory(0), ordering: None };
    let mut short = Function::new([(1, ValType::I32)]);
    for param in 0..4 {
        short.instruction(&Instruction::LocalGet(param));
    }
    short
        .instruction(&Instruction::Call(fd_write))
        .instruction(&Instruction::LocalTee(4))
        .instruction(&Instruction::I32Eqz)
        .instruction(&Instruction::If(wasm_encoder::BlockType::Empty))
        .instruction(&Instruction::LocalGet(3))
        .instruction(&Instruction::LocalGet(3))
        .instruction(&Instruction::I32Load(word))
        .instruction(&Instruction::I32Const(1))
        .instruction(&Instruction::I32Sub)
        .instruction(&Instruction::I32Store(word))
        .instruction(&Instruction::End)
        .instruction(&Instruction::LocalGet(4))
        .instruction(&Instruction::End);
    Detour {
        detoured: |detour, op| matches!(op, Operator::Call { function_index } if *function_index == detour.target),
        target: fd_write,
        ty: HelperType::Existing(ty),
        helper: functions,
        body: short,
    }
    .apply(wasm)
}

/// The function index and type of the `fd_write` import, and how many functions `wasm` has.
fn find(wasm: &[u8]) -> Option<(u32, u32, u32)> {
    let (mut fd_write, mut functions) = (None, 0);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import.ok()?;
                    if let TypeRef::Func(ty) = import.ty {
                        if import.module == WASI_MODULE && import.name == "fd_write" {
                            fd_write = Some((functions, ty));
                        }
                        functions += 1;
                    }
                }
            }
            Payload::FunctionSection(section) => functions += section.count(),
            _ => {}
        }
    }
    let (index, ty) = fd_write?;
    Some((index, ty, functions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_of_fd_write_go_through_the_short_counter() {
        let wasm = wat::parse_str(
            r#"(module (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
                 (memory 1) (func (export "run") (result i32) (call $w (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 8))))"#,
        )
        .unwrap();
        let rewritten = rewrite(&wasm);
        wasmparser::Validator::new().validate_all(&rewritten).expect("still valid");
        let text = wasmprinter::print_bytes(&rewritten).unwrap();
        assert!(text.contains("call 2"), "{text}");
        let plain = wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 1))"#).unwrap();
        assert!(matches!(rewrite(&plain), Cow::Borrowed(_)), "no fd_write, nothing to rewrite");
    }
}
