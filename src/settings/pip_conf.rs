//! pip's configuration files, read as pip 26 reads them for `pip install`.
//!
//! Files (`pip._internal.configuration`), later ones overriding earlier ones:
//! 1. global: `pip.conf` in each of `$XDG_CONFIG_DIRS` (default `/etc/xdg`) under
//!    `pip/`, then `/etc/pip.conf`;
//! 2. user: `~/.pip/pip.conf` (legacy), then `$XDG_CONFIG_HOME/pip/pip.conf`
//!    (default `~/.config/pip/pip.conf`), skipped when `PIP_CONFIG_FILE` names a
//!    file that exists;
//! 3. site: `$VIRTUAL_ENV/pip.conf` when a virtual environment is active;
//! 4. `PIP_CONFIG_FILE`; naming `os.devnull` (`/dev/null`) turns every file off.
//!
//! In each file `[global]` applies to every command and `[install]` overrides it.
//! Keys are normalized as pip does: lowercase, `_` as `-`, no leading `--`. A value
//! may continue on indented lines (lists: `extra-index-url`, `find-links`,
//! `trusted-host` are split on whitespace). `${VAR}` is not expanded here: pip does
//! not expand it in configuration files either.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `os.devnull`: as `PIP_CONFIG_FILE`, no configuration file at all.
const DEVNULL: &str = if cfg!(windows) { "nul" } else { "/dev/null" };

/// A value of a configuration file and the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfValue {
    pub value: String,
    pub file: PathBuf,
}

/// The effective `pip install` settings of pip's configuration files: key to value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PipConf {
    pub values: BTreeMap<String, ConfValue>,
}

/// Where to look, given the environment (`var`) and the home directory.
pub(crate) fn files(var: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if var("PIP_CONFIG_FILE").is_some_and(|file| Path::new(&file) == Path::new(DEVNULL)) {
        return files;
    }
    let config_dirs = var("XDG_CONFIG_DIRS")
        .filter(|dirs| !dirs.is_empty())
        .unwrap_or_else(|| "/etc/xdg".to_owned());
    for dir in config_dirs.split(':').filter(|dir| !dir.is_empty()) {
        files.push(Path::new(dir).join("pip").join("pip.conf"));
    }
    files.push(PathBuf::from("/etc/pip.conf"));
    let env_file = var("PIP_CONFIG_FILE").map(PathBuf::from);
    let env_file_exists = env_file.as_ref().is_some_and(|file| file.exists());
    if !env_file_exists {
        if let Some(home) = home {
            files.push(home.join(".pip").join("pip.conf"));
        }
        let config_home = var("XDG_CONFIG_HOME")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.map(|home| home.join(".config")));
        if let Some(config_home) = config_home {
            files.push(config_home.join("pip").join("pip.conf"));
        }
    }
    if let Some(venv) = var("VIRTUAL_ENV").filter(|dir| !dir.is_empty()) {
        files.push(Path::new(&venv).join("pip.conf"));
    }
    files.extend(env_file);
    files
}

/// Why a configuration file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read pip's configuration file {}: {message}", .file.display())]
pub(crate) struct ConfError {
    pub file: PathBuf,
    pub message: String,
}

/// Reads `files` in order (missing ones are skipped, as pip skips them), later values
/// overriding earlier ones, `[install]` overriding `[global]` within a file.
pub(crate) fn read(files: &[PathBuf]) -> Result<PipConf, ConfError> {
    let mut conf = PipConf::default();
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) if file.is_dir() => {
                // pip skips what is not a file too.
                let _ = error;
                continue;
            }
            Err(error) => {
                return Err(ConfError {
                    file: file.clone(),
                    message: error.to_string(),
                });
            }
        };
        for (key, value) in parse(&text).map_err(|message| ConfError {
            file: file.clone(),
            message,
        })? {
            let value = ConfValue {
                value,
                file: file.clone(),
            };
            conf.values.insert(key, value);
        }
    }
    Ok(conf)
}

/// The `[global]` values of one file, overridden by its `[install]` values.
fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut defaults = configparser::ini::Ini::new().defaults();
    defaults.multiline = true;
    defaults.comment_symbols = vec!['#', ';'];
    let mut ini = configparser::ini::Ini::new_from_defaults(defaults);
    let sections = ini.read(text.to_owned())?;
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for section in ["global", "install"] {
        for (key, value) in sections.get(section).into_iter().flatten() {
            let Some(value) = value else { continue };
            values.insert(normalize_key(key), value.trim().to_owned());
        }
    }
    Ok(values.into_iter().collect())
}

