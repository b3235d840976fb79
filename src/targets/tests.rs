use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use clap::Parser;
use pep508_rs::MarkerTree;

use super::*;

/// `cp3.12 manylinux_2_17_x86_64`: implementation and version, then the platform.
fn target(spec: &str) -> Target {
    let (python, platform) = spec.split_once(' ').unwrap();
    let (implementation, version) = match python.split_at(2) {
        ("cp", version) => (Implementation::CPython, version),
        ("pp", version) => (Implementation::PyPy, version),
        _ => panic!("{spec}"),
    };
    Target::new(
        version.parse().unwrap(),
        implementation,
        platform.parse().unwrap(),
    )
    .unwrap()
}

fn tag_strings(target: &Target) -> Vec<String> {
    target.tags().iter().map(Tag::to_string).collect()
}

/// What the targets' tags are compared with: `packaging.tags` for the same targets,
/// written by `fixtures/targets/generate.py`.
#[test]
fn tags_are_packagings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/targets");
    let mut compared = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "txt") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap();
        let target = target(&name.replacen('-', " ", 1));
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: Vec<&str> = text.lines().filter(|line| !line.starts_with('#')).collect();
        let actual = tag_strings(&target);
        if let Some(at) = (0..expected.len().max(actual.len()))
            .find(|&at| expected.get(at).copied() != actual.get(at).map(String::as_str))
        {
            panic!(
                "{name}: tag {at} is {:?}, packaging says {:?} ({} tags, packaging {})",
                actual.get(at),
                expected.get(at),
                actual.len(),
                expected.len()
            );
        }
        compared += 1;
    }
    assert_eq!(compared, 6, "every fixture is compared");
}

