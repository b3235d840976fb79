//! Showing findings: to people as span reports grouped by file, or as one JSON
//! document whose schema is documented in the README (schema 1).

use std::io::Write as _;

use miette::Report;
use serde::Serialize;

use crate::diagnostics::{Code, Located, Severity};
use crate::redact;
use crate::report::counted;

/// Totals of a run, for the summary line and the JSON document.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct Totals {
    pub files: usize,
    pub requirements: usize,
    pub hashes: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Files downloaded and hashed (`--download`, files without a published sha256).
    pub downloaded_files: usize,
    pub downloaded_bytes: u64,
    /// `--offline`: how far hashes were checked against what is already known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline: Option<Offline>,
}

/// How an `--offline` run checked hashed pins without asking an index.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct Offline {
    /// Pins checked against the cache's answer (however old).
    pub from_cache: usize,
    /// Pins whose every sha256 the first-seen log holds for a file of the version.
    pub from_log: usize,
    /// Hashed pins neither knew.
    pub unchecked: usize,
}

impl Totals {
    pub(crate) fn count(&mut self, findings: &[Located]) {
        self.errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        self.warnings = findings.len() - self.errors;
    }
}

/// Prints findings on stderr, grouped by file (in the order given), each with its
/// line, column, caret and hint; then one summary line unless `quiet`. Through
/// [`report::line`], so a closed or full stderr does not panic the run.
pub(crate) fn human(findings: &[Located], totals: &Totals, quiet: bool) {
    // Buffered: a report written straight to (unbuffered) stderr is hundreds of tiny
    // writes, which made 100,000 findings take 15 s instead of one.
    let mut out = std::io::BufWriter::new(std::io::stderr().lock());
    let mut current: Option<&str> = None;
    for finding in findings {
        if current != Some(finding.source.name.as_str()) {
            current = Some(&finding.source.name);
            let (errors, warnings) = count_in(findings, &finding.source.name);
            let header = format!("{}: {}", finding.source.name, counts(errors, warnings));
            let _ = writeln!(out, "{}", redact::text(&header));
        }
        let report = format!("{:?}", Report::new(finding.clone()));
        let _ = writeln!(out, "{}", redact::text(&report));
    }
    if !quiet {
        let _ = writeln!(out, "{}", summary(totals));
    }
    // A closed or full stderr leaves nothing to tell: never panic over it.
    let _ = out.flush();
}

fn count_in(findings: &[Located], file: &str) -> (usize, usize) {
    let in_file = findings.iter().filter(|f| f.source.name == file);
    let errors = in_file
        .clone()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (errors, in_file.count() - errors)
}

/// One line: what was checked and what was found.
fn summary(totals: &Totals) -> String {
    let checked = format!(
        "{} with {} in {}",
        counted(totals.requirements, "requirement", "requirements"),
        counted(totals.hashes, "hash", "hashes"),
        counted(totals.files, "file", "files"),
    );
    let how = if let Some(offline) = &totals.offline {
        offline_coverage(offline)
    } else if totals.downloaded_files > 0 {
        format!(
            ", downloaded and re-hashed {} ({:.1} MiB)",
            counted(totals.downloaded_files, "file", "files"),
            totals.downloaded_bytes as f64 / (1024.0 * 1024.0)
        )
    } else {
        String::new()
    };
    let found = counts(totals.errors, totals.warnings);
    format!("Verified {checked}{how}: {found}")
}

/// What an `--offline` run checked hashes against, for the summary line.
fn offline_coverage(offline: &Offline) -> String {
    let mut parts = Vec::new();
    if offline.from_cache > 0 {
        parts.push(format!(
            "{} against the cache's answers",
            counted(offline.from_cache, "pin", "pins")
        ));
    }
    if offline.from_log > 0 {
        parts.push(format!(
            "{} against the first-seen log",
            counted(offline.from_log, "pin", "pins")
        ));
    }
    if offline.unchecked > 0 {
        parts.push(format!(
            "{} not checked against an index",
            counted(offline.unchecked, "pin", "pins")
        ));
    }
    if parts.is_empty() {
        return " (offline)".to_owned();
    }
    format!(" (offline: {})", parts.join(", "))
}

fn counts(errors: usize, warnings: usize) -> String {
    match (errors, warnings) {
        (0, 0) => "no problems".to_string(),
        (e, 0) => counted(e, "error", "errors"),
        (0, w) => counted(w, "warning", "warnings"),
        (e, w) => format!(
            "{} and {}",
            counted(e, "error", "errors"),
            counted(w, "warning", "warnings")
        ),
    }
}

/// The JSON document (schema 1): stable field names, findings in file and line order.
#[derive(Debug, Serialize)]
struct Document<'a> {
    schema: u32,
    files: &'a [String],
    summary: &'a Totals,
    findings: Vec<JsonFinding<'a>>,
}

/// A finding as the JSON documents show it (`verify`'s findings, the problems of
/// `lock` and `migrate`).
#[derive(Debug, Serialize)]
pub(crate) struct JsonFinding<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    code: Option<Code>,
    severity: Severity,
    package: Option<&'a str>,
    message: &'a str,
    hint: Option<&'a str>,
}

impl<'a> JsonFinding<'a> {
    pub(crate) fn of(f: &'a Located) -> Self {
        let (line, column) = f.source.line_col(f.span.start);
        let (end_line, end_column) = f.source.line_col(f.span.end);
        JsonFinding {
            file: &f.source.name,
            line,
            column,
            end_line,
            end_column,
            code: f.code,
            severity: f.severity,
            package: f.package.as_deref(),
            message: &f.message,
            hint: f.hint.as_deref(),
        }
    }
}

/// The findings as one JSON document.
pub(crate) fn json(findings: &[Located], files: &[String], totals: &Totals) -> String {
    let findings = findings.iter().map(JsonFinding::of).collect();
    let document = Document {
        schema: 1,
        files,
        summary: totals,
        findings,
    };
    // Strings, numbers and enums always serialize.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    redact::text(&text).into_owned()
}
