//! Completeness end to end: `verify` names every dependency the files do not pin
//! (per target: markers and extras evaluated), `lock --add-missing` pins them, and
//! resolution conflicts stop the run. The loopback index serves the projects of
//! `fixtures/deps/` (written by its `generate.py`), with the PEP 658 metadata file
//! of every wheel (`fixtures/metadata/`) and two sdists (`fixtures/files/`).

use serde_json::Value;

use crate::support::Config;
use crate::support::cli::{Case, Run};

const LINUX_312: [&str; 4] = [
    "--python-version",
    "3.12",
    "--platform",
    "manylinux_2_17_x86_64",
];

fn case() -> Case {
    Case::with(Config::new().fixtures(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps")))
}

/// `lock FILE` for `target`, asserting success.
fn lock(case: &Case, file: &str, target: &[&str], extra: &[&str]) -> Run {
    let mut args: Vec<&str> = target.to_vec();
    args.extend_from_slice(extra);
    args.push(file);
    let run = case.run("lock", &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

/// `verify --format json FILE` for `target`: (code, severity, message) of each
/// finding, and the run.
fn verify(case: &Case, file: &str, target: &[&str]) -> (Vec<(String, String, String)>, Run) {
    let mut args: Vec<&str> = target.to_vec();
    args.extend_from_slice(&["--format", "json", file]);
    let run = case.run("verify", &args);
    let document: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let findings = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_string();
            (text("code"), text("severity"), text("message"))
        })
        .collect();
    (findings, run)
}

fn codes(findings: &[(String, String, String)]) -> Vec<&str> {
    findings.iter().map(|(code, _, _)| code.as_str()).collect()
}

#[test]
fn verify_names_the_missing_werkzeug_of_flask() {
    let case = case();
    case.file("requirements.txt", "flask==3.0.3\n");
    lock(&case, "requirements.txt", &LINUX_312, &[]);
    let (findings, run) = verify(&case, "requirements.txt", &LINUX_312);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(codes(&findings), ["missing-dependency"; 3], "{findings:?}");
    let messages: Vec<&str> = findings.iter().map(|(_, _, m)| m.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.starts_with(
            "flask==3.0.3 requires Werkzeug>=3.0.0, which no line pins (on CPython 3.12 on manylinux_2_17_x86_64)"
        )),
        "{messages:#?}"
    );
    // People get the chain, the line, and how to fix it.
    let human = case.run(
        "verify",
        &[
            LINUX_312[0],
            LINUX_312[1],
            LINUX_312[2],
            LINUX_312[3],
            "requirements.txt",
        ],
    );
    assert!(
        human.stderr.contains("requirements.txt:2:1"),
        "{}",
        human.stderr
    );
    assert!(human.stderr.contains("--add-missing"), "{}", human.stderr);
    // The metadata came from the PEP 658 files, not from the wheels.
    assert_eq!(
        case.index
            .requests_matching("/packages/deps/flask-3.0.3-py3-none-any.whl.metadata"),
        2
    );
    assert_eq!(
        case.index
            .requests("/packages/deps/flask-3.0.3-py3-none-any.whl"),
        0
    );
}

#[test]
fn lock_add_missing_closes_the_file_and_verify_passes() {
    let case = case();
    case.file("requirements.txt", "# app\nflask==3.0.3\n");
    let run = lock(&case, "requirements.txt", &LINUX_312, &["--add-missing"]);
    assert!(
        run.stderr.contains("Adding 4 missing dependencies"),
        "{}",
        run.stderr
    );
    let text = case.read("requirements.txt");
    // The newest versions that satisfy every requirement, with `# via` lines.
    for (pin, via) in [
        ("click==8.1.7", "flask"),
        ("jinja2==3.1.4", "flask"),
        ("markupsafe==2.1.5", "jinja2, werkzeug"),
        ("werkzeug==3.0.6", "flask"),
    ] {
        let at = text
            .find(&format!("{pin} \\"))
            .unwrap_or_else(|| panic!("{pin}:\n{text}"));
        let rest = &text[at..];
        let via_line = format!("    # via {via}\n");
        assert!(rest.contains(&via_line), "{pin}:\n{text}");
    }
    // python_version < "3.10" does not hold on 3.12; `Windows` does not on Linux.
    assert!(!text.contains("importlib"), "{text}");
    assert!(!text.contains("colorama"), "{text}");
    assert!(
        text.starts_with(
            "# hashlock targets: --python-version 3.12 --platform manylinux_2_17_x86_64\n# app\n"
        ),
        "{text}"
    );
    let (findings, run) = verify(&case, "requirements.txt", &[]);
    assert_eq!(run.code, 0, "{findings:?}\n{}", run.stderr);
    assert!(findings.is_empty(), "{findings:?}");
    // The header names the targets: the next run says so.
    let again = case.run("lock", &["requirements.txt"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("from the file's `# hashlock targets:` header"),
        "{}",
        again.stderr
    );
    assert_eq!(case.read("requirements.txt"), text);
}

#[test]
fn markers_are_evaluated_per_target() {
    let case = case();
    case.file("requirements.txt", "click==8.1.7\n");
    lock(&case, "requirements.txt", &LINUX_312, &[]);
    let (findings, _) = verify(&case, "requirements.txt", &LINUX_312);
    assert!(findings.is_empty(), "{findings:?}");
    let windows = ["--python-version", "3.12", "--platform", "win_amd64"];
    let (findings, run) = verify(&case, "requirements.txt", &windows);
    assert_eq!(run.code, 1);
    assert_eq!(codes(&findings), ["missing-dependency"]);
    assert!(
        findings[0]
            .2
            .contains("colorama (on CPython 3.12 on win_amd64)")
            || findings[0]
                .2
                .contains("requires colorama, which no line pins (on CPython 3.12 on win_amd64)"),
        "{findings:?}"
    );

    // `sys_platform == "win32"` on two targets: needed on one of them.
    case.file("win.txt", "winonly==1.0\n");
    let both = [
        "--python-version",
        "3.12",
        "--platform",
        "win_amd64",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    let (findings, _) = verify(&case, "win.txt", &both);
    assert_eq!(
        codes(&findings),
        ["missing-hashes", "missing-dependency"],
        "{findings:?}"
    );
    assert!(
        findings[1]
            .2
            .contains("(on 1 of 2 targets: CPython 3.12 on win_amd64)"),
        "{findings:?}"
    );
    // `--add-missing` writes the marker with the pin.
    lock(&case, "win.txt", &both, &["--add-missing"]);
    assert!(
        case.read("win.txt")
            .contains("pywin-helper==1.0 ; sys_platform == 'win32'"),
        "{}",
        case.read("win.txt")
    );

    // `python_version < "3.10"`: needed on 3.9 only.
    case.file(
        "flask.txt",
        "flask==3.0.3\nwerkzeug==3.0.3\njinja2==3.1.4\nmarkupsafe==2.1.5\nclick==8.1.7\n",
    );
    let (findings, _) = verify(&case, "flask.txt", &LINUX_312);
    assert!(
        codes(&findings).iter().all(|c| *c == "missing-hashes"),
        "{findings:?}"
    );
    let old = [
        "--python-version",
        "3.9",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    let (findings, _) = verify(&case, "flask.txt", &old);
    let missing: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "missing-dependency")
        .collect();
    assert_eq!(missing.len(), 1, "{findings:?}");
    assert!(
        missing[0].2.contains("importlib-metadata>=3.6.0"),
        "{findings:?}"
    );
}

#[test]
fn extras_pull_in_their_dependencies() {
    let case = case();
    case.file("plain.txt", "fetcher==2.0.0\nurlthing==2.2.2\n");
    case.file("socks.txt", "fetcher[socks]==2.0.0\nurlthing==2.2.2\n");
    let (findings, _) = verify(&case, "plain.txt", &LINUX_312);
    assert!(
        !codes(&findings).contains(&"missing-dependency"),
        "{findings:?}"
    );
    let (findings, _) = verify(&case, "socks.txt", &LINUX_312);
    let missing: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "missing-dependency")
        .collect();
    assert_eq!(missing.len(), 1, "{findings:?}");
    assert!(
        missing[0].2.contains("requires PySocks!=1.5.7, >=1.5.6")
            || missing[0].2.contains("requires PySocks"),
        "{findings:?}"
    );
}

#[test]
fn a_chain_three_levels_deep_is_named_whole_and_resolved_under_pips_rules() {
    let case = case();
    case.file("requirements.txt", "alpha==1.0\nbeta==1.0\n");
    let (findings, _) = verify(&case, "requirements.txt", &LINUX_312);
    let missing: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "missing-dependency")
        .collect();
    assert_eq!(missing.len(), 1, "{findings:?}");
    assert!(
        missing[0].2.starts_with(
            "alpha==1.0 requires beta>=1.0; beta==1.0 requires gamma>=2.0, which no line pins"
        ),
        "{findings:?}"
    );
    // gamma 2.2 is yanked and 2.1rc1 a pre-release: 2.0 it is.
    lock(&case, "requirements.txt", &LINUX_312, &["--add-missing"]);
    let text = case.read("requirements.txt");
    assert!(text.contains("gamma==2.0 \\"), "{text}");
    assert!(text.contains("    # via beta\n"), "{text}");
    // With --pre the pre-release is newer than 2.0.
    case.file("pre.txt", "alpha==1.0\nbeta==1.0\n");
    lock(&case, "pre.txt", &LINUX_312, &["--add-missing", "--pre"]);
    assert!(
        case.read("pre.txt").contains("gamma==2.1rc1 \\"),
        "{}",
        case.read("pre.txt")
    );
}

#[test]
fn a_pin_outside_the_range_is_unsatisfied() {
    let case = case();
    case.file("requirements.txt", "alpha==1.0\nbeta==1.0\ngamma==1.0\n");
    let (findings, run) = verify(&case, "requirements.txt", &LINUX_312);
    assert_eq!(run.code, 1);
    let unsatisfied: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "unsatisfied-dependency")
        .collect();
    assert_eq!(unsatisfied.len(), 1, "{findings:?}");
    assert!(
        unsatisfied[0].2.contains("but it is pinned to 1.0"),
        "{findings:?}"
    );
}

