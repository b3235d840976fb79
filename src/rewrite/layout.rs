//! Writing a requirement line in pip-compile's layout.
//!
//! ```text
//! requests==2.31.0 \
//!     --hash=sha256:58cd... \
//!     --hash=sha256:942c...
//! ```
//! The requirement text is copied from the source as written. Other options on the line
//! (`-C`, hashes of other algorithms) are kept, each on its own continuation line. A
//! trailing comment moves to the end of the last line: pip joins continuations before it
//! strips comments, so a `#` anywhere earlier would swallow the hashes after it. A
//! comment that ends in `\` goes on a line of its own below instead.
//!
//! A line that already has hashes and only lacks some keeps its own layout: the new
//! hashes go right after its last hash ([`with_added_hashes`]), so a hand-made order or
//! the old pip-compile layout (a `# via` comment as the last continuation line) stays.

use std::fmt::Write as _;

use crate::digest::Digest;
use crate::requirements::{HashAlgorithm, Line, Requirement, RequirementsFile};

/// Indentation of continuation lines, as pip-compile writes it.
const INDENT: &str = "    ";

/// The new text of `line` (its whole span) carrying `digests` as its hashes: they
/// replace its sha256 hashes and those of their own algorithm (`lock --algorithm
/// sha512` turns a sha256 line into a sha512 one); hashes of other algorithms stay.
pub(crate) fn requirement_line(
    file: &RequirementsFile,
    line: &Line,
    req: &Requirement,
    digests: &[Digest],
) -> String {
    let text = &file.text;
    let newline = continuation_newline(file, line);
    let mut out = text[line.span.start..req.span.end].to_string();
    // Each item is written in place (a `lock` writes thousands of hashes).
    let next_item = |out: &mut String| {
        out.push_str(" \\");
        out.push_str(newline);
        out.push_str(INDENT);
    };
    for option in &req.options {
        next_item(&mut out);
        out.push_str(&text[option.span.clone()]);
    }
    for digest in digests {
        next_item(&mut out);
        // Writing to a `String` cannot fail.
        let _ = write!(out, "--hash={digest}");
    }
    let replaced = |algorithm: HashAlgorithm| {
        algorithm == HashAlgorithm::Sha256 || digests.iter().any(|d| d.algorithm() == algorithm)
    };
    let other_hashes = req.hashes.iter().filter(|hash| !replaced(hash.algorithm()));
    for hash in other_hashes {
        next_item(&mut out);
        out.push_str(&text[hash.span.clone()]);
    }
    if let Some(span) = &line.comment {
        let comment = &text[span.clone()];
        if comment.ends_with('\\') {
            // After the last hash, the `\` would continue the requirement into the
            // next line, which pip would then read as part of the comment. On a line of
            // its own it is a comment line, which ends the continuation (as it was).
            out.push_str(" \\");
            out.push_str(newline);
            out.push_str(INDENT);
        } else {
            out.push_str(comment_gap(text, span.start));
        }
        out.push_str(comment);
    }
    out.push_str(&text[line.terminator.clone()]);
    out
}

/// The new text of `line` with `added` (sorted) written right after its last hash,
/// each on a continuation line of its own indented like the last hash's; every
/// other byte of the line stays where it is.
pub(crate) fn with_added_hashes(
    file: &RequirementsFile,
    line: &Line,
    req: &Requirement,
    added: &[Digest],
) -> String {
    let text = &file.text;
    let Some(last) = req
        .hashes
        .iter()
        .map(|hash| hash.span.clone())
        .max_by_key(|span| span.end)
    else {
        return requirement_line(file, line, req, added);
    };
    let newline = continuation_newline(file, line);
    let indent = own_line_indent(text, last.start).unwrap_or(INDENT);
    let mut out = text[line.span.start..last.end].to_string();
    for digest in added {
        out.push_str(" \\");
        out.push_str(newline);
        out.push_str(indent);
        out.push_str(&format!("--hash={digest}"));
    }
    out.push_str(&text[last.end..line.span.end]);
    out
}

/// The whitespace before the text at `at` when nothing else precedes it on its
/// physical line.
fn own_line_indent(text: &str, at: usize) -> Option<&str> {
    let line_start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    (before.trim_matches([' ', '\t']).is_empty() && !before.is_empty()).then_some(before)
}

/// The break to put inside the continuation: the line's own when it is `\n`, `\r\n`
/// or `\r`, else the file's usual one (a form feed or U+2028 ends a line for pip, but
/// no editor would show it as the break of a continuation).
pub(crate) fn continuation_newline<'a>(file: &'a RequirementsFile, line: &Line) -> &'a str {
    match &file.text[line.terminator.clone()] {
        "\r\n" => "\r\n",
        "\n" => "\n",
        "\r" => "\r",
        _ => file.newline(),
    }
}

/// The whitespace written before a comment, kept as the user had it.
fn comment_gap(text: &str, comment_start: usize) -> &str {
    let before = &text[..comment_start];
    let gap_start = before.trim_end_matches([' ', '\t']).len();
    match &before[gap_start..] {
        "" => "  ",
        gap => gap,
    }
}
