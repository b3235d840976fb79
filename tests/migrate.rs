//! End-to-end tests of `hashlock migrate` and `lock --peep` on the binary: peep's
//! `# sha256:` comments become pip's `--hash` options, and back, with nothing else
//! in the file touched. Hashes are real PyPI hashes of six, requests and idna.

use crate::support::Config;
use crate::support::cli::{Case, Run};

const SIX_SDIST: &str = "HmHDdHehYmRY4297HYKqXJsJT6SAKJIHLknenGDEySY";
const SIX_WHEEL: &str = "irsvHYaJCi37mJ-ad8_P0-R8KjVLAREXcTJviqJuAlQ";
const SIX_HEX: [&str; 2] = [
    "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926",
    "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254",
];
/// requests 2.31.0's sdist, the file peep would have downloaded and hashed.
const REQUESTS_SDIST: &str = "lCxadY-Y15Dq7Ropy27vx_-w0c968Fw9J5Flbb1q0eE";
const REQUESTS_HEX: [&str; 2] = [
    "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f",
    "942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1",
];

/// A peep file as a project might have kept it for years.
fn peep_file() -> String {
    format!(
        "# Install with peep.\n\
         \n\
         # sha256: {SIX_SDIST}\n\
         # the wheel too:\n\
         # sha256: {SIX_WHEEL}  # added in 2016\n\
         six==1.16.0\n\
         \n\
         # sha256: {REQUESTS_SDIST}\n\
         requests[socks]==2.31.0 ; python_version >= \"3\"  # HTTP\n"
    )
}

fn migrate(case: &Case, args: &[&str]) -> Run {
    case.run("migrate", args)
}

