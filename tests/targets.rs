//! Targets in `lock`: only the files that install on a target (or on a newer
//! machine of its kind) are hashed, plus the sdist unless `--only-binary`; the
//! targets are remembered in the file's header; with no target flags every file is
//! hashed, as before. Against the recorded numpy document (72 files of 2.4.0), and
//! `fixtures/choose/` for a Windows-only version.

use crate::support::Config;
use crate::support::cli::Case;

fn hashes(text: &str) -> usize {
    text.matches("--hash=sha256:").count()
}

#[test]
fn without_targets_every_file_is_hashed() {
    let case = Case::new();
    case.file("requirements.txt", "numpy==2.4.0\n");
    let run = case.run("lock", &["requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("requirements.txt");
    assert_eq!(hashes(&text), 72);
    assert!(!text.contains("# hashlock targets:"), "{text}");
}

#[test]
fn a_linux_target_keeps_its_wheels_newer_glibc_ones_and_the_sdist() {
    let case = Case::new();
    case.file("requirements.txt", "numpy==2.4.0\n");
    let args = [
        "--platform",
        "manylinux_2_17_x86_64",
        "--python-version",
        "3.12",
        "requirements.txt",
    ];
    let run = case.run("lock", &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("requirements.txt");
    // The sdist, and the manylinux_2_27/2_28 wheel: numpy 2.4 has no cp312 wheel a
    // glibc 2.17 machine takes, but every newer Linux box takes that one.
    assert_eq!(hashes(&text), 2, "{text}");
    assert!(text.starts_with(
        "# hashlock targets: --python-version 3.12 --platform manylinux_2_17_x86_64\n"
    ));
    // `--only-binary :all:` drops the sdist; the oldest machine of the kind then has
    // nothing to install, which verify says.
    case.file("binary.txt", "--only-binary :all:\nnumpy==2.4.0\n");
    let mut args = args;
    args[4] = "binary.txt";
    let run = case.run("lock", &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hashes(&case.read("binary.txt")), 1);
    let run = case.run("verify", &["--no-deps", "--format", "json", "binary.txt"]);
    assert!(run.stdout.contains("no-installable-file"), "{}", run.stdout);
}

#[test]
fn relocking_with_targets_drops_the_other_platforms_hashes() {
    let case = Case::new();
    case.file("requirements.txt", "numpy==2.4.0\n");
    assert_eq!(case.run("lock", &["requirements.txt"]).code, 0);
    assert_eq!(hashes(&case.read("requirements.txt")), 72);
    let run = case.run(
        "lock",
        &[
            "--platform",
            "win_amd64",
            "--python-version",
            "3.12",
            "--python-version",
            "3.13",
            "requirements.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("requirements.txt");
    // cp312 and cp313 win_amd64 wheels, and the sdist.
    assert_eq!(hashes(&text), 3, "{text}");
    assert!(text.starts_with(
        "# hashlock targets: --python-version 3.12 --python-version 3.13 --platform win_amd64\n"
    ));
    // The next lock reuses the header, and says so; flags override it.
    let run = case.run("lock", &["requirements.txt"]);
    assert!(run.stderr.contains("header"), "{}", run.stderr);
    assert_eq!(case.read("requirements.txt"), text);
    let run = case.run("lock", &["--universal", "requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("requirements.txt");
    assert!(
        text.starts_with("# hashlock targets: --universal\n"),
        "{text}"
    );
}

#[test]
fn verify_with_targets_misses_only_the_files_they_take() {
    let case = Case::new();
    case.file("requirements.txt", "numpy==2.4.0\n");
    let args = [
        "--platform",
        "manylinux_2_17_x86_64",
        "--python-version",
        "3.12",
        "requirements.txt",
    ];
    assert_eq!(case.run("lock", &args).code, 0);
    let run = case.run(
        "verify",
        &["--no-deps", "--format", "json", "requirements.txt"],
    );
    assert!(!run.stdout.contains("incomplete-hashes"), "{}", run.stdout);
    // Without the header, the other 70 files are missing again.
    let text = case.read("requirements.txt");
    let body = text.split_once('\n').unwrap().1;
    case.file("bare.txt", body);
    let run = case.run("verify", &["--no-deps", "--format", "json", "bare.txt"]);
    assert!(run.stdout.contains("incomplete-hashes"), "{}", run.stdout);
}

#[test]
fn a_version_with_no_file_for_the_targets_is_refused_by_lock() {
    let case = Case::new();
    let text = "numpy==2.4.0\n";
    case.file("requirements.txt", text);
    // Every file of numpy 2.4.0 requires Python 3.11 or later.
    let run = case.run(
        "lock",
        &[
            "--platform",
            "manylinux_2_17_x86_64",
            "--python-version",
            "3.9",
            "requirements.txt",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no file of `numpy==2.4.0` installs on the targets"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("requirements.txt"), text);
}

#[test]
fn a_line_whose_marker_holds_on_no_target_is_not_refused_by_lock() {
    // The same numpy on 3.9, behind a marker that 3.9 fails: pip skips the line
    // there, so no target needs a file of it, and it keeps every file's hash (as
    // a lock without targets writes it) for the machines that do take it.
    let case = Case::new();
    case.file(
        "requirements.txt",
        "numpy==2.4.0 ; python_version >= \"3.11\"\n",
    );
    let args = [
        "--platform",
        "manylinux_2_17_x86_64",
        "--python-version",
        "3.9",
        "requirements.txt",
    ];
    let run = case.run("lock", &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hashes(&case.read("requirements.txt")), 72);

    // pywin32's case: a Windows-only version (webby 2.4 has one wheel, for
    // win_amd64) under `sys_platform == "win32"`, locked for Linux, next to a line
    // the targets do take, which stays narrowed to their files.
    let case =
        Case::with(Config::new().fixtures(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/choose")));
    case.file(
        "requirements.txt",
        "tool==1.5\nwebby==2.4 ; sys_platform == \"win32\"\n",
    );
    let linux = [
        "--platform",
        "manylinux_2_17_x86_64",
        "--python-version",
        "3.12",
        "requirements.txt",
    ];
    let run = case.run("lock", &linux);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("requirements.txt");
    assert!(
        text.contains("webby==2.4 ; sys_platform == \"win32\" \\\n    --hash=sha256:36074190"),
        "{text}"
    );
    assert_eq!(hashes(&text), 3, "{text}");
    // verify, for the header's targets, finds nothing to say about it either.
    let run = case.run(
        "verify",
        &["--no-deps", "--format", "json", "requirements.txt"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        !run.stdout.contains("no-installable-file"),
        "{}",
        run.stdout
    );
    // Locking again changes nothing.
    assert_eq!(case.run("lock", &["requirements.txt"]).code, 0);
    assert_eq!(case.read("requirements.txt"), text);
}
