//! `report.html`: one self-contained page (inline CSS, SVG and one small script, no network). The
//! first screen is what a person came for (the summary, what diverges, the mechanisms, the
//! matrix); every result that is not agreement is below, collapsed, filterable by engine, scenario
//! and verdict.

use crate::advice::advise;
use crate::md::LIMIT_CASES;
use crate::{DIVERGING_LISTED, Report, replay_command};
use concord_verdict::observation::Verdict;
use std::fmt::Write;

const STYLE: &str = "body{font:13px/1.35 system-ui,sans-serif;margin:1em auto;max-width:1500px;color:#222}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:1px 6px;text-align:left}\
h1{margin:.3em 0}h2{margin:.8em 0 .2em;font-size:1.2em}p{margin:.2em 0}\
#mechanisms td,#matrix td,#proposals td{white-space:nowrap}#matrix,#proposals{font-size:12px}\
td.line{max-width:360px;overflow:hidden;text-overflow:ellipsis}\
th{background:#f3f3f3}.agree{background:#e3f4e1}.documented{background:#fff4d6}.diverge{background:#f9d3d3;font-weight:bold}\
.unsupported{background:#eee}.charts{display:flex;flex-wrap:wrap;gap:2em}h1,h2{font-weight:600}code{background:#f3f3f3;padding:0 3px}\
details{margin:1em 0}summary{cursor:pointer;font-weight:600}select{margin-right:1em}";

/// Shows only the rows of `#results` whose engine, scenario and verdict the three filters allow.
const FILTER: &str = "function concordFilter(){const f={};for(const s of document.querySelectorAll('select[data-filter]'))\
f[s.dataset.filter]=s.value;for(const r of document.querySelectorAll('#results tr[data-engine]'))r.hidden=\
Object.entries(f).some(([k,v])=>v&&r.dataset[k]!==v)}";

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Agree => "agree",
        Verdict::Documented => "documented",
        Verdict::Diverge => "diverge",
        Verdict::Unsupported => "unsupported",
    }
}

/// A horizontal bar chart as inline SVG.
pub fn bar_chart(title: &str, unit: &str, bars: &[(String, f64)]) -> String {
    let (label_width, bar_width, row) = (150.0, 320.0, 22.0);
    let max = bars.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    let height = 30.0 + row * bars.len() as f64;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" role="img" aria-label="{}"><text x="0" y="16" font-weight="600">{}</text>"#,
        label_width + bar_width + 90.0,
        esc(title),
        esc(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 26.0 + row * i as f64;
        let width = (value / max * bar_width).max(1.0);
        let _ = write!(
            svg,
            r##"<text x="0" y="{}" font-size="12">{}</text><rect x="{label_width}" y="{y}" width="{width:.1}" height="{}" fill="#4a7fc1"/><text x="{}" y="{}" font-size="12">{} {}</text>"##,
            y + 14.0,
            esc(label),
            row - 6.0,
            label_width + width + 5.0,
            y + 14.0,
            format_value(*value),
            esc(unit)
        );
    }
    svg + "</svg>"
}

