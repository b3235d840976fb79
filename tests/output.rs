//! Where results go and what can go wrong on the way: closed and full stdout and
//! stderr, `-o` onto devices, FIFOs and other directories, hard links, read-only
//! files and directories, a write failing on the last of several files, signals,
//! leftovers of killed runs, and `--check --diff`.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use crate::support::Config;
use crate::support::cli::{Case, Run, wait_within};

/// Long enough for any honest run on a loaded machine; a hang takes longer.
const LIMIT: Duration = Duration::from_secs(60);

/// The peep comment of six 1.16.0's wheel, for `migrate`.
const SIX_WHEEL_PEEP: &str = "# sha256: irsvHYaJCi37mJ-ad8_P0-R8KjVLAREXcTJviqJuAlQ";

/// A case with a file for every command that prints data on stdout: `r.txt` for
/// `lock`, `big.txt` (hundreds of findings) for `verify`, `peep.txt` for `migrate`,
/// and files to hash.
fn outputs_case() -> Case {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let big: String = (0..400).map(|i| format!("package-{i}>={i}\n")).collect();
    case.file("big.txt", &big);
    case.file("peep.txt", &format!("{SIX_WHEEL_PEEP}\nsix==1.16.0\n"));
    for i in 0..50 {
        case.file(&format!("f{i}.bin"), &"x".repeat(i));
    }
    case
}

/// Every command that writes data on stdout, with arguments for [`outputs_case`].
fn stdout_commands() -> Vec<(&'static str, Vec<String>)> {
    let hashed: Vec<String> = (0..50).map(|i| format!("f{i}.bin")).collect();
    vec![
        ("lock", vec!["--diff".into(), "r.txt".into()]),
        ("lock", vec!["-o".into(), "-".into(), "r.txt".into()]),
        (
            "verify",
            vec![
                "--offline".into(),
                "--format".into(),
                "json".into(),
                "big.txt".into(),
            ],
        ),
        ("migrate", vec!["--diff".into(), "peep.txt".into()]),
        ("hash", hashed),
    ]
}

fn command(case: &Case, name: &str, args: &[String]) -> Command {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = case.command(name, &args);
    command.stdin(Stdio::null());
    command
}

/// Runs it with stdout and stderr captured: the reference run.
fn normally(case: &Case, name: &str, args: &[String]) -> Run {
    let mut command = command(case, name, args);
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_within(child, LIMIT).expect("hung")
}

fn dev_full() -> fs::File {
    fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
}

#[test]
fn closed_stdout_pipe_ends_every_command_quietly() {
    let case = outputs_case();
    for (name, args) in stdout_commands() {
        let expected = normally(&case, name, &args);
        assert!(!expected.stdout.is_empty(), "{name} {args:?}");
        // `| head -c0`: the reader is gone before hashlock writes a byte.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut command = command(&case, name, &args);
        let child = command
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let run = wait_within(child, LIMIT).expect("hung");
        assert_eq!(run.code, expected.code, "{name} {args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        assert!(
            !run.stderr.contains("cannot write"),
            "{name}: {}",
            run.stderr
        );
    }
}

#[test]
fn stdout_on_dev_full_is_an_error_for_every_command() {
    let case = outputs_case();
    for (name, args) in stdout_commands() {
        let mut command = command(&case, name, &args);
        let child = command
            .stdout(dev_full())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let run = wait_within(child, LIMIT).expect("hung");
        assert_eq!(run.code, 2, "{name} {args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("cannot write to stdout: No space left on device"),
            "{name} {args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
    }
}

#[test]
fn stderr_on_dev_full_never_panics() {
    let case = outputs_case();
    case.file("w.txt", "six==1.16.0\n");
    let mut commands = stdout_commands();
    commands.extend([
        // Findings, a summary and errors: all on stderr.
        ("verify", vec!["--offline".into(), "big.txt".into()]),
        ("lock", vec!["w.txt".into()]),
        ("lock", vec!["missing.txt".into()]),
        ("hash", vec!["missing.bin".into()]),
    ]);
    for (name, args) in commands {
        let expected = normally(&case, name, &args);
        if name == "lock" && args == ["w.txt"] {
            // Written by the reference run: start again from the unlocked file.
            case.file("w.txt", "six==1.16.0\n");
        }
        let mut command = command(&case, name, &args);
        let child = command
            .stdout(Stdio::piped())
            .stderr(dev_full())
            .spawn()
            .unwrap();
        let run = wait_within(child, LIMIT).expect("hung");
        assert_ne!(run.code, 101, "{name} {args:?} panicked");
        assert_eq!(run.code, expected.code, "{name} {args:?}");
        assert_eq!(run.stdout, expected.stdout, "{name} {args:?}");
    }
    assert!(case.read("w.txt").contains("--hash=sha256:"));
}

/// A device node of the case's own (so that a hashlock that replaced it would not
/// break the machine's): `None` without the privilege to make one.
fn device(case: &Case, name: &str, minor: u32) -> Option<std::path::PathBuf> {
    let path = case.path(name);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &path,
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::from_raw_mode(0o666),
        rustix::fs::makedev(1, minor),
    )
    .ok()
    .map(|()| path)
}

