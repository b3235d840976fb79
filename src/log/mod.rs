//! The first-seen log: every file hashlock reads from an index (its digests and
//! upload time) and every publisher identity it learns, appended to an append-only,
//! hash-chained text log the first time it is seen (the idea of Go's checksum
//! database, kept locally). `verify` compares what an index publishes now with what
//! was first seen: a digest that changed, a file that vanished, a publisher that
//! changed.
//!
//! Two copies: the user's cache (always, unless `--no-log`), and, when the user opts
//! in, a file committed next to the requirements (`--log-file`, or a `hashlock.log`
//! that exists beside the first requirements file). Each run appends its new records
//! in sorted order, one line each ([`record`] has the format).
//!
//! What the chain proves: a record changed, removed or reordered breaks every link
//! after it, and a line cut short has no line ending. Cutting whole records off the
//! end keeps the chain intact: hashlock keeps, for each log it appends to, the last
//! record it wrote (the "head", in the user cache), and `hashlock log verify` checks
//! the log still holds it. What it does not prove: that a first-seen file was good
//! (the log records malicious files too: it detects change, not malice), nor anything
//! against someone who rewrites the whole chain and the head.

pub(crate) mod record;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) use record::{Entry, Fact, HEADER, Record, Subject, link};

use crate::diagnostics::{Located, Source};
use crate::digest::Sha256;

/// The name of the committed copy that is used without `--log-file` when it exists
/// beside the first requirements file.
pub(crate) const COMMITTED_NAME: &str = "hashlock.log";

/// The configuration file's `cache-dir`, set once before the command runs.
static CONFIGURED_CACHE_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Sets the configuration file's `cache-dir` (ranked below `HASHLOCK_CACHE_DIR`).
pub(crate) fn configure_cache_dir(dir: PathBuf) {
    let _ = CONFIGURED_CACHE_DIR.set(dir);
}

/// The user cache directory of hashlock: `HASHLOCK_CACHE_DIR` when set, else the
/// configuration file's `cache-dir`, else the platform's cache directory
/// (`~/.cache/hashlock` on Linux). One function, so that every part of hashlock that
/// caches agrees on the place.
pub(crate) fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = CACHE_DIR.get() {
        return Some(dir.clone());
    }
    match std::env::var_os("HASHLOCK_CACHE_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => CONFIGURED_CACHE_DIR
            .get()
            .cloned()
            .or_else(|| dirs::cache_dir().map(|dir| dir.join("hashlock"))),
    }
}

/// The cache directory the command line named (`--cache-dir`), set once a run has
/// read its options.
static CACHE_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Keeps the log in `dir`, the run's `--cache-dir`, with the cache of index answers.
pub(crate) fn use_cache_dir(dir: PathBuf) {
    let _ = CACHE_DIR.set(dir);
}

/// The names the log takes in the cache directory (`hashlock cache clean` keeps
/// them: the log is history, not a cache).
pub(crate) const CACHE_NAMES: [&str; 2] = ["first-seen.log", "heads"];

/// The user cache's copy of the log.
pub(crate) fn cache_log() -> Option<PathBuf> {
    cache_dir().map(|dir| dir.join(CACHE_NAMES[0]))
}

/// What is wrong at one line of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Damage {
    /// The byte range of the line in the log's text.
    pub span: std::ops::Range<usize>,
    pub message: String,
}

/// A log as read: its records in order, each with the link of its line, and what is
/// wrong with it.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    pub records: Vec<(Record, Sha256)>,
    pub damage: Vec<Damage>,
}

impl Chain {
    /// Reads and checks a log's text (see [`record`] for the format).
    pub(crate) fn read(text: &str) -> Chain {
        let mut records = Vec::new();
        let damage = walk(
            text,
            |line, _| Record::parse(line).map(|record| (record.seq, record.prev, record)),
            |record, _, this| records.push((record, this)),
        );
        Chain { records, damage }
    }

    /// The sequence number and link of the last record (0 and the header's link for
    /// a log with none).
    fn head(&self) -> (u64, Sha256) {
        match self.records.last() {
            Some((record, this)) => (record.seq, *this),
            None => (0, link(HEADER)),
        }
    }

