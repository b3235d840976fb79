//! What hashlock prints for bots and for terminals: the JSON documents of `lock` and
//! `migrate` (`--format json`, schema 1, alone on stdout), and colour in error
//! reports (`--color`, then `NO_COLOR`, then `FORCE_COLOR`/`CLICOLOR_FORCE`).

use serde_json::{Value, json};

use crate::support::Config;
use crate::support::cli::{Case, Run};

/// six 1.16.0's sdist and wheel.
const SIX: [&str; 2] = [
    "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926",
    "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254",
];
/// six 1.15.0's wheel: on a `six==1.16.0` line, the hash of a pin that moved.
const SIX_15_WHEEL: &str = "8b74bedcbbbaca38ff6d7491d76f2b06b3592611af620f8426e82dddb04a5ced";
/// requests 2.31.0's wheel and sdist.
const REQUESTS: [&str; 2] = [
    "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f",
    "942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1",
];
/// The same two six files in peep's urlsafe base64: sdist, wheel.
const SIX_PEEP: [&str; 2] = [
    "HmHDdHehYmRY4297HYKqXJsJT6SAKJIHLknenGDEySY",
    "irsvHYaJCi37mJ-ad8_P0-R8KjVLAREXcTJviqJuAlQ",
];

/// A file with one line of each kind `lock` changes, and one it leaves alone.
fn to_lock() -> String {
    format!(
        "# deps\n\
         six==1.16.0 \\\n    --hash=sha256:{SIX_15_WHEEL}\n\
         requests==2.31.0 --hash=sha256:{}\n\
         idna==3.6\n\
         certifi==2024.2.2 \\\n    --hash=sha256:0569859f95fc761b18b45ef421b1290a0f65f147e92a1e5eb3e635f9a5e4e66f \\\n    --hash=sha256:dc383c07b76109f368f6106eee2b593b04a011ea4d55f652c6ca24a754d1cdd1\n",
        REQUESTS[0]
    )
}

fn sha(hex: &str) -> String {
    format!("sha256:{hex}")
}

/// stdout as the one JSON document it must be.
fn document(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not one JSON document ({err}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    })
}

