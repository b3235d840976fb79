//! Turning a file's bytes into text, UTF-8 only.
//!
//! pip decodes a requirements file by its BOM, else by a `coding[:=]` declaration in
//! a comment that starts line 1 or 2 (`#` in the first column), else as UTF-8, else
//! by the locale (`_decode_req_file` in `req/req_file.py`). hashlock rewrites files
//! in place, so it reads and writes UTF-8 only: it accepts a file whose text is the
//! same either way (a declaration of UTF-8, or of an ASCII-compatible encoding such
//! as `ascii` or `latin-1` over ASCII-only bytes), and refuses, with a span, any file
//! that pip would decode to other text (UTF-16 and UTF-32 included).

use super::super::{ParseError, ParseErrorKind, Span};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Byte-order marks of encodings we refuse. UTF-32 comes first because the UTF-32 LE
/// mark starts with the UTF-16 LE one.
const FOREIGN_BOMS: &[(&[u8], &str)] = &[
    (b"\xFF\xFE\x00\x00", "UTF-32"),
    (b"\x00\x00\xFE\xFF", "UTF-32"),
    (b"\xFF\xFE", "UTF-16"),
    (b"\xFE\xFF", "UTF-16"),
];

/// Decodes a file's bytes the way pip does, accepting UTF-8 only.
///
/// A UTF-8 BOM is kept in the returned text.
///
/// # Errors
///
/// A UTF-16 or UTF-32 BOM; a declaration (line 1 or 2, no UTF-8 BOM) of an
/// encoding other than UTF-8, unless it is one that reads ASCII as ASCII and every
/// byte is ASCII; or invalid UTF-8. The span points at the offending bytes.
pub fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    if let Some((bom, name)) = FOREIGN_BOMS.iter().find(|(bom, _)| bytes.starts_with(bom)) {
        return Err(ParseError {
            kind: ParseErrorKind::Syntax,
            span: 0..bom.len(),
            message: format!("the file is {name} encoded"),
            label: format!("{name} byte-order mark"),
            hint: Some("convert the file to UTF-8".into()),
        });
    }
    // pip lets a BOM decide before it looks for a coding declaration.
    if !bytes.starts_with(UTF8_BOM)
        && let Some((name, span)) = coding_declaration(bytes)
    {
        let same_text = match codec(name) {
            Some(Codec::Utf8) => true,
            Some(Codec::AsciiCompatible) => bytes.is_ascii(),
            None => false,
        };
        if !same_text {
            return Err(foreign_coding(name, span));
        }
    }
    std::str::from_utf8(bytes).map_err(|error| invalid_utf8(bytes, &error))
}

fn foreign_coding(name: &[u8], span: Span) -> ParseError {
    let name = String::from_utf8_lossy(name);
    ParseError {
        kind: ParseErrorKind::Syntax,
        span,
        message: format!("the file declares the `{name}` encoding"),
        label: "coding declaration".into(),
        hint: Some(
            "hashlock reads UTF-8 only: convert the file to UTF-8 and declare `utf-8`".into(),
        ),
    }
}

fn invalid_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> ParseError {
    let start = error.valid_up_to();
    let len = error.error_len().unwrap_or(bytes.len() - start);
    ParseError {
        kind: ParseErrorKind::Syntax,
        span: start..start + len,
        message: "the file is not valid UTF-8".into(),
        label: "invalid UTF-8".into(),
        hint: Some("convert the file to UTF-8".into()),
    }
}

/// What a declared encoding does to bytes, as far as hashlock cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    /// UTF-8 under another name: any UTF-8 decodes the same.
    Utf8,
    /// A single-byte (or ASCII-preserving) codec: ASCII bytes decode as ASCII.
    AsciiCompatible,
}

/// The spellings Python resolves to UTF-8 (`utf_8_sig` included: a BOM decides
/// before a declaration does), after [`normalize`].
#[rustfmt::skip]
const UTF8_NAMES: &[&str] = &[
    "utf_8", "utf8", "u8", "utf", "utf8_ucs2", "utf8_ucs4", "cp65001", "utf_8_sig",
];

