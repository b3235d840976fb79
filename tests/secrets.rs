//! A planted secret never appears in anything hashlock prints: every failing (and
//! succeeding) path of every command is run with credentials in the index URL, on the
//! command line, in `HASHLOCK_INDEX_URL` and in the file's own option lines, and all
//! of stdout and stderr is searched for the secret.

use crate::support::Config;
use crate::support::cli::{Case, Run};

const SECRET: &str = "s3cretpass";

/// The index URL with `user:SECRET@` in it.
fn with_credentials(case: &Case) -> String {
    case.index
        .url()
        .replacen("http://", &format!("http://user:{SECRET}@"), 1)
}

fn assert_clean(what: &str, run: &Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(SECRET),
            "{what}: the secret is in {stream} (exit {}):\n{text}",
            run.code
        );
    }
}

/// Runs `args` with the credentialed index URL on the command line, then again
/// through `HASHLOCK_INDEX_URL`, and checks both outputs.
fn check(case: &Case, what: &str, args: &[&str], expected_code: i32) {
    let url = with_credentials(case);
    let (command, rest) = args.split_first().unwrap();
    let mut with_flag = vec![
        *command,
        "--index-url",
        &url,
        "--timeout",
        "1",
        "--retries",
        "0",
    ];
    with_flag.extend(rest);
    let run = case.run_raw(&with_flag, &[]);
    assert_clean(what, &run);
    assert_eq!(run.code, expected_code, "{what}: {}", run.stderr);
    let mut through_env = vec![*command, "--timeout", "1", "--retries", "0"];
    through_env.extend(rest);
    let run = case.run_raw(&through_env, &[("HASHLOCK_INDEX_URL", &url)]);
    assert_clean(&format!("{what} (HASHLOCK_INDEX_URL)"), &run);
    assert_eq!(run.code, expected_code, "{what} (env): {}", run.stderr);
}

#[test]
fn failing_indexes_never_print_credentials() {
    let config = Config::new()
        .failing("six")
        .status("idna", 404)
        .hanging("attrs");
    let case = Case::with(config);
    case.file("500.txt", "six==1.16.0\n");
    case.file("404.txt", "idna==3.6\n");
    case.file("unknown.txt", "no-such-package==1.0\n");
    case.file("hang.txt", "attrs==23.1.0\n");
    case.file(
        "peep.txt",
        "# sha256: lAYCz11E_M_6d6bYlnNt_C-5u8dvTmhbG7zuHVuIq1Y\nsix==1.16.0\n",
    );
    let hashed = "six==1.16.0 --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n";
    case.file("hashed.txt", hashed);
    for (file, code) in [
        ("500.txt", 3),
        ("404.txt", 2),
        ("unknown.txt", 2),
        ("hang.txt", 3),
    ] {
        check(&case, &format!("lock {file}"), &["lock", file], code);
        check(
            &case,
            &format!("lock --diff {file}"),
            &["lock", "--diff", file],
            code,
        );
    }
    check(&case, "verify 500", &["verify", "hashed.txt"], 3);
    check(
        &case,
        "verify --format json 500",
        &["verify", "--format", "json", "hashed.txt"],
        3,
    );
    check(
        &case,
        "migrate --fill 500",
        &["migrate", "--fill", "peep.txt"],
        3,
    );
}

#[test]
fn unusable_index_urls_never_print_credentials() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    for url in [
        format!("http://user:{SECRET}@127.0.0.1:99999/"),
        format!("ftp://user:{SECRET}@127.0.0.1/"),
        format!("http://{SECRET}@[::1/"),
    ] {
        for command in ["lock", "verify", "migrate"] {
            let run = case.run_raw(&[command, "--index-url", &url, "r.txt"], &[]);
            assert_clean(&format!("{command} {url}"), &run);
            assert_eq!(run.code, 2, "{command} {url}: {}", run.stderr);
            let run = case.run_raw(&[command, "r.txt"], &[("HASHLOCK_INDEX_URL", &url)]);
            assert_clean(&format!("{command} with HASHLOCK_INDEX_URL={url}"), &run);
            assert_eq!(run.code, 2, "{command} env {url}: {}", run.stderr);
        }
    }
}

#[test]
fn unreachable_index_never_prints_credentials() {
    // A loopback port just freed: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let url = format!("http://user:{SECRET}@127.0.0.1:{port}/");
    let run = case.run_raw(
        &["lock", "--index-url", &url, "--retries", "0", "r.txt"],
        &[],
    );
    assert_clean("lock, connection refused", &run);
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[test]
fn the_files_own_index_lines_are_redacted_in_snippets_and_diffs() {
    let case = Case::new();
    let own = format!("-i https://user:{SECRET}@private.example/simple\n");
    // A syntax error right under the option line: its snippet shows the line.
    case.file("bad.txt", &format!("{own}six==1.16.0 --hash=sha256:abc\n"));
    case.file("ok.txt", &format!("{own}six==1.16.0\n"));
    let run = case.run("lock", &["bad.txt"]);
    assert_clean("lock, snippet of a syntax error", &run);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = case.run("verify", &["--offline", "bad.txt"]);
    assert_clean("verify, snippet of a syntax error", &run);
    let run = case.run("verify", &["--offline", "--format", "json", "bad.txt"]);
    assert_clean("verify json", &run);
    let run = case.run("lock", &["--diff", "ok.txt"]);
    assert_clean("lock --diff context", &run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("-i https://user:****@private.example/simple"),
        "{}",
        run.stdout
    );
    // The file itself keeps its credentials: only what is shown is redacted.
    assert!(case.read("ok.txt").contains(SECRET));
}
