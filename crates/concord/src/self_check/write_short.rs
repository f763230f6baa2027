//! The `wasi-write-short` fault: a plugin rewritten so every call of its `fd_write` import goes
//! through an appended function that calls the real one and then tells the guest it wrote one
//! byte fewer. Only a sequence that writes and reads back the count shows it, which the `wasi`
//! scenario does and the other scenarios' guests, which do not write through WASI, cannot.

use concord_engine::wasi::WASI_MODULE;
use std::borrow::Cow;
use std::convert::Infallible;
use wasm_encoder::reencode::{Error, Reencode, utils};
use wasm_encoder::{CodeSection, Function, FunctionSection, Instruction, MemArg, MemArgTarget, ValType};
use wasmparser::{CodeSectionReader, FunctionSectionReader, Operator, Parser, Payload, TypeRef};

/// `wasm` with its `fd_write` answering one byte short; as it was when it imports no `fd_write`,
/// or cannot be read (the engine then says why).
pub fn rewrite(wasm: &[u8]) -> Cow<'_, [u8]> {
    let Some((fd_write, ty, functions)) = find(wasm) else { return Cow::Borrowed(wasm) };
    let mut rewriter = Rewriter { fd_write, ty, helper: functions };
    let mut module = wasm_encoder::Module::new();
    match rewriter.parse_core_module(&mut module, Parser::new(0), wasm) {
        Ok(()) => Cow::Owned(module.finish()),
        Err(_) => Cow::Borrowed(wasm),
    }
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

struct Rewriter {
    fd_write: u32,
    ty: u32,
    helper: u32,
}

impl Reencode for Rewriter {
    type Error = Infallible;

    fn instruction<'a>(&mut self, op: Operator<'a>) -> Result<Instruction<'a>, Error<Infallible>> {
        match op {
            Operator::Call { function_index } if function_index == self.fd_write => Ok(Instruction::Call(self.helper)),
            op => utils::instruction(self, op),
        }
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: FunctionSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        utils::parse_function_section(self, functions, section)?;
        functions.function(self.ty);
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: CodeSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        utils::parse_code_section(self, code, section)?;
        let word = MemArg { offset: 0, align: 2, target: MemArgTarget::Memory(0), ordering: None };
        let mut short = Function::new([(1, ValType::I32)]);
        for param in 0..4 {
            short.instruction(&Instruction::LocalGet(param));
        }
        short
            .instruction(&Instruction::Call(self.fd_write))
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
        code.function(&short);
        Ok(())
    }
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
