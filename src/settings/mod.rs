//! Which indexes a run asks, decided as pip decides them, with where each came from.
//!
//! Precedence, highest first: hashlock's command line (and its `HASHLOCK_*`
//! variables), the requirements files' own option lines (`-i`, `--extra-index-url`,
//! `--no-index`, `-f`, `--trusted-host`), hashlock's configuration file
//! ([`crate::config`]), pip's environment variables (`PIP_INDEX_URL`,
//! `PIP_EXTRA_INDEX_URL`, `PIP_FIND_LINKS`, `PIP_TRUSTED_HOST`, `PIP_NO_INDEX`,
//! `PIP_CERT`), pip's configuration files ([`pip_conf`]), then PyPI.
//!
//! - The index URL is the first one given in that order (the last `-i` line of the
//!   files, as pip reads them in order and each replaces the one before).
//! - Extra index URLs, find-links locations and trusted hosts add up over the command
//!   line, the files, hashlock's configuration, and pip's environment (or, when it
//!   has none, pip's configuration files), as pip's `append` options do.
//! - `--no-index` anywhere leaves only the find-links locations.

pub(crate) mod pip_conf;

use std::fmt;
use std::path::{Path, PathBuf};

use reqwest::Url;

use pip_conf::PipConf;

/// PyPI, asked through its JSON API first when nothing else is configured.
pub(crate) const PYPI: &str = "https://pypi.org";

/// Where a setting came from, for `-v` and for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// hashlock's command line, or a `HASHLOCK_*` variable.
    CommandLine,
    /// A requirements file's option line.
    RequirementsFile { file: String, line: usize },
    /// hashlock's configuration file (the file as shown, the 1-based line).
    Config { file: String, line: usize },
    /// One of pip's environment variables.
    Environment(&'static str),
    /// One of pip's configuration files.
    PipConf(PathBuf),
    /// Nothing configured: PyPI.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine => f.write_str("the command line"),
            Origin::RequirementsFile { file, line } | Origin::Config { file, line } => {
                write!(f, "{file}:{line}")
            }
            Origin::Environment(var) => write!(f, "${var}"),
            Origin::PipConf(path) => write!(f, "{}", path.display()),
            Origin::Default => f.write_str("the default"),
        }
    }
}

impl Origin {
    /// hashlock's own setting (its command line, variables, configuration file or
    /// default), not one it shares with pip.
    pub(crate) fn is_hashlocks(&self) -> bool {
        match self {
            Origin::CommandLine | Origin::Config { .. } | Origin::Default => true,
            Origin::Environment(var) => var.starts_with("HASHLOCK_"),
            Origin::RequirementsFile { .. } | Origin::PipConf(_) => false,
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

/// A `--find-links` location: a local directory (or HTML file) or an HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FindLinks {
    Path(PathBuf),
    Url(Url),
}

/// The indexes and find-links locations of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Indexes {
    /// The index; `None` with `--no-index`.
    pub index: Option<Sourced<Url>>,
    pub extra: Vec<Sourced<Url>>,
    pub find_links: Vec<Sourced<FindLinks>>,
    /// Hosts (`host` or `host:port`) that may be reached over plain `http://`.
    pub trusted_hosts: Vec<Sourced<String>>,
    /// A CA bundle to trust besides the system's.
    pub cert: Option<Sourced<PathBuf>>,
}

/// hashlock's own options: its command line, and its configuration file's.
#[derive(Debug, Clone, Default)]
pub(crate) struct CommandLine {
    /// `--index-url` (or `HASHLOCK_INDEX_URL`, which is its origin then).
    pub index_url: Option<Sourced<Url>>,
    pub extra_index_urls: Vec<Url>,
    pub find_links: Vec<String>,
    pub no_index: bool,
    pub trusted_hosts: Vec<String>,
    pub cert: Option<PathBuf>,
    /// The configuration file's index settings.
    pub config: ConfigFile,
}

/// The index settings of hashlock's configuration file, its relative paths already
/// made relative to the current directory.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfigFile {
    pub index_url: Option<Sourced<String>>,
    pub extra_index_urls: Vec<Sourced<String>>,
    pub find_links: Vec<Sourced<String>>,
    pub no_index: Option<Sourced<bool>>,
    pub trusted_hosts: Vec<Sourced<String>>,
    pub cert: Option<Sourced<PathBuf>>,
}

