//! Reading a file the user named, and the wording of why it cannot be read.
//!
//! A requirements file is read only if it is a regular file of at most
//! [`MAX_REQUIREMENTS_SIZE`]: opening a FIFO blocks until someone writes to it, and
//! `/dev/zero` or `/dev/urandom` never end, so either would hang the run or grow its
//! memory without bound. The path is `stat`ed before it is opened, and the opened
//! handle is checked again before a byte is read (the path may have been replaced in
//! between); the read itself stops at the cap even if the file grows meanwhile. No
//! `O_NONBLOCK`: a regular file never needs it, and anything else is refused before
//! it is opened. (The one window left is a regular file replaced by a FIFO between
//! the `stat` and the `open`, which only someone racing hashlock on purpose can hit;
//! the check on the handle still refuses to read it once a writer comes.)

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use crate::report::counted;

/// The most a requirements file may hold. pip-compile's output for a large monorepo,
/// every wheel of every pin hashed, is a few MiB; 64 MiB leaves ample room and still
/// bounds what a wrong path (a disk image, a log) can make hashlock read.
pub(crate) const MAX_REQUIREMENTS_SIZE: u64 = 64 * 1024 * 1024;

/// What a path names, as `stat` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Regular,
    Directory,
    Fifo,
    CharDevice,
    BlockDevice,
    Socket,
    Other,
}

impl Kind {
    pub(crate) fn of(file_type: fs::FileType) -> Kind {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                return Kind::Fifo;
            }
            if file_type.is_char_device() {
                return Kind::CharDevice;
            }
            if file_type.is_block_device() {
                return Kind::BlockDevice;
            }
            if file_type.is_socket() {
                return Kind::Socket;
            }
        }
        if file_type.is_file() {
            Kind::Regular
        } else if file_type.is_dir() {
            Kind::Directory
        } else {
            Kind::Other
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Regular => "a regular file",
            Kind::Directory => "a directory",
            Kind::Fifo => "a FIFO (named pipe)",
            Kind::CharDevice => "a character device",
            Kind::BlockDevice => "a block device",
            Kind::Socket => "a socket",
            Kind::Other => "an unknown kind of file",
        })
    }
}

/// Why a path was not read.
#[derive(Debug)]
pub(crate) enum Unreadable {
    Io(io::Error),
    /// It names something that is not to be read as a file.
    Kind(Kind),
    /// A regular file larger than [`MAX_REQUIREMENTS_SIZE`]: its size, or as much of
    /// it as was read.
    TooLarge(u64),
}

impl Unreadable {
    /// Why, in a few words: `no such file`, `it is a directory`.
    pub(crate) fn reason(&self) -> String {
        match self {
            Unreadable::Io(err) => io_reason(err),
            Unreadable::Kind(Kind::Directory) => "it is a directory".to_owned(),
            Unreadable::Kind(kind) => format!("it is {kind}, not a regular file"),
            Unreadable::TooLarge(size) => format!(
                "it has {}, more than the {} MiB a requirements file may hold",
                counted(
                    usize::try_from(*size).unwrap_or(usize::MAX),
                    "byte",
                    "bytes"
                ),
                MAX_REQUIREMENTS_SIZE / (1024 * 1024)
            ),
        }
    }

    /// What to do about it, for a requirements file named `path`.
    pub(crate) fn hint(&self, path: &Path) -> Option<String> {
        match self {
            Unreadable::Io(_) => None,
            Unreadable::Kind(Kind::Directory) => Some(format!(
                "name the requirements file inside it, e.g. `{}`",
                path.join("requirements.txt").display()
            )),
            Unreadable::Kind(_) => Some(
                "hashlock reads requirements only from regular files, which cannot make it \
                 wait for a writer or read forever; save the contents to a file first"
                    .to_owned(),
            ),
            Unreadable::TooLarge(_) => Some("check that this is the file you meant".to_owned()),
        }
    }
}

/// The whole of a requirements file: a regular file of at most
/// [`MAX_REQUIREMENTS_SIZE`] bytes, checked before it is opened and on the handle.
pub(crate) fn requirements_file(path: &Path) -> Result<Vec<u8>, Unreadable> {
    let before = fs::metadata(path).map_err(Unreadable::Io)?;
    regular(&before)?;
    let file = File::open(path).map_err(Unreadable::Io)?;
    regular(&file.metadata().map_err(Unreadable::Io)?)?;
    let mut bytes = Vec::new();
    file.take(MAX_REQUIREMENTS_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(Unreadable::Io)?;
    let read = bytes.len() as u64;
    if read > MAX_REQUIREMENTS_SIZE {
        return Err(Unreadable::TooLarge(read));
    }
    Ok(bytes)
}

/// A regular file within the cap, or why not.
fn regular(meta: &fs::Metadata) -> Result<(), Unreadable> {
    match Kind::of(meta.file_type()) {
        Kind::Regular if meta.len() > MAX_REQUIREMENTS_SIZE => {
            Err(Unreadable::TooLarge(meta.len()))
        }
        Kind::Regular => Ok(()),
        kind => Err(Unreadable::Kind(kind)),
    }
}

/// An I/O error in a few words, without the `(os error N)` people cannot act on.
pub(crate) fn io_reason(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.txt");
        fs::write(&path, "six==1.16.0\n").unwrap();
        assert_eq!(requirements_file(&path).unwrap(), b"six==1.16.0\n");
    }

    #[test]
    fn refuses_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let err = requirements_file(dir.path()).unwrap_err();
        assert_eq!(err.reason(), "it is a directory");
        assert!(err.hint(dir.path()).unwrap().contains("requirements.txt"));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_without_reading_them() {
        // `/dev/zero` never ends: reading it would only stop at the cap.
        let err = requirements_file(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(err.reason(), "it is a character device, not a regular file");
    }

    #[test]
    fn refuses_a_file_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.txt");
        // Sparse: no disk space used.
        File::create(&path)
            .unwrap()
            .set_len(MAX_REQUIREMENTS_SIZE + 1)
            .unwrap();
        let err = requirements_file(&path).unwrap_err();
        assert!(matches!(err, Unreadable::TooLarge(_)));
        assert_eq!(
            err.reason(),
            "it has 67,108,865 bytes, more than the 64 MiB a requirements file may hold"
        );
    }
}
