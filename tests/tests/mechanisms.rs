//! Documented mechanisms confirm each observation they explain: a fault planted in a
//! configuration with documented differences, under its own id, is still a divergence.

use concord::engine::{MemoryLimiting, Outcome};
use concord::runner::Runner;
use concord::scenario;
use concord_self_check::{Fault, Faulty};
use concord_tests::{engines, position_with};
use concord_verdict::divergence::Divergences;
use concord_verdict::observation::Verdict;
use std::sync::Arc;

/// extism-js never bounds linear memory (documented: `memory-limit-not-enforced`, confirmed by
/// running the case again on a reference configuration without the limit). A flipped output byte
/// from it in the growth scenario is not that mechanism, and is reported as a divergence.
#[test]
fn a_flipped_byte_from_extism_js_is_caught_while_its_unenforced_limit_stays_documented() {
    let divergences = Divergences::builtin();
    let honest: Vec<_> = engines().to_vec();
    let at = position_with(|c| c.memory_limit == MemoryLimiting::KernelBlocksOnly);
    let id = honest[at].id().to_string();
    let mut planted = honest.clone();
    planted[at] = Arc::new(Faulty::keeping_id(honest[at].clone(), Fault::FlipOutputByte));
    let (mut honest, mut planted) = (Runner::new(honest), Runner::new(planted));

    let (mut documented, mut caught) = (0, 0);
    for case in scenario::generate(0x9e0, 48, Some("growth")) {
        let verdict_of = |runner: &mut Runner| {
            let result = runner.run(&case, &divergences);
            let own = result.engines.into_iter().find(|e| e.engine == id).expect("it ran");
            (own.verdict, own.observation.outcome)
        };
        let (honest_verdict, outcome) = verdict_of(&mut honest);
        let (planted_verdict, _) = verdict_of(&mut planted);
        assert_ne!(honest_verdict, Verdict::Diverge, "{}: extism-js as it is", case.name);
        if honest_verdict == Verdict::Documented && matches!(&outcome, Outcome::Returned(bytes) if !bytes.is_empty()) {
            documented += 1;
            assert_eq!(planted_verdict, Verdict::Diverge, "{}: the flipped byte hid behind the entry", case.name);
            caught += 1;
        }
    }
    assert!(documented >= 5, "only {documented} growth cases showed the unenforced limit");
    assert_eq!(caught, documented);
}
