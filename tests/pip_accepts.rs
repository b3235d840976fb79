//! End to end with pip itself: what `hashlock lock` writes is accepted by
//! `pip download --require-hashes`, and the same file with a tampered hash is refused.
//!
//! `tests/pip_accepts.py` builds small valid wheels and serves them on 127.0.0.1 from a
//! static tree that answers both PyPI's JSON API (which hashlock reads) and the Simple
//! API (which pip reads). Its projects cover: two wheels for one version (`alpha`, file
//! URLs relative to the JSON documents), a name spelled with another case and separator
//! than the index's and a version with an extra `.0` (`Beta_Pkg==2.0.0` for `beta-pkg`
//! `2.0`, so the per-version endpoint answers 404 and the project document decides),
//! and a project with an older version whose hash must not be written (`gamma`).
//!
//! pip comes from `HASHLOCK_TEST_PYTHON` (`scripts/test` sets it to a virtualenv with a
//! pinned pip); without a working pip the test fails rather than passing unchecked.

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

use crate::support::python::python;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pip_accepts.py");

/// The head of the error pip (26.x, and for years before) prints when a downloaded
/// file's sha256 is not among the requirement's `--hash` values.
const PIP_HASH_MISMATCH: &str = "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE";

const REQUIREMENTS: &str = "\
# comment kept
alpha==1.0.0
Beta_Pkg==2.0.0   # trailing comment, version spelled with an extra .0
gamma==0.5.0 ; python_version >= \"3\"
";

/// The requirement text of each line of [`REQUIREMENTS`] (which `lock` must keep as
/// written), with the project and version whose files it must carry the hashes of.
const LOCKED: [(&str, &str, &str); 3] = [
    ("alpha==1.0.0", "alpha", "1.0.0"),
    ("Beta_Pkg==2.0.0", "beta-pkg", "2.0"),
    ("gamma==0.5.0 ; python_version >= \"3\"", "gamma", "0.5.0"),
];

/// What `pip_accepts.py` published: project -> version -> filename -> sha256.
type Manifest = BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>;

#[test]
fn pip_accepts_what_lock_writes_and_rejects_a_tampered_hash() {
    let python = python();
    require_pip(&python);
    let dir = TempDir::new().unwrap();
    let server = Server::start(&python, &dir.path().join("server"));
    let manifest: Manifest =
        serde_json::from_str(&fs::read_to_string(dir.path().join("server/manifest.json")).unwrap())
            .unwrap();

    let requirements = dir.path().join("requirements.txt");
    fs::write(&requirements, REQUIREMENTS).unwrap();
    lock(dir.path(), &server, &requirements);
    let locked = fs::read_to_string(&requirements).unwrap();
    assert_locked(&locked, &manifest);
    // `beta-pkg` publishes `2.0`: the per-version endpoint denied `2.0.0`, and the
    // project document gave the hash (the fixture is there to cover this fallback).
    let requests = server.requests();
    assert!(
        requests.contains("\"GET /pypi/beta-pkg/2.0.0/json HTTP/1.1\" 404")
            && requests.contains("\"GET /pypi/beta-pkg/json HTTP/1.1\" 200"),
        "hashlock did not fall back to the project document:\n{requests}"
    );

    // Locking a locked file changes nothing.
    lock(dir.path(), &server, &requirements);
    assert_eq!(
        fs::read_to_string(&requirements).unwrap(),
        locked,
        "a second `lock` changed the file"
    );

    // pip accepts every hash it needs, and downloads one wheel per requirement.
    let downloads = dir.path().join("downloads");
    let output = pip_download(&python, dir.path(), &server, &requirements, &downloads);
    assert!(
        output.status.success(),
        "pip refused the locked file:\n{locked}\n{}\n--- requests\n{}",
        show(&output),
        server.requests()
    );
    let mut downloaded: Vec<String> = fs::read_dir(&downloads)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    downloaded.sort();
    assert_eq!(
        downloaded.len(),
        3,
        "pip downloaded {downloaded:?}\n{}",
        show(&output)
    );
    assert!(
        manifest["alpha"]["1.0.0"].contains_key(&downloaded[0]),
        "pip downloaded {downloaded:?}"
    );
    assert_eq!(
        downloaded[1..],
        [
            "beta_pkg-2.0-py3-none-any.whl",
            "gamma-0.5.0-py3-none-any.whl"
        ]
    );

    // The same file with every hash of alpha altered by one digit: pip must refuse it.
    let tampered = dir.path().join("tampered.txt");
    let (text, changed) = tamper(&locked, "alpha==", "sha256");
    assert_eq!(
        changed, 2,
        "expected two hashes on alpha's line in:\n{locked}"
    );
    fs::write(&tampered, text).unwrap();
    let downloads = dir.path().join("tampered-downloads");
    let output = pip_download(&python, dir.path(), &server, &tampered, &downloads);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains(PIP_HASH_MISMATCH),
        "pip did not reject tampered hashes:\n{}\n{}",
        fs::read_to_string(&tampered).unwrap(),
        show(&output)
    );
    assert!(stderr.contains("alpha==1.0.0 from"), "{}", show(&output));
    let saved = fs::read_dir(&downloads).into_iter().flatten().flatten();
    let saved: Vec<_> = saved.map(|entry| entry.file_name()).collect();
    assert!(
        !saved
            .iter()
            .any(|name| name.to_string_lossy().starts_with("alpha")),
        "pip saved {saved:?}"
    );

    drop(server);
}

