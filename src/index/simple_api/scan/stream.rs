//! The fast reader fed a body as it arrives, chunk by chunk, which keeps of each
//! file only what the run may read.
//!
//! Read whole, the 199 listings of a cold `lock` are 65 MB copied into fresh
//! memory (16,000 page faults) and held until their lookups end, though a lookup
//! reads a handful of files of one release. Read as it arrives, each chunk is read
//! in place, and the step a chunk cuts is finished in a small window; each file's
//! name and yanked status are kept (grouping and near misses need every name), and
//! its other values only when its name may concern a release the run asked for
//! ([`Keep`]).
//!
//! The document is read in steps that each end where nothing that follows can
//! change them: past the `,`, `]` or `}` after a value (a number is only whole
//! once something follows it). A step the window cannot finish is tried again,
//! from its start, once the window has doubled, so a value spread over many chunks
//! is read a bounded number of times over. Each step is [`Cursor`]'s own reading,
//! so a streamed document is read exactly when, and as, the whole body would be
//! (tested on the same documents). A document it does not read ([`Stream::finish`]
//! answers `None`) is asked for again and read whole.

use super::super::{Entry, Name, Parts, Rest, Span};
use super::{Cursor, FILES, Read, Seen, has_control};
use crate::dist_filename::Lead;

/// Which files' values a streamed document keeps (names and yanked status are
/// always kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Every file's.
    All,
    /// Those of the files that may concern a release of these numbers
    /// ([`Lead::may_concern`]).
    Releases(Vec<Vec<u64>>),
}

impl Keep {
    fn keeps(&self, lead: &Lead) -> bool {
        match self {
            Keep::All => true,
            Keep::Releases(releases) => releases.iter().any(|r| lead.may_concern(r)),
        }
    }
}

/// Where the reading is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the `{`.
    Start,
    /// Before a key of the document's object.
    Key,
    /// Before a file entry of `files`.
    Entry,
    /// Past the `]` of `files`.
    AfterFiles,
    /// Past the document's `}`: only whitespace may follow.
    End,
}

/// A PEP 691 document read as its body arrives.
#[derive(Debug)]
pub(crate) struct Stream {
    /// The project (normalized) whose files the leads are read for.
    project: String,
    keep: Keep,
    /// What arrived and is not read yet, from `at` on.
    window: Vec<u8>,
    at: usize,
    /// The window's length at which the step that could not finish is tried again.
    retry_at: usize,
    state: State,
    /// The document's known keys read so far.
    seen: Seen,
    files_read: bool,
    parts: Parts,
    /// The kept text: every file's name, and the whole entry of each file kept.
    kept: String,
    /// How many files' values were not kept.
    dropped: usize,
    failed: bool,
    /// How many times the window was read (see [`Stream::feed`]).
    reads: usize,
}

/// A streamed document, read: what a body read whole gives, its spans into `kept`.
#[derive(Debug)]
pub(crate) struct Streamed {
    pub(in crate::index::simple_api) parts: Parts,
    pub(in crate::index::simple_api) kept: String,
    /// How many files' values were not kept.
    pub(in crate::index::simple_api) dropped: usize,
}

impl Stream {
    /// A reader of the document of `project` (normalized), keeping what `keep` says;
    /// `size`, when known, is the body's (to size the list of files).
    pub(crate) fn new(project: &str, keep: Keep, size: Option<u64>) -> Stream {
        let size = size
            .and_then(|size| usize::try_from(size).ok())
            .unwrap_or(0);
        let files = size / super::ENTRY_BYTES;
        Stream {
            project: project.to_owned(),
            keep,
            window: Vec::new(),
            at: 0,
            retry_at: 0,
            state: State::Start,
            seen: Seen::default(),
            files_read: false,
            parts: Parts {
                files: Vec::with_capacity(files),
                leads: Vec::with_capacity(files),
                ..Parts::default()
            },
            kept: String::new(),
            dropped: 0,
            failed: false,
            reads: 0,
        }
    }

