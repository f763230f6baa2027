//! Two engines' copies of one memory side by side, from the first 16-byte line where they differ:
//! offset, 16 bytes a line and an ASCII column for each engine, and a `*` on every line that
//! differs.

/// Lines shown, from the first that differs.
const LINES: usize = 4;
const WIDTH: usize = 16;

/// The first differing region of `left` and `right`, or `None` when they are the same.
pub fn side_by_side(left_name: &str, left: &[u8], right_name: &str, right: &[u8]) -> Option<String> {
    let len = left.len().max(right.len());
    let first = (0..len).find(|&i| left.get(i) != right.get(i))?;
    let start = first / WIDTH * WIDTH;
    let column = WIDTH * 3 + WIDTH + 3;
    let mut out = format!("first difference at 0x{first:x}\n{:11}{left_name:column$}   {right_name}\n", "");
    for line in (start..len).step_by(WIDTH).take(LINES) {
        let a = &left[line.min(left.len())..(line + WIDTH).min(left.len())];
        let b = &right[line.min(right.len())..(line + WIDTH).min(right.len())];
        let mark = if a == b { ' ' } else { '*' };
        out += &format!("{line:08x} {mark} {:column$}   {}\n", row(a), row(b));
    }
    Some(out)
}

/// `00 61 ff ...  |.a.|`; bytes past the end of a memory shown as blanks.
fn row(bytes: &[u8]) -> String {
    let hex: String = (0..WIDTH).map(|i| bytes.get(i).map_or("   ".to_string(), |b| format!("{b:02x} "))).collect();
    let ascii: String =
        bytes.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }).collect();
    format!("{hex} |{ascii:WIDTH$}|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dump_starts_at_the_line_of_the_first_difference_and_marks_differing_lines() {
        let mut a = vec![0u8; 64];
        let mut b = a.clone();
        a[20] = b'A';
        b[20] = b'B';
        let dump = side_by_side("left", &a, "right", &b).unwrap();
        println!("{dump}");
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines[0], "first difference at 0x14");
        assert!(lines[2].starts_with("00000010 * 00 00 00 00 41"), "{}", lines[2]);
        assert!(lines[2].contains("|....A...........|") && lines[2].contains("|....B...........|"));
        assert!(lines[3].starts_with("00000020   00"), "{}", lines[3]);
        assert!(side_by_side("l", &a, "r", &a).is_none());
        // A memory one engine grew further: the missing bytes differ.
        assert!(side_by_side("l", &a, "r", &a[..32]).unwrap().starts_with("first difference at 0x20"));
    }
}
