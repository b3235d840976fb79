//! `hashlock lock` and `verify` against a hostile or broken index, end to end: every
//! fault the loopback index can inject ([`Fault`], statuses, rate limits, tampered
//! documents) gives the outcome and exit code it should, and a run that fails leaves
//! every input file byte for byte as it was, with its mode.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use crate::support::cli::{Case, Run};
use crate::support::server::{
    Fault, Redirect, RetryAfter, attrs_listing_six, edited_fixtures, recorded, six_with_strangers,
    synthetic_filenames, synthetic_sha256,
};
use crate::support::site::Site;
use crate::support::{Config, TestIndex};

const SIX: &str = "six==1.16.0\n";

/// Runs `hashlock COMMAND --index-url <url> ARGS...` in the case's directory.
fn hashlock_at(case: &Case, url: &str, command: &str, args: &[&str]) -> Run {
    let mut all = vec![command, "--index-url", url];
    all.extend_from_slice(args);
    case.run_raw(&all, &[])
}

/// Runs `hashlock COMMAND ARGS...` against the case's index.
fn hashlock(case: &Case, command: &str, args: &[&str]) -> Run {
    hashlock_at(case, case.index.url(), command, args)
}

/// Every file under `dir`, with its bytes and permission bits.
fn files_in(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_in(&path));
        } else {
            let metadata = fs::metadata(&path).unwrap();
            files.insert(path.clone(), (fs::read(&path).unwrap(), mode(&metadata)));
        }
    }
    files
}

#[cfg(unix)]
fn mode(metadata: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode()
}

#[cfg(not(unix))]
fn mode(metadata: &fs::Metadata) -> u32 {
    u32::from(metadata.permissions().readonly())
}

/// A case with `r.txt` holding `text` (mode 0640 where modes exist).
fn case_with(config: Config, text: &str) -> Case {
    let case = Case::with(config);
    let path = case.file("r.txt", text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = path;
    case
}

/// Runs `hashlock COMMAND ARGS...`, which must fail with `code`, and checks that
/// no file of the case changed, not a byte nor a mode bit.
fn fails_with(case: &Case, code: i32, command: &str, args: &[&str]) -> Run {
    let before = files_in(case.dir.path());
    let run = hashlock(case, command, args);
    assert_eq!(run.code, code, "{}", run.stderr);
    assert_eq!(
        files_in(case.dir.path()),
        before,
        "a failed run changed a file"
    );
    run
}

/// `r.txt`, then `args`, then `--timeout 2 --retries 1` where `args` does not say.
fn lock_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["r.txt"];
    all.extend(args);
    for (option, value) in [("--timeout", "2"), ("--retries", "1")] {
        if !args.contains(&option) {
            all.extend([option, value]);
        }
    }
    all
}

/// `lock r.txt ARGS`, failing with exit 3.
fn lock_fails(case: &Case, args: &[&str]) -> Run {
    fails_with(case, 3, "lock", &lock_args(args))
}

