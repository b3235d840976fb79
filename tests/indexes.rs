//! Every index pip can use, on loopback: a Simple API root read as PEP 691 JSON or PEP
//! 503 HTML, the index named by the requirements file's own `-i` line, by
//! `PIP_INDEX_URL` or by pip's configuration file, several indexes with the same
//! project, `--find-links` directories and pages, and credentials that go only to
//! their host; a redirect to the project's own spelling, a root under a path prefix;
//! `verify` through each way of naming an index.

use std::fs;

use crate::support::cli::{Case, Run};
use crate::support::server::{edited_fixtures, file_entry, synthetic_filenames, synthetic_sha256};
use crate::support::site::Site;
use crate::support::{Config, TestIndex};

const SIX_SDIST: &str = "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926";
const SIX_WHEEL: &str = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";

/// The `--hash` digests of a file, sorted.
fn hashes(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split("--hash=sha256:")
        .skip(1)
        .map(|rest| rest.chars().take(64).collect())
        .collect();
    found.sort();
    found
}

fn assert_six_locked(case: &Case, run: &Run) {
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        hashes(&case.read("r.txt")),
        [SIX_SDIST, SIX_WHEEL],
        "{}",
        run.stderr
    );
}

#[test]
fn a_simple_api_root_is_read_as_pip_reads_it() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let root = format!("{}/simple", case.index.url());
    let run = case.run_raw(&["lock", "--index-url", &root, "r.txt"], &[]);
    assert_six_locked(&case, &run);
    // The Simple API alone: pip never asks the JSON API.
    assert_eq!(
        case.index.requests_matching("/pypi/"),
        0,
        "{:?}",
        case.index.counts()
    );
    assert_eq!(case.index.requests("/simple/six/"), 1);
}

#[test]
fn a_pep_503_html_index_is_read() {
    let case = Case::with(Config::new().simple_api_html_only());
    case.file("r.txt", "six==1.16.0\n");
    let root = format!("{}/simple/", case.index.url());
    let run = case.run_raw(&["lock", "--index-url", &root, "r.txt"], &[]);
    assert_six_locked(&case, &run);
    // pip's Accept header: JSON first, HTML as the fallback.
    let accept = case.index.accepts("/simple/six/");
    assert!(
        accept[0].contains("application/vnd.pypi.simple.v1+html"),
        "{accept:?}"
    );
}

#[test]
fn relative_file_urls_resolve_against_the_page() {
    for config in [
        Config::new().relative_urls(),
        Config::new().relative_urls().simple_api_html_only(),
    ] {
        let case = Case::with(config);
        case.file("r.txt", "six==1.16.0\n");
        let root = format!("{}/simple", case.index.url());
        let run = case.run_raw(&["lock", "--index-url", &root, "r.txt"], &[]);
        assert_six_locked(&case, &run);
    }
}

