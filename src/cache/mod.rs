//! The on-disk cache of index answers: what each index said about each pin, so that
//! a run whose answers are all fresh asks nothing (not even DNS), and `--offline`
//! runs from it alone.
//!
//! Where: `--cache-dir`, else `HASHLOCK_CACHE_DIR`, else `hashlock/` in the
//! platform's cache directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux,
//! `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows).
//!
//! Layout: `v3/<index>/<project>@<version>.json`, one [`Entry`] per pin and index,
//! and `v3/metadata/<sha256>.json`, the metadata headers of a file. `v3` is the
//! entry format ([`entry::FORMAT`]): another format lives in another folder, so a
//! hashlock of another format never misreads an entry (and `prune` removes folders
//! of other formats). `<index>` is the index's host and a hash of its URL and
//! protocol (an index URL can hold a token: it is never written). One folder per
//! index, not one per project: a cold run of 200 pins made 200 folders, and a
//! folder costs a file system far more than a file (ext4 spreads new folders over
//! its block groups, and searched them for 0.4 ms each, a fifth of the run's CPU).
//! A normalized project name has no `@`, so the name ends at the first one. The
//! answers of a run are written at its end, many as one file under many names
//! ([`bundle`]).
//!
//! Concurrent runs are safe without locks: an entry is written to a temporary file
//! beside it and renamed over it (atomic on one file system), so a reader sees the
//! old entry or the new one, never half of one; two runs writing the same entry
//! both write a true answer, and the last rename wins. Nothing is held across
//! network I/O. A cache that cannot be read or written never fails a run: a broken
//! entry is a miss, and a failed write is reported once.
//!
//! Bounded: `hashlock cache prune` removes entries unchecked for 30 days and then
//! the least recently checked ones until the cache fits its size limit (512 MiB
//! unless told), and runs by itself at most once a day after a run that wrote.
//! How long an answer is used without asking is [`freshness`]'s policy.

mod bundle;
pub(crate) mod entry;
pub(crate) mod freshness;
pub(crate) mod store;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, Ordering};

use pep508_rs::PackageName;
use sha2::{Digest as _, Sha256};

pub(crate) use entry::{Answer, Entry, Source};

use crate::index::Protocol;
use crate::pin::Pin;

/// What to refresh: answers revalidated with the index even when fresh.
#[derive(Debug, Clone, Default)]
pub(crate) enum Refresh {
    #[default]
    Nothing,
    Everything,
    Packages(HashSet<PackageName>),
}

/// The cache of a run.
#[derive(Debug)]
pub(crate) struct Cache {
    /// The cache directory (the one `hashlock cache dir` prints).
    root: PathBuf,
    /// `--offline`: answers come from here alone.
    offline: bool,
    refresh: Refresh,
    /// Whether a failed write was reported (once per run is enough).
    warned: AtomicBool,
    /// Whether this run wrote an entry (then a daily prune may be due).
    wrote: AtomicBool,
}

impl Cache {
    /// The cache at `root` (see [`location`]).
    pub(crate) fn new(root: PathBuf, offline: bool, refresh: Refresh) -> Cache {
        Cache {
            root,
            offline,
            refresh,
            warned: AtomicBool::new(false),
            wrote: AtomicBool::new(false),
        }
    }

    /// The folder of entries of this format.
    fn entries(&self) -> PathBuf {
        entries_dir(&self.root)
    }

    /// The part of the cache that holds `index`'s answers (`shown`: its URL without
    /// credentials).
    pub(crate) fn index(self: &Arc<Self>, shown: &str, protocol: Protocol) -> IndexCache {
        IndexCache {
            dir: self.entries().join(index_key(shown, protocol)),
            cache: Arc::clone(self),
        }
    }

    /// The metadata headers stored for the distribution file whose sha256 is
    /// `digest`. A file's bytes never change, so neither does what they declare:
    /// kept until pruned, whichever index served it.
    pub(crate) fn read_metadata(&self, digest: &crate::digest::Sha256) -> Option<String> {
        let bytes = std::fs::read(self.metadata_path(digest)).ok()?;
        let stored: StoredMetadata = serde_json::from_slice(&bytes).ok()?;
        (stored.sha256 == digest.to_string()).then_some(stored.metadata)
    }

    /// Stores the metadata headers of the file whose sha256 is `digest` (the body,
    /// a long description, is dropped: nothing reads it).
    pub(crate) fn write_metadata(self: &Arc<Self>, digest: &crate::digest::Sha256, text: &str) {
        let headers = text
            .split_once("\n\n")
            .or_else(|| text.split_once("\r\n\r\n"))
            .map_or(text, |(headers, _)| headers);
        let stored = StoredMetadata {
            sha256: digest.to_string(),
            metadata: headers.to_owned(),
        };
        let Ok(bytes) = serde_json::to_vec(&stored) else {
            return;
        };
        self.store(self.metadata_path(digest), bytes);
    }