/// `lock r.txt ARGS`, which must succeed.
fn lock_succeeds(case: &Case, args: &[&str]) -> Run {
    let run = hashlock(case, "lock", &lock_args(args));
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

fn assert_says(run: &Run, texts: &[&str]) {
    for text in texts {
        assert!(run.stderr.contains(text), "no {text:?} in:\n{}", run.stderr);
    }
}

/// The sha256 of every `--hash` in `text`.
fn hashes_in(text: &str) -> BTreeSet<String> {
    let hashes = text.split("--hash=sha256:").skip(1);
    hashes.map(|rest| rest[..64].to_owned()).collect()
}

/// The sha256s a recorded fixture publishes for `version`.
fn recorded_hashes(name: &str, version: &str) -> BTreeSet<String> {
    let document = recorded(name);
    let files = document["releases"][version].as_array().unwrap().clone();
    let sha256 = |file: &Value| file["digests"]["sha256"].as_str().unwrap().to_owned();
    files.iter().map(sha256).collect()
}

/// The loopback index over `six_with_strangers`, asked the per-version endpoint,
/// the Simple API, or the project document.
fn every_way(dir: &TempDir) -> [Config; 3] {
    let base = Config::new().fixtures(dir.path());
    let mirror = base.clone().without_version_endpoint();
    [base, mirror.clone(), mirror.without_simple_api()]
}

#[test]
fn lock_hashes_no_file_of_another_project_or_version() {
    let dir = six_with_strangers();
    for config in every_way(&dir) {
        let case = case_with(config, SIX);
        let run = lock_succeeds(&case, &[]);
        let written = hashes_in(&case.read("r.txt"));
        assert_eq!(written, recorded_hashes("six", "1.16.0"), "{}", run.stderr);
        assert_says(
            &run,
            &[
                case.index.url(),
                "lists 2 files under `six==1.16.0` that are no file of it",
                "`evilpkg-6.6.6-py3-none-any.whl`",
                "`six-1.15.0-py2.py3-none-any.whl`",
            ],
        );
        // `-q` prints nothing but errors.
        let run = lock_succeeds(&case, &["-q"]);
        assert_eq!(run.stderr, "");
    }
}

#[test]
fn lock_refuses_a_version_whose_document_lists_only_other_files() {
    let dir = attrs_listing_six();
    let paths = [
        "/pypi/attrs/23.1.0/json",
        "/pypi/attrs/json",
        "/pypi/attrs/json",
    ];
    for (config, path) in every_way(&dir).into_iter().zip(paths) {
        let case = case_with(config, "attrs==23.1.0\n");
        let run = lock_fails(&case, &[]);
        let message = format!(
            "{}{path} lists no file of `attrs==23.1.0`",
            case.index.url()
        );
        assert_says(&run, &[&message, "six-1.15.0.tar.gz", "compromised"]);
    }
}

#[test]
fn verify_strict_is_not_fooled_by_files_of_another_project() {
    let dir = six_with_strangers();
    let hashes: Vec<String> = recorded_hashes("six", "1.16.0")
        .iter()
        .map(|hash| format!(" --hash=sha256:{hash}"))
        .collect();
    let line = format!("six==1.16.0{}\n", hashes.concat());
    let case = case_with(Config::new().fixtures(dir.path()), &line);
    let run = fails_with(&case, 0, "verify", &["--strict", "r.txt"]);
    assert_says(&run, &["evilpkg-6.6.6-py3-none-any.whl", "no file of it"]);
}

#[test]
fn overlong_names_are_bad_input_in_one_short_line() {
    let long = "a".repeat(1024 * 1024);
    for text in [format!("{long}==1.0\n"), format!("{}==1.0\n", &long[..256])] {
        let case = case_with(Config::new(), &text);
        let run = fails_with(&case, 2, "lock", &["r.txt"]);
        let bytes = text.len() - 6;
        let message = format!("r.txt:1:1: the project name is {bytes} bytes long");
        assert_says(&run, &[&message]);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert_eq!(case.index.total_requests(), 0);
    }
    let hashed = format!("{long}==1.0 --hash=sha256:{}\n", "a".repeat(64));
    let case = case_with(Config::new(), &hashed);
    let run = fails_with(&case, 2, "verify", &["r.txt"]);
    assert!(run.stderr.len() < 1000, "{} bytes", run.stderr.len());
    assert_eq!(case.index.total_requests(), 0);
}

#[test]
fn slow_index_is_waited_for() {
    let case = case_with(Config::new().latency(Duration::from_millis(300)), SIX);
    lock_succeeds(&case, &["--timeout", "1"]);
    assert_eq!(hashes_in(&case.read("r.txt")).len(), 2);
}

#[test]
fn document_stalling_mid_body_times_out() {
    let case = case_with(Config::new().fault("six", Fault::StallMidBody), SIX);
    let run = lock_fails(&case, &["--timeout", "1", "--retries", "0"]);
    let url = format!("{}/pypi/six/1.16.0/json", case.index.url());
    assert_says(&run, &[&format!("{url} did not answer within 1 s")]);
    assert_eq!(case.index.total_requests(), 1);
}

#[test]
fn document_cut_mid_body_is_retried_then_reported() {
    for fault in [Fault::CloseMidBody, Fault::LongContentLength] {
        let case = case_with(Config::new().fault("six", fault), SIX);
        let run = lock_fails(&case, &[]);
        let url = format!("{}/pypi/six/1.16.0/json", case.index.url());
        assert_says(&run, &[&format!("could not reach {url}")]);
        assert_eq!(case.index.requests("/pypi/six/1.16.0/json"), 2, "retried");
    }
}

/// A listing read as it arrives that the fast reader leaves to serde is asked
/// again and read whole: the lock is the one a readable listing gives.
#[test]
fn a_listing_the_stream_cannot_read_is_read_whole() {
    let case = case_with(Config::new().fault("six", Fault::NotUtf8), SIX);
    let root = format!("{}/simple/", case.index.url());
    let run = hashlock_at(&case, &root, "lock", &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let locked = fs::read_to_string(case.path("r.txt")).unwrap();
    assert_eq!(hashes_in(&locked), recorded_hashes("six", "1.16.0"));
    assert_eq!(
        case.index.requests("/simple/six/"),
        2,
        "{:#?}",
        case.index.counts()
    );
}

#[test]
fn unreadable_documents_are_reported_not_retried() {
    let faults = [
        Config::new().fault("six", Fault::ShortContentLength),
        Config::new().corrupt("six"),
        Config::new().fault("six", Fault::Html),
    ];
    for config in faults {
        let case = case_with(config, SIX);
        let run = lock_fails(&case, &[]);
        let url = format!("{}/pypi/six/1.16.0/json", case.index.url());
        assert_says(
            &run,
            &[&format!("{url} sent a document hashlock cannot read")],
        );
        assert_eq!(case.index.total_requests(), 1);
    }
}

#[test]
fn content_types_are_not_trusted_but_do_not_fail_the_json_api() {
    // The JSON API's documents are read whatever their label.
    let label = Fault::ContentType("text/plain");
    let case = case_with(Config::new().fault("six", label), SIX);
    lock_succeeds(&case, &[]);
    assert_eq!(hashes_in(&case.read("r.txt")).len(), 2);
    // A Simple API document not labelled PEP 691 JSON is not read as one: the
    // JSON API's project document answers instead.
    let label = Fault::ContentType("text/html");
    let config = Config::new().without_version_endpoint().fault("six", label);
    let case = case_with(config, SIX);
    lock_succeeds(&case, &[]);
    assert_eq!(hashes_in(&case.read("r.txt")).len(), 2);
    assert_eq!(case.index.requests("/pypi/six/json"), 1);
}

#[test]
fn redirects_on_the_same_host_are_followed() {
    let redirect = Fault::Redirect(Redirect::SameHost);
    let case = case_with(Config::new().fault("six", redirect), SIX);
    lock_succeeds(&case, &[]);
    assert_eq!(hashes_in(&case.read("r.txt")).len(), 2);
    assert_eq!(case.index.requests("/pypi/six/1.16.0/json"), 2);
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_host() {
    let other = TestIndex::start(Config::new());
    let redirect = Fault::Redirect(Redirect::To(other.url().to_owned()));
    let case = case_with(Config::new().fault("six", redirect), SIX);
    let url = case.index.url().replace("http://", "http://user:secret@");
    let run = hashlock_at(&case, &url, "lock", &["r.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hashes_in(&case.read("r.txt")).len(), 2);
    let path = "/pypi/six/1.16.0/json";
    let basic = Some("Basic dXNlcjpzZWNyZXQ=".to_owned());
    assert_eq!(case.index.header_values(path, "authorization"), [basic]);
    assert_eq!(other.header_values(path, "authorization"), [None]);
    assert_eq!(other.header_values(path, "referer"), [None], "no Referer");
}

#[test]
fn credentials_are_never_printed() {
    let case = case_with(Config::new().failing("six").missing("idna"), SIX);
    case.file("r.txt", "six==1.16.0\nidna==3.6\n");
    let url = case.index.url().replace("http://", "http://user:secret@");
    let run = hashlock_at(&case, &url, "lock", &["r.txt", "--retries", "0"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_says(&run, &["/pypi/six/1.16.0/json answered HTTP 500", "idna"]);
    assert!(!run.stderr.contains("secret"), "{}", run.stderr);
    assert!(!run.stderr.contains("user:"), "{}", run.stderr);
}

#[test]
fn a_redirect_loop_fails_at_once_naming_the_url() {
    let redirect = Fault::Redirect(Redirect::Loop);
    let case = case_with(Config::new().fault("six", redirect), SIX);
    let run = lock_fails(&case, &[]);
    let url = format!("{}/pypi/six/1.16.0/json", case.index.url());
    assert_says(&run, &[&format!("could not reach {url}"), "redirect loop"]);
    assert_eq!(
        case.index.total_requests(),
        1,
        "no retry, no ten round trips"
    );
}

#[test]
fn a_refused_redirect_names_the_url_that_failed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let redirect = Fault::Redirect(Redirect::To(nowhere.clone()));
    let case = case_with(Config::new().fault("six", redirect), SIX);
    let run = lock_fails(&case, &[]);
    let failed = format!("could not reach {nowhere}/pypi/six/1.16.0/json?redirected");
    assert_says(&run, &[&failed]);
}

#[test]
fn a_long_retry_after_fails_every_lookup_at_once() {
    let later = Some(RetryAfter::Seconds(3600));
    let config = Config::new()
        .unavailable("six", 100, 429, later)
        .unavailable("idna", 100, 429, later);
    let case = case_with(config, "six==1.16.0\nidna==3.6\n");
    let run = lock_fails(&case, &["--retries", "3", "--deadline", "600"]);
    let asked = "answered HTTP 429 and asked to retry after 3600 s";
    assert_says(&run, &[asked, "waits (60 s)"]);
    // The first lookup alone asked; the others did not ask again, nor wait.
    assert_eq!(case.index.total_requests(), 1, "{:#?}", case.index.counts());
}

#[test]
fn retry_after_as_an_http_date() {
    let past = Some(RetryAfter::DateIn(-3600));
    let case = case_with(Config::new().unavailable("six", 1, 503, past), SIX);
    lock_succeeds(&case, &[]);
    assert_eq!(case.index.total_requests(), 2);
    let future = Some(RetryAfter::DateIn(3600));
    let case = case_with(Config::new().unavailable("six", 1, 429, future), SIX);
    let run = lock_fails(&case, &[]);
    assert_says(&run, &["answered HTTP 429 and asked to retry after 3"]);
    assert_eq!(case.index.total_requests(), 1);
}

#[test]
fn unavailable_index_is_retried_then_reported() {
    // Every status and `Retry-After` is covered in `index::`, with fast retries.
    let config = Config::new().unavailable("six", 100, 503, None);
    let case = case_with(config, SIX);
    let run = lock_fails(&case, &[]);
    assert_says(&run, &["/pypi/six/1.16.0/json answered HTTP 503"]);
    assert_eq!(case.index.total_requests(), 2);
    let now = Some(RetryAfter::Seconds(0));
    let case = case_with(Config::new().unavailable("six", 1, 429, now), SIX);
    lock_succeeds(&case, &[]);
    assert_eq!(case.index.total_requests(), 2);
}

#[test]
fn an_endless_document_is_cut_at_the_size_limit() {
    let case = case_with(Config::new().fault("six", Fault::Endless), SIX);
    let run = lock_fails(&case, &["--max-document-size", "1"]);
    let url = format!("{}/pypi/six/1.16.0/json", case.index.url());
    let message = format!("{url} sent a document larger than 1 MiB");
    assert_says(&run, &[&message, "--max-document-size"]);
    assert_eq!(case.index.total_requests(), 1, "not retried");
}

#[test]
fn a_gzip_bomb_is_cut_at_the_size_limit_once_inflated() {
    let bomb = Fault::GzipBomb(8 * 1024 * 1024);
    let case = case_with(Config::new().fault("six", bomb), SIX);
    let run = lock_fails(&case, &["--max-document-size", "1"]);
    assert_says(&run, &["sent a document larger than 1 MiB"]);
    assert_eq!(case.index.total_requests(), 1, "not retried");
}

#[test]
fn a_trickling_document_is_stopped_by_the_deadline() {
    let trickle = Fault::Trickle(Duration::from_millis(100));
    let case = case_with(Config::new().fault("six", trickle), SIX);
    let args = ["--timeout", "1", "--deadline", "1", "--retries", "3"];
    let run = lock_fails(&case, &args);
    let url = format!("{}/pypi/six/1.16.0/json", case.index.url());
    assert_says(
        &run,
        &[&format!("{url} did not finish within 1 s"), "--deadline"],
    );
    assert_eq!(case.index.total_requests(), 1);
}

#[test]
fn a_downloaded_file_that_does_not_match_its_digest_fails_verify() {
    let files = synthetic_filenames("synth-1");
    let hashes: Vec<String> = files
        .iter()
        .map(|f| {
            let sha256 = synthetic_sha256(f);
            format!(" --hash=sha256:{sha256}")
        })
        .collect();
    let line = format!("synth-1==1.0.0{}\n", hashes.concat());
    let config = Config::new().synthetic().corrupt_file(&files[1]);
    let case = case_with(config, &line);
    let run = fails_with(&case, 1, "verify", &["--download", "r.txt"]);
    assert_says(&run, &["digest-mismatch", &files[1]]);
}

#[test]
fn downloads_send_credentials_to_the_index_origin_only() {
    // `bare-wheel` 1.0: its wheel on the index's own origin, its sdist on another
    // (another port of the same host is another origin).
    let site = Site::start();
    let sdist = b"an sdist hosted elsewhere";
    site.file("/dl/bare_wheel-1.0.tar.gz", sdist);
    let wheel_bytes = fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/files/bare_wheel-1.0-py3-none-any.whl"
    ))
    .unwrap();
    let fixtures = edited_fixtures(|documents| {
        let file = |filename: &str, url: String, bytes: &[u8]| {
            serde_json::json!({
                "filename": filename,
                "url": url,
                "digests": {"sha256": hex_sha256(bytes)},
                "requires_python": null,
                "yanked": false,
                "yanked_reason": null,
            })
        };
        let document = serde_json::json!({
            "info": {"name": "bare-wheel", "version": "1.0"},
            "releases": {"1.0": [
                // Rewritten by the index to its own origin.
                file(
                    "bare_wheel-1.0-py3-none-any.whl",
                    "https://files.pythonhosted.org/packages/aa/bare_wheel-1.0-py3-none-any.whl".to_owned(),
                    &wheel_bytes,
                ),
                file("bare_wheel-1.0.tar.gz", format!("{}/dl/bare_wheel-1.0.tar.gz", site.url()), sdist),
            ]},
        });
        documents.insert("bare-wheel".to_owned(), document);
    });
    let config = Config::new()
        .fixtures(fixtures.path())
        .basic_auth("user", "s3cret");
    let case = case_with(config, "bare-wheel==1.0\n");
    let root = format!("{}/simple", case.index.url()).replacen("http://", "http://user:s3cret@", 1);
    let run = case.run_raw(&["lock", "--download", "--index-url", &root, "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = BTreeSet::from([hex_sha256(&wheel_bytes), hex_sha256(sdist)]);
    assert_eq!(hashes_in(&case.read("r.txt")), expected);
    let run = case.run_raw(
        &[
            "verify",
            "--download",
            "--no-deps",
            "--index-url",
            &root,
            "r.txt",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // Every request to the index carried the credentials (it refuses any other),
    // the page and the wheel included.
    let basic = Some("Basic dXNlcjpzM2NyZXQ=".to_owned());
    let asked = case.index.counts();
    let wheel = "/packages/aa/bare_wheel-1.0-py3-none-any.whl";
    assert!(
        asked.contains_key("/simple/bare-wheel/") && asked.contains_key(wheel),
        "{asked:?}"
    );
    for path in asked.keys() {
        let sent = case.index.header_values(path, "authorization");
        assert!(sent.iter().all(|value| *value == basic), "{path}: {sent:?}");
    }
    // The other origin got the sdist asked for, once per run, with no credentials.
    let path = "/dl/bare_wheel-1.0.tar.gz";
    assert_eq!(site.requests(), [path, path]);
    assert_eq!(site.header_values(path, "authorization"), [None, None]);
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
