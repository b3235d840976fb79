//! The platform of a target: parsed from a platform tag, expanded into every platform
//! tag a machine of that kind accepts (in `packaging.tags` order), and the platform
//! half of its marker environment.
//!
//! A platform tag names a kind of machine: `manylinux_2_17_x86_64` is an x86_64 Linux
//! with glibc 2.17, `musllinux_1_2_aarch64` an aarch64 Linux with musl 1.2,
//! `macosx_11_0_arm64` an Apple silicon Mac on macOS 11. Such a machine's pip accepts
//! what `packaging.tags.sys_tags()` says it does there, and so does the target:
//! `linux_<arch>`, every manylinux tag from its glibc down to 2.5 (2.17 off x86) with
//! the legacy aliases beside their versions, every musllinux tag down to 1.0, every
//! macOS version down to 10.0 in the binary formats packaging lists. (pip's own
//! `--platform` expands less; a target describes the machine, not pip's flag.)
//!
//! `sysconfig.get_platform()` spellings are read too (`macosx-11.0-arm64`,
//! `linux-x86_64`, `win-amd64`): `-` and `.` read as `_`, any case.

use std::fmt;

use super::TargetError;

/// glibc 2.x: the only major version there has been.
const GLIBC_MAJOR: u8 = 2;
/// musl 1.x.
const MUSL_MAJOR: u8 = 1;
/// The oldest glibc a manylinux tag names on x86 (`manylinux1`, PEP 513).
const OLDEST_GLIBC_X86: u8 = 5;
/// The oldest glibc a manylinux tag names elsewhere (`manylinux2014`, PEP 599).
const OLDEST_GLIBC_OTHERS: u8 = 17;

/// A Linux CPU architecture, as `uname -m` and platform tags spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum LinuxArch {
    X86_64,
    I686,
    Aarch64,
    Armv7l,
    Ppc64le,
    Ppc64,
    S390x,
    Riscv64,
    Loongarch64,
}

impl LinuxArch {
    const ALL: [LinuxArch; 9] = [
        LinuxArch::X86_64,
        LinuxArch::I686,
        LinuxArch::Aarch64,
        LinuxArch::Armv7l,
        LinuxArch::Ppc64le,
        LinuxArch::Ppc64,
        LinuxArch::S390x,
        LinuxArch::Riscv64,
        LinuxArch::Loongarch64,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            LinuxArch::X86_64 => "x86_64",
            LinuxArch::I686 => "i686",
            LinuxArch::Aarch64 => "aarch64",
            LinuxArch::Armv7l => "armv7l",
            LinuxArch::Ppc64le => "ppc64le",
            LinuxArch::Ppc64 => "ppc64",
            LinuxArch::S390x => "s390x",
            LinuxArch::Riscv64 => "riscv64",
            LinuxArch::Loongarch64 => "loongarch64",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<LinuxArch> {
        LinuxArch::ALL.into_iter().find(|arch| arch.name() == text)
    }

    /// The oldest glibc minor version a manylinux tag of this architecture names.
    fn oldest_glibc(self) -> u8 {
        match self {
            LinuxArch::X86_64 | LinuxArch::I686 => OLDEST_GLIBC_X86,
            _ => OLDEST_GLIBC_OTHERS,
        }
    }
}

/// A Mac's CPU architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum MacArch {
    X86_64,
    Arm64,
}

impl MacArch {
    pub(crate) fn name(self) -> &'static str {
        match self {
            MacArch::X86_64 => "x86_64",
            MacArch::Arm64 => "arm64",
        }
    }

    /// The binary formats of a macOS version's platform tags, in packaging's order
    /// (`_mac_binary_formats`, for a 64-bit interpreter).
    fn formats(self, major: u8, minor: u8) -> &'static [&'static str] {
        match self {
            // x86_64 wheels name macOS 10.4 or later.
            MacArch::X86_64 if (major, minor) < (10, 4) => &[],
            MacArch::X86_64 => &[
                "x86_64",
                "intel",
                "fat64",
                "fat3",
                "universal2",
                "universal",
            ],
            MacArch::Arm64 => &["arm64", "universal2"],
        }
    }
}