/// pip's `_normalize_name`: lowercase, `_` as `-`, no leading `--`.
fn normalize_key(key: &str) -> String {
    let key = key.to_lowercase().replace('_', "-");
    key.strip_prefix("--").unwrap_or(&key).to_owned()
}

impl PipConf {
    /// A single value.
    pub(crate) fn get(&self, key: &str) -> Option<&ConfValue> {
        self.values.get(key)
    }

    /// A list value, split on whitespace as pip splits `append` options.
    pub(crate) fn list(&self, key: &str) -> Vec<(String, PathBuf)> {
        self.get(key).map_or_else(Vec::new, |value| {
            value
                .value
                .split_whitespace()
                .map(|item| (item.to_owned(), value.file.clone()))
                .collect()
        })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::HashMap;

    use super::*;

    /// An environment of `pairs`, as the readers take it (also for `settings`' tests).
    pub(in crate::settings) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key: &str| map.get(key).cloned()
    }

    #[test]
    fn files_are_read_in_pips_order() {
        let home = Path::new("/home/u");
        let found = files(&env(&[("VIRTUAL_ENV", "/venv")]), Some(home));
        let shown: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            shown,
            [
                "/etc/xdg/pip/pip.conf",
                "/etc/pip.conf",
                "/home/u/.pip/pip.conf",
                "/home/u/.config/pip/pip.conf",
                "/venv/pip.conf",
            ]
        );
    }

    #[test]
    fn pip_config_file_devnull_turns_every_file_off() {
        let found = files(
            &env(&[("PIP_CONFIG_FILE", DEVNULL)]),
            Some(Path::new("/home/u")),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn an_existing_pip_config_file_replaces_the_users_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pip.conf");
        std::fs::write(&file, "").unwrap();
        let pairs = [
            ("PIP_CONFIG_FILE", file.to_str().unwrap()),
            ("XDG_CONFIG_DIRS", "/a:/b"),
            ("XDG_CONFIG_HOME", "/xdg"),
        ];
        let var = env(&pairs);
        let found = files(&var, Some(Path::new("/home/u")));
        assert_eq!(
            found,
            [
                PathBuf::from("/a/pip/pip.conf"),
                PathBuf::from("/b/pip/pip.conf"),
                PathBuf::from("/etc/pip.conf"),
                file.clone(),
            ]
        );
        // Named but missing: the user's files are read, and it is skipped.
        let var = env(&[("PIP_CONFIG_FILE", "/nowhere/pip.conf")]);
        let found = files(&var, Some(Path::new("/home/u")));
        assert!(found.contains(&PathBuf::from("/home/u/.config/pip/pip.conf")));
    }

    #[test]
    fn install_overrides_global_and_later_files_override_earlier_ones() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.conf");
        let second = dir.path().join("second.conf");
        std::fs::write(
            &first,
            "[global]\nindex-url = https://global.example/simple\ntrusted_host = a b\n\n[install]\n--Index-URL: https://install.example/simple\n",
        )
        .unwrap();
        std::fs::write(
            &second,
            "# a comment\n[global]\nextra-index-url =\n    https://one.example/simple\n    https://two.example/simple\n[freeze]\nindex-url = https://freeze.example/simple\n",
        )
        .unwrap();
        let conf = read(&[
            first.clone(),
            dir.path().join("missing.conf"),
            second.clone(),
        ])
        .unwrap();
        let index = conf.get("index-url").unwrap();
        assert_eq!(
            (index.value.as_str(), &index.file),
            ("https://install.example/simple", &first)
        );
        let extras: Vec<String> = conf
            .list("extra-index-url")
            .into_iter()
            .map(|(url, _)| url)
            .collect();
        assert_eq!(
            extras,
            ["https://one.example/simple", "https://two.example/simple"]
        );
        assert_eq!(conf.list("trusted-host").len(), 2);
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pip.conf");
        std::fs::write(
            &file,
            "index-url = https://nosection.example/simple\n[global\n",
        )
        .unwrap();
        let error = read(std::slice::from_ref(&file)).unwrap_err();
        assert_eq!(error.file, file);
    }
}
