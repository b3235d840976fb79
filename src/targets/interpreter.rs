//! The default target: the interpreter on `PATH` (or `--python PATH`), run once with a
//! small script that prints what pip would read about its own platform: the PEP 508
//! marker values, `sysconfig.get_platform()`, the glibc or musl version, the macOS
//! version, the pointer size and whether the GIL is disabled.
//!
//! The run is bounded: a deadline, and only so much output is read. Its answer is
//! untrusted input: anything unexpected is an error that says so, never a panic.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use pep508_rs::MarkerEnvironment;
use serde::Deserialize;
use wait_timeout::ChildExt;

use super::platform::WindowsArch;
use super::{Implementation, LinuxArch, MacArch, Platform, PythonVersion, Target, TargetError};
use crate::dist_filename::release_numbers;

/// How long the interpreter may take to answer (a cold start on a busy CI runner
/// takes a second or two).
const DEADLINE: Duration = Duration::from_secs(30);

/// The most output read from the interpreter; the answer is well under 2 KiB.
const MAX_OUTPUT: u64 = 64 * 1024;

/// Prints one JSON object. Runs on any Python 3 (no f-strings); `-I -S` keep user
/// site-packages, `PYTHON*` variables and `site` out of it.
const SCRIPT: &str = r#"
import json, os, platform, struct, sys, sysconfig

def full_version(info):
    version = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version

python_full_version = platform.python_version()
if python_full_version.endswith("+"):
    python_full_version += "local"

glibc = None
try:
    name, glibc = os.confstr("CS_GNU_LIBC_VERSION").split()
except Exception:
    name, version = platform.libc_ver()
    if name == "glibc" and version:
        glibc = version

musl = None
if sys.platform.startswith("linux") and glibc is None:
    import glob, re, subprocess
    for loader in sorted(glob.glob("/lib/ld-musl-*.so.1")):
        try:
            text = subprocess.run([loader], stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, universal_newlines=True, timeout=5).stderr
        except Exception:
            continue
        match = re.search(r"Version (\d+\.\d+)", text)
        if match:
            musl = match.group(1)
            break

mac_version = platform.mac_ver()[0] if sys.platform == "darwin" else ""
if mac_version.startswith("10.16"):
    # Built against an old SDK, Python sees macOS 11+ as 10.16: ask without the shim.
    import subprocess
    mac_version = subprocess.run(
        [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
        env={"SYSTEM_VERSION_COMPAT": "0"}, stdout=subprocess.PIPE,
        universal_newlines=True, timeout=10).stdout.strip()

print(json.dumps({
    "markers": {
        "implementation_name": sys.implementation.name,
        "implementation_version": full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": python_full_version,
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
    "platform": sysconfig.get_platform(),
    "glibc": glibc,
    "musl": musl,
    "mac_version": mac_version,
    "pointer_bits": struct.calcsize("P") * 8,
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
}))
"#;

/// What the script prints.
#[derive(Debug, Deserialize)]
struct Answer {
    markers: MarkerEnvironment,
    /// `sysconfig.get_platform()`: `linux-x86_64`, `macosx-11.0-arm64`, `win-amd64`.
    platform: String,
    glibc: Option<String>,
    musl: Option<String>,
    mac_version: String,
    pointer_bits: u32,
    free_threaded: bool,
}

/// The target `python` is: run it once and read its answer.
pub(crate) fn probe(python: &Path) -> Result<Target, TargetError> {
    let output = run(python).map_err(|reason| TargetError::NoInterpreter {
        python: python.to_owned(),
        reason,
    })?;
    let unsupported = |reason: String| TargetError::Unsupported {
        python: python.to_owned(),
        reason,
    };
    let answer: Answer = serde_json::from_slice(&output).map_err(|error| {
        unsupported(format!(
            "its answer to hashlock's probe does not read ({error})"
        ))
    })?;
    target_of(answer).map_err(unsupported)
}

/// Runs the script with `python`; its standard output, or why it failed.
fn run(python: &Path) -> Result<Vec<u8>, String> {
    let mut child = Command::new(python)
        .args(["-I", "-S", "-c", SCRIPT])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound if python.components().count() == 1 => {
                "it is not on PATH".to_owned()
            }
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            _ => error.to_string(),
        })?;
    let status = match child.wait_timeout(DEADLINE) {
        Ok(Some(status)) => status,
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "it did not answer within {} seconds",
                DEADLINE.as_secs()
            ));
        }
    };
    let read = |pipe: Option<&mut dyn Read>| {
        let mut bytes = Vec::new();
        if let Some(pipe) = pipe {
            let _ = pipe.take(MAX_OUTPUT).read_to_end(&mut bytes);
        }
        bytes
    };
    let stdout = read(child.stdout.as_mut().map(|pipe| pipe as &mut dyn Read));
    if status.success() {
        return Ok(stdout);
    }
    let stderr = read(child.stderr.as_mut().map(|pipe| pipe as &mut dyn Read));
    let stderr = String::from_utf8_lossy(&stderr);
    // The last line of a traceback says what went wrong; Python 2 says `Unknown option`.
    let last = stderr.lines().rev().find(|line| !line.trim().is_empty());
    let last: String = last.unwrap_or("").trim().chars().take(300).collect();
    Err(match last.as_str() {
        "" => format!("it exited with {status}"),
        last => format!("it exited with {status}: {last}"),
    })
}

