//! Every engine's verdict on one case, and the report rows they make.

use crate::case::Case;
use concord_engine::{Outcome, sha256_hex};
use concord_verdict::observation::EngineResult;
use concord_verdict::result::ResultEntry;

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub case: Case,
    pub engines: Vec<EngineResult>,
}

/// Outputs up to this many bytes are kept whole in the report.
const SHORT_OUTPUT: usize = 64;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Each engine's result on each case, as the report keeps them.
pub fn entries(cases: &[CaseResult]) -> Vec<ResultEntry> {
    cases
        .iter()
        .flat_map(|case| {
            let deadline_ms = case.case.budget().deadline.map(|d| d.as_millis() as u64);
            case.engines.iter().map(move |r| ResultEntry {
                scenario: case.case.scenario.clone(),
                case: case.case.name.clone(),
                engine: r.engine.clone(),
                verdict: r.verdict,
                outcome: r.observation.outcome.kind().to_string(),
                detail: r.observation.outcome.detail(),
                output_sha256: r.observation.outcome.output().map(sha256_hex),
                output_hex: r.observation.outcome.output().filter(|b| b.len() <= SHORT_OUTPUT).map(hex),
                memory_pages: r.observation.memory_pages,
                elapsed_us: r.observation.elapsed.as_micros() as u64,
                note: r.note.clone(),
                deadline_ms,
                hung: r.observation.hung,
                limit: match r.observation.outcome {
                    Outcome::LimitHit(kind) => Some(kind),
                    _ => None,
                },
            })
        })
        .collect()
}
