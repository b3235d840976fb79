//! hashlock as people install it: the Python wheel that `pip install .` builds
//! (`pyproject.toml`, maturin), the shell completions and the man page generated from
//! the clap definitions.
//!
//! The wheel is built from this checkout with the maturin that `scripts/test`
//! installs into .venv, offline (`--offline`: every crate is in cargo's cache once the
//! tests are built), and installed with `pip --no-index` into a fresh virtualenv:
//! nothing reaches the internet.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use assert_cmd::cargo::CommandCargoExt as _;
use tempfile::TempDir;

use crate::support::python::{python_or_skip, require_module};

const SUBCOMMANDS: [&str; 6] = ["lock", "verify", "add", "migrate", "hash", "completions"];

/// The cargo profile the test builds the wheel with. A release build (what
/// `pip install .` makes) compiles every dependency with optimizations once more,
/// which CI's two cores pay for on every run; the dev profile builds the same wheel
/// from the same `pyproject.toml`, only unoptimized.
const PROFILE: &str = "dev";

fn show(output: &Output) -> String {
    show_tail(output, usize::MAX)
}

/// The exit code and both streams, with only the last `lines` of each: a failed
/// build prints hundreds of `Compiling` lines before the error, and CI's log keeps
/// only so much.
fn show_tail(output: &Output, lines: usize) -> String {
    let tail = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        let all: Vec<&str> = text.lines().collect();
        let skipped = all.len().saturating_sub(lines);
        let kept = all[skipped..].join("\n");
        if skipped == 0 {
            kept
        } else {
            format!("[{skipped} earlier lines left out]\n{kept}")
        }
    };
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        tail(&output.stdout),
        tail(&output.stderr)
    )
}

fn hashlock(args: &[&str]) -> Output {
    Command::cargo_bin("hashlock")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn completions_of_every_shell_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = hashlock(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", show(&output));
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        for command in SUBCOMMANDS {
            assert!(
                script.contains(command),
                "{shell}: `{command}` missing from\n{script}"
            );
        }
        // fish spells `--color` as `-l color`.
        for flag in ["color", "format", "index-url"] {
            assert!(script.contains(flag), "{shell}: `--{flag}` missing");
        }
    }
    // bash parses the bash script (the one shell every CI machine has).
    let script = hashlock(&["completions", "bash"]).stdout;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("hashlock.bash");
    fs::write(&path, script).unwrap();
    if let Ok(output) = Command::new("bash").arg("-n").arg(&path).output() {
        assert!(output.status.success(), "bash -n: {}", show(&output));
    }
    let output = hashlock(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
}

#[test]
fn the_man_page_is_roff_naming_every_subcommand() {
    let output = hashlock(&["man"]);
    assert!(output.status.success(), "{}", show(&output));
    let page = String::from_utf8(output.stdout).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        page.lines()
            .any(|line| line.starts_with(".TH hashlock 1 ") && line.contains(version)),
        "{page}"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "{section} missing:\n{page}");
    }
    for command in SUBCOMMANDS {
        // roff escapes the dash: `hashlock\-lock(1)`.
        assert!(
            page.contains(&format!("hashlock\\-{command}(1)")),
            "{command} missing:\n{page}"
        );
    }
    assert!(page.contains("Exit codes"), "{page}");
    assert_roff(&page);

    // Each subcommand has its page, under the name the top page gives it.
    let output = hashlock(&["man", "lock"]);
    assert!(output.status.success(), "{}", show(&output));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains(".TH hashlock-lock 1 "), "{page}");
    assert!(
        page.contains("\\-\\-check") && page.contains("\\-\\-format"),
        "{page}"
    );
    assert_roff(&page);
    let output = hashlock(&["man", "nonsense"]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pick one of: lock, verify"));

    // Hidden from `--help`: it is for packagers.
    let help = String::from_utf8(hashlock(&["--help"]).stdout).unwrap();
    assert!(
        help.contains("completions") && !help.contains("man "),
        "{help}"
    );
}

/// groff, where it is installed, reads the page without a warning.
fn assert_roff(page: &str) {
    use std::io::Write as _;
    let Ok(mut child) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("groff is not installed: the man page's roff is checked by its structure only");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "groff: {}",
        show(&output)
    );
}