/// The target an interpreter's answer describes; why there is none otherwise.
fn target_of(answer: Answer) -> Result<Target, String> {
    let markers = &answer.markers;
    let implementation = match markers.implementation_name() {
        "cpython" => Implementation::CPython,
        "pypy" => Implementation::PyPy,
        other => {
            return Err(format!("it is `{other}`, and targets are CPython or PyPy"));
        }
    };
    if answer.free_threaded {
        return Err(
            "it is a free-threaded CPython build, which targets do not cover yet".to_owned(),
        );
    }
    let version = &markers.python_full_version().version;
    let python = match version.release() {
        [3, minor, patch, ..] => match (u8::try_from(*minor), u16::try_from(*patch)) {
            (Ok(minor), Ok(patch)) => PythonVersion {
                minor,
                patch: Some(patch),
            },
            _ => return Err(format!("it reports Python {version}")),
        },
        _ => return Err(format!("it is Python {version}, and targets run Python 3")),
    };
    let platform = platform_of(&answer)?;
    Ok(Target::with_environment(
        python,
        implementation,
        platform,
        answer.markers,
    ))
}

/// The platform of an interpreter's answer, as packaging's `platform_tags()` sees it.
fn platform_of(answer: &Answer) -> Result<Platform, String> {
    let sys_platform = answer.markers.sys_platform();
    let is_32bit = answer.pointer_bits == 32;
    if sys_platform.starts_with("linux") {
        let arch = answer
            .platform
            .strip_prefix("linux-")
            .ok_or_else(|| format!("it is a Linux whose platform is `{}`", answer.platform))?;
        // A 32-bit interpreter on a 64-bit kernel (packaging's `_linux_platforms`).
        let arch = match (arch, is_32bit) {
            ("x86_64", true) => "i686",
            ("aarch64", true) => "armv7l",
            (arch, _) => arch,
        };
        let arch = LinuxArch::parse(arch).ok_or_else(|| {
            format!("its architecture, `{arch}`, is not one wheels are built for")
        })?;
        let version =
            |text: &Option<String>, major: u64| match text.as_deref().and_then(release_numbers) {
                Some(numbers) if numbers.first() == Some(&major) => {
                    numbers.get(1).and_then(|minor| u8::try_from(*minor).ok())
                }
                _ => None,
            };
        if let Some(glibc_minor) = version(&answer.glibc, 2) {
            // glibc older than every manylinux tag of the architecture: no manylinux.
            return Ok(Platform::manylinux(glibc_minor, arch).unwrap_or(Platform::Linux(arch)));
        }
        if let Some(musl_minor) = version(&answer.musl, 1) {
            return Ok(Platform::Musllinux { musl_minor, arch });
        }
        return Ok(Platform::Linux(arch));
    }
    match sys_platform {
        "darwin" => {
            let arch = match (answer.markers.platform_machine(), is_32bit) {
                ("arm64", false) => MacArch::Arm64,
                ("x86_64", false) => MacArch::X86_64,
                (machine, _) => {
                    return Err(format!(
                        "it is a {}-bit `{machine}` Mac: targets are 64-bit arm64 or x86_64 Macs",
                        answer.pointer_bits
                    ));
                }
            };
            let numbers = release_numbers(&answer.mac_version).unwrap_or_default();
            let part = |at: usize| numbers.get(at).map_or(Some(0), |n| u8::try_from(*n).ok());
            match (part(0), part(1)) {
                (Some(major), Some(minor)) => Platform::macos(major, minor, arch),
                _ => Err(format!("it reports macOS `{}`", answer.mac_version)),
            }
        }
        "win32" => match answer.platform.as_str() {
            "win32" => Ok(Platform::Windows(WindowsArch::X86)),
            "win-amd64" => Ok(Platform::Windows(WindowsArch::Amd64)),
            "win-arm64" => Ok(Platform::Windows(WindowsArch::Arm64)),
            other => Err(format!("it is a Windows whose platform is `{other}`")),
        },
        other => Err(format!(
            "it runs on `{other}`, and targets are Linux, macOS or Windows machines"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer as a Linux CPython 3.12 on x86_64 with glibc 2.31 prints it, with
    /// `edit` applied to its JSON.
    fn answer(edit: impl FnOnce(&mut serde_json::Value)) -> Answer {
        let mut json = serde_json::json!({
            "markers": {
                "implementation_name": "cpython",
                "implementation_version": "3.12.4",
                "os_name": "posix",
                "platform_machine": "x86_64",
                "platform_python_implementation": "CPython",
                "platform_release": "6.1.0-18-amd64",
                "platform_system": "Linux",
                "platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1",
                "python_full_version": "3.12.4",
                "python_version": "3.12",
                "sys_platform": "linux",
            },
            "platform": "linux-x86_64",
            "glibc": "2.31",
            "musl": null,
            "mac_version": "",
            "pointer_bits": 64,
            "free_threaded": false,
        });
        edit(&mut json);
        serde_json::from_value(json).unwrap()
    }

    fn target(edit: impl FnOnce(&mut serde_json::Value)) -> Result<String, String> {
        target_of(answer(edit)).map(|target| target.to_string())
    }

    #[test]
    fn linux_answers() {
        assert_eq!(
            target(|_| {}),
            Ok("CPython 3.12.4 on manylinux_2_31_x86_64".to_owned())
        );
        // Patched glibc versions carry junk after the minor version.
        assert_eq!(
            target(|json| json["glibc"] = "2.20-2014.11".into()),
            Ok("CPython 3.12.4 on manylinux_2_20_x86_64".to_owned())
        );
        assert_eq!(
            target(|json| {
                json["glibc"] = serde_json::Value::Null;
                json["musl"] = "1.2".into();
                json["platform"] = "linux-aarch64".into();
            }),
            Ok("CPython 3.12.4 on musllinux_1_2_aarch64".to_owned())
        );
        // Neither libc found: only `linux_*` wheels.
        assert_eq!(
            target(|json| json["glibc"] = serde_json::Value::Null),
            Ok("CPython 3.12.4 on linux_x86_64".to_owned())
        );
        // A 32-bit interpreter on a 64-bit kernel.
        assert_eq!(
            target(|json| json["pointer_bits"] = 32.into()),
            Ok("CPython 3.12.4 on manylinux_2_31_i686".to_owned())
        );
        assert_eq!(
            target(|json| json["platform"] = "linux-mips".into()),
            Err("its architecture, `mips`, is not one wheels are built for".to_owned())
        );
    }

    #[test]
    fn mac_and_windows_answers() {
        let mac = |version: &'static str, machine: &'static str| {
            target(move |json| {
                json["markers"]["sys_platform"] = "darwin".into();
                json["markers"]["platform_machine"] = machine.into();
                json["platform"] = "macosx-10.9-universal2".into();
                json["mac_version"] = version.into();
            })
        };
        assert_eq!(
            mac("14.5", "arm64"),
            Ok("CPython 3.12.4 on macosx_14_5_arm64".to_owned())
        );
        assert_eq!(
            mac("10.15.7", "x86_64"),
            Ok("CPython 3.12.4 on macosx_10_15_x86_64".to_owned())
        );
        assert!(mac("", "ppc").is_err());
        let windows = |platform: &'static str| {
            target(move |json| {
                json["markers"]["sys_platform"] = "win32".into();
                json["platform"] = platform.into();
            })
        };
        assert_eq!(
            windows("win-amd64"),
            Ok("CPython 3.12.4 on win_amd64".to_owned())
        );
        assert_eq!(windows("win32"), Ok("CPython 3.12.4 on win32".to_owned()));
        assert!(windows("mingw_x86_64").is_err());
    }

    #[test]
    fn interpreters_targets_do_not_cover_are_errors() {
        assert!(target(|json| json["free_threaded"] = true.into()).is_err());
        assert!(target(|json| json["markers"]["implementation_name"] = "graalpy".into()).is_err());
        assert!(target(|json| json["markers"]["sys_platform"] = "freebsd14".into()).is_err());
        assert!(
            target(|json| {
                json["markers"]["python_full_version"] = "2.7.18".into();
            })
            .is_err()
        );
    }

    #[test]
    fn a_missing_interpreter_is_an_error_that_says_so() {
        let error = probe(Path::new("hashlock-no-such-python")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot run `hashlock-no-such-python` to learn the default target: it is not \
             on PATH"
        );
        let error = probe(Path::new("/nonexistent/python3")).unwrap_err();
        assert!(error.to_string().ends_with("no such file"), "{error}");
    }

    #[test]
    fn an_interpreter_that_fails_says_how() {
        // `false` runs, ignores its arguments and exits 1.
        let error = probe(Path::new("false")).unwrap_err();
        assert!(
            error.to_string().contains("it exited with exit status: 1"),
            "{error}"
        );
        // `echo` answers, but not with the probe's JSON.
        let error = probe(Path::new("echo")).unwrap_err();
        assert!(error.to_string().contains("does not read"), "{error}");
    }
}
