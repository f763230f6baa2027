//! The conformance run as the library offers it: the suites in scope, folded into one report.

use concord::conformance::{self, Options, Quiet};
use concord::divergence::Divergences;
use concord_tests::engines;

fn only(scenario: &str) -> Options {
    Options {
        scenario: Some(scenario.into()),
        cases: 4,
        skip_costs: true,
        spec: "none".into(),
        generated: 0,
        ..Options::default()
    }
}

#[test]
fn a_run_covers_the_scenario_it_is_asked_for_and_nothing_else() {
    let report = conformance::run(&only("kernel"), &Divergences::builtin(), &Quiet).expect("the run");
    assert_eq!(report.scenario_names(), ["kernel"]);
    assert_eq!(report.engines.len(), engines().len());
    // The case files and saved regressions, and the four drawn cases, each on every engine.
    assert!(report.summary.cases > 4, "{:?}", report.summary);
    assert_eq!(report.summary.results, report.summary.cases * engines().len());
    assert!(!report.has_divergence(), "{}", report.summary.verdicts());
    assert!(report.performance.is_none(), "costs were skipped");
}

#[test]
fn a_scenario_no_suite_covers_is_refused() {
    let error = conformance::run(&only("nope"), &Divergences::builtin(), &Quiet).expect_err("refused");
    assert!(error.to_string().contains("no cases for scenario `nope`"), "{error}");
}
