//! Checks against the live index, run by hand:
//! `cargo test --test integration live:: -- --ignored`.
//! They need the network, so CI never runs them; the loopback suites cover the same
//! paths offline.

use std::process::Command;

use assert_cmd::Command as Binary;

use crate::support::python::python;

/// `lock` on a small real file, then pip itself downloads every pinned file with
/// `--require-hashes`: pip must accept what hashlock wrote.
#[test]
#[ignore = "needs the network"]
fn pip_accepts_a_file_locked_against_live_pypi() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requirements.txt");
    std::fs::write(
        &file,
        // requests's dependencies pinned too: `verify --strict` checks them.
        "six==1.16.0\nrequests==2.31.0  # HTTP\nidna==3.6\ncertifi==2024.2.2\n\
         charset-normalizer==3.3.2\nurllib3==2.2.1\n",
    )
    .unwrap();
    let lock = Binary::cargo_bin("hashlock")
        .unwrap()
        .args(["lock", "-q"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    let verify = Binary::cargo_bin("hashlock")
        .unwrap()
        .args(["verify", "--strict"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let pip = Command::new(python())
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--require-hashes",
            "--disable-pip-version-check",
            "-q",
            "-r",
        ])
        .arg(&file)
        .arg("-d")
        .arg(dir.path().join("dl"))
        .env_remove("PIP_FIND_LINKS")
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "{}",
        String::from_utf8_lossy(&pip.stderr)
    );
    assert_eq!(std::fs::read_dir(dir.path().join("dl")).unwrap().count(), 6);
}
