//! The one shape of every problem hashlock reports about a file: [`Located`], a
//! message about a span of a [`Source`], with a [`Severity`], an optional finding
//! [`Code`], a label and a hint.
//!
//! Parse errors, peep problems, verify findings and lookup failures all become a
//! [`Located`] (the first two through [`Locate`]), so miette prints each with file,
//! line, column and a caret, and `verify --format json` reads the same fields. Line
//! and column are only computed when printing.

use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use serde::Serialize;

use crate::requirements::{ParseError, ParseErrorKind, Span};

/// How bad a problem is: errors fail the run, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Error,
    Warning,
}

impl From<Severity> for miette::Severity {
    fn from(severity: Severity) -> miette::Severity {
        match severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        }
    }
}

/// Declares [`Code`] with the name of each code written once, next to its variant.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// What a finding is about. The names are part of the JSON output and
        /// documented in the README: never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            #[cfg(test)]
            pub(crate) const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The name used in JSON and in human output.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    /// The file cannot be read the way pip reads it (pip would reject or misread it).
    Syntax = "syntax",
    /// A `--hash` with an algorithm pip rejects, or a digest that is not hex of the
    /// algorithm's length.
    BadHash = "bad-hash",
    /// A `\` continuation that makes pip drop hashes: whitespace after the `\`, a
    /// comment line inside the continuation, `\` glued to `--hash`.
    ContinuationTrap = "continuation-trap",
    /// Text pip ignores: after a requirement's options, a marker after `--hash`,
    /// options pip drops on that line.
    IgnoredText = "ignored-text",
    /// A requirement without `--hash` (pip refuses the file once any line has one).
    MissingHashes = "missing-hashes",
    /// Not exactly one `==`/`===` specifier: pip refuses it in hash-checking mode.
    NotPinned = "not-pinned",
    /// `==1.*`: pip lets it through, but it is not a pin to one version.
    WildcardPin = "wildcard-pin",
    /// Editable, VCS or local-directory requirements: pip can never check a hash.
    Unhashable = "unhashable",
    /// The same package on several lines with hash sets that share no hash: pip keeps
    /// only the common hashes, so the install fails.
    DisjointHashes = "disjoint-hashes",
    /// One package pinned to two versions under the same marker: pip cannot install
    /// both (`ResolutionImpossible`).
    ConflictingPins = "conflicting-pins",
    /// The package does not exist on the index.
    UnknownPackage = "unknown-package",
    /// Legacy peep `# sha256:` comments, which pip ignores: the line is unprotected.
    PeepOnly = "peep-only",
    /// A hash the index does not publish for that version.
    UnknownHash = "unknown-hash",
    /// The version does not exist on the index.
    UnknownVersion = "unknown-version",
    /// The pinned version is yanked.
    Yanked = "yanked",
    /// Files of the version whose hashes are missing (pip may pick one elsewhere).
    IncompleteHashes = "incomplete-hashes",
    /// `--download`: the downloaded file's digest differs from the published one.
    DigestMismatch = "digest-mismatch",
    /// `--cross-check`: the second index publishes another digest for the same file.
    CrossCheckMismatch = "cross-check-mismatch",
    /// `--cross-check`: the second index does not have the file.
    CrossCheckMissing = "cross-check-missing",
    /// A line break editors may not show (U+2028, form feed, ...), where pip starts a
    /// new line: what looks like one line, or a comment, is several to pip.
    HiddenLineBreak = "hidden-line-break",
    /// The index publishes no sha256 for a file of the version: hashlock downloaded
    /// and hashed it (an error with `--strict`).
    NoIndexHash = "no-index-hash",
    /// The index now publishes, for a file name, a digest other than the one the
    /// first-seen log recorded.
    DigestChanged = "digest-changed",
    /// A file the first-seen log recorded for the version is no longer published.
    FileVanished = "file-vanished",
    /// `--min-age`: files of the version were uploaded more recently than that.
    TooNew = "too-new",
    /// `--provenance`: the version's files are attested by a publisher other than
    /// the earlier versions' (PEP 740).
    PublisherChanged = "publisher-changed",
    /// `--provenance`: earlier versions were attested, this one is not.
    AttestationMissing = "attestation-missing",
    /// `--provenance`: the index serves no provenance to compare.
    ProvenanceUnavailable = "provenance-unavailable",
    /// The project is archived, deprecated or quarantined (PEP 792).
    ProjectStatus = "project-status",
    /// A dependency of a requirement (for some target) that no line pins: pip
    /// refuses the file in hash-checking mode.
    MissingDependency = "missing-dependency",
    /// A dependency pinned to a version outside what a requirement asks for.
    UnsatisfiedDependency = "unsatisfied-dependency",
    /// An sdist whose dependencies cannot be read without building it.
    UnknownDependencies = "unknown-dependencies",
    /// A target on which no hashed file of the requirement installs.
    NoInstallableFile = "no-installable-file",
    /// sha384/sha512 hashes, which the index does not publish, left unchecked
    /// (without `--download`).
    UncheckedHash = "unchecked-hash",
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl From<ParseErrorKind> for Code {
    fn from(kind: ParseErrorKind) -> Code {
        match kind {
            ParseErrorKind::Syntax => Code::Syntax,
            ParseErrorKind::BadHash => Code::BadHash,
            ParseErrorKind::ContinuationTrap => Code::ContinuationTrap,
            ParseErrorKind::IgnoredText => Code::IgnoredText,
            ParseErrorKind::HiddenLineBreak => Code::HiddenLineBreak,
        }
    }
}

