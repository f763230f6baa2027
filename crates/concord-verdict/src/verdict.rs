//! One verdict for every tool (the runner, the spec testsuite, generated modules, `concord check`,
//! `concord actor`, `concord wast`): who differs is decided by witnesses, not votes, and a
//! difference is documented only where an entry's mechanism confirms it on that observation.
//! What is observed differs by tool (a plugin call's outcome, a module's steps, a command's
//! values), so the weighing is generic over [`Observed`], and each tool says through [`Explain`]
//! which entry documents a party against a side.
//!
//! Configurations that share a part are one witness on the questions that part answers: the ten
//! on Concord's host layer (kernel, WASI, call ABI) are one witness beside each Extism host, and
//! within a host the configurations of one engine are one witness beside the other engines. So a
//! fault in Concord's host layer, which all ten share, is not outvoted ten to one by the host it
//! gets wrong; where the witnesses split evenly, the verdict says so instead of picking a side.

use crate::divergence::Divergences;
use crate::mechanism::{Replay, Seen};
use crate::observation::{Observation, Verdict};
use concord_engine::{Engine, InstanceConfig, Outcome, WasiHost};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What a configuration shares with others.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Witness {
    /// Whose host layer (kernel, WASI, call ABI) the plugin meets: Concord's or an Extism host's.
    pub host: WasiHost,
    /// The engine under it (`wasmtime`, `v8`, ...), whatever its compiler.
    pub engine: String,
}

impl Witness {
    pub fn of(engine: &dyn Engine) -> Witness {
        Witness { host: engine.capabilities().wasi, engine: engine.info().engine.clone() }
    }
}

/// What a tool observes of one configuration, as the verdict weighs it.
pub trait Observed: Clone + std::fmt::Debug + PartialEq {
    fn agrees_with(&self, other: &Self) -> bool;
    /// Why the configuration could not run it, if it could not.
    fn unsupported(&self) -> Option<&str>;
    /// What it was, for a person.
    fn detail(&self) -> String;
    /// Of two observations that agree, whether this one shows more to hold the others to.
    fn shows_more_than(&self, _other: &Self) -> bool {
        false
    }
}

impl Observed for Observation {
    fn agrees_with(&self, other: &Self) -> bool {
        Observation::agrees_with(self, other)
    }

    fn unsupported(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Unsupported(why) => Some(why),
            _ => None,
        }
    }

    fn detail(&self) -> String {
        self.outcome.detail()
    }

    /// The page count becomes part of what the others are held to.
    fn shows_more_than(&self, other: &Self) -> bool {
        self.memory_pages.is_some() && other.memory_pages.is_none()
    }
}

/// One configuration's observation, to be judged beside the others.
pub struct Party<'a, O = Observation> {
    pub id: &'a str,
    pub witness: Witness,
    pub observation: &'a O,
    /// How it breaks what the case's model says, if it does: it then differs whatever the others did.
    pub breaks_model: Option<String>,
    /// The one observation the case's model says, where it says one: what a party that breaks
    /// the model is explained against when no witness follows it (a run on one configuration).
    pub model: Option<&'a O>,
}

/// What the witnesses bear out.
#[derive(Debug, Clone, PartialEq)]
pub enum Consensus<O = Observation> {
    /// One observation outweighs every other.
    Agreed(O),
    /// Two or more observations weigh the same, and no documented mechanism explains the others
    /// away: each with the configurations that showed it.
    EvenSplit(Vec<(O, Vec<String>)>),
    /// No configuration could run it.
    Nobody,
}

impl<O> Consensus<O> {
    pub fn agreed(&self) -> Option<&O> {
        match self {
            Consensus::Agreed(observation) => Some(observation),
            _ => None,
        }
    }
}

/// Where a documented entry may apply: one case of one scenario, or any module (`None`: an
/// embedder's own plugin, where only an entry that names a mechanism can explain a difference).
pub type Scope<'a> = Option<(&'a str, &'a str)>;