    /// Checks the log still holds the last record hashlock wrote to it.
    fn check_head(&mut self, head: Head, text: &str) {
        let end = text.len();
        let span = end.saturating_sub(1)..end;
        let (last, _) = self.head();
        if last < head.seq {
            self.damage.push(Damage {
                span,
                message: format!(
                    "the log ends at record {last}, and hashlock wrote record {} to it: records were cut off its end",
                    head.seq
                ),
            });
            return;
        }
        let held = self
            .records
            .iter()
            .find(|(record, _)| record.seq == head.seq);
        if head.seq > 0 && held.is_none_or(|(_, this)| *this != head.link) {
            self.damage.push(Damage {
                span,
                message: format!(
                    "record {} is not the one hashlock wrote: the log was rewritten",
                    head.seq
                ),
            });
        }
    }
}

/// Walks a log's lines as a chain: `read` reads a record's line (`true`: the last
/// line), giving its number, the link it names and what to keep of it; `keep`
/// gets that, the line's range and its own link. Returns what is wrong.
fn walk<R>(
    text: &str,
    mut read: impl FnMut(&str, bool) -> Result<(u64, Sha256, R), String>,
    mut keep: impl FnMut(R, std::ops::Range<usize>, Sha256),
) -> Vec<Damage> {
    let mut damage = Vec::new();
    let mut offset = 0;
    let mut prev: Option<Sha256> = None;
    let mut expected = 1;
    let mut each = text.split_inclusive('\n').enumerate().peekable();
    while let Some((number, line)) = each.next() {
        let start = offset;
        offset += line.len();
        let ended = line.ends_with('\n');
        let line = line.strip_suffix('\n').unwrap_or(line);
        let span = start..start + line.len().max(1).min(text.len() - start);
        let mut hurt = |message: String| {
            damage.push(Damage {
                span: span.clone(),
                message,
            })
        };
        if !ended {
            hurt(CUT_SHORT.to_owned());
        }
        if number == 0 {
            if line != HEADER {
                hurt(format!("the first line is not the header `{HEADER}`"));
            }
            prev = Some(link(line));
            continue;
        }
        let this = link(line);
        match read(line, each.peek().is_none()) {
            Err(message) => hurt(message),
            Ok((seq, linked, kept)) => {
                if let Some(message) = follows(seq, linked, expected, prev) {
                    hurt(message);
                }
                expected = seq.saturating_add(1);
                keep(kept, start..start + line.len(), this);
            }
        }
        prev = Some(this);
    }
    damage
}

/// What is wrong with record `seq`, linking to `linked`, where record `expected`
/// should follow the line whose link is `prev`.
fn follows(seq: u64, linked: Sha256, expected: u64, prev: Option<Sha256>) -> Option<String> {
    if seq != expected {
        Some(format!(
            "record {seq} where record {expected} should be: records were removed, added or reordered"
        ))
    } else if Some(linked) != prev {
        Some(format!(
            "record {seq} does not link to the line before it: that line, or one before it, was changed"
        ))
    } else {
        None
    }
}

/// A log checked as a chain, each record read only as far as the chain needs (its
/// number and link) and placed by its project: a run then reads whole only the
/// records about its own projects. A 10 MB log (40,000 records) took 120 ms to read
/// whole, on every run, for a 5-pin file.
///
/// A record whose fields the chain check does not read is only checked by
/// `hashlock log verify` (and before appending): a record changed after it was
/// written still breaks the link of the next one, and the last record is always
/// read whole.
#[derive(Debug, Default)]
pub(crate) struct Skim {
    /// The log's text.
    text: String,
    /// Each record's line and its project field, as ranges of `text`.
    lines: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    damage: Vec<Damage>,
    /// Indexes an attested file's provenance was seen on, from every record.
    attesting: HashSet<String>,
}

impl Skim {
    fn of(text: String) -> Skim {
        let mut lines = Vec::new();
        let mut attesting = HashSet::new();
        // The last record is read whole, and so is one the skim cannot read (which
        // then says what is wrong with it).
        let read = |line: &str, last: bool| {
            let read = match skim_record(line).filter(|_| !last) {
                Some(read) => Ok(read),
                None => Record::parse(line).and_then(|_| {
                    skim_record(line).ok_or_else(|| "the record does not read".to_owned())
                }),
            };
            read.map(|read| (read.seq, read.prev, read))
        };
        let keep = |read: Skimmed, line: std::ops::Range<usize>, _| {
            attesting.extend(read.attesting);
            let project = line.start + read.project.start..line.start + read.project.end;
            lines.push((line, project));
        };
        let damage = walk(&text, read, keep);
        Skim {
            text,
            lines,
            damage,
            attesting,
        }
    }