fn is_char_device(path: &Path) -> bool {
    fs::metadata(path).unwrap().file_type().is_char_device()
}

#[test]
fn output_onto_a_device_writes_through_it() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    // Memory devices 1:7 and 1:3 are /dev/full and /dev/null. Without the privilege
    // to make nodes, use the machine's: only a privileged run could replace those.
    let full = device(&case, "full", 7).unwrap_or_else(|| "/dev/full".into());
    let null = device(&case, "null", 3).unwrap_or_else(|| "/dev/null".into());
    std::os::unix::fs::symlink(&full, case.path("full-link")).unwrap();

    for target in [full.as_path(), Path::new("full-link")] {
        let run = case.run("lock", &["r.txt", "-o", target.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{}: {}", target.display(), run.stderr);
        assert!(
            run.stderr.contains("No space left on device"),
            "{}: {}",
            target.display(),
            run.stderr
        );
        assert!(is_char_device(&full), "{} was replaced", full.display());
    }
    assert!(
        fs::symlink_metadata(case.path("full-link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );

    let run = case.run("lock", &["r.txt", "-o", null.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(is_char_device(&null), "{} was replaced", null.display());
    assert_eq!(case.read("r.txt"), "six==1.16.0\n");
}

#[test]
fn output_onto_a_fifo_writes_through_it() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let pipe = case.path("pipe");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &pipe,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || fs::read_to_string(pipe).unwrap())
    };
    let run = case
        .run_within(case.command("lock", &["r.txt", "-o", "pipe"]), LIMIT)
        .expect("hung");
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Before joining: a reader of a FIFO replaced by a file would wait forever.
    assert!(fs::metadata(&pipe).unwrap().file_type().is_fifo());
    let read = reader.join().unwrap();
    assert!(
        read.starts_with("six==1.16.0 \\\n    --hash=sha256:"),
        "{read}"
    );
}

#[test]
fn lock_keeps_hard_links() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    fs::hard_link(case.path("r.txt"), case.path("linked.txt")).unwrap();
    case.file("in.txt", "six==1.16.0\n");
    case.file("out.txt", "old\n");
    fs::hard_link(case.path("out.txt"), case.path("out-linked.txt")).unwrap();

    let run = case.run("lock", &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = case.run("lock", &["in.txt", "-o", "out.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    for (name, linked) in [("r.txt", "linked.txt"), ("out.txt", "out-linked.txt")] {
        assert_eq!(fs::metadata(case.path(name)).unwrap().nlink(), 2, "{name}");
        assert!(case.read(linked).contains("--hash=sha256:"), "{linked}");
        assert_eq!(case.read(name), case.read(linked));
    }
    assert_eq!(leftovers(case.dir.path()), Vec::<String>::new());
}

/// hashlock's files in `dir` (temporary files are named `.hashlock...`).
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".hashlock"))
        .collect()
}

#[test]
fn a_failed_third_write_changes_none_of_the_files() {
    let case = Case::new();
    case.file("a.txt", "-r b.txt\n-r c.txt\nsix==1.16.0\n");
    case.file("b.txt", "idna==3.6\n");
    // Locked, this one has dozens of hashes: far beyond the file size limit below,
    // which the other two stay under.
    case.file("c.txt", "charset-normalizer==3.3.2\n");
    let before: Vec<String> = ["a.txt", "b.txt", "c.txt"]
        .iter()
        .map(|name| case.read(name))
        .collect();

    // A file size limit makes the third write fail (EFBIG) even for root, the way
    // a full disk would. SIGXFSZ is ignored so the write fails instead of killing.
    let hashlock = case.command("lock", &["a.txt"]);
    let mut limited = Command::new("sh");
    limited
        .current_dir(case.dir.path())
        .env("NO_COLOR", "1")
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 2 && exec "$0" "$@""#)
        .arg(hashlock.get_program())
        .args(hashlock.get_args());
    let run = case.run_within(limited, LIMIT).expect("hung");

    assert_eq!(run.code, 2, "{}", run.stderr);
    for (name, before) in ["a.txt", "b.txt", "c.txt"].iter().zip(&before) {
        assert_eq!(&case.read(name), before, "{name} changed");
    }
    assert_eq!(leftovers(case.dir.path()), Vec::<String>::new());
    assert!(
        run.stderr.contains("cannot write `c.txt`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("every file was left as it was"),
        "{}",
        run.stderr
    );
}

#[test]
fn read_only_files_are_refused_unless_forced() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    case.file("peep.txt", &format!("{SIX_WHEEL_PEEP}\nsix==1.16.0\n"));
    for name in ["r.txt", "peep.txt"] {
        fs::set_permissions(case.path(name), fs::Permissions::from_mode(0o444)).unwrap();
    }
    for (command, name) in [("lock", "r.txt"), ("migrate", "peep.txt")] {
        let before = case.read(name);
        let run = case.run(command, &[name]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("`{name}` is read-only (mode 0444)")),
            "{command}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("--force"), "{command}: {}", run.stderr);
        assert_eq!(case.read(name), before, "{command}");

        let run = case.run(command, &["--force", name]);
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        assert!(case.read(name).contains("--hash=sha256:"), "{command}");
        let mode = fs::metadata(case.path(name)).unwrap().mode() & 0o7777;
        assert_eq!(mode, 0o444, "{command}");
    }
}

/// `command` as a user whom directory permissions stop: itself, or for root, root
/// without the capabilities that override them. `None` when that cannot be had.
fn unprivileged(command: Command) -> Option<Command> {
    if !rustix::process::geteuid().is_root() {
        return Some(command);
    }
    let setpriv = Command::new("setpriv").arg("--version").output();
    if !setpriv.is_ok_and(|out| out.status.success()) {
        return None;
    }
    let mut wrapped = Command::new("setpriv");
    wrapped
        .arg("--bounding-set=-dac_override,-dac_read_search,-fowner")
        .arg("--")
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped.env("NO_COLOR", "1");
    Some(wrapped)
}

#[test]
fn read_only_directory_is_named_in_the_error() {
    let case = Case::new();
    fs::create_dir(case.path("locked")).unwrap();
    case.file("locked/r.txt", "six==1.16.0\n");
    fs::set_permissions(case.path("locked"), fs::Permissions::from_mode(0o555)).unwrap();
    let Some(command) = unprivileged(case.command("lock", &["locked/r.txt"])) else {
        eprintln!("skipping: root without setpriv ignores directory permissions");
        return;
    };
    let run = case.run_within(command, LIMIT).expect("hung");
    fs::set_permissions(case.path("locked"), fs::Permissions::from_mode(0o755)).unwrap();

    assert_eq!(run.code, 2, "{}", run.stderr);
    let dir = case.path("locked").canonicalize().unwrap();
    assert!(
        run.stderr.contains(&format!(
            "cannot create a file in the directory `{}`: permission denied",
            dir.display()
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(".hashlock"), "{}", run.stderr);
    assert_eq!(case.read("locked/r.txt"), "six==1.16.0\n");
}

/// Sends `signal` to a lock stuck on a hanging index, once the index is asked.
fn signal_during_a_slow_lock(signal: rustix::process::Signal) -> (Case, Run) {
    let case = Case::with(Config::new().hanging("six"));
    case.file("r.txt", "-r b.txt\nsix==1.16.0\n");
    case.file("b.txt", "idna==3.6\n");
    // The harness's `--timeout 2` leaves seconds to spare before the lock gives up.
    let mut command = case.command("lock", &["r.txt"]);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = rustix::process::Pid::from_child(&child);
    let asked = SystemTime::now();
    while case.index.total_requests() == 0 {
        assert!(
            asked.elapsed().unwrap() < LIMIT,
            "the index was never asked"
        );
        assert!(child.try_wait().unwrap().is_none(), "ended before asking");
        std::thread::sleep(Duration::from_millis(20));
    }
    rustix::process::kill_process(pid, signal).unwrap();
    let run = wait_within(child, LIMIT).expect("hung after the signal");
    (case, run)
}

#[test]
fn sigint_stops_a_lock_with_130_and_changes_nothing() {
    let (case, run) = signal_during_a_slow_lock(rustix::process::Signal::INT);
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: interrupted by SIGINT; no file was changed"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), "-r b.txt\nsix==1.16.0\n");
    assert_eq!(case.read("b.txt"), "idna==3.6\n");
    assert_eq!(leftovers(case.dir.path()), Vec::<String>::new());
}

#[test]
fn sigterm_stops_a_lock_with_143_and_changes_nothing() {
    let (case, run) = signal_during_a_slow_lock(rustix::process::Signal::TERM);
    assert_eq!(run.code, 143, "{}", run.stderr);
    assert!(
        run.stderr.contains("interrupted by SIGTERM"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), "-r b.txt\nsix==1.16.0\n");
    assert_eq!(leftovers(case.dir.path()), Vec::<String>::new());
}

#[test]
fn temp_files_of_killed_runs_are_removed_by_the_next_run() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let plant = |name: &str, modified: SystemTime| {
        let file = fs::File::create(case.path(name)).unwrap();
        file.set_modified(modified).unwrap();
    };
    // Left by a process that is gone (no pid is that high).
    let stale = format!(".hashlock-tmp-{}-Ab3dE6gH", i32::MAX);
    plant(&stale, hour_ago);
    // Being written by a live process (this test), or by another program.
    let live = format!(".hashlock-tmp-{}-Ab3dE6gH", std::process::id());
    plant(&live, hour_ago);
    plant(".hashlock-notes", hour_ago);

    let run = case.run("lock", &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("note: removed 1 temporary file that an interrupted run left"),
        "{}",
        run.stderr
    );
    let mut left = leftovers(case.dir.path());
    left.sort();
    assert_eq!(left, [".hashlock-notes".to_owned(), live]);
}

#[test]
fn check_and_diff_together_print_the_diff_and_exit_1() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let run = case.run("lock", &["--check", "--diff", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("--- r.txt\n+++ r.txt\n@@ -1 +1,3 @@\n-six==1.16.0\n+six==1.16.0 \\\n"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("would change r.txt"), "{}", run.stderr);
    assert_eq!(case.read("r.txt"), "six==1.16.0\n");

    assert_eq!(case.run("lock", &["r.txt"]).code, 0);
    let run = case.run("lock", &["--diff", "--check", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");

    case.file("peep.txt", &format!("{SIX_WHEEL_PEEP}\nsix==1.16.0\n"));
    let run = case.run("migrate", &["--check", "--diff", "peep.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!("-{SIX_WHEEL_PEEP}")),
        "{}",
        run.stdout
    );
}

#[test]
fn output_into_another_directory_keeps_includes_valid() {
    let case = Case::new();
    fs::create_dir_all(case.path("reqs/sub")).unwrap();
    fs::create_dir(case.path("out")).unwrap();
    case.file("reqs/sub/base.txt", "idna==3.6\n");
    case.file(
        "reqs/r.txt",
        "-r sub/base.txt\n-c sub/base.txt\nsix==1.16.0\n",
    );
    assert_eq!(case.run("lock", &["reqs/sub/base.txt"]).code, 0);

    let run = case.run("lock", &["reqs/r.txt", "-o", "out/r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = case.read("out/r.txt");
    assert!(
        written.starts_with("-r ../reqs/sub/base.txt\n-c ../reqs/sub/base.txt\nsix==1.16.0 \\\n"),
        "{written}"
    );
    // The original keeps its own paths, and the written file reads from its place.
    assert!(case.read("reqs/r.txt").starts_with("-r sub/base.txt\n"));
    let run = case.run("verify", &["--offline", "out/r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
