//! Code after `unreachable`, `br`, `return` and the like is still typed by the spec: its operands
//! are polymorphic, not absent. An engine that skips typing it accepts modules the spec rejects.
//! A module is invalid only there when the validator's first error falls on an instruction in
//! such code: one of the control frames around it is marked unreachable when it is read (a block
//! that starts after the branch is dead code too, though its own frame starts afresh).

use wasmparser::{FuncValidatorAllocations, Parser, ValidPayload, Validator, WasmFeatures};

/// Whether `wasm` is invalid only in dead code: a function fails validation there (after an
/// unconditional branch, or in a block inside such code), every other function and every section
/// validates, and none fails in code that runs. A function's validation stops at its first error,
/// so a live-code error after a dead-code one in the same function cannot be seen; the spec's
/// cases are one function each.
pub fn invalid_only_in_unreachable_code(wasm: &[u8]) -> bool {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut failed_in_dead_code = false;
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { return false };
        let (func, body) = match validator.payload(&payload) {
            Ok(ValidPayload::Func(func, body)) => (func, body),
            Ok(_) => continue,
            Err(_) => return false,
        };
        match first_error_in_dead_code(func.into_validator(FuncValidatorAllocations::default()), &body) {
            None => {}
            Some(true) => failed_in_dead_code = true,
            Some(false) => return false,
        }
    }
    failed_in_dead_code
}

/// Where a function body's first validation error is: `None` without one, `Some(true)` in dead
/// code, `Some(false)` in code that runs (or in its locals, or where the body does not parse).
fn first_error_in_dead_code(
    mut validator: wasmparser::FuncValidator<wasmparser::ValidatorResources>,
    body: &wasmparser::FunctionBody<'_>,
) -> Option<bool> {
    let mut reader = body.get_binary_reader();
    if validator.read_locals(&mut reader).is_err() {
        return Some(false);
    }
    while !reader.eof() {
        let dead = (0..).map_while(|depth| validator.get_control_frame(depth)).any(|frame| frame.unreachable);
        let offset = reader.original_position();
        match reader.visit_operator(&mut validator.visitor(offset)) {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Some(dead),
            Err(_) => return Some(false),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm(text: &str) -> Vec<u8> {
        wat::parse_str(text).unwrap()
    }

    #[test]
    fn a_type_error_after_an_unconditional_branch_is_found() {
        // From wasm-v2/unreached-invalid.wast.
        for text in [
            "(module (func (unreachable) (drop (i64.eqz (i32.const 0)))))",
            "(module (func (result i32) (br 0 (i32.const 1)) (f32.const 0)))",
            "(module (func (unreachable) (i32.const 0)))",
            "(module (func (result i32) (return (i32.const 1)) (return (f64.const 1))))",
            "(module (func (block (br 0) (block (drop (i32.eqz (nop)))))))",
        ] {
            assert!(invalid_only_in_unreachable_code(&wasm(text)), "{text}");
        }
    }

    #[test]
    fn a_type_error_in_reachable_code_and_a_valid_module_are_not() {
        for text in [
            "(module (func (drop (i64.eqz (i32.const 0)))))",
            "(module (func (i64.const 0) (unreachable)))",
            "(module (func (unreachable) (drop (i32.eqz (i32.const 0)))))",
            "(module (func (block (br 0)) (drop (i64.eqz (i32.const 0)))))",
            // Dead code in one function does not excuse a type error in another that runs.
            "(module (func (unreachable) (i32.const 0)) (func (drop (i64.eqz (i32.const 0)))))",
        ] {
            assert!(!invalid_only_in_unreachable_code(&wasm(text)), "{text}");
        }
    }
}
