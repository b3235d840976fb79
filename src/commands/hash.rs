//! `hashlock hash`: the digest of each file named, like `pip hash`, many files at once.
//!
//! A fixed pool of threads (one per core, never more than there are files) takes the
//! files in argument order, each thread streaming one file at a time through its own
//! 64 KiB buffer: memory stays the same whatever the files' sizes. The main thread
//! prints each line as soon as it and every line before it are ready, so the output is
//! in argument order whatever finishes first. An unreadable file is reported at the
//! end (exit 2); the others are still hashed and printed.
//!
//! What is hashed: regular files of any size, block devices (finite), standard input
//! (`-`, whatever the user sends), and FIFOs, which is what `<(command)` names. A
//! FIFO's `open` blocks until a writer opens the other end, so a writer must come
//! within [`FIFO_WAIT`] or the FIFO is reported as unread (pip hash would wait
//! forever). Character devices and sockets are refused: `/dev/zero` and
//! `/dev/urandom` never end, `/dev/tty` waits for a person.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use miette::{MietteDiagnostic, Report};

use crate::cli::HashArgs;
use crate::digest::{Algorithm, Digest, Hasher};
use crate::exit::{Failure, Outcome};
use crate::workspace::{Kind, io_reason};

/// The size of each thread's read buffer.
const BUFFER: usize = 64 * 1024;

/// How long a FIFO may wait for a writer. `<(command)` and a writer started first
/// open it at once; a FIFO nobody writes to must not hang the run.
const FIFO_WAIT: Duration = Duration::from_secs(5);

/// Runs `hashlock hash`: 0 when every file was hashed.
pub(super) async fn run(args: HashArgs) -> Result<Outcome, Failure> {
    let algorithm = args.algorithm;
    check_usage(&args.files, algorithm, args.peep)?;
    let style = if args.peep { Style::Peep } else { Style::Pip };
    let job = tokio::task::spawn_blocking(move || hash_all(&args.files, algorithm, style));
    match job.await {
        Ok(outcome) => outcome,
        Err(err) => match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => Err(Failure::new(
                Outcome::BadInput,
                [miette::miette!("hashing was cancelled: {err}")],
            )),
        },
    }
}

/// How a digest is printed.
#[derive(Debug, Clone, Copy)]
enum Style {
    /// `FILE: --hash=sha256:<hex>`, what pip's `--hash` takes.
    Pip,
    /// `FILE: # sha256: <urlsafe base64>`, peep's comment.
    Peep,
}

/// Usage errors, found before anything is read.
fn check_usage(files: &[PathBuf], algorithm: Algorithm, peep: bool) -> Result<(), Failure> {
    if peep && algorithm != Algorithm::Sha256 {
        let report = miette::miette!(
            help = format!(
                "peep only knew sha256: drop `-a {algorithm}`, or drop `--peep` for \
                 pip's `--hash={algorithm}:...` form"
            ),
            "`--peep` prints sha256 digests only, not {algorithm}"
        );
        return Err(Failure::new(Outcome::BadInput, [report]));
    }
    let stdin = files.iter().filter(|file| is_stdin(file)).count();
    if stdin > 1 {
        let report = miette::miette!(
            help = "name `-` once",
            "standard input (`-`) is named {stdin} times, but it can be read only once"
        );
        return Err(Failure::new(Outcome::BadInput, [report]));
    }
    Ok(())
}

fn is_stdin(file: &Path) -> bool {
    file.as_os_str() == "-"
}

/// A file's digest, or why it could not be read.
type Hashed = Result<Digest, Unreadable>;

#[derive(Debug)]
enum Unreadable {
    Io(io::Error),
    /// Not something to hash: a directory, a character device, a socket.
    Kind(Kind),
    /// A FIFO that no writer opened within [`FIFO_WAIT`].
    NoWriter,
    /// The run stopped (stdout closed) while this file was being read; never printed.
    Stopped,
}

