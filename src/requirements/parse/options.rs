//! The options pip accepts in a requirements file, and `optparse`'s reading of them.
//!
//! pip builds an `optparse.OptionParser` per line from `SUPPORTED_OPTIONS` and
//! `SUPPORTED_OPTIONS_REQ` (`req_file.py`, definitions in `cli/cmdoptions.py`) and runs
//! it over the shlex-split options. This module mirrors that parser: `--name=value`
//! and `--name value`, unique prefixes of long names, `-xVALUE` and `-x VALUE`, `--`
//! ending the options, and positional words collected (pip then drops them).
//!
//! The table is the union over pip versions: `--global-option` (removed in pip 25.3),
//! `--all-releases`/`--only-final` (pip 26) and `--no-require-hashes` (pip 26.2). A
//! prefix is resolved against the whole union, so an abbreviation is accepted only if
//! it means the same option to every pip that knows it (`--only` is ambiguous: pip 26
//! has `--only-final` besides `--only-binary`).

use super::super::{OptionName, Span};
use super::shlex::Token;

/// One option pip knows in a requirements file.
#[derive(Debug)]
pub(super) struct OptDef {
    pub name: OptionName,
    pub short: Option<char>,
    /// Long names, the canonical one first.
    pub long: &'static [&'static str],
    pub takes_value: bool,
    /// Applies to the requirement on its line (`SUPPORTED_OPTIONS_REQ`).
    pub per_requirement: bool,
}

const fn def(
    name: OptionName,
    short: Option<char>,
    long: &'static [&'static str],
    takes_value: bool,
) -> OptDef {
    OptDef {
        name,
        short,
        long,
        takes_value,
        per_requirement: false,
    }
}

const fn per_requirement(mut opt: OptDef) -> OptDef {
    opt.per_requirement = true;
    opt
}

/// Every option, in `SUPPORTED_OPTIONS` then `SUPPORTED_OPTIONS_REQ` order.
pub(super) static OPTIONS: &[OptDef] = &[
    def(
        OptionName::IndexUrl,
        Some('i'),
        &["--index-url", "--pypi-url"],
        true,
    ),
    def(
        OptionName::ExtraIndexUrl,
        None,
        &["--extra-index-url"],
        true,
    ),
    def(OptionName::NoIndex, None, &["--no-index"], false),
    def(OptionName::Constraint, Some('c'), &["--constraint"], true),
    def(OptionName::Requirement, Some('r'), &["--requirement"], true),
    def(OptionName::Editable, Some('e'), &["--editable"], true),
    def(OptionName::FindLinks, Some('f'), &["--find-links"], true),
    def(OptionName::NoBinary, None, &["--no-binary"], true),
    def(OptionName::OnlyBinary, None, &["--only-binary"], true),
    def(OptionName::PreferBinary, None, &["--prefer-binary"], false),
    def(
        OptionName::RequireHashes,
        None,
        &["--require-hashes"],
        false,
    ),
    def(
        OptionName::NoRequireHashes,
        None,
        &["--no-require-hashes"],
        false,
    ),
    def(OptionName::Pre, None, &["--pre"], false),
    def(OptionName::AllReleases, None, &["--all-releases"], true),
    def(OptionName::OnlyFinal, None, &["--only-final"], true),
    def(OptionName::TrustedHost, None, &["--trusted-host"], true),
    def(OptionName::UseFeature, None, &["--use-feature"], true),
    per_requirement(def(
        OptionName::GlobalOption,
        None,
        &["--global-option"],
        true,
    )),
    per_requirement(def(OptionName::Hash, None, &["--hash"], true)),
    per_requirement(def(
        OptionName::ConfigSettings,
        Some('C'),
        &["--config-settings"],
        true,
    )),
];

impl OptDef {
    /// How the option is usually written, for messages: `--index-url`, `-C`.
    pub(crate) fn display(&self) -> &'static str {
        self.long[0]
    }
}

/// An option as optparse read it. Spans are joined-line offsets.
#[derive(Debug, Clone)]
pub(super) struct ParsedOpt {
    pub def: &'static OptDef,
    /// The flag alone: `--hash`, `-r`, `--ind` (as written, abbreviations included).
    pub flag: Span,
    /// Flag and value.
    pub span: Span,
    pub value: Option<OptValue>,
}

/// The value of an option: the unquoted text, and the token it came from so parts of
/// it can be located.
#[derive(Debug, Clone)]
pub(super) struct OptValue {
    pub text: String,
    /// Where the value is written, quotes included.
    pub span: Span,
    pub token: Token,
    /// Offset of `text` in `token.value` (after `--name=` or `-x`).
    pub offset: usize,
}

impl OptValue {
    /// Joined-line span of `text[range]`.
    pub(crate) fn span_of(&self, range: Span) -> Span {
        self.token
            .span_of(range.start + self.offset..range.end + self.offset)
    }
}

/// A problem optparse raises, which stops pip on that line.
#[derive(Debug, Clone)]
pub(super) struct OptError {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub hint: Option<String>,
}

/// What optparse made of a line's options.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub opts: Vec<ParsedOpt>,
    /// Words that are not options or option values; pip drops them.
    pub leftovers: Vec<Token>,
}

