//! Reading a requirements file the way pip's `req/req_file.py` does, into the
//! lossless model of [`super`].
//!
//! The grammar pip implements, stage by stage (one submodule each):
//!
//! ```text
//! file      = BOM? physical*                    decode: UTF-8 only (decode.rs)
//! physical  = content break?                    break: any `str.splitlines` break (lines.rs)
//! logical   = (content-ending-in-`\` that is not a comment line)* physical
//!                                               joined with `line.strip("\\")`; a comment
//!                                               line ends a continuation (lines.rs)
//! comment   = `#` at the start or after whitespace, to the end of the logical line
//! code      = logical minus comment, stripped, then `${NAME}` expanded (expand.rs)
//! code      = requirement (" " option-word ...)?  split on single spaces; the first
//!                                               word starting with `-` starts the
//!                                               options (classify.rs)
//! options   = shlex.split, then optparse        (shlex.rs, options.rs)
//! requirement = name-part (";" marker)?          cut at the first `;` (`; ` for a
//!                                               URL); packaging's reading, egg
//!                                               fragments, editables (requirement.rs)
//! ```
//!
//! Every byte of the input lands in exactly one [`Line`]; spans of what was read from
//! a joined line are mapped back through the continuation, so they point at the
//! source. pip expands `${VAR}` after the comment is cut, before it splits the
//! options off (expand.rs): what a line means is read from the expanded text, from
//! an [`Env`] the caller passes, while the model keeps the text verbatim and every
//! span points at what is written (a value's bytes at its `${VAR}`).
//!
//! A line break that editors and code review may not show (anything but LF, CRLF
//! and CR) is an error: pip would read a new line there, so a "comment" could hide
//! a requirement.
//!
//! Where pip would drop or misread text without a word (hashes on a line pip treats as
//! having no requirement, words after the options, a marker after `--hash`, a `\`
//! that glues two words), parsing fails with the span of that text.

mod classify;
mod decode;
mod expand;
mod lines;
mod options;
mod requirement;
mod shlex;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use decode::decode;
pub use expand::Env;

use super::{Line, ParseError, ParseErrorKind, Requirement, RequirementsFile};

/// Parses a requirements file with no environment variable set (every `${VAR}`
/// stays as written); see [`parse_with`].
///
/// # Errors
///
/// As [`parse_with`].
pub fn parse(text: &str) -> Result<RequirementsFile, Vec<ParseError>> {
    parse_with(text, &Env::empty())
}

/// Parses a requirements file, expanding `${VAR}` references from `env` as pip
/// would when it reads the file.
///
/// On success the lines tile `text`, so `file.render() == text`.
///
/// # Errors
///
/// Every error of the file, sorted by position, not just the first: text pip cannot
/// read (bad options, invalid requirements, bad hashes) and text pip would silently
/// drop or misread (see the module doc).
pub fn parse_with(text: &str, env: &Env) -> Result<RequirementsFile, Vec<ParseError>> {
    let (file, errors) = parse_lenient_with(text, env);
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

/// [`parse_lenient_with`] with no environment variable set.
pub fn parse_lenient(text: &str) -> (RequirementsFile, Vec<ParseError>) {
    parse_lenient_with(text, &Env::empty())
}

/// Parses a requirements file and returns the model even when some lines have errors,
/// for tools that report every problem of a file in one run (`verify`). The model of
/// a line that has an error is a best effort: callers should not trust a line whose
/// span meets an error's span. Errors are sorted by position.
pub fn parse_lenient_with(text: &str, env: &Env) -> (RequirementsFile, Vec<ParseError>) {
    let bom = text.starts_with('\u{feff}');
    let physical = lines::physical_lines(text, bom);
    let logical = lines::logical_lines(text, &physical);
    let mut errors = hidden_breaks(text, &physical);
    let mut out = Vec::with_capacity(logical.len());
    let mut above = classify::Above::default();
    for line in &logical {
        let mut ctx = classify::Context {
            physical: &physical,
            logical: line,
            above,
            errors: &mut errors,
            env,
            code: expand::Expanded::default(),
        };
        out.push(classify::line(&mut ctx));
        above = above.next(line);
    }
    debug_assert!(tiles(text, &out), "lines must tile the text");
    errors.sort_by_key(|error| (error.span.start, error.span.end));
    let file = RequirementsFile {
        text: std::sync::Arc::new(text.to_owned()),
        bom,
        lines: out,
    };
    (file, errors)
}

fn tiles(text: &str, lines: &[Line]) -> bool {
    let mut at = 0;
    for line in lines {
        if line.span.start != at || line.span.end < line.span.start {
            return false;
        }
        at = line.span.end;
    }
    at == text.len()
}

impl Requirement {
    /// The `${NAME}` references pip leaves as written because the variable is unset
    /// (or empty), in order: only names of `A-Z`, `0-9` and `_` count (pip's
    /// `ENV_VAR_RE`).
    #[must_use]
    pub fn unset_vars(&self) -> Vec<&str> {
        expand::names(&self.expanded).collect()
    }
}

/// Line breaks pip reads that a reader may not see: anything but LF, CRLF and CR.
fn hidden_breaks(text: &str, physical: &[lines::Physical]) -> Vec<ParseError> {
    let mut errors = Vec::new();
    // Lines as an editor counts them, for the message.
    let mut shown_line = 1;
    for (index, line) in physical.iter().enumerate() {
        let Some(c) = line.hidden_break(text) else {
            shown_line += usize::from(line.end > line.content.end);
            continue;
        };
        let name = lines::char_name(c);
        let next = physical
            .get(index + 1)
            .map(|next| text[next.content.clone()].trim())
            .filter(|next| !next.is_empty());
        let read = match next {
            Some(next) => format!(
                ": pip reads `{}` as a line of its own",
                classify::shorten(next)
            ),
            None => String::new(),
        };
        errors.push(ParseError {
            kind: ParseErrorKind::HiddenLineBreak,
            span: line.content.end..line.end,
            message: format!(
                "line {shown_line} has a {name}, a line break that editors and code review may not show{read}"
            ),
            label: name,
            hint: Some(
                "replace it with a plain line break if a new line is meant, or remove it".into(),
            ),
        });
    }
    errors
}
