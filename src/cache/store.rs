//! The cache as files: its size, cleaning it, pruning it to a bound.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use pep508_rs::PackageName;

use super::{entries_dir, entry};

/// Entries not checked with the index for this long are pruned.
pub(crate) const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// The size the cache is pruned down to, unless told.
pub(crate) const DEFAULT_MAX_SIZE: u64 = 512 * 1024 * 1024;
/// How often a run prunes by itself.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// A temporary file this old was left by a run that died.
const STALE_TEMP: Duration = Duration::from_secs(60 * 60);
/// The file whose time says when the cache was last pruned.
const PRUNED_MARK: &str = ".pruned";

/// What is in the cache.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) entries: u64,
    pub(crate) bytes: u64,
}

/// What a prune or clean removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Removed {
    pub(crate) entries: u64,
    pub(crate) bytes: u64,
}

/// The entries and bytes of every file under `root` (a missing cache is empty).
pub(crate) fn usage(root: &Path) -> Usage {
    let mut usage = Usage::default();
    for file in files(root) {
        usage.bytes += file.bytes;
        usage.entries += u64::from(file.is_entry);
    }
    usage
}

/// Removes the whole cache, or with `packages`, their entries on every index.
pub(crate) fn clean(root: &Path, packages: &[PackageName]) -> std::io::Result<Removed> {
    let before = usage(root);
    if packages.is_empty() {
        if root.exists() {
            remove_cache(root)?;
        }
        return Ok(Removed {
            entries: before.entries,
            bytes: before.bytes,
        });
    }
    let mut removed = Removed::default();
    let Ok(indexes) = std::fs::read_dir(entries_dir(root)) else {
        return Ok(removed);
    };
    let prefixes: Vec<String> = packages.iter().map(|p| format!("{p}@")).collect();
    for index in indexes.flatten() {
        let Ok(items) = std::fs::read_dir(index.path()) else {
            continue;
        };
        for item in items.flatten() {
            let name = item.file_name();
            let name = name.to_string_lossy();
            if !prefixes
                .iter()
                .any(|prefix| name.starts_with(prefix.as_str()))
            {
                continue;
            }
            let bytes = item.metadata().map_or(0, |meta| share(&meta));
            std::fs::remove_file(item.path())?;
            removed.entries += 1;
            removed.bytes += bytes;
        }
    }
    Ok(removed)
}