#[test]
fn the_files_own_index_line_is_the_index() {
    let case = Case::new();
    let root = format!("{}/simple", case.index.url());
    case.file("r.txt", &format!("--index-url {root}\nsix==1.16.0\n"));
    let run = case.run_raw(&["lock", "-v", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("(from r.txt:1)"),
        "-v names the line: {}",
        run.stderr
    );
    assert_eq!(case.index.requests("/simple/six/"), 1);
    // Through `${VAR}` too, as pip expands it.
    let case = Case::new();
    case.file("r.txt", "-i ${PRIVATE_INDEX}\nsix==1.16.0\n");
    let root = format!("{}/simple", case.index.url());
    let run = case.run_raw(&["lock", "r.txt"], &[("PRIVATE_INDEX", &root)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        case.read("r.txt").starts_with("-i ${PRIVATE_INDEX}\n"),
        "kept as written"
    );
}

#[test]
fn pip_index_url_and_pip_conf_are_followed_in_pips_order() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let root = format!("{}/simple", case.index.url());
    let run = case.run_raw(&["lock", "-v", "r.txt"], &[("PIP_INDEX_URL", &root)]);
    assert_six_locked(&case, &run);
    assert!(
        run.stderr.contains("(from $PIP_INDEX_URL)"),
        "{}",
        run.stderr
    );

    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let conf = case.file(
        "pip.conf",
        &format!("[global]\nindex-url = https://unused.invalid/simple\n\n[install]\nindex-url = {}/simple\n", case.index.url()),
    );
    let run = case.run_raw(
        &["lock", "-v", "r.txt"],
        &[
            ("PIP_CONFIG_FILE", conf.to_str().unwrap()),
            ("XDG_CONFIG_DIRS", "/nonexistent"),
        ],
    );
    assert_six_locked(&case, &run);
    assert!(run.stderr.contains("pip.conf)"), "{}", run.stderr);

    // The file's own line comes before the environment, which comes before pip.conf.
    let other = TestIndex::start(Config::new());
    let case = Case::new();
    case.file(
        "r.txt",
        &format!("-i {}/simple\nsix==1.16.0\n", case.index.url()),
    );
    let env_root = format!("{}/simple", other.url());
    let run = case.run_raw(&["lock", "r.txt"], &[("PIP_INDEX_URL", &env_root)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        (case.index.requests("/simple/six/"), other.total_requests()),
        (1, 0)
    );
}

#[test]
fn plain_http_to_an_untrusted_host_is_refused() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let run = case.run_raw(
        &[
            "lock",
            "--index-url",
            "http://index.example/simple",
            "r.txt",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("plain http"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--trusted-host index.example"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), "six==1.16.0\n");
}

/// The recorded fixtures with six 1.16.0 carrying one more wheel (hash of `7`s).
fn six_with_another_wheel() -> tempfile::TempDir {
    edited_fixtures(|documents| {
        let files = documents
            .get_mut("six")
            .and_then(|six| six["releases"]["1.16.0"].as_array_mut())
            .expect("six 1.16.0 in the fixtures");
        files.push(file_entry("six-1.16.0-py3-none-any.whl", '7'));
    })
}

#[test]
fn a_project_on_two_indexes_takes_files_from_both_and_warns() {
    let fixtures = six_with_another_wheel();
    let second = TestIndex::start(Config::new().fixtures(fixtures.path()));
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let first_root = format!("{}/simple", case.index.url());
    let second_root = format!("{}/simple", second.url());
    let args = [
        "lock",
        "--index-url",
        &first_root,
        "--extra-index-url",
        &second_root,
        "r.txt",
    ];
    let run = case.run_raw(&args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // pip could install the second index's extra wheel: its hash is written too.
    assert_eq!(
        hashes(&case.read("r.txt")),
        [SIX_SDIST, "7".repeat(64).as_str(), SIX_WHEEL]
    );
    assert!(run.stderr.contains("is on 2 indexes"), "{}", run.stderr);
    assert!(run.stderr.contains(&case.index.url()[7..]) && run.stderr.contains(&second.url()[7..]));

    // `first-index`: the first index that has the project decides.
    case.file("r.txt", "six==1.16.0\n");
    let mut first_only = args.to_vec();
    first_only.splice(1..1, ["--index-strategy", "first-index"]);
    let run = case.run_raw(&first_only, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hashes(&case.read("r.txt")), [SIX_SDIST, SIX_WHEEL]);
}

#[test]
fn find_links_directories_are_hashed_from_disk() {
    let case = Case::new();
    let wheels = case.path("wheels");
    fs::create_dir(&wheels).unwrap();
    fs::write(
        wheels.join("demo-1.0-py3-none-any.whl"),
        b"not really a zip",
    )
    .unwrap();
    fs::write(wheels.join("demo-1.0.tar.gz"), b"an sdist").unwrap();
    fs::write(wheels.join("other-1.0.tar.gz"), b"another project").unwrap();
    case.file("r.txt", "--find-links wheels\ndemo==1.0\n");
    let run = case.run_raw(&["lock", "--no-index", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = {
        let mut digests = vec![sha256_hex(b"not really a zip"), sha256_hex(b"an sdist")];
        digests.sort();
        digests
    };
    assert_eq!(hashes(&case.read("r.txt")), expected);
    assert_eq!(case.index.total_requests(), 0, "--no-index asks no index");
}

fn sha256_hex(bytes: &[u8]) -> String {
    let output = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .expect("sha256sum");
    String::from_utf8_lossy(&output.stdout)[..64].to_owned()
}

#[test]
fn credentials_go_to_the_index_host_and_nowhere_else() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let root = format!("{}/simple", case.index.url()).replacen("http://", "http://user:s3cret@", 1);
    let run = case.run_raw(&["lock", "--index-url", &root, "r.txt"], &[]);
    assert_six_locked(&case, &run);
    let sent = case.index.header_values("/simple/six/", "authorization");
    // `user:s3cret` in base64.
    assert_eq!(sent, [Some("Basic dXNlcjpzM2NyZXQ=".to_owned())]);
    assert!(!run.stderr.contains("s3cret"));
}

#[test]
fn netrc_credentials_are_used_for_their_host() {
    let case = Case::new();
    case.file("r.txt", "six==1.16.0\n");
    let netrc = case.file("netrc", "machine 127.0.0.1 login robot password t0ken\n");
    let root = format!("{}/simple", case.index.url());
    let run = case.run_raw(
        &["lock", "--index-url", &root, "r.txt"],
        &[("NETRC", netrc.to_str().unwrap())],
    );
    assert_six_locked(&case, &run);
    let sent = case.index.header_values("/simple/six/", "authorization");
    assert_eq!(sent, [Some("Basic cm9ib3Q6dDBrZW4=".to_owned())]);
}

#[test]
fn cross_check_catches_a_poisoned_mirror() {
    // The mirror serves six's wheel with other bytes (its digest of `9`s) and a
    // private wheel PyPI does not have.
    let poisoned = edited_fixtures(|documents| {
        let files = documents
            .get_mut("six")
            .and_then(|six| six["releases"]["1.16.0"].as_array_mut())
            .expect("six 1.16.0 in the fixtures");
        for file in files.iter_mut() {
            if file["filename"] == "six-1.16.0-py2.py3-none-any.whl" {
                file["digests"]["sha256"] = "9".repeat(64).into();
            }
        }
        files.push(file_entry(
            "six-1.16.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            '8',
        ));
    });
    let mirror = TestIndex::start(Config::new().fixtures(poisoned.path()));
    let pypi = TestIndex::start(Config::new());
    let case = Case::new();
    let line = format!(
        "six==1.16.0 --hash=sha256:{SIX_SDIST} --hash=sha256:{} --hash=sha256:{}\n",
        "9".repeat(64),
        "8".repeat(64)
    );
    case.file("r.txt", &line);
    let mirror_root = format!("{}/simple", mirror.url());
    let witness = format!("{}/simple", pypi.url());
    let args = [
        "verify",
        "--format",
        "json",
        "--index-url",
        &mirror_root,
        "--cross-check",
        &witness,
        // Its files are on a host that does not exist: no metadata to read.
        "--no-deps",
        "r.txt",
    ];
    let run = case.run_raw(&args, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let codes: Vec<(&str, &str)> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("cross-check-mismatch", "error"),
            ("cross-check-missing", "warning")
        ],
        "{}",
        run.stdout
    );
    // Without `--cross-check` the mirror's own hashes pass.
    let run = case.run_raw(
        &["verify", "--no-deps", "--index-url", &mirror_root, "r.txt"],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// The `--hash` digests of the synthetic project `name`'s four files, sorted.
fn synthetic_hashes(name: &str) -> Vec<String> {
    let mut digests: Vec<String> = synthetic_filenames(name)
        .iter()
        .map(|filename| synthetic_sha256(filename))
        .collect();
    digests.sort();
    digests
}

/// The finding codes of a `--format json` report, in order.
fn finding_codes(run: &Run) -> Vec<String> {
    let document: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    let findings = document["findings"].as_array().cloned().unwrap_or_default();
    findings
        .iter()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn a_redirect_to_the_projects_own_spelling_is_followed() {
    // The index redirects every other spelling to the normalized name (as PyPI
    // does): hashlock asks the normalized name at once, and locks.
    let case = Case::with(Config::new().synthetic().simple_spelled("synth-1"));
    case.file("r.txt", "Synth_1==1.0.0\n");
    let root = format!("{}/simple/", case.index.url());
    let run = case.run_raw(&["lock", "--index-url", &root, "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hashes(&case.read("r.txt")), synthetic_hashes("synth-1"));
    let asked = case.index.counts();
    assert_eq!(
        asked.get("/simple/synth-1/"),
        Some(&1),
        "the normalized name: {asked:?}"
    );

    // The index keeps the page at the name as registered (legacy PyPI, old devpi)
    // and answers the normalized name with a 301 there: followed.
    let case = Case::with(Config::new().synthetic().simple_spelled("Synth_1"));
    case.file("r.txt", "synth-1==1.0.0\n");
    let root = format!("{}/simple/", case.index.url());
    let run = case.run_raw(&["lock", "--index-url", &root, "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hashes(&case.read("r.txt")), synthetic_hashes("synth-1"));
    let asked = case.index.counts();
    assert_eq!(
        (asked.get("/simple/synth-1/"), asked.get("/simple/Synth_1/")),
        (Some(&1), Some(&1)),
        "asked, redirected, asked again: {asked:?}"
    );
}

#[test]
fn a_prefixed_simple_root_keeps_its_prefix() {
    const PREFIX: &str = "/artifactory/api/pypi/pypi";
    let case = Case::with(Config::new().synthetic().relative_urls().under(PREFIX));
    case.file("r.txt", "synth-1==1.0.0\n");
    let root = format!("{}/simple/", case.index.url());
    assert!(
        root.ends_with("/artifactory/api/pypi/pypi/simple/"),
        "{root}"
    );
    // `--download` fetches every file, through the page's relative URLs
    // (`../../files/<name>`), and checks each against its published sha256.
    let run = case.run_raw(&["lock", "--download", "--index-url", &root, "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hashes(&case.read("r.txt")), synthetic_hashes("synth-1"));
    let mut expected: Vec<String> = synthetic_filenames("synth-1")
        .iter()
        .map(|filename| format!("{PREFIX}/files/{filename}"))
        .collect();
    expected.push(format!("{PREFIX}/simple/synth-1/"));
    expected.sort();
    let asked: Vec<String> = case.index.counts().into_keys().collect();
    assert_eq!(asked, expected, "{:?}", case.index.counts());

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
    assert_eq!(case.index.requests(&format!("{PREFIX}/simple/synth-1/")), 2);
    let outside = case
        .index
        .counts()
        .into_keys()
        .filter(|p| !p.starts_with(PREFIX));
    assert_eq!(outside.count(), 0, "{:?}", case.index.counts());
}

#[test]
fn a_remote_find_links_page_locks_and_verifies_with_no_index() {
    let (wheel, sdist) = (b"a wheel from the page".as_slice(), b"an sdist".as_slice());
    let site = Site::start();
    site.file("/dl/demo-1.0-py3-none-any.whl", wheel);
    site.file("/dl/demo-1.0.tar.gz", sdist);
    site.file("/dl/other-1.0.tar.gz", b"another project");
    // PEP 503 markup: an absolute path with its `#sha256=`, a relative link without
    // a fragment (downloaded and hashed), another project's file.
    site.html(
        "/links/",
        &format!(
            "<!DOCTYPE html>\n<html><body>\n\
             <a href=\"/dl/demo-1.0-py3-none-any.whl#sha256={}\">demo-1.0-py3-none-any.whl</a><br/>\n\
             <a href=\"../dl/demo-1.0.tar.gz\">demo-1.0.tar.gz</a><br/>\n\
             <a href=\"../dl/other-1.0.tar.gz#sha256={}\">other-1.0.tar.gz</a><br/>\n\
             </body></html>\n",
            sha256_hex(wheel),
            sha256_hex(b"another project"),
        ),
    );
    let page = format!("{}/links/", site.url());
    let case = Case::new();
    case.file("r.txt", "demo==1.0\n");
    let run = case.run_raw(&["lock", "--no-index", "--find-links", &page, "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut expected = vec![sha256_hex(wheel), sha256_hex(sdist)];
    expected.sort();
    let locked = case.read("r.txt");
    assert_eq!(hashes(&locked), expected, "{locked}");
    assert!(run.stderr.contains("demo-1.0.tar.gz"), "{}", run.stderr);
    // The page, then the one file it gives no digest for: the wheel's fragment is
    // its digest, and the other project is none of ours.
    assert_eq!(site.requests(), ["/links/", "/dl/demo-1.0.tar.gz"]);
    assert_eq!(case.index.total_requests(), 0, "--no-index asks no index");

    let verify = [
        "verify",
        "--no-index",
        "--find-links",
        &page,
        "--no-deps",
        "--format",
        "json",
        "r.txt",
    ];
    let run = case.run_raw(&verify, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    case.file(
        "r.txt",
        &locked.replace(&sha256_hex(wheel), &"0".repeat(64)),
    );
    let run = case.run_raw(&verify, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let codes = finding_codes(&run);
    assert!(codes.iter().any(|c| c == "unknown-hash"), "{codes:?}");
}

/// `six==1.16.0` with its two true hashes, or with the wheel's hash changed.
fn six_line(tampered: bool) -> String {
    let wheel = if tampered {
        format!("{}0", &SIX_WHEEL[..63])
    } else {
        SIX_WHEEL.to_owned()
    };
    format!("six==1.16.0 --hash=sha256:{SIX_SDIST} --hash=sha256:{wheel}\n")
}

/// `hashlock verify --no-deps --format json ARGS r.txt` with `head` before the
/// requirement in r.txt passes with its true hashes (exit 0) and fails with a
/// tampered one (exit 1, `unknown-hash`), the case's index answering.
fn verify_passes_then_catches_tampering(
    case: &Case,
    head: &str,
    args: &[&str],
    env: &[(&str, &str)],
) {
    let mut all = vec!["verify", "--no-deps", "--format", "json"];
    all.extend_from_slice(args);
    all.push("r.txt");
    case.file("r.txt", &format!("{head}{}", six_line(false)));
    let run = case.run_raw(&all, env);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(finding_codes(&run), Vec::<String>::new(), "{}", run.stdout);
    // This index answered: no other is named, and PyPI is out of reach.
    assert_eq!(
        case.index.requests("/simple/six/"),
        1,
        "{:?}",
        case.index.counts()
    );
    case.file("r.txt", &format!("{head}{}", six_line(true)));
    let run = case.run_raw(&all, env);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let codes = finding_codes(&run);
    assert!(codes.iter().any(|c| c == "unknown-hash"), "{codes:?}");
}

#[test]
fn verify_through_a_find_links_directory() {
    let case = Case::new();
    let wheels = case.path("wheels");
    fs::create_dir(&wheels).unwrap();
    fs::write(wheels.join("demo-1.0-py3-none-any.whl"), b"a wheel").unwrap();
    fs::write(wheels.join("demo-1.0.tar.gz"), b"an sdist").unwrap();
    let args = [
        "verify",
        "--no-deps",
        "--format",
        "json",
        "--no-index",
        "r.txt",
    ];
    let line = |wheel: &str| {
        format!(
            "--find-links wheels\ndemo==1.0 --hash=sha256:{} --hash=sha256:{wheel}\n",
            sha256_hex(b"an sdist")
        )
    };
    case.file("r.txt", &line(&sha256_hex(b"a wheel")));
    let run = case.run_raw(&args, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    case.file("r.txt", &line(&sha256_hex(b"another wheel")));
    let run = case.run_raw(&args, &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let codes = finding_codes(&run);
    assert!(codes.iter().any(|c| c == "unknown-hash"), "{codes:?}");
    assert_eq!(case.index.total_requests(), 0, "--no-index asks no index");
}

#[test]
fn verify_through_an_index_behind_basic_auth() {
    let case = Case::with(Config::new().basic_auth("user", "s3cret"));
    let root = format!("{}/simple", case.index.url());
    let with_credentials = root.replacen("http://", "http://user:s3cret@", 1);
    verify_passes_then_catches_tampering(&case, "", &["--index-url", &with_credentials], &[]);
    let sent = case.index.header_values("/simple/six/", "authorization");
    let basic = Some("Basic dXNlcjpzM2NyZXQ=".to_owned());
    assert!(sent.iter().all(|value| *value == basic), "{sent:?}");
    // The index does refuse a request without them.
    case.file("r.txt", &six_line(false));
    let run = case.run_raw(&["verify", "--no-deps", "--index-url", &root, "r.txt"], &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
}

#[test]
fn verify_through_the_files_own_index_line() {
    let case = Case::new();
    let head = format!("-i {}/simple\n", case.index.url());
    verify_passes_then_catches_tampering(&case, &head, &[], &[]);
}

#[test]
fn verify_through_pip_index_url() {
    let case = Case::new();
    let root = format!("{}/simple", case.index.url());
    verify_passes_then_catches_tampering(&case, "", &[], &[("PIP_INDEX_URL", &root)]);
}

#[test]
fn verify_through_pip_conf() {
    let case = Case::new();
    let conf = case.file(
        "pip.conf",
        &format!("[global]\nindex-url = {}/simple\n", case.index.url()),
    );
    let env = [
        ("PIP_CONFIG_FILE", conf.to_str().unwrap()),
        ("XDG_CONFIG_DIRS", "/nonexistent"),
    ];
    verify_passes_then_catches_tampering(&case, "", &[], &env);
}
