//! Arbitrary bytes through the output escaping. `write_text`: valid UTF-8
//! with no control character (C0, DEL, C1) left raw, and unescaping it gives
//! the input back (every escape is unambiguous). `write_json_str`: a valid JSON
//! string, as raw-control-free, decoding to the input with invalid UTF-8
//! replaced by U+FFFD.

#![no_main]

use bpfbin::output::text::{write_json_str, write_text};
use libfuzzer_sys::fuzz_target;

/// Reverses `write_text`'s escapes; `None` on an escape it cannot produce.
fn unescape(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next()? {
            '\\' => out.push(b'\\'),
            'n' => out.push(b'\n'),
            't' => out.push(b'\t'),
            'r' => out.push(b'\r'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                if hex.len() != 2 {
                    return None;
                }
                out.push(u8::from_str_radix(&hex, 16).ok()?);
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let c = char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?;
                let mut buf = [0; 4];
                out.extend(c.encode_utf8(&mut buf).as_bytes());
            }
            _ => return None,
        }
    }
    Some(out)
}

fn assert_no_raw_controls(what: &str, out: &str) {
    if let Some(c) = out.chars().find(|c| c.is_control()) {
        panic!("{what} left U+{:04X} raw: {out:?}", c as u32);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    write_text(&mut out, data).unwrap();
    let text = String::from_utf8(out).expect("write_text wrote invalid UTF-8");
    assert!(text.bytes().all(|b| b >= 0x20 && b != 0x7f), "write_text left a C0 or DEL byte: {text:?}");
    assert_no_raw_controls("write_text", &text);
    assert_eq!(unescape(&text).as_deref(), Some(data), "write_text is ambiguous: {text:?}");

    let mut out = Vec::new();
    write_json_str(&mut out, data).unwrap();
    let json = String::from_utf8(out).expect("write_json_str wrote invalid UTF-8");
    assert_no_raw_controls("write_json_str", &json);
    let decoded: String = serde_json::from_str(&json).unwrap_or_else(|err| panic!("invalid JSON {json:?}: {err}"));
    assert_eq!(decoded, String::from_utf8_lossy(data), "json decodes to something else: {json:?}");
});
