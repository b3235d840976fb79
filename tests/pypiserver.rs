//! hashlock against a real index server: `pypiserver` (installed into the test venv by
//! `scripts/test`), started on 127.0.0.1 with wheels built at test time. The index is
//! named every way pip reads it (`--index-url`, an `-i` line, `PIP_INDEX_URL`,
//! `pip.conf`), with basic auth (pypiserver's htpasswd, written with passlib), and the
//! venv's real pip then downloads the locked file with `--require-hashes`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::cli::ISOLATED;
use crate::support::python::{python, require_module};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pypiserver.py");

const REQUIREMENTS: &str = "alpha==1.0.0\nBeta_Pkg==2.0  # spelled otherwise\n";

/// project -> version -> filename -> sha256, as the server publishes them.
type Manifest = BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>;

/// A running pypiserver; stopped when dropped.
struct PypiServer {
    child: Child,
    url: String,
    manifest: Manifest,
    work: TempDir,
}

impl PypiServer {
    fn start(python: &OsString, args: &[&str]) -> PypiServer {
        let work = TempDir::new().unwrap();
        let child = std::process::Command::new(python)
            .arg(SCRIPT)
            .arg(work.path())
            .args(args)
            .envs(ISOLATED)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {SCRIPT}: {error}"));
        let mut server = PypiServer {
            child,
            url: String::new(),
            manifest: Manifest::new(),
            work,
        };
        let stdout = server.child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        server.url = match line.trim_end().strip_prefix("listening on ") {
            Some(url) => url.to_owned(),
            None => panic!("{SCRIPT} did not start (printed {line:?})"),
        };
        let manifest = fs::read_to_string(server.work.path().join("manifest.json")).unwrap();
        server.manifest = serde_json::from_str(&manifest).unwrap();
        server
    }

    /// The Simple API root, with `credentials` (`user:password`) when given.
    fn simple(&self, credentials: Option<&str>) -> String {
        match credentials {
            Some(credentials) => format!(
                "{}/simple/",
                self.url
                    .replacen("http://", &format!("http://{credentials}@"), 1)
            ),
            None => format!("{}/simple/", self.url),
        }
    }

    /// Every sha256 the server publishes for the pins of [`REQUIREMENTS`], sorted.
    fn expected(&self) -> Vec<String> {
        let mut all: Vec<String> = [("alpha", "1.0.0"), ("beta-pkg", "2.0")]
            .iter()
            .flat_map(|(name, version)| self.manifest[*name][*version].values().cloned())
            .collect();
        all.sort();
        all
    }
}

impl Drop for PypiServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sha256 digests written in `text`, sorted.
fn hashes(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split("--hash=sha256:")
        .skip(1)
        .map(|rest| rest.chars().take(64).collect())
        .collect();
    found.sort();
    found
}

