//! The state scenario as a state machine (proptest-state-machine): the reference machine is the
//! model of the `state` actor and the host's policy; the system under test is one actor per engine
//! configuration, fed the same messages. After every step, every engine's record (outputs, messages
//! sent through the host, the host's state) must equal the model's, and the native engines must
//! show the same memory size.

use concord::scenario::state::{Step, model_step, modes, policies, steps};
use concord_actor::{Actor, ActorSpec, Mode, State, StatePolicy, StepRecord};
use concord_tests::compiled;
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use std::time::Duration;

#[derive(Debug, Clone)]
struct Model {
    policy: StatePolicy,
    mode: Mode,
    host: State,
    last: Option<StepRecord>,
}

impl ReferenceStateMachine for Model {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        (policies(), modes()).prop_map(|(policy, mode)| Model { policy, mode, host: State::new(), last: None }).boxed()
    }

    fn transitions(_: &Model) -> BoxedStrategy<Step> {
        steps().boxed()
    }

    fn apply(mut model: Model, step: &Step) -> Model {
        model.last = Some(model_step(model.policy, &mut model.host, step));
        model
    }
}

struct Engines;

impl StateMachineTest for Engines {
    type SystemUnderTest = Vec<(String, Actor)>;
    type Reference = Model;

    fn init_test(model: &Model) -> Self::SystemUnderTest {
        compiled("state")
            .iter()
            .map(|(engine, module)| {
                let mut spec = ActorSpec { policy: model.policy, mode: model.mode, ..ActorSpec::new("process") };
                spec.cpu.deadline = Some(Duration::from_secs(10));
                (engine.clone(), Actor::new(module.clone(), spec))
            })
            .collect()
    }

    fn apply(mut actors: Self::SystemUnderTest, model: &Model, step: Step) -> Self::SystemUnderTest {
        let expected = model.last.as_ref().expect("the model took the step");
        let payload = step.payload();
        for (engine, actor) in &mut actors {
            let record = actor.step(payload.clone());
            assert_eq!(&record, expected, "{engine} under {:?}/{:?}", model.policy, model.mode);
            assert_eq!(actor.state(), &model.host, "{engine}: the host's state");
        }
        actors
    }

    fn check_invariants(actors: &Self::SystemUnderTest, _: &Model) {
        let pages: Vec<_> = actors.iter().filter_map(|(e, a)| a.memory_pages().map(|p| (e, p))).collect();
        assert!(pages.windows(2).all(|w| w[0].1 == w[1].1), "engines disagree on memory pages: {pages:?}");
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_state_actor_matches_the_model_after_every_step(sequential 1..10 => Engines);
}
