//! The `rem-s-negative-divisor` fault: a module rewritten so every `i64.rem_s` calls an appended
//! function that flips the remainder's low bit when the divisor is negative. Only code that
//! divides by a negative i64 shows it, which generated modules do and hand-written cases rarely.

use super::detour::{Detour, HelperType};
use std::borrow::Cow;
use wasm_encoder::{Function, Instruction, ValType};
use wasmparser::{Operator, Parser, Payload, TypeRef};

/// `wasm` with its `i64.rem_s` made wrong for negative divisors; as it was when it has none, or
/// when it cannot be read (the engine then says why).
pub fn rewrite(wasm: &[u8]) -> Cow<'_, [u8]> {
    let Some((types, functions)) = counts(wasm) else { return Cow::Borrowed(wasm) };
    let mut wrong = Function::new([]);
    wrong
        .instruction(&Instruction::LocalGet(0))
        .instruction(&Instruction::LocalGet(1))
        .instruction(&Instruction::I64RemS)
        .instruction(&Instruction::LocalGet(1))
        .instruction(&Instruction::I64Const(0))
        .instruction(&Instruction::I64LtS)
        .instruction(&Instruction::I64ExtendI32U)
        .instruction(&Instruction::I64Xor)
        .instruction(&Instruction::End);
    Detour {
        detoured: |_, op| matches!(op, Operator::I64RemS),
        target: 0,
        ty: HelperType::New { types, params: vec![ValType::I64, ValType::I64], results: vec![ValType::I64] },
        helper: functions,
        body: wrong,
    }
    .apply(wasm)
}

/// The types and functions (imported and defined) `wasm` has, when it has an `i64.rem_s`.
fn counts(wasm: &[u8]) -> Option<(u32, u32)> {
    let (mut types, mut functions, mut rem_s) = (None, 0, false);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::TypeSection(section) => types = Some(section.count()),
            Payload::ImportSection(section) => {
                let imports = section.into_imports().filter_map(Result::ok);
                functions += imports.filter(|i| matches!(i.ty, TypeRef::Func(_))).count() as u32;
            }
            Payload::FunctionSection(section) => functions += section.count(),
            Payload::CodeSectionEntry(body) => {
                let mut reader = body.get_operators_reader().ok()?;
                while !reader.eof() {
                    rem_s |= matches!(reader.read().ok()?, Operator::I64RemS);
                }
            }
            _ => {}
        }
    }
    rem_s.then_some((types?, functions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remainders_by_negative_divisors_come_out_wrong_and_others_right() {
        let wasm = wat::parse_str(
            r#"(module (func $unused) (func (export "rem") (param i64 i64) (result i64)
                 local.get 0 local.get 1 i64.rem_s))"#,
        )
        .unwrap();
        let rewritten = rewrite(&wasm);
        wasmparser::Validator::new().validate_all(&rewritten).expect("still valid");
        assert_ne!(*rewritten, wasm[..]);
        let text = wasmprinter::print_bytes(&rewritten).unwrap();
        assert!(text.contains("call 2"), "{text}");
        let plain = wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 1))"#).unwrap();
        assert!(matches!(rewrite(&plain), Cow::Borrowed(_)), "no i64.rem_s, nothing to rewrite");
    }
}