/// A Windows CPU architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum WindowsArch {
    X86,
    Amd64,
    Arm64,
}

impl WindowsArch {
    fn tag(self) -> &'static str {
        match self {
            WindowsArch::X86 => "win32",
            WindowsArch::Amd64 => "win_amd64",
            WindowsArch::Arm64 => "win_arm64",
        }
    }

    /// `platform.machine()` on such a Windows.
    fn machine(self) -> &'static str {
        match self {
            WindowsArch::X86 => "x86",
            WindowsArch::Amd64 => "AMD64",
            WindowsArch::Arm64 => "ARM64",
        }
    }
}

/// The kind of machine a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Platform {
    /// A Linux with glibc 2.`glibc_minor`.
    Manylinux {
        glibc_minor: u8,
        arch: LinuxArch,
    },
    /// A Linux with musl 1.`musl_minor`.
    Musllinux {
        musl_minor: u8,
        arch: LinuxArch,
    },
    /// A Mac on macOS `major.minor`.
    Macos {
        major: u8,
        minor: u8,
        arch: MacArch,
    },
    Windows(WindowsArch),
    /// `linux_<arch>`: a Linux whose C library is not named, so only `linux_<arch>`
    /// wheels (as pip's `--platform linux_x86_64` does).
    Linux(LinuxArch),
    /// `any`: no platform at all, so only pure-Python wheels.
    Any,
}

/// What a platform tag looks like, for error messages.
const EXPECTED: &str = "expected a platform tag such as `manylinux_2_17_x86_64`, \
    `manylinux2014_aarch64`, `musllinux_1_2_x86_64`, `macosx_11_0_arm64`, \
    `macosx_10_13_x86_64`, `win_amd64`, `win32`, `win_arm64`, `linux_x86_64` or `any`";

impl Platform {
    /// A manylinux platform, checked: manylinux tags older than 2.17 exist for x86 only.
    pub(crate) fn manylinux(glibc_minor: u8, arch: LinuxArch) -> Result<Platform, String> {
        if glibc_minor < arch.oldest_glibc() {
            return Err(format!(
                "manylinux wheels for {} start at glibc 2.{} (`manylinux2014_{}`)",
                arch.name(),
                arch.oldest_glibc(),
                arch.name()
            ));
        }
        Ok(Platform::Manylinux { glibc_minor, arch })
    }

    /// A macOS platform, checked: Apple silicon started with macOS 11, whose minor
    /// versions the tags do not count (packaging names 11 and later `_0`).
    pub(crate) fn macos(major: u8, minor: u8, arch: MacArch) -> Result<Platform, String> {
        match (major, arch) {
            (..10, _) => Err(format!(
                "there is no macOS {major}: macOS 10.0 is the first"
            )),
            (10, MacArch::Arm64) => Err(
                "Apple silicon (arm64) Macs run macOS 11 or later: use `macosx_11_0_arm64`"
                    .to_owned(),
            ),
            (10, _) if minor > 16 => {
                Err(format!("there is no macOS 10.{minor}: 10.16 is the last"))
            }
            _ => Ok(Platform::Macos { major, minor, arch }),
        }
    }

    /// Every platform tag a machine of this kind accepts, the preferred first.
    pub(crate) fn tags(&self) -> Vec<String> {
        match *self {
            Platform::Manylinux { glibc_minor, arch } => {
                let oldest = arch.oldest_glibc();
                let arch = arch.name();
                let mut tags = vec![format!("linux_{arch}")];
                for minor in (oldest..=glibc_minor).rev() {
                    tags.push(format!("manylinux_{GLIBC_MAJOR}_{minor}_{arch}"));
                    let legacy = match minor {
                        17 => Some("manylinux2014"),
                        12 => Some("manylinux2010"),
                        5 => Some("manylinux1"),
                        _ => None,
                    };
                    tags.extend(legacy.map(|legacy| format!("{legacy}_{arch}")));
                }
                tags
            }
            Platform::Musllinux { musl_minor, arch } => {
                let arch = arch.name();
                let mut tags = vec![format!("linux_{arch}")];
                for minor in (0..=musl_minor).rev() {
                    tags.push(format!("musllinux_{MUSL_MAJOR}_{minor}_{arch}"));
                }
                tags
            }
            Platform::Macos { major, minor, arch } => mac_tags(major, minor, arch),
            Platform::Windows(arch) => vec![arch.tag().to_owned()],
            Platform::Linux(arch) => vec![format!("linux_{}", arch.name())],
            Platform::Any => vec!["any".to_owned()],
        }
    }

