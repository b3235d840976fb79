//! Writing results without ever losing user data: [`write_atomic`] replaces a file so
//! that readers see either the old or the new contents, never a torn mix.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Prefix of the temporary sibling file, so a leftover after a crash is recognisable.
const TEMP_PREFIX: &str = ".hashlock-";

/// Replace the contents of `path` atomically.
///
/// The new contents go to a temporary file in the same directory (a rename is only
/// atomic within one filesystem), are flushed to disk, get the original file's
/// permissions, and are then renamed over the target. If `path` is a symlink the file
/// it points to is replaced, so the link stays a link. On error the target is left as
/// it was and the temporary file is removed.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = resolve_target(path)?;
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let original = fs::metadata(&target).ok();

    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    if original.is_none() {
        use std::os::unix::fs::PermissionsExt;
        // Without an original to copy from, ask for 0o666 so the umask decides,
        // exactly as for a file created by any editor (tempfile's default is 0o600).
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    // Dropping `tmp` on any early return below deletes the temporary file.
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(contents)?;
    if let Some(meta) = &original {
        copy_ownership(tmp.as_file(), meta);
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    // Flush before the rename: otherwise a crash can leave the new name pointing at
    // an empty file, which is worse than either version.
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|err| err.error)?;
    sync_dir(dir);
    Ok(())
}

/// The file that should actually be replaced: the final target of a symlink, since
/// renaming over the link itself would turn it into a regular file.
fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
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
            .filter(|name| name.starts_with(TEMP_PREFIX))
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
    fn failed_rename_leaves_target_and_no_temp_file() {
        // Renaming a file over a directory fails even for root, so this failure path
        // is exercised everywhere.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("occupied");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside.txt"), "keep\n").unwrap();

        assert!(write_atomic(&target, b"new\n").is_err());

        assert!(target.is_dir());
        assert_eq!(
            fs::read_to_string(target.join("inside.txt")).unwrap(),
            "keep\n"
        );
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn unwritable_directory_is_an_error_and_target_untouched() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("locked");
        fs::create_dir(&sub).unwrap();
        let path = sub.join("requirements.txt");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o555)).unwrap();

        // Root (and CAP_DAC_OVERRIDE) ignores directory permissions, so the failure
        // cannot be provoked this way there; `failed_rename_leaves_target_and_no_temp_file`
        // covers the failure path in that case.
        let probe = sub.join("probe");
        let writable = fs::write(&probe, "").is_ok();
        let result = if writable {
            fs::remove_file(&probe).unwrap();
            eprintln!("skipping: directory permissions are not enforced (running as root?)");
            None
        } else {
            Some(write_atomic(&path, b"new\n"))
        };
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();

        if let Some(result) = result {
            assert!(result.is_err());
            assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
            assert!(leftovers(&sub).is_empty());
        }
    }
}
