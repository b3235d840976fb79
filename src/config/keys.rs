//! The keys of hashlock's configuration file: one line each in [`KEYS`].
//!
//! A key is the long name of the flag it gives a default to (`concurrency` is
//! `--concurrency`), so it applies to every subcommand that has that flag, is checked
//! by that flag's own value parser, and loses to the flag and to its `HASHLOCK_*`
//! variable. Index settings instead join the ranking of [`crate::settings`], below
//! the requirements files' own option lines.
//!
//! To make a new flag configurable, add one line below: `flag("min-age",
//! Kind::String)`. Lists (a repeatable flag) are `Kind::Strings`, or `Kind::Paths`
//! when relative paths are relative to the configuration file.

/// The TOML type a key takes, and what its value means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Integer,
    String,
    /// A path, relative to the configuration file's directory.
    Path,
    /// An array of strings.
    Strings,
    /// An array of paths (relative to the configuration file's directory) or URLs.
    Paths,
    /// One of these strings.
    Choice(&'static [&'static str]),
}

impl Kind {
    /// What the key takes, for messages: `an integer`.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Kind::Bool => "a boolean (`true` or `false`)",
            Kind::Integer => "an integer",
            Kind::String | Kind::Choice(_) => "a string",
            Kind::Path => "a path (a string)",
            Kind::Strings => "an array of strings",
            Kind::Paths => "an array of paths or URLs (strings)",
        }
    }

    pub(crate) fn is_list(self) -> bool {
        matches!(self, Kind::Strings | Kind::Paths)
    }
}

/// Where a key's value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layer {
    /// The default of the flag named like the key, in every subcommand that has it.
    Flag,
    /// An index setting, ranked with the requirements files' lines and pip's own
    /// configuration ([`crate::settings::indexes`]).
    Index,
    /// A [`Kind::Choice`]: each choice sets the flag it names (none for the first),
    /// `peep = "only"` is `--peep-only`.
    Flags(&'static [Option<&'static str>]),
    /// The user cache directory, below `--cache-dir` and `HASHLOCK_CACHE_DIR`
    /// ([`crate::log::cache_dir`], which `cache::location` falls back to).
    CacheDir,
}

/// A configuration key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Key {
    /// The key as written in the file, kebab-case, and the long flag it stands for.
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) layer: Layer,
}

const fn flag(name: &'static str, kind: Kind) -> Key {
    Key {
        name,
        kind,
        layer: Layer::Flag,
    }
}

const fn index(name: &'static str, kind: Kind) -> Key {
    Key {
        name,
        kind,
        layer: Layer::Index,
    }
}

/// Every key, in the order `hashlock config` lists them.
pub(crate) const KEYS: &[Key] = &[
    index("index-url", Kind::String),
    index("extra-index-url", Kind::Strings),
    index("find-links", Kind::Paths),
    index("no-index", Kind::Bool),
    index("trusted-host", Kind::Strings),
    index("cert", Kind::Path),
    flag("index-strategy", Kind::String),
    flag("concurrency", Kind::Integer),
    flag("timeout", Kind::Integer),
    flag("deadline", Kind::Integer),
    flag("retries", Kind::Integer),
    flag("max-document-size", Kind::Integer),
    flag("download", Kind::Bool),
    flag("download-concurrency", Kind::Integer),
    flag("strict", Kind::Bool),
    flag("allow-unpinned", Kind::Bool),
    flag("deny-yanked", Kind::Bool),
    flag("cross-check", Kind::String),
    flag("min-age", Kind::String),
    flag("min-age-missing", Kind::String),
    flag("pre", Kind::Bool),
    flag("annotate", Kind::Bool),
    flag("provenance", Kind::Bool),
    Key {
        name: "peep",
        kind: Kind::Choice(&["off", "also", "only"]),
        layer: Layer::Flags(&[None, Some("peep"), Some("peep-only")]),
    },
    flag("python-version", Kind::Strings),
    flag("platform", Kind::Strings),
    flag("implementation", Kind::String),
    flag("no-deps", Kind::Bool),
    flag("only-binary", Kind::Strings),
    flag("no-binary", Kind::Strings),
    flag("log-file", Kind::Path),
    flag("no-log", Kind::Bool),
    Key {
        name: "cache-dir",
        kind: Kind::Path,
        layer: Layer::CacheDir,
    },
];

/// The key named `name`.
pub(crate) fn find(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.name == name)
}

/// The known key closest to an unknown `name` (`index_url`, `indexurl`), if one is
/// close enough to be what was meant.
pub(crate) fn closest(name: &str) -> Option<&'static Key> {
    let normalized = name.trim().to_ascii_lowercase().replace('_', "-");
    if let Some(key) = find(&normalized) {
        return Some(key);
    }
    KEYS.iter()
        .map(|key| (strsim::jaro_winkler(&normalized, key.name), key))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, key)| key)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    /// Each key's flag exists in some subcommand (a renamed flag would otherwise
    /// leave its key without effect), and a choice names one flag per value.
    #[test]
    fn every_key_names_a_flag() {
        let cli = Cli::command();
        let has = |long: &str| {
            cli.get_subcommands()
                .any(|sub| sub.get_arguments().any(|arg| arg.get_long() == Some(long)))
        };
        for key in KEYS {
            match key.layer {
                Layer::Flag | Layer::Index => assert!(has(key.name), "{}", key.name),
                // `--cache-dir` reads it through `cache::location` (and the log,
                // which has no flag, through `log::cache_dir`).
                Layer::CacheDir => assert!(has(key.name), "{}", key.name),
                Layer::Flags(flags) => {
                    let Kind::Choice(choices) = key.kind else {
                        panic!("{} sets flags but is not a choice", key.name)
                    };
                    assert_eq!(choices.len(), flags.len(), "{}", key.name);
                    for flag in flags.iter().flatten() {
                        assert!(has(flag), "{flag}");
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_keys_get_the_key_they_resemble() {
        assert_eq!(closest("index_url").map(|k| k.name), Some("index-url"));
        assert_eq!(closest("concurency").map(|k| k.name), Some("concurrency"));
        assert_eq!(
            closest("extra-index-urls").map(|k| k.name),
            Some("extra-index-url")
        );
        assert_eq!(closest("colour"), None);
    }
}