    /// Reads what `chunk` adds to the body: in place, but for the step the last
    /// chunk cut, which is finished in the window with as little of this chunk as
    /// it takes (not a copy of every body).
    pub(crate) fn feed(&mut self, mut chunk: &[u8]) {
        if self.failed {
            return;
        }
        if self.at > 0 {
            self.window.drain(..self.at);
            self.at = 0;
        }
        if !self.window.is_empty() {
            if self.window.len() + chunk.len() < self.retry_at {
                self.window.extend_from_slice(chunk);
                return;
            }
            let carried = self.window.len();
            let mut taken = 0;
            loop {
                // Doubled at each try: a long value is read a bounded number of times.
                let more = self.window.len().max(TAKEN).min(chunk.len() - taken);
                let part = chunk.get(taken..taken + more).unwrap_or_default();
                self.window.extend_from_slice(part);
                taken += more;
                self.read(false);
                if self.failed {
                    return;
                }
                if self.at >= carried {
                    // The rest is read in place, from where the window's reading ended.
                    chunk = chunk.get(self.at - carried..).unwrap_or_default();
                    self.window.clear();
                    self.at = 0;
                    break;
                }
                if taken == chunk.len() {
                    return;
                }
            }
        }
        let project = std::mem::take(&mut self.project);
        self.steps(chunk, &project, false);
        self.project = project;
        if !self.failed {
            let rest = chunk.get(self.at..).unwrap_or_default();
            self.window.extend_from_slice(rest);
        }
        self.at = 0;
    }

    /// The document, once the whole body was fed: `None` when the fast reader
    /// would not read it whole (it is then read whole, by serde if need be).
    pub(crate) fn finish(mut self) -> Option<Streamed> {
        if !self.failed {
            self.read(true);
        }
        let whole = self.state == State::End && self.at == self.window.len();
        if self.failed || !whole || !self.files_read {
            return None;
        }
        let mut parts = self.parts;
        parts.files.shrink_to_fit();
        parts.leads.shrink_to_fit();
        self.kept.shrink_to_fit();
        Some(Streamed {
            parts,
            kept: self.kept,
            dropped: self.dropped,
        })
    }

    /// Reads as many steps as the window holds; `last`: nothing more will come.
    fn read(&mut self, last: bool) {
        let window = std::mem::take(&mut self.window);
        let project = std::mem::take(&mut self.project);
        self.steps(&window, &project, last);
        self.window = window;
        self.project = project;
    }

    /// Reads as many steps as `window` holds, from `self.at`.
    fn steps(&mut self, window: &[u8], project: &str, last: bool) {
        self.reads += 1;
        // The text is the window's valid UTF-8; what follows may only be the start
        // of a character the next chunk ends. (`from_utf8` checks ASCII many bytes
        // at a time; `Utf8Chunks` took a tenth of a cold `lock`'s CPU.)
        let text = match std::str::from_utf8(window) {
            Ok(text) => Some(text),
            Err(error) if error.error_len().is_none() && !last => {
                std::str::from_utf8(window.get(..error.valid_up_to()).unwrap_or_default()).ok()
            }
            Err(_) => None,
        };
        let Some(text) = text else {
            self.failed = true;
            return;
        };
        let mut cursor = Cursor {
            text,
            at: self.at,
            depth: 0,
            controls: has_control(text.as_bytes()),
            project,
        };
        loop {
            cursor.at = self.at;
            if self.state == State::End {
                cursor.ws();
                self.at = cursor.at;
                // Past the document only whitespace may come.
                self.failed = cursor.at < text.len() || (last && cursor.at < window.len());
                return;
            }
            let Some(next) = self.step(&mut cursor) else {
                break;
            };
            self.at = cursor.at;
            self.state = next;
        }
        if last {
            self.failed = true;
        } else {
            // Tried again once what is not read has doubled.
            self.retry_at = 2 * (window.len() - self.at);
        }
    }