fn format_value(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

pub fn html(report: &Report) -> String {
    let mut h = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Concord conformance report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        h,
        "<h1>Concord conformance report</h1><p>{}: <b>{}</b>.</p>",
        esc(&report.scope()),
        esc(&report.summary.verdicts())
    );
    let head: String = report.engines.iter().map(|e| format!("<th>{}</th>", esc(&e.id))).collect();

    h += "<h2>What diverges</h2><ul>";
    let diverging = report.diverging();
    if diverging.is_empty() {
        h += "<li>Nothing: every difference between engines is documented.</li>";
    }
    for r in diverging.iter().take(DIVERGING_LISTED) {
        let _ = write!(
            h,
            "<li class=\"diverge\">{}/{} on {}: {}<br>replay: <code>{}</code></li>",
            esc(&r.scenario),
            esc(&r.case),
            esc(&r.engine),
            esc(r.note.as_deref().unwrap_or("")),
            esc(&replay_command(r))
        );
    }
    h += "</ul>";
    if !report.mechanisms.is_empty() {
        // One line a mechanism, so the matrices stay on the first screen: the reason and the
        // example in full are a hover (or a copy) away.
        h += "<h2>Documented differences, by mechanism</h2><table id=\"mechanisms\"><tr><th>mechanism</th><th>observations</th><th>engines</th><th>why</th><th>for example</th><th>evidence</th></tr>";
        for m in &report.mechanisms {
            let why = esc(m.reason.as_deref().unwrap_or(""));
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"line\" title=\"{why}\">{why}</td><td class=\"line\" title=\"{example}\"><code>{example}</code></td><td><code>{}</code></td></tr>",
                esc(&m.mechanism),
                m.observations,
                esc(&m.engines.join(", ")),
                esc(m.evidence.as_deref().unwrap_or("")),
                example = esc(&m.example),
            );
        }
        h += "</table>";
    }

    let _ = write!(
        h,
        "<h2>Conformance matrix</h2><p>Per scenario and engine: agree / documented / diverge / unsupported.</p>\
         <table id=\"matrix\"><tr><th>scenario</th>{head}</tr>"
    );
    for scenario in report.scenario_names() {
        let _ = write!(h, "<tr><td>{}</td>", esc(scenario));
        for e in &report.engines {
            let count = report.scenario_count(scenario, &e.id);
            let worst = count.and_then(|c| c.worst()).map_or("", class);
            let (numbers, words) = count.map_or_else(Default::default, |c| {
                let numbers = [Verdict::Agree, Verdict::Documented, Verdict::Diverge, Verdict::Unsupported]
                    .map(|v| c.count(v).to_string())
                    .join(" / ");
                (numbers, c.verdicts())
            });
            let _ = write!(h, "<td class=\"{worst}\" title=\"{}\">{numbers}</td>", esc(&words));
        }
        h += "</tr>";
    }
    h += "</table>";

    h += &proposal_matrix(report);

    let limit_head: String = LIMIT_CASES.iter().map(|c| format!("<th>{}</th>", esc(c.2))).collect();
    let _ = write!(
        h,
        "<h2>Limit semantics as measured</h2><table><tr><th>engine</th><th>memory limit held by</th><th>deadline held by</th>{limit_head}</tr>"
    );
    for e in &report.engines {
        let (memory, deadline) = (e.capabilities.memory_limit.held_by(), e.capabilities.deadline.held_by());
        let _ = write!(h, "<tr><td>{}</td><td>{}</td><td>{}</td>", esc(&e.id), esc(memory), esc(deadline));
        for (scenario, case, _) in LIMIT_CASES {
            let cell = report.result(scenario, case, &e.id).map_or("not run".to_string(), |r| r.outcome_as_i32s());
            let _ = write!(h, "<td>{}</td>", esc(&cell));
        }
        h += "</tr>";
    }
    h += "</table>";

    if report.performance.is_some() {
        h += "<h2>Which engine for which embedder</h2><ul>";
        for a in advise(report) {
            let _ = write!(h, "<li><b>{}</b>: {} — {}</li>", esc(a.need), esc(&a.engine), esc(&a.why));
        }
        h += "</ul>";
    }

    let _ = write!(
        h,
        "<details><summary>Every named case (and any generated case that diverges)</summary><table><tr><th>case</th>{head}</tr>"
    );
    for (scenario, case) in case_ids(report) {
        let _ = write!(h, "<tr><td>{}/{}</td>", esc(&scenario), esc(&case));
        for e in &report.engines {
            match report.result(&scenario, &case, &e.id) {
                Some(r) => {
                    let title = esc(r.note.as_deref().unwrap_or(&r.detail));
                    let _ =
                        write!(h, "<td class=\"{}\" title=\"{title}\">{}</td>", class(r.verdict), r.verdict.symbol());
                }
                None => h += "<td></td>",
            }
        }
        h += "</tr>";
    }
    h += "</table></details>";

    h += "<h2>Reliability</h2><p>Every call ran under a CPU budget and a watchdog; a panic is caught as the engine's fault. Harness crashes: 0 (this report was written).</p>";
    h += "<table><tr><th>engine</th><th>cases</th><th>outcomes</th><th>engine faults</th><th>hangs</th><th>worst overrun past a deadline</th></tr>";
    for r in &report.reliability {
        let outcomes: Vec<String> = r.outcomes.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
        let overrun = r.worst_overrun_ms.map_or("-".to_string(), |ms| format!("{ms:.1} ms"));
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{overrun}</td></tr>",
            esc(&r.engine),
            r.cases,
            esc(&outcomes.join(", ")),
            r.engine_faults,
            r.hangs
        );
    }
    h += "</table>";

    if let Some(performance) = &report.performance {
        let m = &performance.machine;
        let _ = write!(
            h,
            "<h2>What each engine costs</h2><p>Medians on {}, the <code>stream</code> plugin, one run.</p><div class=\"charts\">",
            esc(&m.describe())
        );
        let series = |f: &dyn Fn(&crate::performance::EngineCost) -> f64| -> Vec<(String, f64)> {
            performance.engines.iter().map(|c| (c.id.clone(), f(c))).collect()
        };
        h += &bar_chart("compile (ms)", "ms", &series(&|c| c.compile_us / 1e3));
        h += &bar_chart("instantiate (ms)", "ms", &series(&|c| c.instantiate_us / 1e3));
        h += &bar_chart("empty call (µs)", "µs", &series(&|c| c.call_us));
        h += &bar_chart("stream throughput at 1 MiB", "MiB/s", &series(&|c| c.stream_mib_s_1m));
        h += "</div>";
    }

    h += &differences(report);
    h + "</body></html>"
}

