//! Property tests: files generated from a grammar of realistic lines parse to what was
//! generated, and any text at all either parses losslessly or fails with spans that
//! stay inside it.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use super::super::{Line, LineKind, ParseError, RequirementsFile, Span};
use super::parse;

/// One generated line (or group of continued lines) and what it should read as.
#[derive(Debug, Clone)]
enum Item {
    Requirement {
        spec: String,
        hashes: Vec<String>,
        continued: bool,
        comment: bool,
    },
    Editable(String),
    Option(&'static str),
    Comment(String),
    Blank(String),
}

const OPTIONS: &[&str] = &[
    "--index-url https://pypi.test/simple",
    "-i https://a.test/simple",
    "--extra-index-url=https://b.test/simple",
    "--pre",
    "--prefer-binary",
    "--no-binary :all:",
    "--only-binary=:none:",
    "--require-hashes",
    "--trusted-host pypi.test",
    "-f ./wheels",
    "-r base.txt",
    "-c constraints.txt",
    "--use-feature fast-deps",
    "--no-index",
];

fn spec() -> impl Strategy<Value = String> {
    let name = "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?";
    // `~=` needs at least two release segments.
    let version = "[0-9]{1,2}\\.[0-9]{1,2}(\\.[0-9]{1,2})?";
    let extras = prop::option::of(Just("[socks,tests]"));
    let marker = prop::option::of(prop::sample::select(vec![
        " ; python_version >= \"3.8\"",
        "; sys_platform == 'win32'",
    ]));
    (
        name,
        extras,
        prop::sample::select(vec!["==", ">=", "~="]),
        version,
        marker,
    )
        .prop_map(|(name, extras, op, version, marker)| {
            format!(
                "{name}{}{op}{version}{}",
                extras.unwrap_or_default(),
                marker.unwrap_or_default()
            )
        })
}

fn hash() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{64}".prop_map(|d| format!("sha256:{d}")),
        "[0-9A-F]{96}".prop_map(|d| format!("sha384:{d}")),
        "[0-9a-f]{128}".prop_map(|d| format!("sha512:{d}")),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        4 => (spec(), prop::collection::vec(hash(), 0..4), any::<bool>(), any::<bool>())
            .prop_map(|(spec, hashes, continued, comment)| Item::Requirement {
                spec,
                hashes,
                continued,
                comment,
            }),
        1 => prop::sample::select(vec!["-e ./pkg", "--editable git+https://g.test/p.git#egg=p", "-e."])
            .prop_map(|e| Item::Editable(e.to_owned())),
        1 => prop::sample::select(OPTIONS).prop_map(Item::Option),
        // A comment line may end in `\`: it continues nothing.
        1 => "[ \t]{0,2}#[ a-zA-Z0-9#\\\\-]{0,20}".prop_map(Item::Comment),
        1 => "[ \t]{0,3}".prop_map(Item::Blank),
    ]
}

fn line_break() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["\n", "\r\n", "\r"])
}

/// A generated file: its text and the items it holds.
fn file() -> impl Strategy<Value = (String, Vec<Item>)> {
    let items = prop::collection::vec((item(), line_break(), line_break()), 0..12);
    (any::<bool>(), items, any::<bool>()).prop_map(|(bom, items, final_break)| {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        let count = items.len();
        for (index, (item, end, inner)) in items.iter().enumerate() {
            write_item(&mut text, item, inner);
            if index + 1 < count || final_break {
                text.push_str(end);
            }
        }
        (text, items.into_iter().map(|(item, _, _)| item).collect())
    })
}

fn write_item(text: &mut String, item: &Item, inner_break: &str) {
    match item {
        Item::Requirement {
            spec,
            hashes,
            continued,
            comment,
        } => {
            text.push_str(spec);
            for (index, hash) in hashes.iter().enumerate() {
                let form = if index % 2 == 0 { "--hash=" } else { "--hash " };
                if *continued {
                    text.push_str(&format!(" \\{inner_break}    {form}{hash}"));
                } else {
                    text.push_str(&format!(" {form}{hash}"));
                }
            }
            if *comment {
                text.push_str("  # via something");
            }
        }
        Item::Editable(line) | Item::Comment(line) | Item::Blank(line) => text.push_str(line),
        Item::Option(line) => text.push_str(line),
    }
}

fn assert_span(text: &str, span: &Span, within: &Span) {
    assert!(span.start <= span.end, "{span:?}");
    assert!(
        within.start <= span.start && span.end <= within.end,
        "{span:?} in {within:?}"
    );
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
}