/// Runs optparse over the tokens. The first error ends the line, as in pip.
pub(super) fn parse(tokens: Vec<Token>) -> Result<Parsed, OptError> {
    let mut parsed = Parsed::default();
    let mut rest = tokens.into_iter().peekable();
    while let Some(token) = rest.next() {
        let value = token.value.as_str();
        if value == "--" {
            // optparse stops at `--`: everything after it is positional.
            parsed.leftovers.extend(rest);
            break;
        } else if value.starts_with("--") {
            parsed.opts.push(long_option(token, &mut rest)?);
        } else if value.starts_with('-') && value.len() > 1 {
            parsed.opts.push(short_option(token, &mut rest)?);
        } else {
            parsed.leftovers.push(token);
        }
    }
    Ok(parsed)
}

fn long_option(token: Token, rest: &mut dyn Iterator<Item = Token>) -> Result<ParsedOpt, OptError> {
    let (name, explicit) = match token.value.split_once('=') {
        Some((name, _)) => (name.to_owned(), Some(name.len() + 1)),
        None => (token.value.clone(), None),
    };
    let flag = token.span_of(0..name.len());
    let def = match_long(&name, flag.clone())?;
    match (def.takes_value, explicit) {
        (true, Some(offset)) => Ok(inline_value(def, flag, token, offset)),
        (true, None) => next_value(def, flag, &name, rest),
        (false, Some(_)) => Err(OptError {
            span: token.raw.clone(),
            message: format!("`{}` does not take a value", def.display()),
            label: "unexpected value".into(),
            hint: Some(format!("write `{}` alone", def.display())),
        }),
        (false, None) => Ok(ParsedOpt {
            def,
            flag: flag.clone(),
            span: flag,
            value: None,
        }),
    }
}

fn short_option(
    token: Token,
    rest: &mut dyn Iterator<Item = Token>,
) -> Result<ParsedOpt, OptError> {
    let letter = token.value[1..].chars().next().expect("checked len > 1");
    let flag = token.span_of(0..1 + letter.len_utf8());
    let Some(def) = OPTIONS.iter().find(|opt| opt.short == Some(letter)) else {
        return Err(unknown(&format!("-{letter}"), flag));
    };
    // Every short option pip accepts in a requirements file takes a value.
    let offset = 1 + letter.len_utf8();
    if token.value.len() > offset {
        Ok(inline_value(def, flag, token, offset))
    } else {
        next_value(def, flag, &format!("-{letter}"), rest)
    }
}

fn inline_value(def: &'static OptDef, flag: Span, token: Token, offset: usize) -> ParsedOpt {
    let value = OptValue {
        text: token.value[offset..].to_owned(),
        span: token.raw_from(offset),
        token,
        offset,
    };
    ParsedOpt {
        def,
        span: flag.start..value.span.end,
        flag,
        value: Some(value),
    }
}

/// optparse takes the next word as the value, whatever it looks like.
fn next_value(
    def: &'static OptDef,
    flag: Span,
    written: &str,
    rest: &mut dyn Iterator<Item = Token>,
) -> Result<ParsedOpt, OptError> {
    let Some(token) = rest.next() else {
        return Err(OptError {
            span: flag,
            message: format!("`{written}` needs a value"),
            label: "no value".into(),
            hint: Some(format!("write `{} VALUE`", def.display())),
        });
    };
    let value = OptValue {
        text: token.value.clone(),
        span: token.raw.clone(),
        token,
        offset: 0,
    };
    Ok(ParsedOpt {
        def,
        span: flag.start..value.span.end,
        flag,
        value: Some(value),
    })
}

/// optparse's `_match_abbrev`: an exact name, else the only name it is a prefix of.
fn match_long(name: &str, flag: Span) -> Result<&'static OptDef, OptError> {
    if let Some(def) = OPTIONS.iter().find(|opt| opt.long.contains(&name)) {
        return Ok(def);
    }
    let mut matches: Vec<(&str, &'static OptDef)> = OPTIONS
        .iter()
        .flat_map(|opt| opt.long.iter().map(move |long| (*long, opt)))
        .filter(|(long, _)| long.starts_with(name))
        .collect();
    matches.sort_by_key(|(long, _)| *long);
    match matches.as_slice() {
        [(_, def)] => Ok(def),
        [] => Err(unknown(name, flag)),
        many => Err(OptError {
            span: flag,
            message: format!(
                "`{name}` is ambiguous: it could be {}",
                many.iter()
                    .map(|(long, _)| format!("`{long}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            label: "ambiguous option".into(),
            hint: Some("write the option name in full".into()),
        }),
    }
}

fn unknown(name: &str, flag: Span) -> OptError {
    let suggestion = closest(name)
        .map(|near| format!("did you mean `{near}`? "))
        .unwrap_or_default();
    OptError {
        span: flag,
        message: format!("pip does not accept `{name}` in a requirements file"),
        label: "unknown option".into(),
        hint: Some(format!(
            "{suggestion}requirements files take only -r, -c, -i, --extra-index-url, \
             --no-index, -f, --pre, --all-releases, --only-final, --no-binary, \
             --only-binary, --prefer-binary, --require-hashes, --no-require-hashes, \
             --trusted-host, --use-feature, -e, and after a requirement --hash and -C"
        )),
    }
}

/// The known long name nearest to a misspelled one, if it is close enough to be a typo.
fn closest(name: &str) -> Option<&'static str> {
    OPTIONS
        .iter()
        .flat_map(|opt| opt.long.iter().copied())
        .map(|long| (edit_distance(name, long), long))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, long)| long)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