/// Each suite of the spec testsuite on each configuration, coloured by its standing.
fn proposal_matrix(report: &Report) -> String {
    if report.proposals.is_empty() {
        return String::new();
    }
    let engines = report.proposal_engines();
    let head: String = engines.iter().map(|e| format!("<th>{}</th>", esc(e))).collect();
    let mut h = format!(
        "<h2>Proposal matrix</h2><p>Each suite of the spec testsuite on each configuration, measured: assertions \
         passed / failed / unsupported. Green: all it ran passed; yellow: passed but for documented differences; \
         red: diverges; grey: the proposal's feature is not declared.{}</p><table id=\"proposals\"><tr><th>suite</th>{head}</tr>",
        esc(&report.without_proposal_column())
    );
    for suite in report.proposal_suites() {
        let _ = write!(h, "<tr><td>{}</td>", esc(suite));
        for e in &engines {
            match report.proposal(suite, e) {
                Some(c) => {
                    let title = format!(
                        "{} skipped, {} documented, {} diverge{}",
                        c.skipped,
                        c.documented,
                        c.diverge,
                        match (c.feature, c.declared) {
                            (Some(f), Some(false)) => format!("; {f} not declared"),
                            (Some(f), _) => format!("; {f} declared"),
                            _ => String::new(),
                        }
                    );
                    let _ =
                        write!(h, "<td class=\"{}\" title=\"{}\">{}</td>", c.standing.class(), esc(&title), c.counts());
                }
                None => h += "<td></td>",
            }
        }
        h += "</tr>";
    }
    h + "</table>"
}

/// The named cases, and any generated case that diverges: generated cases that behave are counted
/// in the matrix, not listed.
pub fn case_ids(report: &Report) -> Vec<(String, String)> {
    let diverges = |scenario: &str, case: &str| {
        report.results.iter().any(|r| r.scenario == scenario && r.case == case && r.verdict == Verdict::Diverge)
    };
    let mut cases: Vec<_> = report
        .results
        .iter()
        .filter(|r| !r.case.starts_with("gen-") || diverges(&r.scenario, &r.case))
        .map(|r| (r.scenario.clone(), r.case.clone()))
        .collect();
    cases.dedup();
    cases
}

/// Every result that is not agreement, collapsed, with a filter for engine, scenario and verdict.
fn differences(report: &Report) -> String {
    let differences: Vec<_> = report.results.iter().filter(|r| r.verdict != Verdict::Agree).collect();
    if differences.is_empty() {
        return String::new();
    }
    let mut h = format!(
        "<details id=\"differences\"><summary>Every difference ({}: documented, unsupported, diverging)</summary><p>",
        differences.len()
    );
    let select = |filter: &str, values: Vec<&str>| {
        let options: String = values.iter().map(|v| format!("<option>{}</option>", esc(v))).collect();
        format!(
            "<select data-filter=\"{filter}\" onchange=\"concordFilter()\"><option value=\"\">every {filter}</option>{options}</select>"
        )
    };
    h += &select("engine", report.engines.iter().map(|e| e.id.as_str()).collect());
    h += &select("scenario", report.scenario_names());
    h += &select("verdict", vec!["documented", "unsupported", "diverge"]);
    h +=
        "</p><table id=\"results\"><tr><th>scenario</th><th>case</th><th>engine</th><th>verdict</th><th>note</th></tr>";
    for r in differences {
        let _ = write!(
            h,
            "<tr class=\"{verdict}\" data-engine=\"{engine}\" data-scenario=\"{scenario}\" data-verdict=\"{verdict}\"><td>{scenario}</td><td>{}</td><td>{engine}</td><td>{verdict}</td><td>{}</td></tr>",
            esc(&r.case),
            esc(r.note.as_deref().unwrap_or(&r.detail)),
            verdict = class(r.verdict),
            engine = esc(&r.engine),
            scenario = esc(&r.scenario),
        );
    }
    format!("{h}</table></details><script>{FILTER}</script>")
}
