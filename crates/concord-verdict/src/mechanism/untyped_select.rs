//! Whether a module holds an untyped `select` whose two value operands have no type: in
//! unreachable code, where the validator's stack is polymorphic, its result is of the bottom type
//! and may feed an instruction of any width (tinywasm 0.10 and 0.11 take it for 32 bits).

use wasmparser::{FuncValidatorAllocations, Operator, Parser, Payload, Validator, WasmFeatures};

pub fn has_untyped_select_on_unknown_operands(wasm: &[u8]) -> bool {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut allocations = FuncValidatorAllocations::default();
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { return false };
        let body = match payload {
            Payload::CodeSectionEntry(body) => body,
            other => {
                if validator.payload(&other).is_err() {
                    return false;
                }
                continue;
            }
        };
        let Ok(to_validate) = validator.code_section_entry(&body) else { return false };
        let mut function = to_validate.into_validator(std::mem::take(&mut allocations));
        let Ok(mut locals) = body.get_locals_reader() else { return false };
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let Ok((count, ty)) = locals.read() else { return false };
            if function.define_locals(offset, count, ty).is_err() {
                return false;
            }
        }
        let Ok(mut operators) = body.get_operators_reader() else { return false };
        while !operators.eof() {
            let offset = operators.original_position();
            let Ok(operator) = operators.read() else { return false };
            if matches!(operator, Operator::Select) && unknown_operands(&function) {
                return true;
            }
            if function.op(offset, &operator).is_err() {
                return false;
            }
        }
        allocations = function.into_allocations();
    }
    false
}

/// In unreachable code, both values an untyped `select` would pick from (below its condition)
/// have no known type.
fn unknown_operands<T: wasmparser::WasmModuleResources>(function: &wasmparser::FuncValidator<T>) -> bool {
    let unreachable = function.get_control_frame(0).is_some_and(|frame| frame.unreachable);
    let untyped = |depth| !matches!(function.get_operand_type(depth), Some(Some(_)));
    unreachable && untyped(1) && untyped(2)
}

#[cfg(test)]
mod tests {
    use super::has_untyped_select_on_unknown_operands as holds;

    fn module(body: &str) -> Vec<u8> {
        wat::parse_str(format!("(module (func (result i64) {body}))")).expect("the test module parses")
    }

    #[test]
    fn only_a_select_on_operands_of_no_type_counts() {
        assert!(holds(&module("unreachable select i64.popcnt")));
        assert!(holds(&module("unreachable i32.const 0 select i64.popcnt")), "the condition may have a type");
        assert!(!holds(&module("unreachable i64.const 1 i64.const 2 i32.const 0 select")), "typed operands");
        assert!(!holds(&module("i64.const 1 i64.const 2 i32.const 0 select")), "reachable");
        assert!(!holds(&module("unreachable i64.const 1 i64.const 2 i32.const 0 select (result i64)")), "typed select");
        assert!(!holds(b"not wasm"));
    }
}