    /// `metadata/<64 hex>.json`.
    fn metadata_path(&self, digest: &crate::digest::Sha256) -> PathBuf {
        self.entries()
            .join("metadata")
            .join(format!("{digest}.json"))
    }

    /// Writes `bytes` to `path` atomically, off the async workers when there are
    /// some: a slow disk must not hold up the requests in flight (the runtime waits
    /// for the write before the process ends; a run killed meanwhile loses the entry,
    /// never half of it).
    fn store(self: &Arc<Self>, path: PathBuf, bytes: Vec<u8>) {
        let cache = Arc::clone(self);
        let write = move || cache.write_now(&path, &bytes);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let task = runtime.spawn_blocking(write);
                PENDING
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(task);
            }
            Err(_) => write(),
        }
    }

    /// Writes `bytes` to `path` atomically, now; a failure is reported once a run.
    fn write_now(&self, path: &Path, bytes: &[u8]) {
        match write_atomically(&self.root, path, bytes) {
            Ok(()) => self.wrote.store(true, Ordering::Relaxed),
            Err(error) if !self.warned.swap(true, Ordering::Relaxed) => {
                crate::report::warn(&format!(
                    "cannot write the cache in {}: {error}; going on without storing answers",
                    self.root.display()
                ));
            }
            Err(_) => {}
        }
    }

    /// Writes the entries of one index folder, `dir`: as a bundle when there are
    /// many (see [`bundle`]), else (or when the bundle fails) one file each.
    fn write_entries(&self, dir: &Path, entries: &[(PathBuf, Vec<u8>)]) {
        if entries.len() >= bundle::MIN_ENTRIES {
            // Not a bundle: one file each, below, says what is wrong if it is.
            let written = create_folder(&self.root, dir).and_then(|()| bundle::write(dir, entries));
            if written.is_ok() {
                self.wrote.store(true, Ordering::Relaxed);
                return;
            }
        }
        for (path, bytes) in entries {
            self.write_now(path, bytes);
        }
    }

    /// Prunes to the default bound if this run wrote and no prune ran for a day.
    pub(crate) fn maybe_prune(&self) {
        if self.wrote.load(Ordering::Relaxed) {
            store::prune_if_due(&self.root);
        }
    }
}

impl Drop for Cache {
    /// The end of a run (every index client holding the cache is gone): the moment
    /// for the daily prune, if one is due.
    fn drop(&mut self) {
        self.maybe_prune();
    }
}

/// The cache directory: `explicit` (`--cache-dir` or `HASHLOCK_CACHE_DIR`), else
/// `hashlock` in the platform's cache directory; `None` when there is none (no home).
pub(crate) fn location(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(dir) => Some(std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned())),
        // `HASHLOCK_CACHE_DIR` is the flag's; then the configuration file's.
        None => crate::log::cache_dir(),
    }
}

/// The folder of entries of the current format under `root`.
pub(crate) fn entries_dir(root: &Path) -> PathBuf {
    root.join(format!("v{}", entry::FORMAT))
}

/// The cache writes still running (see [`Cache::store`]).
static PENDING: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>> =
    std::sync::Mutex::new(Vec::new());

/// Answers stored during a run, written together by [`flush`] (see [`bundle`]).
static BATCH: std::sync::Mutex<Vec<Batched>> = std::sync::Mutex::new(Vec::new());

/// Entry files and their bytes.
type Entries = Vec<(PathBuf, Vec<u8>)>;

/// An answer waiting in [`BATCH`].
struct Batched {
    cache: Arc<Cache>,
    path: PathBuf,
    bytes: Vec<u8>,
}

/// Writes the batched answers, off the async workers: a bundle per index folder.
async fn write_batch() {
    let batch = std::mem::take(&mut *BATCH.lock().unwrap_or_else(PoisonError::into_inner));
    let mut folders: Vec<(Arc<Cache>, PathBuf, Entries)> = Vec::new();
    for Batched { cache, path, bytes } in batch {
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        match folders
            .iter_mut()
            .find(|(c, d, _)| Arc::ptr_eq(c, &cache) && *d == dir)
        {
            Some((_, _, entries)) => entries.push((path, bytes)),
            None => folders.push((cache, dir, vec![(path, bytes)])),
        }
    }
    let writes = folders.into_iter().map(|(cache, dir, mut entries)| {
        // The last answer stored for a pin wins, as it would on disk.
        entries.reverse();
        let mut seen = HashSet::new();
        entries.retain(|(path, _)| seen.insert(path.clone()));
        tokio::task::spawn_blocking(move || cache.write_entries(&dir, &entries))
    });
    for write in writes.collect::<Vec<_>>() {
        let _ = write.await;
    }
}

