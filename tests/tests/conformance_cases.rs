//! Every case file under conformance/cases, every saved regression and a few generated cases of
//! each scenario, on every engine: each engine agrees with the case's expected outcome and with the
//! others, or the difference is documented; no documented difference is stale; every scenario
//! shows up in the report with its case count per engine.

use concord::case::{Case, load_cases};
use concord::case_result::entries;
use concord::runner::Runner;
use concord_report::Report;
use concord_tests::engines;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;

#[test]
fn every_case_agrees_or_is_documented() {
    let dir = concord::conformance_dir();
    let divergences = Divergences::load(&dir.join("divergences.toml")).expect("divergences.toml parses");
    let mut cases = load_cases(&dir.join("cases")).expect("case files parse");
    assert!(!cases.is_empty(), "no cases found under {}", dir.display());
    cases.extend(concord::regression::load_all(&concord::regression::dir()).expect("regressions load"));
    cases.extend(concord::scenario::generate(0xc0c0_5eed, 8, None));
    let mut runner = Runner::new(engines().to_vec());
    let results: Vec<_> = cases.iter().map(|case| runner.run(case, &divergences)).collect();
    let report = Report::new(engines(), entries(&results), &divergences);
    println!("{}", report.matrix());

    let diverging: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::Diverge)
        .map(|r| format!("{}/{} on {}: {}", r.scenario, r.case, r.engine, r.note.as_deref().unwrap_or("")))
        .collect();
    assert!(diverging.is_empty(), "undocumented divergences:\n{}", diverging.join("\n"));
    let stale: Vec<_> =
        report.stale.iter().map(|d| format!("{} {}/{}: {}", d.engine, d.scenario, d.case, d.reason)).collect();
    assert!(stale.is_empty(), "documented divergences that no longer show:\n{}", stale.join("\n"));
    assert_eq!(report.engines.len(), concord::all_engines().len(), "every engine configuration takes part");
    for scenario in ["limits", "growth", "state", "stream", "patterns", "runaway", "kernel"] {
        for engine in &report.engines {
            let count = report.scenarios.iter().find(|c| c.scenario == scenario && c.engine == engine.id);
            assert!(count.is_some_and(|c| c.cases >= 8), "{scenario} on {}: {count:?}", engine.id);
        }
    }
    // An engine fault is the harness's or the engine's failure; only an engine's, documented with
    // its evidence, may stand (Extism's JavaScript host lets some errors escape its promises).
    let undocumented_faults: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.outcome == "engine_fault" && r.verdict != Verdict::Documented)
        .map(|r| format!("{}/{} on {}: {}", r.scenario, r.case, r.engine, r.detail))
        .collect();
    assert!(undocumented_faults.is_empty(), "engine faults:\n{}", undocumented_faults.join("\n"));
    for engine in &report.reliability {
        assert_eq!(engine.hangs, 0, "{}: hangs", engine.engine);
        // runaway/loop-deadline always stops on its deadline, so every engine has an overrun figure.
        let overrun = engine.worst_overrun_ms.expect("a deadline-stopped case is measured");
        assert!(overrun < 5_000.0, "{} ran {overrun} ms past its deadline", engine.engine);
    }
}

/// Every entry points at a case or assertion that shows it; replaying that case must come out
/// documented by exactly this entry on its engine: its mechanism, not another entry's, is what
/// explains it. An entry without a mechanism explains no more than one case (or, in the limits
/// scenario, only what the engine's own documented model of that case already allows).
#[test]
fn every_entry_has_evidence_that_only_it_explains() {
    let dir = concord::conformance_dir();
    let divergences = Divergences::load(&dir.join("divergences.toml")).expect("divergences.toml parses");
    // Whether the entry's engines are held to a documented model of their own in its scenario.
    let model_held = |entry: &concord_verdict::divergence::Divergence| {
        let named: Vec<_> = engines().iter().filter(|e| entry.names_engine(e.id())).collect();
        let cases = concord::scenario::generate(0x3e1d, 16, Some(entry.scenario.as_str()));
        cases.iter().any(|case| named.iter().any(|engine| case.model_for(engine.as_ref()).is_some()))
    };
    for entry in &divergences.entries {
        let pinned = !entry.case.contains('*');
        assert!(entry.mechanism.is_some() || pinned || model_held(entry), "no mechanism, no case: {}", entry.reason);
    }
    let mut runner = Runner::new(engines().to_vec());
    for entry in &divergences.entries {
        let evidence = entry.evidence.as_deref().unwrap_or_else(|| panic!("no evidence for: {}", entry.reason));
        let named: Vec<&str> = engines().iter().map(|e| e.id()).filter(|id| entry.names_engine(id)).collect();
        assert!(!named.is_empty(), "no engine in this build is {}", entry.engine);
        for engine in named {
            let by = documented_on(&mut runner, &divergences, engine, entry.scenario.as_str(), evidence);
            assert_eq!(by.as_deref(), Some(entry.reason.as_str()), "{evidence} on {engine}");
        }
    }
}