/// An index option line of a requirements file, its value already expanded (`${VAR}`).
#[derive(Debug, Clone)]
pub(crate) struct FileOption {
    pub kind: FileOptionKind,
    pub value: String,
    /// The file as shown, and the 1-based line.
    pub file: String,
    pub line: usize,
    /// The directory of the file, for relative `-f` paths.
    pub dir: PathBuf,
    /// The file and the option's span in it, to point errors at.
    pub at: Option<(crate::diagnostics::Source, crate::requirements::Span)>,
}

/// The index options of a requirements file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileOptionKind {
    IndexUrl,
    ExtraIndexUrl,
    NoIndex,
    FindLinks,
    TrustedHost,
}

/// A value that is not what its setting needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` from {origin} is not {expected}")]
pub(crate) struct SettingError {
    pub value: String,
    pub origin: Origin,
    pub expected: &'static str,
    /// The file line, when the value is one (to point at it).
    pub line: Option<(String, usize)>,
}

/// Decides the indexes of a run; `var` reads the environment.
pub(crate) fn indexes(
    cli: &CommandLine,
    lines: &[FileOption],
    var: &dyn Fn(&str) -> Option<String>,
    conf: &PipConf,
) -> Result<Indexes, Vec<SettingError>> {
    let mut errors = Vec::new();
    let mut url = |value: &str, origin: Origin| match parse_url(value) {
        Some(url) => Some(Sourced { value: url, origin }),
        None => {
            let line = match &origin {
                Origin::RequirementsFile { file, line } => Some((file.clone(), *line)),
                _ => None,
            };
            errors.push(SettingError {
                value: value.to_owned(),
                origin,
                expected: "an http:// or https:// URL with a host",
                line,
            });
            None
        }
    };
    let origin_of = |line: &FileOption| Origin::RequirementsFile {
        file: line.file.clone(),
        line: line.line,
    };
    let of_kind = |kind| lines.iter().filter(move |line| line.kind == kind);

    // The index: the first place that names one.
    let config = &cli.config;
    let index = if let Some(index_url) = &cli.index_url {
        Some(index_url.clone())
    } else if let Some(line) = of_kind(FileOptionKind::IndexUrl).next_back() {
        url(&line.value, origin_of(line))
    } else if let Some(value) = &config.index_url {
        url(&value.value, value.origin.clone())
    } else if let Some(value) = var("PIP_INDEX_URL").filter(|v| !v.is_empty()) {
        url(&value, Origin::Environment("PIP_INDEX_URL"))
    } else if let Some(value) = conf.get("index-url") {
        url(&value.value, Origin::PipConf(value.file.clone()))
    } else {
        Some(Sourced {
            value: Url::parse(PYPI).expect("a valid URL"),
            origin: Origin::Default,
        })
    };

    let mut extra = Vec::new();
    for value in &cli.extra_index_urls {
        extra.push(Sourced {
            value: value.clone(),
            origin: Origin::CommandLine,
        });
    }
    for line in of_kind(FileOptionKind::ExtraIndexUrl) {
        extra.extend(url(&line.value, origin_of(line)));
    }
    for value in &config.extra_index_urls {
        extra.extend(url(&value.value, value.origin.clone()));
    }
    for (value, origin) in appended(var, conf, "PIP_EXTRA_INDEX_URL", "extra-index-url") {
        extra.extend(url(&value, origin));
    }

    let mut find_links = Vec::new();
    for value in &cli.find_links {
        find_links.push(Sourced {
            value: find_links_location(value, None),
            origin: Origin::CommandLine,
        });
    }
    for line in of_kind(FileOptionKind::FindLinks) {
        find_links.push(Sourced {
            value: find_links_location(&line.value, Some(&line.dir)),
            origin: origin_of(line),
        });
    }
    for value in &config.find_links {
        find_links.push(Sourced {
            value: find_links_location(&value.value, None),
            origin: value.origin.clone(),
        });
    }
    for (value, origin) in appended(var, conf, "PIP_FIND_LINKS", "find-links") {
        find_links.push(Sourced {
            value: find_links_location(&value, None),
            origin,
        });
    }

    let mut trusted_hosts: Vec<Sourced<String>> = cli
        .trusted_hosts
        .iter()
        .map(|host| Sourced {
            value: host.clone(),
            origin: Origin::CommandLine,
        })
        .collect();
    trusted_hosts.extend(of_kind(FileOptionKind::TrustedHost).map(|line| Sourced {
        value: line.value.clone(),
        origin: origin_of(line),
    }));
    trusted_hosts.extend(config.trusted_hosts.iter().cloned());
    trusted_hosts.extend(
        appended(var, conf, "PIP_TRUSTED_HOST", "trusted-host")
            .into_iter()
            .map(|(value, origin)| Sourced { value, origin }),
    );

    let no_index = cli.no_index
        || of_kind(FileOptionKind::NoIndex).next().is_some()
        || config
            .no_index
            .as_ref()
            .is_some_and(|no_index| no_index.value)
        || var("PIP_NO_INDEX").is_some_and(|v| truthy(&v))
        || conf.get("no-index").is_some_and(|v| truthy(&v.value));

    let cert = cli
        .cert
        .clone()
        .map(|value| Sourced {
            value,
            origin: Origin::CommandLine,
        })
        .or_else(|| config.cert.clone())
        .or_else(|| env_path(var, "PIP_CERT"))
        .or_else(|| {
            conf.get("cert").map(|value| Sourced {
                value: PathBuf::from(&value.value),
                origin: Origin::PipConf(value.file.clone()),
            })
        })
        .or_else(|| env_path(var, "REQUESTS_CA_BUNDLE"))
        .or_else(|| env_path(var, "SSL_CERT_FILE"));

    if !errors.is_empty() {
        return Err(errors);
    }
    let (index, extra) = if no_index {
        (None, Vec::new())
    } else {
        (index, extra)
    };
    Ok(Indexes {
        index,
        extra,
        find_links,
        trusted_hosts,
        cert,
    })
}

