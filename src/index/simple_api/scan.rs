//! A fast reader of PEP 691 documents as indexes write them, which hands anything
//! else to serde.
//!
//! A cold `lock` of 199 pins reads 65 MB of listings (155 000 file entries), and
//! reading them through serde (an entry is a struct of borrowed raw values) took
//! 65 ms of CPU: four times serde's own `IgnoredAny` pass over the same bytes. The
//! cost is per value (a visitor, a field match and an `Option` for each), not per
//! byte. This reader walks the bytes once, finds the end of each string with
//! `memchr`, and keeps what [`super::Entry`] keeps: each file's name and yanked
//! status, and where its other values are.
//!
//! It reads a document only when its answer is certain to be serde's:
//! - the JSON is checked as strictly as serde checks it (strings without control
//!   characters and with valid escapes, numbers by the grammar, nothing after the
//!   document, at most [`MAX_DEPTH`] levels);
//! - the values it decodes (keys, file names, the yanked reason, `name`,
//!   `versions`, `meta` and `project-status`) are strings, `null` or a bool where
//!   serde takes one (a string with escapes is decoded by serde itself);
//! - no known key appears twice, and every entry has a `filename` and a `url`.
//!
//! Otherwise it answers `None` and the caller reads the document with serde, which
//! then gives the same answer as before or the same error. That both readers agree
//! on every document this one reads is tested on generated documents and on every
//! one the fuzzer kept (`tests` below), and checked by the fuzz target.

use std::borrow::Cow;

use super::{Entry, JsonSpans, Name, Parts, Rest, Span, Status};
use crate::dist_filename::Lead;
use crate::index::Yanked;

/// Nesting deeper than this is left to serde (which refuses past 128 levels).
const MAX_DEPTH: u32 = 100;

/// About the bytes of a file entry in a listing (a little under PyPI's average), to
/// size the list of entries.
const ENTRY_BYTES: usize = 384;

/// `text` (a whole body) read as serde would read it, when this reader is sure to
/// agree, with each file's [`Lead`] as a file of `project` (normalized).
pub(super) fn document(text: &str, project: &str) -> Option<Parts> {
    // Spans count in `u32`.
    u32::try_from(text.len()).ok()?;
    let mut at = Cursor {
        text,
        at: 0,
        depth: 0,
        controls: has_control(text.as_bytes()),
        project,
    };
    let mut seen = Seen::default();
    let mut parts = Parts::default();
    let mut files = None;
    at.ws();
    at.object(|at, key| {
        if key == b"files" {
            seen.once(FILES)?;
            files = Some(at.files()?);
            return Some(());
        }
        at.member(key, &mut seen, &mut parts)
    })?;
    at.ws();
    if at.at != text.len() {
        return None;
    }
    (parts.files, parts.leads) = files?;
    Some(parts)
}

/// The bit of `files` in the document's [`Seen`] (see [`Cursor::member`]).
const FILES: u32 = 2;

/// Which known keys of an object were read: serde refuses a second one.
#[derive(Debug, Default, Clone, Copy)]
struct Seen(u32);

impl Seen {
    fn once(&mut self, key: u32) -> Option<()> {
        let bit = 1 << key;
        (self.0 & bit == 0).then(|| self.0 |= bit)
    }
}

/// Whether `bytes` holds a control character (which no string may hold), looked
/// for in one pass the compiler vectorizes: an index writes none, and then no
/// string needs looking at.
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &b| found | (b < 0x20))
}

/// A file entry as read: its values placed in the body.
struct Read {
    filename: Name,
    yanked: Option<Yanked>,
    spans: JsonSpans,
}

impl Read {
    fn entry(self) -> Entry {
        Entry {
            filename: self.filename,
            yanked: self.yanked,
            rest: Rest::Json(Box::new(self.spans)),
        }
    }
}

/// A place in the body, and how deep in it.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
    depth: u32,
    /// Whether the body has a control character (in whitespace, or in a string).
    controls: bool,
    /// The project (normalized) whose files the leads are read for.
    project: &'a str,
}

