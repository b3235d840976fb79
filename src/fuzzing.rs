//! The fuzz targets of `fuzz/`, as functions of the library: not an API, hidden and
//! unstable.
//!
//! The readers of untrusted input (requirements files, peep lines, index documents)
//! and the `lock` planner are mostly crate-private. Each function here drives one of
//! them on arbitrary bytes and asserts its invariants, panicking when one breaks; the
//! fuzz targets are one call each, and the regression tests (`tests/fuzz.rs`) feed
//! the saved crashes through the very same call.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::str::FromStr;

use crate::diagnostics::{Locate, Located, Source};
use crate::digest::{Algorithm, Digest, Sha256};
use crate::index::{DistFile, Release};
use crate::lock::{self, PeepMode, Pinned};
use crate::pin::Pinning;
use crate::requirements::{self, LineKind, Opt, RequirementsFile, Span};

/// Whitespace as Python's `str.strip` has it (the parser strips the requirement so).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Errors rendered per input at most: rendering is slow, and more find nothing new.
const RENDERED: usize = 8;

/// Bytes -> [`requirements::decode`] -> [`requirements::parse_lenient`]: never
/// panics; the lines tile the text (`render` gives the input back, errors or not);
/// every span of the model and of each error is within the text and on character
/// boundaries; text without errors parses strictly to the same model.
pub fn requirements(data: &[u8]) {
    let text = match requirements::decode(data) {
        Ok(text) => text,
        Err(error) => {
            let span = &error.span;
            assert!(
                span.start < span.end && span.end <= data.len(),
                "decode error span {span:?} outside the {} input bytes",
                data.len()
            );
            return;
        }
    };
    let (file, errors) = checked_parse(text);
    if errors.is_empty() {
        let strict = requirements::parse(text).expect("no lenient errors, so parse succeeds");
        assert_eq!(strict.render(), text);
        assert_eq!(strict.lines.len(), file.lines.len());
    }
}

/// The lenient parse of `text`, its invariants checked (see [`requirements`]), and
/// its errors, each also rendered as the user would see it.
fn checked_parse(text: &str) -> (RequirementsFile, Vec<requirements::ParseError>) {
    let (file, errors) = requirements::parse_lenient(text);
    assert_eq!(file.text.as_str(), text);
    assert_eq!(file.render(), text, "the lines do not tile the text");
    assert_eq!(file.bom, text.starts_with('\u{feff}'));
    let mut at = 0;
    let mut number = 0;
    for line in &file.lines {
        assert_eq!(line.span.start, at, "a gap or overlap before line {line:?}");
        at = line.span.end;
        assert!(
            line.number > number,
            "line numbers do not increase at {line:?}"
        );
        number = line.number;
        in_text(text, &line.span, "line");
        within(text, &line.terminator, &line.span, "terminator");
        assert_eq!(
            line.terminator.end, line.span.end,
            "terminator not at the end"
        );
        if let Some(comment) = &line.comment {
            within(text, comment, &line.span, "comment");
            assert!(
                text[comment.clone()].starts_with('#'),
                "comment {comment:?}"
            );
        }
        match &line.kind {
            LineKind::Blank | LineKind::Comment => {}
            LineKind::Requirement(req) => {
                within(text, &req.span, &line.span, "requirement");
                if let Some(editable) = &req.editable {
                    within(text, editable, &line.span, "editable flag");
                }
                for hash in &req.hashes {
                    within(text, &hash.span, &line.span, "hash");
                    within(text, &hash.digest_span, &hash.span, "digest");
                    // A `\` continuation may cut the digest, and shlex quotes may
                    // hide in it (`ab''cd`): pip reads it joined and unquoted.
                    let written = &text[hash.digest_span.clone()];
                    let joined: String = written
                        .chars()
                        .filter(|&c| !matches!(c, '\\' | '\'' | '"') && !is_py_space(c))
                        .collect();
                    let digest = Digest::from_hex(hash.algorithm(), &joined);
                    assert_eq!(digest.ok(), Some(hash.digest.clone()), "digest {written:?}");
                }
                for opt in &req.options {
                    check_opt(text, opt, &line.span);
                }
                let _ = req.unset_vars();
                let pinning = Pinning::of(req);
                let _ = (pinning.reason(), pinning.is_unhashable());
            }
            LineKind::Options(opts) => {
                for opt in opts {
                    check_opt(text, opt, &line.span);
                }
            }
        }
    }
    assert_eq!(at, text.len(), "the lines end before the text");
    let _ = (
        file.newline(),
        file.requirements().count(),
        file.options().count(),
    );
    let mut previous = (0, 0);
    for error in &errors {
        in_text(text, &error.span, "error");
        let key = (error.span.start, error.span.end);
        assert!(key >= previous, "errors out of order at {error:?}");
        previous = key;
    }
    let source = Source::new("requirements.txt", file.text.clone());
    for error in errors.iter().take(RENDERED) {
        render(&error.clone().locate(&source));
    }
    (file, errors)
}