/// For each target, real wheel names (from `fixtures/pypi/` and well-known projects)
/// that install there and that do not.
struct Case {
    target: &'static str,
    yes: &'static [&'static str],
    no: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        target: "cp3.12 manylinux_2_17_x86_64",
        yes: &[
            "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "PyYAML-6.0.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "zope.interface-6.2-cp312-cp312-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            // One of three platform tags is enough.
            "charset_normalizer-3.4.8-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
            // abi3 wheels of earlier versions.
            "cryptography-42.0.5-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "psutil-5.9.8-cp36-abi3-manylinux_2_12_x86_64.manylinux2010_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "ruff-0.4.1-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "six-1.16.0-py2.py3-none-any.whl",
            "urllib3-2.2.3-py3-none-any.whl",
            "charset_normalizer-3.4.8-py3-none-any.whl",
        ],
        no: &[
            // glibc 2.28 is newer than the target's.
            "numpy-2.4.0-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
            "cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl",
            "charset_normalizer-3.4.8-cp312-cp312-musllinux_1_2_x86_64.whl",
            "numpy-1.26.4-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
            "zope.interface-6.2-cp312-cp312-manylinux_2_5_i686.manylinux1_i686.manylinux_2_17_i686.manylinux2014_i686.whl",
            "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "pyyaml-6.0.3-cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
            "pyyaml-6.0.3-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
            "PyYAML-5.4.1-cp36-cp36m-manylinux1_x86_64.whl",
            "PyYAML-5.4.1-cp27-cp27mu-manylinux1_x86_64.whl",
            "numpy-1.26.4-pp39-pypy39_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy-1.26.4-cp312-cp312-win_amd64.whl",
            "futures-3.4.0-py2-none-any.whl",
            // An abi3 wheel that needs a newer Python than the target's.
            "example-1.0-cp313-abi3-manylinux_2_17_x86_64.whl",
            "six-1.16.0.tar.gz",
        ],
    },
    Case {
        target: "cp3.13 manylinux_2_28_aarch64",
        yes: &[
            "charset_normalizer-3.4.8-cp313-cp313-manylinux2014_aarch64.manylinux_2_17_aarch64.manylinux_2_28_aarch64.whl",
            "numpy-2.4.0-cp313-cp313-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
            "cryptography-42.0.5-cp39-abi3-manylinux_2_28_aarch64.whl",
            "six-1.16.0-py2.py3-none-any.whl",
        ],
        no: &[
            "numpy-2.4.0-cp313-cp313t-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
            "charset_normalizer-3.4.8-cp313-cp313-musllinux_1_2_aarch64.whl",
            "charset_normalizer-3.4.8-cp313-cp313-manylinux_2_31_armv7l.whl",
            "charset_normalizer-3.4.8-cp313-cp313-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
            "numpy-1.26.4-cp312-cp312-macosx_11_0_arm64.whl",
        ],
    },
    Case {
        target: "cp3.12 musllinux_1_2_x86_64",
        yes: &[
            "charset_normalizer-3.4.8-cp312-cp312-musllinux_1_2_x86_64.whl",
            "numpy-1.26.4-cp312-cp312-musllinux_1_1_x86_64.whl",
            "PyYAML-6.0.1-cp312-cp312-musllinux_1_1_x86_64.whl",
            "cryptography-42.0.5-cp39-abi3-musllinux_1_1_x86_64.whl",
            "ruff-0.4.1-py3-none-musllinux_1_2_x86_64.whl",
            "six-1.16.0-py2.py3-none-any.whl",
        ],
        no: &[
            // musl is not glibc: manylinux wheels do not install on Alpine.
            "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "zope.interface-6.2-cp312-cp312-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "charset_normalizer-3.4.8-cp312-cp312-musllinux_1_2_aarch64.whl",
            "numpy-1.26.4-cp39-cp39-musllinux_1_1_x86_64.whl",
            "example-1.0-cp312-cp312-musllinux_1_3_x86_64.whl",
        ],
    },
    Case {
        target: "cp3.9 macosx_11_0_arm64",
        yes: &[
            "PyYAML-6.0.1-cp39-cp39-macosx_11_0_arm64.whl",
            "charset_normalizer-3.4.8-cp39-cp39-macosx_10_9_universal2.whl",
            "markupsafe-2.1.5-cp39-cp39-macosx_10_9_universal2.whl",
            "cryptography-42.0.5-cp39-abi3-macosx_10_12_universal2.whl",
            "ruff-0.4.1-py3-none-macosx_10_12_x86_64.macosx_11_0_arm64.macosx_10_12_universal2.whl",
            "six-1.16.0-py2.py3-none-any.whl",
        ],
        no: &[
            // Built for a newer macOS.
            "numpy-1.26.4-cp39-cp39-macosx_14_0_arm64.whl",
            // Intel-only.
            "PyYAML-6.0.1-cp39-cp39-macosx_10_9_x86_64.whl",
            "numpy-1.26.4-cp312-cp312-macosx_11_0_arm64.whl",
            "numpy-1.26.4-cp39-cp39-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        ],
    },
    Case {
        target: "cp3.12 macosx_10_13_x86_64",
        yes: &[
            "numpy-1.26.4-cp312-cp312-macosx_10_9_x86_64.whl",
            "charset_normalizer-3.4.8-cp312-cp312-macosx_10_13_universal2.whl",
            "psutil-5.9.8-cp36-abi3-macosx_10_9_x86_64.whl",
            "ruff-0.4.1-py3-none-macosx_10_12_x86_64.macosx_11_0_arm64.macosx_10_12_universal2.whl",
            "urllib3-2.2.3-py3-none-any.whl",
        ],
        no: &[
            "numpy-2.0.0-cp312-cp312-macosx_14_0_x86_64.whl",
            "numpy-1.26.4-cp312-cp312-macosx_11_0_arm64.whl",
            "PyYAML-5.4.1-cp27-cp27m-macosx_10_9_x86_64.whl",
            "numpy-2.4.0-cp314-cp314-macosx_10_15_x86_64.whl",
        ],
    },
    Case {
        target: "cp3.12 win_amd64",
        yes: &[
            "numpy-1.26.4-cp312-cp312-win_amd64.whl",
            "PyYAML-6.0.1-cp312-cp312-win_amd64.whl",
            "pywin32-306-cp312-cp312-win_amd64.whl",
            "psutil-5.9.8-cp37-abi3-win_amd64.whl",
            "ruff-0.4.1-py3-none-win_amd64.whl",
            "six-1.16.0-py2.py3-none-any.whl",
        ],
        no: &[
            "numpy-1.26.4-cp312-cp312-win32.whl",
            "pywin32-306-cp312-cp312-win_arm64.whl",
            "numpy-2.4.0-cp313-cp313t-win_amd64.whl",
            "PyYAML-5.4.1-cp27-cp27m-win_amd64.whl",
            "numpy-1.26.4-pp39-pypy39_pp73-win_amd64.whl",
        ],
    },
    Case {
        target: "cp3.12 win32",
        yes: &[
            "numpy-1.26.4-cp312-cp312-win32.whl",
            "PyYAML-6.0.1-cp312-cp312-win32.whl",
        ],
        no: &["numpy-1.26.4-cp312-cp312-win_amd64.whl"],
    },
    Case {
        target: "pp3.9 manylinux_2_17_x86_64",
        yes: &[
            "numpy-1.26.4-pp39-pypy39_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "ruff-0.4.1-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "six-1.16.0-py2.py3-none-any.whl",
        ],
        no: &[
            // CPython's ABIs, the stable one too, are not PyPy's.
            "numpy-1.26.4-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "cryptography-42.0.5-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy-2.4.0-pp311-pypy311_pp73-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
            "numpy-1.26.4-pp39-pypy39_pp73-win_amd64.whl",
        ],
    },
    Case {
        target: "pp3.11 macosx_14_0_arm64",
        yes: &[
            "numpy-2.4.0-pp311-pypy311_pp73-macosx_14_0_arm64.whl",
            "numpy-2.4.0-pp311-pypy311_pp73-macosx_11_0_arm64.whl",
        ],
        no: &["numpy-2.4.0-pp311-pypy311_pp73-macosx_14_0_x86_64.whl"],
    },
    Case {
        target: "cp3.12 any",
        yes: &[
            "six-1.16.0-py2.py3-none-any.whl",
            "urllib3-2.2.3-py3-none-any.whl",
        ],
        no: &[
            "numpy-1.26.4-cp312-cp312-win_amd64.whl",
            "ruff-0.4.1-py3-none-win_amd64.whl",
        ],
    },
];

