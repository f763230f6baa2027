//! `conformance/divergences.toml`: engine differences that are known, explained and accepted.
//! A divergence that is not listed fails the run; a listed one that no longer shows is stale.

use crate::mechanism::{Mechanism, Replay, Seen, Shown};
use anyhow::{Context, Result};
use concord_engine::Outcome;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Divergence {
    /// An engine configuration id; `*` stands for any text (`wasmer-*`).
    pub engine: String,
    pub scenario: String,
    /// A case name; `*` stands for any text, so `*` alone is every case of the scenario and
    /// `*load-freed` every case named after that class (`gen-0042-load-freed`, ...).
    #[serde(default = "every_case")]
    pub case: String,
    /// The outcome kind the engine shows instead (`limit_hit`, `returned`, ...); any when absent.
    pub outcome: Option<String>,
    /// Only where the other engines did this instead, as [`Outcome::class`] words with `*` for
    /// any text (`kernel_fault in load_*: freed`): the mechanism, so the entry also explains the
    /// difference on any module with the same cause, an embedder's own plugin included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others: Option<String>,
    /// The mechanism that produces the difference, as code: an entry that names one explains an
    /// observation only where the mechanism's rule confirms it (see [`crate::mechanism`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<Mechanism>,
    pub reason: String,
    /// A saved case that shows it (a path under `conformance/`), replayed by every run, where the
    /// entry covers generated cases that a run may not draw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

fn every_case() -> String {
    "*".into()
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Divergences {
    #[serde(default, rename = "divergence")]
    pub entries: Vec<Divergence>,
}

impl Divergence {
    /// Whether this entry documents `engine` showing `outcome` where the other engines showed
    /// `others` (their consensus, if there is one).
    pub fn covers(
        &self,
        engine: &str,
        scenario: &str,
        case: &str,
        outcome: &Outcome,
        others: Option<&Outcome>,
    ) -> bool {
        self.names_engine(engine) && self.applies_to_case(scenario, case) && self.explains(outcome, others)
    }

    /// The entry's `outcome` and `others` conditions, whatever the case. `outcome` is a kind
    /// (`trap`) or, glob-matched, a class (`trap BadSignature`).
    fn explains(&self, outcome: &Outcome, others: Option<&Outcome>) -> bool {
        let instead = |pattern: &str| others.is_some_and(|others| glob_matches(pattern, &others.class()));
        self.outcome.as_deref().is_none_or(|kind| kind == outcome.kind() || glob_matches(kind, &outcome.class()))
            && self.others.as_deref().is_none_or(instead)
    }

    /// Why an entry is stale, for people: a mechanism that never held in the run, or a
    /// difference that no longer shows.
    pub fn why_stale(&self) -> String {
        match self.mechanism {
            Some(mechanism) => format!("its mechanism `{mechanism}` never held"),
            None => "no longer shows".into(),
        }
    }

    /// Whether the entry explains an engine whose outcome was of class `shown.did` where the
    /// others (or the spec) expected class `shown.expected`.
    /// An entry that names a mechanism explains them only where the mechanism holds on them.
    pub fn explains_classes(&self, shown: &Shown) -> bool {
        self.names_outcome(shown.did)
            && self.others.as_deref().is_none_or(|p| glob_matches(p, shown.expected))
            && self.mechanism.is_none_or(|m| m.holds_on_classes(shown))
    }

    /// Whether the entry says how an engine differs (what the others did, or a mechanism), so
    /// that it can explain a difference on any module, not only in the cases it names.
    pub fn names_a_cause(&self) -> bool {
        self.others.is_some() || self.mechanism.is_some()
    }

    /// Whether the entry is about engine configuration `id` (`engine` may use `*`: `wasmer-*`).
    /// For a generated module: whether this entry explains what `shown` shows on `case`.
    pub fn explains_generated(&self, case: &str, shown: &Shown) -> bool {
        self.applies_to_case(crate::suite::GENERATED, case) && self.explains_classes(shown)
    }

    /// Whether a result whose outcome is `outcome` (a kind, or for a generated module what the
    /// engine did) is the one this entry names, if it names one.
    pub fn names_outcome(&self, outcome: &str) -> bool {
        self.outcome.as_deref().is_none_or(|pattern| glob_matches(pattern, outcome))
    }

    pub fn names_engine(&self, id: &str) -> bool {
        glob_matches(&self.engine, id)
    }

    pub fn applies_to_case(&self, scenario: &str, case: &str) -> bool {
        self.scenario == scenario && glob_matches(&self.case, case)
    }
}

/// Whether `text` matches `pattern`, in which `*` stands for any run of characters.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let mut parts: Vec<&str> = parts.collect();
    let Some(last) = parts.pop() else { return rest.is_empty() };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

impl Divergences {
    pub fn load(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Ok(Divergences::default());
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// The entry that explains what `engine` did in this case: one in scope whose mechanism, if
    /// it names one, confirms the observation.
    pub fn find(
        &self,
        engine: &str,
        scenario: &str,
        case: &str,
        seen: &Seen,
        replay: &mut dyn Replay,
    ) -> Option<&Divergence> {
        let (outcome, others) = (&seen.observation.outcome, seen.others.map(|o| &o.outcome));
        self.entries.iter().find(|d| {
            d.covers(engine, scenario, case, outcome, others) && d.mechanism.is_none_or(|m| m.holds(seen, replay))
        })
    }

    /// The entry that explains what `engine` did with any module (an embedder's own plugin): only
    /// one that names a mechanism, where its rule confirms the observation. An entry that matches
    /// by outcome classes alone would explain any fault of those classes on any plugin.
    pub fn explain(&self, engine: &str, seen: &Seen, replay: &mut dyn Replay) -> Option<&Divergence> {
        let (outcome, others) = (&seen.observation.outcome, seen.others.map(|o| &o.outcome));
        self.entries.iter().find(|d| {
            d.names_engine(engine)
                && d.mechanism.is_some_and(|mechanism| d.explains(outcome, others) && mechanism.holds(seen, replay))
        })
    }

    /// The registry this build was made with, for tools run away from the repository.
    pub fn builtin() -> Self {
        toml::from_str(include_str!("../../../conformance/divergences.toml")).expect("divergences.toml parses")
    }
}

#[cfg(test)]
mod tests {
    use super::{Divergences, glob_matches};

    /// A documented result names its entry by its reason, so the stale check can tell entries
    /// apart only if no two share engine, scenario, case and reason.
    #[test]
    fn each_entry_is_told_apart_by_its_engine_case_and_reason() {
        let entries = Divergences::builtin().entries;
        for (i, a) in entries.iter().enumerate() {
            let twin = entries[i + 1..]
                .iter()
                .find(|b| (&a.engine, &a.scenario, &a.case, &a.reason) == (&b.engine, &b.scenario, &b.case, &b.reason));
            assert!(twin.is_none(), "two entries for {} {}/{}: {}", a.engine, a.scenario, a.case, a.reason);
        }
    }

    #[test]
    fn a_star_stands_for_any_text() {
        assert!(glob_matches("*", "anything"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("load-freed", "load-freed"));
        assert!(!glob_matches("load-freed", "gen-0001-load-freed"));
        assert!(glob_matches("*load-freed", "gen-0001-load-freed"));
        assert!(glob_matches("*load-freed", "load-freed"));
        assert!(!glob_matches("*load-freed", "gen-0001-load-freed-2"));
        assert!(glob_matches("gen-*-load-*", "gen-0001-load-freed"));
        assert!(!glob_matches("gen-*-store-*", "gen-0001-load-freed"));
        assert!(!glob_matches("*abab", "ab"));
    }
}