/// Python's names for ASCII, ISO 8859-1 to -16 and Windows-1250 to -1258, after
/// [`normalize`]: common declarations, each decoding ASCII bytes to the same text
/// (checked against CPython's codecs). Other encodings are refused whatever the
/// bytes, since some (ISO-2022, UTF-7, `unicode_escape`) give ASCII another meaning.
#[rustfmt::skip]
const ASCII_COMPATIBLE_NAMES: &[&str] = &[
    // ascii
    "646", "ansi_x3.4_1968", "ansi_x3.4_1986", "ansi_x3_4_1968", "ascii", "cp367",
    "csascii", "ibm367", "iso646_us", "iso_646.irv_1991", "iso_ir_6", "us", "us_ascii",
    // latin_1
    "8859", "cp819", "csisolatin1", "ibm819", "iso8859", "iso8859_1", "iso_8859_1",
    "iso_8859_1_1987", "iso_ir_100", "l1", "latin", "latin1", "latin_1",
    // iso8859_2 .. iso8859_16
    "csisolatin2", "iso8859_2", "iso_8859_2", "iso_8859_2_1987", "iso_ir_101", "l2", "latin2",
    "csisolatin3", "iso8859_3", "iso_8859_3", "iso_8859_3_1988", "iso_ir_109", "l3", "latin3",
    "csisolatin4", "iso8859_4", "iso_8859_4", "iso_8859_4_1988", "iso_ir_110", "l4", "latin4",
    "csisolatincyrillic", "cyrillic", "iso8859_5", "iso_8859_5", "iso_8859_5_1988",
    "iso_ir_144", "arabic", "asmo_708", "csisolatinarabic", "ecma_114", "iso8859_6",
    "iso_8859_6", "iso_8859_6_1987", "iso_ir_127", "csisolatingreek", "ecma_118",
    "elot_928", "greek", "greek8", "iso8859_7", "iso_8859_7", "iso_8859_7_1987",
    "iso_ir_126", "csisolatinhebrew", "hebrew", "iso8859_8", "iso_8859_8",
    "iso_8859_8_1988", "iso_ir_138", "csisolatin5", "iso8859_9", "iso_8859_9",
    "iso_8859_9_1989", "iso_ir_148", "l5", "latin5", "csisolatin6", "iso8859_10",
    "iso_8859_10", "iso_8859_10_1992", "iso_ir_157", "l6", "latin6", "iso8859_11",
    "iso_8859_11", "iso_8859_11_2001", "thai", "iso8859_13", "iso_8859_13", "l7", "latin7",
    "iso8859_14", "iso_8859_14", "iso_8859_14_1998", "iso_celtic", "iso_ir_199", "l8",
    "latin8", "iso8859_15", "iso_8859_15", "l9", "latin9", "iso8859_16", "iso_8859_16",
    "iso_8859_16_2001", "iso_ir_226", "l10", "latin10",
    // cp1250 .. cp1258
    "1250", "cp1250", "windows_1250", "1251", "cp1251", "windows_1251", "1252", "cp1252",
    "windows_1252", "1253", "cp1253", "windows_1253", "1254", "cp1254", "windows_1254",
    "1255", "cp1255", "windows_1255", "1256", "cp1256", "windows_1256", "1257", "cp1257",
    "windows_1257", "1258", "cp1258", "windows_1258",
];

/// Python's `encodings.normalize_encoding` after lowercasing: every run of
/// characters other than letters, digits and `.` becomes one `_`, none at the ends.
fn normalize(name: &[u8]) -> String {
    let mut out = String::new();
    let mut punct = false;
    for &b in name {
        if b.is_ascii_alphanumeric() || b == b'.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            out.push(char::from(b.to_ascii_lowercase()));
            punct = false;
        } else {
            punct = true;
        }
    }
    out
}

/// How Python would decode with the codec `name` names, for the codecs hashlock
/// knows; `None` for any other.
fn codec(name: &[u8]) -> Option<Codec> {
    let normal = normalize(name);
    // `search_function` also tries the name with `.` read as `_`.
    let candidates = [normal.clone(), normal.replace('.', "_")];
    if candidates.iter().any(|n| UTF8_NAMES.contains(&n.as_str())) {
        Some(Codec::Utf8)
    } else if candidates
        .iter()
        .any(|n| ASCII_COMPATIBLE_NAMES.contains(&n.as_str()))
    {
        Some(Codec::AsciiCompatible)
    } else {
        None
    }
}

/// The encoding named on line 1 or 2, with its span, as pip 26.3 finds it: a line
/// (split on `\n`) whose first byte is `#`, searched for
/// `coding[:=]\s*([-\w.]+)` (bytes: `\s` is ASCII whitespace, `\w` is
/// `[A-Za-z0-9_]`).
fn coding_declaration(bytes: &[u8]) -> Option<(&[u8], Span)> {
    let mut start = 0;
    for line in bytes.split(|&b| b == b'\n').take(2) {
        if let Some(found) = coding_in_line(line) {
            return Some((&line[found.clone()], start + found.start..start + found.end));
        }
        start += line.len() + 1;
    }
    None
}

/// The span of the encoding name in one line, if the line declares one.
fn coding_in_line(line: &[u8]) -> Option<Span> {
    if line.first() != Some(&b'#') {
        return None;
    }
    // `search` finds the leftmost `coding[:=]` followed by a name.
    (1..line.len()).find_map(|at| {
        let rest = &line[at..];
        if !(rest.starts_with(b"coding:") || rest.starts_with(b"coding=")) {
            return None;
        }
        let value = at + "coding:".len();
        let name = value
            + line[value..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'))
                .count();
        let end = name
            + line[name..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                .count();
        (end > name).then_some(name..end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_names_normalize_as_python_does() {
        assert_eq!(normalize(b"UTF-8"), "utf_8");
        assert_eq!(normalize(b"--Latin--1--"), "latin_1");
        assert_eq!(normalize(b"iso_646.irv_1991"), "iso_646.irv_1991");
        assert_eq!(codec(b"US-ASCII"), Some(Codec::AsciiCompatible));
        assert_eq!(codec(b"utf-8-sig"), Some(Codec::Utf8));
        assert_eq!(codec(b"iso-8859-15"), Some(Codec::AsciiCompatible));
        assert_eq!(codec(b"utf-7"), None);
        assert_eq!(codec(b"shift_jis"), None);
    }
}
