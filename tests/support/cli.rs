//! Running the `hashlock` binary in a temp dir against a loopback index, with its
//! output cleaned of temp paths, the index URL and timings so it can be snapshotted.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

use super::{Config, TestIndex};

/// A temp dir holding the files of a test, and the index the binary asks.
pub struct Case {
    pub dir: TempDir,
    pub index: TestIndex,
}

/// What a run of the binary left: exit code, stdout, stderr (cleaned).
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
        let output = Command::cargo_bin("hashlock")
            .unwrap()
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("HASHLOCK_INDEX_URL")
            .args([
                command,
                "--index-url",
                self.index.url(),
                "--timeout",
                "2",
                "--retries",
                "1",
            ])
            .args(args)
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: self.clean(&output.stdout),
            stderr: self.clean(&output.stderr),
        }
    }

    fn clean(&self, bytes: &[u8]) -> String {
        let text = String::from_utf8_lossy(bytes);
        let text = text.replace(&self.dir.path().display().to_string(), "[TMP]");
        hide_seconds(&text.replace(self.index.url(), "[INDEX]"))
    }
}

/// Replaces `in 0.12s` timings so summaries can be compared.
fn hide_seconds(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" in ") {
        let (head, tail) = rest.split_at(at + 4);
        out.push_str(head);
        let digits = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        if digits > 0 && tail[digits..].starts_with('s') {
            out.push_str("[TIME]");
            rest = &tail[digits + 1..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}
