//! Targets: where a locked file will be installed, which wheels can install there,
//! and what PEP 508 markers say there.
//!
//! A [`Target`] is a Python version, an implementation (CPython or PyPy) and a
//! [`Platform`], a kind of machine named by a platform tag. From them come:
//! - [`Target::tags`], the compatibility tags such a machine's pip accepts, in
//!   `packaging.tags` order (`cpython_tags` or `generic_tags`, then
//!   `compatible_tags`), and [`Target::supports`], which ranks a wheel's file name
//!   against them;
//! - [`Target::python_satisfies`], whether a file's `Requires-Python` admits the
//!   target's Python (the check an sdist needs, and wheels too);
//! - [`Target::marker_environment`], the values markers are evaluated against;
//! - [`Target::serves`], what `lock` keeps for the target: what installs on it or on
//!   a newer machine of its kind (a target is the oldest machine of its kind).
//!
//! The targets of a run come from [`from_args`]: the cross product of the
//! `--python-version` and `--platform` values, the [`UNIVERSAL`] matrix, or by default
//! the interpreter on `PATH`, asked about itself once ([`interpreter`]), as pip
//! describes its own platform.

pub(crate) mod header;
mod interpreter;
mod newer;
mod platform;
mod requires_python;
mod tags;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::cli::TargetArgs;

pub(crate) use interpreter::probe;
pub(crate) use platform::{LinuxArch, MacArch, Platform};
pub(crate) use tags::Tag;

/// A Python 3 version a target runs: `3.12`, or `3.12.4` when the patch release
/// matters (`python_full_version` markers, `Requires-Python` such as `>=3.8.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct PythonVersion {
    pub(crate) minor: u8,
    pub(crate) patch: Option<u16>,
}

impl PythonVersion {
    /// Python 3.`minor`.
    pub(crate) const fn new(minor: u8) -> PythonVersion {
        PythonVersion { minor, patch: None }
    }

    /// The version as pip compares it with `Requires-Python`: a missing patch
    /// release is 0, as in pip's `--python-version 3.12`.
    fn full(self) -> Version {
        Version::new([3, u64::from(self.minor), u64::from(self.patch.unwrap_or(0))])
    }
}

impl FromStr for PythonVersion {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<PythonVersion, TargetError> {
        let error = |reason: &str| TargetError::PythonVersion {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = text.trim();
        let digits = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let parts: Vec<&str> = trimmed.split('.').collect();
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(digits) {
            let reason = if trimmed.len() >= 2 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
                format!(
                    "write it with a dot, e.g. `{}.{}`",
                    &trimmed[..1],
                    &trimmed[1..]
                )
            } else {
                "expected `X.Y` or `X.Y.Z`, e.g. `3.12` or `3.12.4`".to_owned()
            };
            return Err(error(&reason));
        }
        if parts[0].parse::<u8>() != Ok(3) {
            return Err(error("targets run Python 3"));
        }
        let Ok(minor) = parts[1].parse::<u8>() else {
            return Err(error("the minor version is out of range"));
        };
        let patch = match parts.get(2) {
            None => None,
            Some(patch) => match patch.parse::<u16>() {
                Ok(patch) => Some(patch),
                Err(_) => return Err(error("the patch release is out of range")),
            },
        };
        Ok(PythonVersion { minor, patch })
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "3.{}.{patch}", self.minor),
            None => write!(f, "3.{}", self.minor),
        }
    }
}

/// A Python implementation with wheels of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub(crate) enum Implementation {
    /// CPython.
    #[value(name = "cp")]
    CPython,
    /// PyPy.
    #[value(name = "pp")]
    PyPy,
}

impl Implementation {
    /// `implementation_name` and `platform_python_implementation`.
    fn marker_names(self) -> [&'static str; 2] {
        match self {
            Implementation::CPython => ["cpython", "CPython"],
            Implementation::PyPy => ["pypy", "PyPy"],
        }
    }
}