/// Runs the case again on one of `references` (configuration ids, the first that can follow the
/// change), for a mechanism to confirm an observation.
pub trait Rerun {
    fn rerun(&mut self, references: &[&str], change: &dyn Fn(&mut InstanceConfig)) -> Option<Observation>;
}

/// Each party's verdict and note, in order, and what the witnesses bore out, for plugin calls:
/// an entry of `divergences` in `scope` documents a party where its mechanism, given `rerun` to
/// run the case again on the configurations that bore the side out, confirms it.
pub fn judge(
    parties: &[Party],
    scope: Scope,
    divergences: &Divergences,
    rerun: &mut dyn Rerun,
) -> (Consensus, Vec<(Verdict, Option<String>)>) {
    judge_by(parties, &mut Registry { scope, divergences, rerun })
}

/// Which documented entry explains a party's observation where the witnesses bore out another.
pub trait Explain<O> {
    /// The reason of the entry that documents `party` where `references` (configuration ids)
    /// showed `side`; `None` where none does.
    fn documented(&mut self, party: &Party<O>, side: &O, references: &[&str]) -> Option<String>;
}

/// The registry, consulted for plugin calls: by case where there is one, by mechanism alone for
/// an embedder's own plugin.
struct Registry<'a> {
    scope: Scope<'a>,
    divergences: &'a Divergences,
    rerun: &'a mut dyn Rerun,
}

impl Explain<Observation> for Registry<'_> {
    fn documented(&mut self, party: &Party, side: &Observation, references: &[&str]) -> Option<String> {
        let seen = Seen { observation: party.observation, others: Some(side) };
        let mut replay = ReplayOn { rerun: self.rerun, references };
        let entry = match self.scope {
            Some((scenario, case)) => self.divergences.find(party.id, scenario, case, &seen, &mut replay),
            None => self.divergences.explain(party.id, &seen, &mut replay),
        };
        entry.map(|entry| entry.reason.clone())
    }
}

/// Each party's verdict and note, in order, and what the witnesses bore out.
///
/// The case's model, where it has one, comes first: observations that break it weigh nothing
/// against those that follow it. Then the first observation, heaviest first, against which every
/// party that differs is documented is borne out (a host that differs by a documented rule is no
/// witness against the others); else the one most witnesses are consistent with (those that
/// showed it and those documented against it), where no other has as many; else the witnesses
/// split evenly, and the verdict says so.
pub fn judge_by<O: Observed>(
    parties: &[Party<O>],
    explain: &mut dyn Explain<O>,
) -> (Consensus<O>, Vec<(Verdict, Option<String>)>) {
    let anyone_follows = anyone_follows(parties);
    let counted: Vec<bool> = parties.iter().map(|p| !anyone_follows || p.breaks_model.is_none()).collect();
    let (weights, weighed) = weigh(parties, &counted);
    if weighed.is_empty() {
        let verdicts = parties.iter().map(|p| verdict(p, None)).collect();
        return (Consensus::Nobody, verdicts);
    }
    let mut judged_against = Vec::new();
    for (_, side) in &weighed {
        let explained: Vec<Explained> = parties.iter().map(|party| explained(party, side, parties, explain)).collect();
        if explained.iter().all(|e| !matches!(e, Explained::Unexplained(_))) {
            let verdicts = parties.iter().zip(&explained).map(|(p, e)| verdict(p, Some(e))).collect();
            return (Consensus::Agreed(side.clone()), verdicts);
        }
        judged_against.push((side, explained));
    }
    // No side explains every party: each is weighed by the witnesses consistent with it, those
    // that showed it and those a documented mechanism explains against it.
    let consistent: Vec<u64> = judged_against
        .iter()
        .map(|(_, explained)| {
            let fits = explained.iter().zip(&weights).filter(|(e, _)| !matches!(e, Explained::Unexplained(_)));
            fits.map(|(_, weight)| weight).sum()
        })
        .collect();
    let most = consistent.iter().copied().max().unwrap_or(0);
    let tied: Vec<_> = judged_against.iter().zip(&consistent).filter(|(_, w)| **w == most).map(|(s, _)| s).collect();
    if let [(side, explained)] = tied.as_slice() {
        let verdicts = parties.iter().zip(explained).map(|(p, e)| verdict(p, Some(e))).collect();
        return (Consensus::Agreed((*side).clone()), verdicts);
    }
    let sides: Vec<(O, Vec<String>)> = tied
        .iter()
        .map(|(side, _)| ((*side).clone(), agreeing(parties, side).iter().map(|s| s.to_string()).collect()))
        .collect();
    let note = split_note(&sides);
    let verdicts = parties
        .iter()
        .enumerate()
        .map(|(i, party)| {
            let documented = tied.iter().find_map(|(_, explained)| match &explained[i] {
                Explained::Documented(reason) => Some(reason.clone()),
                _ => None,
            });
            match (unsupported(party), documented) {
                (true, _) => verdict(party, None),
                (false, Some(reason)) => (Verdict::Documented, Some(reason)),
                (false, None) => (Verdict::Diverge, Some(note.clone())),
            }
        })
        .collect();
    (Consensus::EvenSplit(sides), verdicts)
}

