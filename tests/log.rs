//! The first-seen log end to end: what `lock` and `verify` append, where (the user
//! cache, the committed copy), and `hashlock log verify` catching a hand-edited
//! record, a removed one and a truncated log.

use std::fs;

use crate::beyond::hashlock;
use crate::support::cli::Case;
use crate::support::pep740::{File, Pep740Index};

fn demo_index() -> Pep740Index {
    let index = Pep740Index::start();
    let files = [
        File::new("demo-1.0.tar.gz", "1.0"),
        File::new("demo-1.0-py3-none-any.whl", "1.0"),
    ];
    index.project("demo", &files, None);
    index
}

/// A case with `demo==1.0` locked and verified with a committed `hashlock.log`.
fn logged() -> (Case, Pep740Index) {
    let case = Case::new();
    let index = demo_index();
    case.file("requirements.txt", "demo==1.0\n");
    let run = hashlock(
        &case,
        &index,
        "lock",
        &["--log-file", "hashlock.log", "requirements.txt"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    (case, index)
}

fn log_verify(case: &Case, files: &[&str]) -> crate::support::cli::Run {
    let mut args = vec!["log", "verify"];
    args.extend_from_slice(files);
    case.run_raw(&args, &[])
}

#[test]
fn lock_appends_every_file_to_both_copies_once() {
    let (case, index) = logged();
    let committed = case.read("hashlock.log");
    let cached = fs::read_to_string(case.cache.path().join("first-seen.log")).unwrap();
    for log in [&committed, &cached] {
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines[0], "hashlock-log 1");
        assert_eq!(lines.len(), 3, "{log}");
        // Sorted, one line each, the index and the upload time kept.
        assert!(
            lines[1].contains(" file http://127.0.0.1:")
                && lines[1].contains(" demo 1.0 demo-1.0-py3-none-any.whl "),
            "{log}"
        );
        assert!(lines[2].ends_with(" 2020-01-02T03:04:05.123456Z"), "{log}");
    }
    // The committed copy beside the requirements is used without `--log-file` now
    // that it exists; nothing new is appended for files already seen.
    let run = hashlock(&case, &index, "verify", &["requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(case.read("hashlock.log"), committed);
    let run = log_verify(&case, &["hashlock.log"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("hashlock.log: intact, 2 records"),
        "{}",
        run.stderr
    );
}

#[test]
fn no_log_reads_and_writes_no_log() {
    let case = Case::new();
    let index = demo_index();
    case.file("requirements.txt", "demo==1.0\n");
    let run = hashlock(&case, &index, "lock", &["--no-log", "requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!case.cache.path().join("first-seen.log").exists());
    let path = case.run_raw(&["log", "path"], &[]);
    assert_eq!(
        path.stdout.trim(),
        case.cache
            .path()
            .join("first-seen.log")
            .display()
            .to_string()
    );
}

/// `--cache-dir` keeps the log, as `HASHLOCK_CACHE_DIR` does: read, appended to
/// and its head kept there, not in the platform's cache directory.
#[test]
fn the_cache_dir_flag_keeps_the_log_too() {
    let case = Case::new();
    let index = demo_index();
    case.file("requirements.txt", "demo==1.0\n");
    let home = case.dir.path().join("home");
    let home = home.to_str().unwrap();
    let simple = index.simple();
    let run = |command: &str| {
        let args = [
            command,
            "--index-url",
            simple.as_str(),
            "--retries",
            "0",
            "--cache-dir",
            "flagged",
            "requirements.txt",
        ];
        let env = [("HOME", home), ("XDG_CACHE_HOME", home)];
        case.run_raw_without(&args, &env, &["HASHLOCK_CACHE_DIR", "HASHLOCK_NO_CACHE"])
    };
    let locked = run("lock");
    assert_eq!(locked.code, 0, "{}", locked.stderr);
    let log = case.dir.path().join("flagged/first-seen.log");
    let text = fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(case.dir.path().join("flagged/heads").is_dir());
    assert!(!case.dir.path().join("home/hashlock").exists());
    // The next run reads that log: nothing is new, nothing is appended.
    let verified = run("verify");
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    assert_eq!(fs::read_to_string(&log).unwrap(), text);
    let run = case.run_raw(&["log", "verify", "flagged/first-seen.log"], &[]);
    assert!(run.stderr.contains("intact, 2 records"), "{}", run.stderr);
}

#[test]
fn log_verify_catches_a_hand_edited_record() {
    let (case, _index) = logged();
    let text = case.read("hashlock.log");
    // Change the first record's digest (its first byte): the second record no
    // longer links to it.
    let first = text.lines().nth(1).unwrap();
    let digest = first.split(' ').nth(8).unwrap();
    let forged = format!(
        "{}{}",
        if digest.starts_with('0') { "1" } else { "0" },
        &digest[1..]
    );
    case.file("hashlock.log", &text.replacen(digest, &forged, 1));
    let run = log_verify(&case, &["hashlock.log"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("record 2 does not link to the line before it"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hashlock.log:3:1"), "{}", run.stderr);
    // A damaged log gets nothing appended, and `verify` says why.
    let index = demo_index();
    let run = hashlock(&case, &index, "verify", &["requirements.txt"]);
    assert!(run.stderr.contains("is damaged"), "{}", run.stderr);
}

#[test]
fn log_verify_catches_a_truncated_log() {
    let (case, _index) = logged();
    let text = case.read("hashlock.log");
    // A record cut off the end: the chain is whole, the head hashlock wrote is gone.
    let last_line_start = text.trim_end().rfind('\n').unwrap() + 1;
    case.file("hashlock.log", &text[..last_line_start]);
    let run = log_verify(&case, &["hashlock.log"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the log ends at record 1, and hashlock wrote record 2"),
        "{}",
        run.stderr
    );
    // A line cut in the middle.
    case.file("hashlock.log", &text[..text.len() - 20]);
    let run = log_verify(&case, &["hashlock.log"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("cut short"), "{}", run.stderr);
    // A removed middle record.
    let lines: Vec<&str> = text.lines().collect();
    case.file("hashlock.log", &format!("{}\n{}\n", lines[0], lines[2]));
    let run = log_verify(&case, &["hashlock.log"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("record 2 where record 1 should be"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_truncated_cache_log_gets_nothing_appended_a_committed_one_does() {
    let (case, index) = logged();
    let cache_log = case.cache.path().join("first-seen.log");
    let text = fs::read_to_string(&cache_log).unwrap();
    let last_line_start = text.trim_end().rfind('\n').unwrap() + 1;
    // Only hashlock writes the cache's copy: its lost tail is damage, and the
    // record cut off is not "first seen" again by the next run.
    fs::write(&cache_log, &text[..last_line_start]).unwrap();
    let run = hashlock(&case, &index, "verify", &["requirements.txt"]);
    assert!(
        run.stderr.contains("cut off its end") && run.stderr.contains("nothing was appended"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_to_string(&cache_log).unwrap(),
        &text[..last_line_start]
    );
    let run = case.run_raw(&["log", "verify"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The committed copy changes with git (here: a branch where it is shorter):
    // the next run appends to it again, and `log verify` still tells.
    let committed = case.read("hashlock.log");
    let cut = committed.trim_end().rfind('\n').unwrap() + 1;
    case.file("hashlock.log", &committed[..cut]);
    let run = hashlock(&case, &index, "verify", &["requirements.txt"]);
    assert!(
        !run.stderr.contains("hashlock.log is damaged"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("hashlock.log").lines().count(), 3);
}

/// The log's part of a `lock` is prepared while the run plans and writes its files,
/// and written only once they are: a lock that refuses its file (a hash the index
/// never published) appends nothing, and leaves the log free for the next run.
#[test]
fn a_lock_that_fails_after_its_lookups_appends_nothing() {
    let case = Case::new();
    let index = demo_index();
    let zeros = "0".repeat(64);
    case.file(
        "requirements.txt",
        &format!("demo==1.0 --hash=sha256:{zeros}\n"),
    );
    let run = hashlock(&case, &index, "lock", &["requirements.txt"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    let log = case.cache.path().join("first-seen.log");
    assert!(!log.exists(), "{}", fs::read_to_string(&log).unwrap());
    case.file("requirements.txt", "demo==1.0\n");
    let run = hashlock(&case, &index, "lock", &["requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let appended = fs::read_to_string(&log).unwrap();
    assert_eq!(appended.lines().count(), 3, "{appended}");
}