/// Hashes every file on a pool of threads and prints the lines in argument order.
fn hash_all(files: &[PathBuf], algorithm: Algorithm, style: Style) -> Result<Outcome, Failure> {
    let workers = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(files.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, results) = mpsc::channel::<(usize, Hashed)>();
    thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                let mut buffer = vec![0; BUFFER];
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(index) else { break };
                    let outcome = hash_file(file, algorithm, &mut buffer, stop);
                    if sender.send((index, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let printed = print_in_order(files, results, style);
        // Whatever the printer's outcome, the workers have nothing left to do.
        stop.store(true, Ordering::Relaxed);
        printed
    })
}

/// Prints each file's line once every line before it is printed. Returns when every
/// file is done or stdout is closed; unreadable files make the run fail at the end.
fn print_in_order(
    files: &[PathBuf],
    results: mpsc::Receiver<(usize, Hashed)>,
    style: Style,
) -> Result<Outcome, Failure> {
    let mut ready: Vec<Option<Hashed>> = files.iter().map(|_| None).collect();
    let mut printed = 0;
    let mut errors = Vec::new();
    let mut stdout = io::stdout().lock();
    'results: for (index, outcome) in results {
        ready[index] = Some(outcome);
        while let Some(outcome) = ready.get_mut(printed).and_then(Option::take) {
            let file = &files[printed];
            printed += 1;
            match outcome {
                Ok(digest) => match stdout.write_all(&line(file, &digest, style)) {
                    Ok(()) => {}
                    // `| head` has all it wants: stop, quietly.
                    Err(err) if err.kind() == io::ErrorKind::BrokenPipe => break 'results,
                    Err(err) => {
                        errors.push(miette::miette!("cannot write to stdout: {err}"));
                        break 'results;
                    }
                },
                Err(Unreadable::Stopped) => {}
                Err(why) => errors.push(unreadable(file, why)),
            }
        }
    }
    match stdout.flush() {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => {
            errors.push(miette::miette!("cannot write to stdout: {err}"));
        }
        _ => {}
    }
    if errors.is_empty() {
        Ok(Outcome::Ok)
    } else {
        Err(Failure::new(Outcome::BadInput, errors))
    }
}

/// Streams one file (or standard input) through `buffer` into a hasher.
fn hash_file(file: &Path, algorithm: Algorithm, buffer: &mut [u8], stop: &AtomicBool) -> Hashed {
    if is_stdin(file) {
        return hash_stream(io::stdin().lock(), algorithm, buffer, stop);
    }
    // Look before opening: opening a FIFO blocks, opening a device may have effects.
    let kind = hashable(&fs::metadata(file).map_err(Unreadable::Io)?)?;
    let opened = match kind {
        Kind::Fifo => open_fifo(file)?,
        _ => File::open(file).map_err(Unreadable::Io)?,
    };
    // The path may name something else by now; what counts is what was opened.
    hashable(&opened.metadata().map_err(Unreadable::Io)?)?;
    hash_stream(opened, algorithm, buffer, stop)
}

/// The kind of a file `hash` reads, or why it does not read it.
fn hashable(meta: &fs::Metadata) -> Result<Kind, Unreadable> {
    match Kind::of(meta.file_type()) {
        kind @ (Kind::Regular | Kind::BlockDevice | Kind::Fifo) => Ok(kind),
        kind => Err(Unreadable::Kind(kind)),
    }
}

/// Opens a FIFO, giving a writer [`FIFO_WAIT`] to open its other end. The `open`
/// runs on a thread of its own, left blocked in the kernel if no writer comes: it
/// holds nothing, and the process does not wait for it to end.
fn open_fifo(file: &Path) -> Result<File, Unreadable> {
    let (sender, opened) = mpsc::channel();
    let path = file.to_path_buf();
    thread::Builder::new()
        .name("fifo-open".to_owned())
        .spawn(move || {
            let _ = sender.send(File::open(path));
        })
        .map_err(Unreadable::Io)?;
    match opened.recv_timeout(FIFO_WAIT) {
        Ok(result) => result.map_err(Unreadable::Io),
        Err(_) => Err(Unreadable::NoWriter),
    }
}