/// Starts writing the answers stored so far, while the run goes on: a cold `lock`
/// of 199 pins wrote its 1.5 MB bundle in the 5 ms after it had written the
/// requirements file. [`flush`] waits for it.
pub(crate) fn write_stored() {
    if BATCH
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_empty()
    {
        return;
    }
    let task = tokio::spawn(write_batch());
    PENDING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(task);
}

/// Waits for every cache write the run started: the end of a command, before the
/// runtime is shut down without waiting for what else may still run (a DNS lookup
/// stuck in the system resolver must not keep a finished run alive).
pub(crate) async fn flush() {
    write_batch().await;
    loop {
        let pending: Vec<_> = std::mem::take(
            &mut *PENDING
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if pending.is_empty() {
            return;
        }
        for task in pending {
            let _ = task.await;
        }
    }
}

/// A distribution file's metadata headers, by its sha256.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredMetadata {
    sha256: String,
    metadata: String,
}

/// What was learned about an index itself, in `.index.json` in its folder (not an
/// entry: `cache size` does not count it, and a prune drops it after an hour).
#[derive(serde::Serialize, serde::Deserialize)]
struct IndexFacts {
    /// When a run last found that the index serves no per-version JSON endpoint
    /// (`/pypi/<project>/<version>/json` answered 404 for a version its listing has).
    #[serde(rename = "version-endpoint-missing")]
    version_endpoint_missing: Option<u64>,
}

/// The file of [`IndexFacts`].
const FACTS: &str = ".index.json";

/// How long a fact about an index is trusted, in seconds: a day. Relearning it
/// costs one request; trusting it too long, a day of not using an endpoint that
/// came back.
const FACT_LIFETIME: u64 = 24 * 60 * 60;

/// One index's part of the cache.
#[derive(Debug, Clone)]
pub(crate) struct IndexCache {
    cache: Arc<Cache>,
    dir: PathBuf,
}

impl IndexCache {
    /// Whether the run may not ask the index at all.
    pub(crate) fn offline(&self) -> bool {
        self.cache.offline
    }

    /// Whether `name`'s answers must be revalidated even when fresh.
    pub(crate) fn refreshes(&self, name: &PackageName) -> bool {
        match &self.cache.refresh {
            Refresh::Nothing => false,
            Refresh::Everything => true,
            Refresh::Packages(names) => names.contains(name),
        }
    }

    /// Whether a run in the last day found that the index serves no per-version
    /// JSON endpoint (bandersnatch mirrors, some proxies): then this run asks its
    /// listings at once instead of first asking for a 404. Not under `--refresh`.
    pub(crate) fn version_endpoint_missing(&self, now: u64) -> bool {
        if matches!(self.cache.refresh, Refresh::Everything) {
            return false;
        }
        let Ok(bytes) = std::fs::read(self.dir.join(FACTS)) else {
            return false;
        };
        let facts: Option<IndexFacts> = serde_json::from_slice(&bytes).ok();
        let seen = facts.and_then(|facts| facts.version_endpoint_missing);
        seen.is_some_and(|seen| seen <= now && now - seen < FACT_LIFETIME)
    }

    /// Stores that the index serves no per-version JSON endpoint, as of `now`.
    pub(crate) fn remember_version_endpoint_missing(&self, now: u64) {
        let facts = IndexFacts {
            version_endpoint_missing: Some(now),
        };
        if let Ok(bytes) = serde_json::to_vec(&facts) {
            self.cache.store(self.dir.join(FACTS), bytes);
        }
    }

    /// The stored answer about `pin`, if any (fresh or not).
    pub(crate) fn read(&self, pin: &Pin) -> Option<Entry> {
        self.read_many(&[pin]).pop().flatten()
    }

    /// Stores `entry` as the answer about `pin`, atomically: at the end of the run
    /// with the run's other answers ([`flush`]), or now outside a runtime.
    pub(crate) fn write(&self, pin: &Pin, entry: &Entry) {
        let (path, bytes) = (self.path(pin), entry.encode());
        if tokio::runtime::Handle::try_current().is_err() {
            self.cache.write_now(&path, &bytes);
            return;
        }
        let batched = Batched {
            cache: Arc::clone(&self.cache),
            path,
            bytes,
        };
        BATCH
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(batched);
    }

    /// The stored answers about `pins`, in order, each file read once (a bundle
    /// holds many).
    pub(crate) fn read_many(&self, pins: &[&Pin]) -> Vec<Option<Entry>> {
        let paths: Vec<PathBuf> = pins.iter().map(|pin| self.path(pin)).collect();
        let mut found = bundle::read_many(&paths);
        (0..pins.len())
            .map(|at| Entry::decode(&found.remove(&at)?))
            .collect()
    }