/// What one party is against one observation the others may bear out.
enum Explained {
    /// It agrees, and follows the case's model.
    Agrees,
    /// It differs, and a documented entry explains it: the entry's reason.
    Documented(String),
    /// It differs, and nothing explains it: how.
    Unexplained(String),
}

fn explained<O: Observed>(party: &Party<O>, side: &O, parties: &[Party<O>], explain: &mut dyn Explain<O>) -> Explained {
    if unsupported(party) {
        return Explained::Agrees;
    }
    let differs = party.breaks_model.clone().or_else(|| {
        (!party.observation.agrees_with(side))
            .then(|| format!("differs from the other witnesses ({}): {}", side.detail(), party.observation.detail()))
    });
    let Some(why) = differs else { return Explained::Agrees };
    let references = agreeing(parties, side);
    // Where no witness follows the model, the side is one of the observations that break it, and
    // a mechanism is asked how the party differs from what the model says instead.
    let against = match (&party.breaks_model, party.model) {
        (Some(_), Some(model)) if !anyone_follows(parties) => model,
        _ => side,
    };
    match explain.documented(party, against, &references) {
        Some(reason) => Explained::Documented(reason),
        None => Explained::Unexplained(why),
    }
}

fn verdict<O: Observed>(party: &Party<O>, explained: Option<&Explained>) -> (Verdict, Option<String>) {
    if let Some(why) = party.observation.unsupported() {
        return (Verdict::Unsupported, Some(why.to_string()));
    }
    match explained {
        None | Some(Explained::Agrees) => (Verdict::Agree, None),
        Some(Explained::Documented(reason)) => (Verdict::Documented, Some(reason.clone())),
        Some(Explained::Unexplained(why)) => (Verdict::Diverge, Some(why.clone())),
    }
}

/// The configuration a [`Rerun`] runs the case again on: the first of `engines` named in
/// `references` that can follow `config`.
pub fn reference<'e>(
    engines: &'e [Arc<dyn Engine>],
    references: &[&str],
    config: &InstanceConfig,
) -> Option<&'e Arc<dyn Engine>> {
    engines.iter().filter(|engine| references.contains(&engine.id())).find(|engine| engine.honours(config))
}

/// A [`Rerun`] on fixed references, as a mechanism asks for it.
pub struct ReplayOn<'a, 'r> {
    pub rerun: &'a mut dyn Rerun,
    pub references: &'a [&'r str],
}

impl Replay for ReplayOn<'_, '_> {
    fn replay(&mut self, change: &dyn Fn(&mut InstanceConfig)) -> Option<Observation> {
        self.rerun.rerun(self.references, change)
    }
}

fn split_note<O: Observed>(sides: &[(O, Vec<String>)]) -> String {
    let sides: Vec<String> =
        sides.iter().map(|(observation, ids)| format!("{} ({})", observation.detail(), ids.join(", "))).collect();
    format!("the witnesses split evenly, and no documented mechanism settles it: {}", sides.join(" against "))
}

