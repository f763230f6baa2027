//! What a module declares that some engines will not compile or instantiate although the spec
//! allows it: read off the module's own sections, so an entry naming one of these explains a
//! refusal only of a module that has the shape.

use wasmparser::{ElementItems, Operator, Parser, Payload, TableType};

/// The largest table maximum, in elements, that wasmer 7.3 and 7.4 instantiate (its `TABLE_MAX`), where
/// the spec allows up to 2^32 - 1.
pub const WASMER_TABLE_CEILING: u64 = 1 << 27;

/// Whether an element segment's items are expressions of which one reads a global (`global.get`,
/// valid since Wasm 2.0's extended constant rules for element items).
pub fn has_element_item_global_get(wasm: &[u8]) -> bool {
    sections(wasm).any(|payload| match payload {
        Payload::ElementSection(reader) => reader.into_iter().flatten().any(|element| match element.items {
            ElementItems::Expressions(_, expressions) => expressions.into_iter().flatten().any(|expression| {
                expression
                    .get_operators_reader()
                    .into_iter()
                    .flatten()
                    .any(|op| matches!(op, Operator::GlobalGet { .. }))
            }),
            ElementItems::Functions(_) => false,
        }),
        _ => false,
    })
}

/// Whether a table the module defines or imports declares a maximum above `ceiling` elements.
pub fn has_table_maximum_over(wasm: &[u8], ceiling: u64) -> bool {
    let over = |table: &TableType| table.maximum.is_some_and(|max| max > ceiling);
    sections(wasm).any(|payload| match payload {
        Payload::TableSection(reader) => reader.into_iter().flatten().any(|table| over(&table.ty)),
        Payload::ImportSection(reader) => reader.into_imports().flatten().any(|import| match import.ty {
            wasmparser::TypeRef::Table(table) => over(&table),
            _ => false,
        }),
        _ => false,
    })
}

/// The module's sections, as far as they parse.
fn sections(wasm: &[u8]) -> impl Iterator<Item = Payload<'_>> {
    Parser::new(0).parse_all(wasm).map_while(Result::ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm(text: &str) -> Vec<u8> {
        wat::parse_str(text).unwrap()
    }

    #[test]
    fn an_element_item_reading_a_global_is_found_and_a_function_list_is_not() {
        let global_get = wasm(
            "(module (global $g (import \"m\" \"g\") funcref) (table 1 funcref) \
             (elem (i32.const 0) funcref (global.get $g)))",
        );
        assert!(has_element_item_global_get(&global_get));
        let functions = wasm("(module (table 1 funcref) (func $f) (elem (i32.const 0) $f))");
        assert!(!has_element_item_global_get(&functions));
        let ref_func = wasm("(module (table 1 funcref) (func $f) (elem (i32.const 0) funcref (ref.func $f)))");
        assert!(!has_element_item_global_get(&ref_func));
    }

    #[test]
    fn a_table_maximum_counts_over_the_ceiling_only_above_it() {
        assert!(has_table_maximum_over(&wasm("(module (table 0 0xffff_ffff funcref))"), WASMER_TABLE_CEILING));
        assert!(!has_table_maximum_over(&wasm("(module (table 0 0x0800_0000 funcref))"), WASMER_TABLE_CEILING));
        assert!(!has_table_maximum_over(&wasm("(module (table 0 funcref))"), WASMER_TABLE_CEILING));
        let imported = wasm("(module (import \"m\" \"t\" (table 0 0xffff_ffff funcref)))");
        assert!(has_table_maximum_over(&imported, WASMER_TABLE_CEILING));
    }
}
