//! Concord's overhead over each engine's own API, as paired ratios. On a shared machine the load
//! drifts between two criterion measurements taken one after the other, by as much as the overhead
//! being measured (empty calls on backends with the same call path measured from 0.8x to 1.6x
//! their raw baselines, and wasmtime-cranelift's raw baseline alone from 102 to 147 ns). Here
//! each round times a batch of calls through Concord and a batch through the engine's own API back
//! to back, alternating which goes first, and the ratio is the median of the rounds' ratios, so
//! drift slower than a round cancels out. Where code and data land in memory also moves the ratio
//! (by 10% from one process to the next), so the rounds are spread over several trials, each with
//! both sides compiled and instantiated afresh. Writes target/conformance/overhead.json, which
//! `cargo xtask bench` reads; `--quick` takes fewer rounds. Run without `--bench` (as `cargo test`
//! does), it runs one short round per engine as a check.

mod raw;

use concord::engine::{InstanceConfig, Outcome};
use concord_tests::{engines, guest};
use serde::Serialize;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The stream guest's export that reads its input and writes it back untouched.
const REFLECT: &str = "reflect";

#[derive(Serialize)]
struct Paired {
    /// Median over rounds of (time through Concord / time through the engine's own API).
    ratio: f64,
    /// The middle half of the rounds' ratios: how much the machine moved during the measurement.
    ratio_q1: f64,
    ratio_q3: f64,
    concord_ns: f64,
    raw_ns: f64,
    rounds: usize,
}

#[derive(Serialize)]
struct EngineOverhead {
    id: String,
    call: Paired,
    instantiate: Paired,
}

struct Plan {
    trials: usize,
    rounds_per_trial: usize,
    /// Wall time one batch aims for: long enough to time, short enough that the load is steady.
    batch_time: Duration,
}

/// Per-round times (ns per operation) of both sides, over every trial.
#[derive(Default)]
struct Rounds {
    concord_ns: Vec<f64>,
    raw_ns: Vec<f64>,
}

fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

impl Rounds {
    /// Times `concord` against `raw`, interleaved, after sizing a batch from a first timing.
    fn measure(&mut self, plan: &Plan, mut concord: impl FnMut(), mut raw: impl FnMut()) {
        let time = |f: &mut dyn FnMut(), n: u64| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed().as_secs_f64() * 1e9 / n as f64
        };
        // Warm both paths (caches, lazily built state), then size the batch.
        let one = time(&mut raw, 16).max(time(&mut concord, 16));
        let batch = ((plan.batch_time.as_secs_f64() * 1e9 / one) as u64).max(1);
        for round in 0..plan.rounds_per_trial {
            let (c, r) = if round % 2 == 0 {
                let c = time(&mut concord, batch);
                (c, time(&mut raw, batch))
            } else {
                let r = time(&mut raw, batch);
                (time(&mut concord, batch), r)
            };
            self.concord_ns.push(c);
            self.raw_ns.push(r);
        }
    }

    fn summary(&self) -> Paired {
        let ratios: Vec<f64> = self.concord_ns.iter().zip(&self.raw_ns).map(|(c, r)| c / r).collect();
        Paired {
            ratio: quantile(&ratios, 0.5),
            ratio_q1: quantile(&ratios, 0.25),
            ratio_q3: quantile(&ratios, 0.75),
            concord_ns: quantile(&self.concord_ns, 0.5),
            raw_ns: quantile(&self.raw_ns, 0.5),
            rounds: ratios.len(),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let measuring = args.iter().any(|arg| arg == "--bench");
    let plan = match (measuring, args.iter().any(|arg| arg == "--quick")) {
        (true, false) => Plan { trials: 8, rounds_per_trial: 25, batch_time: Duration::from_millis(2) },
        (true, true) => Plan { trials: 4, rounds_per_trial: 10, batch_time: Duration::from_millis(1) },
        (false, _) => Plan { trials: 1, rounds_per_trial: 1, batch_time: Duration::from_micros(100) },
    };
    let stream = guest("stream");
    let config = InstanceConfig::default();
    let mut measured = Vec::new();
    for engine in engines() {
        let id = engine.id();
        let (mut instantiate, mut call) = (Rounds::default(), Rounds::default());
        for _ in 0..plan.trials {
            let module = engine.compile(&stream).expect("compiles");
            let raw = raw::compile(id, &stream).unwrap_or_else(|| panic!("no raw baseline for {id}"));
            instantiate.measure(
                &plan,
                || drop(black_box(module.instantiate(&config).expect("instantiates"))),
                || drop(black_box(raw.instantiate())),
            );
            let mut instance = module.instantiate(&config).expect("instantiates");
            let mut raw_instance = raw.instantiate();
            assert_eq!(instance.call(REFLECT, b"x").outcome, Outcome::Returned(b"x".to_vec()), "{id}");
            assert_eq!(raw_instance.call(REFLECT, b"x"), b"x", "{id}");
            call.measure(
                &plan,
                || drop(black_box(instance.call(REFLECT, b""))),
                || drop(black_box(raw_instance.call(REFLECT, b""))),
            );
        }
        let (call, instantiate) = (call.summary(), instantiate.summary());
        println!(
            "{id:<20} call {:>6.3}x [{:.3}..{:.3}] ({:.0} / {:.0} ns)   instantiate {:>6.3}x [{:.3}..{:.3}] ({:.1} / {:.1} us)",
            call.ratio,
            call.ratio_q1,
            call.ratio_q3,
            call.concord_ns,
            call.raw_ns,
            instantiate.ratio,
            instantiate.ratio_q1,
            instantiate.ratio_q3,
            instantiate.concord_ns / 1e3,
            instantiate.raw_ns / 1e3,
        );
        measured.push(EngineOverhead { id: id.to_string(), call, instantiate });
    }
    if measuring {
        let out = concord::guests::workspace_root().join("target").join("conformance");
        std::fs::create_dir_all(&out).expect("create target/conformance");
        let json = serde_json::to_string_pretty(&measured).expect("serializes");
        std::fs::write(out.join("overhead.json"), json).expect("write overhead.json");
    }
}
