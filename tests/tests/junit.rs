//! `--junit`: the report as JUnit XML, read back as a CI system reads it.

use concord::conformance::{self, Options, Quiet};
use concord_tests::engines;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;

fn count(root: roxmltree::Node, attribute: &str) -> usize {
    root.attribute(attribute).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no {attribute} count"))
}

#[test]
fn the_junit_report_parses_and_counts_every_case_on_every_configuration() {
    let options = Options {
        scenario: Some("generated".into()),
        cases: 0,
        skip_costs: true,
        spec: "none".into(),
        generated: 3,
        ..Options::default()
    };
    let generated = conformance::run(&options, &Divergences::builtin(), &Quiet).expect("the run");
    let options = Options { scenario: Some("kernel".into()), cases: 4, generated: 0, ..options };
    let mut report = conformance::run(&options, &Divergences::builtin(), &Quiet).expect("the run");
    // A divergence, as a failing case reads.
    let diverging = &mut report.results[0];
    (diverging.verdict, diverging.note) = (Verdict::Diverge, Some("planted <here> & \"there\"".into()));
    let (scenario, case, engine) = (diverging.scenario.clone(), diverging.case.clone(), diverging.engine.clone());
    report.results.extend(generated.results);
    report.scenarios.extend(generated.scenarios);

    let xml = concord_report::junit::junit(&report);
    let document = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let root = document.root_element();
    assert!(root.has_tag_name("testsuites"));
    let testcases: Vec<_> = root.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    let failures: Vec<_> = root.descendants().filter(|n| n.has_tag_name("failure")).collect();
    assert_eq!(count(root, "tests"), testcases.len());
    assert_eq!(count(root, "failures"), failures.len());
    assert_eq!(count(root, "skipped"), root.descendants().filter(|n| n.has_tag_name("skipped")).count());
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    let names: Vec<_> = suites.iter().filter_map(|s| s.attribute("name")).collect();
    assert_eq!(names, ["kernel", "generated"]);
    for suite in &suites {
        let name = suite.attribute("name").expect("named");
        let cases = suite.children().filter(|n| n.has_tag_name("testcase")).count();
        assert_eq!(count(*suite, "tests"), cases, "{name}");
        // Every case on every configuration: the listed ones, and one case for those that agree unlisted.
        for engine in engines() {
            let classname = format!("{name}.{}", engine.id());
            assert!(suite.children().any(|n| n.attribute("classname") == Some(&classname)), "{classname}");
        }
    }

    assert_eq!(failures.len(), 1, "{xml}");
    let failure = failures[0];
    assert_eq!(failure.attribute("message"), Some("planted <here> & \"there\""));
    let text = failure.text().expect("the divergence's text");
    assert!(
        text.contains(&format!("replay: cargo xtask conformance --scenario {scenario} --engine {engine}")),
        "{text}"
    );
    let testcase = failure.parent().expect("in a test case");
    assert_eq!(testcase.attribute("name"), Some(case.as_str()));
    assert_eq!(testcase.attribute("classname"), Some(format!("{scenario}.{engine}").as_str()));
    let kernel = report.scenario_count("kernel", &engine).expect("counted").cases;
    let listed = suites[0].children().filter(|n| n.attribute("classname") == Some(&format!("kernel.{engine}")));
    assert_eq!(listed.count(), kernel, "every kernel case on {engine} is a test case");
}
