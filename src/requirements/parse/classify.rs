//! What a logical line means, and the places where pip would silently misread it.
//!
//! pip cuts the comment, strips the line, then `break_args_options` takes the words
//! before the first word starting with `-` (splitting on single spaces) as the
//! requirement, and hands the rest to shlex and optparse. `handle_line` then keeps
//! only some of the options: the per-requirement ones on a requirement line, the
//! global ones on an options line, only the `-r`/`-c` of an include line. Anything
//! else is dropped without a word; here it is an error with the span pip would lose.

use crate::digest::{Digest, DigestError};

use super::super::{
    Hash, HashAlgorithm, Line, LineKind, Opt, OptionName, ParseError, ParseErrorKind, Requirement,
    Span,
};
use super::expand::{self, Env, Expanded};
use super::lines::{Logical, Physical, is_py_space};
use super::options::{self, OptError, OptValue, ParsedOpt};
use super::requirement;
use super::shlex::{self, SplitError, Token};

/// Everything a line needs to know about its surroundings.
pub(super) struct Context<'a> {
    pub physical: &'a [Physical],
    pub logical: &'a Logical,
    /// What the lines above left this one.
    pub above: Above,
    pub errors: &'a mut Vec<ParseError>,
    /// Where `${NAME}` references get their values.
    pub env: &'a Env,
    /// The line's code as pip reads it (`${NAME}` expanded); empty until [`line`]
    /// cuts the comment. Offsets into it are "code offsets".
    pub code: Expanded,
}

/// How the lines above a logical line ended, as far as its orphaned options care.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Above {
    /// The nearest line above with code was a `\` continuation ended by a comment
    /// line, so hashes on this line were meant for the requirement above.
    pub comment_break: bool,
    /// The nearest line above with code holds a requirement (or options orphaned
    /// from one) and ends in a `\` continuation that did not take this line: per-
    /// requirement options here are a [`ParseErrorKind::ContinuationTrap`].
    pub cut_requirement: bool,
}

impl Above {
    /// What `logical`, whose own `above` was `self`, leaves the next line. A line
    /// without code (blank or a comment) passes on what it was left.
    pub(super) fn next(self, logical: &Logical) -> Above {
        let text = logical.text.as_str();
        let comment_start = logical.comment_start();
        let code = trim(text, 0..comment_start.unwrap_or(text.len()));
        if code.is_empty() {
            return self;
        }
        let continued = logical.pieces.len() > 1;
        let last = logical.pieces.last().expect("a logical line has a piece");
        let comment_break = continued && last.comment_line;
        let blank_break = continued
            && text[last.joined_start..]
                .trim_matches(is_py_space)
                .is_empty();
        let stray_backslash = text[code.clone()].ends_with('\\');
        let cut = comment_break || blank_break || stray_backslash;
        let code = trim(text, code.start..code.end - usize::from(stray_backslash));
        Above {
            comment_break,
            cut_requirement: cut && (self.cut_requirement || holds_requirement(text, code)),
        }
    }
}

/// Whether `text[code]` holds a requirement, `-e` lines included, as pip splits it.
fn holds_requirement(text: &str, code: Span) -> bool {
    let (requirement, options) = break_args_options(text, code);
    !requirement.is_empty()
        || shlex::split(&text[options.clone()], options.start)
            .ok()
            .and_then(|tokens| options::parse(tokens).ok())
            .is_some_and(|parsed| position(&parsed.opts, OptionName::Editable).is_some())
}

impl Context<'_> {
    /// The source span of `code[range]`.
    fn source(&self, range: Span) -> Span {
        self.logical.source(self.code.joined(range))
    }

    /// Records an error; `span` is in code offsets.
    fn error(
        &mut self,
        kind: ParseErrorKind,
        span: Span,
        message: String,
        label: &str,
        hint: impl Into<String>,
    ) {
        let span = self.code.joined(span);
        self.joined_error(kind, span, message, label, hint);
    }

    /// Records an error; `span` is in joined-line offsets.
    fn joined_error(
        &mut self,
        kind: ParseErrorKind,
        span: Span,
        message: String,
        label: &str,
        hint: impl Into<String>,
    ) {
        let span = self.logical.source(span);
        self.push_error(kind, span, message, label, hint);
    }

    /// Records an error; `span` is in source offsets.
    fn push_error(
        &mut self,
        kind: ParseErrorKind,
        span: Span,
        message: String,
        label: &str,
        hint: impl Into<String>,
    ) {
        self.errors.push(ParseError {
            kind,
            span,
            message,
            label: label.into(),
            hint: Some(hint.into()),
        });
    }

    /// Records an optparse error: an option pip cannot read is a syntax error.
    fn opt_error(&mut self, error: OptError) {
        let span = self.source(error.span);
        self.errors.push(ParseError {
            kind: ParseErrorKind::Syntax,
            span,
            message: error.message,
            label: error.label,
            hint: error.hint,
        });
    }

    /// The code as pip reads it.
    fn text(&self) -> &str {
        &self.code.text
    }

    /// The logical line as joined, before its comment is cut.
    fn joined(&self) -> &str {
        &self.logical.text
    }
}