/// A file's text, shared by every diagnostic that points into it (and, for a file
/// that parsed, by its model: the text is held once).
///
/// Lines are indexed once, on first use, so locating a diagnostic costs a binary
/// search, not a scan of the file: a file with 100,000 findings reports in linear
/// time.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as shown to the user.
    pub name: String,
    pub text: Arc<String>,
    lines: Arc<OnceLock<LineIndex>>,
}

/// Where lines start, by the two counts in use: `\n` alone (the line and column
/// hashlock reports) and any of `\r`, `\n`, `\r\n` (the lines miette draws); and
/// the text as snippets show it, credentials masked (same offsets).
#[derive(Debug)]
struct LineIndex {
    /// The text with every URL's secret masked, when it has one.
    masked: Option<String>,
    /// Offsets just after each `\n`.
    after_lf: Vec<usize>,
    /// Start offset of every line miette counts, the first (0) included.
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut after_lf = Vec::new();
        let mut starts = vec![0];
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                b'\n' => {
                    after_lf.push(at + 1);
                    starts.push(at + 1);
                }
                b'\r' if bytes.get(at + 1) == Some(&b'\n') => {
                    at += 1;
                    after_lf.push(at + 1);
                    starts.push(at + 1);
                }
                b'\r' => starts.push(at + 1),
                _ => {}
            }
            at += 1;
        }
        let masked = match crate::redact::mask(text) {
            std::borrow::Cow::Owned(masked) => Some(masked),
            std::borrow::Cow::Borrowed(_) => None,
        };
        LineIndex {
            masked,
            after_lf,
            starts,
        }
    }
}

impl Source {
    pub fn new(name: impl Into<String>, text: Arc<String>) -> Self {
        Self {
            name: name.into(),
            text,
            lines: Arc::default(),
        }
    }

    fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_col(offset).0
    }

    /// 1-based line and column (in characters) of a byte offset, counting lines the
    /// way reports show them (by `\n`).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = self
            .lines()
            .after_lf
            .partition_point(|&start| start <= offset);
        let line_start = match before {
            0 => 0,
            n => self.lines().after_lf[n - 1],
        };
        let column = self.text[line_start..offset].chars().count() + 1;
        (before + 1, column)
    }

    /// A diagnostic of the given severity at `span`.
    pub(crate) fn at(&self, severity: Severity, span: Span, message: impl Into<String>) -> Located {
        Located {
            source: self.clone(),
            span,
            severity,
            code: None,
            package: None,
            message: message.into(),
            label: String::new(),
            hint: None,
        }
    }

    /// An error at `span`.
    pub(crate) fn error(&self, span: Span, message: impl Into<String>) -> Located {
        self.at(Severity::Error, span, message)
    }

    /// A warning at `span`.
    pub(crate) fn warning(&self, span: Span, message: impl Into<String>) -> Located {
        self.at(Severity::Warning, span, message)
    }
}

/// A message about one span of one file.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub(crate) source: Source,
    pub(crate) span: Span,
    pub(crate) severity: Severity,
    /// The finding code, for problems `verify` reports.
    pub(crate) code: Option<Code>,
    /// The normalized package name, when the problem is about one requirement.
    pub(crate) package: Option<String>,
    /// One sentence, no trailing period.
    pub(crate) message: String,
    /// The short text under the caret (the code's name when empty).
    pub(crate) label: String,
    /// What the user can do about it.
    pub(crate) hint: Option<String>,
}

