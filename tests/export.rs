//! `hashlock export --format pylock.toml` end to end: the export carries exactly the
//! reviewed hashes, and pip 26.3 downloads from it (and refuses a file whose bytes
//! changed since).

use std::path::Path;
use std::process::Command;

use crate::beyond::hashlock;
use crate::support::cli::Case;
use crate::support::pep740::{File, Pep740Index};
use crate::support::python::{python, require_module};

/// A minimal valid pure-Python wheel, built by Python's zipfile.
fn wheel(python: &std::ffi::OsStr, dir: &Path, name: &str, version: &str) -> Vec<u8> {
    const SCRIPT: &str = r#"
import base64, hashlib, sys, zipfile
name, version, out = sys.argv[1:4]
info = f"{name}-{version}.dist-info"
files = {
    f"{name}/__init__.py": b"",
    f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
    f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: hashlock-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
record = "".join(f"{path},{digest(data)},{len(data)}\n" for path, data in files.items())
files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
with zipfile.ZipFile(out, "w") as archive:
    for path, data in files.items():
        archive.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), data)
"#;
    let out = dir.join(format!("{name}-{version}-py3-none-any.whl"));
    let status = Command::new(python)
        .args(["-c", SCRIPT, name, version])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// `pip download --no-deps --no-index -r FILE -d out` in `dir`, pip's own
/// configuration and variables set aside.
fn pip_download(python: &std::ffi::OsStr, dir: &Path, file: &str) -> std::process::Output {
    let mut command = Command::new(python);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PIP_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(dir)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-index",
            "--quiet",
            "-r",
            file,
            "-d",
            "out",
        ])
        .output()
        .unwrap()
}

#[test]
fn pip_downloads_from_the_exported_pylock_with_the_reviewed_hashes() {
    let python = python();
    require_module(&python, "pip");
    let case = Case::new();
    let index = Pep740Index::start();
    let alpha = wheel(&python, case.cache.path(), "alpha", "1.0");
    let beta = wheel(&python, case.cache.path(), "beta", "2.0");
    index.project(
        "alpha",
        &[File::new("alpha-1.0-py3-none-any.whl", "1.0").body(&alpha)],
        None,
    );
    index.project(
        "beta",
        &[
            File::new("beta-2.0-py3-none-any.whl", "2.0").body(&beta),
            File::new("beta-2.0.tar.gz", "2.0"),
            File::new("beta-2.0.zip", "2.0"),
        ],
        None,
    );
    case.file(
        "requirements.txt",
        "alpha==1.0\nbeta==2.0 ; python_version < \"3\"\n",
    );
    let run = hashlock(&case, &index, "lock", &["requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = hashlock(
        &case,
        &index,
        "export",
        &["--format", "pylock.toml", "requirements.txt"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`beta-2.0.zip` of beta is not in the pylock.toml: a package has one sdist"),
        "{}",
        run.stderr
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(case.path("pylock.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "a file to commit, readable by all");
    }

    // Every hash of the export is on the requirements line of its package, and
    // every hash of the file is in the export but the left-out sdist's.
    let text = case.read("pylock.toml");
    let lock: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(lock["lock-version"].as_str(), Some("1.0"));
    let requirements = case.read("requirements.txt");
    let mut exported = Vec::new();
    for package in lock["packages"].as_array().unwrap() {
        let artifacts = package
            .get("wheels")
            .and_then(|w| w.as_array())
            .into_iter()
            .flatten()
            .chain(package.get("sdist"));
        for artifact in artifacts {
            let sha256 = artifact["hashes"]["sha256"].as_str().unwrap();
            assert!(
                requirements.contains(&format!("--hash=sha256:{sha256}")),
                "{sha256}"
            );
            assert!(
                artifact.get("upload-time").is_some_and(|t| t.is_datetime()),
                "{text}"
            );
            assert!(artifact.get("size").is_some(), "{text}");
            exported.push(sha256.to_owned());
        }
    }
    assert_eq!(exported.len(), 3, "{text}");
    assert_eq!(
        requirements.matches("--hash=sha256:").count(),
        4,
        "{requirements}"
    );
    let beta_entry = &lock["packages"].as_array().unwrap()[1];
    assert_eq!(
        beta_entry["marker"].as_str(),
        Some("python_full_version < '3'"),
        "{text}"
    );

    // pip reads it, downloads alpha (beta's marker is false), checks its hash.
    let output = pip_download(&python, case.dir.path(), "pylock.toml");
    assert!(
        output.status.success(),
        "pip refused the export:\n{}\n{}\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read(case.path("out/alpha-1.0-py3-none-any.whl")).unwrap(),
        alpha
    );
    assert!(!case.path("out/beta-2.0-py3-none-any.whl").exists());

    // Other bytes under the same URL: pip refuses them, by the exported hash.
    index.put(
        "/files/alpha-1.0-py3-none-any.whl",
        "application/octet-stream",
        beta.clone(),
    );
    std::fs::remove_dir_all(case.path("out")).unwrap();
    let output = pip_download(&python, case.dir.path(), "pylock.toml");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DO NOT MATCH THE HASHES"), "{stderr}");
}

#[test]
fn export_refuses_lines_that_are_not_locked_and_names_pip_ignores() {
    let case = Case::new();
    let index = Pep740Index::start();
    index.project(
        "alpha",
        &[File::new("alpha-1.0-py3-none-any.whl", "1.0")],
        None,
    );
    case.file("requirements.txt", "alpha==1.0\n");
    let run = hashlock(
        &case,
        &index,
        "export",
        &["--format", "pylock.toml", "requirements.txt"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("no sha256 `--hash`"), "{}", run.stderr);
    assert!(!case.path("pylock.toml").exists());

    let unpublished = format!("alpha==1.0 --hash=sha256:{}\n", "e".repeat(64));
    case.file("requirements.txt", &unpublished);
    let run = hashlock(
        &case,
        &index,
        "export",
        &["--format", "pylock.toml", "requirements.txt"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown-hash") && run.stderr.contains("nothing was written"),
        "{}",
        run.stderr
    );
    assert!(!case.path("pylock.toml").exists());

    let run = hashlock(
        &case,
        &index,
        "export",
        &[
            "--format",
            "pylock.toml",
            "-o",
            "lock.toml",
            "requirements.txt",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("pylock.<name>.toml"), "{}", run.stderr);
}
