//! Fixture tests: every file in `fixtures/requirements/` renders back byte for byte
//! (as written, with LF turned to CRLF, and with CRLF turned to LF), and its parsed
//! model, or for `errors/` its errors, matches an insta snapshot. A fixture's
//! `# env: NAME=value` lines set the variables its `${NAME}` references expand from.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use super::super::{Line, LineKind, Opt, ParseError, Requirement, RequirementsFile, Target};
use super::{Env, decode, parse_with};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/requirements")
}

/// Every `.txt` under `dir`, recursively, sorted.
fn txt_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("fixture directory exists") {
        let path = entry.expect("readable directory entry").path();
        if path.is_dir() {
            files.extend(txt_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "txt") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Fixtures that must parse: everything outside `errors/`.
fn good_fixtures() -> Vec<PathBuf> {
    let errors = fixtures_root().join("errors");
    txt_files(&fixtures_root())
        .into_iter()
        .filter(|path| !path.starts_with(&errors))
        .collect()
}

/// A snapshot name from the fixture path: `errors/bad-hashes.txt` -> `errors__bad-hashes`.
fn snapshot_name(path: &Path) -> String {
    let relative = path.strip_prefix(fixtures_root()).expect("under fixtures");
    relative
        .with_extension("")
        .to_string_lossy()
        .replace(['/', '\\'], "__")
}

fn with_snapshot_settings(path: &Path, check: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(path);
    settings.bind(check);
}

fn read(path: &Path) -> String {
    let bytes = fs::read(path).expect("readable fixture");
    decode(&bytes)
        .unwrap_or_else(|error| panic!("{}: {error:?}", path.display()))
        .to_owned()
}

/// The variables a fixture's `# env: NAME=value` lines set.
fn fixture_env(text: &str) -> Env {
    Env::from_pairs(text.lines().filter_map(|line| {
        let (name, value) = line.strip_prefix("# env: ")?.split_once('=')?;
        Some((name.trim().to_owned(), value.trim().to_owned()))
    }))
}

fn parse(text: &str) -> Result<RequirementsFile, Vec<ParseError>> {
    parse_with(text, &fixture_env(text))
}

fn parse_ok(path: &Path, text: &str) -> RequirementsFile {
    parse(text).unwrap_or_else(|errors| panic!("{}: {errors:#?}", path.display()))
}

#[test]
fn there_are_enough_fixtures() {
    assert!(good_fixtures().len() >= 12);
    assert!(txt_files(&fixtures_root().join("errors")).len() >= 12);
}

#[test]
fn every_fixture_renders_back_with_lf_and_crlf() {
    for path in good_fixtures() {
        let text = read(&path);
        let file = parse_ok(&path, &text);
        assert_eq!(file.render(), text, "{}", path.display());
        let lf = text.replace("\r\n", "\n");
        let crlf = lf.replace('\n', "\r\n");
        for variant in [lf, crlf] {
            let other = parse_ok(&path, &variant);
            assert_eq!(other.render(), variant, "{}", path.display());
            // Only line breaks changed, so what the file says must not.
            assert_eq!(meaning(&other), meaning(&file), "{}", path.display());
        }
    }
}

#[test]
fn fixture_models_match_snapshots() {
    for path in good_fixtures() {
        let text = read(&path);
        let file = parse_ok(&path, &text);
        with_snapshot_settings(&path, || {
            insta::assert_snapshot!(snapshot_name(&path), summary(&file));
        });
    }
}

#[test]
fn error_fixtures_match_snapshots() {
    for path in txt_files(&fixtures_root().join("errors")) {
        let bytes = fs::read(&path).expect("readable fixture");
        let report = match decode(&bytes) {
            Err(error) => render_byte_error(&bytes, &error),
            Ok(text) => match parse(text) {
                Ok(_) => panic!("{} parsed without error", path.display()),
                Err(errors) => errors.iter().map(|e| render_error(text, e)).collect(),
            },
        };
        with_snapshot_settings(&path, || {
            insta::assert_snapshot!(snapshot_name(&path), report);
        });
    }
}

/// What the file says, without spans: kinds, requirement texts, hashes, options.
fn meaning(file: &RequirementsFile) -> Vec<String> {
    file.lines
        .iter()
        .map(|line| match &line.kind {
            LineKind::Requirement(r) => format!(
                "{} req {:?} e={} {:?} {:?}",
                line.number,
                r.text,
                r.editable.is_some(),
                r.hashes.iter().map(|h| &h.digest).collect::<Vec<_>>(),
                opts_meaning(&r.options)
            ),
            LineKind::Options(opts) => format!("{} opts {:?}", line.number, opts_meaning(opts)),
            kind => format!("{} {kind:?}", line.number),
        })
        .collect()
}

fn opts_meaning(opts: &[Opt]) -> Vec<String> {
    opts.iter()
        .map(|opt| format!("{:?}={:?}", opt.name, opt.value.as_ref().map(|v| &v.0)))
        .collect()
}

/// A compact, reviewable rendering of the model: one block per line, each span with
/// the source text it covers.
fn summary(file: &RequirementsFile) -> String {
    let mut out = format!("bom: {}\n", file.bom);
    for line in &file.lines {
        summarize_line(&mut out, &file.text, line);
    }
    out
}

fn summarize_line(out: &mut String, text: &str, line: &Line) {
    let kind = match &line.kind {
        LineKind::Blank => "blank",
        LineKind::Comment => "comment",
        LineKind::Requirement(_) => "requirement",
        LineKind::Options(_) => "options",
    };
    let _ = writeln!(
        out,
        "{} {kind} {:?} break {:?}",
        line.number,
        line.span,
        &text[line.terminator.clone()]
    );
    if let Some(comment) = &line.comment {
        let _ = writeln!(out, "    comment {}", shown(text, comment));
    }
    match &line.kind {
        LineKind::Requirement(requirement) => summarize_requirement(out, text, requirement),
        LineKind::Options(opts) => opts.iter().for_each(|opt| summarize_opt(out, text, opt)),
        LineKind::Blank | LineKind::Comment => {}
    }
}

fn summarize_requirement(out: &mut String, text: &str, requirement: &Requirement) {
    let target = match &requirement.target {
        Target::Pep508(req) => format!("pep508 name={}", req.name),
        Target::Unnamed { location } => format!("unnamed {location:?}"),
    };
    let _ = writeln!(out, "    text {:?}", requirement.text);
    let _ = writeln!(out, "    at {} {target}", shown(text, &requirement.span));
    if let Some(flag) = &requirement.editable {
        let _ = writeln!(out, "    editable {}", shown(text, flag));
    }
    for hash in &requirement.hashes {
        // The digest as written: its span without continuations and quotes.
        let written = text[hash.digest_span.clone()].replace(['\\', '\r', '\n', '\'', '"'], "");
        let _ = writeln!(
            out,
            "    hash {} {:?} digest {:?} {}",
            hash.algorithm().name(),
            hash.span,
            hash.digest_span,
            abbreviate(&written)
        );
        assert_eq!(
            crate::digest::Digest::from_hex(hash.algorithm(), &written).as_ref(),
            Ok(&hash.digest)
        );
    }
    for opt in &requirement.options {
        summarize_opt(out, text, opt);
    }
}

fn summarize_opt(out: &mut String, text: &str, opt: &Opt) {
    let _ = write!(out, "    option {:?} {}", opt.name, shown(text, &opt.span));
    if let Some((value, span)) = &opt.value {
        let _ = write!(out, " value {value:?} at {span:?}");
    }
    out.push('\n');
}

/// `12..20 "text"`.
fn shown(text: &str, span: &std::ops::Range<usize>) -> String {
    format!("{span:?} {:?}", &text[span.clone()])
}

fn abbreviate(digest: &str) -> String {
    match digest.get(..12) {
        Some(head) if digest.len() > 16 => format!("{head}…({})", digest.len()),
        _ => digest.to_owned(),
    }
}

/// An error as a user would read it, with its kind: message, position, the source
/// line with a caret under the span, label and hint.
fn render_error(text: &str, error: &ParseError) -> String {
    let line_start = text[..error.span.start].rfind('\n').map_or(0, |at| at + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |at| line_start + at);
    let number = text[..line_start].matches('\n').count() + 1;
    let column = text[line_start..error.span.start].chars().count();
    let shown_end = error.span.end.min(line_end);
    let width = text[error.span.start..shown_end].chars().count().max(1);
    // Tabs and the line breaks editors may not show, visibly (one char each, so the
    // caret stays aligned).
    let source: String = text[line_start..line_end]
        .chars()
        .map(|c| match c {
            '\t' => '→',
            '\x0b' | '\x0c' | '\x1c'..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}' => '↵',
            c => c,
        })
        .collect();
    let mut out = format!(
        "error[{:?}]: {}\n  --> {number}:{} ({:?})\n   | {source}\n   | {}{} {}\n",
        error.kind,
        error.message,
        column + 1,
        error.span,
        " ".repeat(column),
        "^".repeat(width),
        error.label
    );
    if let Some(hint) = &error.hint {
        let _ = writeln!(out, "  hint: {hint}");
    }
    out.push('\n');
    out
}

/// Like [`render_error`] for bytes that are not UTF-8: the line is shown lossily.
fn render_byte_error(bytes: &[u8], error: &ParseError) -> String {
    let span = error.span.clone();
    let line_start = bytes[..span.start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    let line_end = bytes[line_start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |at| line_start + at);
    // Control bytes (the NULs of UTF-16 text) would make the snapshot binary.
    let lossy = |range: std::ops::Range<usize>| {
        String::from_utf8_lossy(&bytes[range])
            .chars()
            .map(|c| if c.is_control() && c != '\t' { '·' } else { c })
            .collect::<String>()
    };
    let column = lossy(line_start..span.start).chars().count();
    let width = lossy(span.start..span.end.min(line_end))
        .chars()
        .count()
        .max(1);
    let number = bytes[..line_start].iter().filter(|&&b| b == b'\n').count() + 1;
    let mut out = format!(
        "error[{:?}]: {}\n  --> {number}:{} ({span:?}, bytes {:?})\n   | {}\n   | {}{} {}\n",
        error.kind,
        error.message,
        column + 1,
        &bytes[span.clone()],
        lossy(line_start..line_end),
        " ".repeat(column),
        "^".repeat(width),
        error.label
    );
    if let Some(hint) = &error.hint {
        let _ = writeln!(out, "  hint: {hint}");
    }
    out
}
