//! Running the `hashlock` binary in a temp dir against a loopback index, and the
//! insta filters that hide the temp path, the index URL and timings from snapshots of
//! its output.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tempfile::TempDir;

use super::{Config, TestIndex};

/// What every run of the binary gets, so that no index setting of the machine (pip's
/// configuration files and variables) reaches a test: tests set their own. No cache
/// either (a test that counts requests would count the cache's savings, and none
/// writes to the user's): `tests/cache.rs` turns it on in a temp dir.
pub const ISOLATED: [(&str, &str); 7] = [
    ("HASHLOCK_NO_CACHE", "1"),
    ("PIP_CONFIG_FILE", "/dev/null"),
    ("PIP_INDEX_URL", ""),
    ("PIP_EXTRA_INDEX_URL", ""),
    ("PIP_FIND_LINKS", ""),
    ("PIP_NO_INDEX", ""),
    ("PIP_TRUSTED_HOST", ""),
];

/// A temp dir holding the files of a test, and the index the binary asks.
pub struct Case {
    pub dir: TempDir,
    pub index: TestIndex,
    /// The run's user cache (`HASHLOCK_CACHE_DIR`), apart from `dir`: the first-seen
    /// log of one test never meets another's (ports are reused).
    pub cache: TempDir,
}

/// What a run of the binary left: exit code, stdout, stderr (as printed).
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Case {
    pub fn new() -> Self {
        Self::with(Config::default())
    }

    pub fn with(config: Config) -> Self {
        Self {
            dir: TempDir::new().unwrap(),
            index: TestIndex::start(config),
            cache: TempDir::new().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Copies `fixtures/<folder>/<name>` into the case dir, under `name`.
    pub fn fixture(&self, folder: &str, name: &str) -> PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(folder);
        let text = fs::read_to_string(root.join(name)).unwrap();
        self.file(name, &text)
    }

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap()
    }

    /// Runs `hashlock COMMAND --index-url <test index> ARGS` in the case dir.
    pub fn run(&self, command: &str, args: &[&str]) -> Run {
        self.run_with_env(command, args, &[])
    }

    /// [`Case::run`] with these environment variables set.
    pub fn run_with_env(&self, command: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = self
            .command(command, args)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `hashlock COMMAND --index-url <test index> ARGS` in the case dir, not started,
    /// for tests that set up its stdio or signal it (`hash` takes no index options).
    pub fn command(&self, command: &str, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("hashlock"));
        cmd.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .envs(ISOLATED)
            .env("HASHLOCK_CACHE_DIR", self.cache.path())
            .env_remove("HASHLOCK_INDEX_URL")
            .env_remove("HASHLOCK_STRICT")
            .arg(command);
        if command != "hash" {
            cmd.args([
                "--index-url",
                self.index.url(),
                "--timeout",
                "2",
                "--retries",
                "1",
            ]);
        }
        cmd.args(args);
        cmd
    }

    /// Runs `command` (from [`Case::command`]) with stdout and stderr captured,
    /// waiting at most `limit`: `None` means it was still running and was killed.
    pub fn run_within(&self, mut command: std::process::Command, limit: Duration) -> Option<Run> {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_within(child, limit)
    }

    /// Runs `hashlock ARGS` in the case dir with exactly these arguments and extra
    /// environment: no index URL is added.
    pub fn run_raw(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_raw_without(args, env, &[])
    }

    /// [`Case::run_raw`], with the variables `removed` unset (`HASHLOCK_CACHE_DIR`,
    /// for a test of where the cache goes without it).
    pub fn run_raw_without(&self, args: &[&str], env: &[(&str, &str)], removed: &[&str]) -> Run {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("hashlock"));
        command
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .envs(ISOLATED)
            .env("HASHLOCK_CACHE_DIR", self.cache.path())
            .env_remove("HASHLOCK_INDEX_URL")
            .env_remove("HASHLOCK_STRICT")
            .envs(env.iter().copied());
        for name in removed {
            command.env_remove(name);
        }
        let output = command.args(args).output().unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// insta settings that replace, in snapshots, what differs from run to run in
    /// this case's output: its temp dir (`[TMP]`), the index URL (`[INDEX]`) and
    /// timings (`in 0.12s` becomes `in [TIME]`). Snapshot output inside them:
    /// `case.snapshot_settings().bind(|| insta::assert_snapshot!(...))`.
    pub fn snapshot_settings(&self) -> insta::Settings {
        let mut settings = insta::Settings::clone_current();
        let dir = self.dir.path().display().to_string();
        settings.add_filter(&literal(&dir), "[TMP]");
        settings.add_filter(&literal(self.index.url()), "[INDEX]");
        settings.add_filter(r" in [0-9.]+s", " in [TIME]");
        settings
    }
}

/// A regex that matches exactly `text` (what `regex::escape` does, which the tests
/// cannot call: regex is only insta's dependency).
fn literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Waits for `child` (its stdout and stderr piped) at most `limit`; kills it and
/// returns `None` when it is still running by then.
pub fn wait_within(child: Child, limit: Duration) -> Option<Run> {
    let pid = child.id();
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match result.recv_timeout(limit) {
        Ok(output) => {
            let output = output.unwrap();
            Some(Run {
                code: output.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
        Err(_) => {
            #[cfg(unix)]
            if let Some(pid) = i32::try_from(pid)
                .ok()
                .and_then(rustix::process::Pid::from_raw)
            {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
            #[cfg(not(unix))]
            let _ = pid;
            None
        }
    }
}
