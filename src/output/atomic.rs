//! Writing results without ever losing user data, all files or none.
//!
//! A write is two steps. [`stage`] checks the target (kind, read-only mode) and writes
//! the new contents to a temporary file beside it, flushed to disk; nothing the user
//! has is touched, and dropping the [`Staged`] removes the temporary file. [`commit`]
//! then puts every staged file in place at once. So a full disk, a read-only file or
//! an unwritable directory on the last of several files stops the run before the
//! first is replaced.
//!
//! How a file is put in place:
//! - **Replace**, the usual case: the temporary file gets the original's permissions
//!   and owner and is renamed over the target, so readers (and a crash) see the old
//!   contents or the new, never a mix. A symlink is followed, so it stays a symlink.
//! - **In place**, for a file with more than one hard link: a rename would give the
//!   name a new inode and cut it off from its other names (link count 2 -> 1), so the
//!   new contents are written into the original inode (write, truncate, fsync). That
//!   is not atomic: a reader may see a mix while it happens, and a power cut or a
//!   SIGKILL in the middle of the write can leave the file torn. What is kept: the
//!   staged copy proves beforehand that the disk has room, a failed write puts the
//!   original contents (read when staging) back, and a signal never stops it halfway.
//! - **Through**, for `-o` onto a character device or a FIFO (`-o /dev/stdout`,
//!   `-o >(cmd)`): a plain write, since renaming over a device node would replace it
//!   with a regular file. Writing to a FIFO waits for a reader, as any write does.

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use super::temp::{self, Temp};
use crate::workspace::Kind;

/// What a write may do.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WriteOptions {
    /// Write read-only files too (`--force`).
    pub force: bool,
    /// Write through to a character device or a FIFO (for `-o`); else they are
    /// refused like any other file that is not a regular file.
    pub through: bool,
}

/// Why a file was not written.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// The target's mode has no write permission for this user (`chmod 444`).
    ReadOnly { path: PathBuf, mode: u32 },
    /// The target is not a file that can be replaced.
    NotAFile { path: PathBuf, kind: Kind },
    /// No file can be created in the target's directory.
    Directory { dir: PathBuf, err: io::Error },
    /// Reading, writing or renaming failed.
    Io { path: PathBuf, err: io::Error },
}

/// New contents checked and written beside their target, waiting for [`commit`].
#[derive(Debug)]
pub(crate) struct Staged<'a> {
    /// The path as the user named it.
    shown: PathBuf,
    /// The file to replace: `shown` with symlinks followed.
    target: PathBuf,
    contents: &'a [u8],
    how: How,
}

#[derive(Debug)]
enum How {
    Replace(Temp),
    /// `original` is the file's contents when staged, to put back if the write fails.
    InPlace {
        temp: Temp,
        original: Vec<u8>,
    },
    Through,
}

/// Checks `path` and writes `contents` to a temporary file beside it (see the module
/// documentation). A missing file is created with the usual `0o666 & !umask`.
pub(crate) fn stage<'a>(
    path: &Path,
    contents: &'a [u8],
    options: WriteOptions,
) -> Result<Staged<'a>, WriteError> {
    let io_error = |err| WriteError::Io {
        path: path.to_path_buf(),
        err,
    };
    let target = resolve_target(path).map_err(io_error)?;
    let original = match fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(io_error(err)),
    };
    let staged = |how| Staged {
        shown: path.to_path_buf(),
        target: target.clone(),
        contents,
        how,
    };
    if let Some(meta) = &original {
        match Kind::of(meta.file_type()) {
            Kind::Regular => {}
            Kind::CharDevice | Kind::Fifo if options.through => return Ok(staged(How::Through)),
            kind => {
                return Err(WriteError::NotAFile {
                    path: path.to_path_buf(),
                    kind,
                });
            }
        }
        if !options.force && read_only(meta) {
            return Err(WriteError::ReadOnly {
                path: path.to_path_buf(),
                mode: mode_of(meta),
            });
        }
    }
    let dir = directory_of(&target);
    let temp = Temp::new_in(&dir, original.is_none().then_some(0o666))
        .map_err(|err| WriteError::Directory { dir, err })?;
    let write = || -> io::Result<()> {
        let mut file = temp.file();
        file.write_all(contents)?;
        if let Some(meta) = &original {
            copy_ownership(file, meta);
            file.set_permissions(meta.permissions())?;
        }
        // On disk before the rename: otherwise a crash can leave the new name on an
        // empty file, which is worse than either version.
        file.sync_all()
    };
    write().map_err(io_error)?;
    match original {
        Some(meta) if links(&meta) > 1 => {
            let original = fs::read(&target).map_err(io_error)?;
            Ok(staged(How::InPlace { temp, original }))
        }
        _ => Ok(staged(How::Replace(temp))),
    }
}