    /// One step from the cursor: the state it ends in (its reading kept), or `None`
    /// when the text cannot finish it (nothing kept).
    fn step(&mut self, at: &mut Cursor<'_>) -> Option<State> {
        at.ws();
        match self.state {
            State::Start => {
                if at.next()? != b'{' {
                    return None;
                }
                at.ws();
                if at.peek()? == b'}' {
                    at.at += 1;
                    return Some(State::End);
                }
                Some(State::Key)
            }
            State::Key => self.member(at),
            State::Entry => self.entry(at),
            State::AfterFiles => after_value(at),
            State::End => Some(State::End),
        }
    }

    /// A member of the document's object, up to what follows it (the first file
    /// entry, for `files`).
    fn member(&mut self, at: &mut Cursor<'_>) -> Option<State> {
        at.depth = 1;
        let key = at.text()?;
        at.ws();
        if at.next()? != b':' {
            return None;
        }
        at.ws();
        let mut seen = self.seen;
        if key.as_bytes() == b"files" {
            seen.once(FILES)?;
            if at.next()? != b'[' {
                return None;
            }
            at.deeper()?;
            at.ws();
            if at.peek()? != b']' {
                self.seen = seen;
                return Some(State::Entry);
            }
            at.at += 1;
            let next = after_value(at)?;
            (self.seen, self.files_read) = (seen, true);
            return Some(next);
        }
        // A step that fails past this read the same value, which its retry reads
        // again; `seen` is only kept once the step ends.
        at.member(key.as_bytes(), &mut seen, &mut self.parts)?;
        let next = after_value(at)?;
        self.seen = seen;
        Some(next)
    }

    /// A file entry of `files`, up to the `,` or `]` after it.
    fn entry(&mut self, at: &mut Cursor<'_>) -> Option<State> {
        at.depth = 2;
        let start = at.at;
        let (read, lead) = at.entry()?;
        let end = at.at;
        at.ws();
        let next = match at.next()? {
            b',' => State::Entry,
            b']' => State::AfterFiles,
            _ => return None,
        };
        let entry = self.kept_of(read, &lead, at.text, start..end)?;
        self.parts.files.push(entry);
        self.parts.leads.push(lead);
        if next == State::AfterFiles {
            self.files_read = true;
        }
        Some(next)
    }

    /// The entry `read` (its text at `range` of `text`) with its spans into the
    /// kept text: whole when [`Keep`] keeps it, else its name alone.
    fn kept_of(
        &mut self,
        read: Read,
        lead: &Lead,
        text: &str,
        range: std::ops::Range<usize>,
    ) -> Option<Entry> {
        let base = self.kept.len();
        if self.keep.keeps(lead) {
            self.kept.push_str(text.get(range.clone())?);
            return read.entry().moved(range.start, base);
        }
        self.dropped += 1;
        let filename = match read.filename {
            Name::At(span) => {
                self.kept
                    .push_str(text.get(span.start as usize..span.end as usize)?);
                Name::At(Span::at(base, self.kept.len())?)
            }
            name @ Name::Text(_) => name,
        };
        Some(Entry {
            filename,
            yanked: read.yanked,
            rest: Rest::Dropped,
        })
    }
}

impl crate::index::http::Reader for Stream {
    fn feed(&mut self, chunk: &[u8]) {
        Stream::feed(self, chunk);
    }

    /// Kept for some releases, a listing of PyPI holds about a third of its size
    /// (each file's entry, lead and name: 150 of its 460 bytes; the 199 listings of
    /// a cold `lock`, 68 MB, kept 26 MB), half at most while its kept text grows,
    /// and the window. (A listing of few releases may keep all of itself: such
    /// listings are small.)
    fn holds(&self, size: u64) -> u64 {
        match self.keep {
            Keep::All => size,
            Keep::Releases(_) => size / 2 + WINDOW,
        }
    }
}

/// About the most a window holds: a few chunks (a value longer than that makes it
/// grow, rarely).
const WINDOW: u64 = 64 * 1024;
/// What of a chunk is taken first into the window to finish the step the chunk
/// before cut: more than most file entries.
const TAKEN: usize = 1024;

/// Past the `,` or `}` that follows a member of the document's object: the state
/// it leads to.
fn after_value(at: &mut Cursor<'_>) -> Option<State> {
    at.ws();
    match at.next()? {
        b',' => Some(State::Key),
        b'}' => Some(State::End),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