/// `lock --download --algorithm sha512` writes only sha512 hashes, one per file of
/// each version; pip (which accepts sha256, sha384 and sha512 in hash-checking mode)
/// downloads with them, and refuses the file once alpha's are altered.
#[test]
fn pip_accepts_what_lock_download_algorithm_sha512_writes() {
    let python = python();
    require_pip(&python);
    let dir = TempDir::new().unwrap();
    let server = Server::start(&python, &dir.path().join("server"));
    let manifest: Manifest =
        serde_json::from_str(&fs::read_to_string(dir.path().join("server/manifest.json")).unwrap())
            .unwrap();
    let requirements = dir.path().join("requirements.txt");
    fs::write(&requirements, REQUIREMENTS).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let args = ["lock", "--download", "--algorithm", "sha512"];
    let output = hashlock_in(dir.path(), &server, &args, &requirements, cache.path());
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let locked = fs::read_to_string(&requirements).unwrap();
    assert!(!locked.contains("sha256"), "{locked}");
    for (text, project, version) in LOCKED {
        let line = logical_lines(&locked)
            .into_iter()
            .find(|line| line.starts_with(text))
            .unwrap_or_else(|| panic!("no line for {text} in\n{locked}"));
        let files = manifest[project][version].len();
        assert_eq!(line.matches("--hash=sha512:").count(), files, "{line}");
    }
    let downloads = dir.path().join("downloads");
    let output = pip_download(&python, dir.path(), &server, &requirements, &downloads);
    assert!(
        output.status.success(),
        "pip refused the sha512-locked file:\n{locked}\n{}",
        show(&output)
    );
    assert_eq!(fs::read_dir(&downloads).unwrap().count(), 3);
    let tampered = dir.path().join("tampered.txt");
    let (text, changed) = tamper(&locked, "alpha==", "sha512");
    assert_eq!(changed, 2, "{locked}");
    fs::write(&tampered, text).unwrap();
    let downloads = dir.path().join("tampered-downloads");
    let output = pip_download(&python, dir.path(), &server, &tampered, &downloads);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains(PIP_HASH_MISMATCH),
        "pip did not reject tampered sha512 hashes:\n{}",
        show(&output)
    );
    drop(server);
}

/// `hashlock ARGS --index-url <server> FILE` in `dir`, with its own cache directory.
fn hashlock_in(dir: &Path, server: &Server, args: &[&str], file: &Path, cache: &Path) -> Output {
    let mut command = Command::cargo_bin("hashlock").unwrap();
    for name in foreign_env() {
        command.env_remove(name);
    }
    command
        .current_dir(dir)
        .env("HASHLOCK_CACHE_DIR", cache)
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .args(args)
        .args(["--index-url", &server.url])
        .arg(file)
        .output()
        .unwrap()
}

