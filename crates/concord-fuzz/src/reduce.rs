//! Reductions `wasm-shrink` does not make: an export removed (generated modules export
//! everything, which keeps all their code alive), the dead code after every unconditional branch
//! removed, a function's body replaced by `unreachable`, and one instruction removed (kept only
//! where the module still validates). The first three keep a module valid by construction.

use wasm_encoder::reencode::{Error, Reencode, utils};
use wasm_encoder::{CodeSection, ExportSection, Function, Instruction};
use wasmparser::{Export, FunctionBody, Operator, Parser};

type Result<T> = std::result::Result<T, Error<std::convert::Infallible>>;

/// `wasm` without its export `name`.
pub fn without_export(wasm: &[u8], name: &str) -> Option<Vec<u8>> {
    rewrite(wasm, Rewrite::WithoutExport(name))
}

/// `wasm` without the instructions that follow a `br`, `br_table`, `return` or `unreachable`
/// in the same block: they never run, and the stack is polymorphic after those, so the block
/// stays valid without them.
pub fn without_dead_code(wasm: &[u8]) -> Option<Vec<u8>> {
    rewrite(wasm, Rewrite::WithoutDeadCode)
}

/// `wasm` with the body of its `index`th defined function replaced by `unreachable`.
pub fn with_body_unreachable(wasm: &[u8], index: u32) -> Option<Vec<u8>> {
    rewrite(wasm, Rewrite::BodyUnreachable { index, seen: 0 })
}

/// `wasm` without `count` instructions from the `index`th of its `function`th defined function,
/// if it still validates. Runs of two or three go where one cannot: `i64.const 7` with the
/// `i64.add` that consumed it leaves the stack as it was.
pub fn without_instructions(wasm: &[u8], function: u32, index: usize, count: usize) -> Option<Vec<u8>> {
    let reduced = rewrite(wasm, Rewrite::WithoutInstructions { function, skip: index..index + count, seen: 0 })?;
    wasmparser::Validator::new().validate_all(&reduced).ok()?;
    Some(reduced)
}

/// The instructions (closing `end` included) of each function `wasm` defines.
pub fn instruction_counts(wasm: &[u8]) -> Vec<usize> {
    Parser::new(0)
        .parse_all(wasm)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::CodeSectionEntry(body)) => {
                Some(body.get_operators_reader().map_or(0, |r| r.into_iter().count()))
            }
            _ => None,
        })
        .collect()
}

/// The functions `wasm` defines.
pub fn defined_functions(wasm: &[u8]) -> u32 {
    Parser::new(0).parse_all(wasm).filter(|p| matches!(p, Ok(wasmparser::Payload::CodeSectionEntry(_)))).count() as u32
}

enum Rewrite<'n> {
    WithoutExport(&'n str),
    WithoutDeadCode,
    BodyUnreachable { index: u32, seen: u32 },
    WithoutInstructions { function: u32, skip: std::ops::Range<usize>, seen: u32 },
}

fn rewrite(wasm: &[u8], mut rewrite: Rewrite<'_>) -> Option<Vec<u8>> {
    let mut module = wasm_encoder::Module::new();
    rewrite.parse_core_module(&mut module, Parser::new(0), wasm).ok()?;
    Some(module.finish())
}