#[test]
fn the_wheel_installs_a_hashlock_that_runs() {
    let Some(python) = python_or_skip("the wheel test") else {
        return;
    };
    require_module(&python, "maturin");
    let work = TempDir::new().unwrap();
    let dist = work.path().join("dist");
    // Kept between runs (cargo's own scratch space for integration tests), so a
    // second run rebuilds only what changed.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wheel");
    let started = Instant::now();
    let output = niced(&python)
        .args(["-m", "maturin", "build", "--profile", PROFILE])
        .args(["--locked", "--offline", "--out"])
        .arg(&dist)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", &target)
        // No debug info and no incremental state: what the test runs needs neither,
        // and they made the build folder 1.4 GB instead of 0.6 GB on a fresh clone
        // (and the build 80 s instead of 65 s), beside the tests' own 3 GB.
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "maturin build: {}",
        show_tail(&output, 60)
    );
    eprintln!(
        "maturin build --profile {PROFILE}: {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let wheel = the_wheel(&dist);

    let venv = work.path().join("venv");
    let output = Command::new(&python)
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .output()
        .unwrap();
    assert!(output.status.success(), "venv: {}", show(&output));
    let venv_python = venv.join("bin").join("python");
    let output = Command::new(&python)
        .args(["-m", "pip", "--disable-pip-version-check", "--python"])
        .arg(&venv_python)
        .args(["install", "--no-index", "--no-deps", "--quiet"])
        .arg(&wheel)
        .env(
            "PIP_CONFIG_FILE",
            if cfg!(windows) { "nul" } else { "/dev/null" },
        )
        .output()
        .unwrap();
    assert!(output.status.success(), "pip install: {}", show(&output));

    let installed = venv.join("bin").join("hashlock");
    let run = |args: &[&str]| {
        Command::new(&installed)
            .args(args)
            .current_dir(work.path())
            .env("NO_COLOR", "1")
            .env_remove("HASHLOCK_INDEX_URL")
            .output()
            .unwrap()
    };
    let output = run(&["--version"]);
    assert!(output.status.success(), "{}", show(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("hashlock {}", env!("CARGO_PKG_VERSION"))
    );
    fs::write(
        work.path().join("requirements.txt"),
        "six==1.16.0 \\\n    --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926 \\\n    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n",
    )
    .unwrap();
    let output = run(&["verify", "--offline"]);
    assert!(output.status.success(), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("Verified 1 requirement with 2 hashes"),
        "{}",
        show(&output)
    );
    fs::write(work.path().join("unhashed.txt"), "six==1.16.0\n").unwrap();
    let output = run(&["verify", "--offline", "unhashed.txt"]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    // What ships in the binary ships in the wheel: completions and the man page.
    assert!(run(&["completions", "bash"]).stdout.len() > 1000);
    assert!(String::from_utf8_lossy(&run(&["man"]).stdout).contains(".TH hashlock 1"));

    // The metadata pip shows comes from pyproject.toml, the version from Cargo.toml.
    let output = Command::new(&venv_python)
        .args([
            "-c",
            "import importlib.metadata as m; d = m.metadata('hashlock'); \
             print(d['Name'], d['Version'], d['Requires-Python'], d['Description-Content-Type'], sep='|'); \
             print(d['Summary'])",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", show(&output));
    let metadata = String::from_utf8_lossy(&output.stdout);
    let expected = format!("hashlock|{}|>=3.8|text/markdown", env!("CARGO_PKG_VERSION"));
    assert!(metadata.starts_with(&expected), "{metadata}");
    assert!(metadata.contains("tamper-proof"), "{metadata}");
}

/// The one wheel in `dist`, named as pip expects: `hashlock-VERSION-py3-none-PLATFORM`.
fn the_wheel(dist: &Path) -> PathBuf {
    let wheels: Vec<PathBuf> = fs::read_dir(dist)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension() == Some(OsStr::new("whl")))
        .collect();
    let [wheel] = &wheels[..] else {
        panic!("expected one wheel in {}: {wheels:?}", dist.display());
    };
    let name = wheel.file_name().unwrap().to_string_lossy();
    let prefix = format!("hashlock-{}-py3-none-", env!("CARGO_PKG_VERSION"));
    assert!(name.starts_with(&prefix), "{name}");
    wheel.clone()
}

/// `program` under `nice` where there is one: the build takes every core for
/// minutes, and the tests running beside it (some with timeouts) go first.
fn niced(program: &OsString) -> Command {
    if Command::new("nice").arg("true").output().is_ok() {
        let mut command = Command::new("nice");
        command.args(["-n", "10"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}