/// The reason of the entry that documents `engine` on the evidence `evidence` of `scenario`.
fn documented_on(
    runner: &mut Runner,
    divergences: &Divergences,
    engine: &str,
    scenario: &str,
    evidence: &str,
) -> Option<String> {
    let dir = concord::conformance_dir();
    if scenario == concord::spec::SCENARIO {
        let by = concord::spec::documenting(engines(), engine, evidence, divergences).unwrap_or_else(|e| panic!("{e}"));
        return by.map(|d| d.reason.clone());
    }
    if scenario == concord::generated::SCENARIO {
        let saved = concord_fuzz::saved::load(&dir.join(evidence)).unwrap_or_else(|e| panic!("{e}"));
        let run = concord_fuzz::run_module(engines(), &saved.module, &concord_fuzz::limits());
        let case = format!("regression-{}", saved.name);
        let shown = run.differences.iter().find(|d| d.engine == engine).expect("the evidence shows it");
        return concord::generated::documented(divergences, &case, &saved.module.wasm, shown).map(|d| d.reason.clone());
    }
    let case = match evidence.strip_prefix("cases/").and_then(|file| file.split_once('/')) {
        // A case file: its scenario is its directory, its name the file's stem.
        Some((scenario, file)) => {
            let text = std::fs::read_to_string(dir.join(evidence)).unwrap_or_else(|e| panic!("{evidence}: {e}"));
            let name = file.trim_end_matches(".toml");
            Case::from_file(scenario, name, &text).unwrap_or_else(|e| panic!("{evidence}: {e:#}"))
        }
        None => concord::regression::load(&dir.join(evidence)).unwrap_or_else(|e| panic!("{evidence}: {e:#}")),
    };
    let result = runner.run(&case, divergences);
    let shown = result.engines.into_iter().find(|r| r.engine == engine).expect("the entry's engine ran");
    (shown.verdict == Verdict::Documented).then_some(shown.note).flatten()
}

#[test]
fn report_json_has_the_stable_keys() {
    let dir = concord::conformance_dir();
    let cases = load_cases(&dir.join("cases")).expect("case files parse");
    let case = cases.iter().find(|c| c.id() == "stream/hello").expect("stream/hello exists");
    let mut runner = Runner::new(engines().to_vec());
    let result = runner.run(case, &Divergences::default());
    let report = Report::new(engines(), entries(&[result]), &Divergences::default());
    let json: serde_json::Value = serde_json::to_value(&report).expect("report serializes");
    for engine in json["engines"].as_array().expect("engines is an array") {
        for key in ["id", "engine", "version"] {
            assert!(engine[key].is_string(), "engine entry lacks {key}: {engine}");
        }
    }
    for result in json["results"].as_array().expect("results is an array") {
        for key in ["scenario", "case", "engine", "verdict"] {
            assert!(result[key].is_string(), "result entry lacks {key}: {result}");
        }
        let verdict = result["verdict"].as_str().unwrap();
        assert!(["agree", "diverge", "documented", "unsupported"].contains(&verdict), "verdict {verdict}");
    }
    for key in ["cases", "agree", "diverge", "documented"] {
        assert!(json["summary"][key].is_u64(), "summary lacks {key}");
    }
    let engines = concord::all_engines().len();
    assert_eq!(json["summary"]["agree"], engines, "stream/hello agrees on every configuration: {json:#}");
}
