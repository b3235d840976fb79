//! A lossless model of pip's requirements-file format.
//!
//! The file is kept as its original text plus a list of logical lines that tile it
//! exactly: every byte of the input belongs to exactly one [`Line`], in order. Every
//! entry, option, hash and comment carries a byte [`Span`] into that text, so a caller
//! rewrites a file by replacing only the spans it must and copying the rest verbatim.
//!
//! What a line *means* follows pip's `req_file.py`:
//! - the text is split into physical lines on every break `str.splitlines` knows
//!   (one other than LF, CRLF and CR is an error: editors may not show it);
//! - a physical line ending in `\` (and not a comment line) is joined with the next;
//!   a comment line inside a continuation ends it;
//! - `#` starts a comment at line start or after whitespace only;
//! - `${NAME}` is replaced by the environment variable (from an [`Env`]) once the
//!   comment is cut; the model keeps the text as written;
//! - the requirement ends at the first space-separated token that starts with `-`;
//!   the rest is read as options (`--hash`, `-C`, ...).
//!
//! Where pip would silently drop or misread text, parsing fails with the span of the
//! text pip would lose, rather than guess.

mod location;
mod parse;

use std::ops::Range;
use std::sync::Arc;

pub use location::Location;
pub(crate) use location::strip_extras;
pub use parse::{Env, decode, parse, parse_lenient, parse_lenient_with, parse_with};

/// A byte range into [`RequirementsFile::text`].
pub type Span = Range<usize>;

/// A parsed requirements file: the original text and its logical lines.
#[derive(Debug, Clone)]
pub struct RequirementsFile {
    /// The file's full contents, BOM included, exactly as read (shared with the
    /// diagnostics that point into it, so it is held once).
    pub text: Arc<String>,
    /// Whether `text` starts with a UTF-8 byte-order mark (the first line's span
    /// then starts at 0 and includes it).
    pub bom: bool,
    /// Logical lines in file order; their spans tile `text` with no gap or overlap.
    pub lines: Vec<Line>,
}

impl RequirementsFile {
    /// Renders the model back to text: the concatenation of every line's span.
    /// For an unmodified parse this is the input, byte for byte.
    pub fn render(&self) -> String {
        self.lines
            .iter()
            .map(|line| &self.text[line.span.clone()])
            .collect()
    }

    /// The line ending most used in the file (`"\r\n"`, `"\n"` or a lone `"\r"`);
    /// `"\n"` when the file has no line break at all. New line breaks are written in
    /// this style.
    pub fn newline(&self) -> &'static str {
        let crlf = self.text.matches("\r\n").count();
        let lf = self.text.matches('\n').count() - crlf;
        let cr = self.text.matches('\r').count() - crlf;
        if crlf > lf && crlf >= cr {
            "\r\n"
        } else if cr > lf {
            "\r"
        } else {
            "\n"
        }
    }

    /// The requirements of the file, with the line that holds each.
    pub fn requirements(&self) -> impl Iterator<Item = (&Line, &Requirement)> {
        self.lines.iter().filter_map(|line| match &line.kind {
            LineKind::Requirement(req) => Some((line, req)),
            _ => None,
        })
    }

    /// The global options of the file (`-r`, `-c`, `-i`, ...), with their lines.
    pub fn options(&self) -> impl Iterator<Item = (&Line, &Opt)> {
        self.lines.iter().flat_map(|line| {
            let opts: &[Opt] = match &line.kind {
                LineKind::Options(opts) => opts,
                _ => &[],
            };
            opts.iter().map(move |opt| (line, opt))
        })
    }
}

/// One logical line: a physical line, or several joined by `\` continuations.
#[derive(Debug, Clone)]
pub struct Line {
    /// Every byte of the logical line: its physical lines, their `\` and line breaks,
    /// and the final line break (empty at the end of a file without one).
    pub span: Span,
    /// 1-based number of the first physical line.
    pub number: usize,
    /// The final line break of the logical line (`\n`, `\r\n`, `\r`, or another break
    /// `str.splitlines` knows); empty when the file ends without one.
    pub terminator: Span,
    /// The comment, from its `#` to the end of the logical line's text (not the break).
    pub comment: Option<Span>,
    /// What the line says.
    pub kind: LineKind,
}

/// What a logical line says, once comments and continuations are accounted for.
#[derive(Debug, Clone)]
pub enum LineKind {
    /// Nothing but whitespace.
    Blank,
    /// Nothing but a comment (and whitespace).
    Comment,
    /// A requirement (including `-e`/`--editable` lines), with its own options.
    Requirement(Requirement),
    /// A line of global options (`-r`, `-c`, `-i`, `--pre`, ...).
    Options(Vec<Opt>),
}

/// A requirement line.
#[derive(Debug, Clone)]
pub struct Requirement {
    /// The requirement as written, from its first to its last byte in the source
    /// (it may cross continuations); excludes options and the comment. For `-e X`
    /// lines this is the span of `X`.
    pub span: Span,
    /// The requirement text as written (continuations joined, `${VAR}` kept): the
    /// text to show, since a variable may hold a secret.
    pub text: String,
    /// The requirement text as pip reads it: `${VAR}` expanded where the variable is
    /// set. [`Requirement::target`] is read from it.
    pub expanded: String,
    /// Span of the `-e`/`--editable` flag when the line is an editable requirement.
    pub editable: Option<Span>,
    /// What the requirement refers to.
    pub target: Target,
    /// The `--hash` options, in file order.
    pub hashes: Vec<Hash>,
    /// Other per-requirement options (`-C/--config-settings`, `--global-option`).
    pub options: Vec<Opt>,
}

