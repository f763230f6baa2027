//! Random byte strings through the `stream` guest (an Extism PDK plugin) on every engine must
//! equal the Rust model, byte for byte, in both directions: nothing missing, nothing extra.

use concord::engine::{InstanceConfig, Outcome};
use concord::scenario::stream::model;
use concord_tests::compiled;
use proptest::prelude::*;

fn lengths() -> impl Strategy<Value = Vec<u8>> {
    // Edges (empty, one byte, around the 8-byte chunking of the kernel ABI) and the full range.
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..=17), proptest::collection::vec(any::<u8>(), 0..=256 * 1024),]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn stream_matches_the_model_on_every_engine(input in lengths()) {
        let expected = Outcome::Returned(model(&input));
        for (engine, module) in compiled("stream") {
            let mut instance = module.instantiate(&InstanceConfig::default()).expect("stream instantiates");
            let call = instance.call("stream", &input);
            prop_assert_eq!(&call.outcome, &expected, "{} on {} input bytes", engine, input.len());
        }
    }
}
