//! Unit tests: one named test per rule of pip's `req_file.py` that hashlock mirrors,
//! and one per misreading it refuses.

use super::super::{
    HashAlgorithm, LineKind, OptionName, ParseError, ParseErrorKind, RequirementsFile, Target,
};
use super::{decode, parse, parse_lenient};

fn sha256(c: char) -> String {
    c.to_string().repeat(64)
}

fn ok(text: &str) -> RequirementsFile {
    match parse(text) {
        Ok(file) => {
            assert_eq!(file.render(), text);
            file
        }
        Err(errors) => panic!("unexpected errors for {text:?}: {errors:#?}"),
    }
}

fn errors(text: &str) -> Vec<ParseError> {
    let errors = parse(text).expect_err("expected an error");
    for error in &errors {
        assert!(error.span.end <= text.len(), "span out of text: {error:?}");
        assert!(text.is_char_boundary(error.span.start) && text.is_char_boundary(error.span.end));
        assert!(!error.message.ends_with('.'), "message ends with a period");
    }
    errors
}

/// The one error of `text`, with the source text its span covers.
fn one_error(text: &str) -> (ParseError, &str) {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = errors.into_iter().next().unwrap();
    let covered = &text[error.span.clone()];
    (error, covered)
}

fn requirement_texts(file: &RequirementsFile) -> Vec<&str> {
    file.requirements().map(|(_, r)| r.text.as_str()).collect()
}

fn kinds(file: &RequirementsFile) -> Vec<&'static str> {
    file.lines
        .iter()
        .map(|line| match line.kind {
            LineKind::Blank => "blank",
            LineKind::Comment => "comment",
            LineKind::Requirement(_) => "requirement",
            LineKind::Options(_) => "options",
        })
        .collect()
}

// --- physical lines (`str.splitlines`) ---

#[test]
fn every_splitlines_break_ends_a_line() {
    let breaks = [
        "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u{85}", "\u{2028}",
        "\u{2029}",
    ];
    for br in breaks {
        let text = format!("a==1{br}b==2{br}");
        // The hidden ones are errors (see below), but the model still splits there.
        let (file, _) = parse_lenient(&text);
        assert_eq!(file.render(), text);
        assert_eq!(requirement_texts(&file), ["a==1", "b==2"], "break {br:?}");
        assert_eq!(&text[file.lines[0].terminator.clone()], br);
        assert_eq!(file.lines[1].number, 2);
    }
}

#[test]
fn a_line_break_editors_may_not_show_is_an_error() {
    for br in [
        "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u{85}", "\u{2028}", "\u{2029}",
    ] {
        let text = format!("a==1{br}b==2\n");
        let (error, covered) = one_error(&text);
        assert_eq!(error.kind, ParseErrorKind::HiddenLineBreak, "{br:?}");
        assert_eq!(covered, br);
        assert!(error.message.contains("`b==2`"), "{}", error.message);
        assert!(error.hint.is_some());
    }
    let (error, _) = one_error("a==1\u{2028}");
    assert_eq!(error.label, "U+2028 LINE SEPARATOR");
    assert!(
        error
            .message
            .starts_with("line 1 has a U+2028 LINE SEPARATOR"),
        "{}",
        error.message
    );
}

#[test]
fn a_comment_cannot_hide_a_requirement_behind_a_line_separator() {
    let text = format!(
        "six==1.16.0\n# reviewed by security team\u{2028}attrs==23.1.0 --hash=sha256:{}\n",
        sha256('a')
    );
    let (error, covered) = one_error(&text);
    assert_eq!(error.kind, ParseErrorKind::HiddenLineBreak);
    assert_eq!(covered, "\u{2028}");
    assert!(
        error
            .message
            .starts_with("line 2 has a U+2028 LINE SEPARATOR"),
        "{}",
        error.message
    );
    // What pip reads is still in the model, for `verify` to check the rest.
    let (file, _) = parse_lenient(&text);
    assert_eq!(requirement_texts(&file), ["six==1.16.0", "attrs==23.1.0"]);
}

#[test]
fn unit_separator_is_whitespace_not_a_line_break() {
    // U+001F is `str.isspace` but not a `splitlines` break.
    let file = ok("a==1\x1f\nb==2\n");
    assert_eq!(requirement_texts(&file), ["a==1", "b==2"]);
    assert_eq!(file.lines.len(), 2);
}

#[test]
fn crlf_is_one_break_and_cr_alone_is_one() {
    let file = ok("a==1\r\n\rb==2\n\r");
    assert_eq!(
        kinds(&file),
        ["requirement", "blank", "requirement", "blank"]
    );
    assert_eq!(file.lines[3].number, 4);
}

#[test]
fn last_line_without_break_has_empty_terminator() {
    let file = ok("a==1\nb==2");
    assert_eq!(file.lines[1].terminator, 9..9);
}

#[test]
fn empty_file_has_no_lines() {
    assert!(ok("").lines.is_empty());
}

// --- encoding ---

#[test]
fn utf8_bom_is_kept_and_not_part_of_the_first_line() {
    let text = "\u{feff}# comment\nfoo==1\n";
    assert_eq!(decode(text.as_bytes()).unwrap(), text);
    let file = ok(text);
    assert!(file.bom);
    assert_eq!(kinds(&file), ["comment", "requirement"]);
    assert_eq!(file.lines[0].span.start, 0);
    assert_eq!(file.lines[0].comment, Some(3..12));
}

#[test]
fn bom_alone_is_one_blank_line() {
    let file = ok("\u{feff}");
    assert_eq!(kinds(&file), ["blank"]);
    assert_eq!(file.lines[0].span, 0..3);
}

#[test]
fn bom_then_requirement_span_skips_bom() {
    let file = ok("\u{feff}foo==1");
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.span, 3..9);
}

#[test]
fn utf16_and_utf32_boms_are_refused() {
    for (bytes, name) in [
        (&b"\xFF\xFEf\x00"[..], "UTF-16"),
        (b"\xFE\xFF\x00f", "UTF-16"),
        (b"\xFF\xFE\x00\x00f\x00\x00\x00", "UTF-32"),
        (b"\x00\x00\xFE\xFF", "UTF-32"),
    ] {
        let error = decode(bytes).unwrap_err();
        assert!(error.message.contains(name), "{error:?}");
        assert_eq!(error.hint.as_deref(), Some("convert the file to UTF-8"));
    }
}

#[test]
fn invalid_utf8_points_at_the_bad_byte() {
    let error = decode(b"foo==1\nb\xE9r==2\n").unwrap_err();
    assert_eq!(error.span, 8..9);
    assert_eq!(error.message, "the file is not valid UTF-8");
}

