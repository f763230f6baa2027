//! A `.wast` file parsed once into owned, engine-neutral commands (modules already encoded to
//! binary), so one parse serves every engine.

use crate::expect::Expected;
use crate::traps::trap_kinds;
use concord_engine::{TrapKind, Value};
use wast::core::{AbstractHeapType, HeapType, WastArgCore, WastRetCore};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, QuoteWatTest, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};

#[derive(Debug, Clone)]
pub struct Script {
    /// Where it came from, as shown in results (`wasm-v2/memory.wast`).
    pub name: String,
    pub commands: Vec<Command>,
}

#[derive(Debug, Clone)]
pub struct Command {
    /// 1-based line of the directive in its file.
    pub line: usize,
    pub kind: CommandKind,
}

#[derive(Debug, Clone)]
pub enum CommandKind {
    Module {
        name: Option<String>,
        wasm: Vec<u8>,
    },
    Register {
        name: String,
        module: Option<String>,
    },
    /// An action whose result the spec does not check; engines are still compared on it.
    Action(Action),
    AssertReturn {
        action: Action,
        expected: Vec<Expected>,
    },
    /// The action, or the module's instantiation, must trap with one of these kinds (the spec's
    /// message names one, or in older suites either kind of out-of-bounds access).
    AssertTrap {
        exec: Exec,
        traps: Vec<TrapKind>,
        message: String,
    },
    AssertExhaustion {
        action: Action,
    },
    AssertInvalid {
        wasm: Vec<u8>,
    },
    AssertMalformed {
        wasm: Vec<u8>,
    },
    AssertUnlinkable {
        wasm: Vec<u8>,
    },
    /// A directive this runner does not run, counted with the reason.
    Skip {
        directive: &'static str,
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub enum Exec {
    Action(Action),
    Module(Vec<u8>),
}

#[derive(Debug, Clone)]
pub enum Action {
    Invoke { module: Option<String>, name: String, args: Vec<Value> },
    Get { module: Option<String>, global: String },
}

impl CommandKind {
    /// The directive's name, as in the file.
    pub fn directive(&self) -> &'static str {
        match self {
            CommandKind::Module { .. } => "module",
            CommandKind::Register { .. } => "register",
            CommandKind::Action(_) => "invoke",
            CommandKind::AssertReturn { .. } => "assert_return",
            CommandKind::AssertTrap { .. } => "assert_trap",
            CommandKind::AssertExhaustion { .. } => "assert_exhaustion",
            CommandKind::AssertInvalid { .. } => "assert_invalid",
            CommandKind::AssertMalformed { .. } => "assert_malformed",
            CommandKind::AssertUnlinkable { .. } => "assert_unlinkable",
            CommandKind::Skip { directive, .. } => directive,
        }
    }
}

/// Why a `.wast` text could not be read, with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}:{line}:{column}: {message}")]
pub struct ParseError {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Script {
    pub fn parse(name: &str, text: &str) -> Result<Script, ParseError> {
        let error = |e: wast::Error| {
            let (line, column) = e.span().linecol_in(text);
            ParseError { name: name.to_string(), line: line + 1, column: column + 1, message: e.message() }
        };
        // The suite names exports with every Unicode character, confusing ones included.
        let mut lexer = Lexer::new(text);
        lexer.allow_confusing_unicode(true);
        let buffer = ParseBuffer::new_with_lexer(lexer).map_err(error)?;
        let wast: Wast = parser::parse(&buffer).map_err(error)?;
        let line = |span: wast::token::Span| span.linecol_in(text).0 + 1;
        let mut superseded = false;
        let commands = wast
            .directives
            .into_iter()
            .map(|directive| {
                let line = line(directive.span());
                superseded |= expects_wasm1_segment_link_error(&directive);
                let kind = command(directive);
                let kind = if superseded { skip(kind.directive(), WASM1_INSTANTIATION) } else { kind };
                Command { line, kind }
            })
            .collect();
        Ok(Script { name: name.to_string(), commands })
    }