/// The `--universal` targets: CPython 3.9 to 3.14 on six platforms, the oldest machine
/// of each kind most installs run on. `lock` keeps for each the wheels that install
/// there and those built for newer machines of its kind ([`Target::serves`], see
/// `newer`), so a newer box finds its preferred wheel hashed too:
/// - `manylinux_2_17_x86_64`, `manylinux_2_17_aarch64`: glibc 2.17 is manylinux2014,
///   the baseline most projects still build for; it takes every older manylinux
///   wheel (2.12, 2.5, `manylinux1`) too.
/// - `musllinux_1_2_x86_64`: Alpine 3.13 and later, the musl of Docker images.
/// - `macosx_11_0_arm64`: every Apple silicon Mac (macOS 11 came with them).
/// - `macosx_10_13_x86_64`: the oldest macOS that python.org's installers support
///   since 3.12, and what numpy 2 builds Intel wheels for; it takes older ones too.
/// - `win_amd64`: 64-bit Windows, nearly every Windows install (`win32` and
///   `win_arm64` are rare: name them with `--platform`).
///
/// Python 3.9 is past its end of life but still what long-lived distributions ship;
/// 3.14 is the newest release. Each target also takes pure-Python wheels and the
/// `abi3` wheels of its own and earlier versions.
pub(crate) const UNIVERSAL: Matrix = Matrix {
    python_versions: &[
        PythonVersion::new(9),
        PythonVersion::new(10),
        PythonVersion::new(11),
        PythonVersion::new(12),
        PythonVersion::new(13),
        PythonVersion::new(14),
    ],
    platforms: &[
        Platform::Manylinux {
            glibc_minor: 17,
            arch: LinuxArch::X86_64,
        },
        Platform::Manylinux {
            glibc_minor: 17,
            arch: LinuxArch::Aarch64,
        },
        Platform::Musllinux {
            musl_minor: 2,
            arch: LinuxArch::X86_64,
        },
        Platform::Macos {
            major: 11,
            minor: 0,
            arch: MacArch::Arm64,
        },
        Platform::Macos {
            major: 10,
            minor: 13,
            arch: MacArch::X86_64,
        },
        Platform::Windows(platform::WindowsArch::Amd64),
    ],
};

/// CPython targets: every Python version on every platform.
pub(crate) struct Matrix {
    pub(crate) python_versions: &'static [PythonVersion],
    pub(crate) platforms: &'static [Platform],
}

/// Where a locked file will be installed.
#[derive(Debug)]
pub(crate) struct Target {
    python: PythonVersion,
    implementation: Implementation,
    platform: Platform,
    environment: MarkerEnvironment,
    /// Built on the first [`Target::supports`].
    ranks: OnceLock<tags::Ranks>,
}

/// Where a wheel's best tag stands in a target's [`Target::tags`]: 0 is the tag the
/// target prefers most, lower is better (as pip ranks the wheels it could install).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Priority(pub(crate) usize);

impl Target {
    /// A target described by its parts; markers take the values such a machine
    /// would have, with `platform_release` and `platform_version` empty (nothing
    /// says which kernel or build it runs).
    pub(crate) fn new(
        python: PythonVersion,
        implementation: Implementation,
        platform: Platform,
    ) -> Result<Target, TargetError> {
        let [python_version, python_full_version] =
            [format!("3.{}", python.minor), python.full().to_string()];
        let [implementation_name, platform_python_implementation] = implementation.marker_names();
        let implementation_version = match implementation {
            Implementation::CPython => python_full_version.as_str(),
            // The version every PyPy 3 wheel's ABI (`pp73`) names.
            Implementation::PyPy => "7.3",
        };
        let [sys_platform, os_name, platform_system, platform_machine] = platform.marker_values();
        let environment = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name,
            implementation_version,
            os_name,
            platform_machine,
            platform_python_implementation,
            platform_release: "",
            platform_system,
            platform_version: "",
            python_full_version: &python_full_version,
            python_version: &python_version,
            sys_platform,
        })
        .map_err(|error| TargetError::Markers(error.to_string()))?;
        Ok(Target::with_environment(
            python,
            implementation,
            platform,
            environment,
        ))
    }

    /// A target whose markers take the values given (an interpreter's own).
    fn with_environment(
        python: PythonVersion,
        implementation: Implementation,
        platform: Platform,
        environment: MarkerEnvironment,
    ) -> Target {
        Target {
            python,
            implementation,
            platform,
            environment,
            ranks: OnceLock::new(),
        }
    }

    /// Every tag the target accepts, the preferred first: what
    /// `packaging.tags.sys_tags()` gives on such a machine.
    pub(crate) fn tags(&self) -> Vec<Tag> {
        let minor = self.python.minor;
        let platforms = self.platform.tags();
        match self.implementation {
            Implementation::CPython => {
                // The `m` (pymalloc) ABI flag went away in 3.8.
                let abi = if minor < 8 {
                    format!("cp3{minor}m")
                } else {
                    format!("cp3{minor}")
                };
                let mut tags = tags::cpython_tags(minor, &abi, &platforms);
                tags.extend(tags::compatible_tags(
                    minor,
                    &format!("cp3{minor}"),
                    &platforms,
                ));
                tags
            }
            Implementation::PyPy => {
                let mut tags = tags::generic_tags(
                    &format!("pp3{minor}"),
                    &format!("pypy3{minor}_pp73"),
                    &platforms,
                );
                tags.extend(tags::compatible_tags(minor, "pp3", &platforms));
                tags
            }
        }
    }

    /// Whether a wheel, named by its file name, installs on the target, and how much
    /// the target prefers it; `None` when it does not install or is not a wheel
    /// (compressed tag sets such as `py2.py3-none-any` are read).
    pub(crate) fn supports(&self, wheel_filename: &str) -> Option<Priority> {
        self.ranks
            .get_or_init(|| tags::Ranks::new(&self.tags()))
            .best(wheel_filename)
            .map(Priority)
    }

    /// Whether the target's Python satisfies a file's `Requires-Python`, read as pip
    /// reads it: leniently (`>=2.7.*`, `>= 3.6,` are understood), and a value that
    /// cannot be read at all is ignored, i.e. satisfied.
    pub(crate) fn python_satisfies(&self, requires_python: &str) -> bool {
        requires_python::parse(requires_python)
            .is_none_or(|specifiers| specifiers.contains(&self.python.full()))
    }

    /// The values PEP 508 markers are evaluated against on the target.
    pub(crate) fn marker_environment(&self) -> MarkerEnvironment {
        self.environment.clone()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.implementation {
            Implementation::CPython => "CPython",
            Implementation::PyPy => "PyPy",
        };
        write!(f, "{name} {} on {}", self.python, self.platform)
    }
}