/// Puts every staged file in place. Files written in place go first, since they
/// can still fail (a full disk as the file grows); if one does, every one of them is
/// put back and nothing else is written. Renames come last and are all done while a
/// signal waits. On error, returns it with the files already written (only a rename
/// failing after others, which needs the directory to change under hashlock).
pub(crate) fn commit(staged: Vec<Staged<'_>>) -> Result<(), (WriteError, Vec<PathBuf>)> {
    let mut written: Vec<PathBuf> = Vec::new();
    let mut through = Vec::new();
    {
        let _commit = temp::commit_guard();
        let (in_place, rest): (Vec<_>, Vec<_>) = staged
            .into_iter()
            .partition(|s| matches!(s.how, How::InPlace { .. }));
        let mut done: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        for staged in in_place {
            let How::InPlace { temp, original } = staged.how else {
                continue;
            };
            // The staged copy has done its job (the disk had room); free that room.
            drop(temp);
            if let Err(err) = write_in_place(&staged.target, staged.contents, &original) {
                for (target, original) in &done {
                    let _ = write_in_place(target, original, original);
                }
                let path = staged.shown;
                return Err((WriteError::Io { path, err }, Vec::new()));
            }
            done.push((staged.target, original));
            written.push(staged.shown);
        }
        let mut dirs = BTreeSet::new();
        for staged in rest {
            match staged.how {
                How::Replace(temp) => {
                    if let Err(err) = temp.persist(&staged.target) {
                        let path = staged.shown;
                        return Err((WriteError::Io { path, err }, written));
                    }
                    dirs.insert(directory_of(&staged.target));
                    written.push(staged.shown);
                }
                How::Through => through.push(staged),
                How::InPlace { .. } => {}
            }
        }
        for dir in dirs {
            sync_dir(&dir);
        }
        temp::committed();
    }
    // Outside the lock: a FIFO may wait for its reader, and a signal must not wait.
    for staged in through {
        write_through(&staged.target, staged.contents).map_err(|err| {
            let path = staged.shown.clone();
            (WriteError::Io { path, err }, written.clone())
        })?;
        written.push(staged.shown);
    }
    Ok(())
}

/// `stage` then `commit` for one file.
#[cfg(test)]
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let staged = stage(path, contents, WriteOptions::default())?;
    commit(vec![staged]).map_err(|(err, _)| err)
}

