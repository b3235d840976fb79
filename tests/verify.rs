//! End-to-end tests of `hashlock verify` on the binary, against the loopback index
//! serving recorded PyPI documents. Every rule has a fixture in `fixtures/verify/`,
//! and each test asserts the finding's code, its line and the exit code.

use serde_json::Value;

use crate::support::Config;
use crate::support::cli::{Case, Run};
use crate::support::server::{synthetic_filenames, synthetic_sha256};

/// Runs `verify --no-deps ARGS FILE` on a copy of `fixtures/verify/FILE`: these
/// fixtures test the hash rules; dependencies are `completeness`'s.
fn verify(case: &Case, file: &str, args: &[&str]) -> Run {
    case.fixture("verify", file);
    let mut all: Vec<&str> = vec!["--no-deps"];
    all.extend_from_slice(args);
    all.push(file);
    case.run("verify", &all)
}

/// The findings of a JSON run: (code, severity, line) of each, in order.
fn findings(run: &Run) -> Vec<(String, String, u64)> {
    let document: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap().to_string();
            (text("code"), text("severity"), f["line"].as_u64().unwrap())
        })
        .collect()
}

/// Asserts one JSON run found exactly `expected` and exited with `code`.
fn assert_findings(file: &str, args: &[&str], code: i32, expected: &[(&str, &str, u64)]) {
    let case = Case::new();
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let run = verify(&case, file, &all);
    let got = findings(&run);
    let want: Vec<(String, String, u64)> = expected
        .iter()
        .map(|(c, s, l)| (c.to_string(), s.to_string(), *l))
        .collect();
    assert_eq!(got, want, "{file}: {}", run.stderr);
    assert_eq!(run.code, code, "{file}: {}", run.stderr);
}

#[test]
fn a_good_file_passes_with_one_line() {
    let case = Case::new();
    let run = verify(&case, "good.txt", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "Verified 3 requirements with 6 hashes in 1 file: no problems\n"
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn one_changed_hex_digit_fails_at_its_line() {
    assert_findings("tampered.txt", &[], 1, &[("unknown-hash", "error", 3)]);
    let case = Case::new();
    let run = verify(&case, "tampered.txt", &[]);
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("tampered_human", run.stderr));
    let run = verify(&case, "tampered.txt", &["--format", "json"]);
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("tampered_json", run.stdout));
}

#[test]
fn a_hash_of_another_version_names_that_version() {
    let case = Case::new();
    let run = verify(&case, "other-version.txt", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("from six 1.15.0"), "{}", run.stderr);
    assert_findings(
        "other-version.txt",
        &[],
        1,
        &[("unknown-hash", "error", 6), ("unknown-hash", "error", 7)],
    );
}

#[test]
fn every_requirement_needs_hashes() {
    assert_findings(
        "missing-hashes.txt",
        &["--offline"],
        1,
        &[("missing-hashes", "error", 2)],
    );
}

#[test]
fn ranges_are_not_pins() {
    assert_findings(
        "not-pinned.txt",
        &["--offline"],
        1,
        &[("not-pinned", "error", 1)],
    );
}

#[test]
fn wildcards_pass_pip_but_not_the_gate() {
    assert_findings(
        "wildcard-pin.txt",
        &["--offline"],
        1,
        &[("wildcard-pin", "error", 1)],
    );
}

#[test]
fn hash_syntax_is_checked() {
    assert_findings(
        "bad-hash.txt",
        &["--offline"],
        1,
        &[("bad-hash", "error", 1)],
    );
}

#[test]
fn editables_and_vcs_can_never_be_hashed() {
    assert_findings(
        "unhashable.txt",
        &["--offline"],
        1,
        &[("unhashable", "error", 2), ("unhashable", "error", 3)],
    );
}

#[test]
fn hash_sets_that_share_nothing_cannot_install() {
    assert_findings(
        "disjoint-hashes.txt",
        &["--offline"],
        1,
        &[("disjoint-hashes", "error", 3)],
    );
}

