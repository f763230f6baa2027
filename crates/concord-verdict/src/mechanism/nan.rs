//! Whether an engine returned a signalling NaN where the spec asks for an arithmetic one, and
//! nothing else was wrong: with each signalling NaN's quiet bit set, every value matches.

use concord_engine::Value;
use concord_wast::expect::Expected;

pub fn only_signalling_nans_unquieted(got: &[Value], expected: &[Expected]) -> bool {
    if got.len() != expected.len() {
        return false;
    }
    let mut unquieted = false;
    for (value, expected) in got.iter().zip(expected) {
        if expected.matches(value) {
            continue;
        }
        match quieted(value) {
            Some(quiet) if expected.matches(&quiet) => unquieted = true,
            _ => return false,
        }
    }
    unquieted
}

/// A signalling NaN with its quiet bit set; `None` for any other value.
fn quieted(value: &Value) -> Option<Value> {
    match *value {
        Value::F32(bits) => signalling(bits as u64, 23).map(|quiet| Value::F32(bits | quiet as u32)),
        Value::F64(bits) => signalling(bits, 52).map(|quiet| Value::F64(bits | quiet)),
        _ => None,
    }
}

/// The quiet bit of a float with `mantissa` bits, if `bits` is a NaN with it clear.
fn signalling(bits: u64, mantissa: u32) -> Option<u64> {
    let width = if mantissa == 23 { 32 } else { 64 };
    let exponent = ((1u64 << (width - 1 - mantissa)) - 1) << mantissa;
    let payload = bits & ((1u64 << mantissa) - 1);
    let quiet = 1u64 << (mantissa - 1);
    (bits & exponent == exponent && payload != 0 && payload & quiet == 0).then_some(quiet)
}

#[cfg(test)]
mod tests {
    use super::only_signalling_nans_unquieted;
    use concord_engine::Value;
    use concord_wast::expect::Expected;
    use concord_wast::expect::Float;

    #[test]
    fn a_signalling_nan_is_explained_and_any_other_value_is_not() {
        let arithmetic = [Expected::F32(Float::ArithmeticNan)];
        assert!(only_signalling_nans_unquieted(&[Value::F32(0x7fa0_0000)], &arithmetic));
        assert!(only_signalling_nans_unquieted(&[Value::F32(0xffa0_0000)], &arithmetic), "either sign");
        assert!(!only_signalling_nans_unquieted(&[Value::F32(0x7fc0_0000)], &arithmetic), "nothing wrong");
        assert!(!only_signalling_nans_unquieted(&[Value::F32(0x3f80_0000)], &arithmetic), "a number");
        assert!(!only_signalling_nans_unquieted(&[Value::F64(0x7ff4_0000_0000_0000)], &arithmetic), "other width");
        let f64 = [Expected::F64(Float::ArithmeticNan)];
        assert!(only_signalling_nans_unquieted(&[Value::F64(0x7ff4_0000_0000_0000)], &f64));
        let exact = [Expected::Exact(Value::F64(0x7ff8_0000_0000_0002))];
        assert!(!only_signalling_nans_unquieted(&[Value::F64(0x7ff0_0000_0000_0001)], &exact), "payload differs");
    }
}