#[test]
fn coding_declaration_of_another_encoding_is_refused() {
    // pip would decode the non-ASCII bytes as latin-1, not as UTF-8.
    let text = b"# -*- coding: latin-1 -*-\ncaf\xc3\xa9==1\n";
    let error = decode(text).unwrap_err();
    assert_eq!(&text[error.span.clone()], b"latin-1");
    let on_line_two = b"#!/not/a/script\n# vim: set fileencoding=cp1252 :\n\xe9\n";
    assert_eq!(
        &on_line_two[decode(on_line_two).unwrap_err().span],
        b"cp1252"
    );
    // An encoding hashlock does not know is refused whatever the bytes (UTF-7 reads
    // `+` differently).
    let utf7 = b"# coding: utf-7\nfoo==1\n";
    assert_eq!(&utf7[decode(utf7).unwrap_err().span], b"utf-7");
}

#[test]
fn ascii_compatible_coding_over_ascii_text_reads_as_pip_reads_it() {
    for text in [
        "# coding=ascii\nsix==1.16.0\n",
        "# -*- coding: latin-1 -*-\nfoo==1\n",
        "#!/not/a/script\n# vim: set fileencoding=cp1252 :\n",
        "# coding: US-ASCII\n",
        "# coding:\tiso-8859-15\n",
    ] {
        assert_eq!(decode(text.as_bytes()).unwrap(), text, "{text:?}");
    }
}

#[test]
fn coding_declaration_counts_only_in_the_first_column() {
    // pip 26.3 looks for `#` as the first byte of line 1 or 2.
    let text = b"  # coding: latin-1\nfoo==1\n";
    assert!(decode(text).is_ok());
    let text = b"  # coding: latin-1\ncaf\xe9==1\n";
    let error = decode(text).unwrap_err();
    assert_eq!(error.message, "the file is not valid UTF-8");
}

#[test]
fn coding_declaration_of_utf8_or_past_line_two_is_accepted() {
    for text in [
        "# -*- coding: utf-8 -*-\nfoo==1\n",
        "# coding=UTF_8\n",
        "\t# coding: utf8\n",
        "foo==1\nbar==2\n# coding: latin-1\n",
        "foo==1  # coding: latin-1\n",
        "\u{feff}# coding: latin-1\n",
    ] {
        assert!(decode(text.as_bytes()).is_ok(), "{text:?}");
    }
}

// --- continuations (`join_lines`) ---

#[test]
fn backslash_joins_the_next_line() {
    let text = format!("foo==1 \\\n    --hash=sha256:{}\nbar==2\n", sha256('a'));
    let file = ok(&text);
    assert_eq!(kinds(&file), ["requirement", "requirement"]);
    let (line, foo) = file.requirements().next().unwrap();
    assert_eq!(line.span, 0..text.find("bar").unwrap());
    assert_eq!(foo.hashes.len(), 1);
    assert_eq!(&text[foo.hashes[0].digest_span.clone()], sha256('a'));
    assert_eq!(file.requirements().nth(1).unwrap().0.number, 3);
}

#[test]
fn crlf_and_cr_continuations_join() {
    for br in ["\r\n", "\r"] {
        let text = format!("foo==1 \\{br}  --hash=sha256:{}{br}", sha256('b'));
        let file = ok(&text);
        assert_eq!(file.lines.len(), 1);
        assert_eq!(&text[file.lines[0].terminator.clone()], br);
        assert_eq!(file.requirements().next().unwrap().1.hashes.len(), 1);
    }
}

#[test]
fn continuation_can_split_a_word() {
    let text = "requ\\\nests==2.31.0\n";
    let file = ok(text);
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.text, "requests==2.31.0");
    assert_eq!(requirement.span, 0..text.len() - 1);
}

#[test]
fn continuation_strips_backslashes_at_both_ends() {
    // pip's `line.strip("\\")` also drops leading backslashes of a continued line.
    let file = ok("\\foo==1\\\n\n");
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.text, "foo==1");
    assert_eq!(requirement.span, 1..7);
}

#[test]
fn trailing_backslash_on_last_line_just_ends() {
    let file = ok("foo==1 \\");
    assert_eq!(requirement_texts(&file), ["foo==1"]);
    assert_eq!(file.lines[0].span, 0..8);
}

#[test]
fn comment_line_does_not_continue() {
    let file = ok("# see below \\\nfoo==1\n");
    assert_eq!(kinds(&file), ["comment", "requirement"]);
}

#[test]
fn comment_line_ends_a_pending_continuation() {
    let file = ok("foo==1 \\\n  # why\nbar==2\n");
    assert_eq!(kinds(&file), ["requirement", "requirement"]);
    assert_eq!(file.lines[0].comment, Some(11..16));
}