#[test]
fn continuation_traps_are_caught() {
    let trap = ("continuation-trap", "error");
    assert_findings(
        "continuation-space.txt",
        &["--offline"],
        1,
        &[
            (trap.0, trap.1, 1),
            (trap.0, trap.1, 2),
            (trap.0, trap.1, 3),
        ],
    );
    assert_findings(
        "continuation-glued.txt",
        &["--offline"],
        1,
        &[(trap.0, trap.1, 1)],
    );
    // The comment line ends the continuation: pip reads line 1 with no hash at all,
    // and the hash lines after the comment as options of nothing.
    assert_findings(
        "continuation-comment.txt",
        &["--offline"],
        1,
        &[
            ("missing-hashes", "error", 1),
            (trap.0, trap.1, 3),
            (trap.0, trap.1, 4),
        ],
    );
}

#[test]
fn a_file_with_a_syntax_error_still_has_its_other_lines_checked() {
    let case = Case::new();
    case.file("r.txt", "six=1.16.0\nidna==3.6\nflask>=2 --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\n");
    let run = case.run("verify", &["--offline", "--format", "json", "r.txt"]);
    let want = [("syntax", 1), ("missing-hashes", 2), ("not-pinned", 3)];
    let got: Vec<(String, u64)> = findings(&run)
        .into_iter()
        .map(|(code, _, line)| (code, line))
        .collect();
    assert_eq!(got, want.map(|(c, l)| (c.to_string(), l)), "{}", run.stdout);
}

#[test]
fn peep_comments_alone_protect_nothing() {
    assert_findings(
        "peep-only.txt",
        &["--offline"],
        1,
        // One finding with one fix (`migrate --fill`), not a second one saying `lock`.
        &[("peep-only", "error", 1)],
    );
}

#[test]
fn yanked_versions_warn_unless_denied() {
    assert_findings("yanked.txt", &[], 0, &[("yanked", "warning", 1)]);
    assert_findings(
        "yanked.txt",
        &["--deny-yanked"],
        1,
        &[("yanked", "error", 1)],
    );
}

#[test]
fn missing_files_warn_unless_strict() {
    assert_findings(
        "incomplete.txt",
        &[],
        0,
        &[("incomplete-hashes", "warning", 1)],
    );
    assert_findings(
        "incomplete.txt",
        &["--strict"],
        1,
        &[("incomplete-hashes", "error", 1)],
    );
}

#[test]
fn unknown_versions_are_findings() {
    assert_findings(
        "unknown-version.txt",
        &[],
        1,
        &[("unknown-version", "error", 1)],
    );
}