#[test]
fn lock_json_reports_each_requirement_s_added_and_removed_hashes() {
    let case = Case::new();
    case.file("r.txt", &to_lock());
    let run = case.run("lock", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["command"], "lock");
    assert_eq!(doc["files"], json!(["r.txt"]));
    assert_eq!(doc["written"], true);
    let changed = doc["changed"].as_array().unwrap();
    let lines: Vec<(&Value, &Value)> = changed
        .iter()
        .map(|c| (&c["line"], &c["end_line"]))
        .collect();
    assert_eq!(
        lines,
        [
            (&json!(2), &json!(3)),
            (&json!(4), &json!(4)),
            (&json!(5), &json!(5))
        ]
    );
    // The moved pin: 1.15.0's hash out, 1.16.0's in.
    assert_eq!(changed[0]["package"], "six");
    assert_eq!(changed[0]["requirement"], "six==1.16.0");
    assert_eq!(changed[0]["removed"], json!([sha(SIX_15_WHEEL)]));
    assert_eq!(changed[0]["added"], json!([sha(SIX[0]), sha(SIX[1])]));
    // Half locked: the other file's hash added, nothing removed.
    assert_eq!(changed[1]["added"], json!([sha(REQUESTS[1])]));
    assert_eq!(changed[1]["removed"], json!([]));
    assert_eq!(changed[2]["package"], "idna");
    assert_eq!(changed[2]["added"].as_array().unwrap().len(), 2);
    // certifi was complete: not listed. No peep lines anywhere.
    for change in changed {
        assert_eq!(change["peep_added"], json!([]));
        assert_eq!(change["peep_removed"], json!([]));
    }
    assert_eq!(
        doc["summary"],
        json!({"files": 1, "files_changed": 1, "requirements": 4, "hashes": 8, "requirements_changed": 3})
    );
    assert_eq!(doc["problems"], json!([]));
    // stdout holds the document alone; stderr no summary line, only the warning for
    // people about the replaced hash; and the file is written as without
    // `--format json`.
    assert!(!run.stderr.contains("Locked"), "{}", run.stderr);
    assert!(
        run.stderr.contains("replaced 1 hash of six 1.15.0"),
        "{}",
        run.stderr
    );
    let locked = case.read("r.txt");
    assert!(
        locked.contains(SIX[0]) && !locked.contains(SIX_15_WHEEL),
        "{locked}"
    );
    insta::assert_snapshot!("lock_json", run.stdout);
    // With `-q`, stderr is empty.
    case.file("r.txt", &to_lock());
    let quiet = case.run("lock", &["-q", "--format", "json", "r.txt"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
    assert_eq!(quiet.stdout, run.stdout);
}

#[test]
fn lock_json_with_check_writes_nothing_and_fails() {
    let case = Case::new();
    case.file("r.txt", &to_lock());
    let run = case.run("lock", &["--check", "--format", "json", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["written"], false);
    assert_eq!(doc["changed"].as_array().unwrap().len(), 3);
    assert_eq!(doc["summary"]["files_changed"], 1);
    assert_eq!(case.read("r.txt"), to_lock());
    // Once locked, the same check passes with nothing to report.
    assert_eq!(case.run("lock", &["-q", "r.txt"]).code, 0);
    let run = case.run("lock", &["--check", "--format", "json", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["changed"], json!([]));
    assert_eq!(doc["summary"]["files_changed"], 0);
}

#[test]
fn lock_json_lists_requirements_that_cannot_be_locked() {
    let case = Case::new();
    case.file(
        "r.txt",
        "six==1.16.0\nflask @ git+https://github.com/pallets/flask\n",
    );
    let run = case.run("lock", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["written"], false);
    assert_eq!(doc["changed"], json!([]));
    let problems = doc["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let flask = &problems[0];
    assert_eq!(
        (
            &flask["file"],
            &flask["line"],
            &flask["code"],
            &flask["severity"],
            &flask["package"]
        ),
        (
            &json!("r.txt"),
            &json!(2),
            &json!("unhashable"),
            &json!("error"),
            &json!("flask")
        )
    );
    assert!(
        flask["message"]
            .as_str()
            .unwrap()
            .contains("is a VCS requirement"),
        "{flask}"
    );
    assert!(
        flask["hint"].as_str().unwrap().contains("released version"),
        "{flask}"
    );
    // People still read why on stderr.
    assert!(run.stderr.contains("r.txt:2:1"), "{}", run.stderr);
    assert_eq!(
        case.read("r.txt"),
        "six==1.16.0\nflask @ git+https://github.com/pallets/flask\n"
    );

    // With `--allow-unpinned` the rest is locked, and the line is a warning.
    let run = case.run("lock", &["--allow-unpinned", "--format", "json", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["written"], true);
    assert_eq!(doc["changed"][0]["package"], "six");
    assert_eq!(doc["problems"][0]["severity"], "warning");
    assert_eq!(doc["problems"][0]["code"], "unhashable");
}

#[test]
fn lock_json_lists_conflicting_pins() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\nsix==1.15.0\n");
    let run = case.run("lock", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["problems"][0]["code"], "conflicting-pins");
    assert_eq!(doc["written"], false);
}

#[test]
fn lock_json_names_hashes_no_version_publishes() {
    let case = Case::new();
    let text = format!(
        "six==1.16.0 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n",
        SIX[0],
        "ff".repeat(32)
    );
    case.file("r.txt", &text);
    let run = case.run("lock", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["problems"][0]["code"], "unknown-hash");
    assert_eq!(doc["problems"][0]["package"], "six");
    assert_eq!(doc["written"], false);
    assert_eq!(case.read("r.txt"), text);
}

#[test]
fn lock_json_reports_peep_lines_apart_from_hash_options() {
    let case = Case::new();
    let locked = format!(
        "six==1.16.0 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n",
        SIX[0], SIX[1]
    );
    case.file("r.txt", &locked);
    let run = case.run("lock", &["--peep", "--format", "json", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = document(&run);
    let six = &doc["changed"][0];
    assert_eq!(six["added"], json!([]));
    assert_eq!(six["peep_added"], json!([sha(SIX[0]), sha(SIX[1])]));
    // The line itself moved down by the two peep lines written above it; the
    // document names it where it was.
    assert_eq!(six["line"], 1);
    assert!(case.read("r.txt").starts_with("# sha256: "));
}

#[test]
fn json_needs_stdout_to_itself() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    for (command, args) in [
        ("lock", &["--format", "json", "-o", "-", "r.txt"][..]),
        ("lock", &["--format", "json", "--diff", "r.txt"]),
        ("migrate", &["--format", "json", "-o", "-", "r.txt"]),
        ("migrate", &["--format", "json", "--diff", "r.txt"]),
    ] {
        let run = case.run(command, args);
        assert_eq!(run.code, 2, "{command} {args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{command} {args:?}");
    }
    // `-o FILE` is fine: the file goes there, the document to stdout.
    let run = case.run("lock", &["--format", "json", "-o", "out.txt", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(document(&run)["written"], true);
    assert!(case.read("out.txt").contains(SIX[1]));
    assert_eq!(case.read("r.txt"), "six==1.16.0\n");
}

#[test]
fn json_prints_nothing_when_the_index_fails() {
    let case = Case::with(Config::new().failing("six"));
    case.file("r.txt", "six==1.16.0\n");
    let run = case.run("lock", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(!run.stderr.is_empty());
}

#[test]
fn migrate_json_reports_peep_lines_turned_into_hash_options() {
    let case = Case::new();
    let text = format!(
        "# sha256: {}\n# sha256: {}\nsix==1.16.0\n\n# sha256: lCxadY-Y15Dq7Ropy27vx_-w0c968Fw9J5Flbb1q0eE\nrequests==2.31.0\n",
        SIX_PEEP[0], SIX_PEEP[1]
    );
    case.file("r.txt", &text);
    let run = case.run("migrate", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["command"], "migrate");
    let changed = doc["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 2);
    assert_eq!(changed[0]["line"], 3);
    assert_eq!(changed[0]["added"], json!([sha(SIX[0]), sha(SIX[1])]));
    assert_eq!(
        changed[0]["peep_removed"],
        json!([sha(SIX[0]), sha(SIX[1])])
    );
    assert_eq!(changed[1]["line"], 6);
    assert_eq!(changed[1]["added"], json!([sha(REQUESTS[1])]));
    assert_eq!(
        doc["summary"],
        json!({"files": 1, "files_changed": 1, "requirements": 2, "hashes": 3, "requirements_changed": 2})
    );
    assert_eq!(run.stderr.matches("note:").count(), 1, "{}", run.stderr);
    insta::assert_snapshot!("migrate_json", run.stdout);

    // `--fill` adds what peep never hashed; the peep lines are gone already.
    let run = case.run("migrate", &["--fill", "--format", "json", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["changed"], json!([]), "nothing left to migrate");
}

#[test]
fn migrate_json_lists_requirements_it_refuses() {
    let case = Case::new();
    let text = format!("# sha256: {}\nsix>=1.0\n", SIX_PEEP[0]);
    case.file("r.txt", &text);
    let run = case.run("migrate", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["written"], false);
    assert_eq!(doc["problems"][0]["code"], "not-pinned");
    assert_eq!(doc["problems"][0]["line"], 2);
    assert_eq!(case.read("r.txt"), text);

    // A peep hash of another version, with `--fill`: possible tampering.
    let text = "# sha256: MGOcA1zbI1NM1Kot1Sw79I8G5fSpQVCci6_YzhEIAlk\nsix==1.16.0\n";
    case.file("r.txt", text);
    let run = case.run("migrate", &["--fill", "--format", "json", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(doc["problems"][0]["code"], "unknown-hash");
    assert_eq!(doc["problems"][0]["line"], 1);
    assert_eq!(case.read("r.txt"), text);
}

#[test]
fn json_documents_never_print_credentials() {
    let case = Case::new();
    let secret = "s3cretpass";
    let text = format!(
        "# sha256: {}\nsix @ https://user:{secret}@files.example/six-1.16.0.tar.gz\n",
        SIX_PEEP[0]
    );
    case.file("r.txt", &text);
    let run = case.run("migrate", &["--format", "json", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = document(&run);
    assert_eq!(
        doc["changed"][0]["requirement"],
        "six @ https://user:****@files.example/six-1.16.0.tar.gz"
    );
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
}

/// A file `verify --offline` reports on: an unhashed requirement.
fn unhashed(case: &Case) {
    case.file("r.txt", "six==1.16.0\n");
}

/// `verify --offline r.txt` with extra arguments and environment (the harness sets
/// `NO_COLOR=1`; an empty value unsets it, as no-color.org says).
fn verify(case: &Case, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["verify", "--offline"];
    all.extend(args);
    all.push("r.txt");
    case.run_raw(&all, env)
}

fn coloured(run: &Run) -> bool {
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("missing-hashes"), "{}", run.stderr);
    run.stderr.contains("\x1b[")
}

#[test]
fn color_always_colours_reports_and_no_color_keeps_them_plain() {
    let case = Case::new();
    unhashed(&case);
    assert!(coloured(&verify(&case, &["--color", "always"], &[])));
    assert!(coloured(&verify(
        &case,
        &["--color=always"],
        &[("NO_COLOR", "1")]
    )));
    assert!(!coloured(&verify(&case, &[], &[("NO_COLOR", "1")])));
    assert!(!coloured(&verify(
        &case,
        &["--color", "auto"],
        &[("NO_COLOR", "1")]
    )));
    // Off a terminal, nothing is coloured unless asked.
    assert!(!coloured(&verify(&case, &[], &[("NO_COLOR", "")])));
}

#[test]
fn force_color_colours_off_a_terminal_unless_no_color_or_never() {
    let case = Case::new();
    unhashed(&case);
    for force in ["FORCE_COLOR", "CLICOLOR_FORCE"] {
        assert!(
            coloured(&verify(&case, &[], &[("NO_COLOR", ""), (force, "1")])),
            "{force}"
        );
        assert!(
            !coloured(&verify(&case, &[], &[("NO_COLOR", "1"), (force, "1")])),
            "{force}"
        );
        assert!(
            !coloured(&verify(
                &case,
                &["--color", "never"],
                &[("NO_COLOR", ""), (force, "1")]
            )),
            "{force}"
        );
        assert!(
            !coloured(&verify(&case, &[], &[("NO_COLOR", ""), (force, "0")])),
            "{force}"
        );
    }
}

#[test]
fn colour_reaches_reports_only() {
    let case = Case::new();
    unhashed(&case);
    // The summary line and the JSON document stay plain.
    let run = verify(&case, &["--color", "always"], &[]);
    let summary = run.stderr.lines().last().unwrap();
    assert!(summary.starts_with("Verified 1 requirement"), "{summary}");
    assert!(!summary.contains('\x1b'), "{summary:?}");
    let run = verify(&case, &["--color", "always", "--format", "json"], &[]);
    assert_eq!(run.code, 1);
    assert!(
        !run.stdout.contains('\x1b') && run.stderr.is_empty(),
        "{}",
        run.stdout
    );
    let run = case.run("lock", &["--color", "always", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains('\x1b'), "{:?}", run.stderr);
}

#[test]
fn coloured_reports_still_redact_credentials() {
    let case = Case::new();
    let secret = "s3cretpass";
    case.file(
        "r.txt",
        &format!("-i https://user:{secret}@host.example/simple\nsix==1.16.0\n"),
    );
    let run = case.run("lock", &["--color", "always", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("\x1b["), "{}", run.stderr);
    assert!(
        run.stderr.contains("pip installs from this index"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(secret), "{}", run.stderr);
}