#[test]
fn hashes_orphaned_by_a_comment_line_are_an_error() {
    let text = format!(
        "foo==1 \\\n    # via bar\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n",
        sha256('a'),
        sha256('b')
    );
    let errors = errors(&text);
    assert_eq!(errors.len(), 2);
    assert!(errors[0].message.contains("has no requirement on its line"));
    assert!(
        errors[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("comment line above")
    );
}

#[test]
fn space_after_backslash_does_not_continue() {
    let (error, covered) = one_error("foo==1 \\ \nbar==2\n");
    assert_eq!(covered, "\\");
    assert!(error.message.contains("does not continue"));
}

#[test]
fn backslash_at_end_of_trailing_comment_swallows_next_line() {
    let (error, covered) = one_error("foo==1  # pinned \\\nbar==2\n");
    assert_eq!(covered, "bar==2");
    assert!(error.message.contains("part of the comment"));
}

#[test]
fn backslash_glued_to_hash_is_an_error() {
    let text = format!("foo==1\\\n--hash=sha256:{}\n", sha256('a'));
    let (error, covered) = one_error(&text);
    assert_eq!(covered, "\\");
    assert!(error.message.contains("`--hash=sha256"), "{error:?}");
    assert_eq!(error.hint.as_deref(), Some("put a space before the `\\`"));
}

#[test]
fn glued_word_after_a_multibyte_space_is_reported() {
    // Found by proptest: the word before the `\` starts after a 2-byte space.
    let (error, _) = one_error("foo==1 x\u{a0}y\\\n--pre\n");
    assert!(error.message.contains("onto `y`"), "{error:?}");
}

#[test]
fn backslash_joining_a_requirement_onto_hashes_is_an_error() {
    let text = format!("a==1 --hash=sha256:{} \\\nb==2\n", sha256('a'));
    let (error, covered) = one_error(&text);
    assert_eq!(covered, "b==2");
    assert!(error.message.contains("line 1"), "{error:?}");
}

// --- comments (`COMMENT_RE`) ---

#[test]
fn hash_sign_starts_a_comment_only_at_start_or_after_whitespace() {
    let text = "foo @ https://x.test/foo-1.tar.gz#sha256=abc  # note\n";
    let file = ok(text);
    let (line, requirement) = file.requirements().next().unwrap();
    assert!(requirement.text.ends_with("#sha256=abc"));
    assert_eq!(&text[line.comment.clone().unwrap()], "# note");
}

#[test]
fn egg_fragment_survives() {
    let file = ok("git+https://github.com/pypa/sampleproject.git@main#egg=sampleproject\n");
    let (_, requirement) = file.requirements().next().unwrap();
    match &requirement.target {
        Target::Unnamed { location } => assert!(location.ends_with("#egg=sampleproject")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tab_and_unicode_space_before_hash_sign_start_a_comment() {
    for text in ["foo==1\t# c", "foo==1\u{a0}# c", "foo==1\u{3000}# c"] {
        let file = ok(text);
        assert_eq!(requirement_texts(&file), ["foo==1"], "{text:?}");
    }
}

#[test]
fn indented_comment_is_a_comment_line() {
    assert_eq!(
        kinds(&ok("   # indented\n\t#tab\n")),
        ["comment", "comment"]
    );
}

// --- environment variables ---

#[test]
fn env_vars_are_kept_verbatim_and_only_upper_case_names_count() {
    let text = "foo @ https://${TOKEN}@x.test/${lower}/${Mixed}/${A_1}/foo.whl\n";
    let file = ok(text);
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.text, text.trim_end());
    assert_eq!(requirement.unset_vars(), ["TOKEN", "A_1"]);
}

// --- `break_args_options` ---

#[test]
fn requirement_ends_at_first_word_starting_with_dash() {
    let text = format!(
        "foo[bar]==1.0 ; python_version < \"3.12\" --hash=sha256:{}",
        sha256('c')
    );
    let file = ok(&text);
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(
        requirement.text,
        "foo[bar]==1.0 ; python_version < \"3.12\""
    );
    assert_eq!(requirement.hashes.len(), 1);
}

#[test]
fn dash_inside_a_word_does_not_start_options() {
    let file = ok("foo-bar==1 ; platform_machine != \"x86-64\"\n");
    assert_eq!(
        requirement_texts(&file),
        ["foo-bar==1 ; platform_machine != \"x86-64\""]
    );
}

#[test]
fn several_spaces_before_options_are_not_part_of_the_requirement() {
    let text = format!("foo==1    --hash=sha256:{}", sha256('d'));
    let file = ok(&text);
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.span, 0..6);
}

#[test]
fn tab_does_not_separate_options() {
    let text = format!("foo==1\t--hash=sha256:{}\n", sha256('e'));
    let (error, covered) = one_error(&text);
    assert!(covered.starts_with("--hash"));
    assert!(error.hint.unwrap().contains("tab"));
}

// --- options ---

#[test]
fn every_global_option_is_read() {
    let text = "-r base.txt\n-c constraints.txt\n-i https://pypi.test/simple\n\
        --extra-index-url https://extra.test/simple\n--no-index\n-f ./wheels\n--pre\n\
        --no-binary :all:\n--only-binary foo\n--prefer-binary\n--require-hashes\n\
        --no-require-hashes\n--trusted-host pypi.test\n--use-feature fast-deps\n\
        --all-releases :all:\n--only-final=pkg\n";
    let file = ok(text);
    let names: Vec<OptionName> = file.options().map(|(_, opt)| opt.name).collect();
    use OptionName::*;
    assert_eq!(
        names,
        [
            Requirement,
            Constraint,
            IndexUrl,
            ExtraIndexUrl,
            NoIndex,
            FindLinks,
            Pre,
            NoBinary,
            OnlyBinary,
            PreferBinary,
            RequireHashes,
            NoRequireHashes,
            TrustedHost,
            UseFeature,
            AllReleases,
            OnlyFinal
        ]
    );
    let (_, index) = file.options().nth(2).unwrap();
    let (value, span) = index.value.clone().unwrap();
    assert_eq!(value, "https://pypi.test/simple");
    assert_eq!(&text[span], "https://pypi.test/simple");
    assert_eq!(&text[index.span.clone()], "-i https://pypi.test/simple");
}

#[test]
fn long_option_with_equals_and_short_option_glued_to_value() {
    let file = ok("--index-url=https://a.test/simple\n-rbase.txt\n--pypi-url https://b.test/\n");
    let values: Vec<(OptionName, String)> = file
        .options()
        .map(|(_, opt)| (opt.name, opt.value.clone().unwrap().0))
        .collect();
    assert_eq!(
        values,
        [
            (OptionName::IndexUrl, "https://a.test/simple".into()),
            (OptionName::Requirement, "base.txt".into()),
            (OptionName::IndexUrl, "https://b.test/".into()),
        ]
    );
}

#[test]
fn unique_prefix_of_a_long_option_is_accepted() {
    let text = format!(
        "--index https://a.test/simple\n--ext=https://b.test/\n--pre\nfoo==1 --ha=sha256:{}\n",
        sha256('f')
    );
    let file = ok(&text);
    let names: Vec<OptionName> = file.options().map(|(_, opt)| opt.name).collect();
    // `--pre` is exact even though `--prefer-binary` starts with it.
    assert_eq!(
        names,
        [
            OptionName::IndexUrl,
            OptionName::ExtraIndexUrl,
            OptionName::Pre
        ]
    );
    assert_eq!(file.requirements().next().unwrap().1.hashes.len(), 1);
}

#[test]
fn ambiguous_prefix_is_an_error() {
    let (error, covered) = one_error("--no x\n");
    assert_eq!(covered, "--no");
    assert!(error.message.contains("`--no-binary`") && error.message.contains("`--no-index`"));
    let (error, _) = one_error("--require x\n");
    assert!(error.message.contains("ambiguous"));
}

#[test]
fn prefixes_resolve_over_the_options_of_every_pip_version() {
    // `--only` is `--only-binary` to pip 23 but ambiguous to pip 26 (`--only-final`).
    let (error, _) = one_error("--only :all:\n");
    assert!(error.message.contains("`--only-final`"), "{error:?}");
    let file = ok("--no-r\n--all :all:\n--only-f pkg\n");
    let names: Vec<OptionName> = file.options().map(|(_, opt)| opt.name).collect();
    assert_eq!(
        names,
        [
            OptionName::NoRequireHashes,
            OptionName::AllReleases,
            OptionName::OnlyFinal
        ]
    );
}

#[test]
fn unknown_option_is_an_error_with_suggestion() {
    let (error, covered) = one_error("foo==1 --hsah=sha256:abc\n");
    assert_eq!(covered, "--hsah");
    assert!(error.hint.unwrap().starts_with("did you mean `--hash`?"));
    let (error, _) = one_error("--no-deps\n");
    assert_eq!(error.label, "unknown option");
    let (error, covered) = one_error("-x foo\n");
    assert_eq!(covered, "-x");
    assert_eq!(error.label, "unknown option");
}

#[test]
fn flag_with_value_and_option_without_value_are_errors() {
    let (error, _) = one_error("--pre=yes\n");
    assert!(error.message.contains("does not take a value"));
    let (error, covered) = one_error("foo==1 --hash\n");
    assert_eq!(covered, "--hash");
    assert!(error.message.contains("needs a value"));
}

#[test]
fn quoted_values_are_unquoted_and_spans_keep_quotes() {
    let text = format!(
        "-i \"https://a.test/simple\"\nfoo==1 --hash='sha256:{}'\n",
        sha256('a')
    );
    let file = ok(&text);
    let (_, index) = file.options().next().unwrap();
    let (value, span) = index.value.clone().unwrap();
    assert_eq!(value, "https://a.test/simple");
    assert_eq!(&text[span], "\"https://a.test/simple\"");
    let hash = &file.requirements().next().unwrap().1.hashes[0];
    assert_eq!(&text[hash.digest_span.clone()], sha256('a'));
    assert!(text[hash.span.clone()].ends_with('\''));
}

#[test]
fn unclosed_quote_is_an_error() {
    let (error, covered) = one_error("-i \"https://a.test/simple\n");
    assert_eq!(covered, "\"");
    assert!(error.message.contains("never closed"));
}

#[test]
fn option_value_that_looks_like_an_option_is_an_error() {
    let (error, covered) = one_error("-i --pre\n");
    assert_eq!(covered, "--pre");
    assert!(error.message.contains("takes `--pre` as its value"));
    // Build settings legitimately start with `-`.
    ok("foo==1 --global-option --verbose -C --build-option=--x\n");
}

#[test]
fn global_option_on_a_requirement_line_is_an_error() {
    let (error, covered) = one_error("foo==1 -i https://a.test/simple\n");
    assert_eq!(covered, "-i https://a.test/simple");
    assert!(error.message.contains("on a line that has a requirement"));
}

#[test]
fn other_options_on_an_include_line_are_an_error() {
    let (error, covered) = one_error("-r base.txt --pre\n");
    assert_eq!(covered, "--pre");
    assert!(error.message.contains("with `--requirement`"));
    let (_, covered) = one_error("-r a.txt -c b.txt\n");
    assert_eq!(covered, "-c b.txt");
}

#[test]
fn second_find_links_and_first_index_url_on_a_line_are_errors() {
    let (_, covered) = one_error("-f ./a -f ./b\n");
    assert_eq!(covered, "-f ./b");
    let (_, covered) = one_error("-i https://a.test/ -i https://b.test/\n");
    assert_eq!(covered, "-i https://a.test/");
    ok(
        "--extra-index-url https://a.test/ --extra-index-url https://b.test/ --trusted-host a.test\n",
    );
}

#[test]
fn per_requirement_options_are_kept() {
    let file = ok("foo==1 -C key=value --global-option=--quiet --config-settings=a=b\n");
    let (_, requirement) = file.requirements().next().unwrap();
    let options: Vec<(OptionName, String)> = requirement
        .options
        .iter()
        .map(|opt| (opt.name, opt.value.clone().unwrap().0))
        .collect();
    assert_eq!(
        options,
        [
            (OptionName::ConfigSettings, "key=value".into()),
            (OptionName::GlobalOption, "--quiet".into()),
            (OptionName::ConfigSettings, "a=b".into()),
        ]
    );
    let (_, covered) = one_error("foo==1 -C novalue\n");
    assert_eq!(covered, "novalue");
}

#[test]
fn text_after_options_is_an_error() {
    let text = format!("foo==1 --hash=sha256:{} extra words\n", sha256('a'));
    let (error, covered) = one_error(&text);
    assert_eq!(covered, "extra words");
    assert!(error.message.contains("comes after the options"));
    let (_, covered) = one_error("--pre foo==1\n");
    assert_eq!(covered, "foo==1");
    let (_, covered) = one_error("--pre -- foo\n");
    assert_eq!(covered, "foo");
}

#[test]
fn marker_after_hash_is_an_error() {
    let text = format!(
        "foo==1 --hash=sha256:{} ; python_version < \"3.12\"\n",
        sha256('a')
    );
    let (error, covered) = one_error(&text);
    assert_eq!(covered, "; python_version < \"3.12\"");
    assert!(error.message.contains("marker"));
}

#[test]
fn per_requirement_option_without_requirement_is_an_error() {
    let text = format!("--hash=sha256:{}\n", sha256('a'));
    let (error, _) = one_error(&text);
    assert!(error.message.contains("`--hash` has no requirement"));
    let (error, _) = one_error("-C key=value\n");
    assert!(
        error
            .message
            .contains("`--config-settings` has no requirement")
    );
}

// --- editables ---

#[test]
fn editable_line_is_a_requirement_with_the_flag_span() {
    let text = "-e ./pkg\n--editable=git+https://g.test/a/b.git#egg=b\n-e./c\n";
    let file = ok(text);
    let found: Vec<(&str, &str, &str)> = file
        .requirements()
        .map(|(_, r)| {
            let flag = r.editable.clone().unwrap();
            (&text[flag], r.text.as_str(), &text[r.span.clone()])
        })
        .collect();
    assert_eq!(
        found,
        [
            ("-e", "./pkg", "./pkg"),
            (
                "--editable",
                "git+https://g.test/a/b.git#egg=b",
                "git+https://g.test/a/b.git#egg=b"
            ),
            ("-e", "./c", "./c"),
        ]
    );
}

#[test]
fn editable_keeps_config_settings_and_refuses_what_pip_drops() {
    ok("-e ./pkg -C editable_mode=compat\n");
    let text = format!("-e ./pkg --hash=sha256:{}\n", sha256('a'));
    assert!(one_error(&text).0.message.contains("editable"));
    let (error, covered) = one_error("-e ./a -e ./b\n");
    assert_eq!(covered, "-e ./b");
    assert!(error.message.contains("first `-e`"));
    let (_, covered) = one_error("-e ./a -i https://a.test/\n");
    assert_eq!(covered, "-i https://a.test/");
    let (_, covered) = one_error("foo==1 -e ./a\n");
    assert_eq!(covered, "-e ./a");
}

// --- hashes ---

#[test]
fn strong_hash_algorithms_are_accepted_with_digest_case_kept() {
    let upper = "AB".repeat(48);
    let text = format!(
        "foo==1 --hash=sha256:{} --hash sha384:{upper} --hash=sha512:{}\n",
        sha256('0'),
        "f".repeat(128)
    );
    let file = ok(&text);
    let hashes = &file.requirements().next().unwrap().1.hashes;
    let found: Vec<(HashAlgorithm, &str)> = hashes
        .iter()
        .map(|h| (h.algorithm(), &text[h.digest_span.clone()]))
        .collect();
    assert_eq!(found[1], (HashAlgorithm::Sha384, upper.as_str()));
    assert_eq!(found[0].0, HashAlgorithm::Sha256);
    assert_eq!(found[2].0, HashAlgorithm::Sha512);
    let parsed = crate::digest::Digest::from_hex(HashAlgorithm::Sha384, &upper).unwrap();
    assert_eq!(hashes[1].digest, parsed);
    assert_eq!(
        &text[hashes[1].span.clone()],
        format!("--hash sha384:{upper}")
    );
}

#[test]
fn weak_or_misspelled_hash_algorithm_is_an_error() {
    let (error, covered) = one_error("foo==1 --hash=md5:d41d8cd98f00b204e9800998ecf8427e\n");
    assert_eq!(covered, "md5");
    assert_eq!(error.hint.as_deref(), Some("use sha256, sha384 or sha512"));
    let text = format!("foo==1 --hash=SHA256:{}\n", sha256('a'));
    let (error, _) = one_error(&text);
    assert!(error.hint.unwrap().contains("lowercase"));
}

#[test]
fn hash_without_colon_or_with_bad_digest_is_an_error() {
    let text = format!("foo==1 --hash={}\n", sha256('a'));
    let (error, covered) = one_error(&text);
    assert_eq!(covered, sha256('a'));
    assert_eq!(error.label, "no `:`");
    let (_, covered) = one_error("foo==1 --hash=sha256:abc\n");
    assert_eq!(covered, "abc");
    let not_hex = format!("{}z", "a".repeat(63));
    let text = format!("foo==1 --hash=sha256:{not_hex}\n");
    let (_, covered) = one_error(&text);
    assert_eq!(covered, not_hex);
    let (error, covered) = one_error("foo==1 --hash=sha256:\n");
    assert_eq!(covered, "");
    assert_eq!(error.label, "bad digest");
}

#[test]
fn digest_span_crosses_a_continuation() {
    let digest = sha256('a');
    let text = format!(
        "foo==1 --hash=sha256:{}\\\n{}\n",
        &digest[..10],
        &digest[10..]
    );
    let file = ok(&text);
    let hash = &file.requirements().next().unwrap().1.hashes[0];
    assert_eq!(hash.digest.to_hex(), digest);
    assert_eq!(
        &text[hash.digest_span.clone()],
        format!("{}\\\n{}", &digest[..10], &digest[10..])
    );
}

// --- requirement targets ---

#[test]
fn paths_urls_and_archives_are_unnamed_targets() {
    for text in [
        "./pkg",
        "../pkg[extra]",
        "/abs/pkg",
        "~/pkg",
        "src/pkg",
        "C:\\pkg",
        "https://x.test/foo-1.0-py3-none-any.whl",
        "foo-1.0.tar.gz",
        "foo-1.0.zip",
        "./pkg ; python_version < \"3.12\"",
    ] {
        let file = ok(text);
        let (_, requirement) = file.requirements().next().unwrap();
        assert!(
            matches!(&requirement.target, Target::Unnamed { location } if !location.contains(';')),
            "{text}: {:?}",
            requirement.target
        );
    }
}

#[test]
fn pep508_requirements_are_parsed() {
    let file = ok("Foo.Bar[baz]>=1,<2 ; python_version >= \"3.9\"\nqux @ https://x.test/q.whl\n");
    let names: Vec<String> = file
        .requirements()
        .map(|(_, r)| match &r.target {
            Target::Pep508(req) => req.name.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["foo-bar", "qux"]);
}

#[test]
fn invalid_requirement_error_points_into_the_requirement() {
    let (error, covered) = one_error("foo=1\n");
    assert_eq!(covered, "=1");
    assert!(error.message.starts_with("invalid requirement"));
    // pep508 offsets are bytes; a multi-byte char must be covered whole.
    let text = "bar==1 ; python_version < \"3\"\nnaïve==1\n";
    let (_, covered) = one_error(text);
    assert_eq!(covered, "ï");
}

#[test]
fn name_ending_in_a_separator_is_an_error_not_a_panic() {
    // pep508_rs 0.9 panics on these instead of returning an error.
    for text in ["abc-==1", "abc_ ; python_version > \"3\"", "a.[x]"] {
        let (error, covered) = one_error(text);
        assert!(
            error.message.to_lowercase().contains("must end with"),
            "{error:?}"
        );
        assert_eq!(covered.len(), 1);
    }
    // A path is still a path.
    ok("foo-/bar\n");
}

#[test]
fn error_at_end_of_requirement_stays_inside_the_text() {
    let (error, _) = one_error("foo==");
    assert!(error.span.end <= 5);
    let (error, _) = one_error("foo[bar");
    assert!(error.span.end <= 7);
}

#[test]
fn errors_from_several_lines_are_all_reported() {
    let text = "foo=1\n--bad\nbar==1 --hash=md5:x\n";
    assert_eq!(errors(text).len(), 3);
}

// --- error kinds (`ParseErrorKind`) ---

/// The kind of every error of `text`, in order.
fn error_kinds(text: &str) -> Vec<ParseErrorKind> {
    errors(text).into_iter().map(|error| error.kind).collect()
}

/// The kind of the one error of `text`.
fn kind(text: &str) -> ParseErrorKind {
    one_error(text).0.kind
}

use ParseErrorKind::{BadHash, ContinuationTrap, IgnoredText, Syntax};

#[test]
fn kind_of_space_after_backslash_is_continuation_trap() {
    assert_eq!(kind("foo==1 \\ \nbar==2\n"), ContinuationTrap);
    assert_eq!(kind("foo==1 \\  # pinned\nbar==2\n"), ContinuationTrap);
    // The hash the `\` meant to carry is orphaned by it: a trap as well.
    let text = format!("foo==1 \\ \n    --hash=sha256:{}\n", sha256('a'));
    assert_eq!(error_kinds(&text), [ContinuationTrap, ContinuationTrap]);
}

#[test]
fn kind_of_orphan_hash_after_comment_line_is_continuation_trap() {
    let text = format!(
        "foo==1 \\\n    # via bar\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n",
        sha256('a'),
        sha256('b')
    );
    assert_eq!(error_kinds(&text), [ContinuationTrap, ContinuationTrap]);
}

#[test]
fn kind_of_orphans_after_several_commented_out_hashes_is_continuation_trap() {
    // Two comment lines: the second is a logical line of its own, and the third
    // hash line, cut again by a comment, passes the cut on.
    let text = format!(
        "foo==1 \\\n  # --hash=sha256:{a} \\\n  # --hash=sha256:{a} \\\n  --hash=sha256:{b} \\\n  \
         # via bar\n\n  --hash=sha256:{c}\n",
        a = sha256('a'),
        b = sha256('b'),
        c = sha256('c')
    );
    assert_eq!(error_kinds(&text), [ContinuationTrap, ContinuationTrap]);
}

#[test]
fn kind_of_orphan_after_a_blank_line_ending_a_continuation_is_continuation_trap() {
    let text = format!("foo==1 \\\n\n    --hash=sha256:{}\n", sha256('a'));
    assert_eq!(kind(&text), ContinuationTrap);
    let text = "-e ./pkg \\ \n    -C key=value\n";
    assert_eq!(error_kinds(text), [ContinuationTrap, ContinuationTrap]);
}

#[test]
fn kind_of_orphan_with_no_broken_continuation_is_ignored_text() {
    // Alone in the file.
    assert_eq!(
        kind(&format!("--hash=sha256:{}\n", sha256('a'))),
        IgnoredText
    );
    assert_eq!(kind("-C key=value\n"), IgnoredText);
    // The requirement line lacks its `\`: nothing was cut.
    let text = format!("foo==1\n    --hash=sha256:{}\n", sha256('a'));
    assert_eq!(kind(&text), IgnoredText);
    // The cut continuation was a line of global options: the hash was dropped anyway.
    let text = format!("--pre \\\n  # note\n  --hash=sha256:{}\n", sha256('a'));
    assert_eq!(kind(&text), IgnoredText);
    let text = format!("-r base.txt \\ \n  --hash=sha256:{}\n", sha256('a'));
    assert_eq!(error_kinds(&text), [ContinuationTrap, IgnoredText]);
}

#[test]
fn kind_of_backslash_glued_to_hash_is_continuation_trap() {
    let text = format!("foo==1\\\n--hash=sha256:{}\n", sha256('a'));
    assert_eq!(kind(&text), ContinuationTrap);
}

#[test]
fn kind_of_continuation_joining_a_requirement_onto_a_hash_line_is_continuation_trap() {
    let text = format!("a==1 --hash=sha256:{} \\\nb==2\n", sha256('a'));
    assert_eq!(kind(&text), ContinuationTrap);
}

#[test]
fn kind_of_comment_swallowing_the_next_line_is_continuation_trap() {
    assert_eq!(kind("foo==1  # pinned \\\nbar==2\n"), ContinuationTrap);
}

#[test]
fn kind_of_text_after_options_is_ignored_text() {
    let text = format!("foo==1 --hash=sha256:{} extra words\n", sha256('a'));
    assert_eq!(kind(&text), IgnoredText);
    assert_eq!(kind("--pre foo==1\n"), IgnoredText);
}

#[test]
fn kind_of_marker_after_hash_is_ignored_text() {
    let marker = "; python_version < \"3.12\"";
    let text = format!("foo==1 --hash=sha256:{} {marker}\n", sha256('a'));
    assert_eq!(kind(&text), IgnoredText);
    // Also when a `\` brings it in from the next line: that move was meant.
    let text = format!("foo==1 --hash=sha256:{} \\\n    {marker}\n", sha256('a'));
    assert_eq!(kind(&text), IgnoredText);
}

#[test]
fn kind_of_global_option_on_a_requirement_line_is_ignored_text() {
    assert_eq!(kind("foo==1 -i https://a.test/simple\n"), IgnoredText);
}

#[test]
fn kind_of_options_pip_drops_on_a_line_is_ignored_text() {
    assert_eq!(kind("-r base.txt --pre\n"), IgnoredText);
    assert_eq!(kind("-f ./a -f ./b\n"), IgnoredText);
    assert_eq!(kind("-e ./a -e ./b\n"), IgnoredText);
    let text = format!("-e ./a --hash=sha256:{}\n", sha256('a'));
    assert_eq!(kind(&text), IgnoredText);
}

#[test]
fn kind_of_md5_algorithm_is_bad_hash() {
    let text = "foo==1 --hash=md5:d41d8cd98f00b204e9800998ecf8427e\n";
    assert_eq!(kind(text), BadHash);
    assert_eq!(
        kind(&format!("foo==1 --hash=SHA256:{}\n", sha256('a'))),
        BadHash
    );
}

#[test]
fn kind_of_short_digest_is_bad_hash() {
    assert_eq!(kind("foo==1 --hash=sha256:abc\n"), BadHash);
    assert_eq!(kind("foo==1 --hash=sha256:\n"), BadHash);
    assert_eq!(
        kind(&format!("foo==1 --hash=sha512:{}\n", sha256('a'))),
        BadHash
    );
}

#[test]
fn kind_of_non_hex_digest_is_bad_hash() {
    let text = format!("foo==1 --hash=sha256:{}z\n", "a".repeat(63));
    assert_eq!(kind(&text), BadHash);
}

#[test]
fn kind_of_hash_without_colon_is_bad_hash_but_without_value_is_syntax() {
    assert_eq!(kind(&format!("foo==1 --hash={}\n", sha256('a'))), BadHash);
    assert_eq!(kind("foo==1 --hash=\n"), BadHash);
    assert_eq!(kind("foo==1 --hash\n"), Syntax);
    assert_eq!(kind("foo==1 --hash --pre\n"), Syntax);
}

#[test]
fn kind_of_unknown_option_is_syntax() {
    assert_eq!(kind("--no-deps\n"), Syntax);
    assert_eq!(kind("-U pip\n"), Syntax);
    assert_eq!(kind("--no x\n"), Syntax);
    assert_eq!(kind("-i \"https://a.test/simple\n"), Syntax);
}

#[test]
fn kind_of_invalid_requirement_is_syntax() {
    assert_eq!(kind("foo=1\n"), Syntax);
    assert_eq!(kind("foo-==1\n"), Syntax);
    let text = format!("foo==1\t--hash=sha256:{}\n", sha256('a'));
    assert_eq!(kind(&text), Syntax);
}

#[test]
fn kind_of_encoding_errors_is_syntax() {
    for bytes in [
        &b"\xFF\xFEa\x00"[..],
        b"caf\xe9==1\n",
        b"# -*- coding: latin-1 -*-\nfo\xe9==1\n",
    ] {
        assert_eq!(decode(bytes).unwrap_err().kind, Syntax, "{bytes:?}");
    }
}

// --- shlex ---

#[test]
fn shlex_matches_python_posix_split() {
    use super::shlex::split;
    // Expected values from Python's `shlex.split`.
    let cases: &[(&str, &[&str])] = &[
        ("a b\tc", &["a", "b", "c"]),
        ("'a b' \"c d\"", &["a b", "c d"]),
        ("a\\ b", &["a b"]),
        (
            "\"a\\\"b\" \"a\\nb\" \"a\\\\b\"",
            &["a\"b", "a\\nb", "a\\b"],
        ),
        ("'a\\b'", &["a\\b"]),
        ("x'' ''", &["x", ""]),
        ("a'b'\"c\"d", &["abcd"]),
        ("a\u{a0}b", &["a\u{a0}b"]),
    ];
    for (input, expected) in cases {
        let values: Vec<String> = split(input, 0)
            .unwrap()
            .into_iter()
            .map(|t| t.value)
            .collect();
        assert_eq!(&values, expected, "{input:?}");
    }
    assert!(split("'a", 0).is_err());
    assert!(split("a\\", 0).is_err());
}

// --- pip 26.3 parity: what `packaging` and pip's constructors refuse ---

fn parse_env(text: &str, pairs: &[(&str, &str)]) -> Result<RequirementsFile, Vec<ParseError>> {
    super::parse_with(text, &super::Env::from_pairs(pairs.iter().copied()))
}

#[test]
fn non_ascii_word_after_a_marker_is_an_error_not_a_panic() {
    // pep508_rs 0.9 panics here (`cursor.rs`, not a char boundary).
    for text in [
        "six==1.16.0; python_version < \"3\" \u{e9}\n",
        "six==1.16.0; python_version < \"3\" \u{e9}\u{e9}\u{e9} and os_name == \"nt\"\n",
        "six==1.16.0; python_version < \"3\" and\u{e9}\n",
    ] {
        let (error, covered) = one_error(text);
        assert_eq!(error.kind, ParseErrorKind::Syntax, "{text:?}");
        assert_eq!(covered, "\u{e9}", "{text:?}");
    }
    // Inside quotes it is a string, as to pip.
    ok("six==1.16.0; os_name == \"\u{e9}\"\n");
    // `-e` reads the marker with the requirement.
    let (error, _) =
        one_error("-e \"six @ git+https://host/six#egg=six ; python_version < '3' \u{e9}\"\n");
    assert!(error.message.contains("`\u{e9}`"), "{}", error.message);
    // A directory may have any name.
    ok("-e \"./my\u{a0}dir\"\n");
}

#[test]
fn unicode_spaces_pip_refuses_are_errors_naming_the_character() {
    let spaces = [
        ('\u{a0}', "U+00A0 NO-BREAK SPACE"),
        ('\u{1680}', "U+1680 OGHAM SPACE MARK"),
        ('\u{2000}', "U+2000 EN QUAD"),
        ('\u{2005}', "U+2005 FOUR-PER-EM SPACE"),
        ('\u{200a}', "U+200A HAIR SPACE"),
        ('\u{202f}', "U+202F NARROW NO-BREAK SPACE"),
        ('\u{205f}', "U+205F MEDIUM MATHEMATICAL SPACE"),
        ('\u{3000}', "U+3000 IDEOGRAPHIC SPACE"),
        ('\x1f', "U+001F INFORMATION SEPARATOR ONE"),
    ];
    for (space, name) in spaces {
        for text in [
            format!("six{space}==1.16.0\n"),
            format!("six=={space}1.16.0{space},<2\n"),
            format!("six[{space}x]==1\n"),
            format!("six==1; python_version{space}> \"3\"\n"),
            format!("pkg @ https://host/x{space}y-1.0.tar.gz\n"),
        ] {
            let (error, covered) = one_error(&text);
            assert_eq!(covered, space.to_string(), "{text:?}");
            assert_eq!(error.label, name, "{text:?}");
            assert!(error.message.contains(name), "{}", error.message);
        }
    }
}

#[test]
fn unicode_spaces_pip_accepts_are_read_as_pip_reads_them() {
    // Stripped at the ends, part of a specifier's `\s*` after its operator, or
    // inside a quoted marker value.
    for text in [
        "six==1.16.0\u{a0}\n",
        "six==\u{a0}1.16.0\n",
        "six>=\u{3000}1.0,<\u{a0}2\n",
        "six (==\u{a0}1.0)\n",
        "six\u{a0};python_version>\"3\"\n",
        "six; os_name == \"a\u{a0}b\"\n",
        "six==1.16.0\u{3000}; python_version>\"3\"\n",
    ] {
        ok(text);
    }
}

#[test]
fn markers_are_read_apart_from_the_requirement_as_pip_splits_them() {
    // pip cuts at the first `;`, so a URL needs no space before it.
    let file = ok("pkg @ https://host/pkg-1.0.tar.gz;python_version>\"3\"\n");
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.location(), Some("https://host/pkg-1.0.tar.gz"));
    // An empty marker is no marker.
    ok("six==1.16.0;\n");
}

#[test]
fn env_var_in_a_version_is_expanded_for_reading_and_kept_in_the_file() {
    let text = "six==${SIXVER} # pinned by CI\n";
    let file = parse_env(text, &[("SIXVER", "1.16.0")]).unwrap();
    assert_eq!(file.render(), text);
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.text, "six==${SIXVER}");
    assert_eq!(requirement.expanded, "six==1.16.0");
    assert_eq!(&text[requirement.span.clone()], "six==${SIXVER}");
    assert!(requirement.unset_vars().is_empty());
    let Target::Pep508(parsed) = &requirement.target else {
        panic!("{:?}", requirement.target)
    };
    assert_eq!(parsed.name.as_ref(), "six");
    assert_eq!(
        crate::pin::Pinning::of(requirement)
            .pin()
            .unwrap()
            .to_string(),
        "six==1.16.0"
    );
}

#[test]
fn env_var_expansion_follows_pips_rules() {
    // Only `${UPPER_CASE}`; unset and empty variables stay as written.
    let env = [("A", "1.0"), ("EMPTY", ""), ("lower", "1.0")];
    for (text, expanded) in [
        ("a==${A}\n", "a==1.0"),
        ("a==${A}.${A}\n", "a==1.0.1.0"),
        ("a; os_name == '$A'\n", "a; os_name == '$A'"),
        ("a; os_name == '${lower}'\n", "a; os_name == '${lower}'"),
        (
            "a @ https://h/${EMPTY}/a.whl\n",
            "a @ https://h/${EMPTY}/a.whl",
        ),
    ] {
        let (file, _) = super::parse_lenient_with(text, &super::Env::from_pairs(env));
        assert_eq!(file.render(), text);
        let (_, requirement) = file.requirements().next().unwrap();
        assert_eq!(requirement.expanded, expanded, "{text:?}");
    }
    // A comment is cut before expansion: a `#` in a value is not a comment.
    let file = parse_env("a @ https://h/${FRAG}\n", &[("FRAG", "a.whl#sha256=x")]).unwrap();
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.location(), Some("https://h/a.whl#sha256=x"));
    // A value with spaces is split as pip splits it: options and all.
    let hash = sha256('a');
    let value = format!("--hash=sha256:{hash}");
    let text = "a==1.0 ${HASHES}\n";
    let file = parse_env(text, &[("HASHES", value.as_str())]).unwrap();
    let (_, requirement) = file.requirements().next().unwrap();
    assert_eq!(requirement.hashes.len(), 1);
    assert_eq!(&text[requirement.hashes[0].span.clone()], "${HASHES}");
}

