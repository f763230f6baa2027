//! The harness survives engines that misbehave: a panic is that engine's fault for that case, an
//! engine that ignores its deadline is abandoned by the watchdog within a bounded margin, and the
//! next case always runs.

use concord::case::{Case, ModuleSource};
use concord::engine::{
    Call, CompileError, Engine, EngineInfo, Instance, InstanceConfig, MemoryObservation, Module, Outcome,
};
use concord::runner::Runner;
use concord_tests::{guest, in_process};
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A test double around a real engine whose calls to `hang` block far past any deadline (an
/// engine that cannot be interrupted) and whose calls to `panic` panic.
struct Misbehaving {
    inner: Arc<dyn Engine>,
    info: EngineInfo,
}

struct MisbehavingModule(Box<dyn Module>);
struct MisbehavingInstance(Box<dyn Instance>);

impl Engine for Misbehaving {
    fn info(&self) -> &EngineInfo {
        &self.info
    }
    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Module>, CompileError> {
        Ok(Box::new(MisbehavingModule(self.inner.compile(wasm)?)))
    }
}

impl Module for MisbehavingModule {
    fn instantiate(&self, config: &InstanceConfig) -> Result<Box<dyn Instance>, Outcome> {
        Ok(Box::new(MisbehavingInstance(self.0.instantiate(config)?)))
    }
}

impl Instance for MisbehavingInstance {
    fn call(&mut self, export: &str, input: &[u8]) -> Call {
        match export {
            "hang" => {
                std::thread::sleep(Duration::from_secs(30));
                self.0.call("stream", input)
            }
            "panic" => panic!("engine bug"),
            _ => self.0.call(export, input),
        }
    }
    fn memory_pages(&mut self) -> Option<u64> {
        self.0.memory_pages()
    }
    fn memory(&mut self) -> Option<MemoryObservation> {
        self.0.memory()
    }
}

fn stream_case(name: &str, export: &str) -> Case {
    Case {
        scenario: "isolation".into(),
        name: name.into(),
        module: ModuleSource::Bytes(guest("stream")),
        export: export.into(),
        input: b"abc".to_vec(),
        config: InstanceConfig::default().with_deadline(Duration::from_millis(50)),
        expect: Some(Outcome::Returned(b"bcd".to_vec()).into()),
        ..Case::default()
    }
}

#[test]
fn panics_and_hangs_are_the_engines_fault_and_the_run_goes_on() {
    let honest = in_process();
    let info = EngineInfo { id: "misbehaving".into(), ..honest.info().clone() };
    let misbehaving: Arc<dyn Engine> = Arc::new(Misbehaving { inner: honest.clone(), info });
    let margin = Duration::from_millis(300);
    let mut runner = Runner::new(vec![honest, misbehaving]).with_watchdog_margin(margin);

    let start = Instant::now();
    let hang = runner.run(&stream_case("hang", "hang"), &Divergences::default());
    let waited = start.elapsed();
    let bad = &hang.engines[1];
    assert!(bad.observation.hung, "the watchdog gave up on the hanging engine");
    assert!(matches!(bad.observation.outcome, Outcome::EngineFault(_)));
    assert_eq!(bad.verdict, Verdict::Diverge);
    // Budget: 50 ms per call, two calls' worth, plus the margin; the engine itself sleeps 30 s.
    assert!(waited < Duration::from_millis(100) + margin + Duration::from_secs(2), "waited {waited:?}");

    let panic = runner.run(&stream_case("panic", "panic"), &Divergences::default());
    assert!(matches!(&panic.engines[1].observation.outcome, Outcome::EngineFault(text) if text.contains("engine bug")));

    let fine = runner.run(&stream_case("after", "stream"), &Divergences::default());
    for result in &fine.engines {
        assert_eq!(result.verdict, Verdict::Agree, "{} after the faults", result.engine);
    }
}