    /// The records about `projects`, read whole; `Err` for a record that does not
    /// read.
    fn records_about(&self, projects: &HashSet<String>) -> Result<Vec<Record>, String> {
        let about = |field: &str| match field.contains('%') {
            false => projects.contains(field),
            true => record::decode(field).is_ok_and(|name| projects.contains(&name)),
        };
        self.lines
            .iter()
            .filter(|(_, project)| about(&self.text[project.clone()]))
            .map(|(line, _)| Record::parse(&self.text[line.clone()]))
            .collect()
    }
}

/// What the chain needs of a record, and where its project is.
struct Skimmed {
    seq: u64,
    prev: Sha256,
    /// The project field, as a range of the line.
    project: std::ops::Range<usize>,
    /// The index, for a publisher record with an identity.
    attesting: Option<String>,
}

/// A record read only as far as [`Skim`] needs; `None` when that much does not
/// read (the whole reading then says why).
fn skim_record(line: &str) -> Option<Skimmed> {
    let mut fields = line.splitn(7, ' ');
    let seq = fields.next()?.parse().ok()?;
    let prev = fields.next()?.parse().ok()?;
    let (_seen, kind, index, project) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let rest = fields.next()?;
    let at = project.as_ptr().addr().checked_sub(line.as_ptr().addr())?;
    let attesting = match kind {
        "file" => None,
        "publisher" => match rest.rsplit(' ').next()? {
            "none" => None,
            _ => Some(record::decode(index).ok()?),
        },
        _ => return None,
    };
    Some(Skimmed {
        seq,
        prev,
        project: at..at + project.len(),
        attesting,
    })
}

/// What a log whose last line has no line ending says.
const CUT_SHORT: &str = "the last line has no line ending: the log was cut short (a write that did not finish, or a truncation)";

/// The last record hashlock appended to a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    seq: u64,
    link: Sha256,
}

/// Where the head of the log at `path` is kept: in the user cache, named by the
/// sha256 of the log's canonical path.
fn head_path(path: &Path) -> Option<PathBuf> {
    let canonical = std::fs::canonicalize(path).ok()?;
    let name = link(&canonical.to_string_lossy());
    Some(cache_dir()?.join(CACHE_NAMES[1]).join(name.to_string()))
}

fn read_head(path: &Path) -> Option<Head> {
    let text = std::fs::read_to_string(head_path(path)?).ok()?;
    let line = text.lines().nth(1)?;
    let (seq, link) = line.split_once(' ')?;
    Some(Head {
        seq: seq.parse().ok()?,
        link: link.parse().ok()?,
    })
}

fn write_head(path: &Path, head: Head) -> std::io::Result<()> {
    let Some(at) = head_path(path) else {
        return Ok(());
    };
    if let Some(dir) = at.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let canonical = std::fs::canonicalize(path)?;
    let text = format!("{}\n{} {}\n", canonical.display(), head.seq, head.link);
    // Written whole or not at all: a temp file beside it, renamed over it.
    let dir = at.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.persist(&at).map_err(|error| error.error)?;
    Ok(())
}

/// A log file read and checked, with its head: what `hashlock log verify` reports.
pub(crate) fn verify_file(path: &Path) -> Result<(Source, Chain), std::io::Error> {
    let text = std::fs::read_to_string(path)?;
    let mut chain = Chain::read(&text);
    if let Some(head) = read_head(path) {
        chain.check_head(head, &text);
    }
    let source = Source::new(path.display().to_string(), Arc::new(text));
    Ok((source, chain))
}

/// The damage of a log as diagnostics.
pub(crate) fn located(source: &Source, chain: &Chain) -> Vec<Located> {
    chain
        .damage
        .iter()
        .map(|damage| {
            source
                .error(damage.span.clone(), damage.message.clone())
                .hint("compare the log with a copy you trust (its git history, the other copy); hashlock appends nothing to a log whose chain is broken")
        })
        .collect()
}

/// Why records could not be appended.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppendError {
    #[error("cannot write the first-seen log {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("the first-seen log {path} is damaged ({message}); nothing was appended")]
    Damaged { path: String, message: String },
}

