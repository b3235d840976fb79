//! Which wheels a lock keeps for a target: a target names the *oldest* machine of
//! its kind (`manylinux_2_17_x86_64` is "glibc 2.17 or newer"), so `lock` keeps the
//! wheels that install on it and those that install only on a newer machine of the
//! same kind (same OS family, C library and CPU; a later glibc, musl or macOS).
//!
//! Why: pip on a newer machine prefers the newest wheel it can install. numpy 2.4's
//! only Linux wheels for CPython 3.12 are `manylinux_2_27/2_28`; a lock that kept
//! only what installs on glibc 2.17 would hash just the sdist there, and every
//! newer Linux box would then refuse the wheel it picks, or build from source. With
//! the newer wheels kept, each machine of the kind finds its best wheel hashed.
//! `verify`'s `no-installable-file` still asks whether the oldest machine itself
//! has a hashed file (it would not, for numpy 2.4 with `--only-binary`).

use super::platform::{MacArch, Platform};
use super::{Target, tags};

impl Target {
    /// Whether `wheel_filename` installs on the target or on a newer machine of
    /// its kind (see the module doc).
    pub(crate) fn serves(&self, wheel_filename: &str) -> bool {
        if self.supports(wheel_filename).is_some() {
            return true;
        }
        let Some([_, _, platforms]) = tags::wheel_tag_sets(wheel_filename) else {
            return false;
        };
        platforms.iter().any(|tag| {
            newer_of_kind(&self.platform, tag).is_some_and(|platform| {
                Target::new(self.python, self.implementation, platform)
                    .is_ok_and(|newer| newer.supports(wheel_filename).is_some())
            })
        })
    }
}

