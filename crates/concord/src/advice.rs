//! "Which engine for which embedder": drawn from this run's measurements and verdicts only.

use crate::performance::EngineCost;
use crate::report::Report;
use crate::runner::Verdict;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    pub need: &'static str,
    pub engine: String,
    pub why: String,
}

/// Scenarios where a non-agreeing verdict means the engine does not hold the configured limits
/// or the ABI's bounds exactly.
const STRICTNESS_SCENARIOS: [&str; 3] = ["growth", "kernel", "runaway"];

/// Engines that run without generating machine code at run time.
fn is_interpreter(report: &Report, id: &str) -> bool {
    report.engines.iter().any(|e| e.id == id && (e.compiler == "interpreter" || e.compiler == "pulley"))
}

pub fn advise(report: &Report) -> Vec<Advice> {
    let Some(performance) = &report.performance else {
        return Vec::new();
    };
    let costs = &performance.engines;
    let best = |score: &dyn Fn(&EngineCost) -> f64, among: &dyn Fn(&EngineCost) -> bool| {
        costs.iter().filter(|c| among(c)).max_by(|a, b| score(a).total_cmp(&score(b)))
    };
    let mut advice = Vec::new();
    if let Some(c) = best(&|c| -(c.compile_us + c.instantiate_us), &|_| true) {
        advice.push(Advice {
            need: "fast start (compile and instantiate per request)",
            engine: c.id.clone(),
            why: format!(
                "{:.1} ms to compile and {:.2} ms to instantiate the stream plugin",
                c.compile_us / 1e3,
                c.instantiate_us / 1e3
            ),
        });
    }
    if let Some(c) = best(&|c| c.stream_mib_s_1m, &|_| true) {
        advice.push(Advice {
            need: "fast steady state (long-lived instances, large payloads)",
            engine: c.id.clone(),
            why: format!("{:.0} MiB/s through the plugin ABI at 1 MiB", c.stream_mib_s_1m),
        });
    }
    if let Some(c) = best(&|c| -c.call_us, &|_| true) {
        advice.push(Advice {
            need: "many small calls",
            engine: c.id.clone(),
            why: format!("{:.1} µs per empty plugin call", c.call_us),
        });
    }
    let strict = |id: &str| {
        report
            .results
            .iter()
            .filter(|r| r.engine == id && STRICTNESS_SCENARIOS.contains(&r.scenario.as_str()))
            .all(|r| r.verdict == Verdict::Agree)
    };
    if let Some(c) = best(&|c| c.stream_mib_s_1m, &|c| strict(&c.id)) {
        let strict_ids: Vec<_> = costs.iter().filter(|c| strict(&c.id)).map(|c| c.id.as_str()).collect();
        advice.push(Advice {
            need: "strict limits (memory.grow fails in the guest, bad offsets trap, budgets hold)",
            engine: c.id.clone(),
            why: format!(
                "fastest of the engines that agreed on every limit and kernel case: {}",
                strict_ids.join(", ")
            ),
        });
    }
    if let Some(c) = best(&|c| c.stream_mib_s_1m, &|c| is_interpreter(report, &c.id)) {
        advice.push(Advice {
            need: "no JIT allowed (interpreter-only hosts)",
            engine: c.id.clone(),
            why: format!("fastest interpreter here: {:.0} MiB/s at 1 MiB", c.stream_mib_s_1m),
        });
    }
    advice
}