fn check_opt(text: &str, opt: &Opt, line: &Span) {
    within(text, &opt.span, line, "option");
    if let Some((_, value)) = &opt.value {
        within(text, value, line, "option value");
    }
}

/// Asserts `span` is a range of `text` that starts and ends on character boundaries.
fn in_text(text: &str, span: &Span, what: &str) {
    assert!(
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end),
        "{what} span {span:?} is not a range of the {} bytes of text on char boundaries",
        text.len()
    );
}

/// Asserts `span` is a range of `text` inside `outer`.
fn within(text: &str, span: &Span, outer: &Span, what: &str) {
    in_text(text, span, what);
    assert!(
        outer.start <= span.start && span.end <= outer.end,
        "{what} span {span:?} is outside {outer:?}"
    );
}

/// Renders a diagnostic as the CLI does (no colour): miette must not panic on it.
fn render(located: &Located) {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    let mut out = String::new();
    handler
        .render_report(&mut out, located)
        .expect("rendering into a String does not fail");
    let (line, column) = located.source.line_col(located.span.start);
    let _ = write!(out, "{line}:{column}");
}

/// The peep decoder on the whole input, then peep's block finder on the input read
/// as a requirements file: never panics; a decoded hash re-encodes to its text (one
/// text per digest); an error blames a character inside the text; every block hash
/// sits on a comment line above its owner, a requirement line, and decodes from its
/// span; every problem span is within the text.
pub fn peep(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_decode(&text);
    if let Some(token) = text.split_whitespace().next() {
        check_decode(token);
    }
    let Ok(text) = requirements::decode(data) else {
        return;
    };
    let (file, _) = requirements::parse_lenient(text);
    let (blocks, problems) = crate::peep::find(&file);
    let mut last_owner = None;
    for block in &blocks {
        assert!(!block.hashes.is_empty(), "an empty block");
        assert!(last_owner < Some(block.owner), "blocks out of order");
        last_owner = Some(block.owner);
        let owner = &file.lines[block.owner];
        assert!(
            matches!(owner.kind, LineKind::Requirement(_)),
            "{owner:?} owns a block"
        );
        for hash in &block.hashes {
            assert!(hash.line < block.owner, "a hash below its owner");
            let line = &file.lines[hash.line];
            assert!(matches!(line.kind, LineKind::Comment), "a hash on {line:?}");
            within(text, &hash.span, &line.span, "peep hash");
            let written = &text[hash.span.clone()];
            assert_eq!(crate::peep::decode(written).ok(), Some(hash.digest));
            assert_eq!(hash.digest.to_urlsafe_base64(), written, "not canonical");
        }
    }
    let mut previous = (0, 0);
    let source = Source::new("requirements.txt", file.text.clone());
    for problem in &problems {
        in_text(text, &problem.span, "peep problem");
        let key = (problem.span.start, problem.span.end);
        assert!(key >= previous, "problems out of order");
        previous = key;
    }
    for problem in problems.into_iter().take(RENDERED) {
        render(&problem.locate(&source));
    }
}

fn check_decode(text: &str) {
    match crate::peep::decode(text) {
        Ok(digest) => {
            assert_eq!(
                digest.to_urlsafe_base64(),
                text,
                "decoded but not canonical"
            );
            let hex = digest.to_string();
            assert_eq!(crate::peep::encode_hex(&hex).as_deref(), Some(text));
        }
        Err(error) => {
            let _ = error.to_string();
            if let Some(span) = error.character_span() {
                in_text(text, &span, "decode error");
                assert!(!span.is_empty(), "an empty character span");
            }
        }
    }
}

/// The document URLs an index body is read at, chosen by the input's first byte.
const BASES: &[(&str, &str)] = &[
    ("https://pypi.org/pypi/demo/json", "demo"),
    ("https://mirror.example/simple/demo/", "demo"),
    (
        "http://127.0.0.1:8080/root/pypi/+simple/zope-interface/",
        "zope.interface",
    ),
    (
        "https://user:secret@host.example:8443/a/b/c?x=1#frag",
        "Demo_Pkg",
    ),
];