    /// The values of `sys_platform`, `os_name`, `platform_system` and
    /// `platform_machine` on such a machine; empty for `any`.
    pub(crate) fn marker_values(&self) -> [&'static str; 4] {
        match self {
            Platform::Manylinux { arch, .. }
            | Platform::Musllinux { arch, .. }
            | Platform::Linux(arch) => ["linux", "posix", "Linux", arch.name()],
            Platform::Macos { arch, .. } => ["darwin", "posix", "Darwin", arch.name()],
            Platform::Windows(arch) => ["win32", "nt", "Windows", arch.machine()],
            Platform::Any => ["", "", "", ""],
        }
    }
}

/// packaging's `mac_platforms(version, arch)`.
fn mac_tags(major: u8, minor: u8, arch: MacArch) -> Vec<String> {
    let mut tags = Vec::new();
    let mut push = |major: u8, minor: u8, formats: &[&str]| {
        for format in formats {
            tags.push(format!("macosx_{major}_{minor}_{format}"));
        }
    };
    if major == 10 {
        // Before macOS 11 each yearly release bumped the minor version.
        for minor in (0..=minor).rev() {
            push(10, minor, arch.formats(10, minor));
        }
        return tags;
    }
    // From macOS 11 each yearly release bumps the major version; tags name `_0`.
    for major in (11..=major).rev() {
        push(major, 0, arch.formats(major, 0));
    }
    // An x86_64 Mac runs what earlier macOS versions did; an arm64 one only the
    // universal2 binaries whose x86_64 half named an earlier version.
    for minor in (4..=16).rev() {
        match arch {
            MacArch::X86_64 => push(10, minor, arch.formats(10, minor)),
            MacArch::Arm64 => push(10, minor, &["universal2"]),
        }
    }
    tags
}