    /// How many commands are assertions (what pass counts are out of).
    pub fn assertions(&self) -> usize {
        self.commands.iter().filter(|c| c.kind.directive().starts_with("assert")).count()
    }
}

/// Why the rest of a file that expects Wasm 1.0's instantiation is not run.
const WASM1_INSTANTIATION: &str = "written for Wasm 1.0's instantiation (a segment out of bounds is a link error and \
     no segment is written), which Wasm 2.0's bulk memory, in every configuration's base, replaced (it traps, and \
     the segments before it stay written); wasm-v2 tests the rule as it is now";

/// Whether a directive expects an out-of-bounds segment to fail linking, as proposals forked before
/// Wasm 2.0 do (`mutable-global`): every later command of the file may depend on nothing written.
fn expects_wasm1_segment_link_error(directive: &WastDirective<'_>) -> bool {
    matches!(directive, WastDirective::AssertUnlinkable { message, .. }
        if ["elements segment does not fit", "data segment does not fit"].iter().any(|m| message.starts_with(m)))
}

fn skip(directive: &'static str, reason: impl Into<String>) -> CommandKind {
    CommandKind::Skip { directive, reason: reason.into() }
}

fn command(directive: WastDirective<'_>) -> CommandKind {
    match directive {
        WastDirective::Module(mut module) => {
            let name = module_name(&module);
            match module.encode() {
                Ok(wasm) => CommandKind::Module { name, wasm },
                Err(e) => skip("module", format!("the module does not encode: {}", e.message())),
            }
        }
        WastDirective::Register { name, module, .. } => {
            CommandKind::Register { name: name.to_string(), module: module.map(|id| id.name().to_string()) }
        }
        WastDirective::Invoke(invoke) => match invoke_action(invoke) {
            Ok(action) => CommandKind::Action(action),
            Err(why) => skip("invoke", why),
        },
        WastDirective::AssertReturn { exec, results, .. } => {
            let action = match exec {
                WastExecute::Invoke(invoke) => invoke_action(invoke),
                WastExecute::Get { module, global, .. } => {
                    Ok(Action::Get { module: module.map(|id| id.name().to_string()), global: global.to_string() })
                }
                WastExecute::Wat(_) => Err("assert_return on a module".to_string()),
            };
            let expected: Result<Vec<Expected>, String> = results.into_iter().map(expected).collect();
            match (action, expected) {
                (Ok(action), Ok(expected)) => CommandKind::AssertReturn { action, expected },
                (Err(why), _) | (_, Err(why)) => skip("assert_return", why),
            }
        }
        WastDirective::AssertTrap { exec, message, .. } => {
            let Some(traps) = trap_kinds(message) else {
                return skip("assert_trap", format!("no trap kind for the message {message:?}"));
            };
            let exec = match exec {
                WastExecute::Invoke(invoke) => invoke_action(invoke).map(Exec::Action),
                WastExecute::Get { .. } => Err("assert_trap on a global".to_string()),
                WastExecute::Wat(mut wat) => {
                    wat.encode().map(Exec::Module).map_err(|e| format!("the module does not encode: {}", e.message()))
                }
            };
            match exec {
                Ok(exec) => CommandKind::AssertTrap { exec, traps, message: message.to_string() },
                Err(why) => skip("assert_trap", why),
            }
        }
        WastDirective::AssertExhaustion { call, .. } => match invoke_action(call) {
            Ok(action) => CommandKind::AssertExhaustion { action },
            Err(why) => skip("assert_exhaustion", why),
        },
        WastDirective::AssertInvalid { module, .. } => match binary("assert_invalid", module) {
            Ok(wasm) => CommandKind::AssertInvalid { wasm },
            Err(skipped) => skipped,
        },
        WastDirective::AssertMalformed { module, .. } => match binary("assert_malformed", module) {
            Ok(wasm) => CommandKind::AssertMalformed { wasm },
            Err(skipped) => skipped,
        },
        WastDirective::AssertUnlinkable { mut module, .. } => match module.encode() {
            Ok(wasm) => CommandKind::AssertUnlinkable { wasm },
            Err(e) => skip("assert_unlinkable", format!("the module does not encode: {}", e.message())),
        },
        WastDirective::ModuleDefinition(_) | WastDirective::ModuleInstance { .. } => {
            skip("module definition", "module definitions and instances (Wasm 3.0 text format)")
        }
        WastDirective::AssertException { .. } => skip("assert_exception", "exceptions"),
        WastDirective::AssertSuspension { .. } => skip("assert_suspension", "stack switching"),
        WastDirective::Thread(_) | WastDirective::Wait { .. } => skip("thread", "threads"),
        WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
            skip("assert_*_custom", "custom sections")
        }
    }
}

fn module_name(module: &QuoteWat<'_>) -> Option<String> {
    match module {
        QuoteWat::Wat(wast::Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
        _ => None,
    }
}

/// The bytes an invalid or malformed module is judged on. A module given as quoted text is a test
/// of the text parser, not of an engine: it is skipped and counted as such.
fn binary(directive: &'static str, mut module: QuoteWat<'_>) -> Result<Vec<u8>, CommandKind> {
    match module.to_test() {
        Ok(QuoteWatTest::Binary(wasm)) => Ok(wasm),
        Ok(QuoteWatTest::Text(_)) => Err(skip(directive, "a text-format module: a test of the text parser")),
        Err(e) => Err(skip(directive, format!("the module does not encode: {}", e.message()))),
    }
}

fn invoke_action(invoke: WastInvoke<'_>) -> Result<Action, String> {
    let args = invoke.args.into_iter().map(argument).collect::<Result<_, _>>()?;
    Ok(Action::Invoke { module: invoke.module.map(|id| id.name().to_string()), name: invoke.name.to_string(), args })
}

fn argument(arg: WastArg<'_>) -> Result<Value, String> {
    let WastArg::Core(core) = arg else { return Err("a component-model argument".into()) };
    Ok(match core {
        WastArgCore::I32(v) => Value::I32(v as u32),
        WastArgCore::I64(v) => Value::I64(v as u64),
        WastArgCore::F32(v) => Value::F32(v.bits),
        WastArgCore::F64(v) => Value::F64(v.bits),
        WastArgCore::V128(v) => Value::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(HeapType::Abstract { ty: AbstractHeapType::Func, .. }) => Value::FuncRef { null: true },
        WastArgCore::RefNull(HeapType::Abstract { ty: AbstractHeapType::Extern, .. }) => Value::ExternRef(None),
        WastArgCore::RefExtern(handle) => Value::ExternRef(Some(handle)),
        other => return Err(format!("an argument of a type this runner does not pass: {other:?}")),
    })
}

fn expected(ret: WastRet<'_>) -> Result<Expected, String> {
    let WastRet::Core(core) = ret else { return Err("a component-model result".into()) };
    Expected::from_wast(core)
}

impl Expected {
    fn from_wast(core: WastRetCore<'_>) -> Result<Expected, String> {
        use crate::expect::{Float, Lanes};
        use wast::core::NanPattern;
        let f32 = |p: NanPattern<wast::token::F32>| match p {
            NanPattern::CanonicalNan => Float::CanonicalNan,
            NanPattern::ArithmeticNan => Float::ArithmeticNan,
            NanPattern::Value(v) => Float::Bits(v.bits as u64),
        };
        let f64 = |p: NanPattern<wast::token::F64>| match p {
            NanPattern::CanonicalNan => Float::CanonicalNan,
            NanPattern::ArithmeticNan => Float::ArithmeticNan,
            NanPattern::Value(v) => Float::Bits(v.bits),
        };
        use wast::core::V128Pattern as P;
        Ok(match core {
            WastRetCore::I32(v) => Expected::Exact(Value::I32(v as u32)),
            WastRetCore::I64(v) => Expected::Exact(Value::I64(v as u64)),
            WastRetCore::F32(p) => Expected::F32(f32(p)),
            WastRetCore::F64(p) => Expected::F64(f64(p)),
            WastRetCore::V128(P::I8x16(lanes)) => Expected::Exact(Value::V128(bytes_of(&lanes.map(|l| l as u8)))),
            WastRetCore::V128(P::I16x8(lanes)) => {
                Expected::Exact(Value::V128(bytes_of(&lanes.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<_>>())))
            }
            WastRetCore::V128(P::I32x4(lanes)) => {
                Expected::Exact(Value::V128(bytes_of(&lanes.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<_>>())))
            }
            WastRetCore::V128(P::I64x2(lanes)) => {
                Expected::Exact(Value::V128(bytes_of(&lanes.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<_>>())))
            }
            WastRetCore::V128(P::F32x4(lanes)) => Expected::V128(Lanes::F32(lanes.map(f32))),
            WastRetCore::V128(P::F64x2(lanes)) => Expected::V128(Lanes::F64(lanes.map(f64))),
            WastRetCore::RefNull(Some(HeapType::Abstract { ty: AbstractHeapType::Func, .. })) => {
                Expected::Exact(Value::FuncRef { null: true })
            }
            WastRetCore::RefNull(Some(HeapType::Abstract { ty: AbstractHeapType::Extern, .. })) => {
                Expected::Exact(Value::ExternRef(None))
            }
            WastRetCore::RefNull(None) => Expected::NullRef,
            WastRetCore::RefExtern(Some(handle)) => Expected::Exact(Value::ExternRef(Some(handle))),
            WastRetCore::RefExtern(None) => Expected::NonNullExtern,
            WastRetCore::RefFunc(_) => Expected::Exact(Value::FuncRef { null: false }),
            WastRetCore::Either(options) => {
                Expected::Either(options.into_iter().map(Expected::from_wast).collect::<Result<_, _>>()?)
            }
            other => return Err(format!("a result of a type this runner does not check: {other:?}")),
        })
    }
}

fn bytes_of(bytes: &[u8]) -> u128 {
    u128::from_le_bytes(bytes.try_into().expect("16 bytes"))
}
