//! The `wasi` scenario: generated sequences of WASI calls, every errno and every byte written
//! compared between Concord's WASI (ten configurations) and wasi-common inside Extism's Rust host,
//! with no documented difference to hide behind. Extism's JavaScript host, whose WASI is Node's,
//! is reported unsupported by the scenario, not judged by it.

use concord::divergence::Divergences;
use concord::engine::WasiHost;
use concord::runner::{Runner, Verdict};
use concord::scenario;
use concord_tests::engines;

#[test]
fn concords_wasi_answers_as_wasi_common_on_every_sequence() {
    let mut runner = Runner::new(engines().to_vec());
    let cases = scenario::generate(0x3a51, 64, Some("wasi"));
    let mut calls = 0;
    for case in &cases {
        let result = runner.run(case, &Divergences::default());
        for engine in &result.engines {
            let host = engines().iter().find(|e| e.id() == engine.engine).expect("an engine of the run").wasi_host();
            match host {
                WasiHost::Node => assert_eq!(engine.verdict, Verdict::Unsupported, "{}", engine.engine),
                WasiHost::Concord | WasiHost::WasiCommon => assert_eq!(
                    engine.verdict,
                    Verdict::Agree,
                    "{} on {}: {:?}\n{:?}",
                    engine.engine,
                    case.name,
                    engine.note,
                    case.origin
                ),
            }
        }
        calls += case.origin.as_ref().map_or(0, |o| o["ops"].as_array().map_or(0, Vec::len));
    }
    assert!(calls > 200, "{calls} ops in 64 sequences");
}