/// Removes the cache directory `root`, refusing one that is not hashlock's (no
/// `CACHEDIR.TAG`, or files that are not entries at its top): a mistyped
/// `--cache-dir` must not delete someone's files.
fn remove_cache(root: &Path) -> std::io::Result<()> {
    let kept = |name: &str| crate::log::CACHE_NAMES.contains(&name);
    let ours = |name: &str| name == "CACHEDIR.TAG" || name == PRUNED_MARK || is_format_dir(name);
    let mut keep = false;
    let mut removed = Vec::new();
    for item in std::fs::read_dir(root)? {
        let item = item?;
        let name = item.file_name().to_string_lossy().into_owned();
        if kept(&name) {
            keep = true;
        } else if ours(&name) {
            removed.push(item.path());
        } else {
            return Err(std::io::Error::other(format!(
                "{} holds `{name}`, which hashlock did not write: not removing it; remove what you mean by hand",
                root.display()
            )));
        }
    }
    if !keep {
        return std::fs::remove_dir_all(root);
    }
    // The first-seen log is history, not a cache: it stays, and so does the folder.
    for path in removed {
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Whether `name` is a folder of entries of some format (`v1`, `v2`...).
fn is_format_dir(name: &str) -> bool {
    name.strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Removes folders of other entry formats, temporary files of runs that died,
/// entries not checked for `max_age`, then the least recently checked entries until
/// the cache holds at most `max_size` bytes.
pub(crate) fn prune(root: &Path, max_age: Duration, max_size: u64) -> std::io::Result<Removed> {
    let mut removed = Removed::default();
    let Ok(top) = std::fs::read_dir(root) else {
        return Ok(removed);
    };
    let current = format!("v{}", entry::FORMAT);
    for item in top.flatten() {
        let name = item.file_name().to_string_lossy().into_owned();
        if is_format_dir(&name) && name != current {
            let gone = usage(&item.path());
            std::fs::remove_dir_all(item.path())?;
            removed.entries += gone.entries;
            removed.bytes += gone.bytes;
        }
    }
    let now = SystemTime::now();
    let age = |file: &CachedFile| now.duration_since(file.modified).unwrap_or_default();
    let mut kept = Vec::new();
    for file in files(&entries_dir(root)) {
        let old_temp = !file.is_entry && age(&file) > STALE_TEMP;
        if old_temp || (file.is_entry && age(&file) > max_age) {
            remove_file(&file, &mut removed);
        } else {
            kept.push(file);
        }
    }
    let mut size: u64 = kept.iter().map(|file| file.bytes).sum();
    // Oldest first.
    kept.sort_by_key(|file| file.modified);
    for file in kept.iter().filter(|file| file.is_entry) {
        if size <= max_size {
            break;
        }
        size -= file.bytes;
        remove_file(file, &mut removed);
    }
    remove_empty_dirs(&entries_dir(root));
    mark_pruned(root);
    Ok(removed)
}

/// Prunes to the defaults when the last prune is a day old. A cache without the
/// mark (a new one: its first run just filled it) is marked, not walked: there is
/// nothing old in it yet, and a cold run should not pay for a walk.
pub(crate) fn prune_if_due(root: &Path) {
    let last = std::fs::metadata(root.join(PRUNED_MARK)).and_then(|m| m.modified());
    match last {
        Err(_) => mark_pruned(root),
        Ok(last) if SystemTime::now().duration_since(last).unwrap_or_default() > PRUNE_EVERY => {
            let _ = prune(root, DEFAULT_MAX_AGE, DEFAULT_MAX_SIZE);
        }
        Ok(_) => {}
    }
}

fn mark_pruned(root: &Path) {
    if root.is_dir() {
        let _ = std::fs::write(root.join(PRUNED_MARK), b"");
    }
}

fn remove_file(file: &CachedFile, removed: &mut Removed) {
    // Another run may have removed or replaced it: either way it is gone.
    if std::fs::remove_file(&file.path).is_ok() {
        removed.bytes += file.bytes;
        removed.entries += u64::from(file.is_entry);
    }
}

/// Removes the empty folders under `dir` (not `dir` itself).
fn remove_empty_dirs(dir: &Path) {
    let Ok(items) = std::fs::read_dir(dir) else {
        return;
    };
    for item in items.flatten() {
        let path = item.path();
        if item.file_type().is_ok_and(|t| t.is_dir()) {
            remove_empty_dirs(&path);
            // Fails, as it should, when the folder is not empty.
            let _ = std::fs::remove_dir(&path);
        }
    }
}

/// A file of the cache.
struct CachedFile {
    path: PathBuf,
    bytes: u64,
    modified: SystemTime,
    /// An entry (`*.json`), not a temporary file or a mark.
    is_entry: bool,
}

/// The bytes a name of a file accounts for: a bundle's names (see
/// [`super::bundle`]) share its size, so that the sizes of all names add up to the
/// bytes on disk, and removing a name counts what it gives back on average.
fn share(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.len() / meta.nlink().max(1)
    }
    #[cfg(not(unix))]
    {
        meta.len()
    }
}

/// Every regular file under `dir`, symbolic links not followed.
fn files(dir: &Path) -> Vec<CachedFile> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(items) = std::fs::read_dir(&dir) else {
            continue;
        };
        for item in items.flatten() {
            let Ok(kind) = item.file_type() else { continue };
            let path = item.path();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let Ok(meta) = item.metadata() else { continue };
                let name = item.file_name();
                let name = name.to_string_lossy();
                found.push(CachedFile {
                    is_entry: name.ends_with(".json") && !name.starts_with('.'),
                    bytes: share(&meta),
                    modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    path,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(root: &Path, relative: &str, bytes: usize, age: Duration) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, vec![b'x'; bytes]).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    #[test]
    fn prune_drops_old_formats_old_entries_then_the_oldest_to_fit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let day = Duration::from_secs(86_400);
        entry(root, "v2/i/six/1.0.json", 10, Duration::ZERO);
        entry(root, "v3/i/six@1.0.json", 100, 40 * day);
        entry(root, "v3/i/six@2.0.json", 100, 3 * day);
        entry(root, "v3/j/attrs@1.0.json", 100, 2 * day);
        entry(root, "v3/j/attrs@2.0.json", 100, Duration::ZERO);
        entry(root, "v3/j/.tmpABC", 7, 2 * day);
        let removed = prune(root, DEFAULT_MAX_AGE, 250).unwrap();
        assert_eq!(removed.entries, 3, "v2's, the 40-day-old, then the oldest");
        assert!(!root.join("v2").exists());
        assert!(!root.join("v3/i").exists(), "emptied folders go");
        assert!(root.join("v3/j/attrs@1.0.json").exists());
        assert!(root.join("v3/j/attrs@2.0.json").exists());
        assert!(!root.join("v3/j/.tmpABC").exists());
        assert_eq!(usage(root).entries, 2);
    }

    /// A bundle's names share its size: the cache's size is the bytes on disk.
    #[cfg(unix)]
    #[test]
    fn linked_names_share_their_file_s_size() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        entry(root, "v3/i/six@1.0.json", 1000, Duration::ZERO);
        for name in ["attrs@1.0.json", "idna@3.0.json", "pip@24.0.json"] {
            std::fs::hard_link(root.join("v3/i/six@1.0.json"), root.join("v3/i").join(name))
                .unwrap();
        }
        let usage = usage(root);
        assert_eq!((usage.entries, usage.bytes), (4, 1000));
    }

    /// A cold run fills a new cache: it marks it and walks nothing (an old entry in
    /// it, which a walk would remove, stays until the next prune is due).
    #[test]
    fn a_new_cache_is_marked_not_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let day = Duration::from_secs(86_400);
        entry(root, "v3/i/six@1.0.json", 10, 40 * day);
        prune_if_due(root);
        assert!(root.join(PRUNED_MARK).exists());
        assert!(root.join("v3/i/six@1.0.json").exists());
    }

    #[test]
    fn clean_keeps_the_first_seen_log() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        entry(&root, "v3/a/six@1.0.json", 10, Duration::ZERO);
        std::fs::write(
            root.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55",
        )
        .unwrap();
        std::fs::write(root.join("first-seen.log"), "history").unwrap();
        std::fs::create_dir(root.join("heads")).unwrap();
        std::fs::write(root.join("heads").join("six"), "head").unwrap();
        assert_eq!(clean(&root, &[]).unwrap().entries, 1);
        assert!(!root.join("v3").exists(), "the answers go");
        assert!(!root.join("CACHEDIR.TAG").exists());
        assert_eq!(
            std::fs::read_to_string(root.join("first-seen.log")).unwrap(),
            "history"
        );
        assert!(
            root.join("heads").join("six").exists(),
            "the log's heads stay"
        );
    }

    #[test]
    fn clean_removes_only_what_hashlock_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        entry(&root, "v3/a/six@1.0.json", 10, Duration::ZERO);
        entry(&root, "v3/b/six@2.0.json", 10, Duration::ZERO);
        entry(&root, "v3/b/attrs@2.0.json", 10, Duration::ZERO);
        entry(&root, "v3/b/six-two@1.0.json", 10, Duration::ZERO);
        let six: PackageName = "six".parse().unwrap();
        let removed = clean(&root, &[six]).unwrap();
        assert_eq!(removed.entries, 2);
        assert_eq!(usage(&root).entries, 2, "attrs and six-two stay");
        std::fs::write(root.join("notes.txt"), "mine").unwrap();
        assert!(
            clean(&root, &[]).is_err(),
            "a folder that is not only ours stays"
        );
        std::fs::remove_file(root.join("notes.txt")).unwrap();
        assert_eq!(clean(&root, &[]).unwrap().entries, 2);
        assert!(!root.exists());
    }
}
