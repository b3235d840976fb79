//! Patterns seen in requirements files published by real projects (pip-compile's old
//! layout, hashin, peep with URL lines, private builds, constraints with hashes), each
//! a fixture under `fixtures/real/`: hashlock reads them as pip does, changes no byte
//! that did not have to change, and `lock` and `verify` give one verdict.

use serde_json::Value;

use crate::support::cli::{Case, Run};

const SIX_SDIST: &str = "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926";

fn codes(run: &Run) -> Vec<(String, u64)> {
    let document: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_old_pip_compile_layout_keeps_its_via_lines_and_hash_order() {
    let case = Case::new();
    case.fixture("real", "pip-compile-old.txt");
    let before = case.read("pip-compile-old.txt");
    let run = case.run("lock", &["pip-compile-old.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The missing sdist hash goes after the existing one; the `# via` line stays the
    // last continuation line, and idna's hand-made order is untouched.
    let expected = before.replace(
        "--hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254 \\\n",
        &format!(
            "--hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254 \\\n    --hash=sha256:{SIX_SDIST} \\\n"
        ),
    );
    assert_eq!(case.read("pip-compile-old.txt"), expected);
    let run = case.run("lock", &["--check", "pip-compile-old.txt"]);
    assert_eq!(run.code, 0, "a second lock changes nothing: {}", run.stderr);
    let run = case.run("verify", &["--strict", "pip-compile-old.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_hashin_file_round_trips_unchanged() {
    let case = Case::new();
    case.fixture("real", "hashin.txt");
    let before = case.read("hashin.txt");
    let run = case.run("lock", &["hashin.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(case.read("hashin.txt"), before);
}

#[test]
fn hashed_url_requirements_pass_lock_check() {
    // pip installs a URL requirement with its `--hash` as it is: nothing to lock.
    let case = Case::new();
    case.fixture("real", "hashed-url.txt");
    let before = case.read("hashed-url.txt");
    let run = case.run("lock", &["--check", "hashed-url.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = case.run("lock", &["hashed-url.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(case.read("hashed-url.txt"), before);
    // Without its hash, `lock` downloads the file and writes it: see `download.rs`.
}

#[test]
fn peep_files_with_url_lines_are_filled_where_they_can_be() {
    let case = Case::new();
    case.fixture("real", "peep-urls.txt");
    let run = case.run("migrate", &["--fill", "peep-urls.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("not filled"), "{}", run.stderr);
    let migrated = case.read("peep-urls.txt");
    assert!(
        migrated.contains(&format!(
            "six==1.16.0 \\\n    --hash=sha256:{SIX_SDIST} \\\n    --hash=sha256:8abb2f"
        )),
        "{migrated}"
    );
    assert!(
        migrated.contains("https://github.com/example/fork/archive/0123abcd.zip#egg=fork \\\n    --hash=sha256:30639c035cdb23534cd4aa2dd52c3bf48f06e5f4a941509c8bafd8ce11080259\n"),
        "{migrated}"
    );
    // The result is a file `lock --check` accepts as it is.
    let run = case.run("lock", &["--check", "peep-urls.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn private_builds_are_refused_not_replaced_by_public_hashes() {
    let case = Case::new();
    case.fixture("real", "private-builds.txt");
    let before = case.read("private-builds.txt");
    let run = case.run("lock", &["private-builds.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no file of six has it"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("private build"), "{}", run.stderr);
    assert_eq!(case.read("private-builds.txt"), before);
    let run = case.run("lock", &["--force", "private-builds.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(case.read("private-builds.txt").contains(SIX_SDIST));
    // verify names the same rule.
    case.fixture("real", "private-builds.txt");
    let run = case.run("verify", &["private-builds.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no file of any version has this hash"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_moved_pin_is_replaced_and_said_so() {
    let case = Case::new();
    let stale = "six==1.16.0 --hash=sha256:30639c035cdb23534cd4aa2dd52c3bf48f06e5f4a941509c8bafd8ce11080259\n";
    case.file("r.txt", stale);
    let run = case.run("lock", &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("of six 1.15.0: the pin moved to `six==1.16.0`"),
        "{}",
        run.stderr
    );
}

#[test]
fn peep_lines_are_checked_like_hash_options() {
    // The sha256 of empty input, in peep's form, above a line whose `--hash`es are fine.
    let case = Case::new();
    case.fixture("real", "peep-empty-digest.txt");
    let before = case.read("peep-empty-digest.txt");
    let run = case.run("lock", &["peep-empty-digest.txt"]);
    assert_eq!(run.code, 1, "lock stops on it: {}", run.stderr);
    assert!(run.stderr.contains("peep hash"), "{}", run.stderr);
    assert!(
        run.stderr.contains("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 (no file of six has it)"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("peep-empty-digest.txt"), before);
    let run = case.run(
        "verify",
        &["--no-deps", "--format", "json", "peep-empty-digest.txt"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(codes(&run), [("unknown-hash".to_owned(), 1)]);
}

#[test]
fn constraint_hashes_are_checked_online() {
    let case = Case::new();
    case.fixture("real", "constraints-tampered.txt");
    case.fixture("real", "with-constraints.txt");
    let run = case.run(
        "verify",
        &["--no-deps", "--format", "json", "with-constraints.txt"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The tampered constraint shares no hash with the requirement (pip intersects
    // them: nothing could install), and its hash is not published.
    assert_eq!(
        codes(&run),
        [
            ("disjoint-hashes".to_owned(), 1),
            ("unknown-hash".to_owned(), 2)
        ]
    );
    // On its own, `-c` says it is a constraints file: not every line needs hashes.
    case.file("c.txt", "idna==3.6\nsix==1.16.0 --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c927\n");
    let run = case.run("verify", &["--format", "json", "-c", "c.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(codes(&run), [("unknown-hash".to_owned(), 2)]);
    // `lock` never modifies a constraints file.
    let before = case.read("constraints-tampered.txt");
    let _ = case.run("lock", &["with-constraints.txt"]);
    assert_eq!(case.read("constraints-tampered.txt"), before);
}

#[test]
fn a_missing_package_is_unknown_package_in_verify_too() {
    let case = Case::new();
    case.file(
        "r.txt",
        "no-such-package==1.0 --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\nsix==9.9.9 --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\n",
    );
    let run = case.run("verify", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        codes(&run),
        [
            ("unknown-package".to_owned(), 1),
            ("unknown-version".to_owned(), 2)
        ]
    );
    let run = case.run("verify", &["r.txt"]);
    // The same words as `lock`.
    assert!(
        run.stderr.contains("no such package `no-such-package`"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_versions_of_one_package_stop_lock_and_fail_verify() {
    let case = Case::new();
    case.fixture("real", "conflicting-pins.txt");
    let before = case.read("conflicting-pins.txt");
    let run = case.run("lock", &["conflicting-pins.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("pins six to two versions"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("conflicting-pins.txt:1"),
        "names the first line: {}",
        run.stderr
    );
    assert_eq!(case.read("conflicting-pins.txt"), before);
    let run = case.run(
        "verify",
        &["--offline", "--format", "json", "conflicting-pins.txt"],
    );
    let found: Vec<(String, u64)> = codes(&run)
        .into_iter()
        .filter(|(code, _)| code != "missing-hashes")
        .collect();
    assert_eq!(found, [("conflicting-pins".to_owned(), 3)]);
}
