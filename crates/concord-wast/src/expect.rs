//! What an `assert_return` expects, checked on bits: exact values, and the spec's NaN patterns
//! (`nan:canonical`, `nan:arithmetic`) per float and per v128 lane.

use concord_engine::Value;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Exact(Value),
    F32(Float),
    F64(Float),
    V128(Lanes),
    /// A null reference of any type.
    NullRef,
    /// Any non-null externref.
    NonNullExtern,
    /// One of several (`either`).
    Either(Vec<Expected>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Float {
    Bits(u64),
    /// Sign, the exponent all ones, and only the payload's top bit set.
    CanonicalNan,
    /// Sign, the exponent all ones, and the payload's top bit set (any other payload bits).
    ArithmeticNan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lanes {
    F32([Float; 4]),
    F64([Float; 2]),
}

/// The bit layout of one float width.
#[derive(Clone, Copy)]
struct Layout {
    bits: u32,
    mantissa: u32,
}

const F32: Layout = Layout { bits: 32, mantissa: 23 };
const F64: Layout = Layout { bits: 64, mantissa: 52 };

impl Float {
    fn matches(self, bits: u64, layout: Layout) -> bool {
        let quiet = 1u64 << (layout.mantissa - 1);
        let exponent = ((1u64 << (layout.bits - 1 - layout.mantissa)) - 1) << layout.mantissa;
        let payload = bits & ((1u64 << layout.mantissa) - 1);
        let is_nan = bits & exponent == exponent && payload != 0;
        match self {
            Float::Bits(want) => bits == want,
            Float::CanonicalNan => is_nan && payload == quiet,
            Float::ArithmeticNan => is_nan && payload & quiet != 0,
        }
    }
}

impl Expected {
    pub fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (Expected::Exact(want), got) => want == got,
            (Expected::F32(pattern), Value::F32(bits)) => pattern.matches(*bits as u64, F32),
            (Expected::F64(pattern), Value::F64(bits)) => pattern.matches(*bits, F64),
            (Expected::V128(Lanes::F32(lanes)), Value::V128(bits)) => {
                lanes.iter().enumerate().all(|(i, p)| p.matches((bits >> (32 * i)) as u32 as u64, F32))
            }
            (Expected::V128(Lanes::F64(lanes)), Value::V128(bits)) => {
                lanes.iter().enumerate().all(|(i, p)| p.matches((bits >> (64 * i)) as u64, F64))
            }
            (Expected::NullRef, Value::FuncRef { null: true } | Value::ExternRef(None)) => true,
            (Expected::NonNullExtern, Value::ExternRef(Some(_))) => true,
            (Expected::Either(options), got) => options.iter().any(|o| o.matches(got)),
            _ => false,
        }
    }

    /// Whether a NaN pattern leaves bits unspecified: engines may then differ on the bits and
    /// still agree.
    pub fn allows_any_nan(&self) -> bool {
        let nan = |f: &Float| matches!(f, Float::CanonicalNan | Float::ArithmeticNan);
        match self {
            Expected::F32(f) | Expected::F64(f) => nan(f),
            Expected::V128(Lanes::F32(lanes)) => lanes.iter().any(nan),
            Expected::V128(Lanes::F64(lanes)) => lanes.iter().any(nan),
            Expected::Either(options) => options.iter().any(Expected::allows_any_nan),
            _ => false,
        }
    }
}

impl fmt::Display for Float {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Float::Bits(bits) => write!(f, "0x{bits:x}"),
            Float::CanonicalNan => f.write_str("nan:canonical"),
            Float::ArithmeticNan => f.write_str("nan:arithmetic"),
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Exact(value) => value.fmt(f),
            Expected::F32(Float::Bits(bits)) => Value::F32(*bits as u32).fmt(f),
            Expected::F64(Float::Bits(bits)) => Value::F64(*bits).fmt(f),
            Expected::F32(pattern) => write!(f, "f32:{pattern}"),
            Expected::F64(pattern) => write!(f, "f64:{pattern}"),
            Expected::V128(Lanes::F32(lanes)) => write!(f, "f32x4 {} {} {} {}", lanes[0], lanes[1], lanes[2], lanes[3]),
            Expected::V128(Lanes::F64(lanes)) => write!(f, "f64x2 {} {}", lanes[0], lanes[1]),
            Expected::NullRef => f.write_str("ref.null"),
            Expected::NonNullExtern => f.write_str("ref.extern"),
            Expected::Either(options) => {
                let options: Vec<String> = options.iter().map(ToString::to_string).collect();
                write!(f, "either({})", options.join(" | "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_patterns_are_checked_on_the_bits() {
        let canonical32 = 0x7fc0_0000u32;
        let arithmetic32 = 0x7fc0_0001u32;
        let signalling32 = 0x7f80_0001u32;
        let f32 = |p| Expected::F32(p);
        assert!(f32(Float::CanonicalNan).matches(&Value::F32(canonical32)));
        assert!(f32(Float::CanonicalNan).matches(&Value::F32(canonical32 | 0x8000_0000)), "either sign");
        assert!(!f32(Float::CanonicalNan).matches(&Value::F32(arithmetic32)));
        assert!(f32(Float::ArithmeticNan).matches(&Value::F32(arithmetic32)));
        assert!(!f32(Float::ArithmeticNan).matches(&Value::F32(signalling32)));
        assert!(!f32(Float::ArithmeticNan).matches(&Value::F32(0x7f80_0000)), "infinity is no NaN");
        assert!(Expected::F64(Float::CanonicalNan).matches(&Value::F64(0x7ff8_0000_0000_0000)));
        assert!(!Expected::F64(Float::CanonicalNan).matches(&Value::F64(0x7ff8_0000_0000_0001)));
        let lanes =
            Expected::V128(Lanes::F32([Float::Bits(0x3f80_0000), Float::CanonicalNan, Float::Bits(0), Float::Bits(0)]));
        assert!(lanes.matches(&Value::V128(0x7fc0_0000_3f80_0000)));
        assert!(!lanes.matches(&Value::V128(0x7fc0_0001_3f80_0000)), "lane 1 is not canonical");
    }
}
