//! "Which engine for which embedder": drawn from this run's measurements and verdicts only.

use crate::Report;
use crate::performance::EngineCost;
use concord_verdict::observation::Verdict;
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
    if let Some(c) = best(&|c| -(c.instantiate_us + c.call_us), &|_| true) {
        advice.push(Advice {
            need: "a fresh instance per message (compiled once, as the flow runtime does)",
            engine: c.id.clone(),
            why: format!("{:.1} µs to instantiate and {:.1} µs for an empty call", c.instantiate_us, c.call_us),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cost(id: &str, compile_us: f64, instantiate_us: f64, call_us: f64, stream_mib_s_1m: f64) -> serde_json::Value {
        json!({"id": id, "compile_us": compile_us, "instantiate_us": instantiate_us, "call_us": call_us,
               "stream_mib_s_64k": stream_mib_s_1m, "stream_mib_s_1m": stream_mib_s_1m,
               "memory_per_instance_kib": null})
    }

    fn engine(id: &str, compiler: &str) -> serde_json::Value {
        let capabilities = json!({"fuel": "everywhere", "deadline": "call", "memory_limit": "grow-fails",
            "typed_layer": true, "kernel": "concord", "wasi": "concord", "memory_visible": true, "read_only_dirs": true,
            "instance_pool": false, "out_of_process": false, "features": []});
        json!({"id": id, "engine": id, "version": "1", "compiler": compiler, "capabilities": capabilities})
    }

    fn chosen(advice: &[Advice], need: &str) -> String {
        advice
            .iter()
            .find(|a| a.need.starts_with(need))
            .unwrap_or_else(|| panic!("no advice for {need}"))
            .engine
            .clone()
    }

    #[test]
    fn each_need_is_answered_by_the_engine_that_measured_best_for_it() {
        let report: Report = serde_json::from_value(json!({
            "engines": [engine("jit", "cranelift"), engine("pooled", "cranelift"), engine("interp", "interpreter")],
            "results": [], "summary": {"cases": 0, "results": 0, "agree": 0, "diverge": 0, "documented": 0,
                                       "unsupported": 0},
            "stale": [],
            "performance": {"machine": {"cpu": "test", "cores": 2, "os": "linux"}, "engines": [
                // Slow to compile, fast to instantiate: wins per-message instances, not cold starts.
                cost("pooled", 100_000.0, 4.0, 0.1, 500.0),
                cost("jit", 100_000.0, 16.0, 0.1, 600.0),
                cost("interp", 5_000.0, 27.0, 0.4, 120.0),
            ]},
        }))
        .expect("a report");
        let advice = advise(&report);
        assert_eq!(chosen(&advice, "fast start"), "interp");
        assert_eq!(chosen(&advice, "a fresh instance per message"), "pooled");
        assert_eq!(chosen(&advice, "fast steady state"), "jit");
        assert_eq!(chosen(&advice, "no JIT"), "interp");
    }
}
