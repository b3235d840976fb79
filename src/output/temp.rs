//! hashlock's temporary files: their name, the list of those that exist right now
//! (which the signal handler removes before exiting), and the removal of those a
//! killed run left behind.
//!
//! A temporary file is named `.hashlock-tmp-<pid>-<8 random letters and digits>`,
//! in the directory of the file it will replace. Only hashlock writes that name, and
//! the pid says which run did: a later run removes such a file when it is older than
//! the run and its pid is gone (SIGKILL and power cuts cannot be handled, so
//! this is where their leftovers go).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use tempfile::NamedTempFile;

const PREFIX: &str = ".hashlock-tmp-";
const RANDOM_LEN: usize = 8;

/// When this process started (close enough: when it first asked), to tell a
/// leftover of an earlier run from a file this run is writing.
static STARTED: LazyLock<SystemTime> = LazyLock::new(SystemTime::now);

/// The temporary files that exist right now.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Held while files are being replaced, so that a signal waits for the last rename
/// instead of stopping between two (see [`stop_all`]).
static COMMIT: Mutex<()> = Mutex::new(());

/// Whether this run has replaced files (for what an interrupted run says).
static COMMITTED: AtomicBool = AtomicBool::new(false);

/// Notes the time the run started; call it first thing.
pub(crate) fn mark_start() {
    LazyLock::force(&STARTED);
}

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Held by whoever replaces files; see [`COMMIT`].
pub(crate) fn commit_guard() -> MutexGuard<'static, ()> {
    COMMIT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Notes that files were replaced (called under [`commit_guard`]).
pub(crate) fn committed() {
    COMMITTED.store(true, Ordering::SeqCst);
}

/// Whether files were replaced: after [`stop_all`], no more will be.
pub(crate) fn any_committed() -> bool {
    COMMITTED.load(Ordering::SeqCst)
}

/// Waits for a commit in progress to end, removes every temporary file, and keeps
/// both locks so that no new one is created or renamed: the caller then exits.
pub(crate) fn stop_all() {
    let commit = commit_guard();
    let mut pending = pending();
    for path in pending.drain(..) {
        let _ = fs::remove_file(path);
    }
    std::mem::forget(commit);
    std::mem::forget(pending);
}

/// A temporary file, removed when dropped unless persisted.
#[derive(Debug)]
pub(crate) struct Temp {
    file: Option<NamedTempFile>,
    path: PathBuf,
}

impl Temp {
    /// A new empty temporary file in `dir`; `mode` for a file that replaces none (the
    /// umask applies), else it is private until the caller copies the original's.
    pub(crate) fn new_in(dir: &Path, mode: Option<u32>) -> io::Result<Temp> {
        let mut builder = tempfile::Builder::new();
        let prefix = format!("{PREFIX}{}-", std::process::id());
        builder.prefix(&prefix).rand_bytes(RANDOM_LEN);
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(mode));
        }
        #[cfg(not(unix))]
        let _ = mode;
        // Create and list it under one lock: a signal then finds it or finds none.
        let mut pending = pending();
        let file = builder.tempfile_in(dir)?;
        let path = file.path().to_path_buf();
        pending.push(path.clone());
        Ok(Temp {
            file: Some(file),
            path,
        })
    }

    pub(crate) fn file(&self) -> &File {
        self.file
            .as_ref()
            .expect("a Temp holds its file until persisted")
            .as_file()
    }

    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames it to `target` (same directory, so atomic).
    pub(crate) fn persist(mut self, target: &Path) -> io::Result<()> {
        let file = self.file.take().expect("persisted once");
        match file.persist(target) {
            Ok(_) => Ok(()),
            Err(err) => {
                self.file = Some(err.file);
                Err(err.error)
            }
        }
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        // Unlisted first: a signal in between then leaves the file to the next run's
        // cleanup rather than to nobody. `NamedTempFile`'s own drop removes it.
        let mut pending = pending();
        pending.retain(|path| *path != self.path);
        drop(pending);
        drop(self.file.take());
    }
}