#[test]
fn a_conflict_names_both_requirements_and_writes_nothing() {
    let case = case();
    let original = "left==1.0\nright==1.0\n";
    case.file("requirements.txt", original);
    let mut args: Vec<&str> = LINUX_312.to_vec();
    args.extend(["--add-missing", "requirements.txt"]);
    let run = case.run("lock", &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // As printed, wrapped; the words are what matter.
    let words: Vec<&str> = run
        .stderr
        .split_whitespace()
        .filter(|w| *w != "|")
        .collect();
    let said = words.join(" ");
    assert!(said.contains("`left==1.0` at requirements.txt:1"), "{said}");
    assert!(
        said.contains("`right==1.0` at requirements.txt:2"),
        "{said}"
    );
    assert!(said.contains("nothing was written"), "{said}");
    assert_eq!(case.read("requirements.txt"), original);
}

#[test]
fn sdists_count_only_with_static_metadata() {
    let case = case();
    case.file("static.txt", "static-sdist==1.0\n");
    let (findings, _) = verify(&case, "static.txt", &LINUX_312);
    let missing: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "missing-dependency")
        .collect();
    assert_eq!(missing.len(), 1, "{findings:?}");
    assert!(
        missing[0]
            .2
            .contains("static-sdist==1.0 requires gamma>=1.0"),
        "{findings:?}"
    );
    case.file("dynamic.txt", "dynamic-sdist==1.0\n");
    let (findings, run) = verify(&case, "dynamic.txt", &LINUX_312);
    let unknown: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "unknown-dependencies")
        .collect();
    assert_eq!(unknown.len(), 1, "{findings:?}");
    assert_eq!(unknown[0].1, "warning");
    assert!(
        unknown[0].2.contains("declares `Requires-Dist` dynamic"),
        "{findings:?}"
    );
    assert!(
        !codes(&findings).contains(&"missing-dependency"),
        "{}",
        run.stderr
    );
}