#[test]
fn wheels_install_where_their_tags_say() {
    let mut wrong = Vec::new();
    let mut count = 0;
    for case in CASES {
        let target = target(case.target);
        for (expected, names) in [(true, case.yes), (false, case.no)] {
            for name in names {
                count += 1;
                if target.supports(name).is_some() != expected {
                    wrong.push(format!("{}: {name} should be {expected}", case.target));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(count > 80, "{count}");
}

#[test]
fn priorities_follow_packagings_order() {
    let target = target("cp3.12 manylinux_2_17_x86_64");
    let priority = |name: &str| target.supports(name).unwrap();
    let exact = priority("numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    let abi3 =
        priority("cryptography-42.0.5-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    let older_abi3 = priority("psutil-5.9.8-cp36-abi3-manylinux_2_17_x86_64.whl");
    let pure_platform =
        priority("ruff-0.4.1-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    let pure = priority("urllib3-2.2.3-py3-none-any.whl");
    assert!(
        exact < abi3 && abi3 < older_abi3 && older_abi3 < pure_platform && pure_platform < pure
    );
    // The best of a wheel's tags counts: `manylinux_2_17` before `manylinux1`.
    assert_eq!(
        priority(
            "zope.interface-6.2-cp312-cp312-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
        ),
        exact
    );
    assert_eq!(exact, Priority(1), "after `linux_x86_64`");
    assert_eq!(
        priority("example-1.0-cp312-cp312-LINUX_X86_64.whl"),
        Priority(0)
    );
}

#[test]
fn tag_lists_have_the_documented_shape() {
    let linux = tag_strings(&target("cp3.12 manylinux_2_17_x86_64"));
    assert_eq!(linux.len(), 474);
    assert_eq!(
        linux[..4],
        [
            "cp312-cp312-linux_x86_64",
            "cp312-cp312-manylinux_2_17_x86_64",
            "cp312-cp312-manylinux2014_x86_64",
            "cp312-cp312-manylinux_2_16_x86_64",
        ]
    );
    assert!(linux.contains(&"cp312-cp312-manylinux2010_x86_64".to_owned()));
    assert!(linux.contains(&"cp32-abi3-manylinux1_x86_64".to_owned()));
    assert_eq!(
        linux[linux.len() - 3..],
        ["py32-none-any", "py31-none-any", "py30-none-any"]
    );
    // Off x86 the manylinux tags stop at 2.17 (manylinux2014).
    let arm = tag_strings(&target("cp3.12 manylinux_2_17_aarch64"));
    assert_eq!(
        arm[..4],
        [
            "cp312-cp312-linux_aarch64",
            "cp312-cp312-manylinux_2_17_aarch64",
            "cp312-cp312-manylinux2014_aarch64",
            "cp312-abi3-linux_aarch64",
        ]
    );
    let windows = tag_strings(&target("cp3.12 win_amd64"));
    assert_eq!(
        windows[..4],
        [
            "cp312-cp312-win_amd64",
            "cp312-abi3-win_amd64",
            "cp312-none-win_amd64",
            "cp311-abi3-win_amd64",
        ]
    );
    assert!(windows.contains(&"cp312-none-any".to_owned()));
}

#[test]
fn platform_tags_parse_with_clear_errors() {
    for (given, shown) in [
        ("manylinux_2_17_x86_64", "manylinux_2_17_x86_64"),
        ("manylinux2014_aarch64", "manylinux_2_17_aarch64"),
        ("manylinux2010_x86_64", "manylinux_2_12_x86_64"),
        ("manylinux1_i686", "manylinux_2_5_i686"),
        ("musllinux_1_2_aarch64", "musllinux_1_2_aarch64"),
        ("macosx_11_0_arm64", "macosx_11_0_arm64"),
        ("macosx_10_9_x86_64", "macosx_10_9_x86_64"),
        ("win_amd64", "win_amd64"),
        ("win32", "win32"),
        ("win_arm64", "win_arm64"),
        ("linux_x86_64", "linux_x86_64"),
        ("linux_armv7l", "linux_armv7l"),
        ("any", "any"),
        // `sysconfig.get_platform()` spellings, any case.
        ("macosx-11.0-arm64", "macosx_11_0_arm64"),
        ("win-amd64", "win_amd64"),
        ("Linux-x86_64", "linux_x86_64"),
        (" manylinux_2_28_s390x ", "manylinux_2_28_s390x"),
    ] {
        let platform = Platform::from_str(given).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(platform.to_string(), shown, "{given}");
    }
    for (given, message) in [
        (
            "manylinux_2_17_amd64",
            "`manylinux_2_17_amd64` is not a target platform: `amd64` is not a Linux \
             architecture (Linux calls amd64 `x86_64`): expected one of x86_64, i686, \
             aarch64, armv7l, ppc64le, ppc64, s390x, riscv64, loongarch64",
        ),
        (
            "manylinux1_aarch64",
            "`manylinux1_aarch64` is not a target platform: manylinux wheels for aarch64 \
             start at glibc 2.17 (`manylinux2014_aarch64`)",
        ),
        (
            "manylinux_3_1_x86_64",
            "`manylinux_3_1_x86_64` is not a target platform: glibc 3.1 does not exist: \
             manylinux tags name glibc 2.x",
        ),
        (
            "manylinux_2_x86_64",
            "`manylinux_2_x86_64` is not a target platform: expected a glibc version and \
             an architecture after the prefix, as in `manylinux_2_17_x86_64`",
        ),
        (
            "manylinux_2_1000_x86_64",
            "`manylinux_2_1000_x86_64` is not a target platform: expected a glibc version \
             and an architecture after the prefix, as in `manylinux_2_17_x86_64`",
        ),
        (
            "musllinux_2_0_x86_64",
            "`musllinux_2_0_x86_64` is not a target platform: musl 2.0 does not exist: \
             musllinux tags name musl 1.x",
        ),
        (
            "macosx_10_9_universal2",
            "`macosx_10_9_universal2` is not a target platform: `universal2` names a \
             wheel's binary format, not a Mac: use `arm64` or `x86_64` (each accepts \
             `universal2` wheels)",
        ),
        (
            "macosx_10_15_arm64",
            "`macosx_10_15_arm64` is not a target platform: Apple silicon (arm64) Macs run \
             macOS 11 or later: use `macosx_11_0_arm64`",
        ),
        (
            "macosx_11_0_aarch64",
            "`macosx_11_0_aarch64` is not a target platform: macOS calls aarch64 `arm64`",
        ),
        (
            "macosx_10_17_x86_64",
            "`macosx_10_17_x86_64` is not a target platform: there is no macOS 10.17: \
             10.16 is the last",
        ),
        (
            "win_x64",
            "`win_x64` is not a target platform: expected `win_amd64`, `win32` or \
             `win_arm64`",
        ),
        (
            "linux",
            "`linux` is not a target platform: expected a platform tag such as \
             `manylinux_2_17_x86_64`, `manylinux2014_aarch64`, `musllinux_1_2_x86_64`, \
             `macosx_11_0_arm64`, `macosx_10_13_x86_64`, `win_amd64`, `win32`, \
             `win_arm64`, `linux_x86_64` or `any`",
        ),
        (
            "",
            "`` is not a target platform: expected a platform tag such as `manylinux_2_17_x86_64`, `manylinux2014_aarch64`, `musllinux_1_2_x86_64`, `macosx_11_0_arm64`, `macosx_10_13_x86_64`, `win_amd64`, `win32`, `win_arm64`, `linux_x86_64` or `any`",
        ),
    ] {
        let error = Platform::from_str(given).unwrap_err();
        assert_eq!(error.to_string(), message, "{given}");
    }
}

#[test]
fn python_versions_parse_with_clear_errors() {
    for (given, shown) in [
        ("3.12", "3.12"),
        ("3.9", "3.9"),
        ("3.12.4", "3.12.4"),
        (" 3.14 ", "3.14"),
    ] {
        assert_eq!(PythonVersion::from_str(given).unwrap().to_string(), shown);
    }
    for (given, reason) in [
        ("312", "write it with a dot, e.g. `3.12`"),
        ("3", "expected `X.Y` or `X.Y.Z`, e.g. `3.12` or `3.12.4`"),
        (
            "3.12.4.1",
            "expected `X.Y` or `X.Y.Z`, e.g. `3.12` or `3.12.4`",
        ),
        (
            "3.12rc1",
            "expected `X.Y` or `X.Y.Z`, e.g. `3.12` or `3.12.4`",
        ),
        (
            "cp312",
            "expected `X.Y` or `X.Y.Z`, e.g. `3.12` or `3.12.4`",
        ),
        ("2.7", "targets run Python 3"),
        ("3.1000", "the minor version is out of range"),
        ("", "expected `X.Y` or `X.Y.Z`, e.g. `3.12` or `3.12.4`"),
    ] {
        let error = PythonVersion::from_str(given).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("`{given}` is not a Python version: {reason}")
        );
    }
}

#[test]
fn requires_python_is_checked_as_pip_checks_it() {
    let target_312 = target("cp3.12 manylinux_2_17_x86_64");
    let target_3124 = Target::new(
        "3.12.4".parse().unwrap(),
        Implementation::CPython,
        Platform::Any,
    )
    .unwrap();
    for (requires_python, on_312, on_3124) in [
        (">=3.8", true, true),
        ("<3.12", false, false),
        (">=3.13", false, false),
        ("!=3.12.*", false, false),
        ("~=3.12", true, true),
        // `3.12` is 3.12.0, as pip reads `--python-version 3.12`.
        (">=3.12.1", false, true),
        // PyPI's junk, read leniently.
        (">=2.7.*", true, true),
        (">= 3.6", true, true),
        (">=2.7, !=3.0.*, !=3.1.*,", true, true),
        (">=3.6'", true, true),
        // What cannot be read at all is ignored, as pip ignores it.
        ("python3 only", true, true),
        ("", true, true),
    ] {
        assert_eq!(
            target_312.python_satisfies(requires_python),
            on_312,
            "{requires_python}"
        );
        assert_eq!(
            target_3124.python_satisfies(requires_python),
            on_3124,
            "{requires_python}"
        );
    }
}

#[test]
fn markers_evaluate_for_the_target() {
    let cases = [
        (
            "cp3.12 manylinux_2_17_x86_64",
            "sys_platform == 'linux' and platform_machine == 'x86_64'",
            true,
        ),
        (
            "cp3.12 manylinux_2_17_x86_64",
            "platform_system == 'Linux' and os_name == 'posix'",
            true,
        ),
        (
            "cp3.12 musllinux_1_2_aarch64",
            "platform_machine == 'aarch64'",
            true,
        ),
        (
            "cp3.12 manylinux_2_17_x86_64",
            "python_version >= '3.8'",
            true,
        ),
        (
            "cp3.9 manylinux_2_17_x86_64",
            "python_version < '3.10'",
            true,
        ),
        (
            "cp3.12 manylinux_2_17_x86_64",
            "python_version < '3.10'",
            false,
        ),
        (
            "cp3.12 manylinux_2_17_x86_64",
            "python_full_version >= '3.12.0'",
            true,
        ),
        (
            "cp3.12 manylinux_2_17_x86_64",
            "implementation_name == 'cpython'",
            true,
        ),
        (
            "cp3.12 manylinux_2_17_x86_64",
            "platform_python_implementation == 'CPython'",
            true,
        ),
        (
            "pp3.10 manylinux_2_17_x86_64",
            "implementation_name == 'pypy'",
            true,
        ),
        (
            "pp3.10 manylinux_2_17_x86_64",
            "platform_python_implementation != 'CPython'",
            true,
        ),
        (
            "cp3.12 win_amd64",
            "sys_platform == 'win32' and os_name == 'nt'",
            true,
        ),
        (
            "cp3.12 win_amd64",
            "platform_machine == 'AMD64' and platform_system == 'Windows'",
            true,
        ),
        ("cp3.12 win_amd64", "sys_platform != 'win32'", false),
        (
            "cp3.12 macosx_11_0_arm64",
            "sys_platform == 'darwin' and platform_machine == 'arm64'",
            true,
        ),
        (
            "cp3.12 macosx_10_13_x86_64",
            "platform_system == 'Darwin' and platform_machine == 'x86_64'",
            true,
        ),
        ("cp3.12 macosx_11_0_arm64", "sys_platform == 'linux'", false),
        ("cp3.12 win_amd64", "extra == 'socks'", false),
    ];
    for (spec, marker, expected) in cases {
        let environment = target(spec).marker_environment();
        let marker = MarkerTree::from_str(marker).unwrap();
        assert_eq!(
            marker.evaluate(&environment, &[]),
            expected,
            "{spec}: {marker:?}"
        );
    }
    let environment = target("pp3.10 manylinux_2_17_x86_64").marker_environment();
    assert_eq!(environment.python_full_version().string, "3.10.0");
    assert_eq!(environment.implementation_version().string, "7.3");
    assert_eq!(environment.platform_release(), "");
}

/// `TargetArgs` as the command line sets it.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    targets: TargetArgs,
}

fn targets_of(args: &[&str]) -> Result<Vec<String>, String> {
    let args = Args::try_parse_from(std::iter::once("hashlock").chain(args.iter().copied()))
        .map_err(|error| error.to_string())?;
    from_args(&args.targets)
        .map(|targets| targets.iter().map(Target::to_string).collect())
        .map_err(|error| error.to_string())
}

#[test]
fn flags_give_the_cross_product_of_versions_and_platforms() {
    assert_eq!(
        targets_of(&[
            "--python-version",
            "3.11",
            "--python-version",
            "3.12",
            "--platform",
            "manylinux2014_x86_64",
            "--platform",
            "win_amd64",
            // A repeat is one target.
            "--python-version",
            "3.11",
        ]),
        Ok(vec![
            "CPython 3.11 on manylinux_2_17_x86_64".to_owned(),
            "CPython 3.11 on win_amd64".to_owned(),
            "CPython 3.12 on manylinux_2_17_x86_64".to_owned(),
            "CPython 3.12 on win_amd64".to_owned(),
        ])
    );
    assert_eq!(
        targets_of(&[
            "--python-version",
            "3.10",
            "--platform",
            "any",
            "--implementation",
            "pp"
        ]),
        Ok(vec!["PyPy 3.10 on any".to_owned()])
    );
    let error = targets_of(&["--python-version", "3.12", "--platform", "amd64"]).unwrap_err();
    assert!(
        error.contains("`amd64` is not a target platform"),
        "{error}"
    );
    let error = targets_of(&["--python-version", "312", "--platform", "any"]).unwrap_err();
    assert!(
        error.contains("write it with a dot, e.g. `3.12`"),
        "{error}"
    );
    let error = targets_of(&["--universal", "--platform", "any"]).unwrap_err();
    assert!(error.contains("cannot be used with"), "{error}");
}

#[test]
fn universal_is_the_documented_matrix() {
    let targets = targets_of(&["--universal"]).unwrap();
    assert_eq!(targets.len(), 36);
    assert_eq!(targets[0], "CPython 3.9 on manylinux_2_17_x86_64");
    assert_eq!(targets[35], "CPython 3.14 on win_amd64");
    let platforms: Vec<String> = UNIVERSAL
        .platforms
        .iter()
        .map(Platform::to_string)
        .collect();
    assert_eq!(
        platforms,
        [
            "manylinux_2_17_x86_64",
            "manylinux_2_17_aarch64",
            "musllinux_1_2_x86_64",
            "macosx_11_0_arm64",
            "macosx_10_13_x86_64",
            "win_amd64",
        ]
    );
}

/// `$HASHLOCK_TEST_PYTHON`, else `python3` (`scripts/test` sets the variable to its
/// virtualenv's Python, which has pip).
fn test_python() -> PathBuf {
    std::env::var_os("HASHLOCK_TEST_PYTHON")
        .unwrap_or_else(|| "python3".into())
        .into()
}

/// Runs `code` with the test Python; its standard output.
fn python_output(code: &str) -> String {
    let python = test_python();
    let output = Command::new(&python)
        .args(["-c", code])
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run `{}` ({error}): run the tests with `scripts/test`, or point \
                 HASHLOCK_TEST_PYTHON at a Python 3 that has pip",
                python.display()
            )
        });
    assert!(
        output.status.success(),
        "`{}` failed: {} (run the tests with `scripts/test`, which sets \
         HASHLOCK_TEST_PYTHON to a virtualenv with pip)",
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The default target is what pip sees: the test Python's own `sys_tags()` and
/// marker environment, from the packaging pip vendors.
#[test]
fn the_default_target_is_the_interpreter_as_pip_sees_it() {
    let python = test_python();
    let target = probe(&python).unwrap_or_else(|error| {
        panic!(
            "{error}: run the tests with `scripts/test`, or point HASHLOCK_TEST_PYTHON at \
             a Python 3"
        )
    });
    let pip_tags = python_output(
        "from pip._vendor.packaging import tags\n\
         for tag in tags.sys_tags(): print(tag)",
    );
    let pip_tags: Vec<&str> = pip_tags.lines().collect();
    assert_eq!(tag_strings(&target), pip_tags, "{target}");

    let pip_markers = python_output(
        "import json\n\
         from pip._vendor.packaging import markers\n\
         print(json.dumps(markers.default_environment()))",
    );
    let pip_markers: serde_json::Value = serde_json::from_str(&pip_markers).unwrap();
    let ours = serde_json::to_value(target.marker_environment()).unwrap();
    for (key, value) in pip_markers.as_object().unwrap() {
        assert_eq!(ours.get(key), Some(value), "{key}");
    }

    // Through the flags: no flag is that one target; a version alone keeps its platform.
    let python = python.to_str().unwrap();
    let default = targets_of(&["--python", python]).unwrap();
    assert_eq!(default, [target.to_string()]);
    let other_version = targets_of(&["--python", python, "--python-version", "3.9"]).unwrap();
    assert_eq!(
        other_version,
        [format!("CPython 3.9 on {}", target.platform)]
    );
}