/// What a requirement line names.
#[derive(Debug, Clone)]
pub enum Target {
    /// A PEP 508 requirement: name, extras, specifiers or `@ url`, marker.
    Pep508(Box<pep508_rs::Requirement>),
    /// A path or URL without a name (`./pkg`, `https://host/x.whl`,
    /// `git+https://...#egg=x`), which pip also accepts.
    Unnamed {
        /// The path or URL as pip reads it (`${VAR}` expanded), without its marker.
        location: String,
    },
}

/// A `--hash` option.
#[derive(Debug, Clone)]
pub struct Hash {
    /// The whole option: `--hash=sha256:...` or `--hash sha256:...`.
    pub span: Span,
    /// The digest after the `:` (checked: hex of its algorithm's length; the text as
    /// written, case kept, is at `digest_span`).
    pub digest: Digest,
    /// Span of the digest alone.
    pub digest_span: Span,
}

impl Hash {
    /// The algorithm before the `:`.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.digest.algorithm()
    }

    /// The digest, when it is a sha256 one.
    pub fn sha256(&self) -> Option<Sha256> {
        self.digest.sha256()
    }
}

/// The hash algorithms pip accepts in `--hash` (its `STRONG_HASHES`); one type with
/// the digests [`crate::digest`] computes.
pub use crate::digest::Algorithm as HashAlgorithm;
use crate::digest::{Digest, Sha256};

/// One option as written, with its value.
#[derive(Debug, Clone)]
pub struct Opt {
    /// The whole option, flag and value (`-r base.txt`, `--index-url=https://...`).
    pub span: Span,
    /// Which option it is (abbreviated long options are resolved, as optparse does).
    pub name: OptionName,
    /// The value as pip reads it (`${VAR}` expanded, then unquoted as shlex would),
    /// with the span of its text in the source (as written). The value may hold a
    /// secret from the environment: show the source text instead.
    pub value: Option<(String, Span)>,
}

/// The options pip accepts in a requirements file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionName {
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
    Editable,
    Hash,
    ConfigSettings,
    GlobalOption,
    /// `--all-releases VALUE` (pip 26+): allow pre-releases per package.
    AllReleases,
    /// `--only-final VALUE` (pip 26+): refuse pre-releases per package.
    OnlyFinal,
}

/// Why a requirements file cannot be read the way pip reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What kind of problem this is, for tools that classify errors (the message
    /// says it for people).
    pub kind: ParseErrorKind,
    /// The offending text.
    pub span: Span,
    /// One sentence: what is wrong (no trailing period).
    pub message: String,
    /// Short text shown under the caret.
    pub label: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// What kind of problem a [`ParseError`] is, for tools that classify them.
///
/// Each error has exactly one kind. Where a case could be read two ways:
///
/// - A per-requirement option (`--hash`, `-C`, `--global-option`) on a line with no
///   requirement is a [`ContinuationTrap`](Self::ContinuationTrap) when the nearest
///   line above that has code (blank and comment lines are skipped) cut a
///   requirement's `\` continuation short: that line holds a requirement (an `-e` line
///   counts) and ends in a `\` that did not take the next line, because a comment line
///   or a blank line ended the continuation, or whitespace or a comment follows the
///   `\`. A line of options orphaned this way passes the cut on to the next one
///   (several commented-out hashes in a row). Otherwise it is
///   [`IgnoredText`](Self::IgnoredText): an option alone in the middle of a file, a
///   requirement line that simply lacks its `\`, or a broken `\` after a line of
///   global options (the option would be ignored there too).
/// - Words after the options that a `\` brought in from the next line are a
///   [`ContinuationTrap`](Self::ContinuationTrap); a marker there stays
///   [`IgnoredText`](Self::IgnoredText), since moving it to the next line was meant.
/// - `--hash` with no value at all, or with an option read as its value, is
///   [`Syntax`](Self::Syntax) (optparse's reading), not
///   [`BadHash`](Self::BadHash); `--hash=` with an empty value is a
///   [`BadHash`](Self::BadHash) (no `:`).
/// - An option value that optparse takes although it looks like an option (`-i --pre`),
///   an option after a tab, read as part of the requirement, and `-C` without `=` are
///   [`Syntax`](Self::Syntax): pip misreads or rejects them rather than ignoring them.
/// - Encoding errors from [`decode`] are [`Syntax`](Self::Syntax).
/// - A line break other than LF, CRLF and CR is a
///   [`HiddenLineBreak`](Self::HiddenLineBreak), whatever the lines around it say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseErrorKind {
    /// Anything pip would reject or misread that is none of the below (bad requirement, unknown option, quoting, encoding...).
    Syntax,
    /// A `--hash` whose algorithm pip rejects, with no `:`, or whose digest is not hex of the algorithm's length.
    BadHash,
    /// A `\` continuation that makes pip drop or misread hashes or requirements: whitespace after the `\`, a comment line inside a continuation (hashes orphaned after it), `\` glued to `--hash`, a continuation joining the next requirement onto an options line, a comment ending in `\` swallowing the next line.
    ContinuationTrap,
    /// Text pip silently ignores: positional text after a requirement's options, a marker after `--hash`, options pip drops on that line (global options on a requirement line, extra options on a `-r`/`-c` line, a second `-e`/`-f`, `--hash` after `-e`).
    IgnoredText,
    /// A line break editors and code review may not show (U+2028, U+2029, U+0085, form feed, vertical tab, U+001C..U+001E), where pip starts a new line: a "comment" can hide a requirement.
    HiddenLineBreak,
}