impl Located {
    /// The short text under the caret.
    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// What the user can do about it.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// The finding code.
    pub(crate) fn code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    /// The package the problem is about.
    pub(crate) fn package(mut self, name: impl Into<String>) -> Self {
        self.package = Some(name.into());
        self
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Located {}

impl miette::Diagnostic for Located {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity.into())
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.hint
            .as_ref()
            .map(|hint| Box::new(hint) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = match (&self.code, self.label.is_empty()) {
            (_, false) => Some(self.label.clone()),
            (Some(code), true) => Some(code.name().to_owned()),
            (None, true) => None,
        };
        let span = LabeledSpan::new(label, self.span.start, self.span.len());
        Some(Box::new(std::iter::once(span)))
    }
}

impl SourceCode for Source {
    /// What miette's own `str` implementation returns, read from a window around the
    /// span: the lines before and after it, found by binary search, so that each
    /// report costs the size of its snippet, not of the file.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let lines = self.lines();
        let starts = &lines.starts;
        // Snippets show the file with its credentials masked.
        let text = lines.masked.as_deref().unwrap_or(&self.text);
        let line_at = |offset: usize| starts.partition_point(|&start| start <= offset) - 1;
        let end = span.offset() + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // One line of margin on each side, so the window holds every line the
        // whole-text reading would look at.
        let first = line_at(span.offset()).saturating_sub(context_lines_before + 1);
        let last = line_at(end.saturating_sub(1)) + context_lines_after + 2;
        let window_start = starts[first];
        let window_end = starts.get(last).copied().unwrap_or(text.len());
        let window = &text.as_bytes()[window_start..window_end];
        let shifted = SourceSpan::new((span.offset() - window_start).into(), span.len());
        let inner = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        let data = inner.data();
        let data_start = inner.span().offset() + window_start;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new(data_start.into(), data.len()),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

/// A problem found in a file's text before it knew which file it was in: it becomes
/// a [`Located`] once its [`Source`] is known.
pub(crate) trait Locate {
    fn locate(self, source: &Source) -> Located;
}

impl Locate for ParseError {
    fn locate(self, source: &Source) -> Located {
        source
            .error(self.span, self.message)
            .code(self.kind.into())
            .label(self.label)
            .maybe_hint(self.hint)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_unique_and_stable() {
        let names: Vec<&str> = Code::ALL.iter().map(|code| code.name()).collect();
        let unique: HashSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        // Renaming a code breaks every script that reads `--format json`: add, never
        // rename or remove.
        assert_eq!(
            names,
            [
                "syntax",
                "bad-hash",
                "continuation-trap",
                "ignored-text",
                "missing-hashes",
                "not-pinned",
                "wildcard-pin",
                "unhashable",
                "disjoint-hashes",
                "conflicting-pins",
                "unknown-package",
                "peep-only",
                "unknown-hash",
                "unknown-version",
                "yanked",
                "incomplete-hashes",
                "digest-mismatch",
                "cross-check-mismatch",
                "cross-check-missing",
                "hidden-line-break",
                "no-index-hash",
                "digest-changed",
                "file-vanished",
                "too-new",
                "publisher-changed",
                "attestation-missing",
                "provenance-unavailable",
                "project-status",
                "missing-dependency",
                "unsatisfied-dependency",
                "unknown-dependencies",
                "no-installable-file",
                "unchecked-hash",
            ]
        );
        for code in Code::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.name()));
        }
    }

    /// miette's reading of the whole text, for comparison.
    fn whole(text: &str, span: (usize, usize), before: usize, after: usize) -> String {
        let contents = text.read_span(&span.into(), before, after).unwrap();
        let data = String::from_utf8_lossy(contents.data()).into_owned();
        let at = (contents.span().offset(), contents.line(), contents.column());
        format!("{data:?} {at:?}")
    }

    fn windowed(text: &str, span: (usize, usize), before: usize, after: usize) -> String {
        let source = Source::new("r.txt", Arc::new(text.to_owned()));
        let contents = source.read_span(&span.into(), before, after).unwrap();
        assert_eq!(contents.name(), Some("r.txt"));
        let data = String::from_utf8_lossy(contents.data()).into_owned();
        let at = (contents.span().offset(), contents.line(), contents.column());
        format!("{data:?} {at:?}")
    }

    #[test]
    fn snippets_read_from_a_window_match_miettes_own() {
        let texts = [
            "a==1\nb==2\nc==3\nd==4\ne==5\nf==6\n",
            "a==1\r\nb==2\r\nc==3\r\nd==4\r\n",
            "a==1\rb==2\rc==3\rd==4",
            "only one line",
            "\n\n\nx\n\n\n",
        ];
        for text in texts {
            for start in 0..text.len() {
                for len in 0..=(text.len() - start).min(7) {
                    for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                        let span = (start, len);
                        assert_eq!(
                            windowed(text, span, before, after),
                            whole(text, span, before, after),
                            "{text:?} {span:?} {before} {after}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn snippets_never_show_credentials() {
        let text = "-i https://user:s3cret@host/simple\nsix==1.16.0\n";
        let source = Source::new("r.txt", Arc::new(text.to_owned()));
        let report = miette::Report::new(source.error(35..46, "look here").label("here"));
        let shown = format!("{report:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("https://user:******@host"), "{shown}");
    }

    #[test]
    fn lines_and_columns_count_characters() {
        let source = Source::new("r.txt", Arc::new("a\néé==1\n".to_owned()));
        assert_eq!(source.line_col(0), (1, 1));
        assert_eq!(source.line_col(2), (2, 1));
        assert_eq!(source.line_col(6), (2, 3));
        // Inside a character: the character's start.
        assert_eq!(source.line_col(3), (2, 1));
        assert_eq!(source.line_of(100), 3);
    }
}