/// The machine `tag` names when it is a newer one of `platform`'s kind.
fn newer_of_kind(platform: &Platform, tag: &str) -> Option<Platform> {
    match *platform {
        Platform::Manylinux { glibc_minor, arch } => match tag.parse::<Platform>().ok()? {
            newer @ Platform::Manylinux {
                glibc_minor: minor,
                arch: other,
            } if other == arch && minor > glibc_minor => Some(newer),
            _ => None,
        },
        Platform::Musllinux { musl_minor, arch } => match tag.parse::<Platform>().ok()? {
            newer @ Platform::Musllinux {
                musl_minor: minor,
                arch: other,
            } if other == arch && minor > musl_minor => Some(newer),
            _ => None,
        },
        Platform::Macos { major, minor, arch } => {
            // `macosx_14_0_arm64`, `macosx_12_0_universal2`: the version, then the
            // binary format, which the target's architecture must run.
            let rest = tag.strip_prefix("macosx_")?;
            let mut parts = rest.splitn(3, '_');
            let (Some(tag_major), Some(tag_minor), Some(format)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return None;
            };
            let version = (tag_major.parse::<u8>().ok()?, tag_minor.parse::<u8>().ok()?);
            let runs = match arch {
                MacArch::Arm64 => matches!(format, "arm64" | "universal2"),
                MacArch::X86_64 => matches!(
                    format,
                    "x86_64" | "intel" | "fat64" | "fat3" | "universal2" | "universal"
                ),
            };
            (runs && version > (major, minor))
                .then(|| Platform::macos(version.0, version.1, arch).ok())
                .flatten()
        }
        Platform::Windows(_) | Platform::Linux(_) | Platform::Any => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Implementation, PythonVersion};
    use super::*;

    fn target(python: u8, platform: &str) -> Target {
        Target::new(
            PythonVersion::new(python),
            Implementation::CPython,
            platform.parse().unwrap(),
        )
        .unwrap()
    }

    /// (target python, target platform, wheel, installs there, kept for it)
    const CASES: &[(u8, &str, &str, bool, bool)] = &[
        // Linux, glibc: older and equal installs; newer is kept, never installs.
        (
            12,
            "manylinux_2_17_x86_64",
            "numpy-2.4.0-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
            false,
            true,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            true,
            true,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "cffi-1.17.1-cp312-cp312-manylinux1_x86_64.whl",
            true,
            true,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "x-1.0-cp312-cp312-manylinux2010_x86_64.whl",
            true,
            true,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "numpy-2.4.0-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
            false,
            false,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "numpy-2.4.0-cp313-cp313-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
            false,
            false,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "numpy-2.4.0-cp312-cp312-musllinux_1_2_x86_64.whl",
            false,
            false,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "orjson-3.10.0-cp312-abi3-manylinux_2_34_x86_64.whl",
            false,
            true,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "cryptography-43.0.0-cp39-abi3-manylinux_2_28_x86_64.whl",
            false,
            true,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "cryptography-43.0.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            true,
            true,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "six-1.16.0-py2.py3-none-any.whl",
            true,
            true,
        ),
        (
            12,
            "manylinux_2_17_x86_64",
            "x-1.0-cp312-cp312-win_amd64.whl",
            false,
            false,
        ),
        (
            12,
            "manylinux_2_28_aarch64",
            "numpy-2.4.0-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
            true,
            true,
        ),
        (
            12,
            "manylinux_2_28_aarch64",
            "x-1.0-cp312-cp312-manylinux_2_34_aarch64.whl",
            false,
            true,
        ),
        (
            12,
            "manylinux_2_28_aarch64",
            "x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            false,
            false,
        ),
        // Linux, musl.
        (
            12,
            "musllinux_1_1_x86_64",
            "numpy-2.4.0-cp312-cp312-musllinux_1_2_x86_64.whl",
            false,
            true,
        ),
        (
            12,
            "musllinux_1_2_x86_64",
            "numpy-2.0.0-cp312-cp312-musllinux_1_1_x86_64.whl",
            true,
            true,
        ),
        (
            12,
            "musllinux_1_2_x86_64",
            "numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            false,
            false,
        ),
        // macOS: later versions in formats the architecture runs.
        (
            12,
            "macosx_11_0_arm64",
            "numpy-2.4.0-cp312-cp312-macosx_14_0_arm64.whl",
            false,
            true,
        ),
        (
            12,
            "macosx_11_0_arm64",
            "numpy-2.0.0-cp312-cp312-macosx_11_0_arm64.whl",
            true,
            true,
        ),
        (
            12,
            "macosx_11_0_arm64",
            "x-1.0-cp312-cp312-macosx_10_9_universal2.whl",
            true,
            true,
        ),
        (
            12,
            "macosx_11_0_arm64",
            "x-1.0-cp312-cp312-macosx_12_0_universal2.whl",
            false,
            true,
        ),
        (
            12,
            "macosx_11_0_arm64",
            "numpy-2.4.0-cp312-cp312-macosx_10_13_x86_64.whl",
            false,
            false,
        ),
        (
            12,
            "macosx_11_0_arm64",
            "numpy-2.4.0-cp312-cp312-macosx_14_0_x86_64.whl",
            false,
            false,
        ),
        (
            12,
            "macosx_10_13_x86_64",
            "numpy-2.4.0-cp312-cp312-macosx_10_13_x86_64.whl",
            true,
            true,
        ),
        (
            12,
            "macosx_10_13_x86_64",
            "numpy-2.4.0-cp312-cp312-macosx_14_0_x86_64.whl",
            false,
            true,
        ),
        (
            12,
            "macosx_10_13_x86_64",
            "x-1.0-cp312-cp312-macosx_10_9_intel.whl",
            true,
            true,
        ),
        (
            12,
            "macosx_10_13_x86_64",
            "x-1.0-cp312-cp312-macosx_11_0_arm64.whl",
            false,
            false,
        ),
        // Windows has no versions: exactly what installs.
        (
            12,
            "win_amd64",
            "numpy-2.4.0-cp312-cp312-win_amd64.whl",
            true,
            true,
        ),
        (
            12,
            "win_amd64",
            "numpy-2.4.0-cp312-cp312-win32.whl",
            false,
            false,
        ),
        (
            12,
            "win_amd64",
            "numpy-2.4.0-cp312-cp312-win_arm64.whl",
            false,
            false,
        ),
        (12, "win_amd64", "x-1.0-cp38-abi3-win_amd64.whl", true, true),
        (
            9,
            "win_amd64",
            "x-1.0-cp310-abi3-win_amd64.whl",
            false,
            false,
        ),
        (12, "any", "six-1.16.0-py2.py3-none-any.whl", true, true),
        (12, "any", "x-1.0-cp312-cp312-win_amd64.whl", false, false),
    ];

    #[test]
    fn a_target_keeps_what_installs_and_what_a_newer_machine_of_its_kind_takes() {
        for &(python, platform, wheel, installs, kept) in CASES {
            let target = target(python, platform);
            assert_eq!(
                target.supports(wheel).is_some(),
                installs,
                "supports: 3.{python} {platform} {wheel}"
            );
            assert_eq!(
                target.serves(wheel),
                kept,
                "serves: 3.{python} {platform} {wheel}"
            );
        }
    }
}
