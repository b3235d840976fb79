//! The Python the tests run pip and their helper scripts with.

use std::ffi::OsString;

/// `$HASHLOCK_TEST_PYTHON`, else `python3`. `scripts/test` points the variable at a
/// virtualenv with the pip version the project pins.
pub fn python() -> OsString {
    std::env::var_os("HASHLOCK_TEST_PYTHON").unwrap_or_else(|| "python3".into())
}

/// The Python to run, or `None` when there is none at all, after saying on stderr
/// that `test` is skipped (with `--nocapture`, or in the failure output of others).
pub fn python_or_skip(test: &str) -> Option<OsString> {
    let python = python();
    let runs = std::process::Command::new(&python)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !runs {
        eprintln!(
            "SKIPPED {test}: no Python ({}); `scripts/test` sets one up",
            python.to_string_lossy()
        );
        return None;
    }
    Some(python)
}

/// Panics, saying how to fix it, unless `python -m MODULE --version` runs: a tool
/// `scripts/test` installs into its virtualenv.
pub fn require_module(python: &std::ffi::OsStr, module: &str) {
    let output = std::process::Command::new(python)
        .args(["-m", module, "--version"])
        .output()
        .unwrap_or_else(|error| panic!("cannot run {python:?}: {error}"));
    assert!(
        output.status.success(),
        "`{} -m {module} --version` failed: run the tests with `scripts/test`, which \
         installs {module} into .venv and points HASHLOCK_TEST_PYTHON at it\n{}",
        python.to_string_lossy(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A Python program that runs the command in its arguments, prints the command's
/// peak resident set size in KiB on stderr (`ru_maxrss` of the children, which is
/// KiB on Linux and bytes on macOS), and exits as the command did.
///
/// The kernel counts a child's peak from its fork, so Python's own size (about
/// 12 MiB) is a floor under the figure.
pub const PEAK_RSS: &str = "\
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(peak // 1024 if sys.platform == 'darwin' else peak, file=sys.stderr)
sys.exit(code)
";