/// 1-based number of a physical line, for messages.
fn line_number(physical: usize) -> usize {
    physical + 1
}

/// Builds the [`Line`] of a logical line, recording every problem in `ctx.errors`.
pub(super) fn line(ctx: &mut Context<'_>) -> Line {
    let logical = ctx.logical;
    let comment_start = logical.comment_start();
    if let Some(at) = comment_start {
        swallowed_by_comment(ctx, at);
    }
    let code = trim(ctx.joined(), 0..comment_start.unwrap_or(logical.text.len()));
    let kind = if code.is_empty() {
        match comment_start {
            Some(_) => LineKind::Comment,
            None => LineKind::Blank,
        }
    } else {
        // After a broken continuation the words are not what the author wrote, so
        // reading them further would only add confusing errors.
        let broken = fused_continuations(ctx, code.clone()) || stray_backslash(ctx, code.clone());
        if broken {
            LineKind::Blank
        } else {
            ctx.code = Expanded::new(&logical.text[code.clone()], code.start, ctx.env);
            code_kind(ctx, 0..ctx.code.text.len()).unwrap_or(LineKind::Blank)
        }
    };
    Line {
        span: logical.span.clone(),
        number: logical.first + 1,
        terminator: logical.terminator.clone(),
        comment: comment_start.map(|at| logical.map[at]..logical.map[logical.text.len()]),
        kind,
    }
}

/// `range` of `text` without Python whitespace at either end.
fn trim(text: &str, range: Span) -> Span {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start_matches(is_py_space).len());
    let end = range.start + slice.trim_end_matches(is_py_space).len();
    start..end.max(start)
}

/// A comment line ending in `\` continues nothing, but a comment *after* code that
/// ends in `\` does: the next line joins the comment and pip drops it.
fn swallowed_by_comment(ctx: &mut Context<'_>, comment: usize) {
    let logical = ctx.logical;
    let first = logical.piece_at(comment);
    let lost: Vec<Span> = logical.pieces[first + 1..]
        .iter()
        .filter(|piece| !piece.comment_line)
        .map(|piece| {
            let end = piece.joined_start + piece.source.len();
            trim(ctx.joined(), piece.joined_start..end)
        })
        .filter(|span| !span.is_empty())
        .collect();
    let (Some(start), Some(end)) = (lost.first(), lost.last()) else {
        return;
    };
    let line = line_number(logical.pieces[first].physical);
    ctx.joined_error(
        ParseErrorKind::ContinuationTrap,
        start.start..end.end,
        format!(
            "the comment on line {line} ends with `\\`, so pip reads this as part of the comment"
        ),
        "ignored by pip",
        format!(
            "remove the `\\` at the end of line {line}, or move its comment to a line of its own"
        ),
    );
}