/// `hashlock ARGS` in `dir`, with the machine's pip settings kept out and `env` set.
fn hashlock(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("hashlock"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(ISOLATED)
        .env_remove("HASHLOCK_INDEX_URL")
        .env_remove("HASHLOCK_STRICT")
        // The first-seen log of the run's own, away from the user's cache: another
        // test's server may reuse this port with other files.
        .env("HASHLOCK_CACHE_DIR", dir.join(".hashlock-cache"))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap()
}

fn show(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Locks a fresh copy of [`REQUIREMENTS`] (with `prefix` lines above it) and returns
/// the locked text.
fn lock(dir: &Path, prefix: &str, args: &[&str], env: &[(&str, &str)]) -> (String, PathBuf) {
    let file = dir.join("requirements.txt");
    fs::write(&file, format!("{prefix}{REQUIREMENTS}")).unwrap();
    let mut all = vec!["lock"];
    all.extend_from_slice(args);
    all.push("requirements.txt");
    let output = hashlock(dir, &all, env);
    assert_eq!(
        output.status.code(),
        Some(0),
        "hashlock {all:?}: {}",
        show(&output)
    );
    (fs::read_to_string(&file).unwrap(), file)
}

/// The venv's pip downloads `requirements` with `--require-hashes` from `index`.
fn pip_download(python: &OsString, dir: &Path, index: &str, requirements: &Path) -> Output {
    pip_download_with(python, dir, index, requirements, &[])
}

/// [`pip_download`] with `env` set (pip expands `${VAR}` in the file from it too).
fn pip_download_with(
    python: &OsString,
    dir: &Path,
    index: &str,
    requirements: &Path,
    env: &[(&str, &str)],
) -> Output {
    std::process::Command::new(python)
        .current_dir(dir)
        .envs(ISOLATED)
        .envs(env.iter().copied())
        .env("NO_PROXY", "127.0.0.1,localhost")
        .args(["-m", "pip", "download", "--no-deps", "--require-hashes"])
        .args([
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .args(["--index-url", index, "-r"])
        .arg(requirements)
        .arg("-d")
        .arg(dir.join("downloaded"))
        .output()
        .unwrap()
}

fn require_server(python: &OsString) {
    require_module(python, "pypiserver");
    let output = std::process::Command::new(python)
        .args(["-c", "import passlib.apache"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "passlib is missing: run the tests with `scripts/test`, which installs it into .venv\n{}",
        show(&output)
    );
}

#[test]
fn a_real_index_named_every_way_pip_reads_it() {
    let python = python();
    require_server(&python);
    let server = PypiServer::start(&python, &[]);
    let dir = TempDir::new().unwrap();
    let root = server.simple(None);
    let expected = server.expected();

    let (locked, file) = lock(dir.path(), "", &["--index-url", &root], &[]);
    assert_eq!(hashes(&locked), expected, "--index-url");
    let output = pip_download(&python, dir.path(), &root, &file);
    assert_eq!(
        output.status.code(),
        Some(0),
        "pip refused it: {}",
        show(&output)
    );

    let (locked, _) = lock(dir.path(), &format!("-i {root}\n"), &[], &[]);
    assert_eq!(hashes(&locked), expected, "an -i line");
    let (locked, _) = lock(dir.path(), "", &[], &[("PIP_INDEX_URL", &root)]);
    assert_eq!(hashes(&locked), expected, "PIP_INDEX_URL");
    let conf = dir.path().join("pip.conf");
    fs::write(&conf, format!("[global]\nindex-url = {root}\n")).unwrap();
    let (locked, _) = lock(
        dir.path(),
        "",
        &[],
        &[
            ("PIP_CONFIG_FILE", conf.to_str().unwrap()),
            ("XDG_CONFIG_DIRS", "/nonexistent"),
        ],
    );
    assert_eq!(hashes(&locked), expected, "pip.conf");
    let output = hashlock(
        dir.path(),
        &[
            "verify",
            "--strict",
            "--index-url",
            &root,
            "requirements.txt",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "verify: {}", show(&output));
}

#[test]
fn a_real_index_behind_basic_auth() {
    let python = python();
    require_server(&python);
    let server = PypiServer::start(&python, &["--auth", "robot:s3cret-t0ken"]);
    let dir = TempDir::new().unwrap();
    let expected = server.expected();

    // Without credentials: the index says 401, and the hint says where they go.
    fs::write(dir.path().join("requirements.txt"), REQUIREMENTS).unwrap();
    let bare = server.simple(None);
    let output = hashlock(
        dir.path(),
        &["lock", "--index-url", &bare, "requirements.txt"],
        &[],
    );
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    assert!(
        show(&output).contains("wants credentials"),
        "{}",
        show(&output)
    );

    // In the URL of the file's own line, from the environment as pip expands it.
    let line = bare.replacen("http://", "http://robot:${INDEX_TOKEN}@", 1);
    let (locked, file) = lock(
        dir.path(),
        &format!("-i {line}\n"),
        &[],
        &[("INDEX_TOKEN", "s3cret-t0ken")],
    );
    assert_eq!(hashes(&locked), expected);
    assert!(
        locked.contains("${INDEX_TOKEN}"),
        "the file keeps its reference"
    );
    let authed = server.simple(Some("robot:s3cret-t0ken"));
    let token = [("INDEX_TOKEN", "s3cret-t0ken")];
    let output = pip_download_with(&python, dir.path(), &authed, &file, &token);
    assert_eq!(
        output.status.code(),
        Some(0),
        "pip refused it: {}",
        show(&output)
    );

    // From `.netrc`.
    let netrc = dir.path().join("netrc");
    fs::write(
        &netrc,
        "machine 127.0.0.1 login robot password s3cret-t0ken\n",
    )
    .unwrap();
    let (locked, _) = lock(
        dir.path(),
        "",
        &["--index-url", &bare],
        &[("NETRC", netrc.to_str().unwrap())],
    );
    assert_eq!(hashes(&locked), expected);

    // Nothing printed ever shows the secret.
    let output = hashlock(
        dir.path(),
        &["lock", "-v", "--index-url", &authed, "requirements.txt"],
        &[],
    );
    assert!(!show(&output).contains("s3cret-t0ken"), "{}", show(&output));
}

#[test]
fn a_real_index_that_publishes_no_hash_is_hashed_by_download_or_refused() {
    let python = python();
    require_server(&python);
    let server = PypiServer::start(&python, &["--hash-algo", "off"]);
    let dir = TempDir::new().unwrap();
    let root = server.simple(None);

    // Standard: every file downloaded and hashed, each package warned about, and pip
    // downloads the result with `--require-hashes` and accepts it.
    let file = dir.path().join("requirements.txt");
    fs::write(&file, REQUIREMENTS).unwrap();
    let output = hashlock(
        dir.path(),
        &["lock", "--index-url", &root, "requirements.txt"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let locked = fs::read_to_string(&file).unwrap();
    assert_eq!(hashes(&locked), server.expected(), "{locked}");
    let shown = show(&output);
    assert!(
        shown.contains("publishes no sha256") && shown.contains("3 had no published sha256"),
        "{shown}"
    );
    let output = pip_download(&python, dir.path(), &root, &file);
    assert_eq!(
        output.status.code(),
        Some(0),
        "pip refused it: {}",
        show(&output)
    );

    // Strict: refused, each file named, nothing written (exit 3).
    fs::write(&file, REQUIREMENTS).unwrap();
    let output = hashlock(
        dir.path(),
        &["lock", "--strict", "--index-url", &root, "requirements.txt"],
        &[],
    );
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    assert!(show(&output).contains("no sha256"), "{}", show(&output));
    assert_eq!(fs::read_to_string(&file).unwrap(), REQUIREMENTS);
}