#[test]
fn unset_env_var_in_a_version_is_an_error_naming_it() {
    let text = "six==${SIXVER}\n";
    let (error, covered) = one_error(text);
    assert_eq!(covered, "${SIXVER}");
    assert!(
        error.message.contains("`${SIXVER}` is not set"),
        "{}",
        error.message
    );
    assert!(error.hint.unwrap().contains("`SIXVER`"));
}

#[test]
fn error_inside_an_expanded_env_var_points_at_the_reference() {
    let text = "six==${SIXVER}\n";
    let errors = parse_env(text, &[("SIXVER", "1.x!")]).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(&text[errors[0].span.clone()], "${SIXVER}");
}

#[test]
fn env_vars_in_option_values_are_expanded() {
    let text = "--index-url https://${INDEX_HOST}/simple\n-r ${DIR}/base.txt\n";
    let file = parse_env(text, &[("INDEX_HOST", "pypi.example"), ("DIR", "reqs")]).unwrap();
    assert_eq!(file.render(), text);
    let values: Vec<(&str, &str)> = file
        .options()
        .map(|(_, opt)| {
            let (value, span) = opt.value.as_ref().unwrap();
            (value.as_str(), &text[span.clone()])
        })
        .collect();
    assert_eq!(
        values,
        [
            (
                "https://pypi.example/simple",
                "https://${INDEX_HOST}/simple"
            ),
            ("reqs/base.txt", "${DIR}/base.txt"),
        ]
    );
}

