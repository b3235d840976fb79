//! Every index pip can use, on loopback: a Simple API root read as PEP 691 JSON or PEP
//! 503 HTML, the index named by the requirements file's own `-i` line, by
//! `PIP_INDEX_URL` or by pip's configuration file, several indexes with the same
//! project, `--find-links` directories, and credentials that go only to their host.

use std::fs;

use crate::support::cli::{Case, Run};
use crate::support::server::{edited_fixtures, file_entry};
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
