//! Printing bytes that came from the kernel: file names, comms, arguments.
//!
//! Anything a process chose (a file name with a newline or a terminal escape,
//! invalid UTF-8) is escaped, so one event is one line and nothing reaches the
//! terminal raw. Printable UTF-8 passes through unchanged.

use std::io::{self, Write};

/// The bytes before the first NUL, as the kernel's fixed-size strings hold them.
pub fn c_str(bytes: &[u8]) -> &[u8] {
    bytes.iter().position(|&b| b == 0).map_or(bytes, |end| &bytes[..end])
}

/// Whether `needle` occurs in `haystack`, as `strstr` answers the `-n NAME`
/// filters of libbpf-tools (on raw bytes: comms need not be UTF-8).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Writes `bytes` for a terminal or a line-oriented reader: control
/// characters (C0, DEL, C1) and bidi overrides as `\n`, `\t`, `\xHH` or `\u{HH}`, invalid UTF-8 as
/// `\xHH`, and the backslash itself as `\\`, so every escape is unambiguous.
pub fn write_text(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    write_escaped(out, bytes, false)
}

/// `bytes` in double quotes, escaped as `write_text` does: how an error
/// message shows what a person typed (the tools' `{:?}` prints nothing, see
/// scripts/build.sh).
pub fn quoted(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'"');
    // Writing to a Vec cannot fail, and every invalid byte is escaped.
    let _ = write_text(&mut out, bytes);
    out.push(b'"');
    String::from_utf8(out).unwrap_or_default()
}

/// Writes `bytes` as a JSON string, quotes included. Control characters are
/// escaped and invalid UTF-8 becomes U+FFFD, so the output is valid JSON and
/// safe on a terminal.
pub fn write_json_str(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(b"\"")?;
    write_escaped(out, bytes, true)?;
    out.write_all(b"\"")
}

/// The one escaping loop of both forms: printable runs are written as they
/// are, each character that needs it is replaced.
fn write_escaped(out: &mut impl Write, bytes: &[u8], json: bool) -> io::Result<()> {
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let mut clean = 0;
        for (at, c) in valid.char_indices() {
            let escape = match c {
                '"' if json => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                // Bidi overrides and isolates reorder what a terminal shows.
                c if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') => "",
                _ => continue,
            };
            out.write_all(&valid.as_bytes()[clean..at])?;
            let code = c as u32;
            match escape {
                "" if json => write!(out, "\\u{code:04x}")?,
                "" if code < 0x80 => write!(out, "\\x{code:02x}")?,
                "" => write!(out, "\\u{{{code:x}}}")?,
                escape => out.write_all(escape.as_bytes())?,
            }
            clean = at + c.len_utf8();
        }
        out.write_all(&valid.as_bytes()[clean..])?;
        match chunk.invalid() {
            [] => {}
            _ if json => out.write_all(b"\\ufffd")?,
            invalid => invalid.iter().try_for_each(|byte| write!(out, "\\x{byte:02x}"))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_is_escaped_between_quotes() {
        assert_eq!(quoted(b"80x"), r#""80x""#);
        assert_eq!(quoted(b"a\n\x1b[2J\xff"), r#""a\n\x1b[2J\xff""#);
    }

    fn text(bytes: &[u8]) -> String {
        let mut out = Vec::new();
        write_text(&mut out, bytes).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn json(bytes: &[u8]) -> String {
        let mut out = Vec::new();
        write_json_str(&mut out, bytes).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn c_str_stops_at_the_first_nul() {
        assert_eq!(c_str(b"cat\0\0junk"), b"cat");
        assert_eq!(c_str(b"full"), b"full");
    }

    #[test]
    fn contains_finds_any_part() {
        assert!(contains(b"opensnoop", b"snoop"));
        assert!(contains(b"cat", b""));
        assert!(!contains(b"cat", b"cats"));
    }

    #[test]
    fn ordinary_paths_are_unchanged() {
        assert_eq!(text(b"/etc/passwd"), "/etc/passwd");
        assert_eq!(text("/tmp/caf\u{e9} \u{1f600}".as_bytes()), "/tmp/caf\u{e9} \u{1f600}");
    }

    #[test]
    fn terminal_controls_never_pass_raw() {
        assert_eq!(text(b"a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(text(b"\x1b[31mred\x07"), "\\x1b[31mred\\x07");
        assert_eq!(text(b"del\x7f"), "del\\x7f");
        // U+009B is a one-character CSI on some terminals.
        assert_eq!(text("c1\u{9b}2J".as_bytes()), "c1\\u{9b}2J");
        assert_eq!(text(b"back\\slash"), "back\\\\slash");
        assert_eq!(text("a\u{202e}b".as_bytes()), "a\\u{202e}b");
    }

    #[test]
    fn invalid_utf8_is_shown_byte_by_byte() {
        assert_eq!(text(b"bad\xff\xfeend"), "bad\\xff\\xfeend");
        assert_eq!(text(b"cut\xe2\x82"), "cut\\xe2\\x82");
    }

    #[test]
    fn json_strings_are_valid_and_safe() {
        assert_eq!(json(b"/etc/passwd"), "\"/etc/passwd\"");
        assert_eq!(json(b"a\"b\\c\nd\x1b"), "\"a\\\"b\\\\c\\nd\\u001b\"");
        assert_eq!(json(b"x\xffy"), "\"x\\ufffdy\"");
        assert_eq!(json("\u{9b}".as_bytes()), "\"\\u009b\"");
        assert_eq!(json("caf\u{e9}".as_bytes()), "\"caf\u{e9}\"");
    }
}
