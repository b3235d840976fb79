//! The hooks of `.pre-commit-hooks.yaml`, run by pre-commit itself on real `git
//! commit`s: a commit with an unhashed requirement is rejected with hashlock's
//! report, a locked one goes through, and only requirements files are given to the
//! hooks.
//!
//! What is tested is this checkout's hooks file as it is now, committed or not: it
//! is copied into a repository of its own, which the project's
//! `.pre-commit-config.yaml` names by path and commit, as users name this one by
//! URL and tag. The config overrides one key, `language: system`, so that pre-commit
//! runs the `hashlock` the tests built (first on PATH) instead of building it again
//! with `cargo install` (`language: rust`, minutes of compiling, and a registry
//! lookup). Every other key (`entry`, `files`, `types`, `pass_filenames`) is the
//! published one. Nothing reaches the internet: `PRE_COMMIT_HOME` is a temp dir,
//! pre-commit installs nothing for a system hook, and the two hooks that ask an
//! index ask the loopback one (`HASHLOCK_INDEX_URL`).

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::cli::Case;
use crate::support::python::{python_or_skip, require_module};

const HOOKS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml");

const SIX_LOCKED: &str = "six==1.16.0 \\\n    --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926 \\\n    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n";

/// A project repository with pre-commit installed, the hooks repository it uses,
/// and the environment every command runs with.
struct Project {
    /// The project (also the loopback index's case dir).
    case: Case,
    /// pre-commit's home, the hooks repository, `hashlock` on PATH, git's config.
    _scratch: TempDir,
    env: Vec<(String, OsString)>,
    /// Time spent in `git commit`, hooks included, and how many were run.
    committing: Duration,
    attempts: usize,
}

impl Project {
    fn new(python: &OsString) -> Project {
        let case = Case::new();
        let scratch = TempDir::new().unwrap();
        let bin = scratch.path().join("bin");
        fs::create_dir(&bin).unwrap();
        link(
            Path::new(env!("CARGO_BIN_EXE_hashlock")),
            &bin.join("hashlock"),
        );
        let git_config = scratch.path().join("gitconfig");
        fs::write(&git_config, "").unwrap();
        let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .unwrap();
        let env = vec![
            ("PATH".to_owned(), path),
            (
                "PRE_COMMIT_HOME".to_owned(),
                scratch.path().join("pre-commit-home").into(),
            ),
            ("HASHLOCK_INDEX_URL".to_owned(), case.index.url().into()),
            ("HASHLOCK_CACHE_DIR".to_owned(), case.cache.path().into()),
            ("NO_COLOR".to_owned(), "1".into()),
            ("GIT_CONFIG_GLOBAL".to_owned(), git_config.into()),
            ("GIT_CONFIG_NOSYSTEM".to_owned(), "1".into()),
            ("GIT_AUTHOR_NAME".to_owned(), "hashlock".into()),
            ("GIT_AUTHOR_EMAIL".to_owned(), "dev@hashlock.invalid".into()),
            ("GIT_COMMITTER_NAME".to_owned(), "hashlock".into()),
            (
                "GIT_COMMITTER_EMAIL".to_owned(),
                "dev@hashlock.invalid".into(),
            ),
        ];
        let project = Project {
            case,
            _scratch: scratch,
            env,
            committing: Duration::ZERO,
            attempts: 0,
        };
        let hooks = project._scratch.path().join("hooks");
        let rev = project.hooks_repository(&hooks);
        let root = project.case.dir.path().to_owned();
        project.git(&root, &["init", "--quiet"]);
        let config = format!(
            "repos:\n\
             \x20 - repo: {}\n\
             \x20   rev: {rev}\n\
             \x20   hooks:\n\
             \x20     - id: hashlock-verify-offline\n\
             \x20       language: system\n\
             \x20     - id: hashlock-lock\n\
             \x20       language: system\n\
             \x20     - id: hashlock-verify\n\
             \x20       language: system\n",
            hooks.display()
        );
        project.case.file(".pre-commit-config.yaml", &config);
        let output = project
            .command(python)
            .args(["-m", "pre_commit", "install"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "pre-commit install: {}",
            show(&output)
        );
        project
    }

    /// A git repository holding this checkout's hooks file; its commit.
    fn hooks_repository(&self, dir: &Path) -> String {
        fs::create_dir(dir).unwrap();
        fs::copy(HOOKS, dir.join(".pre-commit-hooks.yaml")).unwrap();
        self.git(dir, &["init", "--quiet"]);
        self.git(dir, &["add", "."]);
        self.git(dir, &["commit", "--quiet", "-m", "hooks"]);
        let output = self.git(dir, &["rev-parse", "HEAD"]);
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// A command in the project with the test's environment and none of the
    /// caller's git state (a test run from a git hook has `GIT_DIR` set).
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.current_dir(self.case.dir.path());
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
        ] {
            command.env_remove(var);
        }
        command.envs(self.env.iter().map(|(key, value)| (key, value)));
        command
    }