fn anyone_follows<O: Observed>(parties: &[Party<O>]) -> bool {
    parties.iter().any(|p| p.breaks_model.is_none() && !unsupported(p))
}

fn unsupported<O: Observed>(party: &Party<O>) -> bool {
    party.observation.unsupported().is_some()
}

/// The configurations whose observation agrees with `observation`.
pub fn agreeing<'p, O: Observed>(parties: &[Party<'p, O>], observation: &O) -> Vec<&'p str> {
    parties.iter().filter(|p| !unsupported(p) && p.observation.agrees_with(observation)).map(|p| p.id).collect()
}

/// Each party's weight and the observations shown, heaviest first (the earliest shown first
/// among equals), each weighed by its witnesses: every host layer weighs one, shared evenly among
/// its engines, and an engine's share evenly among its configurations. Weights count whole units
/// (a common multiple of every share's denominator), so that ties are exact. A party not
/// `counted`, or unsupported, weighs nothing.
fn weigh<O: Observed>(parties: &[Party<O>], counted: &[bool]) -> (Vec<u64>, Vec<(u64, O)>) {
    let weighs = |i: usize| counted[i] && !unsupported(&parties[i]);
    let running: Vec<&Party<O>> = (0..parties.len()).filter(|&i| weighs(i)).map(|i| &parties[i]).collect();
    let mut hosts: BTreeMap<WasiHost, BTreeMap<&str, u64>> = BTreeMap::new();
    for party in &running {
        *hosts.entry(party.witness.host).or_default().entry(party.witness.engine.as_str()).or_default() += 1;
    }
    let share = |party: &Party<O>| {
        let engines = &hosts[&party.witness.host];
        engines.len() as u64 * engines[party.witness.engine.as_str()]
    };
    let denominators: BTreeSet<u64> = running.iter().map(|p| share(p)).collect();
    let unit: u64 = denominators.iter().product();
    let weights: Vec<u64> = (0..parties.len()).map(|i| if weighs(i) { unit / share(&parties[i]) } else { 0 }).collect();
    // One candidate per observation shown, preferring the one that shows the most, so that all
    // of it is part of what the others are held to.
    let mut candidates: Vec<&O> = Vec::new();
    for party in &running {
        match candidates.iter_mut().find(|c| c.agrees_with(party.observation)) {
            Some(shown) if party.observation.shows_more_than(shown) => *shown = party.observation,
            Some(_) => {}
            None => candidates.push(party.observation),
        }
    }
    let mut weighed: Vec<(u64, O)> = candidates
        .into_iter()
        .map(|candidate| {
            let support = parties.iter().zip(&weights).filter(|(p, _)| p.observation.agrees_with(candidate));
            (support.map(|(_, weight)| weight).sum(), candidate.clone())
        })
        .collect();
    weighed.sort_by_key(|(weight, _)| std::cmp::Reverse(*weight));
    (weights, weighed)
}

#[cfg(test)]
mod tests {
    use super::{Consensus, Party, Rerun, Witness, judge};
    use crate::divergence::Divergences;
    use crate::observation::{Observation, Verdict};
    use concord_engine::{InstanceConfig, Outcome, TrapKind, WasiHost};

    struct NoRerun;

    impl Rerun for NoRerun {
        fn rerun(&mut self, _: &[&str], _: &dyn Fn(&mut InstanceConfig)) -> Option<Observation> {
            None
        }
    }