#[test]
fn egg_fragments_pip_26_refuses_are_errors() {
    let hash = sha256('a');
    for (text, covered) in [
        (
            "https://host/brotli-0.3.0.tar.gz#egg=Brotli==0.3.0\n",
            "Brotli==0.3.0",
        ),
        ("https://host/wat.tar.gz#egg=wat>=1\n", "wat>=1"),
        ("https://host/wat.tar.gz#egg=wat[extra]\n", "wat[extra]"),
        ("https://host/wat.tar.gz#egg=\n", "egg="),
        ("https://host/wat.tar.gz?x=1&egg=wat>=1\n", "wat>=1"),
        ("git+https://host/wat#egg=wat-\n", "wat-"),
        ("wat @ https://host/wat.tar.gz#egg=wat>=1\n", "wat>=1"),
        ("wat @ https://host/wat.tar.gz#egg=\n", "egg="),
        (
            &format!("https://host/wat.tar.gz#egg=wat>=1 --hash=sha256:{hash}\n"),
            "wat>=1",
        ),
    ] {
        let (error, got) = one_error(text);
        assert_eq!(error.kind, ParseErrorKind::Syntax, "{text:?}");
        assert_eq!(got, covered, "{text:?}");
        assert!(error.hint.unwrap().contains('@'), "{text:?}");
    }
    for text in [
        "-e git+https://host/wat#egg=wat>=1\n",
        "-e git+https://host/wat#egg=wat[extra]\n",
        "-e git+https://host/wat#egg=\n",
    ] {
        let (error, got) = one_error(text);
        assert_eq!(error.kind, ParseErrorKind::Syntax, "{text:?}");
        assert_eq!(got, &text[3..text.len() - 1], "{text:?}");
    }
    // A project name alone, with other fragment parts, is fine.
    ok("https://host/wat.tar.gz#egg=wat&subdirectory=x\n");
    ok("git+https://host/wat#egg=wat.1_x\n");
    ok("wat @ https://host/wat.tar.gz#egg=other\n");
    ok("-e git+https://host/wat#egg=wat\n");
}

