//! What hashlock prints for terminals: colour in error reports (`--color`, then
//! `NO_COLOR`, then `FORCE_COLOR`/`CLICOLOR_FORCE`).

use crate::support::cli::{Case, Run};

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
    assert!(run.stderr.contains("not follow"), "{}", run.stderr);
    assert!(!run.stderr.contains(secret), "{}", run.stderr);
}
