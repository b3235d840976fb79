//! Checking requirements files the way a CI gate must: every requirement pinned and
//! hashed the way pip requires, every hash one the index really publishes for that
//! version, and none of the traps that make pip silently drop hashes.
//!
//! Checks produce [`Finding`]s, each with a stable [`Code`], a severity and the span
//! it is about; the command renders them for people (miette) or as JSON.

pub mod offline;
pub mod online;
pub mod render;

use serde::Serialize;

use crate::diagnostics::Source;
use crate::requirements::Span;

/// What a finding is about. The kebab-case names are part of the JSON output and
/// documented in the README: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The file cannot be read the way pip reads it (pip would reject or misread it).
    Syntax,
    /// A `--hash` with an algorithm pip rejects, or a digest that is not hex of the
    /// algorithm's length.
    BadHash,
    /// A `\` continuation that makes pip drop hashes: whitespace after the `\`, a
    /// comment line inside the continuation, `\` glued to `--hash`.
    ContinuationTrap,
    /// Text pip ignores: after a requirement's options, a marker after `--hash`,
    /// options pip drops on that line.
    IgnoredText,
    /// A requirement without `--hash` (pip refuses the file once any line has one).
    MissingHashes,
    /// Not exactly one `==`/`===` specifier: pip refuses it in hash-checking mode.
    NotPinned,
    /// `==1.*`: pip lets it through, but it is not a pin to one version.
    WildcardPin,
    /// Editable, VCS or local-directory requirements: pip can never check a hash.
    Unhashable,
    /// The same package on several lines with hash sets that share no hash: pip keeps
    /// only the common hashes, so the install fails.
    DisjointHashes,
    /// Legacy peep `# sha256:` comments, which pip ignores: the line is unprotected.
    PeepOnly,
    /// A hash the index does not publish for that version.
    UnknownHash,
    /// The package or the version does not exist on the index.
    UnknownVersion,
    /// The pinned version is yanked.
    Yanked,
    /// Files of the version whose hashes are missing (pip may pick one elsewhere).
    IncompleteHashes,
    /// `--download`: the downloaded file's digest differs from the published one.
    DigestMismatch,
}

impl Code {
    /// The name used in JSON and in human output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Syntax => "syntax",
            Self::BadHash => "bad-hash",
            Self::ContinuationTrap => "continuation-trap",
            Self::IgnoredText => "ignored-text",
            Self::MissingHashes => "missing-hashes",
            Self::NotPinned => "not-pinned",
            Self::WildcardPin => "wildcard-pin",
            Self::Unhashable => "unhashable",
            Self::DisjointHashes => "disjoint-hashes",
            Self::PeepOnly => "peep-only",
            Self::UnknownHash => "unknown-hash",
            Self::UnknownVersion => "unknown-version",
            Self::Yanked => "yanked",
            Self::IncompleteHashes => "incomplete-hashes",
            Self::DigestMismatch => "digest-mismatch",
        }
    }
}

/// How bad a finding is: errors fail the run (exit 1), warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem at one place of one file.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The file the finding is in.
    pub source: Source,
    pub span: Span,
    pub code: Code,
    pub severity: Severity,
    /// The normalized package name, when the finding is about one requirement.
    pub package: Option<String>,
    /// One sentence, no trailing period.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Finding {
    /// An error about `span` of `source`.
    pub fn error(source: &Source, span: Span, code: Code, message: impl Into<String>) -> Self {
        Self {
            source: source.clone(),
            span,
            code,
            severity: Severity::Error,
            package: None,
            message: message.into(),
            hint: None,
        }
    }

    /// A warning about `span` of `source`.
    pub fn warning(source: &Source, span: Span, code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(source, span, code, message)
        }
    }

    pub fn package(mut self, name: impl Into<String>) -> Self {
        self.package = Some(name.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
