//! The rewrite planted faults in modules share: some instructions are sent to a function
//! appended to the module (a call of it in their place), whose body breaks one promise.

use std::borrow::Cow;
use std::convert::Infallible;
use wasm_encoder::reencode::{Error, Reencode, utils};
use wasm_encoder::{CodeSection, Function, FunctionSection, Instruction, TypeSection, ValType};
use wasmparser::{CodeSectionReader, FunctionSectionReader, Operator, Parser, TypeSectionReader};

/// The appended function's type: one the module has, or a new one appended to its types.
pub enum HelperType {
    Existing(u32),
    /// Parameters and results; the module has `types` types before it.
    New {
        types: u32,
        params: Vec<ValType>,
        results: Vec<ValType>,
    },
}

pub struct Detour {
    /// Whether an instruction is replaced by a call of the appended function.
    pub detoured: fn(&Detour, &Operator) -> bool,
    /// A function index the fault's `detoured` compares with (an import it wraps), if any.
    pub target: u32,
    pub ty: HelperType,
    /// The appended function's index: how many functions (imported and defined) the module has.
    pub helper: u32,
    pub body: Function,
}

impl Detour {
    /// `wasm` rewritten; as it was when it cannot be read (the engine then says why).
    pub fn apply<'w>(mut self, wasm: &'w [u8]) -> Cow<'w, [u8]> {
        let mut module = wasm_encoder::Module::new();
        match self.parse_core_module(&mut module, Parser::new(0), wasm) {
            Ok(()) => Cow::Owned(module.finish()),
            Err(_) => Cow::Borrowed(wasm),
        }
    }
}

impl Reencode for Detour {
    type Error = Infallible;

    fn instruction<'a>(&mut self, op: Operator<'a>) -> Result<Instruction<'a>, Error<Infallible>> {
        match (self.detoured)(self, &op) {
            true => Ok(Instruction::Call(self.helper)),
            false => utils::instruction(self, op),
        }
    }

    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: TypeSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        utils::parse_type_section(self, types, section)?;
        if let HelperType::New { params, results, .. } = &self.ty {
            types.ty().function(params.iter().copied(), results.iter().copied());
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: FunctionSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        utils::parse_function_section(self, functions, section)?;
        functions.function(match self.ty {
            HelperType::Existing(ty) => ty,
            HelperType::New { types, .. } => types,
        });
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: CodeSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        utils::parse_code_section(self, code, section)?;
        code.function(&self.body);
        Ok(())
    }
}