#[test]
fn peep_hashes_become_hash_options_and_nothing_else_moves() {
    let case = Case::new();
    case.file("r.txt", &peep_file());
    let run = migrate(&case, &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let want = format!(
        "# Install with peep.\n\
         \n\
         # the wheel too:\n\
         # added in 2016\n\
         six==1.16.0 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n\
         \n\
         requests[socks]==2.31.0 ; python_version >= \"3\" \\\n    --hash=sha256:{}  # HTTP\n",
        SIX_HEX[0], SIX_HEX[1], REQUESTS_HEX[1]
    );
    assert_eq!(case.read("r.txt"), want);
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("migrate_summary", run.stderr));
    // What migrate writes passes the offline gate.
    let run = case.run("verify", &["--offline", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn crlf_files_stay_crlf() {
    let case = Case::new();
    case.file("lf.txt", &peep_file());
    case.file("crlf.txt", &peep_file().replace('\n', "\r\n"));
    assert_eq!(migrate(&case, &["lf.txt"]).code, 0);
    assert_eq!(migrate(&case, &["crlf.txt"]).code, 0);
    assert_eq!(
        case.read("crlf.txt"),
        case.read("lf.txt").replace('\n', "\r\n")
    );
}

#[test]
fn check_and_diff_write_nothing() {
    let case = Case::new();
    case.file("r.txt", &peep_file());
    let run = migrate(&case, &["--check", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = migrate(&case, &["--diff", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!("-# sha256: {SIX_SDIST}")),
        "{}",
        run.stdout
    );
    assert_eq!(case.read("r.txt"), peep_file());
    assert_eq!(migrate(&case, &["r.txt"]).code, 0);
    assert_eq!(migrate(&case, &["--check", "r.txt"]).code, 0);
}

#[test]
fn includes_are_migrated_too() {
    let case = Case::new();
    case.file("requirements.txt", "-r base.txt\n");
    case.file("base.txt", &format!("# sha256: {SIX_SDIST}\nsix==1.16.0\n"));
    assert_eq!(migrate(&case, &[]).code, 0);
    assert_eq!(
        case.read("base.txt"),
        format!("six==1.16.0 \\\n    --hash=sha256:{}\n", SIX_HEX[0])
    );
}

#[test]
fn fill_adds_every_published_file_after_checking_peeps() {
    let case = Case::new();
    case.file("r.txt", &peep_file());
    let run = migrate(&case, &["--fill", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let migrated = case.read("r.txt");
    for hex in REQUESTS_HEX.iter().chain(&SIX_HEX) {
        assert!(migrated.contains(hex), "{migrated}");
    }
    // Every file of every version hashed: the full online gate passes.
    let run = case.run("verify", &["--strict", "r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn fill_refuses_a_peep_hash_that_matches_no_file() {
    let case = Case::new();
    // six 1.15.0's sdist hash above a six 1.16.0 pin.
    let text = "# sha256: MGOcA1zbI1NM1Kot1Sw79I8G5fSpQVCci6_YzhEIAlk\nsix==1.16.0\n";
    case.file("r.txt", text);
    let run = migrate(&case, &["--fill", "r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("possible tampering") && run.stderr.contains("r.txt:1:"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), text);
}

#[test]
fn malformed_peep_lines_stop_the_run_with_their_line() {
    let case = Case::new();
    let text = format!("# SHA256: {SIX_SDIST}\nsix==1.16.0\n# sha256: not+base64/\nidna==3.6\n");
    case.file("r.txt", &text);
    let run = migrate(&case, &["r.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("r.txt:1:") && run.stderr.contains("r.txt:3:"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), text);
}

#[test]
fn a_block_above_an_option_line_is_a_warning_naming_both_lines() {
    let case = Case::new();
    let text = format!("# sha256: {SIX_SDIST}\n-i https://pypi.org/simple\nsix==1.16.0\n");
    case.file("r.txt", &text);
    let run = migrate(&case, &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning") || run.stderr.contains('!'),
        "{}",
        run.stderr
    );
    case.snapshot_settings()
        .bind(|| insta::assert_snapshot!("option_block_warning", run.stderr));
    assert_eq!(case.read("r.txt"), text);
}

#[test]
fn lock_peep_round_trips_through_migrate() {
    for flag in ["--peep", "--peep-only"] {
        let case = Case::new();
        let text = "# deps\nsix==1.16.0  # compat\nrequests==2.31.0\n";
        case.file("plain.txt", text);
        case.file("peep.txt", text);
        assert_eq!(case.run("lock", &["plain.txt"]).code, 0);
        let run = case.run("lock", &[flag, "peep.txt"]);
        assert_eq!(run.code, 0, "{flag}: {}", run.stderr);
        let with_peep = case.read("peep.txt");
        assert!(
            with_peep.contains(&format!("# sha256: {SIX_SDIST}\n")),
            "{flag}: {with_peep}"
        );
        assert_eq!(
            with_peep.contains("--hash="),
            flag == "--peep",
            "{flag}: {with_peep}"
        );
        // A second lock changes nothing.
        assert_eq!(
            case.run("lock", &["--check", flag, "peep.txt"]).code,
            0,
            "{flag}"
        );
        let run = migrate(&case, &["peep.txt"]);
        assert_eq!(run.code, 0, "{flag}: {}", run.stderr);
        assert_eq!(case.read("peep.txt"), case.read("plain.txt"), "{flag}");
    }
}

#[test]
fn lock_peep_writes_peep_lines_in_hash_order() {
    let case = Case::with(Config::default());
    case.file("r.txt", "six==1.16.0\n");
    assert_eq!(case.run("lock", &["--peep", "r.txt"]).code, 0);
    let want = format!(
        "# sha256: {SIX_SDIST}\n# sha256: {SIX_WHEEL}\nsix==1.16.0 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n",
        SIX_HEX[0], SIX_HEX[1]
    );
    assert_eq!(case.read("r.txt"), want);
}

#[test]
fn peep_fixtures_migrate_as_expected() {
    // crlf.txt and malformed.txt hold malformed peep lines on purpose: the peep
    // module's own tests cover them, and `malformed_peep_lines_stop_the_run...` here.
    for name in ["basic.txt", "stacked.txt"] {
        let case = Case::new();
        case.fixture("peep", name);
        let run = migrate(&case, &[name]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        insta::assert_snapshot!(format!("fixture_{name}"), case.read(name));
        // Migrating again finds nothing left to do.
        assert_eq!(migrate(&case, &["--check", name]).code, 0, "{name}");
    }
}

#[test]
fn an_unpinned_line_with_peep_hashes_is_refused_as_lock_would() {
    let case = Case::new();
    let text = "# sha256: HmHDdHehYmRY4297HYKqXJsJT6SAKJIHLknenGDEySY\nsix>=1.0\n";
    case.file("r.txt", text);
    let run = case.run("migrate", &["r.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("pip refuses it"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert_eq!(case.read("r.txt"), text);
}