/// Removes the temporary files an earlier run left in `dir`: hashlock's name,
/// modified before this run started, and (on Unix) written by a process that is
/// gone. Returns those removed. Best effort: a directory that cannot be listed is
/// simply skipped.
pub(crate) fn remove_stale(dir: &Path) -> Vec<PathBuf> {
    remove_stale_before(dir, *STARTED)
}

fn remove_stale_before(dir: &Path, started: SystemTime) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(writer_pid) else {
            continue;
        };
        if pending().contains(&entry.path()) {
            continue;
        }
        // `DirEntry::metadata` does not follow symlinks: only a plain file is ours.
        let Ok(meta) = entry.metadata() else { continue };
        let older = meta.modified().is_ok_and(|modified| modified < started);
        if meta.is_file() && older && !alive(pid) && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

/// The pid in a name of hashlock's temporary files, or `None` for any other name.
fn writer_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (pid, random) = rest.split_once('-')?;
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    let random_ok = random.len() == RANDOM_LEN && random.bytes().all(|b| b.is_ascii_alphanumeric());
    if digits && random_ok {
        pid.parse().ok()
    } else {
        None
    }
}

/// Whether process `pid` may still be writing its file. This process is not (a
/// file older than it came from an earlier process that had the same pid).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    // Only "no such process" means gone; a process of another user (EPERM) lives.
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn names_are_recognised_and_nothing_else() {
        let temp = Temp::new_in(&std::env::temp_dir(), None).unwrap();
        let name = temp
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(writer_pid(&name), Some(std::process::id()), "{name}");
        for other in [
            ".hashlock-Ab3dE6",
            ".hashlock-tmp-12-short",
            ".hashlock-tmp--Abcd1234",
            ".hashlock-tmp-12-Abcd1234.txt",
            ".hashlock-tmp-x2-Abcd1234",
            "requirements.txt",
        ] {
            assert_eq!(writer_pid(other), None, "{other}");
        }
    }

    #[test]
    fn drop_removes_and_unlists() {
        let dir = tempfile::tempdir().unwrap();
        let temp = Temp::new_in(dir.path(), None).unwrap();
        let path = temp.path().to_path_buf();
        assert!(pending().contains(&path));
        drop(temp);
        assert!(!path.exists());
        assert!(!pending().contains(&path));
    }

    #[test]
    fn removes_only_stale_files_of_dead_writers() {
        let dir = tempfile::tempdir().unwrap();
        // i32::MAX is above any pid_max: that writer is gone. pid 1 is always there.
        let dead = format!("{PREFIX}{}-Abcd1234", i32::MAX);
        fs::write(dir.path().join(&dead), "half a file").unwrap();
        let live = format!("{PREFIX}1-Abcd1234");
        fs::write(dir.path().join(&live), "init's, say").unwrap();
        fs::write(dir.path().join(".hashlock-tmp-notes.txt"), "mine").unwrap();
        fs::write(dir.path().join("requirements.txt"), "six\n").unwrap();

        // Nothing is older than a run that started a while ago.
        let long_ago = SystemTime::now() - Duration::from_secs(3600);
        assert!(remove_stale_before(dir.path(), long_ago).is_empty());

        let later = SystemTime::now() + Duration::from_secs(60);
        let removed = remove_stale_before(dir.path(), later);
        assert_eq!(removed, [dir.path().join(&dead)]);
        assert_eq!(
            names(dir.path()),
            [
                ".hashlock-tmp-1-Abcd1234",
                ".hashlock-tmp-notes.txt",
                "requirements.txt"
            ]
        );
    }

    #[test]
    fn a_live_temp_file_of_this_run_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let temp = Temp::new_in(dir.path(), None).unwrap();
        // Started before the file was made: it is this run's, not a leftover.
        let started = SystemTime::now() - Duration::from_secs(60);
        assert!(remove_stale_before(dir.path(), started).is_empty());
        assert!(temp.path().exists());
    }
}