/// Appends the entries not in the log at `path` yet (one record per kind, index and
/// file name: the first seen stays), sorted, creating the log if needed. The log is
/// locked while it is read and appended to, so concurrent runs each add their
/// records once and keep the chain whole. Returns how many records were appended.
#[cfg(test)]
pub(crate) fn append(path: &Path, entries: &[Entry], now: &str) -> Result<usize, AppendError> {
    match prepare(path, entries, now)? {
        Some(prepared) => prepared.commit(),
        None => Ok(0),
    }
}

/// An append to a log, read, checked and rendered, its log locked until it is
/// committed (written) or dropped (nothing written).
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The log, locked; `None` when it does not exist yet: it is created when the
    /// append is written, so a run that stops before leaves no file behind.
    file: Option<File>,
    path: PathBuf,
    /// The lines to write (with the header, for a new log).
    out: String,
    head: Head,
    /// For a new log: its records, appended anew if another run made the log
    /// meanwhile; and when they were seen.
    fresh: Vec<Entry>,
    now: String,
    count: usize,
}

impl Prepared {
    /// Writes the records, and keeps the log's new head. Returns how many there were.
    pub(crate) fn commit(self) -> Result<usize, AppendError> {
        let io = |error: std::io::Error| AppendError::Io {
            path: self.path.display().to_string(),
            error,
        };
        let mut file = match self.file {
            Some(file) => file,
            None => {
                if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let file = OpenOptions::new()
                    .read(true)
                    .append(true)
                    .create(true)
                    .open(&self.path)
                    .map_err(io)?;
                lock(&file).map_err(io)?;
                if file.metadata().map_err(io)?.len() > 0 {
                    // Another run made it meanwhile: appended to as it now is.
                    drop(file);
                    return match prepare(&self.path, &self.fresh, &self.now)? {
                        Some(again) if again.file.is_some() => again.commit(),
                        _ => Ok(0),
                    };
                }
                file
            }
        };
        file.write_all(self.out.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        write_head(&self.path, self.head).map_err(io)?;
        Ok(self.count)
    }
}

/// [`append`] up to the writing: `None` when nothing is new to the log.
fn prepare(path: &Path, entries: &[Entry], now: &str) -> Result<Option<Prepared>, AppendError> {
    let io = |error: std::io::Error| AppendError::Io {
        path: path.display().to_string(),
        error,
    };
    let mut file = match OpenOptions::new().read(true).append(true).open(path) {
        Ok(file) => Some(file),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(io(error)),
    };
    let mut text = String::new();
    if let Some(file) = &mut file {
        lock(file).map_err(io)?;
        file.read_to_string(&mut text).map_err(io)?;
    }
    let mut chain = Chain::read(&text);
    // Only hashlock writes the user cache's copy, so a lost tail there is damage.
    // The committed copy also changes with git (a branch switch, a revert):
    // `hashlock log verify` reports its lost tail, and appending goes on.
    if let Some(head) = read_head(path).filter(|_| cache_log().as_deref() == Some(path)) {
        chain.check_head(head, &text);
    }
    if let Some(damage) = chain.damage.first() {
        let source = Source::new(path.display().to_string(), Arc::new(text.clone()));
        return Err(AppendError::Damaged {
            path: path.display().to_string(),
            message: format!(
                "line {}: {}",
                source.line_of(damage.span.start),
                damage.message
            ),
        });
    }
    let known: HashSet<(&str, &str, &str)> =
        chain.records.iter().map(|(r, _)| r.entry.key()).collect();
    let mut fresh: Vec<&Entry> = entries
        .iter()
        .filter(|e| !known.contains(&e.key()))
        .collect();
    fresh.sort_by(|a, b| (&a.subject, a.kind()).cmp(&(&b.subject, b.kind())));
    fresh.dedup_by(|a, b| a.key() == b.key());
    if fresh.is_empty() {
        return Ok(None);
    }
    let mut out = String::new();
    if text.is_empty() {
        out.push_str(HEADER);
        out.push('\n');
    }
    let (mut seq, mut prev) = chain.head();
    for entry in &fresh {
        seq += 1;
        let start = out.len();
        record::render_into(&mut out, seq, prev, now, entry);
        prev = link(&out[start..]);
        out.push('\n');
    }
    let count = fresh.len();
    let fresh = match file {
        Some(_) => Vec::new(),
        None => fresh.into_iter().cloned().collect(),
    };
    Ok(Some(Prepared {
        file,
        path: path.to_owned(),
        out,
        head: Head { seq, link: prev },
        fresh,
        now: now.to_owned(),
        count,
    }))
}

#[cfg(unix)]
fn lock(file: &File) -> std::io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::LockExclusive).map_err(Into::into)
}

