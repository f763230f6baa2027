//! `report.md`: the report for people reading it in a repository or a CI log.

use crate::advice::advise;
use crate::{DIVERGING_LISTED, Report, replay_command};
use std::fmt::Write;

/// The cases whose outcomes make up the limit-semantics table, and what each column means.
pub const LIMIT_CASES: [(&str, &str, &str); 4] = [
    ("growth", "past-limit", "grow past the limit"),
    ("growth", "initial-over-limit", "initial memory over the limit"),
    ("runaway", "loop-fuel", "infinite loop, fuel budget"),
    ("runaway", "loop-deadline", "infinite loop, deadline"),
];

/// The report a person reads in a minute: what was run, what diverges and how to replay it, the
/// documented differences by mechanism, then the tables. Every result, case by case, is in
/// `report.json` and `report.html`, not here.
pub fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Concord conformance report\n");
    let _ = writeln!(md, "{}: **{}**.\n", report.scope(), report.summary.verdicts());

    let _ = writeln!(md, "## What diverges\n");
    let diverging = report.diverging();
    if diverging.is_empty() {
        let _ = writeln!(md, "Nothing: every difference between engines is documented below.");
    }
    for r in diverging.iter().take(DIVERGING_LISTED) {
        let note = r.note.as_deref().unwrap_or("");
        let _ = writeln!(md, "- `{}/{}` on {}: {note}  ", r.scenario, r.case, r.engine);
        let _ = writeln!(md, "  replay: `{}`", replay_command(r));
    }
    if diverging.len() > DIVERGING_LISTED {
        let _ = writeln!(md, "- and {} more, in report.json", diverging.len() - DIVERGING_LISTED);
    }
    for d in &report.stale {
        let _ = writeln!(md, "- stale: {} `{}/{}` {}: {}", d.engine, d.scenario, d.case, d.why_stale(), d.reason);
    }

    if !report.mechanisms.is_empty() {
        let _ = writeln!(md, "\n## Documented differences, by mechanism\n");
        let _ = writeln!(
            md,
            "Each is an entry of `conformance/divergences.toml`, checked on every observation it explains.\n"
        );
        let _ = writeln!(md, "| mechanism | observations | engines | why | for example | evidence |");
        let _ = writeln!(md, "|---|---:|---|---|---|---|");
        for m in &report.mechanisms {
            let engines = m.engines.join(", ");
            let why = m.reason.as_deref().unwrap_or("");
            let evidence = m.evidence.as_deref().map_or(String::new(), |e| format!("`{e}`"));
            let _ = writeln!(
                md,
                "| {} | {} | {engines} | {why} | `{}` | {evidence} |",
                m.mechanism, m.observations, m.example
            );
        }
    }

    let _ = writeln!(md, "\n## Conformance matrix\n");
    let _ = writeln!(md, "Per scenario and engine: cases that agree / are documented differences / diverge.\n");
    let header: Vec<_> = report.engines.iter().map(|e| e.id.as_str()).collect();
    let _ = writeln!(md, "| scenario | {} |\n|---|{}", header.join(" | "), "---|".repeat(header.len()));
    for scenario in report.scenario_names() {
        let cells: Vec<String> = report
            .engines
            .iter()
            .map(|e| report.scenario_count(scenario, &e.id).map(|c| c.verdicts()).unwrap_or_default())
            .collect();
        let _ = writeln!(md, "| {scenario} | {} |", cells.join(" | "));
    }

    if !report.proposals.is_empty() {
        let _ = writeln!(md, "\n## Proposal matrix\n");
        let _ = writeln!(
            md,
            "Each suite of the WebAssembly spec testsuite on each configuration, measured: assertions passed / \
             failed / unsupported. ✅ all it ran passed, ⚠️ passed but for documented differences, ❌ diverges, \
             ➖ the proposal's feature is not declared (what needs it is unsupported).{} Every failure is in \
             report.json (scenario `spec`, case `file:line`).\n",
            report.without_proposal_column()
        );
        let engines = report.proposal_engines();
        let _ = writeln!(md, "| suite | {} |\n|---|{}", engines.join(" | "), "---|".repeat(engines.len()));
        for suite in report.proposal_suites() {
            let cells: Vec<String> = engines
                .iter()
                .map(|e| {
                    let cell = report.proposal(suite, e);
                    cell.map(|c| format!("{} {}", c.standing.mark(), c.counts())).unwrap_or_default()
                })
                .collect();
            let _ = writeln!(md, "| {suite} | {} |", cells.join(" | "));
        }
    }

    let _ = writeln!(md, "\n## Limit semantics as measured\n");
    let _ = writeln!(
        md,
        "| engine | memory limit held by | deadline held by | {} |\n|---|---|---|{}",
        LIMIT_CASES.map(|c| c.2).join(" | "),
        "---|".repeat(LIMIT_CASES.len())
    );
    for e in &report.engines {
        let cells: Vec<String> = LIMIT_CASES
            .iter()
            .map(|(scenario, case, _)| {
                report.result(scenario, case, &e.id).map_or("not run".to_string(), |r| r.outcome_as_i32s())
            })
            .collect();
        let (memory, deadline) = (e.capabilities.memory_limit.held_by(), e.capabilities.deadline.held_by());
        let _ = writeln!(md, "| {} | {memory} | {deadline} | {} |", e.id, cells.join(" | "));
    }

    if report.performance.is_some() {
        let _ = writeln!(md, "\n## Which engine for which embedder\n");
        for a in advise(report) {
            let _ = writeln!(md, "- **{}**: {} — {}", a.need, a.engine, a.why);
        }
    }

    let _ = writeln!(md, "\n## Engines\n");
    let _ = writeln!(md, "| engine | version | compiler |\n|---|---|---|");
    for e in &report.engines {
        let _ = writeln!(md, "| {} | {} {} | {} |", e.id, e.engine, e.version, e.compiler);
    }

    let _ = writeln!(md, "\n## What the suite costs\n");
    let _ =
        writeln!(md, "Cases per second of engine time (instantiate and calls; each module compiled once per run).\n");
    let _ = writeln!(md, "| scenario | {} |\n|---|{}", header.join(" | "), "---|".repeat(header.len()));
    for scenario in report.scenario_names() {
        let cells: Vec<String> = report
            .engines
            .iter()
            .map(|e| {
                let count = report.scenario_count(scenario, &e.id);
                count.and_then(|c| c.cases_per_second()).map_or(String::new(), |rate| format!("{rate:.0}/s"))
            })
            .collect();
        let _ = writeln!(md, "| {scenario} | {} |", cells.join(" | "));
    }

    let _ = writeln!(md, "\n## Reliability\n");
    let _ = writeln!(
        md,
        "Every call ran under a CPU budget and a watchdog; a panic is caught as the engine's fault. \
         Harness crashes: 0 (this report was written).\n"
    );
    let _ = writeln!(
        md,
        "| engine | cases | outcomes | engine faults | hangs | worst overrun past a deadline |\n|---|---|---|---|---|---|"
    );
    for r in &report.reliability {
        let outcomes: Vec<String> = r.outcomes.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
        let overrun = r.worst_overrun_ms.map_or("-".to_string(), |ms| format!("{ms:.1} ms"));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {overrun} |",
            r.engine,
            r.cases,
            outcomes.join(", "),
            r.engine_faults,
            r.hangs
        );
    }

    if let Some(performance) = &report.performance {
        let m = &performance.machine;
        let _ = writeln!(md, "\n## What each engine costs\n");
        let _ = writeln!(md, "Medians on {}, the `stream` plugin, one run.\n", m.describe());
        let _ = writeln!(
            md,
            "| engine | compile | instantiate | empty call | stream 64 KiB | stream 1 MiB | memory / instance |\n|---|---|---|---|---|---|---|"
        );
        for c in &performance.engines {
            let memory = c.memory_per_instance_kib.map_or("-".to_string(), |k| format!("{k:.0} KiB"));
            let _ = writeln!(
                md,
                "| {} | {:.2} ms | {:.3} ms | {:.1} µs | {:.0} MiB/s | {:.0} MiB/s | {memory} |",
                c.id,
                c.compile_us / 1e3,
                c.instantiate_us / 1e3,
                c.call_us,
                c.stream_mib_s_64k,
                c.stream_mib_s_1m
            );
        }
    }

    if let Some(bench) = &report.benchmarks {
        let _ = writeln!(md, "\n## Benchmarks (`cargo xtask bench`)\n");
        let _ = writeln!(
            md,
            "Criterion medians on {}. (× raw): Concord's time over the engine's own API for the same work, \
             the median of paired rounds taken back to back.\n",
            bench["machine"].as_str().unwrap_or("?")
        );
        let _ = writeln!(
            md,
            "| engine | compile | compile 2 MiB | instantiate (× raw) | call (× raw) | 4 KiB | 64 KiB | 1 MiB | grow to 16 MiB |\n|---|---|---|---|---|---|---|---|---|"
        );
        let num =
            |v: &serde_json::Value, digits: usize| v.as_f64().map_or("-".to_string(), |x| format!("{x:.digits$}"));
        let ratio = |v: &serde_json::Value| v.as_f64().map_or(String::new(), |x| format!(" ({x:.2}×)"));
        for e in bench["engines"].as_array().into_iter().flatten() {
            let _ = writeln!(
                md,
                "| {} | {} µs | {} µs | {} µs{} | {} ns{} | {} MiB/s | {} MiB/s | {} MiB/s | {} µs |",
                e["id"].as_str().unwrap_or("?"),
                num(&e["compile_us"], 0),
                num(&e["compile_large_us"], 0),
                num(&e["instantiate_us"], 1),
                ratio(&e["instantiate_ratio"]),
                num(&e["call_ns"], 0),
                ratio(&e["call_overhead_ratio"]),
                num(&e["stream_mib_s"]["4k"], 0),
                num(&e["stream_mib_s"]["64k"], 0),
                num(&e["stream_mib_s"]["1m"], 0),
                num(&e["grow_16mib_us"], 0),
            );
        }
        if let Some(r) = bench["native_over_extism_stream_1m"].as_f64() {
            let _ = writeln!(md, "\nNative kernel on wasmtime-cranelift vs Extism's, stream at 1 MiB: {r:.2}×.");
        }
        if let Some(seconds) = bench["cold_build"]["seconds"].as_f64() {
            let _ = writeln!(
                md,
                "\nCold build of everything the tests compile (`cargo test --workspace --all-targets --no-run`): {seconds:.0} s on {} cores.",
                bench["cold_build"]["cores"]
            );
        }
    }

    md
}
