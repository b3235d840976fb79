//! One record of the first-seen log, as a line of text, and the chain that links
//! each record to the one before it.
//!
//! A log is a header line, `hashlock-log 1`, then one record a line:
//!
//! ```text
//! SEQ PREV SEEN file INDEX PROJECT VERSION FILENAME SHA256 BLAKE2B UPLOADED
//! SEQ PREV SEEN publisher INDEX PROJECT VERSION FILENAME IDENTITY
//! ```
//!
//! `SEQ` counts records from 1; `PREV` is the sha256 of the line before (the
//! header's for record 1), so changing, removing or reordering any line breaks every
//! link after it. `SEEN` is when hashlock first read the record's fact (RFC 3339,
//! UTC). A `file` record says which sha256 (and blake2b-256 when the index gave one)
//! an index published for a file name, and its upload time; a `publisher` record
//! says which Trusted Publisher identity attested the file (PEP 740), `none` when the
//! index serves provenance and the file had none. `-` is an absent value; a field is
//! percent-encoded where it holds a space, a `%`, a control character, or is `-`.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::digest::{Algorithm, Digest, Sha256};

/// The first line of every log: the format and its version.
pub(crate) const HEADER: &str = "hashlock-log 1";

/// What a field escapes: what would split it or end the line.
const FIELD: &AsciiSet = &CONTROLS.add(b' ').add(b'%');

/// What a record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// An index published `sha256` for `filename`.
    File {
        sha256: Sha256,
        blake2b: Option<String>,
        uploaded: Option<String>,
    },
    /// Who attested `filename` (PEP 740): a publisher identity, `None` when the
    /// index serves provenance and the file had none.
    Publisher { identity: Option<String> },
}

/// What a record is about: a file of a release on an index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Subject {
    /// The index as messages show it (no credentials).
    pub index: String,
    /// The normalized project name.
    pub project: String,
    pub version: String,
    pub filename: String,
}

/// One fact about one file, before it has a place in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub subject: Subject,
    pub fact: Fact,
}

impl Entry {
    /// The kind of the record, as written.
    pub(crate) fn kind(&self) -> &'static str {
        match self.fact {
            Fact::File { .. } => "file",
            Fact::Publisher { .. } => "publisher",
        }
    }

    /// What the log keeps first-seen: one record of each kind per index and file.
    pub(crate) fn key(&self) -> (&'static str, &str, &str) {
        (self.kind(), &self.subject.index, &self.subject.filename)
    }
}

/// A record as read from a log, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub seq: u64,
    pub prev: Sha256,
    /// When hashlock first saw the fact, RFC 3339.
    pub seen: String,
    pub entry: Entry,
}

/// The sha256 of a line (without its line ending): what the next record's `PREV` is.
pub(crate) fn link(line: &str) -> Sha256 {
    Digest::of(Algorithm::Sha256, line.as_bytes())
        .sha256()
        .unwrap_or_else(|| Sha256::from_bytes([0; 32]))
}

impl Record {
    /// The line of the record, without a line ending.
    #[cfg(test)]
    pub(crate) fn render(&self) -> String {
        let mut line = String::new();
        render_into(&mut line, self.seq, self.prev, &self.seen, &self.entry);
        line
    }