/// An `append` option's values from the environment, or when it has none, from the
/// configuration files (pip's override order: the variable replaces the file's).
fn appended(
    var: &dyn Fn(&str) -> Option<String>,
    conf: &PipConf,
    env: &'static str,
    key: &str,
) -> Vec<(String, Origin)> {
    match var(env).filter(|value| !value.trim().is_empty()) {
        Some(value) => value
            .split_whitespace()
            .map(|item| (item.to_owned(), Origin::Environment(env)))
            .collect(),
        None => conf
            .list(key)
            .into_iter()
            .map(|(item, file)| (item, Origin::PipConf(file)))
            .collect(),
    }
}

fn env_path(var: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Option<Sourced<PathBuf>> {
    var(name).filter(|v| !v.is_empty()).map(|value| Sourced {
        value: PathBuf::from(value),
        origin: Origin::Environment(name),
    })
}

/// pip's `strtobool`: `1`, `true`, `yes`, `on` (any case).
pub(crate) fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on" | "y" | "t"
    )
}

/// An index URL: http(s) with a host.
fn parse_url(value: &str) -> Option<Url> {
    let url = Url::parse(value.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// A find-links value: a URL (`http(s)://`, `file://`), or a path, relative to the
/// requirements file's directory when it exists there (pip's rule), else as given.
fn find_links_location(value: &str, dir: Option<&Path>) -> FindLinks {
    if let Ok(url) = Url::parse(value) {
        if url.scheme() == "file"
            && let Ok(path) = url.to_file_path()
        {
            return FindLinks::Path(path);
        }
        if matches!(url.scheme(), "http" | "https") {
            return FindLinks::Url(url);
        }
    }
    let expanded = match value.strip_prefix("~/") {
        Some(rest) => std::env::home_dir().map_or_else(|| PathBuf::from(value), |h| h.join(rest)),
        None => PathBuf::from(value),
    };
    match dir.map(|dir| dir.join(&expanded)) {
        Some(relative) if relative.exists() => FindLinks::Path(relative),
        _ => FindLinks::Path(expanded),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use pip_conf::ConfValue;
    use pip_conf::tests::env;

    fn line(kind: FileOptionKind, value: &str, number: usize) -> FileOption {
        FileOption {
            kind,
            value: value.to_owned(),
            file: "requirements.txt".to_owned(),
            line: number,
            dir: PathBuf::from("."),
            at: None,
        }
    }

    fn conf(pairs: &[(&str, &str)]) -> PipConf {
        let values: BTreeMap<String, ConfValue> = pairs
            .iter()
            .map(|(k, v)| {
                let value = ConfValue {
                    value: (*v).to_owned(),
                    file: PathBuf::from("/etc/pip.conf"),
                };
                ((*k).to_owned(), value)
            })
            .collect();
        PipConf { values }
    }

    fn index_of(
        cli: &CommandLine,
        lines: &[FileOption],
        var: &[(&str, &str)],
        conf: &PipConf,
    ) -> (String, Origin) {
        let indexes = indexes(cli, lines, &env(var), conf).unwrap();
        let index = indexes.index.unwrap();
        (index.value.to_string(), index.origin)
    }

    #[test]
    fn the_index_comes_from_the_first_place_that_names_one() {
        let file = [line(
            FileOptionKind::IndexUrl,
            "https://file.example/simple",
            1,
        )];
        let var = [("PIP_INDEX_URL", "https://env.example/simple")];
        let conf = conf(&[("index-url", "https://conf.example/simple")]);
        let cli = CommandLine {
            index_url: Some(Sourced {
                value: Url::parse("https://cli.example/simple").unwrap(),
                origin: Origin::CommandLine,
            }),
            ..CommandLine::default()
        };
        assert_eq!(index_of(&cli, &file, &var, &conf).1, Origin::CommandLine);
        let none = CommandLine::default();
        assert_eq!(
            index_of(&none, &file, &var, &conf),
            (
                "https://file.example/simple".to_owned(),
                Origin::RequirementsFile {
                    file: "requirements.txt".into(),
                    line: 1
                }
            )
        );
        assert_eq!(
            index_of(&none, &[], &var, &conf).1,
            Origin::Environment("PIP_INDEX_URL")
        );
        assert_eq!(
            index_of(&none, &[], &[], &conf).1,
            Origin::PipConf(PathBuf::from("/etc/pip.conf"))
        );
        assert_eq!(
            index_of(&none, &[], &[], &PipConf::default()),
            ("https://pypi.org/".to_owned(), Origin::Default)
        );
    }

    #[test]
    fn the_config_file_ranks_below_the_files_lines_and_above_pip() {
        let at = |line| Origin::Config {
            file: "hashlock.toml".into(),
            line,
        };
        let sourced = |value: &str, line| Sourced {
            value: value.to_owned(),
            origin: at(line),
        };
        let cli = CommandLine {
            config: ConfigFile {
                index_url: Some(sourced("https://config.example/simple", 1)),
                extra_index_urls: vec![sourced("https://config-extra.example/simple", 2)],
                cert: Some(Sourced {
                    value: PathBuf::from("/config.pem"),
                    origin: at(3),
                }),
                ..ConfigFile::default()
            },
            ..CommandLine::default()
        };
        let file = [line(
            FileOptionKind::IndexUrl,
            "https://file.example/simple",
            1,
        )];
        let var = [
            ("PIP_INDEX_URL", "https://env.example/simple"),
            ("PIP_EXTRA_INDEX_URL", "https://env-extra.example/simple"),
            ("PIP_CERT", "/pip.pem"),
        ];
        assert_eq!(
            index_of(&cli, &file, &var, &PipConf::default()).0,
            "https://file.example/simple"
        );
        let found = indexes(&cli, &[], &env(&var), &PipConf::default()).unwrap();
        assert_eq!(found.index.unwrap().origin, at(1));
        let extra: Vec<String> = found.extra.iter().map(|e| e.value.to_string()).collect();
        assert_eq!(
            extra,
            [
                "https://config-extra.example/simple",
                "https://env-extra.example/simple"
            ]
        );
        assert_eq!(found.cert.unwrap().value, PathBuf::from("/config.pem"));
    }

    #[test]
    fn the_last_index_line_of_the_files_wins() {
        let lines = [
            line(FileOptionKind::IndexUrl, "https://a.example/simple", 1),
            line(FileOptionKind::IndexUrl, "https://b.example/simple", 7),
        ];
        let (url, _) = index_of(&CommandLine::default(), &lines, &[], &PipConf::default());
        assert_eq!(url, "https://b.example/simple");
    }

    #[test]
    fn extra_indexes_add_up_and_the_environment_replaces_the_config() {
        let cli = CommandLine {
            extra_index_urls: vec![Url::parse("https://cli.example/simple").unwrap()],
            ..CommandLine::default()
        };
        let lines = [line(
            FileOptionKind::ExtraIndexUrl,
            "https://file.example/simple",
            2,
        )];
        let conf = conf(&[("extra-index-url", "https://conf.example/simple")]);
        let found = |var: &[(&str, &str)]| -> Vec<String> {
            indexes(&cli, &lines, &env(var), &conf)
                .unwrap()
                .extra
                .iter()
                .map(|e| e.value.to_string())
                .collect()
        };
        assert_eq!(
            found(&[]),
            [
                "https://cli.example/simple",
                "https://file.example/simple",
                "https://conf.example/simple"
            ]
        );
        assert_eq!(
            found(&[(
                "PIP_EXTRA_INDEX_URL",
                "https://e1.example/simple https://e2.example/simple"
            )]),
            [
                "https://cli.example/simple",
                "https://file.example/simple",
                "https://e1.example/simple",
                "https://e2.example/simple"
            ]
        );
    }

    #[test]
    fn no_index_leaves_only_find_links() {
        let lines = [
            line(FileOptionKind::NoIndex, "", 1),
            line(FileOptionKind::FindLinks, "https://wheels.example/", 2),
            line(FileOptionKind::ExtraIndexUrl, "https://x.example/simple", 3),
        ];
        let found = indexes(
            &CommandLine::default(),
            &lines,
            &env(&[]),
            &PipConf::default(),
        )
        .unwrap();
        assert_eq!(found.index, None);
        assert!(found.extra.is_empty());
        assert_eq!(
            found.find_links[0].value,
            FindLinks::Url(Url::parse("https://wheels.example/").unwrap())
        );
        let env_no_index = indexes(
            &CommandLine::default(),
            &[],
            &env(&[("PIP_NO_INDEX", "yes")]),
            &PipConf::default(),
        )
        .unwrap();
        assert_eq!(env_no_index.index, None);
    }

    #[test]
    fn find_links_paths_are_relative_to_their_file_when_they_exist_there() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("wheels")).unwrap();
        let mut option = line(FileOptionKind::FindLinks, "wheels", 1);
        option.dir = dir.path().to_path_buf();
        let found = indexes(
            &CommandLine::default(),
            &[option],
            &env(&[]),
            &PipConf::default(),
        )
        .unwrap();
        assert_eq!(
            found.find_links[0].value,
            FindLinks::Path(dir.path().join("wheels"))
        );
    }

    #[test]
    fn bad_urls_are_errors_naming_where_they_came_from() {
        let lines = [line(FileOptionKind::IndexUrl, "not a url", 4)];
        let errors = indexes(
            &CommandLine::default(),
            &lines,
            &env(&[]),
            &PipConf::default(),
        )
        .unwrap_err();
        assert_eq!(errors[0].line, Some(("requirements.txt".to_owned(), 4)));
        let errors = indexes(
            &CommandLine::default(),
            &[],
            &env(&[("PIP_INDEX_URL", "ftp://host/simple")]),
            &PipConf::default(),
        )
        .unwrap_err();
        assert_eq!(errors[0].origin, Origin::Environment("PIP_INDEX_URL"));
    }

    #[test]
    fn the_ca_bundle_follows_pip_then_requests_then_openssl() {
        let found = |var: &[(&str, &str)], conf: &PipConf| {
            indexes(&CommandLine::default(), &[], &env(var), conf)
                .unwrap()
                .cert
                .map(|c| (c.value, c.origin))
        };
        let all = [
            ("PIP_CERT", "/pip.pem"),
            ("REQUESTS_CA_BUNDLE", "/requests.pem"),
            ("SSL_CERT_FILE", "/ssl.pem"),
        ];
        assert_eq!(
            found(&all, &PipConf::default()),
            Some((PathBuf::from("/pip.pem"), Origin::Environment("PIP_CERT")))
        );
        assert_eq!(
            found(&all[1..], &conf(&[("cert", "/conf.pem")])),
            Some((
                PathBuf::from("/conf.pem"),
                Origin::PipConf(PathBuf::from("/etc/pip.conf"))
            ))
        );
        assert_eq!(
            found(&all[2..], &PipConf::default()),
            Some((
                PathBuf::from("/ssl.pem"),
                Origin::Environment("SSL_CERT_FILE")
            ))
        );
    }
}