// Without flock, concurrent runs may interleave appends (which `log verify` then
// reports); hashlock is run once at a time there.
#[cfg(not(unix))]
fn lock(_file: &File) -> std::io::Result<()> {
    Ok(())
}

/// A file as first seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileSeen {
    pub sha256: Sha256,
    pub seen: String,
}

/// A publisher record: who attested a file of a version (`None`: nobody).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublisherSeen {
    pub version: String,
    pub identity: Option<String>,
}

/// Everything the logs of a run hold, for comparisons: the first record of each
/// kind, index and file name.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// By index, then file name. Nested so that a lookup builds no key: a run looks
    /// up every file of every pin.
    files: HashMap<String, HashMap<String, FileSeen>>,
    /// File names by index, project and version.
    releases: HashMap<String, HashMap<String, HashMap<String, BTreeSet<String>>>>,
    /// Publisher records by index and project.
    publishers: HashMap<String, HashMap<String, Vec<PublisherSeen>>>,
    /// The publisher facts known, as kinds of record are (see [`Known`]).
    publisher_keys: Known,
    /// Indexes that served an attested file's provenance at least once.
    attesting: HashSet<String>,
}

/// `map[key]`, made on first use, without building the key when it is there.
fn slot<'m, V: Default>(map: &'m mut HashMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("just inserted")
}

impl Seen {
    /// Adds a log's records; a fact already known stays as first seen.
    pub(crate) fn add(&mut self, records: impl IntoIterator<Item = Record>) {
        for record in records {
            let Subject {
                index,
                project,
                version,
                filename,
            } = record.entry.subject;
            match record.entry.fact {
                Fact::File { sha256, .. } => {
                    let files = slot(&mut self.files, &index);
                    if files.contains_key(&filename) {
                        continue;
                    }
                    files.insert(
                        filename.clone(),
                        FileSeen {
                            sha256,
                            seen: record.seen,
                        },
                    );
                    let projects = slot(&mut self.releases, &index);
                    slot(slot(projects, &project), &version).insert(filename);
                }
                Fact::Publisher { identity } => {
                    if !self.publisher_keys.insert("publisher", &index, &filename) {
                        continue;
                    }
                    if identity.is_some() && !self.attesting.contains(&index) {
                        self.attesting.insert(index.clone());
                    }
                    slot(slot(&mut self.publishers, &index), &project)
                        .push(PublisherSeen { version, identity });
                }
            }
        }
    }

    /// The file first seen under `filename` on `index`.
    pub(crate) fn file(&self, index: &str, filename: &str) -> Option<&FileSeen> {
        self.files.get(index)?.get(filename)
    }

    /// The file names first seen for a release on `index`.
    pub(crate) fn filenames(&self, index: &str, project: &str, version: &str) -> Vec<&str> {
        let names = self
            .releases
            .get(index)
            .and_then(|p| p.get(project)?.get(version));
        names.into_iter().flatten().map(String::as_str).collect()
    }

