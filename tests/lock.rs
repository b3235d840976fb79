//! End-to-end tests of `hashlock lock`, run on the binary against a loopback index
//! serving recorded PyPI documents from `fixtures/pypi/`.

use std::fs;
use std::path::Path;

use crate::support::Config;
use crate::support::cli::{Case, Run};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/lock");

/// The `lock` side of the shared harness.
trait Lock {
    fn lock(&self, args: &[&str]) -> Run;
    fn lock_fixture(&self, name: &str);
}

impl Lock for Case {
    fn lock(&self, args: &[&str]) -> Run {
        self.run("lock", args)
    }

    fn lock_fixture(&self, name: &str) {
        self.fixture("lock", name);
    }
}

#[test]
fn locks_a_pip_freeze() {
    let case = Case::new();
    case.lock_fixture("freeze.txt");
    let run = case.lock(&["freeze.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("freeze_locked", case.read("freeze.txt"));
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("freeze_summary", run.stderr));
}

#[test]
fn second_lock_changes_no_byte() {
    let case = Case::new();
    case.lock_fixture("mixed.txt");
    assert_eq!(case.lock(&["mixed.txt"]).code, 0);
    let first = case.read("mixed.txt");
    let run = case.lock(&["mixed.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(case.read("mixed.txt"), first);
    assert!(
        run.stderr.contains("(0 changed)") || run.stderr.contains("0 changed"),
        "{}",
        run.stderr
    );
    assert_eq!(case.lock(&["--check", "mixed.txt"]).code, 0);
}

#[test]
fn keeps_every_other_byte_and_already_locked_lines() {
    let case = Case::new();
    case.lock_fixture("mixed.txt");
    let run = case.lock(&["mixed.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let locked = case.read("mixed.txt");
    insta::assert_snapshot!("mixed_locked", locked);
    let original = fs::read_to_string(Path::new(FIXTURES).join("mixed.txt")).unwrap();
    let untouched = "six==1.16.0 \\\n    --hash=sha256:8ABB2F1D86890A2DFB989F9A77CFCFD3E47C2A354B01111771326F8AA26E0254 \\\n    --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\n";
    assert!(original.contains(untouched) && locked.contains(untouched));
    assert!(locked.starts_with("# Project dependencies: edited by hand, locked by hashlock.\n--index-url https://pypi.org/simple\n--only-binary :all:\n\n"));
}

#[test]
fn crlf_files_stay_crlf() {
    let case = Case::new();
    let lf = fs::read_to_string(Path::new(FIXTURES).join("mixed.txt")).unwrap();
    case.file("lf.txt", &lf);
    case.file("crlf.txt", &lf.replace('\n', "\r\n"));
    assert_eq!(case.lock(&["lf.txt"]).code, 0);
    let run = case.lock(&["crlf.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        case.read("crlf.txt"),
        case.read("lf.txt").replace('\n', "\r\n")
    );
}

#[test]
fn bom_and_missing_final_newline_are_kept() {
    let case = Case::new();
    case.file("r.txt", "\u{feff}six==1.16.0  # no newline at the end");
    let run = case.lock(&["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let locked = case.read("r.txt");
    assert!(
        locked.starts_with("\u{feff}six==1.16.0 \\\n    --hash=sha256:1e61"),
        "{locked}"
    );
    assert!(locked.ends_with("--hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254  # no newline at the end"), "{locked}");
}

#[test]
fn check_exits_1_and_writes_nothing() {
    let case = Case::new();
    let path = case.fixture("lock", "freeze.txt");
    let before = fs::read(&path).unwrap();
    let run = case.lock(&["--check", "freeze.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("would change freeze.txt"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn diff_prints_and_writes_nothing() {
    let case = Case::new();
    let path = case.file("r.txt", "# top\nsix==1.16.0\n");
    let run = case.lock(&["--diff", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), "# top\nsix==1.16.0\n");
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("diff", run.stdout));
}

#[test]
fn output_to_stdout_and_to_a_file() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let run = case.lock(&["-o", "-", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("six==1.16.0 \\\n    --hash=sha256:"),
        "{}",
        run.stdout
    );
    assert_eq!(case.read("r.txt"), "six==1.16.0\n");
    assert_eq!(case.lock(&["-o", "out.txt", "r.txt"]).code, 0);
    assert_eq!(case.read("out.txt"), run.stdout);
    assert_eq!(case.read("r.txt"), "six==1.16.0\n");
}

#[test]
fn includes_are_locked_and_constraints_left_alone() {
    let case = Case::new();
    fs::create_dir(case.path("sub")).unwrap();
    case.file(
        "requirements.txt",
        "-r sub/base.txt\n-c constraints.txt\nrequests==2.31.0\n",
    );
    case.file("sub/base.txt", "six==1.16.0\n-r more.txt\n");
    case.file("sub/more.txt", "requests==2.31.0\nidna==3.6\n");
    case.file("constraints.txt", "urllib3==2.2.1\nidna>=3\n");
    let run = case.lock(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        case.read("requirements.txt")
            .contains("requests==2.31.0 \\\n    --hash=sha256:")
    );
    assert!(
        case.read("sub/base.txt")
            .starts_with("six==1.16.0 \\\n    --hash=sha256:")
    );
    assert!(
        case.read("sub/more.txt")
            .contains("idna==3.6 \\\n    --hash=sha256:")
    );
    assert_eq!(case.read("constraints.txt"), "urllib3==2.2.1\nidna>=3\n");
    // requests is named twice but asked for once.
    assert_eq!(case.index.requests_matching("/pypi/requests/"), 1);
}

#[test]
fn include_cycles_and_missing_includes_point_at_their_line() {
    let case = Case::new();
    case.file("a.txt", "six==1.16.0\n-r b.txt\n");
    case.file("b.txt", "-r a.txt\n");
    let run = case.lock(&["a.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("include_cycle", run.stderr));
    case.file("c.txt", "six==1.16.0\n-r missing.txt\n");
    let run = case.lock(&["c.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("include_missing", run.stderr));
}

#[test]
fn a_failure_mid_run_changes_no_file() {
    let case = Case::with(Config::default().failing("urllib3"));
    case.file(
        "requirements.txt",
        "-r base.txt\nrequests==2.31.0\nsix==1.16.0\n",
    );
    case.file("base.txt", "idna==3.6\nurllib3==2.2.1\n");
    let run = case.lock(&[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("urllib3"), "{}", run.stderr);
    assert!(run.stderr.contains("base.txt:2:1"), "{}", run.stderr);
    assert_eq!(
        case.read("requirements.txt"),
        "-r base.txt\nrequests==2.31.0\nsix==1.16.0\n"
    );
    assert_eq!(case.read("base.txt"), "idna==3.6\nurllib3==2.2.1\n");
}

#[test]
fn an_index_that_never_answers_times_out_with_exit_3() {
    let case = Case::with(Config::default().hanging("six"));
    case.file("r.txt", "six==1.16.0\nidna==3.6\n");
    let run = case.lock(&["r.txt"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("six") && run.stderr.contains("did not answer"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), "six==1.16.0\nidna==3.6\n");
}

#[test]
fn rate_limits_are_waited_out() {
    let case = Case::with(Config::default().rate_limited("six", 1, 1));
    case.file("r.txt", "six==1.16.0\n");
    let run = case.lock(&["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(case.read("r.txt").contains("--hash=sha256:8abb"));
}

#[test]
fn mirrors_without_the_version_endpoint_give_the_same_file() {
    let direct = Case::new();
    let mirror = Case::with(Config::default().without_version_endpoint());
    for case in [&direct, &mirror] {
        case.lock_fixture("mixed.txt");
        let run = case.lock(&["mixed.txt"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert_eq!(direct.read("mixed.txt"), mirror.read("mixed.txt"));
}

#[test]
fn unknown_packages_and_versions_are_named() {
    let case = Case::new();
    case.file(
        "r.txt",
        "six==1.16.0\nno-such-package==1.0\nrequests==2.31.7\n",
    );
    let run = case.lock(&["r.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("unknown", run.stderr));
    assert_eq!(
        case.read("r.txt"),
        "six==1.16.0\nno-such-package==1.0\nrequests==2.31.7\n"
    );
}

#[test]
fn unpinned_requirements_are_listed_and_block_the_write() {
    let case = Case::new();
    let text = "six==1.16.0\nflask @ git+https://github.com/pallets/flask\n-e ./src/app\ngit+https://github.com/psf/requests#egg=requests\n";
    case.file("r.txt", text);
    let run = case.lock(&["r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("unpinned", run.stderr));
    assert_eq!(case.read("r.txt"), text);
    let run = case.lock(&["--allow-unpinned", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let locked = case.read("r.txt");
    assert!(locked.starts_with("six==1.16.0 \\\n    --hash=sha256:"));
    assert!(locked.ends_with(
        "flask @ git+https://github.com/pallets/flask\n-e ./src/app\ngit+https://github.com/psf/requests#egg=requests\n"
    ));
}

#[test]
fn partly_unknown_hashes_stop_the_run_unless_forced() {
    let case = Case::new();
    let bad = "ff".repeat(32);
    let text = format!(
        "six==1.16.0 \\\n    --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926 \\\n    --hash=sha256:{bad}\n"
    );
    case.file("r.txt", &text);
    let run = case.lock(&["r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&bad) && run.stderr.contains("r.txt:1:1"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), text);
    let run = case.lock(&["--force", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!case.read("r.txt").contains(&bad));
}

#[test]
fn hashes_of_another_version_are_replaced() {
    let case = Case::new();
    // The two hashes of six 1.15.0: the pin was bumped by hand.
    let old =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pypi/six.json"))
            .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&old).unwrap();
    let stale: Vec<String> = doc["releases"]["1.15.0"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["digests"]["sha256"].as_str().unwrap().to_string())
        .collect();
    let text = format!(
        "six==1.16.0 --hash=sha256:{} --hash=sha256:{}\n",
        stale[0], stale[1]
    );
    case.file("r.txt", &text);
    let run = case.lock(&["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("replaced 2 hashes"), "{}", run.stderr);
    let locked = case.read("r.txt");
    assert!(
        !locked.contains(&stale[0]) && locked.contains("1e61c374"),
        "{locked}"
    );
}

#[test]
fn bad_input_is_reported_with_its_line() {
    let cases = [
        ("unknown_option", "six==1.16.0\n--frobnicate\n"),
        ("short_hash", "six==1.16.0 --hash=sha256:abc123\n"),
        (
            "md5_hash",
            "six==1.16.0 --hash=md5:0123456789abcdef0123456789abcdef\n",
        ),
        (
            "text_after_options",
            "six==1.16.0 --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926 idna==3.6\n",
        ),
        (
            "marker_after_hash",
            "six==1.16.0 --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926 ; python_version < \"3\"\n",
        ),
        (
            "orphan_hash",
            "six==1.16.0 \\\n# a comment ends the line\n    --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\n",
        ),
        ("bad_requirement", "six=1.16.0\n"),
    ];
    for (name, text) in cases {
        let case = Case::new();
        case.file("r.txt", text);
        let run = case.lock(&["r.txt"]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.stderr.contains("r.txt:"), "{name}: {}", run.stderr);
        assert_eq!(case.read("r.txt"), text, "{name}");
        case.snapshot_settings()
            .bind(|| insta::assert_snapshot!(format!("bad_{name}"), run.stderr));
    }
}

#[cfg(unix)]
#[test]
fn permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let case = Case::new();
    let path = case.file("r.txt", "six==1.16.0\n");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(case.lock(&["r.txt"]).code, 0);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn quiet_never_hides_why_the_exit_code_is_not_0() {
    let case = Case::new();
    case.file("range.txt", "six==1.16.0\n-e ./src/app\n");
    let run = case.lock(&["-q", "--allow-unpinned", "range.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`./src/app` is an editable requirement"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not locked"), "{}", run.stderr);
}

#[test]
fn hints_fit_the_case() {
    let case = Case::new();
    // The range gets a version chosen: only the editable cannot be locked.
    case.file("one.txt", "flask>=2\n-e ./src/app\n");
    let run = case.lock(&["one.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("1 requirement cannot be locked"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("version range"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("later release"),
        "say what to do now: {}",
        run.stderr
    );
    case.file("editable.txt", "-e ./src/app\n");
    let run = case.lock(&["editable.txt"]);
    assert!(
        run.stderr
            .contains("keep it in a file that is not installed with `--require-hashes`"),
        "no advice to pin an editable: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("pin it as"), "{}", run.stderr);
    let run = case.run_raw(&["lock", "--timeout", "0", "editable.txt"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("a timeout of 0 seconds"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("18446744073709551615"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_command_line_index_over_the_files_own_is_said() {
    // The harness passes `--index-url`: it wins, and the file's line is named.
    let case = Case::new();
    case.file(
        "r.txt",
        "--index-url https://example.invalid/simple\nsix==1.16.0\n",
    );
    let run = case.lock(&["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("pip installs from this index"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("r.txt:1:1"), "{}", run.stderr);
}

#[test]
fn env_var_in_a_version_is_expanded_for_the_lookup_and_kept_in_the_file() {
    let case = Case::new();
    case.file("requirements.txt", "six==${SIXVER}\n");
    let run = case.run_with_env("lock", &["requirements.txt"], &[("SIXVER", "1.16.0")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let locked = case.read("requirements.txt");
    assert!(locked.starts_with("six==${SIXVER} \\\n"), "{locked}");
    assert!(locked.contains("--hash=sha256:"), "{locked}");
}

#[test]
fn unset_env_var_in_a_version_is_named() {
    let case = Case::new();
    case.file("requirements.txt", "six==${SIXVER}\n");
    let run = case.run_with_env("lock", &["requirements.txt"], &[("SIXVER", "")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("`${SIXVER}` is not set"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("requirements.txt"), "six==${SIXVER}\n");
}

#[test]
fn hidden_line_break_is_refused_and_nothing_written() {
    let case = Case::new();
    let text = "six==1.16.0\n# reviewed by security team\u{2028}attrs==23.1.0\n";
    case.file("requirements.txt", text);
    let run = case.lock(&["requirements.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("U+2028 LINE SEPARATOR"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("requirements.txt"), text);
}

#[test]
fn non_ascii_word_after_a_marker_exits_2_not_101() {
    let case = Case::new();
    let text = "six==1.16.0; python_version < \"3\" \u{e9}\n";
    case.file("requirements.txt", text);
    let run = case.lock(&["requirements.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(case.read("requirements.txt"), text);
}

/// Listings read to choose versions stay in memory until their pins are looked up.
/// More of them than the 16 MiB document budget (14 listings of 1.46 MB here) must
/// not leave the fetches still to come waiting for budget that only they hold.
#[test]
fn listings_kept_past_the_document_budget_do_not_stall_a_run() {
    let case = Case::with(Config::new().synthetic().synthetic_history(3000));
    let ranges: String = (1..=14).map(|n| format!("synth-{n}>=0.1\n")).collect();
    case.file("requirements.txt", &ranges);
    let limit = std::time::Duration::from_secs(60);
    let run = case.run_within(case.command("lock", &[]), limit);
    let run = run.expect("still running after 60 s: the fetches stalled");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let locked = case.read("requirements.txt");
    assert_eq!(locked.matches("==1.0.0").count(), 14, "{locked}");
}