#[test]
fn unknown_use_feature_is_an_error() {
    for text in ["--use-feature=resolvelib\n", "--use-feature Fast-deps\n"] {
        let (error, _) = one_error(text);
        assert_eq!(error.kind, ParseErrorKind::Syntax);
        assert!(error.hint.unwrap().contains("`fast-deps`"));
    }
    for feature in [
        "fast-deps",
        "inprocess-build-deps",
        "venv-isolation",
        "truststore",
        "no-binary-enable-wheel-cache",
        "build-constraint",
    ] {
        ok(&format!("--use-feature={feature}\n"));
    }
}

#[test]
fn format_and_release_values_starting_with_a_dash_are_errors() {
    for (text, covered) in [
        ("--no-binary=-foo\n", "-foo"),
        ("--no-binary=\"-foo\"\n", "-foo\""),
        ("--only-binary=-x\n", "-x"),
        ("--all-releases=-x\n", "-x"),
        ("--only-final=-x\n", "-x"),
    ] {
        let (error, got) = one_error(text);
        assert_eq!(error.kind, ParseErrorKind::Syntax, "{text:?}");
        assert_eq!(got, covered, "{text:?}");
    }
    // A later name may start with `-`: pip checks the value's first character only.
    ok("--no-binary=foo,-bar\n--only-final=six,-x\n--index-url=-x\n");
}