/// Lines tile the text and every span is inside its line, on char boundaries.
fn assert_lossless(text: &str, file: &RequirementsFile) {
    assert_eq!(file.render(), text);
    let mut at = 0;
    for line in &file.lines {
        assert_eq!(line.span.start, at, "lines must tile");
        at = line.span.end;
        assert_line_spans(text, line);
    }
    assert_eq!(at, text.len());
}

fn assert_line_spans(text: &str, line: &Line) {
    let all = &line.span;
    assert_span(text, &line.terminator, all);
    assert_eq!(line.terminator.end, all.end);
    if let Some(comment) = &line.comment {
        assert_span(text, comment, all);
    }
    let opts = match &line.kind {
        LineKind::Requirement(requirement) => {
            assert_span(text, &requirement.span, all);
            if let Some(flag) = &requirement.editable {
                assert_span(text, flag, all);
            }
            for hash in &requirement.hashes {
                assert_span(text, &hash.span, all);
                assert_span(text, &hash.digest_span, &hash.span);
            }
            &requirement.options
        }
        LineKind::Options(opts) => opts,
        LineKind::Blank | LineKind::Comment => return,
    };
    for opt in opts {
        assert_span(text, &opt.span, all);
        if let Some((_, value)) = &opt.value {
            assert_span(text, value, &opt.span);
        }
    }
}

fn assert_errors_in_text(text: &str, errors: &[ParseError]) {
    assert!(!errors.is_empty());
    for error in errors {
        assert_span(text, &error.span, &(0..text.len()));
        assert!(!error.message.is_empty() && !error.message.ends_with('.'));
    }
}

/// What the generated items say, in the form the parser reports it.
fn expected(items: &[Item]) -> (Vec<(String, Vec<String>, bool)>, usize) {
    let mut requirements = Vec::new();
    let mut options = 0;
    for item in items {
        match item {
            Item::Requirement { spec, hashes, .. } => {
                let digests = hashes
                    .iter()
                    .map(|h| h.split_once(':').unwrap().1.to_owned());
                requirements.push((spec.clone(), digests.collect(), false));
            }
            Item::Editable(line) => {
                let target = line
                    .split_once(' ')
                    .map_or(&line[2..], |(_, target)| target);
                requirements.push((target.to_owned(), Vec::new(), true));
            }
            Item::Option(_) => options += 1,
            Item::Comment(_) | Item::Blank(_) => {}
        }
    }
    (requirements, options)
}

fn found(file: &RequirementsFile) -> (Vec<(String, Vec<String>, bool)>, usize) {
    let requirements = file
        .requirements()
        .map(|(_, r)| {
            let digests = r
                .hashes
                .iter()
                .map(|h| file.text[h.digest_span.clone()].to_owned())
                .collect();
            (r.text.clone(), digests, r.editable.is_some())
        })
        .collect();
    (requirements, file.options().count())
}

/// Pieces that combine into the tricky cases: continuations, comments, quotes,
/// options, every line break, multi-byte characters.
const CHAOS: &[&str] = &[
    "a",
    "foo",
    "==1",
    " ",
    "  ",
    "\t",
    "\\",
    "#",
    "-",
    "--hash=sha256:",
    "abc",
    "\n",
    "\r\n",
    "\r",
    "\x0c",
    "\u{85}",
    "\u{2028}",
    "é",
    "\u{a0}",
    "\"",
    "'",
    ";",
    "@",
    "/",
    ":",
    "-e ",
    "-r ",
    "--pre",
    "-C",
    "${X}",
    "\u{feff}",
    "https://x.test/a.whl",
];

proptest! {
    // Failing seeds are kept next to this file (`proptests.regressions`).
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn requirements_generated_from_the_grammar_parse_back((text, items) in file()) {
        let file = match parse(&text) {
            Ok(file) => file,
            Err(errors) => panic!("{text:?}: {errors:#?}"),
        };
        assert_lossless(&text, &file);
        prop_assert_eq!(file.bom, text.starts_with('\u{feff}'));
        prop_assert_eq!(found(&file), expected(&items));
    }

    #[test]
    fn any_text_parses_losslessly_or_fails_inside_it(
        pieces in prop::collection::vec(prop::sample::select(CHAOS), 0..40)
    ) {
        let text = pieces.concat();
        match parse(&text) {
            Ok(file) => assert_lossless(&text, &file),
            Err(errors) => assert_errors_in_text(&text, &errors),
        }
    }
}