#[test]
fn offline_mode_asks_no_index() {
    let case = Case::new();
    let run = verify(&case, "tampered.txt", &["--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(case.index.total_requests(), 0);
    // The harness turns the cache off: no pin can be checked against an index, and
    // the run says so, naming them, instead of passing them in silence.
    assert!(
        run.stderr
            .contains("(offline: 3 pins not checked against an index)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "Not checked against an index (the cache is off: `--no-cache` or `HASHLOCK_NO_CACHE`): requests==2.31.0, six==1.16.0, idna==3.6"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn includes_and_constraints_are_checked() {
    let case = Case::new();
    case.fixture("verify", "missing-hashes.txt");
    case.file("constraints.txt", "six==1.16.0 --hash=sha256:abc\n");
    case.file(
        "requirements.txt",
        "-r missing-hashes.txt\n-c constraints.txt\n",
    );
    let run = case.run("verify", &["--offline", "--format", "json"]);
    let document: Value = serde_json::from_str(&run.stdout).unwrap();
    let files: Vec<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["missing-hashes.txt", "constraints.txt"],
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
}

#[test]
fn an_index_failure_is_never_reported_clean() {
    let case = Case::with(Config::default().failing("six"));
    let run = verify(&case, "good.txt", &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("six"), "{}", run.stderr);
}

#[test]
fn json_goes_alone_on_stdout() {
    let case = Case::new();
    let run = verify(&case, "good.txt", &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["schema"], 1);
    assert_eq!(document["summary"]["requirements"], 3);
    assert_eq!(document["findings"].as_array().unwrap().len(), 0);
}

/// A line carrying the true hashes of every file of synthetic package `synth-1`.
fn synthetic_line() -> (String, [String; 4]) {
    let files = synthetic_filenames("synth-1");
    let hashes: Vec<String> = files
        .iter()
        .map(|f| format!("--hash=sha256:{}", synthetic_sha256(f)))
        .collect();
    (format!("synth-1==1.0.0 {}\n", hashes.join(" ")), files)
}

#[test]
fn download_rehashes_every_file() {
    let (line, _) = synthetic_line();
    let case = Case::with(Config::default().synthetic());
    case.file("r.txt", &line);
    let run = case.run("verify", &["--no-deps", "--download", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(case.index.requests_matching("/files/"), 4);
}

#[test]
fn download_catches_a_file_changed_after_publishing() {
    let (line, files) = synthetic_line();
    let case = Case::with(Config::default().synthetic().corrupt_file(&files[2]));
    case.file("r.txt", &line);
    let run = case.run(
        "verify",
        &["--no-deps", "--download", "--format", "json", "r.txt"],
    );
    assert_eq!(
        findings(&run),
        [("digest-mismatch".to_string(), "error".to_string(), 1)],
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains(&files[2]), "{}", run.stdout);
    assert_eq!(run.code, 1);
    // Without --download the published hashes still match the line: only a download
    // can see that the file behind them changed.
    let run = case.run("verify", &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn urls_and_paths_in_messages_are_never_broken_across_lines() {
    let case = Case::new();
    let url = "git+https://github.com/some-organisation/a-rather-long-repository-name/archive/refs/heads/main-development-branch.zip#egg=something";
    case.file("r.txt", &format!("{url}\n"));
    let run = case.run("verify", &["--offline", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The message quotes the URL whole, on one line, however long the line gets.
    let message = run
        .stderr
        .lines()
        .find(|line| line.contains("x `git+https://"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(message.contains(url), "{}", run.stderr);
}

#[test]
fn a_line_with_a_syntax_error_leaves_the_others_counted() {
    let case = Case::new();
    case.file(
        "r.txt",
        "six==1.16.0\nidna==3.6 --hash=sha256:abc\nattrs==23.1.0\n",
    );
    let run = case.run("verify", &["--offline", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Verified 2 requirements with 0 hashes in 1 file"),
        "{}",
        run.stderr
    );
}

#[test]
fn one_of_two_files_has_no_hash() {
    let case = Case::new();
    case.file(
        "r.txt",
        "six==1.16.0 --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\n",
    );
    let run = case.run("verify", &["r.txt"]);
    assert!(
        run.stderr
            .contains("1 of 2 files of six 1.16.0 has no hash"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_network_failure_in_verify_does_not_speak_of_writing() {
    let case = Case::with(Config::default().failing("six"));
    case.fixture("verify", "good.txt");
    let run = case.run("verify", &["good.txt"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        !run.stderr.contains("nothing was written"),
        "{}",
        run.stderr
    );
}

#[test]
fn hidden_line_break_is_reported_with_its_own_code() {
    let case = Case::new();
    let text = "six==1.16.0\n# reviewed by security team\u{2028}attrs==23.1.0\n";
    case.file("requirements.txt", text);
    let run = case.run(
        "verify",
        &["--offline", "--format", "json", "requirements.txt"],
    );
    let codes: Vec<String> = findings(&run)
        .into_iter()
        .map(|(code, _, _)| code)
        .collect();
    assert!(codes.contains(&"hidden-line-break".to_owned()), "{codes:?}");
    assert_eq!(run.code, 1, "{}", run.stderr);
}