/// The interpreter asked when no flag names a target's Python version or platform.
pub(crate) const DEFAULT_PYTHON: &str = "python3";

/// The targets `args` describe: [`UNIVERSAL`] with `--universal`; else the cross
/// product of the `--python-version` and `--platform` values, in the order given,
/// each list defaulting to what the interpreter (`--python`, else `python3`) is.
/// With neither list, the interpreter is the one target, its markers its own.
pub(crate) fn from_args(args: &TargetArgs) -> Result<Vec<Target>, TargetError> {
    if args.universal {
        return matrix(
            Implementation::CPython,
            UNIVERSAL.python_versions,
            UNIVERSAL.platforms,
        );
    }
    let interpreter = if args.python_versions.is_empty() || args.platforms.is_empty() {
        let python = args.python.as_deref().unwrap_or(Path::new(DEFAULT_PYTHON));
        Some(probe(python)?)
    } else {
        None
    };
    let declared = !args.python_versions.is_empty() || !args.platforms.is_empty();
    match interpreter {
        Some(target)
            if !declared
                && args
                    .implementation
                    .is_none_or(|implementation| implementation == target.implementation) =>
        {
            Ok(vec![target])
        }
        interpreter => {
            let versions = match &interpreter {
                Some(target) if args.python_versions.is_empty() => vec![target.python],
                _ => args.python_versions.clone(),
            };
            let platforms = match &interpreter {
                Some(target) if args.platforms.is_empty() => vec![target.platform],
                _ => args.platforms.clone(),
            };
            let implementation = args
                .implementation
                .or(interpreter.as_ref().map(|target| target.implementation))
                .unwrap_or(Implementation::CPython);
            matrix(implementation, &versions, &platforms)
        }
    }
}

/// Every Python version on every platform, without repeats, in order.
fn matrix(
    implementation: Implementation,
    versions: &[PythonVersion],
    platforms: &[Platform],
) -> Result<Vec<Target>, TargetError> {
    let mut seen = Vec::new();
    let mut targets = Vec::new();
    for &python in versions {
        for &platform in platforms {
            if !seen.contains(&(python, platform)) {
                seen.push((python, platform));
                targets.push(Target::new(python, implementation, platform)?);
            }
        }
    }
    Ok(targets)
}

/// Why targets could not be made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum TargetError {
    #[error("`{text}` is not a Python version: {reason}")]
    PythonVersion { text: String, reason: String },

    #[error("`{text}` is not a target platform: {reason}")]
    Platform { text: String, reason: String },

    #[error("cannot run `{python}` to learn the default target: {reason}", python = python.display())]
    #[diagnostic(help(
        "name an interpreter with `--python PATH`, or describe the targets with \
         `--python-version` and `--platform` (or `--universal`)"
    ))]
    NoInterpreter { python: PathBuf, reason: String },

    #[error("`{python}` cannot describe its platform: {reason}", python = python.display())]
    #[diagnostic(help(
        "describe the targets with `--python-version` and `--platform` instead (or \
         `--universal`)"
    ))]
    Unsupported { python: PathBuf, reason: String },

    #[error("the target header `{text}` cannot be read: {reason}")]
    #[diagnostic(help(
        "fix or delete the `# hashlock targets:` line, or give the target flags on the command line"
    ))]
    Header { text: String, reason: String },

    /// A marker value that does not read as a version: hashlock's own bug.
    #[error("cannot build the marker environment of a target: {0}")]
    Markers(String),
}