    /// Reads one line; `Err` says what is wrong with it.
    pub(crate) fn parse(line: &str) -> Result<Record, String> {
        // Split without allocating (every run reads every record of its logs); a
        // twelfth field only says there are too many.
        let mut fields = [""; 12];
        let mut count = 0;
        for (at, field) in line.split(' ').enumerate() {
            if let Some(slot) = fields.get_mut(at) {
                *slot = field;
            }
            count = at + 1;
        }
        let expected = match count.checked_sub(4).map(|_| fields[3]) {
            Some("file") => 11,
            Some("publisher") => 9,
            Some(other) => {
                return Err(format!(
                    "unknown record kind `{}`: expected `file` or `publisher`",
                    crate::index::shown_text(other)
                ));
            }
            None => return Err("a record has at least 4 fields".to_owned()),
        };
        if count != expected {
            return Err(format!(
                "a `{}` record has {expected} fields separated by single spaces, this one {count}",
                fields[3],
            ));
        }
        let seq = fields[0]
            .parse::<u64>()
            .map_err(|_| "the sequence number is not a whole number".to_owned())?;
        let prev = fields[1]
            .parse::<Sha256>()
            .map_err(|_| "the previous record's digest is not 64 hex digits".to_owned())?;
        let text = |at: usize| decode(fields[at]);
        let seen = text(2)?;
        if seen.parse::<jiff::Timestamp>().is_err() {
            return Err("the first-seen time is not an RFC 3339 timestamp".to_owned());
        }
        let subject = Subject {
            index: text(4)?,
            project: text(5)?,
            version: text(6)?,
            filename: text(7)?,
        };
        let fact = if fields[3] == "file" {
            let sha256 = fields[8]
                .parse::<Sha256>()
                .map_err(|_| "the sha256 is not 64 hex digits".to_owned())?;
            Fact::File {
                sha256,
                blake2b: parse_optional(fields[9])?,
                uploaded: parse_optional(fields[10])?,
            }
        } else {
            let identity = match fields[8] {
                "none" => None,
                other => Some(decode(other)?),
            };
            Fact::Publisher { identity }
        };
        Ok(Record {
            seq,
            prev,
            seen,
            entry: Entry { subject, fact },
        })
    }
}

/// Appends the line of record `seq` (linking to `prev`, first seen `seen`) saying
/// `entry` to `line`, without a line ending. Written in place: a cold `lock` of
/// 199 pins writes 3,500 records (5.3 ms when each field was a `String` of its own).
pub(crate) fn render_into(line: &mut String, seq: u64, prev: Sha256, seen: &str, entry: &Entry) {
    let Entry { subject, fact } = entry;
    // Writing to a `String` cannot fail.
    let _ = write!(line, "{seq} {prev} ");
    push_field(line, seen);
    line.push(' ');
    line.push_str(entry.kind());
    for part in [
        &subject.index,
        &subject.project,
        &subject.version,
        &subject.filename,
    ] {
        line.push(' ');
        push_field(line, part);
    }
    match fact {
        Fact::File {
            sha256,
            blake2b,
            uploaded,
        } => {
            let _ = write!(line, " {sha256} ");
            push_optional(line, blake2b.as_deref());
            line.push(' ');
            push_optional(line, uploaded.as_deref());
        }
        Fact::Publisher { identity } => {
            line.push(' ');
            match identity {
                Some(identity) => push_field(line, identity),
                None => line.push_str("none"),
            }
        }
    }
}

/// A text field as written: percent-encoded where needed; `-` and `none`, which
/// mean "absent" in some fields, escaped. (An empty field, which no index sends for
/// a name, a version or a URL, is written `-`.)
fn push_field(line: &mut String, text: &str) {
    match text {
        "" => line.push('-'),
        "-" => line.push_str("%2D"),
        "none" => line.push_str("%6Eone"),
        // Borrowed when nothing needs encoding.
        _ => line.push_str(&std::borrow::Cow::from(utf8_percent_encode(text, FIELD))),
    }
}

fn push_optional(line: &mut String, text: Option<&str>) {
    match text {
        Some(text) => push_field(line, text),
        None => line.push('-'),
    }
}

fn parse_optional(text: &str) -> Result<Option<String>, String> {
    match text {
        "-" => Ok(None),
        other => decode(other).map(Some),
    }
}

pub(super) fn decode(text: &str) -> Result<String, String> {
    if !text.contains('%') {
        return Ok(text.to_owned());
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| "a field is not UTF-8 once percent-decoded".to_owned())
}
