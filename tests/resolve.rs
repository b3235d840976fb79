//! Ranges become pins: `lock` chooses the newest version every line allows under
//! pip's rules (pre-releases, yanked, `Requires-Python`, no file for the targets),
//! `--upgrade` and `-P` move pins, `--min-age` passes over new uploads. The
//! loopback index serves `fixtures/choose/`: `webby` (1.0 .. 2.4 with a post
//! release, a yanked 2.2, a 2.3rc1, a 2.3 for Python >= 3.13 and a Windows-only
//! 2.4) and `tool` (0.9 .. 2.0 and a 3.0b1), every file with an upload time.

use serde_json::{Value, json};

use crate::support::Config;
use crate::support::cli::{Case, Run};

const LINUX_311: [&str; 4] = [
    "--python-version",
    "3.11",
    "--platform",
    "manylinux_2_17_x86_64",
];

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/choose");

fn case() -> Case {
    Case::with(Config::new().fixtures(FIXTURES))
}

fn lock(case: &Case, args: &[&str]) -> Run {
    let mut all: Vec<&str> = LINUX_311.to_vec();
    all.extend_from_slice(args);
    case.run("lock", &all)
}

/// The requirement part of each requirement line (hashes and the header left out).
fn pins(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| !line.starts_with(' ') && !line.starts_with('#') && !line.is_empty())
        .map(|line| line.trim_end_matches(" \\").to_owned())
        .collect()
}