impl<'a> Cursor<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// Past JSON's whitespace (space, tab, line feed, carriage return).
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn deeper(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// An object at the cursor: `each` reads the value of every key (the cursor at
    /// the value, whitespace skipped).
    fn object(&mut self, mut each: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        if self.next()? != b'{' {
            return None;
        }
        self.deeper()?;
        self.ws();
        if self.peek()? == b'}' {
            self.at += 1;
        } else {
            loop {
                let key = self.key()?;
                self.ws();
                if self.next()? != b':' {
                    return None;
                }
                self.ws();
                each(self, key.as_bytes())?;
                self.ws();
                match self.next()? {
                    b',' => self.ws(),
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// An array at the cursor: `each` reads every element (the cursor at it).
    fn array(&mut self, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.next()? != b'[' {
            return None;
        }
        self.deeper()?;
        self.ws();
        if self.peek()? == b']' {
            self.at += 1;
        } else {
            loop {
                each(self)?;
                self.ws();
                match self.next()? {
                    b',' => self.ws(),
                    b']' => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// A string at the cursor: where its text is (without the quotes), and whether
    /// it has escapes. Refused as serde refuses it: a control character, or an
    /// escape JSON does not have.
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let mut at = start;
        let mut escaped = false;
        loop {
            let rest = self.bytes().get(at..)?;
            let found = memchr::memchr2(b'"', b'\\', rest)?;
            if self.controls && has_control(rest.get(..found)?) {
                return None;
            }
            at += found;
            if rest.get(found) == Some(&b'"') {
                self.at = at + 1;
                return Some((start, at, escaped));
            }
            escaped = true;
            match self.bytes().get(at + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 2,
                b'u' => {
                    let hex = self.bytes().get(at + 2..at + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    at += 6;
                }
                _ => return None,
            }
        }
    }

    /// A key at the cursor: one of those PyPI writes in every file entry matched in
    /// place (its text has no escape nor control character), else read as any
    /// string. Each file entry has a dozen keys, and finding the end of each took
    /// a call to `memchr2` of its own.
    fn key(&mut self) -> Option<Cow<'a, str>> {
        let rest = self.bytes().get(self.at..)?;
        // Compared as arrays of known length: a few loads, not a call to `memcmp`.
        fn is<const N: usize>(rest: &[u8], key: &[u8; N]) -> Option<usize> {
            (rest.first_chunk::<N>() == Some(key)).then_some(N)
        }
        let known = match rest.get(1) {
            Some(b'c') => is(rest, b"\"core-metadata\""),
            Some(b'd') => is(rest, b"\"data-dist-info-metadata\"")
                .or_else(|| is(rest, b"\"dist-info-metadata\"")),
            Some(b'f') => is(rest, b"\"filename\""),
            Some(b'h') => is(rest, b"\"hashes\""),
            Some(b'p') => is(rest, b"\"provenance\""),
            Some(b'r') => is(rest, b"\"requires-python\""),
            Some(b's') => is(rest, b"\"sha256\"").or_else(|| is(rest, b"\"size\"")),
            Some(b'u') => is(rest, b"\"url\"").or_else(|| is(rest, b"\"upload-time\"")),
            Some(b'y') => is(rest, b"\"yanked\""),
            _ => None,
        };
        match known {
            Some(length) => {
                let start = self.at + 1;
                self.at += length;
                self.text.get(start..self.at - 1).map(Cow::Borrowed)
            }
            None => self.text(),
        }
    }

    /// A string at the cursor, as text: borrowed from the body when it has no
    /// escapes; else decoded by serde, as serde would decode it in place.
    fn text(&mut self) -> Option<Cow<'a, str>> {
        let (start, end, escaped) = self.string()?;
        if escaped {
            return self.unescaped(start, end).map(Cow::Owned);
        }
        self.text.get(start..end).map(Cow::Borrowed)
    }

    /// The string whose text is at `start..end`, its escapes decoded by serde.
    fn unescaped(&self, start: usize, end: usize) -> Option<String> {
        let quoted = self.text.get(start.checked_sub(1)?..end + 1)?;
        serde_json::from_str(quoted).ok()
    }

    /// `null`, or a string (an `Option<String>`).
    fn optional_text(&mut self) -> Option<Option<String>> {
        if self.null()? {
            return Some(None);
        }
        Some(Some(self.text()?.into_owned()))
    }

    /// `null`, or an array of strings (an `Option<Vec<String>>`).
    fn optional_texts(&mut self) -> Option<Option<Vec<String>>> {
        if self.null()? {
            return Some(None);
        }
        let mut texts = Vec::new();
        self.array(|at| {
            texts.push(at.text()?.into_owned());
            Some(())
        })?;
        Some(Some(texts))
    }

    /// The value of the document's member `key` (not `files`), read into `parts`.
    fn member(&mut self, key: &[u8], seen: &mut Seen, parts: &mut Parts) -> Option<()> {
        match key {
            b"meta" => {
                seen.once(0)?;
                parts.api_version = self.meta()?;
            }
            b"name" => {
                seen.once(1)?;
                parts.name = self.optional_text()?;
            }
            b"versions" => {
                seen.once(3)?;
                parts.versions = self.optional_texts()?;
            }
            b"project-status" => {
                seen.once(4)?;
                parts.project_status = self.status()?;
            }
            _ => {
                self.value()?;
            }
        }
        Some(())
    }

    /// `meta`: `null`, or an object whose `api-version` is read.
    fn meta(&mut self) -> Option<Option<String>> {
        if self.null()? {
            return Some(None);
        }
        let mut seen = Seen::default();
        let mut version = None;
        self.object(|at, key| {
            if key == b"api-version" {
                seen.once(0)?;
                version = at.optional_text()?;
            } else {
                at.value()?;
            }
            Some(())
        })?;
        Some(version)
    }

    /// `project-status`: `null`, or an object whose `status` and `reason` are read.
    fn status(&mut self) -> Option<Option<Status>> {
        if self.null()? {
            return Some(None);
        }
        let mut seen = Seen::default();
        let mut status = Status::default();
        self.object(|at, key| {
            match key {
                b"status" => {
                    seen.once(0)?;
                    status.status = at.optional_text()?;
                }
                b"reason" => {
                    seen.once(1)?;
                    status.reason = at.optional_text()?;
                }
                _ => {
                    at.value()?;
                }
            }
            Some(())
        })?;
        Some(Some(status))
    }

    /// `files`: an array of file entries, and their leads.
    fn files(&mut self) -> Option<(Vec<Entry>, Vec<Lead>)> {
        // Sized once for about as many entries as the body holds (PyPI's are 440
        // bytes on average), then trimmed: growing it by doubling copied every
        // entry again and again (5% of reading the 199 listings of a cold `lock`).
        let mut files = Vec::with_capacity(self.bytes().len() / ENTRY_BYTES);
        let mut leads = Vec::with_capacity(files.capacity());
        self.array(|at| {
            let (read, lead) = at.entry()?;
            files.push(read.entry());
            leads.push(lead);
            Some(())
        })?;
        files.shrink_to_fit();
        leads.shrink_to_fit();
        Some((files, leads))
    }

    /// A file entry: its name and yanked status read, its other values placed; and
    /// its lead, read from the name while it is at hand.
    fn entry(&mut self) -> Option<(Read, Lead)> {
        let mut seen = Seen::default();
        let mut filename = None;
        let mut yanked = None;
        let mut lead = Lead::ANY;
        let (mut url, mut hashes, mut requires_python, mut size) = (None, None, None, None);
        let (mut upload_time, mut core_metadata, mut provenance) = (None, None, None);
        self.object(|at, key| {
            match key {
                b"filename" => {
                    seen.once(0)?;
                    let (start, end, escaped) = at.string()?;
                    let name = match escaped {
                        false => Name::At(Span::at(start, end)?),
                        true => Name::Text(at.unescaped(start, end)?),
                    };
                    let text = match &name {
                        Name::At(_) => at.text.get(start..end)?,
                        Name::Text(text) => text,
                    };
                    lead = Lead::of(text, at.project);
                    filename = Some(name);
                }
                b"url" => {
                    seen.once(1)?;
                    url = Some(at.value()?);
                }
                b"hashes" => {
                    seen.once(2)?;
                    hashes = at.optional_value()?;
                }
                b"requires-python" => {
                    seen.once(3)?;
                    requires_python = at.optional_value()?;
                }
                b"yanked" => {
                    seen.once(4)?;
                    yanked = at.yanked()?;
                }
                b"size" => {
                    seen.once(5)?;
                    size = at.optional_value()?;
                }
                b"upload-time" => {
                    seen.once(6)?;
                    upload_time = at.optional_value()?;
                }
                // PEP 714's name, and PEP 658's before it: one field to serde.
                b"core-metadata" | b"dist-info-metadata" => {
                    seen.once(7)?;
                    core_metadata = at.optional_value()?;
                }
                b"provenance" => {
                    seen.once(8)?;
                    provenance = at.optional_value()?;
                }
                _ => {
                    at.value()?;
                }
            }
            Some(())
        })?;
        let read = Read {
            filename: filename?,
            yanked,
            spans: JsonSpans {
                url: url?,
                hashes,
                requires_python,
                size,
                upload_time,
                core_metadata,
                provenance,
            },
        };
        Some((read, lead))
    }

    /// `yanked`: `null`, a bool, or the reason.
    fn yanked(&mut self) -> Option<Option<Yanked>> {
        if self.null()? {
            return Some(None);
        }
        Some(match self.peek()? {
            b't' => {
                self.literal(b"true")?;
                Some(Yanked::Flag(true))
            }
            b'f' => {
                self.literal(b"false")?;
                Some(Yanked::Flag(false))
            }
            _ => Some(Yanked::Reason(self.text()?.into_owned())),
        })
    }

    /// `null` (`None`, as serde reads an `Option`), or where any other value is.
    fn optional_value(&mut self) -> Option<Option<Span>> {
        if self.null()? {
            return Some(None);
        }
        self.value().map(Some)
    }

    /// Past any value at the cursor: where it is.
    fn value(&mut self) -> Option<Span> {
        let start = self.at;
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' => self.object(|at, _| at.value().map(drop))?,
            b'[' => self.array(|at| at.value().map(drop))?,
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        }
        Span::at(start, self.at)
    }

    /// Whether the value at the cursor is `null` (read past it when it is): how serde
    /// reads an `Option`'s `None`.
    fn null(&mut self) -> Option<bool> {
        if self.peek()? != b'n' {
            return Some(false);
        }
        self.literal(b"null")?;
        Some(true)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes().get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A number by JSON's grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`
    /// (a digit after a leading `0` ends it, and is then refused by the caller).
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }
}

pub(super) mod stream;

#[cfg(test)]
mod tests;