/// The issue's story: `lock` of `flask==3.0.3` alone gives a file pip refuses (its
/// dependencies are not pinned); `verify` names them; `lock --add-missing` pins and
/// hashes them; pip then downloads the whole set with its dependencies, in
/// hash-checking mode.
#[test]
fn pip_accepts_what_lock_add_missing_writes_with_dependencies() {
    let python = python();
    require_pip(&python);
    let dir = TempDir::new().unwrap();
    let server = Server::start_with(&python, &dir.path().join("server"), &["deps"]);
    let requirements = dir.path().join("requirements.txt");
    fs::write(&requirements, "flask==3.0.3\n").unwrap();
    let target = [
        "--python-version",
        "3.12",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    let run = hashlock(
        dir.path(),
        &server,
        &[&["lock"], &target[..]].concat(),
        &requirements,
    );
    assert!(run.status.success(), "{}", show(&run));

    // What pip would refuse, verify refuses too.
    let downloads = dir.path().join("incomplete");
    let output = pip_download_with(&python, dir.path(), &server, &requirements, &downloads, &[]);
    assert!(
        !output.status.success(),
        "pip accepted an incomplete file:\n{}",
        show(&output)
    );
    let run = hashlock(
        dir.path(),
        &server,
        &[&["verify"], &target[..]].concat(),
        &requirements,
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{}", show(&run));
    assert!(
        stderr.contains("flask==3.0.3 requires Werkzeug>=3.0.0, which no line pins"),
        "{stderr}"
    );

    let add = [&["lock", "--add-missing"], &target[..]].concat();
    let run = hashlock(dir.path(), &server, &add, &requirements);
    assert!(run.status.success(), "{}", show(&run));
    let locked = fs::read_to_string(&requirements).unwrap();
    let run = hashlock(dir.path(), &server, &["verify"], &requirements);
    assert!(
        run.status.success(),
        "verify refused:\n{locked}\n{}",
        show(&run)
    );

    let downloads = dir.path().join("downloads");
    let output = pip_download_with(&python, dir.path(), &server, &requirements, &downloads, &[]);
    assert!(
        output.status.success(),
        "pip refused the completed file:\n{locked}\n{}",
        show(&output)
    );
    let mut downloaded: Vec<String> = fs::read_dir(&downloads)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    downloaded.sort();
    assert_eq!(
        downloaded,
        [
            "flask-3.0.3-py3-none-any.whl",
            "jinja2-3.1.4-py3-none-any.whl",
            "markupsafe-2.1.5-py3-none-any.whl",
            "werkzeug-3.0.6-py3-none-any.whl",
        ],
        "{locked}"
    );
    drop(server);
}

/// Runs `hashlock ARGS --index-url URL FILE`.
fn hashlock(dir: &Path, server: &Server, args: &[&str], file: &Path) -> Output {
    let mut command = Command::cargo_bin("hashlock").unwrap();
    for name in foreign_env() {
        command.env_remove(name);
    }
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .args(args)
        .args(["--index-url", &server.url])
        .arg(file)
        .output()
        .unwrap()
}

/// Fails the test unless `python -m pip` runs.
fn require_pip(python: &OsString) {
    let hint = "run the tests with `scripts/test`, which sets HASHLOCK_TEST_PYTHON to a \
                virtualenv with the pinned pip";
    let output = std::process::Command::new(python)
        .args(["-m", "pip", "--version"])
        .env("PIP_CONFIG_FILE", dev_null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {python:?}: {error}; {hint}"));
    assert!(
        output.status.success(),
        "`{} -m pip --version` failed; {hint}\n{}",
        python.to_string_lossy(),
        show(&output)
    );
}

/// The loopback index of `pip_accepts.py`; stopped when dropped, even on panic.
struct Server {
    child: Child,
    url: String,
    /// Every request the server answered, one line each: `"GET /path HTTP/1.1" 200 -`.
    log: PathBuf,
}

impl Server {
    fn start(python: &OsString, work: &Path) -> Server {
        Server::start_with(python, work, &[])
    }

    /// The server of `pip_accepts.py WORK ARGS...` (`deps`: the dependency set).
    fn start_with(python: &OsString, work: &Path, args: &[&str]) -> Server {
        let child = std::process::Command::new(python)
            .arg(SCRIPT)
            .arg(work)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {SCRIPT}: {error}"));
        // The guard exists before anything can panic, so the server never outlives us.
        let mut server = Server {
            child,
            url: String::new(),
            log: work.join("requests.log"),
        };
        let stdout = server.child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        server.url = match line.trim_end().strip_prefix("listening on ") {
            Some(url) => url.to_owned(),
            None => panic!("{SCRIPT} did not print its URL (printed {line:?})"),
        };
        server
    }

    /// The requests answered so far.
    fn requests(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin asks the script to stop; kill it if it has not within 5 s.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => thread::sleep(Duration::from_millis(20)),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Environment variables that would send a child elsewhere than the loopback index
/// (proxies) or change what pip does (`PIP_*`, such as `PIP_FIND_LINKS`).
fn foreign_env() -> Vec<OsString> {
    env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| {
            let upper = name.to_string_lossy().to_ascii_uppercase();
            upper.starts_with("PIP_") || upper.ends_with("_PROXY") || upper == "HASHLOCK_INDEX_URL"
        })
        .collect()
}

fn dev_null() -> &'static str {
    if cfg!(windows) { "nul" } else { "/dev/null" }
}

/// Runs `hashlock lock --index-url URL FILE` and asserts it succeeded.
fn lock(dir: &Path, server: &Server, file: &Path) {
    let url = &server.url;
    let mut command = Command::cargo_bin("hashlock").unwrap();
    // The first-seen log of this run only: another test may have seen other files
    // at the same (reused) port.
    let cache = tempfile::tempdir().unwrap();
    command.env("HASHLOCK_CACHE_DIR", cache.path());
    for name in foreign_env() {
        command.env_remove(name);
    }
    let output = command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .args(["lock", "--index-url", url])
        .arg(file)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "`hashlock lock --index-url {url} {}` failed on\n{}\n{}\n--- requests\n{}",
        file.display(),
        fs::read_to_string(file).unwrap_or_default(),
        show(&output),
        server.requests()
    );
}

/// `pip download --no-deps --require-hashes` of `requirements` from the Simple API
/// at `url`.
fn pip_download(
    python: &OsString,
    dir: &Path,
    server: &Server,
    requirements: &Path,
    dest: &Path,
) -> Output {
    pip_download_with(python, dir, server, requirements, dest, &["--no-deps"])
}

/// `pip download --require-hashes FLAGS` of `requirements`.
fn pip_download_with(
    python: &OsString,
    dir: &Path,
    server: &Server,
    requirements: &Path,
    dest: &Path,
    flags: &[&str],
) -> Output {
    let mut command = std::process::Command::new(python);
    for name in foreign_env() {
        command.env_remove(name);
    }
    command
        .current_dir(dir)
        .env("PIP_CONFIG_FILE", dev_null())
        .env("NO_PROXY", "127.0.0.1,localhost")
        .args(["-m", "pip", "download", "--require-hashes"])
        .args(flags)
        .args([
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .args(["--index-url", &format!("{}/simple", server.url)])
        .arg("-r")
        .arg(requirements)
        .arg("-d")
        .arg(dest)
        .output()
        .unwrap()
}

/// Asserts `locked` is [`REQUIREMENTS`] with, on each requirement, exactly the sha256
/// of every file of its version, and comments kept.
fn assert_locked(locked: &str, manifest: &Manifest) {
    assert!(
        locked.starts_with("# comment kept\n"),
        "the comment line was lost:\n{locked}"
    );
    assert!(
        locked.contains("   # trailing comment, version spelled with an extra .0\n"),
        "the trailing comment was lost:\n{locked}"
    );
    let requirements: Vec<(String, BTreeSet<String>)> = logical_lines(locked)
        .iter()
        .map(|line| strip_comment(line))
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let hashes = line
                .split_whitespace()
                .filter_map(|word| word.strip_prefix("--hash=sha256:"))
                .map(str::to_owned)
                .collect();
            let text = match line.find(" --hash=") {
                Some(end) => line[..end].trim_end(),
                None => line.trim_end(),
            };
            (text.to_owned(), hashes)
        })
        .collect();
    let expected: Vec<(String, BTreeSet<String>)> = LOCKED
        .iter()
        .map(|(text, project, version)| {
            let files = &manifest[*project][*version];
            (text.to_string(), files.values().cloned().collect())
        })
        .collect();
    assert_eq!(requirements, expected, "locked file:\n{locked}");
    let older = manifest["gamma"]["0.4.0"].values().next().unwrap();
    assert!(
        !locked.contains(older.as_str()),
        "gamma 0.4.0's hash was written:\n{locked}"
    );
}

/// The file's lines with backslash continuations joined, as pip joins them.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        match line.strip_suffix('\\') {
            Some(start) => current.push_str(start),
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The line without its comment (a `#` at the start or after whitespace, as for pip).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let start = (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
        .unwrap_or(bytes.len());
    &line[..start]
}

/// `locked` with the first digit of every sha256 of the requirement starting with
/// `prefix` changed (that requirement's lines run from `prefix` through its `\`
/// continuations), and how many were changed.
fn tamper(locked: &str, prefix: &str, algorithm: &str) -> (String, usize) {
    let option = format!("--hash={algorithm}:");
    let mut out = String::new();
    let mut inside = false;
    let mut changed = 0;
    for line in locked.split_inclusive('\n') {
        inside = inside || line.starts_with(prefix);
        if !inside {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find(&option) {
            let digit_at = at + option.len();
            let digit = rest[digit_at..].chars().next().unwrap();
            let value = digit.to_digit(16).expect("a hex digit after the algorithm");
            out.push_str(&rest[..digit_at]);
            out.push(char::from_digit(value ^ 1, 16).unwrap());
            rest = &rest[digit_at + 1..];
            changed += 1;
        }
        out.push_str(rest);
        inside = line.trim_end().ends_with('\\');
    }
    (out, changed)
}

fn show(output: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