    /// `<index>/<project>@<version>.json`.
    fn path(&self, pin: &Pin) -> PathBuf {
        self.dir
            .join(format!("{}@{}.json", pin.name, version_key(pin)))
    }
}

/// The folder name of an index: its host (to find it by eye) and a hash of its URL
/// and protocol (to tell two indexes of one host apart, and to write no token).
fn index_key(shown: &str, protocol: Protocol) -> String {
    let host = reqwest::Url::parse(shown)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default();
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .take(64)
        .collect();
    let protocol = match protocol {
        Protocol::JsonApi => "json",
        Protocol::Simple => "simple",
    };
    let digest = Sha256::digest(format!("{protocol} {shown}").as_bytes());
    format!("{host}-{}", &hex::encode(digest)[..16])
}

/// A file name for the pin's version: PEP 440's normalized form (letters, digits,
/// `.`, `+`, `!`, `-`, `_`) for `==`; for `===`, `===` and the text with every other
/// byte percent-encoded.
fn version_key(pin: &Pin) -> String {
    match &pin.arbitrary {
        None => pin.version.to_string(),
        Some(text) => {
            let mut key = String::from("===");
            for byte in text.bytes() {
                if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'+') {
                    key.push(char::from(byte));
                } else {
                    key.push_str(&format!("%{byte:02X}"));
                }
            }
            key
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in its folder renamed over it,
/// creating the cache (`root`, private to the user, tagged for backup tools) and
/// folders as needed.
fn write_atomically(root: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let Some(dir) = path.parent() else {
        return Err(std::io::Error::other("an entry has no folder"));
    };
    create_folder(root, dir)?;
    let mut temp = tempfile::Builder::new().prefix(".tmp").tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Creates `dir`, a folder of the cache at `root`, and the cache, if missing.
fn create_folder(root: &Path, dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    create_root(root)?;
    std::fs::create_dir_all(dir)
}

/// Creates the cache directory if missing: readable by its owner only (answers from
/// a private index are the user's business), with a `CACHEDIR.TAG`.
pub(crate) fn create_root(root: &Path) -> std::io::Result<()> {
    if root.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(root)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))?;
    }
    let tag = "Signature: 8a477f597d28d172789f06886806bc55\n\
               # This file is a cache directory tag created by hashlock.\n\
               # For information about cache directory tags, see https://bford.info/cachedir/\n";
    std::fs::write(root.join("CACHEDIR.TAG"), tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(text: &str) -> Pin {
        let (name, version) = text.split_once("==").unwrap();
        let arbitrary = version.strip_prefix('=').map(str::to_owned);
        Pin {
            name: name.parse().unwrap(),
            version: arbitrary
                .as_deref()
                .unwrap_or(version)
                .parse()
                .unwrap_or_else(|_| "0".parse().unwrap()),
            arbitrary,
        }
    }

    #[test]
    fn keys_are_file_names() {
        assert_eq!(version_key(&pin("demo==1.0.post1")), "1.0.post1");
        assert_eq!(version_key(&pin("demo==1!2.0+local.7")), "1!2.0+local.7");
        assert_eq!(
            version_key(&pin("demo===1.0/../x y")),
            "===1.0%2F..%2Fx%20y"
        );
        let a = index_key("https://pypi.org", Protocol::JsonApi);
        let b = index_key("https://pypi.org", Protocol::Simple);
        let c = index_key("https://user@pypi.org/private/simple", Protocol::Simple);
        assert!(
            a.starts_with("pypi.org-") && a != b && b != c,
            "{a} {b} {c}"
        );
        assert!(!c.contains("user"));
    }

    #[test]
    fn entries_are_written_whole_where_the_pin_says() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        let cache = Arc::new(Cache::new(root.clone(), false, Refresh::Nothing));
        let index = cache.index("https://pypi.org", Protocol::JsonApi);
        let entry = Entry {
            answer: Answer::PackageNotFound,
            checked: 1,
            fresh_until: 2,
            source: None,
        };
        let six = pin("six==1.16.0");
        assert!(index.read(&six).is_none());
        index.write(&six, &entry);
        assert!(matches!(
            index.read(&six).unwrap().answer,
            Answer::PackageNotFound
        ));
        assert!(root.join("CACHEDIR.TAG").is_file());
        let files: Vec<_> = walk(&root);
        assert_eq!(
            files.len(),
            2,
            "the tag and one entry, no temp file: {files:?}"
        );
        assert!(
            files.iter().any(|f| f.ends_with("six@1.16.0.json")),
            "{files:?}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&root).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
        found
    }
}
