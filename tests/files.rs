//! Reading what the user names: only regular files (FIFOs and devices are refused
//! before they are opened, so nothing hangs or grows), a size cap, and errors that
//! say which file and where it was looked for. `hash` streams FIFOs, within limits.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::cli::{Case, Run};

/// Long enough for any honest run on a loaded machine; a hang takes longer.
const LIMIT: Duration = Duration::from_secs(30);

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

/// Runs `hashlock COMMAND ARGS` in the case, failing the test if it hangs.
fn run(case: &Case, command: &str, args: &[&str]) -> Run {
    case.run_within(case.command(command, args), LIMIT)
        .unwrap_or_else(|| panic!("`hashlock {command} {args:?}` hung"))
}

#[test]
fn fifo_as_file_is_refused_without_hanging() {
    let case = Case::new();
    mkfifo(&case.path("pipe.txt"));
    for command in ["lock", "verify", "migrate"] {
        let run = run(&case, command, &["pipe.txt"]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("cannot read `pipe.txt`: it is a FIFO (named pipe), not a regular file"),
            "{command}: {}",
            run.stderr
        );
    }
}

#[test]
fn fifo_include_is_refused_at_its_line() {
    let case = Case::new();
    mkfifo(&case.path("pipe.txt"));
    case.file("r.txt", "six==1.16.0\n-c pipe.txt\n");
    let run = run(&case, "lock", &["r.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("it is a FIFO"), "{}", run.stderr);
    assert!(run.stderr.contains("[r.txt:2:1]"), "{}", run.stderr);
    assert!(run.stderr.contains("named here"), "{}", run.stderr);
}

#[test]
fn devices_are_refused_without_reading_them() {
    let case = Case::new();
    case.file("r.txt", "-r /dev/zero\nsix==1.16.0\n");
    let started = Instant::now();
    for (command, file) in [
        ("lock", "/dev/zero"),
        ("verify", "/dev/urandom"),
        ("migrate", "/dev/zero"),
        ("verify", "r.txt"),
    ] {
        let run = run(&case, command, &["--quiet", file]);
        assert_eq!(run.code, 2, "{command} {file}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("it is a character device, not a regular file"),
            "{command} {file}: {}",
            run.stderr
        );
    }
    // Reading 64 MiB of zeros would take a while; refusing takes no time.
    assert!(started.elapsed() < LIMIT);
}

#[test]
fn oversized_file_is_refused() {
    let case = Case::new();
    // Sparse: 64 MiB and one byte, no disk space.
    let file = fs::File::create(case.path("huge.txt")).unwrap();
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    let run = run(&case, "verify", &["--offline", "huge.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // miette wraps the line after "may".
    assert!(
        run.stderr
            .contains("cannot read `huge.txt`: it has 67,108,865 bytes, more than the 64 MiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_default_file_says_it_is_the_default_and_where_it_looked() {
    let case = Case::new();
    let dir = case.dir.path().canonicalize().unwrap();
    for command in ["lock", "verify", "migrate"] {
        let run = run(&case, command, &[]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("no `requirements.txt` in `{}`", dir.display())),
            "{command}: {}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("with no FILE named, hashlock reads `requirements.txt`"),
            "{command}: {}",
            run.stderr
        );
        // No source frame: there is no text to show.
        assert!(!run.stderr.contains(",-["), "{command}: {}", run.stderr);
        assert!(
            !run.stderr
                .contains("reads the files named on its command line"),
            "{command}: {}",
            run.stderr
        );
    }
}

#[test]
fn missing_named_file_says_where_it_looked() {
    let case = Case::new();
    let dir = case.dir.path().canonicalize().unwrap();
    let run = run(&case, "lock", &["reqs/prod.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "cannot read `reqs/prod.txt`: no `prod.txt` in `{}`",
            dir.join("reqs").display()
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(",-["), "{}", run.stderr);
}

#[test]
fn directory_as_file_says_it_is_a_directory() {
    let case = Case::new();
    fs::create_dir(case.path("reqs")).unwrap();
    for command in ["lock", "verify", "migrate"] {
        let run = run(&case, command, &["reqs"]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("cannot read `reqs`: it is a directory"),
            "{command}: {}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("name the requirements file inside it, e.g. `reqs/requirements.txt`"),
            "{command}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("os error"),
            "{command}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains(",-["), "{command}: {}", run.stderr);
    }
}

#[test]
fn hash_refuses_character_devices() {
    let case = Case::new();
    case.file("a.txt", "abc");
    let run = run(&case, "hash", &["/dev/zero", "a.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot read `/dev/zero`: it is a character device, not a regular file"),
        "{}",
        run.stderr
    );
    // The others are still hashed.
    assert!(
        run.stdout.starts_with("a.txt: --hash=sha256:ba7816bf"),
        "{}",
        run.stdout
    );
}

#[test]
fn hash_of_a_fifo_nobody_writes_to_gives_up() {
    let case = Case::new();
    mkfifo(&case.path("pipe"));
    let started = Instant::now();
    let run = run(&case, "hash", &["pipe"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "cannot read `pipe`: it is a FIFO (named pipe) that nobody opened for writing within 5s"
        ),
        "{}",
        run.stderr
    );
    assert!(started.elapsed() >= Duration::from_secs(5));
}

#[test]
fn hash_streams_a_fifo_with_a_writer() {
    let case = Case::new();
    let pipe = case.path("pipe");
    mkfifo(&pipe);
    // The writer blocks in `open` until hashlock opens the other end.
    let writer = std::thread::spawn(move || fs::write(pipe, "abc").unwrap());
    let run = run(&case, "hash", &["pipe"]);
    writer.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "pipe: --hash=sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    );
}
