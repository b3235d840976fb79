//! Errors and warnings that point at the text that caused them.
//!
//! Every step reports problems as byte spans into a file; [`Located`] pairs a span with
//! its file's text so miette can print the file, line and column with a caret under
//! the bad text, and a hint. Line and column are only computed when printing.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode};

use crate::requirements::Span;

/// A file's text, shared by every diagnostic that points into it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as shown to the user.
    pub name: String,
    pub text: Arc<String>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: Arc::new(text.into()),
        }
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
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        let column = before[line_start..].chars().count() + 1;
        (before.matches('\n').count() + 1, column)
    }

    /// An error at `span`.
    pub fn error(&self, span: Span, message: impl Into<String>) -> Located {
        Located {
            source: NamedSource::new(&self.name, self.text.clone()),
            span,
            message: message.into(),
            label: String::new(),
            hint: None,
            severity: Severity::Error,
        }
    }

    /// A diagnostic of the given severity at `span`.
    pub fn at(&self, severity: Severity, span: Span, message: impl Into<String>) -> Located {
        Located {
            severity,
            ..self.error(span, message)
        }
    }

    /// A warning at `span`.
    pub fn warning(&self, span: Span, message: impl Into<String>) -> Located {
        Located {
            severity: Severity::Warning,
            ..self.error(span, message)
        }
    }
}

/// A message about one span of one file.
#[derive(Debug)]
pub struct Located {
    source: NamedSource<Arc<String>>,
    span: Span,
    message: String,
    label: String,
    hint: Option<String>,
    severity: Severity,
}

impl Located {
    /// The short text under the caret.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// What the user can do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Located {}

impl Diagnostic for Located {
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
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
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        let span = LabeledSpan::new(label, self.span.start, self.span.len());
        Some(Box::new(std::iter::once(span)))
    }
}
