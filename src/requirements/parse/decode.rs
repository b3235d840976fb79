//! Turning a file's bytes into text, UTF-8 only.
//!
//! pip decodes a requirements file by its BOM, else by a PEP 263 `coding:` comment on
//! line 1 or 2, else by the locale (`pip/_internal/utils/encoding.py`). hashlock
//! rewrites files in place, so it reads and writes UTF-8 only and refuses, with a
//! span, any file that pip would decode some other way.

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
/// A UTF-16 or UTF-32 BOM, a `coding:` declaration (line 1 or 2, no UTF-8 BOM) of
/// another encoding, or invalid UTF-8; the span points at the offending bytes.
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
        && !is_utf8_name(name)
    {
        return Err(foreign_coding(name, span));
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

/// `utf-8`, `UTF8`, `utf_8`: the spellings Python resolves to the UTF-8 codec.
fn is_utf8_name(name: &[u8]) -> bool {
    let normal: Vec<u8> = name
        .iter()
        .filter(|&&b| b != b'-' && b != b'_')
        .map(u8::to_ascii_lowercase)
        .collect();
    normal == b"utf8"
}

/// The encoding named on line 1 or 2, with its span, per PEP 263:
/// `^[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)`.
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
    let indent = line
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\x0c'))
        .count();
    if line.get(indent) != Some(&b'#') {
        return None;
    }
    // `.*?` is lazy: the first `coding[:=]` followed by a name wins.
    (indent + 1..line.len()).find_map(|at| {
        let rest = &line[at..];
        if !(rest.starts_with(b"coding:") || rest.starts_with(b"coding=")) {
            return None;
        }
        let value = at + "coding:".len();
        let name = value
            + line[value..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
        let end = name
            + line[name..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                .count();
        (end > name).then_some(name..end)
    })
}
