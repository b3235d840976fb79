//! `hashlock add NAME[SPEC]... [-r FILE]`: a new line, pinned and hashed, in the
//! file's order and style; a name the files have already moves in place; a second
//! run changes nothing. Against `fixtures/choose/` (see `tests/resolve.rs`).

use crate::support::Config;
use crate::support::cli::{Case, Run};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/choose");

const LINUX_311: [&str; 4] = [
    "--python-version",
    "3.11",
    "--platform",
    "manylinux_2_17_x86_64",
];

fn case() -> Case {
    Case::with(Config::new().fixtures(FIXTURES))
}

fn add(case: &Case, args: &[&str]) -> Run {
    let mut all: Vec<&str> = LINUX_311.to_vec();
    all.extend_from_slice(args);
    case.run("add", &all)
}

/// The first physical line of each requirement.
fn pins(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with([' ', '#']) && !l.is_empty())
        .map(|l| l.trim_end_matches(" \\"))
        .collect()
}

#[test]
fn add_into_an_empty_file_then_again_changes_nothing() {
    let case = case();
    case.file("requirements.txt", "");
    let run = add(&case, &["tool<2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("requirements.txt");
    assert_eq!(pins(&text), ["tool==1.5"], "{text}");
    assert_eq!(text.matches("--hash=sha256:").count(), 2, "{text}");
    assert!(run.stderr.contains("tool<2 -> 1.5"), "{}", run.stderr);
    // Idempotent: the same call again writes nothing and exits 0.
    let again = add(&case, &["tool<2"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(case.read("requirements.txt"), text);
    // `--check` says whether a call would change the file (exit 1) or not (0).
    assert_eq!(add(&case, &["--check", "tool<2"]).code, 0);
    assert_eq!(add(&case, &["--check", "tool"]).code, 1);
    assert_eq!(case.read("requirements.txt"), text);
}

#[test]
fn a_name_the_files_have_moves_in_place_even_in_an_include() {
    let case = case();
    case.file("base.txt", "# base\ntool==0.9  # cli\n");
    case.file("r.txt", "-r base.txt\nwebby==1.0\n");
    let run = add(&case, &["-r", "r.txt", "Tool"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let base = case.read("base.txt");
    assert_eq!(pins(&base), ["tool==2.0"], "{base}");
    assert!(base.contains("  # cli\n"), "{base}");
    let root = case.read("r.txt");
    assert_eq!(
        pins(&root),
        ["-r base.txt", "webby==1.0"],
        "no new line: {root}"
    );
    assert!(run.stderr.contains("tool==0.9 -> 2.0"), "{}", run.stderr);
}

#[test]
fn crlf_files_get_crlf_lines_in_name_order() {
    let case = case();
    case.file("s.txt", "# app\r\nalpha==1.0\r\nwebby==1.0\r\n");
    let run = add(&case, &["-r", "s.txt", "tool>=1,<2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("s.txt");
    assert!(!text.replace("\r\n", "").contains('\n'), "{text:?}");
    assert_eq!(
        pins(&text),
        ["alpha==1.0", "tool==1.5", "webby==1.0"],
        "{text:?}"
    );
}

#[test]
fn exit_codes_a_bot_can_act_on() {
    let case = case();
    case.file("requirements.txt", "webby==1.0\n");
    // Nothing satisfies: 1, nothing written.
    let run = add(&case, &["tool>=9"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no release satisfies"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("requirements.txt"), "webby==1.0\n");
    // Not a requirement: 2.
    let run = add(&case, &["tool>>1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // No such file: 2, with how to start one.
    let run = add(&case, &["-r", "missing.txt", "tool"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("touch missing.txt"), "{}", run.stderr);
    // An index that fails: 3.
    let failing = Case::with(Config::new().fixtures(FIXTURES).failing("tool"));
    failing.file("requirements.txt", "webby==1.0\n");
    let run = add(&failing, &["tool"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
}