/// A `\` with no space before it, followed by a line starting with an option, glues
/// the two into one word: `foo==1\` + `--hash=...` reads as `foo==1--hash=...`.
fn fused_continuations(ctx: &mut Context<'_>, code: Span) -> bool {
    let logical = ctx.logical;
    let mut found = false;
    for (index, piece) in logical.pieces.iter().enumerate().skip(1) {
        let at = piece.joined_start;
        let text = ctx.joined();
        let before = text[..at].chars().next_back();
        let mut after = text[at..].chars();
        let looks_like_option = after.next() == Some('-')
            && after.next().is_some_and(|c| c == '-' || c.is_alphabetic());
        if piece.comment_line
            || !(code.start < at && at < code.end)
            || before.is_none_or(is_py_space)
            || !looks_like_option
        {
            continue;
        }
        let word_end = |from: usize| {
            text[from..]
                .find(is_py_space)
                .map_or(text.len(), |len| from + len)
        };
        let next = &text[at..word_end(at).min(code.end)];
        let previous_start = text[..at]
            .char_indices()
            .rfind(|&(_, c)| is_py_space(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let previous = &text[previous_start.max(code.start)..at];
        let above = logical.pieces[index - 1].physical;
        let backslash = ctx.physical[above].content.end - 1;
        ctx.errors.push(ParseError {
            kind: ParseErrorKind::ContinuationTrap,
            span: backslash..backslash + 1,
            message: format!(
                "this `\\` glues `{}` onto `{}`, so pip reads them as one word",
                shorten(next),
                shorten(previous)
            ),
            label: "no space before `\\`".into(),
            hint: Some("put a space before the `\\`".into()),
        });
        found = true;
    }
    found
}

/// A `\` followed by whitespace or a comment does not continue the line (pip's
/// `join_lines` has a TODO for it); pip would read the `\` as part of the line.
fn stray_backslash(ctx: &mut Context<'_>, code: Span) -> bool {
    if !ctx.joined()[code.clone()].ends_with('\\') {
        return false;
    }
    ctx.joined_error(
        ParseErrorKind::ContinuationTrap,
        code.end - 1..code.end,
        "this `\\` is not at the end of its line, so it does not continue the line".into(),
        "not a continuation",
        "remove the whitespace or comment after the `\\`, or remove the `\\`",
    );
    true
}

/// Splits the code of a line into requirement and options and reads both.
fn code_kind(ctx: &mut Context<'_>, code: Span) -> Option<LineKind> {
    let (requirement, options) = break_args_options(ctx.text(), code.clone());
    let tokens = match shlex::split(&ctx.text()[options.clone()], options.start) {
        Ok(tokens) => tokens,
        Err(error) => return split_error(ctx, error, options),
    };
    let parsed = match options::parse(tokens) {
        Ok(parsed) => parsed,
        Err(error) => {
            ctx.opt_error(error);
            return None;
        }
    };
    leftovers(ctx, &parsed);
    // An option that swallowed the next option as its value is reported once, here.
    let opts: Vec<ParsedOpt> = parsed
        .opts
        .into_iter()
        .filter(|opt| !value_looks_like_option(ctx, opt) && !refused_value(ctx, opt))
        .collect();
    if !requirement.is_empty() {
        requirement_line(ctx, requirement, &opts)
    } else if let Some(first) = position(&opts, OptionName::Editable) {
        editable_line(ctx, first, &opts)
    } else {
        Some(LineKind::Options(options_line(ctx, &opts)))
    }
}

/// pip's `break_args_options`: split on `" "` only, the requirement ends before the
/// first word starting with `-`. Returns (requirement, options) ranges.
fn break_args_options(text: &str, code: Span) -> (Span, Span) {
    let mut at = code.start;
    for word in text[code.clone()].split(' ') {
        if word.starts_with('-') {
            // The space before the option word separates; the rest is the requirement.
            let requirement = trim(text, code.start..at.saturating_sub(1).max(code.start));
            return (requirement, at..code.end);
        }
        at += word.len() + 1;
    }
    (code.clone(), code.end..code.end)
}

fn split_error(ctx: &mut Context<'_>, error: SplitError, options: Span) -> Option<LineKind> {
    match error {
        SplitError::NoClosingQuotation(at) => ctx.error(
            ParseErrorKind::Syntax,
            at..at + 1,
            "this quote is never closed, so pip cannot read the options".into(),
            "unclosed quote",
            "close the quote, or escape it with `\\`",
        ),
        SplitError::NoEscapedCharacter(at) => ctx.error(
            ParseErrorKind::Syntax,
            at..options.end,
            "the options end with `\\` escaping nothing, so pip cannot read them".into(),
            "nothing to escape",
            "remove the `\\`",
        ),
    }
    None
}

/// Words optparse did not take: pip drops them. Consecutive words are one error.
fn leftovers(ctx: &mut Context<'_>, parsed: &options::Parsed) {
    let mut groups: Vec<Vec<&Token>> = Vec::new();
    for token in &parsed.leftovers {
        let joins_previous = groups
            .last()
            .and_then(|group| group.last())
            .is_some_and(|last| {
                !parsed
                    .opts
                    .iter()
                    .any(|opt| last.raw.end <= opt.span.start && opt.span.end <= token.raw.start)
            });
        match groups.last_mut() {
            Some(group) if joins_previous => group.push(token),
            _ => groups.push(vec![token]),
        }
    }
    for group in groups {
        leftover_group(ctx, &group);
    }
}

fn leftover_group(ctx: &mut Context<'_>, group: &[&Token]) {
    let span = group[0].raw.start..group[group.len() - 1].raw.end;
    let words = &ctx.text()[span.clone()];
    if group[0].value.starts_with(';') {
        return ctx.error(
            ParseErrorKind::IgnoredText,
            span,
            "this marker comes after the options, so pip ignores it".into(),
            "ignored by pip",
            "move the marker before the first option, right after the requirement",
        );
    }
    if let Some(line) = continued_from(ctx, span.start) {
        return ctx.error(
            ParseErrorKind::ContinuationTrap,
            span,
            format!(
                "the `\\` at the end of line {line} joins this line onto the options above, so pip ignores `{}`",
                shorten(words)
            ),
            "ignored by pip",
            format!("remove the `\\` at the end of line {line}"),
        );
    }
    ctx.error(
        ParseErrorKind::IgnoredText,
        span,
        format!(
            "pip ignores `{}` because it comes after the options",
            shorten(words)
        ),
        "ignored by pip",
        "remove it, or move it before the first option if it belongs to the requirement",
    );
}

/// When the word at `at` is the first word of a continued physical line, the number
/// of the line whose `\` joined it.
fn continued_from(ctx: &Context<'_>, at: usize) -> Option<usize> {
    let logical = ctx.logical;
    let at = ctx.code.joined(at..at).start;
    let index = logical.piece_at(at);
    let piece = &logical.pieces[index];
    let first_word = trim(ctx.joined(), piece.joined_start..at).is_empty();
    (index > 0 && first_word).then(|| line_number(logical.pieces[index - 1].physical))
}

/// optparse takes the next word as a value whatever it is, so `-i --pre` sets the
/// index URL to `--pre`. Options whose value may legitimately start with `-` (build
/// settings) are exempt.
fn value_looks_like_option(ctx: &mut Context<'_>, opt: &ParsedOpt) -> bool {
    let Some(value) = &opt.value else {
        return false;
    };
    let exempt = matches!(
        opt.def.name,
        OptionName::ConfigSettings | OptionName::GlobalOption
    );
    if exempt || value.offset != 0 || !value.text.starts_with('-') {
        return false;
    }
    let flag = ctx.text()[opt.flag.clone()].to_owned();
    ctx.error(
        ParseErrorKind::Syntax,
        value.span.clone(),
        format!("`{flag}` takes `{}` as its value", shorten(&value.text)),
        "read as a value",
        format!("give `{flag}` a value"),
    );
    true
}

/// pip 26.3's `--use-feature` choices (`cli/cmdoptions.py`), compared as written.
const FEATURES: &[&str] = &[
    "fast-deps",
    "inprocess-build-deps",
    "venv-isolation",
    "truststore",
    "no-binary-enable-wheel-cache",
    "build-constraint",
];

/// Values pip's option parser refuses, however they are attached: a `--use-feature`
/// it does not offer, and a `--no-binary`/`--only-binary`/`--all-releases`/
/// `--only-final` value starting with `-` (their callbacks raise "requires 1
/// argument"; `value_looks_like_option` already reports the space-separated form).
fn refused_value(ctx: &mut Context<'_>, opt: &ParsedOpt) -> bool {
    let Some(value) = &opt.value else {
        return false;
    };
    let flag = opt.def.display();
    let (message, label, hint) = match opt.def.name {
        OptionName::UseFeature if !FEATURES.contains(&value.text.as_str()) => (
            format!(
                "pip has no feature `{}` to enable with `--use-feature`",
                shorten(&value.text)
            ),
            "unknown feature",
            format!(
                "use one of {} (as written, lower case), or remove the option",
                FEATURES
                    .iter()
                    .map(|feature| format!("`{feature}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        OptionName::NoBinary
        | OptionName::OnlyBinary
        | OptionName::AllReleases
        | OptionName::OnlyFinal
            if value.text.starts_with('-') =>
        {
            (
                format!(
                    "pip refuses `{}` as the value of `{flag}`: it starts with `-`",
                    shorten(&value.text)
                ),
                "starts with `-`",
                format!("give `{flag}` package names, `:all:` or `:none:`"),
            )
        }
        _ => return false,
    };
    ctx.error(
        ParseErrorKind::Syntax,
        value.span.clone(),
        message,
        label,
        hint,
    );
    true
}

/// A line with a requirement: only `--hash`, `-C` and `--global-option` count.
fn requirement_line(ctx: &mut Context<'_>, span: Span, opts: &[ParsedOpt]) -> Option<LineKind> {
    let mut hashes = Vec::new();
    let mut kept = Vec::new();
    for opt in opts {
        match opt.def.name {
            OptionName::Hash => hashes.extend(hash(ctx, opt)),
            OptionName::ConfigSettings | OptionName::GlobalOption => {
                kept.extend(per_requirement_opt(ctx, opt));
            }
            _ => ctx.error(
                ParseErrorKind::IgnoredText,
                opt.span.clone(),
                format!(
                    "pip ignores `{}` on a line that has a requirement",
                    opt.def.display()
                ),
                "ignored by pip",
                "move it to a line of its own",
            ),
        }
    }
    let requirement = new_requirement(ctx, span, None, None)?;
    Some(LineKind::Requirement(Requirement {
        hashes,
        options: kept,
        ..requirement
    }))
}

/// A `-e`/`--editable` line: pip reads the first `-e` value as the requirement, and
/// keeps only `-C` (recent pip) of the other options.
fn editable_line(ctx: &mut Context<'_>, first: usize, opts: &[ParsedOpt]) -> Option<LineKind> {
    let mut kept = Vec::new();
    for (index, opt) in opts.iter().enumerate() {
        let name = opt.def.display();
        let (message, hint) = match opt.def.name {
            _ if index == first => continue,
            OptionName::ConfigSettings => {
                kept.extend(per_requirement_opt(ctx, opt));
                continue;
            }
            OptionName::Editable => (
                "pip reads only the first `-e` of a line and ignores this one".into(),
                "put each editable requirement on its own line",
            ),
            OptionName::Hash | OptionName::GlobalOption => (
                format!("pip ignores `{name}` on an editable requirement"),
                "remove it: pip neither checks hashes of editables nor passes them global options",
            ),
            _ => (
                format!("pip ignores `{name}` on a line with `-e`"),
                "move it to a line of its own",
            ),
        };
        ctx.error(
            ParseErrorKind::IgnoredText,
            opt.span.clone(),
            message,
            "ignored by pip",
            hint,
        );
    }
    let editable = &opts[first];
    let value = editable.value.as_ref().expect("-e takes a value");
    let flag = Some(editable.flag.clone());
    let requirement = new_requirement(ctx, value.span.clone(), Some(value), flag)?;
    Some(LineKind::Requirement(Requirement {
        options: kept,
        ..requirement
    }))
}

/// A line of global options, checked for the ones pip would drop.
fn options_line(ctx: &mut Context<'_>, opts: &[ParsedOpt]) -> Vec<Opt> {
    let include =
        position(opts, OptionName::Requirement).or_else(|| position(opts, OptionName::Constraint));
    let first_find_links = position(opts, OptionName::FindLinks);
    let last_index_url = opts
        .iter()
        .rposition(|opt| opt.def.name == OptionName::IndexUrl);
    let mut kept = Vec::new();
    for (index, opt) in opts.iter().enumerate() {
        let name = opt.def.name;
        if opt.def.per_requirement {
            orphan(ctx, opt);
        } else if let Some(include) = include.filter(|&include| include != index) {
            let flag = opts[include].def.display();
            ctx.error(
                ParseErrorKind::IgnoredText,
                opt.span.clone(),
                format!(
                    "pip ignores `{}` on a line with `{flag}`",
                    opt.def.display()
                ),
                "ignored by pip",
                "move it to a line of its own",
            );
        } else if name == OptionName::FindLinks && Some(index) != first_find_links {
            ctx.error(
                ParseErrorKind::IgnoredText,
                opt.span.clone(),
                "pip reads only the first `--find-links` of a line and ignores this one".into(),
                "ignored by pip",
                "put each `--find-links` on its own line",
            );
        } else if name == OptionName::IndexUrl && Some(index) != last_index_url {
            ctx.error(
                ParseErrorKind::IgnoredText,
                opt.span.clone(),
                "a later `--index-url` replaces this one, so pip ignores it".into(),
                "ignored by pip",
                "keep one `--index-url`; add other indexes with `--extra-index-url`",
            );
        } else {
            kept.push(to_opt(ctx, opt));
        }
    }
    kept
}

fn position(opts: &[ParsedOpt], name: OptionName) -> Option<usize> {
    opts.iter().position(|opt| opt.def.name == name)
}

/// `--hash` (or `-C`, `--global-option`) with no requirement on its line.
fn orphan(ctx: &mut Context<'_>, opt: &ParsedOpt) {
    let above = ctx.above;
    let hint = if above.comment_break && above.cut_requirement {
        "the comment line above ends the `\\` continuation, so this line is not part of \
         the requirement: move the comment below the requirement's last line"
    } else {
        "put it on its requirement's line, or join the lines with a `\\` at the end of the \
         requirement's line"
    };
    // Cut off from its requirement by a broken `\` (see `ParseErrorKind`), or simply
    // on a line without one.
    let kind = if above.cut_requirement {
        ParseErrorKind::ContinuationTrap
    } else {
        ParseErrorKind::IgnoredText
    };
    ctx.error(
        kind,
        opt.span.clone(),
        format!(
            "`{}` has no requirement on its line, so pip ignores it",
            opt.def.display()
        ),
        "ignored by pip",
        hint,
    );
}

fn to_opt(ctx: &Context<'_>, opt: &ParsedOpt) -> Opt {
    Opt {
        span: ctx.source(opt.span.clone()),
        name: opt.def.name,
        value: opt
            .value
            .as_ref()
            .map(|value| (value.text.clone(), ctx.source(value.span.clone()))),
    }
}

/// `-C` needs `KEY=VALUE` (pip errors otherwise); `--global-option` takes anything.
fn per_requirement_opt(ctx: &mut Context<'_>, opt: &ParsedOpt) -> Option<Opt> {
    let value = opt.value.as_ref()?;
    if opt.def.name == OptionName::ConfigSettings && !value.text.contains('=') {
        ctx.error(
            ParseErrorKind::Syntax,
            value.span.clone(),
            "`--config-settings` takes `KEY=VALUE`".into(),
            "no `=`",
            "write `-C KEY=VALUE`",
        );
        return None;
    }
    Some(to_opt(ctx, opt))
}

/// Reads `--hash=algo:digest`: pip splits at the first `:` and accepts only its
/// `STRONG_HASHES`; it does not check the digest, hashlock does.
fn hash(ctx: &mut Context<'_>, opt: &ParsedOpt) -> Option<Hash> {
    let value = opt.value.as_ref()?;
    let Some((algorithm, digest)) = value.text.split_once(':') else {
        ctx.error(
            ParseErrorKind::BadHash,
            value.span.clone(),
            format!(
                "`--hash` takes `algorithm:digest`, not `{}`",
                shorten(&value.text)
            ),
            "no `:`",
            "write `--hash=sha256:<64 hex digits>`",
        );
        return None;
    };
    let algorithm = hash_algorithm(ctx, value, algorithm)?;
    let digest_range = algorithm_len(value) + 1..value.text.len();
    let digest_span = value.span_of(digest_range);
    let parsed = match Digest::from_hex(algorithm, digest) {
        Ok(parsed) => parsed,
        Err(error) => {
            let span = if digest.is_empty() {
                value.span.end..value.span.end
            } else {
                digest_span.clone()
            };
            let hint = format!("copy the full hex {} digest of the file", algorithm.name());
            let message = digest_problem(algorithm, digest, &error);
            ctx.error(ParseErrorKind::BadHash, span, message, "bad digest", hint);
            return None;
        }
    };
    Some(Hash {
        span: ctx.source(opt.span.clone()),
        digest: parsed,
        digest_span: ctx.source(digest_span),
    })
}

/// What is wrong with a digest: pip does not check, hashlock does.
fn digest_problem(algorithm: HashAlgorithm, digest: &str, error: &DigestError) -> String {
    let name = algorithm.name();
    match error {
        _ if digest.is_empty() => format!("`--hash` has no digest after `{name}:`"),
        DigestError::NotHex { found, .. } => {
            format!("a {name} digest is hex, but this one contains `{found}`")
        }
        DigestError::Length {
            expected, found, ..
        } => format!("a {name} digest has {expected} hex digits; this one has {found}"),
    }
}

fn algorithm_len(value: &OptValue) -> usize {
    value.text.find(':').unwrap_or(value.text.len())
}

fn hash_algorithm(ctx: &mut Context<'_>, value: &OptValue, name: &str) -> Option<HashAlgorithm> {
    let known = [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ];
    if let Some(algorithm) = known.into_iter().find(|a| a.name() == name) {
        return Some(algorithm);
    }
    let hint = if known.iter().any(|a| a.name() == name.to_ascii_lowercase()) {
        format!(
            "write the algorithm in lowercase: `{}`",
            name.to_ascii_lowercase()
        )
    } else {
        "use sha256, sha384 or sha512".into()
    };
    ctx.error(
        ParseErrorKind::BadHash,
        value.span_of(0..name.len()),
        format!("pip does not accept `{name}` hashes"),
        "unsupported algorithm",
        hint,
    );
    None
}

/// A requirement with no options yet; `None` (after recording the error) when pip
/// cannot read its text. `span` is in code offsets: for a requirement line the
/// requirement, for `-e` its value; `value` is the `-e` value as shlex unquoted it.
fn new_requirement(
    ctx: &mut Context<'_>,
    span: Span,
    value: Option<&OptValue>,
    editable: Option<Span>,
) -> Option<Requirement> {
    let (expanded, written) = match value {
        Some(value) => {
            let positions = value.token.pos[value.offset..].iter().copied();
            (
                value.text.clone(),
                ctx.code.written(ctx.joined(), positions),
            )
        }
        None => (
            ctx.text()[span.clone()].to_owned(),
            ctx.code.written(ctx.joined(), span.clone()),
        ),
    };
    let read = match value {
        Some(_) => requirement::editable(&expanded),
        None => requirement::requirement(&expanded),
    };
    let target = match read {
        Ok(target) => target,
        Err(problem) => {
            requirement_problem(ctx, &span, value.is_some(), &expanded, problem);
            return None;
        }
    };
    Some(Requirement {
        span: ctx.source(span),
        text: written,
        expanded,
        editable: editable.map(|flag| ctx.source(flag)),
        target,
        hashes: Vec::new(),
        options: Vec::new(),
    })
}

/// Records why pip cannot read a requirement. A `${NAME}` left unset where the
/// text stops making sense is the likely cause, and is named.
fn requirement_problem(
    ctx: &mut Context<'_>,
    span: &Span,
    editable: bool,
    expanded: &str,
    problem: requirement::Problem,
) {
    // For `-e "x"` the text is unquoted, so offsets into it are not offsets into the
    // code: point at the whole value instead.
    let mut range = match &problem.range {
        Some(range) if !editable => span.start + range.start..span.start + range.end,
        _ => span.clone(),
    };
    // An error inside a variable's value points at the variable.
    let from_values: Vec<usize> = range
        .clone()
        .filter(|&at| ctx.code.is_from_a_value(at))
        .collect();
    if let (Some(&first), Some(&last)) = (from_values.first(), from_values.last()) {
        range = first..last + 1;
    }
    let unset = expand::references(expanded)
        .map(|reference| {
            let at = reference.as_ptr() as usize - expanded.as_ptr() as usize;
            (reference, at..at + reference.len())
        })
        .find(|(_, at)| {
            problem
                .range
                .as_ref()
                .is_none_or(|range| at.start < range.end)
        });
    if let Some((reference, at)) = unset {
        let name = &reference[2..reference.len() - 1];
        let range = if editable {
            span.clone()
        } else {
            span.start + at.start..span.start + at.end
        };
        let message =
            format!("invalid requirement: `{reference}` is not set, so pip reads it as written");
        let hint = format!(
            "set `{name}` when you run hashlock (pip expands `{reference}` from the \
             environment when it reads the file), or write the value out"
        );
        ctx.error(ParseErrorKind::Syntax, range, message, "not set", hint);
        return;
    }
    ctx.error(
        ParseErrorKind::Syntax,
        range,
        problem.message,
        &problem.label,
        problem.hint,
    );
}

/// A word short enough to quote in a one-line message.
pub(super) fn shorten(word: &str) -> String {
    const MAX: usize = 40;
    match word.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &word[..cut]),
        None => word.to_owned(),
    }
}
