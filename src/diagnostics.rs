//! The one shape of every problem hashlock reports about a file: [`Located`], a
//! message about a span of a [`Source`], with a [`Severity`], an optional finding
//! [`Code`], a label and a hint.
//!
//! Parse errors, peep problems, verify findings and lookup failures all become a
//! [`Located`] (the first two through [`Locate`]), so miette prints each with file,
//! line, column and a caret, and `verify --format json` reads the same fields. Line
//! and column are only computed when printing.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceCode};
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
    /// Legacy peep `# sha256:` comments, which pip ignores: the line is unprotected.
    PeepOnly = "peep-only",
    /// A hash the index does not publish for that version.
    UnknownHash = "unknown-hash",
    /// The package or the version does not exist on the index.
    UnknownVersion = "unknown-version",
    /// The pinned version is yanked.
    Yanked = "yanked",
    /// Files of the version whose hashes are missing (pip may pick one elsewhere).
    IncompleteHashes = "incomplete-hashes",
    /// `--download`: the downloaded file's digest differs from the published one.
    DigestMismatch = "digest-mismatch",
    /// A line break editors may not show (U+2028, form feed, ...), where pip starts a
    /// new line: what looks like one line, or a comment, is several to pip.
    HiddenLineBreak = "hidden-line-break",
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
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The path as shown to the user.
    pub name: String,
    pub text: Arc<String>,
}

impl Source {
    pub(crate) fn new(name: impl Into<String>, text: Arc<String>) -> Self {
        Self {
            name: name.into(),
            text,
        }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.line_col(offset).0
    }

    /// 1-based line and column (in characters) of a byte offset, counting lines the
    /// way reports show them (by `\n`).
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        let column = before[line_start..].chars().count() + 1;
        (before.matches('\n').count() + 1, column)
    }

    /// A diagnostic of the given severity at `span`.
    pub(crate) fn at(&self, severity: Severity, span: Span, message: impl Into<String>) -> Located {
        Located {
            source: self.clone(),
            named: NamedSource::new(&self.name, self.text.clone()),
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
    named: NamedSource<Arc<String>>,
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
        Some(&self.named)
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
                "peep-only",
                "unknown-hash",
                "unknown-version",
                "yanked",
                "incomplete-hashes",
                "digest-mismatch",
                "hidden-line-break",
            ]
        );
        for code in Code::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.name()));
        }
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