    /// The twelve configurations as witnesses: (id, host, engine).
    const TWELVE: [(&str, WasiHost, &str); 12] = [
        ("wasmtime-cranelift", WasiHost::Concord, "wasmtime"),
        ("wasmtime-winch", WasiHost::Concord, "wasmtime"),
        ("wasmtime-pulley", WasiHost::Concord, "wasmtime"),
        ("wasmtime-cranelift-pooling", WasiHost::Concord, "wasmtime"),
        ("wasmer-cranelift", WasiHost::Concord, "wasmer"),
        ("wasmer-singlepass", WasiHost::Concord, "wasmer"),
        ("wasmi", WasiHost::Concord, "wasmi"),
        ("tinywasm", WasiHost::Concord, "tinywasm"),
        ("extism", WasiHost::WasmtimeWasi, "wasmtime"),
        ("v8-turbofan", WasiHost::Concord, "v8"),
        ("v8-liftoff", WasiHost::Concord, "v8"),
        ("extism-js", WasiHost::Node, "v8"),
    ];

    /// A configuration's id, verdict and note.
    type Judged = (&'static str, Verdict, Option<String>);

    fn returned(byte: u8) -> Observation {
        Observation::new(Outcome::Returned(vec![byte]), None)
    }

    fn trap(kind: TrapKind) -> Observation {
        Observation::new(Outcome::Trap(kind), None)
    }

    /// Each configuration's verdict, where `shown` says what each did (`None`: it is left out).
    fn verdicts(shown: impl Fn(&str) -> Option<Observation>, divergences: &Divergences) -> (Consensus, Vec<Judged>) {
        let observations: Vec<_> =
            TWELVE.iter().filter_map(|(id, host, engine)| Some((*id, *host, *engine, shown(id)?))).collect();
        let parties: Vec<Party> = observations
            .iter()
            .map(|(id, host, engine, observation)| Party {
                id,
                witness: Witness { host: *host, engine: engine.to_string() },
                observation,
                breaks_model: None,
                model: None,
            })
            .collect();
        let (consensus, verdicts) = judge(&parties, Some(("kernel", "a-case")), divergences, &mut NoRerun);
        let judged = observations.iter().zip(verdicts).map(|((id, ..), (v, note))| (*id, v, note)).collect();
        (consensus, judged)
    }

    /// A registry of one entry: Extism's trap kind may cover the others'.
    fn extism_one_trap_for_two_causes() -> Divergences {
        toml::from_str(
            r#"
            [[divergence]]
            engine = "extism"
            scenario = "kernel"
            mechanism = "one-trap-for-two-causes"
            reason = "one trap for two causes"
            "#,
        )
        .expect("the entry parses")
    }

    fn verdict_of(judged: &[Judged], id: &str) -> Verdict {
        judged.iter().find(|(i, ..)| *i == id).map(|(_, v, _)| *v).expect("judged")
    }

    #[test]
    fn the_configurations_on_concords_host_are_one_witness_beside_each_extism_host() {
        // Concord's host layer is wrong where both Extism hosts agree: ten configurations differ.
        let extism = |id: &str| Some(if id.starts_with("extism") { returned(1) } else { returned(0) });
        let (consensus, judged) = verdicts(extism, &Divergences::default());
        assert_eq!(consensus, Consensus::Agreed(returned(1)));
        assert_eq!(verdict_of(&judged, "extism"), Verdict::Agree);
        assert_eq!(verdict_of(&judged, "wasmtime-cranelift"), Verdict::Diverge);
        assert_eq!(judged.iter().filter(|(_, v, _)| *v == Verdict::Diverge).count(), 10);
    }

    #[test]
    fn one_engine_that_differs_from_the_others_on_its_host_is_outweighed() {
        let tinywasm = |id: &str| Some(if id == "tinywasm" { returned(1) } else { returned(0) });
        let (consensus, judged) = verdicts(tinywasm, &Divergences::default());
        assert_eq!(consensus, Consensus::Agreed(returned(0)));
        assert_eq!(verdict_of(&judged, "tinywasm"), Verdict::Diverge);
        assert_eq!(judged.iter().filter(|(_, v, _)| *v == Verdict::Diverge).count(), 1);
        // Every configuration of one engine together is one witness among the engines on its host.
        let wasmtime = |id: &str| Some(if id.starts_with("wasmtime") { returned(1) } else { returned(0) });
        let (consensus, _) = verdicts(wasmtime, &Divergences::default());
        assert_eq!(consensus, Consensus::Agreed(returned(0)));
    }

    #[test]
    fn an_even_split_is_stated_not_settled() {
        // Without the JavaScript host, Concord's host and Extism's Rust host weigh the same.
        let split = |id: &str| match id {
            "extism-js" => None,
            "extism" => Some(returned(1)),
            _ => Some(returned(0)),
        };
        let (consensus, judged) = verdicts(split, &Divergences::default());
        assert!(matches!(consensus, Consensus::EvenSplit(ref sides) if sides.len() == 2), "{consensus:?}");
        assert!(judged.iter().all(|(_, v, _)| *v == Verdict::Diverge));
        let note = judged[0].2.as_deref().unwrap_or_default();
        assert!(note.contains("split evenly") && note.contains("extism"), "{note}");
    }

    #[test]
    fn an_even_split_that_a_mechanism_explains_is_settled_by_it() {
        let divergences = extism_one_trap_for_two_causes();
        let split = |id: &str| match id {
            "extism-js" => None,
            "extism" => Some(trap(TrapKind::IndirectCallNullOrBadSignature)),
            _ => Some(trap(TrapKind::IndirectCallToNull)),
        };
        let (consensus, judged) = verdicts(split, &divergences);
        assert_eq!(consensus, Consensus::Agreed(trap(TrapKind::IndirectCallToNull)));
        assert_eq!(verdict_of(&judged, "extism"), Verdict::Documented);
        assert_eq!(verdict_of(&judged, "wasmi"), Verdict::Agree);
    }

    #[test]
    fn alone_a_party_that_breaks_the_model_is_explained_against_the_model() {
        // A run on Extism alone: no witness follows the model, so the mechanism is asked how
        // Extism differs from what the model says, not from Extism's own observation.
        let (model, seen) = (trap(TrapKind::IndirectCallToNull), trap(TrapKind::IndirectCallNullOrBadSignature));
        let alone = |model: Option<&Observation>, divergences: &Divergences| {
            let party = Party {
                id: "extism",
                witness: Witness { host: WasiHost::WasmtimeWasi, engine: "wasmtime".into() },
                observation: &seen,
                breaks_model: Some("differs from the model".into()),
                model,
            };
            judge(&[party], Some(("kernel", "a-case")), divergences, &mut NoRerun).1[0].0
        };
        assert_eq!(alone(Some(&model), &extism_one_trap_for_two_causes()), Verdict::Documented);
        assert_eq!(alone(Some(&model), &Divergences::default()), Verdict::Diverge);
        // A model the mechanism does not cover is no excuse.
        let unrelated = returned(0);
        assert_eq!(alone(Some(&unrelated), &extism_one_trap_for_two_causes()), Verdict::Diverge);
    }

    #[test]
    fn three_ways_apart_the_side_most_witnesses_are_consistent_with_is_borne_out() {
        // Each host shows something else; Extism's difference from Concord's host is documented,
        // extism-js's is not, so two of the three witnesses fit Concord's host and extism-js differs.
        let divergences = extism_one_trap_for_two_causes();
        let to_null = trap(TrapKind::IndirectCallToNull);
        let apart = |id: &str| match id {
            "extism-js" => Some(returned(9)),
            "extism" => Some(trap(TrapKind::IndirectCallNullOrBadSignature)),
            _ => Some(to_null.clone()),
        };
        let (consensus, judged) = verdicts(apart, &divergences);
        assert_eq!(consensus, Consensus::Agreed(to_null.clone()));
        assert_eq!(verdict_of(&judged, "extism"), Verdict::Documented);
        assert_eq!(verdict_of(&judged, "extism-js"), Verdict::Diverge);
        assert_eq!(verdict_of(&judged, "wasmi"), Verdict::Agree);
        // Without the entry the three witnesses split three ways, and the verdict says so.
        let (consensus, _) = verdicts(apart, &Divergences::default());
        assert!(matches!(consensus, Consensus::EvenSplit(ref sides) if sides.len() == 3), "{consensus:?}");
    }
}
