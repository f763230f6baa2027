//! Every scenario as a property: proptest draws inputs, the model says what must happen, and every
//! engine configuration is held to the model and to the others (Extism to its documented model).
//! A failure shrinks to a minimal case, which is saved under conformance/regressions/ with the
//! command that replays it.

use concord::regression;
use concord::runner::Runner;
use concord_tests::engines;
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};
use std::cell::RefCell;

fn holds(scenario: &str, cases: u32) {
    let scenario = concord::scenario::find(scenario).expect("the scenario exists");
    let divergences =
        Divergences::load(&concord::conformance_dir().join("divergences.toml")).expect("divergences.toml parses");
    let runner = RefCell::new(Runner::new(engines().to_vec()));
    let mut proptest = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let outcome = proptest.run(&scenario.cases(), |case| {
        let result = runner.borrow_mut().run(&case, &divergences);
        let diverging: Vec<_> = result
            .engines
            .iter()
            .filter(|e| e.verdict == Verdict::Diverge)
            .map(|e| format!("{}: {}", e.engine, e.note.as_deref().unwrap_or("")))
            .collect();
        prop_assert!(diverging.is_empty(), "{}:\n{}", case.id(), diverging.join("\n"));
        Ok(())
    });
    match outcome {
        Ok(()) => {}
        Err(TestError::Fail(reason, minimal)) => {
            let saved = regression::save(&regression::dir(), &minimal, &reason.to_string())
                .map(|path| regression::replay_command(&path))
                .unwrap_or_else(|e| format!("(could not save it: {e:#})"));
            panic!("{reason}\nminimal case saved; replay: {saved}");
        }
        Err(TestError::Abort(reason)) => panic!("proptest gave up: {reason}"),
    }
}

#[test]
fn limits_hold_on_every_engine() {
    holds("limits", 32);
}

#[test]
fn growth_matches_the_model_on_every_engine() {
    holds("growth", 32);
}

#[test]
fn state_diffs_match_the_model_on_every_engine() {
    holds("state", 32);
}

#[test]
fn streams_match_the_model_on_every_engine() {
    holds("stream", 24);
}

#[test]
fn memory_patterns_match_the_model_on_every_engine() {
    holds("patterns", 32);
}

#[test]
fn runaway_guests_are_stopped_on_every_engine() {
    holds("runaway", 32);
}

#[test]
fn the_limits_guest_declares_what_its_model_assumes() {
    let info = concord::host::ModuleInfo::parse(&concord_tests::guest("limits")).expect("limits parses");
    assert_eq!(info.memory.map(|(initial, _)| initial), Some(concord::scenario::limits::GUEST_INITIAL_PAGES));
}

#[test]
fn saved_regressions_replay_and_hold() {
    let cases = regression::load_all(&regression::dir()).expect("regressions load");
    let divergences =
        Divergences::load(&concord::conformance_dir().join("divergences.toml")).expect("divergences.toml parses");
    let mut runner = Runner::new(engines().to_vec());
    for case in cases {
        for engine in runner.run(&case, &divergences).engines {
            assert_ne!(engine.verdict, Verdict::Diverge, "{} on {}: {:?}", case.id(), engine.engine, engine.note);
        }
    }
}