/// The directory `path` is written in, symlinks followed (`.` when unknown).
pub(crate) fn target_dir(path: &Path) -> PathBuf {
    directory_of(&resolve_target(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Writes `contents` over the file's own inode; on failure, writes `original` back.
fn write_in_place(target: &Path, contents: &[u8], original: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(target)?;
    let result = overwrite(&mut file, contents);
    if result.is_err() {
        // It fits: the file held it before.
        let _ = overwrite(&mut file, original);
    }
    result
}

fn overwrite(file: &mut fs::File, bytes: &[u8]) -> io::Result<()> {
    file.seek(SeekFrom::Start(0))?;
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)?;
    file.sync_all()
}

/// A plain write to a device or a FIFO: no create, no truncate, no rename.
fn write_through(target: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(target)?;
    file.write_all(contents)?;
    file.flush()
}

/// The file that should actually be written: the final target of a symlink, since
/// renaming over the link itself would turn it into a regular file.
fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether the mode says this user may not write the file. The mode bits, not
/// `access()`: root may write anything, but a file nobody may write (`chmod 444`)
/// says "do not change me" to root too. Otherwise the bit of the user's class counts
/// (owner, group, others), as the kernel checks it on `open`, which a rename skips.
#[cfg(unix)]
fn read_only(meta: &fs::Metadata) -> bool {
    use rustix::process::{Gid, Uid, getegid, geteuid, getgroups};
    use std::os::unix::fs::MetadataExt;
    let mode = meta.mode();
    if mode & 0o222 == 0 {
        return true;
    }
    let euid = geteuid();
    if euid.is_root() {
        return false;
    }
    let in_group = |gid: u32| {
        let gid = Gid::from_raw(gid);
        getegid() == gid || getgroups().is_ok_and(|groups| groups.contains(&gid))
    };
    let bit = if Uid::from_raw(meta.uid()) == euid {
        0o200
    } else if in_group(meta.gid()) {
        0o020
    } else {
        0o002
    };
    mode & bit == 0
}

#[cfg(not(unix))]
fn read_only(meta: &fs::Metadata) -> bool {
    meta.permissions().readonly()
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_meta: &fs::Metadata) -> u32 {
    0o444
}

#[cfg(unix)]
fn links(meta: &fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn links(_meta: &fs::Metadata) -> u64 {
    1
}

/// Best effort: keep the owner and group when run with enough privilege (e.g. root
/// editing someone else's file); an unprivileged user simply keeps their own.
#[cfg(unix)]
fn copy_ownership(file: &fs::File, original: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let _ = std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()));
}

#[cfg(not(unix))]
fn copy_ownership(_file: &fs::File, _original: &fs::Metadata) {}

/// Best effort: the rename only survives a power cut once the directory entry is on
/// disk, but by now the write has succeeded and either version is complete, so a
/// failure here is not worth turning into an error.
#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".hashlock"))
            .collect()
    }

    #[test]
    fn replaces_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requirements.txt");
        fs::write(&path, "old\n").unwrap();
        write_atomic(&path, b"new contents\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new contents\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn creates_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.txt");
        write_atomic(&path, b"fresh\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "fresh\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requirements.txt");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"new\n").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o640);
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
    }

    #[cfg(unix)]
    #[test]
    fn new_file_follows_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.txt");
        write_atomic(&path, b"x\n").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        // The umask is only readable without libc through /proc (Linux); elsewhere
        // check what holds for any sane umask.
        let umask = fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|l| l.starts_with("Umask:"))?;
                u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
            });
        match umask {
            Some(umask) => assert_eq!(mode, 0o666 & !umask, "umask {umask:o}"),
            None => assert_eq!(mode & 0o711, 0o600),
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlink_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("requirements.txt");
        fs::write(&real, "old\n").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("real/requirements.txt", &link).unwrap();

        write_atomic(&link, b"new\n").unwrap();

        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::read_link(&link).unwrap(),
            Path::new("real/requirements.txt")
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new\n");
        assert!(leftovers(dir.path()).is_empty());
        assert!(leftovers(&real_dir).is_empty());
    }

    #[test]
    fn a_directory_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("occupied");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside.txt"), "keep\n").unwrap();

        let err = write_atomic(&target, b"new\n").unwrap_err();

        assert!(
            matches!(
                err,
                WriteError::NotAFile {
                    kind: Kind::Directory,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            fs::read_to_string(target.join("inside.txt")).unwrap(),
            "keep\n"
        );
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_stage_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a.txt");
        fs::write(&first, "a\n").unwrap();
        let staged = stage(&first, b"A\n", WriteOptions::default()).unwrap();
        assert_eq!(leftovers(dir.path()).len(), 1);
        // The second target is a directory: the run stops, dropping the first.
        assert!(stage(dir.path(), b"x", WriteOptions::default()).is_err());
        drop(staged);
        assert_eq!(fs::read_to_string(&first).unwrap(), "a\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn hard_links_stay_linked() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requirements.txt");
        let other = dir.path().join("linked.txt");
        fs::write(&path, "old\n").unwrap();
        fs::hard_link(&path, &other).unwrap();

        write_atomic(&path, b"new, and longer than before\n").unwrap();

        assert_eq!(fs::metadata(&path).unwrap().nlink(), 2);
        assert_eq!(
            fs::read_to_string(&other).unwrap(),
            "new, and longer than before\n"
        );
        write_atomic(&path, b"short\n").unwrap();
        assert_eq!(fs::read_to_string(&other).unwrap(), "short\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn read_only_files_are_refused_unless_forced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requirements.txt");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();

        let err = write_atomic(&path, b"new\n").unwrap_err();
        assert!(
            matches!(err, WriteError::ReadOnly { mode: 0o444, .. }),
            "{err:?}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");

        let force = WriteOptions {
            force: true,
            through: false,
        };
        commit(vec![stage(&path, b"new\n", force).unwrap()]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o444);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_through_only_when_asked() {
        let null = Path::new("/dev/null");
        let err = write_atomic(null, b"x").unwrap_err();
        assert!(
            matches!(
                err,
                WriteError::NotAFile {
                    kind: Kind::CharDevice,
                    ..
                }
            ),
            "{err:?}"
        );
        let through = WriteOptions {
            force: false,
            through: true,
        };
        commit(vec![stage(null, b"x", through).unwrap()]).unwrap();
        assert!(
            fs::metadata(null)
                .map(|meta| Kind::of(meta.file_type()) == Kind::CharDevice)
                .unwrap()
        );
    }
}