impl std::str::FromStr for Platform {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<Platform, TargetError> {
        let error = |reason: String| TargetError::Platform {
            text: text.to_owned(),
            reason,
        };
        let tag: String = text
            .trim()
            .chars()
            .map(|c| match c {
                '-' | '.' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        match tag.as_str() {
            "any" => return Ok(Platform::Any),
            "win32" => return Ok(Platform::Windows(WindowsArch::X86)),
            "win_amd64" => return Ok(Platform::Windows(WindowsArch::Amd64)),
            "win_arm64" => return Ok(Platform::Windows(WindowsArch::Arm64)),
            _ => {}
        }
        let legacy_manylinux = [
            ("manylinux2014_", 17),
            ("manylinux2010_", 12),
            ("manylinux1_", 5),
        ];
        for (prefix, glibc_minor) in legacy_manylinux {
            if let Some(arch) = tag.strip_prefix(prefix) {
                return Platform::manylinux(glibc_minor, linux_arch(arch).map_err(error)?)
                    .map_err(error);
            }
        }
        if let Some(rest) = tag.strip_prefix("manylinux_") {
            let (major, minor, arch) = versioned(rest, "glibc").map_err(error)?;
            if major != GLIBC_MAJOR {
                return Err(error(format!(
                    "glibc {major}.{minor} does not exist: manylinux tags name glibc 2.x"
                )));
            }
            return Platform::manylinux(minor, linux_arch(arch).map_err(error)?).map_err(error);
        }
        if let Some(rest) = tag.strip_prefix("musllinux_") {
            let (major, musl_minor, arch) = versioned(rest, "musl").map_err(error)?;
            if major != MUSL_MAJOR {
                return Err(error(format!(
                    "musl {major}.{musl_minor} does not exist: musllinux tags name musl 1.x"
                )));
            }
            let arch = linux_arch(arch).map_err(error)?;
            return Ok(Platform::Musllinux { musl_minor, arch });
        }
        if let Some(rest) = tag.strip_prefix("macosx_") {
            let (major, minor, arch) = versioned(rest, "macOS").map_err(error)?;
            let arch = match arch {
                "arm64" => MacArch::Arm64,
                "x86_64" => MacArch::X86_64,
                "universal2" | "universal" | "intel" | "fat64" | "fat3" | "fat" => {
                    return Err(error(format!(
                        "`{arch}` names a wheel's binary format, not a Mac: use `arm64` or \
                         `x86_64` (each accepts `universal2` wheels)"
                    )));
                }
                "aarch64" => {
                    return Err(error("macOS calls aarch64 `arm64`".to_owned()));
                }
                _ => {
                    return Err(error(format!(
                        "`{arch}` is not a Mac architecture: expected `arm64` or `x86_64`"
                    )));
                }
            };
            return Platform::macos(major, minor, arch).map_err(error);
        }
        if let Some(arch) = tag.strip_prefix("linux_") {
            return Ok(Platform::Linux(linux_arch(arch).map_err(error)?));
        }
        if tag.starts_with("win") {
            return Err(error(
                "expected `win_amd64`, `win32` or `win_arm64`".to_owned(),
            ));
        }
        Err(error(EXPECTED.to_owned()))
    }
}

/// `{major}_{minor}_{arch}`, the numbers those of a `what` version.
fn versioned<'a>(text: &'a str, what: &str) -> Result<(u8, u8, &'a str), String> {
    let mut parts = text.splitn(3, '_');
    let (major, minor, arch) = (parts.next(), parts.next(), parts.next());
    let number = |part: Option<&str>| {
        part.filter(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|part| part.parse::<u8>().ok())
    };
    match (number(major), number(minor), arch) {
        (Some(major), Some(minor), Some(arch)) if !arch.is_empty() => Ok((major, minor, arch)),
        _ => Err(format!(
            "expected a {what} version and an architecture after the prefix, as in {}",
            match what {
                "glibc" => "`manylinux_2_17_x86_64`",
                "musl" => "`musllinux_1_2_x86_64`",
                _ => "`macosx_11_0_arm64`",
            }
        )),
    }
}

fn linux_arch(text: &str) -> Result<LinuxArch, String> {
    if let Some(arch) = LinuxArch::parse(text) {
        return Ok(arch);
    }
    let known: Vec<&str> = LinuxArch::ALL.iter().map(|arch| arch.name()).collect();
    let hint = match text {
        "amd64" | "x64" => " (Linux calls amd64 `x86_64`)",
        "arm64" => " (Linux calls arm64 `aarch64`)",
        "i386" | "x86" => " (Linux wheels name 32-bit x86 `i686`)",
        _ => "",
    };
    Err(format!(
        "`{text}` is not a Linux architecture{hint}: expected one of {}",
        known.join(", ")
    ))
}

impl fmt::Display for Platform {
    /// The platform tag, canonical: `manylinux2014_x86_64` shows as
    /// `manylinux_2_17_x86_64`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Platform::Manylinux { glibc_minor, arch } => {
                write!(f, "manylinux_{GLIBC_MAJOR}_{glibc_minor}_{}", arch.name())
            }
            Platform::Musllinux { musl_minor, arch } => {
                write!(f, "musllinux_{MUSL_MAJOR}_{musl_minor}_{}", arch.name())
            }
            Platform::Macos { major, minor, arch } => {
                write!(f, "macosx_{major}_{minor}_{}", arch.name())
            }
            Platform::Windows(arch) => f.write_str(arch.tag()),
            Platform::Linux(arch) => write!(f, "linux_{}", arch.name()),
            Platform::Any => f.write_str("any"),
        }
    }
}
