//! One row of the report: one engine on one case, command or module, as `report.json` keeps it.

use crate::observation::Verdict;
use concord_engine::LimitKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultEntry {
    pub scenario: String,
    pub case: String,
    pub engine: String,
    pub verdict: Verdict,
    pub outcome: String,
    pub detail: String,
    pub output_sha256: Option<String>,
    /// The whole output in hex, when it is short enough to read (at most 64 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_hex: Option<String>,
    pub memory_pages: Option<u64>,
    pub elapsed_us: u64,
    pub note: Option<String>,
    /// The wall-clock budget the case ran under (its own, or the runner's default).
    #[serde(default)]
    pub deadline_ms: Option<u64>,
    /// The watchdog gave up on this engine for this case.
    #[serde(default)]
    pub hung: bool,
    /// Which limit stopped the case, if one did (typed, for the reliability section).
    #[serde(default)]
    pub limit: Option<LimitKind>,
}

impl ResultEntry {
    /// A result that no plugin output goes with (a spec command, a generated module): what the
    /// engine did (`outcome`, `detail`) and the verdict's note.
    pub fn without_output(
        scenario: &str,
        case: &str,
        engine: &str,
        (verdict, note): (Verdict, String),
        outcome: &str,
        detail: String,
    ) -> ResultEntry {
        ResultEntry {
            scenario: scenario.into(),
            case: case.into(),
            engine: engine.into(),
            verdict,
            outcome: outcome.into(),
            detail,
            output_sha256: None,
            output_hex: None,
            memory_pages: None,
            elapsed_us: 0,
            note: Some(note),
            deadline_ms: None,
            hung: false,
            limit: None,
        }
    }

    /// The outcome as a person reads it, with a short output shown as the little-endian i32s a
    /// growth guest writes (`returned [1, -1, 4]`) rather than as bytes.
    pub fn outcome_as_i32s(&self) -> String {
        let words = self.output_hex.as_deref().filter(|hex| !hex.is_empty() && hex.len() % 8 == 0).and_then(|hex| {
            (0..hex.len())
                .step_by(8)
                .map(|i| u32::from_str_radix(&hex[i..i + 8], 16).ok().map(|w| i32::from_le_bytes(w.to_be_bytes())))
                .collect::<Option<Vec<i32>>>()
        });
        match words {
            Some(words) if self.outcome == "returned" => format!("returned {words:?}"),
            _ => self.detail.clone(),
        }
    }
}