    /// The publisher records of a project on `index`.
    pub(crate) fn publishers(&self, index: &str, project: &str) -> &[PublisherSeen] {
        self.publishers
            .get(index)
            .and_then(|projects| projects.get(project))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether `index` has served an attested file's provenance before: then a
    /// file without provenance there is a file without attestation, not an index
    /// that serves none.
    pub(crate) fn attests(&self, index: &str) -> bool {
        self.attesting.contains(index)
    }
}

/// Which facts (kind, index, file name: what makes a record one fact) a log holds,
/// looked up without building a key.
#[derive(Debug, Default)]
struct Known(HashMap<&'static str, HashMap<String, HashSet<String>>>);

impl Known {
    /// Adds a fact; whether it was new.
    fn insert(&mut self, kind: &'static str, index: &str, filename: &str) -> bool {
        let names = slot(self.0.entry(kind).or_default(), index);
        !names.contains(filename) && names.insert(filename.to_owned())
    }

    fn contains(&self, kind: &str, index: &str, filename: &str) -> bool {
        let names = self.0.get(kind).and_then(|indexes| indexes.get(index));
        names.is_some_and(|names| names.contains(filename))
    }
}

/// The logs of a run: where to append, and what they held when the run started.
#[derive(Debug, Default)]
pub(crate) struct Logs {
    paths: Vec<PathBuf>,
    pub seen: Seen,
    /// What went wrong reading them (a damaged log is still read: its records are
    /// compared, and nothing is appended to it).
    pub problems: Vec<String>,
    /// The keys about the run's projects each of `paths` held when read (`None`: not
    /// read), so that a run with nothing new reads no log twice: the logs are
    /// append-only, so what a log held then it still holds. (An entry of another
    /// project is then taken as new, and `append` finds it is not.)
    known: Vec<Option<Known>>,
}

/// The logs of a run, read and checked as chains (see [`Skim`]), their records not
/// read yet.
#[derive(Debug, Default)]
pub(crate) struct Opened {
    paths: Vec<PathBuf>,
    /// One per path: `None` when it could not be read.
    skims: Vec<Option<Skim>>,
    problems: Vec<String>,
}

impl Opened {
    /// The logs, with the records about `projects` (normalized names) read: what a
    /// run compares its files with, and what tells which of its files are new.
    pub(crate) fn about(self, projects: &HashSet<String>) -> Logs {
        let mut logs = Logs {
            paths: self.paths,
            problems: self.problems,
            ..Logs::default()
        };
        for (skim, path) in self.skims.into_iter().zip(&logs.paths) {
            let Some(skim) = skim else {
                logs.known.push(None);
                continue;
            };
            let records = skim.records_about(projects);
            let damage = skim.damage.first().map(|d| d.message.clone());
            if let Some(message) = damage.or_else(|| records.as_ref().err().cloned()) {
                logs.problems.push(format!(
                    "the first-seen log {} is damaged ({message}): run `hashlock log verify {}`",
                    path.display(),
                    path.display()
                ));
            }
            let records = records.unwrap_or_default();
            let mut known = Known::default();
            for record in &records {
                let (kind, index, filename) = record.entry.key();
                known.insert(kind, index, filename);
            }
            logs.known.push(Some(known));
            logs.seen.add(records);
            logs.seen.attesting.extend(skim.attesting);
        }
        logs
    }
}

impl Logs {
    /// The logs at `paths` (missing ones are empty), read and checked as chains:
    /// [`Opened::about`] then reads the records a run needs.
    pub(crate) fn open(paths: Vec<PathBuf>) -> Opened {
        let mut problems = Vec::new();
        let skims = paths
            .iter()
            .map(|path| match std::fs::read_to_string(path) {
                Ok(text) => Some(Skim::of(text)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Some(Skim::default()),
                Err(error) => {
                    problems.push(format!(
                        "cannot read the first-seen log {}: {error}",
                        path.display()
                    ));
                    None
                }
            })
            .collect();
        Opened {
            paths,
            skims,
            problems,
        }
    }

    /// Appends `entries` to every log; returns what failed, for warnings.
    pub(crate) fn append(&self, entries: &[Entry]) -> Vec<String> {
        self.prepare(entries).commit()
    }

    /// [`Logs::append`] up to the writing, which [`Pending::commit`] does: each log
    /// it appends to stays locked until then.
    pub(crate) fn prepare(&self, entries: &[Entry]) -> Pending {
        let now = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map_or_else(
                |_| jiff::Timestamp::now().to_string(),
                |now| now.to_string(),
            );
        let new_to = |at: usize| match self.known.get(at) {
            Some(Some(known)) => entries.iter().any(|entry| {
                let (kind, index, filename) = entry.key();
                !known.contains(kind, index, filename)
            }),
            _ => true,
        };
        let appends = self.paths.iter().enumerate().filter(|&(at, _)| new_to(at));
        Pending(
            appends
                .map(|(_, path)| prepare(path, entries, &now))
                .collect(),
        )
    }
}

/// The appends [`Logs::prepare`] prepared.
#[derive(Debug)]
pub(crate) struct Pending(Vec<Result<Option<Prepared>, AppendError>>);

impl Pending {
    /// Writes every prepared append; returns what failed, for warnings.
    pub(crate) fn commit(self) -> Vec<String> {
        let written = self.0.into_iter().map(|prepared| match prepared? {
            Some(prepared) => prepared.commit(),
            None => Ok(0),
        });
        written
            .filter_map(Result::err)
            .map(|error| error.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests;