#[test]
fn no_installable_file_for_a_target_is_an_error() {
    let case = case();
    case.file("requirements.txt", "gamma==2.0\n");
    lock(&case, "requirements.txt", &LINUX_312, &[]);
    // Every file of gamma 2.0 requires Python 3.8 or later.
    let old = [
        "--python-version",
        "3.7",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    let (findings, run) = verify(&case, "requirements.txt", &old);
    assert_eq!(run.code, 1);
    assert_eq!(codes(&findings), ["no-installable-file"], "{findings:?}");
}

#[test]
fn no_installable_file_counts_only_the_targets_a_line_is_for() {
    let case = case();
    let marked = "gamma==2.0 ; python_version >= \"3.8\"\n";
    case.file("requirements.txt", marked);
    lock(&case, "requirements.txt", &LINUX_312, &[]);
    // Every file of gamma 2.0 requires Python 3.8 or later; pip on 3.7 skips the
    // line, so 3.7 needs none of them.
    let both = [
        "--python-version",
        "3.7",
        "--python-version",
        "3.12",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    let (findings, run) = verify(&case, "requirements.txt", &both);
    assert!(
        !codes(&findings).contains(&"no-installable-file"),
        "{findings:?}{}",
        run.stderr
    );
    // Without the marker, 3.7 installs it and lacks a file.
    let bare = case
        .read("requirements.txt")
        .replace(" ; python_version >= \"3.8\"", "");
    case.file("bare.txt", &bare);
    let (findings, _) = verify(&case, "bare.txt", &both);
    let lacking: Vec<&str> = findings
        .iter()
        .filter(|(code, _, _)| code == "no-installable-file")
        .map(|(_, _, message)| message.as_str())
        .collect();
    assert_eq!(lacking.len(), 1, "{findings:?}");
    assert!(
        lacking[0].contains("CPython 3.7") && !lacking[0].contains("CPython 3.12"),
        "{lacking:?}"
    );
}

#[test]
fn add_missing_lists_projects_through_the_simple_api_not_the_project_document() {
    let case = case();
    case.file("requirements.txt", "flask==3.0.3\n");
    lock(&case, "requirements.txt", &LINUX_312, &["--add-missing"]);
    // Each project the resolver lists comes from the Simple API's PEP 691 page,
    // as pip and uv read it, once; never from the JSON API's project document
    // (megabytes for boto3).
    for name in ["werkzeug", "jinja2", "markupsafe", "click"] {
        let counts = case.index.counts();
        assert_eq!(
            case.index.requests(&format!("/simple/{name}/")),
            1,
            "{counts:#?}"
        );
        assert_eq!(
            case.index.requests(&format!("/pypi/{name}/json")),
            0,
            "{counts:#?}"
        );
    }
    // The added release is read from that listing, not asked for again.
    assert_eq!(case.index.requests("/pypi/werkzeug/3.0.6/json"), 0);
    // The file is the one written where the index has no Simple API, and the
    // project document lists them.
    let json_only = Case::with(
        Config::new()
            .fixtures(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps"))
            .without_simple_api(),
    );
    json_only.file("requirements.txt", "flask==3.0.3\n");
    lock(
        &json_only,
        "requirements.txt",
        &LINUX_312,
        &["--add-missing"],
    );
    assert_eq!(json_only.index.requests("/pypi/werkzeug/json"), 1);
    assert_eq!(
        json_only.read("requirements.txt"),
        case.read("requirements.txt")
    );
}

#[test]
fn verify_says_which_default_target_it_used_and_no_deps_skips_the_check() {
    let case = case();
    case.file("requirements.txt", "flask==3.0.3\n");
    let run = case.run("verify", &["requirements.txt"]);
    assert!(
        run.stderr.contains("Checking dependencies for CPython 3.")
            && run.stderr.contains("the `python3` on PATH"),
        "{}",
        run.stderr
    );
    let run = case.run(
        "verify",
        &["--no-deps", "--format", "json", "requirements.txt"],
    );
    assert!(!run.stdout.contains("missing-dependency"), "{}", run.stdout);
}

#[test]
fn without_a_metadata_file_the_wheel_is_read() {
    let case = case();
    case.file("requirements.txt", "bare-wheel==1.0\n");
    let (findings, _) = verify(&case, "requirements.txt", &LINUX_312);
    let missing: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "missing-dependency")
        .collect();
    assert_eq!(missing.len(), 1, "{findings:?}");
    assert!(
        missing[0]
            .2
            .starts_with("bare-wheel==1.0 requires gamma>=1.0"),
        "{findings:?}"
    );
    // The metadata file is missing: the zip's end, then the METADATA entry, by
    // ranges (the test index honours `Range`).
    let wheel = "/packages/deps/bare_wheel-1.0-py3-none-any.whl";
    assert_eq!(case.index.requests(&format!("{wheel}.metadata")), 1);
    assert_eq!(case.index.requests(wheel), 2);
    let ranges = case.index.header_values(wheel, "range");
    assert_eq!(ranges[0].as_deref(), Some("bytes=-65536"), "{ranges:?}");
    assert!(
        ranges[1]
            .as_deref()
            .is_some_and(|r| r.starts_with("bytes=")),
        "{ranges:?}"
    );
}

#[test]
fn a_dependency_several_lines_need_is_one_finding() {
    let case = case();
    case.file(
        "requirements.txt",
        "flask==3.0.3\nwerkzeug==3.0.6\njinja2==3.1.4\nclick==8.1.7\n",
    );
    let (findings, _) = verify(&case, "requirements.txt", &LINUX_312);
    let missing: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "missing-dependency")
        .collect();
    assert_eq!(missing.len(), 1, "{findings:?}");
    // The chain starts at the line nothing else requires.
    assert!(
        missing[0].2.starts_with(
            "flask==3.0.3 requires Jinja2>=3.1.2; jinja2==3.1.4 requires MarkupSafe>=2.0, which no line pins"
        ),
        "{findings:?}"
    );
    assert!(
        missing[0].2.ends_with("; werkzeug==3.0.6 needs it too"),
        "{findings:?}"
    );
}

#[test]
fn a_line_whose_marker_does_not_hold_pulls_in_nothing_there() {
    let case = case();
    let text = "click==8.1.7 ; sys_platform == \"linux\"\n";
    case.file("requirements.txt", text);
    let both = [
        "--python-version",
        "3.12",
        "--platform",
        "win_amd64",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    // colorama is click's only on Windows, where click is not installed.
    let (findings, _) = verify(&case, "requirements.txt", &both);
    assert!(
        !codes(&findings).contains(&"missing-dependency"),
        "{findings:?}"
    );
    let run = lock(&case, "requirements.txt", &both, &["--add-missing"]);
    assert!(!run.stderr.contains("Adding"), "{}", run.stderr);
    assert!(!case.read("requirements.txt").contains("colorama"));
}

#[test]
fn without_a_python_the_default_target_is_skipped_with_a_warning() {
    let case = case();
    case.file("requirements.txt", "gamma==2.0\n");
    let run = case.run(
        "verify",
        &["--python", "/nonexistent/python3", "requirements.txt"],
    );
    // `--python` names the target: an interpreter that cannot run is bad input.
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = case.run_with_env("verify", &["requirements.txt"], &[("PATH", "/nonexistent")]);
    assert!(
        run.stderr.contains("warning: dependencies not checked"),
        "{}",
        run.stderr
    );
    // The hash checks still ran: the line has no hash.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("missing-hashes"), "{}", run.stderr);
}

#[test]
fn a_second_add_missing_extends_the_block() {
    let case = case();
    case.file("requirements.txt", "alpha==1.0\n");
    lock(&case, "requirements.txt", &LINUX_312, &["--add-missing"]);
    let first = case.read("requirements.txt");
    assert!(first.contains("beta==1.0 \\"), "{first}");
    let more = format!("{first}click==8.1.7 ; sys_platform == \"win32\"\n");
    case.file("requirements.txt", &more);
    let windows = ["--python-version", "3.12", "--platform", "win_amd64"];
    lock(&case, "requirements.txt", &windows, &["--add-missing"]);
    let text = case.read("requirements.txt");
    assert_eq!(text.matches("# Dependencies added by").count(), 1, "{text}");
    assert!(text.contains("colorama==0.4.6 \\"), "{text}");
    let (findings, _) = verify(&case, "requirements.txt", &[]);
    assert!(findings.is_empty(), "{findings:?}");
}