#[test]
fn ranges_become_the_newest_version_pips_rules_allow() {
    let case = case();
    // 2.4 has no file for Linux, 2.3 needs Python 3.13, 2.3rc1 is a pre-release,
    // 2.2 is yanked: 2.1 it is. `tool` below 2 gives 1.5.
    case.file(
        "requirements.txt",
        "# app\nWebby>=1.0  # the web\ntool<2 ; python_version >= \"3\"\n",
    );
    let run = lock(&case, &["requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("requirements.txt");
    assert_eq!(
        pins(&text),
        ["Webby==2.1", "tool==1.5 ; python_version >= \"3\""],
        "{text}"
    );
    // The comment stays, after the hashes (where pip still reads them).
    assert!(text.contains("  # the web\n"), "{text}");
    // Each line carries the hashes of its chosen version's files.
    assert!(
        text.contains(&format!("--hash=sha256:{}", sha256("webby-2.1.tar.gz"))),
        "{text}"
    );
    assert!(run.stderr.contains("Webby>=1.0 -> 2.1"), "{}", run.stderr);
    assert!(run.stderr.contains("tool<2 -> 1.5"), "{}", run.stderr);
    // Versions are chosen from the Simple API's listing (PEP 691 JSON, as pip),
    // never the JSON API's much larger project document.
    assert_eq!(case.index.requests("/simple/webby/"), 1);
    assert_eq!(case.index.requests("/pypi/webby/json"), 0);
    // And the chosen release is read from that listing, not asked for again.
    assert_eq!(case.index.requests("/pypi/webby/2.1/json"), 0);
    // A second run changes nothing.
    let again = lock(&case, &["requirements.txt"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(case.read("requirements.txt"), text);
    assert!(!again.stderr.contains("->"), "{}", again.stderr);
}

fn sha256(filename: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(filename.as_bytes()))
}

#[test]
fn python_313_takes_the_release_that_requires_it() {
    let case = case();
    case.file("r.txt", "webby\n");
    let run = case.run(
        "lock",
        &[
            "--python-version",
            "3.13",
            "--platform",
            "manylinux_2_17_x86_64",
            "r.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(pins(&case.read("r.txt"))[0], "webby==2.3");
}

#[test]
fn pre_releases_only_when_asked_or_named() {
    let case = case();
    case.file("plain.txt", "tool>=1\n");
    case.file("named.txt", "tool>=3.0b1\n");
    case.file("flag.txt", "tool>=1\n");
    case.file("inline.txt", "--pre\ntool>=1\n");
    assert_eq!(lock(&case, &["plain.txt"]).code, 0);
    assert_eq!(lock(&case, &["named.txt"]).code, 0);
    assert_eq!(lock(&case, &["--pre", "flag.txt"]).code, 0);
    assert_eq!(lock(&case, &["inline.txt"]).code, 0);
    assert_eq!(pins(&case.read("plain.txt")), ["tool==2.0"]);
    assert_eq!(pins(&case.read("named.txt")), ["tool==3.0b1"]);
    assert_eq!(pins(&case.read("flag.txt")), ["tool==3.0b1"]);
    assert_eq!(pins(&case.read("inline.txt")), ["--pre", "tool==3.0b1"]);
}

#[test]
fn yanked_only_when_pinned_exactly_and_post_releases_count() {
    let case = case();
    case.file("r.txt", "webby>=2.2,<2.3\n");
    let run = lock(&case, &["r.txt"]);
    assert_eq!(run.code, 1, "only the yanked 2.2 is left: {}", run.stderr);
    assert!(run.stderr.contains("2.2 is yanked"), "{}", run.stderr);
    assert!(run.stderr.contains("r.txt:1:1"), "{}", run.stderr);
    assert_eq!(case.read("r.txt"), "webby>=2.2,<2.3\n", "nothing written");
    case.file("pinned.txt", "webby==2.2\n");
    assert_eq!(lock(&case, &["pinned.txt"]).code, 0);
    // `~=1.0` is `>=1.0, ==1.*`: the post release of 1.1 is the newest.
    case.file("post.txt", "webby~=1.0\n");
    assert_eq!(lock(&case, &["post.txt"]).code, 0);
    assert_eq!(pins(&case.read("post.txt")), ["webby==1.1.post1"]);
    case.file("post.txt", "webby<1.1.post1\n");
    assert_eq!(lock(&case, &["post.txt"]).code, 0);
    assert_eq!(pins(&case.read("post.txt")), ["webby==1.1"]);
}

#[test]
fn other_lines_and_constraints_narrow_the_choice() {
    let case = case();
    case.file("constraints.txt", "tool!=1.5\n");
    case.file("base.txt", "tool>=0.9\n");
    case.file("r.txt", "-c constraints.txt\n-r base.txt\ntool<2\n");
    let run = lock(&case, &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // >=0.9 (base.txt), <2 (r.txt), !=1.5 (constraints): 1.0, on both lines.
    assert_eq!(pins(&case.read("r.txt"))[2], "tool==1.0");
    assert_eq!(pins(&case.read("base.txt")), ["tool==1.0"]);
    assert_eq!(case.read("constraints.txt"), "tool!=1.5\n", "never written");
    // A pin elsewhere decides.
    case.file("pinned.txt", "tool==0.9\ntool>=0.5\n");
    assert_eq!(lock(&case, &["pinned.txt"]).code, 0);
    assert_eq!(pins(&case.read("pinned.txt")), ["tool==0.9", "tool==0.9"]);
}

#[test]
fn a_line_is_chosen_for_the_targets_its_marker_holds_on() {
    let case = case();
    // webby 2.4 has only a Windows wheel: a line only Windows installs takes it,
    // one for every target cannot.
    case.file(
        "r.txt",
        "webby>=2.1 ; sys_platform == \"win32\"\nwebby>=2.0 ; sys_platform != \"win32\"\n",
    );
    // (2.4's one wheel is for CPython 3.12.)
    let both = [
        "--python-version",
        "3.12",
        "--platform",
        "manylinux_2_17_x86_64",
        "--platform",
        "win_amd64",
        "r.txt",
    ];
    let run = case.run("lock", &both);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        pins(&case.read("r.txt")),
        [
            "webby==2.4 ; sys_platform == \"win32\"",
            "webby==2.1 ; sys_platform != \"win32\""
        ]
    );
    // Locked for Linux alone, the Windows line holds on no target: any version
    // with a file will do, and no target has to install it.
    case.file("w.txt", "webby>=2.1 ; sys_platform == \"win32\"\n");
    let run = lock(&case, &["w.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("webby>=2.1 -> 2.4"), "{}", run.stderr);
    let text = case.read("w.txt");
    assert_eq!(pins(&text), ["webby==2.4 ; sys_platform == \"win32\""]);
    assert!(text.contains("--hash=sha256:36074190"), "{text}");
}

#[test]
fn annotate_keeps_the_range_in_the_comment() {
    let case = case();
    case.file("r.txt", "tool>=1,<2\r\nwebby  # web\r\n");
    let run = lock(&case, &["--annotate", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("r.txt");
    assert!(
        text.contains("\r\ntool==1.5 \\\r\n    --hash=sha256:"),
        "{text:?}"
    );
    assert!(text.contains("  # from >=1,<2\r\n"), "{text:?}");
    assert!(text.contains("  # web (from any version)\r\n"), "{text:?}");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF kept: {text:?}"
    );
}

#[test]
fn no_release_at_all_is_an_error_at_the_line() {
    let case = case();
    case.file("r.txt", "tool>=1\nnothere>=1\n");
    let run = lock(&case, &["r.txt"]);
    // As for a pin of an unknown project: bad input.
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("r.txt:2:1"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the index has no release of `nothere>=1`"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), "tool>=1\nnothere>=1\n");
}

#[test]
fn upgrade_moves_every_pin_and_p_only_the_named() {
    let case = case();
    let text = "tool==0.9\nwebby==1.0\n";
    case.file("r.txt", text);
    // No upgrade: pins stay.
    assert_eq!(lock(&case, &["r.txt"]).code, 0);
    assert_eq!(pins(&case.read("r.txt")), ["tool==0.9", "webby==1.0"]);
    // `-P` with a specifier moves one pin, within it.
    let run = lock(&case, &["-P", "tool<2", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(pins(&case.read("r.txt")), ["tool==1.5", "webby==1.0"]);
    assert!(run.stderr.contains("tool==0.9 -> 1.5"), "{}", run.stderr);
    // `--upgrade` moves them all.
    let run = lock(&case, &["--upgrade", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(pins(&case.read("r.txt")), ["tool==2.0", "webby==2.1"]);
    // Already the newest: the hashes are still checked and completed.
    let locked = case.read("r.txt");
    let first_hash = locked
        .lines()
        .find(|l| l.contains("--hash"))
        .unwrap()
        .to_owned();
    let partial = locked.replacen(&format!("{first_hash}\n"), "", 1);
    case.file("r.txt", &partial);
    let run = lock(&case, &["--upgrade", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sorted = |text: &str| {
        let mut lines: Vec<String> = text
            .lines()
            .map(|l| l.trim_end_matches(" \\").to_owned())
            .collect();
        lines.sort();
        lines
    };
    assert_ne!(case.read("r.txt"), partial, "the missing hash is back");
    assert_eq!(sorted(&case.read("r.txt")), sorted(&locked));
    assert!(!run.stderr.contains("->"), "{}", run.stderr);
}

#[test]
fn upgrade_package_refuses_what_is_not_a_name() {
    let case = case();
    case.file("r.txt", "tool==0.9\n");
    let run = lock(&case, &["-P", "tool @ https://x/y.whl", "r.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--upgrade-package"), "{}", run.stderr);
    // A name no line has: said, and nothing else moves.
    let run = lock(&case, &["-P", "webby", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("no requirement names webby"),
        "{}",
        run.stderr
    );
    assert_eq!(pins(&case.read("r.txt")), ["tool==0.9"]);
}

/// The fixtures with `tool` 2.0's files uploaded `hours` ago (and, with `none`,
/// `tool` 1.5's upload times removed).
fn recent_tool(hours: i64, none: bool) -> tempfile::TempDir {
    let now = jiff::Timestamp::now();
    let recent = now - jiff::SignedDuration::from_hours(hours);
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let path = dir.path().join("tool.json");
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for file in document["releases"]["2.0"].as_array_mut().unwrap() {
        file["upload_time_iso_8601"] = json!(recent.to_string());
    }
    if none {
        for file in document["releases"]["1.5"].as_array_mut().unwrap() {
            file["upload_time_iso_8601"] = Value::Null;
        }
    }
    std::fs::write(&path, document.to_string()).unwrap();
    dir
}

#[test]
fn min_age_passes_over_new_uploads_and_says_so() {
    let fixtures = recent_tool(48, false);
    let case = Case::with(Config::new().fixtures(fixtures.path()));
    case.file("r.txt", "tool>=1\n");
    let run = lock(&case, &["--min-age", "7d", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(pins(&case.read("r.txt")), ["tool==1.5"]);
    assert!(
        run.stderr.contains("skipped tool 2.0: uploaded"),
        "{}",
        run.stderr
    );
    // Older than the cooldown: taken.
    case.file("r.txt", "tool>=1\n");
    let run = lock(&case, &["--min-age", "1d", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(pins(&case.read("r.txt")), ["tool==2.0"]);
    // `--upgrade` honours it too.
    case.file("r.txt", "tool==1.0\n");
    let run = lock(&case, &["--upgrade", "--min-age", "P7D", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(pins(&case.read("r.txt")), ["tool==1.5"]);
}

#[test]
fn min_age_without_upload_times_fails_unless_allowed() {
    let fixtures = recent_tool(1, true);
    let case = Case::with(Config::new().fixtures(fixtures.path()));
    case.file("r.txt", "tool>=1\n");
    let run = lock(&case, &["--min-age", "7d", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("no upload time"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--min-age-missing=allow"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), "tool>=1\n");
    let run = lock(
        &case,
        &["--min-age", "7d", "--min-age-missing=allow", "r.txt"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(pins(&case.read("r.txt")), ["tool==1.5"]);
}

#[test]
fn two_targets_mixing_pins_and_ranges_snapshot() {
    let case = case();
    case.file(
        "requirements.txt",
        "# service\ntool==1.0\nwebby>=1,!=2.1  # web\ntool[cli]>=0.9 ; python_version < \"3.12\"\n",
    );
    let run = case.run(
        "lock",
        &[
            "--python-version",
            "3.11",
            "--python-version",
            "3.13",
            "--platform",
            "manylinux_2_17_x86_64",
            "requirements.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // 2.3 needs 3.13, which 3.11 lacks: 2.0 (2.1 excluded, 2.2 yanked). The ranged
    // `tool` line follows the pin (another line requires 1.0 on the same target).
    let text = case.read("requirements.txt");
    insta::assert_snapshot!("two_targets", text);
}

#[test]
fn lock_without_targets_chooses_for_the_interpreter() {
    let case = case();
    case.file("r.txt", "tool<2\n");
    let run = case.run("lock", &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(pins(&case.read("r.txt")), ["tool==1.5"]);
    assert!(
        !case.read("r.txt").contains("# hashlock targets:"),
        "no header for the default target"
    );
}

/// `fixtures/deps/` with werkzeug 3.0.6 uploaded a day ago and every other file
/// two years ago.
fn deps_with_upload_times() -> tempfile::TempDir {
    let deps = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps");
    let now = jiff::Timestamp::now();
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(deps).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let mut document: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        for (version, files) in document["releases"].as_object_mut().unwrap() {
            let hours = if stem == "werkzeug" && version == "3.0.6" {
                24
            } else {
                2 * 365 * 24
            };
            let at = now - jiff::SignedDuration::from_hours(hours);
            for file in files.as_array_mut().unwrap() {
                file["upload_time_iso_8601"] = json!(at.to_string());
            }
        }
        std::fs::write(
            dir.path().join(path.file_name().unwrap()),
            document.to_string(),
        )
        .unwrap();
    }
    dir
}

#[test]
fn min_age_holds_for_add_missing_too() {
    let fixtures = deps_with_upload_times();
    let case = Case::with(Config::new().fixtures(fixtures.path()));
    let linux_312 = [
        "--python-version",
        "3.12",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    case.file("requirements.txt", "flask>=3\n");
    let mut args = linux_312.to_vec();
    args.extend(["--add-missing", "--min-age", "7d", "requirements.txt"]);
    let run = case.run("lock", &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("requirements.txt");
    // werkzeug 3.0.6 is a day old: 3.0.3 is the newest old enough.
    assert!(text.contains("\nwerkzeug==3.0.3 "), "{text}");
    assert!(text.contains("flask==3.0.3"), "{text}");
    // Without the cooldown, the newest.
    case.file("requirements.txt", "flask>=3\n");
    let mut args = linux_312.to_vec();
    args.extend(["--add-missing", "requirements.txt"]);
    let run = case.run("lock", &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        case.read("requirements.txt").contains("\nwerkzeug==3.0.6 "),
        "{}",
        case.read("requirements.txt")
    );
}
