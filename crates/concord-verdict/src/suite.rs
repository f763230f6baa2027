//! The suites that are not scenarios of cases: their results carry these names as their scenario.

/// The spec testsuite, command by command.
pub const SPEC: &str = "spec";
/// Generated modules, module by module.
pub const GENERATED: &str = "generated";
