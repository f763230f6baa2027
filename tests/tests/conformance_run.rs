//! The conformance run as the library offers it: the suites in scope, folded into one report.

use concord::conformance::{self, Options, Quiet};
use concord_tests::engines;
use concord_verdict::divergence::Divergences;

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

/// A suite whose agreeing items leave no result still counts every item on every engine, so the
/// matrix, the summary and `report.json` show it as they show cases.
fn counted_per_engine(options: Options, scenario: &str, items: impl Fn(&str) -> usize) {
    let report = conformance::run(&options, &Divergences::builtin(), &Quiet).expect("the run");
    assert_eq!(report.scenario_names(), [scenario]);
    for engine in engines() {
        let count = report.scenario_count(scenario, engine.id()).expect("a count for every engine");
        assert_eq!(count.cases, items(engine.id()), "{scenario} on {}", engine.id());
        let verdicts = count.agree + count.documented + count.diverge + count.unsupported;
        assert_eq!(verdicts, count.cases, "{count:?}");
        assert_eq!(count.diverge, 0, "{count:?}");
    }
    let most = engines().iter().map(|e| items(e.id())).max().unwrap_or(0);
    assert_eq!(report.summary.cases, most);
    let named = match scenario {
        "spec" => format!("{most} spec assertions on"),
        _ => format!("{most} generated modules on"),
    };
    assert!(report.scope().starts_with(&named), "{}", report.scope());
    assert!(report.matrix().lines().any(|line| line.starts_with(scenario)), "{}", report.matrix());
    let json = serde_json::to_value(&report).expect("serializes");
    let rows = json["scenarios"].as_array().expect("scenarios").iter().filter(|r| r["scenario"] == scenario);
    assert_eq!(rows.count(), engines().len());
}

#[test]
fn generated_modules_are_counted_per_engine() {
    let saved = concord_fuzz::saved::load_all(&concord::generated::regressions_dir()).expect("saved modules load");
    let options = Options { generated: 6, ..only("generated") };
    counted_per_engine(options, "generated", |_| 6 + saved.len());
}

#[test]
fn spec_assertions_are_counted_per_engine() {
    let scripts = concord::spec::scripts("memory").expect("the memory files");
    let spec = concord::spec::run(engines(), &scripts, &Divergences::builtin());
    let ran = |engine: &str| {
        spec.counts.iter().filter(|c| c.engine == engine).map(|c| c.passed + c.failed + c.unsupported).sum()
    };
    counted_per_engine(Options { spec: "memory".into(), ..only("spec") }, "spec", ran);
}

/// `report.md` is read, not scrolled: what diverges and the documented mechanisms come first, and
/// no result is listed one by one (they are in report.json and report.html).
#[test]
fn the_markdown_report_summarizes_and_lists_no_result() {
    let report =
        conformance::run(&Options { cases: 16, ..only("kernel") }, &Divergences::builtin(), &Quiet).expect("the run");
    let documented: Vec<_> =
        report.results.iter().filter(|r| r.verdict == concord_verdict::observation::Verdict::Documented).collect();
    assert!(documented.len() > 5, "Extism's kernel rules document differences in the kernel scenario");
    let md = concord_report::md::markdown(&report);
    let sections: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(sections[..2], ["## What diverges", "## Documented differences, by mechanism"], "{md}");
    assert!(md.contains("Nothing: every difference between engines is documented"), "{md}");
    for mechanism in &report.mechanisms {
        let row = format!("| {} | {} |", mechanism.mechanism, mechanism.observations);
        assert!(md.contains(&row), "{row} in\n{md}");
    }
    let listed = documented.iter().filter(|r| md.contains(&format!("{}/{}", r.scenario, r.case))).count();
    assert!(listed <= report.mechanisms.len(), "{listed} results listed one by one:\n{md}");
    assert!(md.lines().count() < 120, "{} lines", md.lines().count());

    // The page's first screen has the same order; the results are below, collapsed and filterable.
    let html = concord_report::html::html(&report);
    let at = |text: &str| html.find(text).unwrap_or_else(|| panic!("{text} in the page"));
    assert!(at("What diverges") < at("Documented differences, by mechanism"));
    assert!(at("Documented differences, by mechanism") < at("Conformance matrix"));
    assert!(at("Conformance matrix") < at("<details id=\"differences\">"));
    let rows = html.matches("data-verdict=\"documented\"").count();
    assert_eq!(rows, documented.len(), "one filterable row per documented result");
}
