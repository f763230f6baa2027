//! The report as JUnit XML, which CI systems read: one test suite per scenario, one test case per
//! case and configuration. A divergence is a failure with its text, an unsupported case a skipped
//! one, a documented difference a pass that says which entry documents it. A suite whose agreeing
//! items leave no result (the spec testsuite, generated modules) adds one passing case per
//! configuration for them, so the totals are the run's.

use crate::{Report, replay_command};
use concord_verdict::observation::Verdict;
use concord_verdict::result::ResultEntry;
use std::collections::HashMap;
use std::fmt::Write;

pub fn junit(report: &Report) -> String {
    let mut by_place: HashMap<(&str, &str), Vec<&ResultEntry>> = HashMap::new();
    for r in &report.results {
        by_place.entry((&r.scenario, &r.engine)).or_default().push(r);
    }
    let mut suites = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for scenario in report.scenario_names() {
        let mut cases = String::new();
        let (mut suite_tests, mut suite_failures, mut suite_skipped) = (0, 0, 0);
        for engine in &report.engines {
            let mine = by_place.get(&(scenario, engine.id.as_str())).map_or(&[][..], Vec::as_slice);
            for r in mine {
                cases += &testcase(r);
                suite_tests += 1;
                suite_failures += usize::from(r.verdict == Verdict::Diverge);
                suite_skipped += usize::from(r.verdict == Verdict::Unsupported);
            }
            let unlisted =
                report.scenario_count(scenario, &engine.id).map_or(0, |c| c.cases.saturating_sub(mine.len()));
            if unlisted > 0 {
                let _ = write!(
                    cases,
                    "<testcase classname=\"{}.{}\" name=\"{unlisted} more that agree\"/>",
                    esc(scenario),
                    esc(&engine.id)
                );
                suite_tests += 1;
            }
        }
        let _ = writeln!(
            suites,
            "<testsuite name=\"{}\" tests=\"{suite_tests}\" failures=\"{suite_failures}\" skipped=\"{suite_skipped}\" errors=\"0\">{cases}</testsuite>",
            esc(scenario)
        );
        (tests, failures, skipped) = (tests + suite_tests, failures + suite_failures, skipped + suite_skipped);
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"concord\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\">\n{suites}</testsuites>\n"
    )
}

fn testcase(r: &ResultEntry) -> String {
    let head = format!(
        "<testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.6}\"",
        esc(&r.scenario),
        esc(&r.engine),
        esc(&r.case),
        r.elapsed_us as f64 / 1e6
    );
    let note = r.note.as_deref().unwrap_or("");
    match r.verdict {
        Verdict::Agree => head + "/>",
        Verdict::Diverge => format!(
            "{head}><failure message=\"{}\" type=\"diverge\">{}: {}\nreplay: {}</failure></testcase>",
            esc(note),
            esc(&r.outcome),
            esc(&r.detail),
            esc(&replay_command(r))
        ),
        Verdict::Unsupported => format!("{head}><skipped message=\"{}\"/></testcase>", esc(&r.detail)),
        Verdict::Documented => format!("{head}><system-out>documented: {}</system-out></testcase>", esc(note)),
    }
}

/// Text as XML character data or an attribute value; characters XML 1.0 cannot hold at all (most
/// control characters) become U+FFFD.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
