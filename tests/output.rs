//! Where results go and what can go wrong on the way: closed and full stdout and
//! stderr.

use std::fs;
use std::process::{Command, Stdio};
use std::time::Duration;

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