fn hash_stream(
    mut reader: impl Read,
    algorithm: Algorithm,
    buffer: &mut [u8],
    stop: &AtomicBool,
) -> Hashed {
    let mut hasher = Hasher::new(algorithm);
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(Unreadable::Stopped);
        }
        match reader.read(buffer) {
            Ok(0) => return Ok(hasher.finalize()),
            Ok(read) => hasher.update(&buffer[..read]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(Unreadable::Io(err)),
        }
    }
}

/// `FILE: --hash=sha256:<hex>\n` or `FILE: # sha256: <base64>\n`, with FILE exactly as
/// given on the command line (its bytes, even when they are not UTF-8).
fn line(file: &Path, digest: &Digest, style: Style) -> Vec<u8> {
    let mut line = path_bytes(file);
    let rest = match style {
        Style::Pip => format!(": --hash={digest}\n"),
        Style::Peep => format!(
            ": # {}: {}\n",
            digest.algorithm(),
            digest.to_urlsafe_base64()
        ),
    };
    line.extend_from_slice(rest.as_bytes());
    line
}

#[cfg(unix)]
fn path_bytes(file: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt as _;
    file.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(file: &Path) -> Vec<u8> {
    file.to_string_lossy().into_owned().into_bytes()
}

fn unreadable(file: &Path, why: Unreadable) -> Report {
    let name = if is_stdin(file) {
        "standard input".to_string()
    } else {
        format!("`{}`", file.display())
    };
    let (reason, help) = match why {
        Unreadable::Kind(Kind::Directory) => (
            "it is a directory".to_string(),
            Some("name the files inside it, e.g. `hashlock hash dist/*`"),
        ),
        Unreadable::Kind(kind) => (
            format!("it is {kind}, not a regular file"),
            Some(
                "a device may never end (`/dev/zero`) or wait for a person (`/dev/tty`); \
                 to hash a stream, pipe it in and name `-`",
            ),
        ),
        Unreadable::NoWriter => (
            format!(
                "it is a FIFO (named pipe) that nobody opened for writing within {}s",
                FIFO_WAIT.as_secs()
            ),
            Some("start the writer first, or pipe the stream in and name `-`"),
        ),
        Unreadable::Io(err) => {
            let help = (err.kind() == io::ErrorKind::NotFound).then_some("check the path");
            (io_reason(&err), help)
        }
        Unreadable::Stopped => ("the run stopped".to_string(), None),
    };
    let diagnostic = MietteDiagnostic::new(format!("cannot read {name}: {reason}"));
    Report::new(match help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn streams_across_buffer_boundaries() {
        let data: Vec<u8> = (0..3 * 10 + 1).map(|i: u32| i as u8).collect();
        let stop = AtomicBool::new(false);
        for size in [1, 3, 10, 31, 64] {
            let mut buffer = vec![0; size];
            let digest = hash_stream(Cursor::new(&data), Algorithm::Sha256, &mut buffer, &stop);
            assert_eq!(digest.unwrap(), Digest::of(Algorithm::Sha256, &data));
        }
    }

    #[test]
    fn lines_in_both_styles() {
        let digest = Digest::of(Algorithm::Sha256, b"");
        let pip = line(Path::new("a b.whl"), &digest, Style::Pip);
        assert_eq!(
            String::from_utf8(pip).unwrap(),
            "a b.whl: --hash=sha256:\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        );
        let peep = line(Path::new("-"), &digest, Style::Peep);
        assert_eq!(
            String::from_utf8(peep).unwrap(),
            "-: # sha256: 47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\n"
        );
    }

    #[test]
    fn stops_when_told() {
        let stop = AtomicBool::new(true);
        let outcome = hash_stream(Cursor::new(b"abc"), Algorithm::Sha256, &mut [0; 4], &stop);
        assert!(matches!(outcome, Err(Unreadable::Stopped)));
    }
}