/// The first byte picks a document URL and project, the rest is the body: see
/// [`index_document`].
pub fn index_documents(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (base, project) = BASES[usize::from(pick) % BASES.len()];
    index_document(body, base, project);
}

/// `body`, served at `base_url`, read as each kind of index document (JSON API
/// version and project documents, the Simple API document of `project`), with a few
/// pins looked up in each: never panics; every file that comes out has an absolute
/// URL, and a sha256 of 64 lowercase hex digits when it has one.
pub fn index_document(body: &[u8], base_url: &str, project: &str) {
    for file in crate::index::fuzzing::documents(body, base_url, project) {
        let url = reqwest::Url::parse(&file.url).expect("a URL that parses again");
        assert_eq!(url.as_str(), file.url, "the URL does not round-trip");
        assert!(!url.scheme().is_empty(), "a URL without a scheme");
        if let Some(sha256) = &file.sha256 {
            assert!(
                sha256.len() == 64
                    && sha256
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "sha256 {sha256:?} of {} is not 64 lowercase hex digits",
                file.filename
            );
        }
    }
}

/// Two bytes of options, then a requirements file: every exact pin is locked as if
/// the index published 0 to 3 fresh digests (and, when asked, the file's own first
/// sha256). Never panics; a file that parses cleanly gives a plan that parses
/// cleanly; planning the plan again changes nothing.
pub fn lock_plan(data: &[u8]) {
    let [flags, count, rest @ ..] = data else {
        return;
    };
    let Ok(text) = requirements::decode(rest) else {
        return;
    };
    let Ok(file) = requirements::parse(text) else {
        return;
    };
    let mut published: Vec<Sha256> = (0..count % 4)
        .filter_map(|i| Digest::of(Algorithm::Sha256, &[i, *count]).sha256())
        .collect();
    if flags & 0b100 != 0 {
        let own = file.requirements().flat_map(|(_, req)| &req.hashes);
        published.extend(own.filter_map(requirements::Hash::sha256).take(1));
    }
    let options = lock::Options {
        force: flags & 0b1000 != 0,
        peep: match flags % 4 {
            1 => PeepMode::Also,
            2 => PeepMode::Only,
            _ => PeepMode::Off,
        },
        kept: None,
        spelling: None,
    };
    let once = plan(&file, &published, options);
    let replanned = match requirements::parse(&once) {
        Ok(file) => file,
        Err(errors) => panic!("the plan does not parse: {errors:?}\n{once}"),
    };
    let twice = plan(&replanned, &published, options);
    assert_eq!(twice, once, "planning the plan again changed it");
}

/// The planned text of `file` with every exact pin published as `published`.
fn plan(file: &RequirementsFile, published: &[Sha256], options: lock::Options) -> String {
    let pinnings: Vec<(usize, &requirements::Requirement, Pinning)> = file
        .lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| match &line.kind {
            LineKind::Requirement(req) => Some((index, req, Pinning::of(req))),
            _ => None,
        })
        .collect();
    let pinned: Vec<Pinned<'_>> = pinnings
        .iter()
        .filter_map(|(line, req, pinning)| {
            let pin = pinning.pin()?;
            Some(Pinned {
                line: *line,
                req,
                pin,
            })
        })
        .collect();
    let releases: HashMap<_, _> = pinned
        .iter()
        .map(|pinned| {
            (
                pinned.pin.clone(),
                std::sync::Arc::new(release(pinned, published)),
            )
        })
        .collect();
    lock::plan_file(
        file,
        &pinned,
        &[],
        &releases,
        &lock::Projects::new(),
        options,
    )
    .text
}

fn release(pinned: &Pinned<'_>, published: &[Sha256]) -> Release {
    let files = published
        .iter()
        .enumerate()
        .map(|(index, digest)| DistFile {
            filename: format!("{}-{}-{index}.whl", pinned.pin.name, pinned.pin.version),
            url: reqwest::Url::from_str(&format!("https://files.example/{index}.whl"))
                .expect("a valid URL"),
            sha256: Some(*digest),
            yanked: None,
            requires_python: None,
            other_hash: None,
            size: None,
            upload_time: None,
            core_metadata: false,
            provenance: None,
        });
    Release {
        name: pinned.pin.name.to_string(),
        version: pinned.pin.version_text(),
        files: files.collect(),
        legacy: Vec::new(),
        ignored: Vec::new(),
        status: None,
    }
}
