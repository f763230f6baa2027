//! The spec testsuite's trap messages, matched to [`TrapKind`] here and only here: engines are
//! judged on the kind, never on their own message text.

use concord_engine::TrapKind;

/// The kinds a spec message allows, matched on its start (messages may add detail: "uninitialized
/// element 2"): one, or both kinds of access for the older suites' bare "out of bounds". `None` for
/// a message this table does not know.
pub fn trap_kinds(message: &str) -> Option<Vec<TrapKind>> {
    if message == "out of bounds" {
        return Some(vec![TrapKind::MemoryOutOfBounds, TrapKind::TableOutOfBounds]);
    }
    trap_kind(message).map(|kind| vec![kind])
}

fn trap_kind(message: &str) -> Option<TrapKind> {
    const KINDS: &[(&str, TrapKind)] = &[
        ("unreachable", TrapKind::Unreachable),
        ("out of bounds memory access", TrapKind::MemoryOutOfBounds),
        ("memory access out of bounds", TrapKind::MemoryOutOfBounds),
        ("out of bounds table access", TrapKind::TableOutOfBounds),
        ("undefined element", TrapKind::TableOutOfBounds),
        ("uninitialized element", TrapKind::IndirectCallToNull),
        ("indirect call type mismatch", TrapKind::BadSignature),
        ("indirect call signature mismatch", TrapKind::BadSignature),
        ("integer overflow", TrapKind::IntegerOverflow),
        ("integer divide by zero", TrapKind::IntegerDivisionByZero),
        ("invalid conversion to integer", TrapKind::BadConversionToInteger),
        ("call stack exhausted", TrapKind::StackOverflow),
        ("null reference", TrapKind::NullReference),
        ("null function reference", TrapKind::NullReference),
        ("null structure reference", TrapKind::NullReference),
        ("null array reference", TrapKind::NullReference),
        ("null i31 reference", TrapKind::NullReference),
    ];
    KINDS.iter().find(|(prefix, _)| message.starts_with(prefix)).map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_map_to_kinds_by_their_start() {
        assert_eq!(trap_kind("uninitialized element 2"), Some(TrapKind::IndirectCallToNull));
        assert_eq!(trap_kind("out of bounds memory access"), Some(TrapKind::MemoryOutOfBounds));
        assert_eq!(trap_kind("undefined element"), Some(TrapKind::TableOutOfBounds));
        assert_eq!(trap_kind("something new"), None);
        assert_eq!(trap_kinds("out of bounds"), Some(vec![TrapKind::MemoryOutOfBounds, TrapKind::TableOutOfBounds]));
        assert_eq!(trap_kinds("out of bounds memory access"), Some(vec![TrapKind::MemoryOutOfBounds]));
    }
}