#[test]
fn editable_url_that_is_not_vcs_is_an_error() {
    for text in [
        "-e https://localhost:8080/\n",
        "-e \"wat @ https://host/wat.tar.gz\"\n",
    ] {
        let (error, _) = one_error(text);
        assert_eq!(error.kind, ParseErrorKind::Syntax, "{text:?}");
        assert!(error.message.contains("editable"), "{}", error.message);
    }
    let (error, _) = one_error("-e git+https://host/wat\n");
    assert!(error.hint.unwrap().contains("name @ URL"));
    for text in [
        "-e git+https://host/wat#egg=wat\n",
        "-e git://host/wat#egg=wat\n",
        "-e file:///tmp/x\n",
        "-e \"wat @ git+https://host/wat\"\n",
        "-e ./src/pkg[dev]\n",
    ] {
        ok(text);
    }
}

#[test]
fn local_wheel_with_extras_is_read_as_pip_reads_it() {
    for text in [
        "pkg-1.0-py3-none-any.whl[extra]\n",
        "./dist/pkg-1.0-py3-none-any.whl[extra]\n",
        "pkg-1.0.tar.gz[extra]\n",
    ] {
        let file = ok(text);
        let (_, requirement) = file.requirements().next().unwrap();
        assert_eq!(
            crate::pin::Pinning::of(requirement),
            crate::pin::Pinning::Location(super::super::Location::LocalArchive),
            "{text:?}"
        );
    }
}

#[test]
fn url_with_a_scheme_pip_does_not_fetch_is_an_error() {
    for (text, covered) in [
        ("git://host/x#egg=x\n", "git://"),
        ("sftp://host/x\n", "sftp://"),
        ("ssh://host/x-1.0.tar.gz\n", "ssh://"),
    ] {
        let (error, got) = one_error(text);
        assert_eq!(error.kind, ParseErrorKind::Syntax, "{text:?}");
        assert_eq!(got, covered, "{text:?}");
    }
    // The schemes pip fetches, in any case.
    ok("HTTPS://host/x-1.0.tar.gz\ngit+ssh://git@host/x#egg=x\nftp://host/x-1.0.tar.gz\n");
}
