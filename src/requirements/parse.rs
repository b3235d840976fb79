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
//! code      = logical minus comment, stripped
//! code      = requirement (" " option-word ...)?  split on single spaces; the first
//!                                               word starting with `-` starts the
//!                                               options (classify.rs)
//! options   = shlex.split, then optparse        (shlex.rs, options.rs)
//! ```
//!
//! Every byte of the input lands in exactly one [`Line`]; spans of what was read from
//! a joined line are mapped back through the continuation, so they point at the
//! source. pip expands `${VAR}` after the comment is cut; the model keeps the text
//! verbatim and [`Requirement::env_vars`] lists the references.
//!
//! Where pip would drop or misread text without a word (hashes on a line pip treats as
//! having no requirement, words after the options, a marker after `--hash`, a `\`
//! that glues two words), parsing fails with the span of that text.

mod classify;
mod decode;
mod lines;
mod options;
mod shlex;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use decode::decode;

use super::{Line, ParseError, Requirement, RequirementsFile};

/// Parses a requirements file.
///
/// On success the lines tile `text`, so `file.render() == text`.
///
/// # Errors
///
/// Every error of the file, sorted by position, not just the first: text pip cannot
/// read (bad options, invalid requirements, bad hashes) and text pip would silently
/// drop or misread (see the module doc).
pub fn parse(text: &str) -> Result<RequirementsFile, Vec<ParseError>> {
    let (file, errors) = parse_lenient(text);
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

/// Parses a requirements file and returns the model even when some lines have errors,
/// for tools that report every problem of a file in one run (`verify`). The model of
/// a line that has an error is a best effort: callers should not trust a line whose
/// span meets an error's span. Errors are sorted by position.
pub fn parse_lenient(text: &str) -> (RequirementsFile, Vec<ParseError>) {
    let bom = text.starts_with('\u{feff}');
    let physical = lines::physical_lines(text, bom);
    let logical = lines::logical_lines(text, &physical);
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(logical.len());
    let mut above = classify::Above::default();
    for line in &logical {
        let mut ctx = classify::Context {
            physical: &physical,
            logical: line,
            above,
            errors: &mut errors,
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
    /// The `${NAME}` references pip would replace with environment variables (only
    /// names of `A-Z`, `0-9` and `_`, per pip's `ENV_VAR_RE`), in order. hashlock keeps
    /// them verbatim.
    #[must_use]
    pub fn env_vars(&self) -> Vec<&str> {
        env_var_names(&self.text)
    }
}

/// pip's `ENV_VAR_RE`: `\$\{([A-Z0-9_]+)\}`.
fn env_var_names(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        let len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        if len > 0 && after[len..].starts_with('}') {
            names.push(&after[..len]);
            rest = &after[len + 1..];
        } else {
            rest = after;
        }
    }
    names
}