    /// `git ARGS` in `dir`, which must succeed.
    fn git(&self, dir: &Path, args: &[&str]) -> Output {
        let output = self
            .command("git")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {}", show(&output));
        output
    }

    /// Stages everything and commits: the output of `git commit` (the hooks'
    /// included), and whether the commit was made.
    fn commit(&mut self, message: &str) -> (bool, String) {
        let root = self.case.dir.path().to_owned();
        self.git(&root, &["add", "--all"]);
        let started = Instant::now();
        let output = self
            .command("git")
            .args(["commit", "--quiet", "-m", message])
            .output()
            .unwrap();
        self.committing += started.elapsed();
        self.attempts += 1;
        (output.status.success(), show(&output))
    }

    fn commits(&self) -> usize {
        let output = self
            .command("git")
            .args(["rev-list", "--count", "--all"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }
}

#[test]
fn pre_commit_rejects_an_unhashed_requirement_and_passes_a_locked_one() {
    let Some(python) = python_or_skip("the pre-commit test") else {
        return;
    };
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED the pre-commit test: no git (pre-commit needs it)");
        return;
    }
    require_module(&python, "pre_commit");
    let mut project = Project::new(&python);

    // An unhashed requirement: all three hooks fail, each with its report.
    project.case.file("requirements.txt", "six==1.16.0\n");
    let (committed, output) = project.commit("unhashed");
    assert!(!committed, "{output}");
    assert_eq!(project.commits(), 0, "{output}");
    for expected in [
        "hashlock verify --offline",
        "Failed",
        "requirements.txt: 1 error",
        "missing-hashes",
        "requirements.txt:1:1",
        "hashlock lock --check",
        "would change requirements.txt",
    ] {
        assert!(output.contains(expected), "`{expected}` missing:\n{output}");
    }

    // Locked with hashlock itself: the same commit goes through.
    let run = project.case.run("lock", &["-q", "requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(project.case.read("requirements.txt"), SIX_LOCKED);
    let (committed, output) = project.commit("locked");
    assert!(committed, "{output}");
    assert_eq!(project.commits(), 1);

    // Files that are not requirements files are not given to the hooks: a text
    // file that is no requirements file, and pip-tools' unpinned input.
    project.case.file("notes.txt", "six>=1 is what we want\n");
    fs::create_dir(project.case.path("docs")).unwrap();
    project.case.file("docs/requirements.in", "six>=1\n");
    let (committed, output) = project.commit("not requirements files");
    assert!(committed, "{output}");

    // `requirements/*.txt` are: one with an unhashed line is rejected, named.
    fs::create_dir(project.case.path("requirements")).unwrap();
    project.case.file(
        "requirements/dev.txt",
        "-r ../requirements.txt\nidna==3.6\n",
    );
    let (committed, output) = project.commit("dev requirements");
    assert!(!committed, "{output}");
    assert!(
        output.contains("requirements/dev.txt:2:1") && output.contains("missing-hashes"),
        "{output}"
    );
    let run = project.case.run("lock", &["-q", "requirements/dev.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (committed, output) = project.commit("dev requirements, locked");
    assert!(committed, "{output}");
    assert_eq!(project.commits(), 3);
    eprintln!(
        "pre-commit: {} `git commit`s, hooks included, in {:.2}s",
        project.attempts,
        project.committing.as_secs_f64()
    );
}

fn show(output: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `to` as a symlink to `from` (a copy where symlinks are not available).
fn link(from: &Path, to: &PathBuf) {
    #[cfg(unix)]
    std::os::unix::fs::symlink(from, to).unwrap();
    #[cfg(not(unix))]
    fs::copy(from, to).map(drop).unwrap();
}
