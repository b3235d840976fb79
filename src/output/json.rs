//! The JSON document of `lock --format json` and `migrate --format json` (schema 1,
//! documented in the README next to `verify`'s): which files were read, what changed
//! on each requirement, and what could not be done, for bots to act on.

use serde::Serialize;

use crate::diagnostics::Located;
use crate::digest::Digest;
use crate::redact;
use crate::rewrite::changes::Changed;
use crate::verify::render::JsonFinding;
use crate::workspace::File;

/// One requirements file of a run, and what the run made of it.
pub(crate) struct FileReport<'a> {
    pub file: &'a File,
    /// Its new text (the old one when the run stopped).
    pub new: &'a str,
    pub changed: &'a [Changed],
}

/// A whole run, as the document reports it.
pub(crate) struct RunReport<'a> {
    /// `lock` or `migrate`.
    pub command: &'static str,
    pub files: Vec<FileReport<'a>>,
    /// Requirements the run could not handle: errors that stopped it, or warnings
    /// for those it left alone (`lock --allow-unpinned`).
    pub problems: &'a [Located],
    /// Whether the changes are in the files now (not with `--check`, nor when the
    /// run stopped).
    pub written: bool,
    /// Requirements handled and the hashes they carry, as in the summary line.
    pub totals: (usize, usize),
}

#[derive(Debug, Serialize)]
struct Document<'a> {
    schema: u32,
    command: &'static str,
    files: Vec<&'a str>,
    written: bool,
    summary: Summary,
    changed: Vec<JsonChange<'a>>,
    problems: Vec<JsonFinding<'a>>,
}

#[derive(Debug, Serialize)]
struct Summary {
    files: usize,
    files_changed: usize,
    requirements: usize,
    hashes: usize,
    requirements_changed: usize,
}

#[derive(Debug, Serialize)]
struct JsonChange<'a> {
    file: &'a str,
    line: usize,
    end_line: usize,
    package: Option<&'a str>,
    requirement: &'a str,
    added: Vec<String>,
    removed: Vec<String>,
    peep_added: Vec<String>,
    peep_removed: Vec<String>,
}

/// `sha256:<hex>`, the algorithm named as in `--hash=sha256:`.
fn digests(digests: &[Digest]) -> Vec<String> {
    digests.iter().map(Digest::to_string).collect()
}

impl RunReport<'_> {
    /// The document, credentials redacted, ending in a newline.
    pub(crate) fn to_json(&self) -> String {
        let changed: Vec<JsonChange<'_>> = self
            .files
            .iter()
            .flat_map(|report| {
                let source = &report.file.source;
                report.changed.iter().map(move |c| JsonChange {
                    file: &source.name,
                    line: source.line_of(c.span.start),
                    end_line: source.line_of(c.span.end),
                    package: c.package.as_deref(),
                    requirement: &c.requirement,
                    added: digests(&c.options.added),
                    removed: digests(&c.options.removed),
                    peep_added: digests(&c.peep.added),
                    peep_removed: digests(&c.peep.removed),
                })
            })
            .collect();
        let document = Document {
            schema: 1,
            command: self.command,
            files: self
                .files
                .iter()
                .map(|r| r.file.source.name.as_str())
                .collect(),
            written: self.written,
            summary: Summary {
                files: self.files.len(),
                files_changed: self
                    .files
                    .iter()
                    .filter(|r| r.new != r.file.source.text.as_str())
                    .count(),
                requirements: self.totals.0,
                hashes: self.totals.1,
                requirements_changed: changed.len(),
            },
            changed,
            problems: self.problems.iter().map(JsonFinding::of).collect(),
        };
        // Strings, numbers and booleans always serialize.
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        redact::text(&text).into_owned()
    }
}