impl Reencode for Rewrite<'_> {
    type Error = std::convert::Infallible;

    fn parse_export(&mut self, exports: &mut ExportSection, export: Export<'_>) -> Result<()> {
        match self {
            Rewrite::WithoutExport(name) if export.name == *name => Ok(()),
            _ => utils::parse_export(self, exports, export),
        }
    }

    fn parse_function_body(&mut self, code: &mut CodeSection, body: FunctionBody<'_>) -> Result<()> {
        match self {
            Rewrite::WithoutExport(_) => utils::parse_function_body(self, code, body),
            Rewrite::BodyUnreachable { index, seen } => {
                let this = *seen;
                *seen += 1;
                if this != *index {
                    return utils::parse_function_body(self, code, body);
                }
                let mut function = Function::new([]);
                function.instruction(&Instruction::Unreachable).instruction(&Instruction::End);
                code.function(&function);
                Ok(())
            }
            Rewrite::WithoutInstructions { function, skip, seen } => {
                let (this, skip) = (*seen, skip.clone());
                *seen += 1;
                if this != *function {
                    return utils::parse_function_body(self, code, body);
                }
                let mut reduced = self.new_function_with_parsed_locals(&body)?;
                let mut reader = body.get_operators_reader()?;
                let mut at = 0;
                while !reader.eof() {
                    let op = reader.read()?;
                    if !skip.contains(&at) {
                        reduced.instruction(&self.instruction(op)?);
                    }
                    at += 1;
                }
                code.function(&reduced);
                Ok(())
            }
            Rewrite::WithoutDeadCode => {
                let mut function = self.new_function_with_parsed_locals(&body)?;
                let mut reader = body.get_operators_reader()?;
                // While skipping: the blocks opened in the dead code, still to be closed.
                let (mut dead_depth, mut dead) = (0usize, false);
                while !reader.eof() {
                    let op = reader.read()?;
                    let opens = matches!(
                        op,
                        Operator::Block { .. }
                            | Operator::Loop { .. }
                            | Operator::If { .. }
                            | Operator::TryTable { .. }
                    );
                    if dead {
                        match op {
                            _ if opens => dead_depth += 1,
                            Operator::End | Operator::Else if dead_depth > 0 => {
                                dead_depth -= usize::from(matches!(op, Operator::End));
                            }
                            Operator::End | Operator::Else => dead = false,
                            _ => {}
                        }
                        if dead {
                            continue;
                        }
                    }
                    let ends_flow = matches!(
                        op,
                        Operator::Br { .. } | Operator::BrTable { .. } | Operator::Return | Operator::Unreachable
                    );
                    function.instruction(&self.instruction(op)?);
                    dead = ends_flow;
                }
                code.function(&function);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(wasm: &[u8]) -> String {
        wasmprinter::print_bytes(wasm).unwrap()
    }

    #[test]
    fn dead_code_goes_and_the_module_stays_valid() {
        let wasm = wat::parse_str(
            r#"(module (func (export "f") (result i32)
                 block (result i32)
                   i32.const 1
                   br 0
                   i32.const 2
                   block (result i32) i32.const 3 end
                   drop
                   if (result i32) i32.const 4 else i32.const 5 end
                 end
                 i32.const 6
                 i32.add
                 return
                 i32.const 7))"#,
        )
        .unwrap();
        let reduced = without_dead_code(&wasm).unwrap();
        wasmparser::Validator::new().validate_all(&reduced).expect("valid");
        let shown = text(&reduced);
        for gone in ["i32.const 2", "i32.const 3", "i32.const 4", "i32.const 7"] {
            assert!(!shown.contains(gone), "{gone} is dead: {shown}");
        }
        assert!(shown.contains("i32.const 6") && shown.contains("i32.add"), "{shown}");
    }

    #[test]
    fn exports_and_bodies_can_go_one_at_a_time() {
        let wasm = wat::parse_str(
            r#"(module (func (export "a") (result i32) i32.const 1) (func (export "b") i32.const 2 drop))"#,
        )
        .unwrap();
        let without_a = without_export(&wasm, "a").unwrap();
        assert!(!text(&without_a).contains("\"a\""));
        let emptied = with_body_unreachable(&wasm, 1).unwrap();
        wasmparser::Validator::new().validate_all(&emptied).expect("valid");
        assert!(text(&emptied).contains("i32.const 1") && !text(&emptied).contains("i32.const 2"));
        assert_eq!(defined_functions(&wasm), 2);
        assert_eq!(instruction_counts(&wasm), vec![2, 3]);
        assert!(without_instructions(&wasm, 1, 1, 1).is_none(), "without its drop, b leaves a value: invalid");
        let nops = wat::parse_str(r#"(module (func nop i32.const 1 drop))"#).unwrap();
        let fewer = without_instructions(&nops, 0, 0, 1).expect("a nop can go");
        assert_eq!(instruction_counts(&fewer), vec![3]);
        let pair = without_instructions(&nops, 0, 1, 2).expect("a value and its drop go together");
        assert_eq!(instruction_counts(&pair), vec![2]);
    }
}
