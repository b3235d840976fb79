//! The targets a file was locked for, remembered in a comment header that the next
//! `lock` (and `verify`) reads back:
//!
//! ```text
//! # hashlock targets: --python-version 3.12 --platform manylinux_2_17_x86_64
//! ```
//!
//! The flags are those of `lock`, so the line says how to repeat the run. A default
//! target (the interpreter on `PATH`) is written out as the version and platform it
//! described, since another machine's `python3` is another target.

use super::{Implementation, Target, TargetError};
use crate::cli::TargetArgs;
use crate::requirements::{LineKind, RequirementsFile};

/// What starts the header line.
pub(crate) const PREFIX: &str = "# hashlock targets:";

/// The header's flags for `targets` (`--universal` for the universal matrix).
pub(crate) fn flags(targets: &[Target], universal: bool) -> String {
    if universal {
        return "--universal".to_owned();
    }
    let mut pythons = Vec::new();
    let mut platforms = Vec::new();
    for target in targets {
        if !pythons.contains(&target.python) {
            pythons.push(target.python);
        }
        if !platforms.contains(&target.platform) {
            platforms.push(target.platform);
        }
    }
    let mut words: Vec<String> = Vec::new();
    for python in pythons {
        words.push(format!("--python-version {python}"));
    }
    for platform in platforms {
        words.push(format!("--platform {platform}"));
    }
    if targets
        .first()
        .is_some_and(|t| t.implementation == Implementation::PyPy)
    {
        words.push("--implementation pp".to_owned());
    }
    words.join(" ")
}

/// The header line's index in `file` and its flags, when it has one (the first
/// comment line that starts with [`PREFIX`]).
pub(crate) fn find(file: &RequirementsFile) -> Option<(usize, String)> {
    file.lines.iter().enumerate().find_map(|(index, line)| {
        if !matches!(line.kind, LineKind::Comment) {
            return None;
        }
        let text = file.text[line.span.clone()].trim();
        let flags = text.strip_prefix(PREFIX)?;
        Some((index, flags.trim().to_owned()))
    })
}

/// The target flags of a header line, as [`TargetArgs`].
pub(crate) fn parse(flags: &str) -> Result<TargetArgs, TargetError> {
    let mut args = TargetArgs {
        python_versions: Vec::new(),
        platforms: Vec::new(),
        implementation: None,
        universal: false,
        python: None,
    };
    let bad = |reason: String| TargetError::Header {
        text: flags.to_owned(),
        reason,
    };
    let mut words = flags.split_whitespace();
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_owned())),
            None => (word, None),
        };
        if flag == "--universal" {
            args.universal = true;
            continue;
        }
        let value = match inline.or_else(|| words.next().map(str::to_owned)) {
            Some(value) => value,
            None => return Err(bad(format!("`{flag}` needs a value"))),
        };
        match flag {
            "--python-version" => args.python_versions.push(value.parse()?),
            "--platform" => args.platforms.push(value.parse()?),
            "--implementation" => {
                args.implementation = Some(match value.as_str() {
                    "cp" => Implementation::CPython,
                    "pp" => Implementation::PyPy,
                    other => return Err(bad(format!("`{other}` is not `cp` or `pp`"))),
                });
            }
            other => return Err(bad(format!("`{other}` is not a target flag"))),
        }
    }
    if !args.universal && (args.python_versions.is_empty() || args.platforms.is_empty()) {
        return Err(bad(
            "it needs `--python-version` and `--platform`, or `--universal`".to_owned(),
        ));
    }
    Ok(args)
}

impl TargetArgs {
    /// Whether any flag describes the targets.
    pub(crate) fn given(&self) -> bool {
        self.universal
            || !self.python_versions.is_empty()
            || !self.platforms.is_empty()
            || self.implementation.is_some()
            || self.python.is_some()
    }
}
