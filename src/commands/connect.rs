//! Connecting to the indexes of a run: the settings decided as pip decides them
//! ([`crate::settings`]), each index's protocol, credentials and transport checked,
//! then one client per location.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use miette::Report;
use reqwest::Url;

use crate::cache::{self, Cache, Refresh};
use crate::cli::{CacheArgs, IndexArgs};
use crate::exit::{Failure, Outcome};
use crate::index::{
    ClientOptions, Credentials, FindLinks, IndexClient, IndexError, Indexes, Location, Protocol,
};
use crate::pin::Pin;
use crate::report;
use crate::requirements::OptionName;
use crate::settings::{self, CommandLine, FileOption, FileOptionKind, Origin, Sourced, pip_conf};
use crate::workspace::Workspace;

use super::lookup::index_report;

/// The indexes of a run, connected. `writes`: the command would write files (for
/// the hints of a failure). `pins`: what the run will look up: an index whose
/// answers about them are all in the cache is not connected to (it connects on
/// first use, if it is used at all).
pub(super) async fn connect(
    args: &IndexArgs,
    workspace: &Workspace,
    writes: bool,
    pins: &[&Pin],
) -> Result<Indexes, Failure> {
    let cache = open_cache(&args.cache)?;
    let failure =
        |error: IndexError| Failure::new(Outcome::IndexFailure, [index_report(&error, writes)]);
    let var = |name: &str| std::env::var(name).ok();
    let conf = pip_conf(&var)?;
    let lines = file_options(workspace);
    let chosen = settings::indexes(&command_line(args), &lines, &var, &conf)
        .map_err(|errors| setting_failure(errors, &lines))?;
    refuse_untrusted_http(&chosen)?;
    warn_overridden_index(args, &lines);
    if args.verbose {
        if let Some(file) = &args.config.file {
            report::line(&format!("configuration {file}"));
        }
        for (url, origin) in chosen
            .index
            .iter()
            .chain(&chosen.extra)
            .map(|s| (&s.value, &s.origin))
        {
            report::line(&format!(
                "index {} (from {origin})",
                crate::index::shown_url(url)
            ));
        }
    }
    let base = ClientOptions {
        timeout: Duration::from_secs(args.timeout),
        deadline: Duration::from_secs(args.deadline_secs()),
        retries: args.retries,
        max_document_size: args.max_document_bytes(),
        ca_bundle: chosen.cert.as_ref().map(|cert| cert.value.clone()),
        ..ClientOptions::default()
    };
    let netrc = Netrc::load(&var);
    let mut locations = Vec::new();
    let indexes = chosen
        .index
        .iter()
        .map(|s| (s, true))
        .chain(chosen.extra.iter().map(|s| (s, false)));
    for (sourced, primary) in indexes {
        let (index_url, protocol) = protocol_of(sourced, primary);
        let options = ClientOptions {
            credentials: Credentials::of(&index_url).or_else(|| netrc.for_url(&index_url)),
            index_url,
            protocol,
            ..base.clone()
        };
        let client = match &cache {
            Some(cache) => {
                let client = IndexClient::cached(options, cache).map_err(failure)?;
                if !client.preload(pins) {
                    client.connect_now().await.map_err(failure)?;
                }
                client
            }
            None => IndexClient::connect(options).await.map_err(failure)?,
        };
        client.expect(pins);
        locations.push(Location::Index(Box::new(client)));
    }
    for sourced in &chosen.find_links {
        let location = match &sourced.value {
            settings::FindLinks::Path(path) => FindLinks::path(path.clone()),
            settings::FindLinks::Url(url) if args.cache.offline => {
                return Err(failure(IndexError::Offline {
                    wanted: "the find-links page".to_owned(),
                    index: crate::index::shown_url(url),
                }));
            }
            settings::FindLinks::Url(url) => {
                let options = ClientOptions {
                    credentials: Credentials::of(url).or_else(|| netrc.for_url(url)),
                    index_url: url.clone(),
                    protocol: Protocol::Simple,
                    ..base.clone()
                };
                FindLinks::page(options).await.map_err(failure)?
            }
        };
        if args.verbose {
            report::line(&format!(
                "find-links {} (from {})",
                location.shown(),
                sourced.origin
            ));
        }
        locations.push(Location::FindLinks(location));
    }
    Ok(Indexes::new(locations, args.index_strategy)
        .with_file_options(base)
        .with_cache(cache))
}

/// The cache the options ask for: none with `--no-cache` (or where the platform has
/// no cache directory and none is given).
fn open_cache(args: &CacheArgs) -> Result<Option<Arc<Cache>>, Failure> {
    let usage = |message: &str, hint: &str| {
        Failure::new(
            Outcome::BadInput,
            [miette::miette!(help = hint.to_owned(), "{message}")],
        )
    };
    if args.no_cache {
        if args.offline {
            return Err(usage(
                "`--offline` answers from the cache, which `--no-cache` turns off",
                "drop one of them (`HASHLOCK_NO_CACHE` is `--no-cache` too)",
            ));
        }
        return Ok(None);
    }
    let Some(root) = cache::location(args.dir.cache_dir.as_deref()) else {
        if args.offline {
            return Err(usage(
                "`--offline` answers from the cache, and this system has no cache directory",
                "name one with `--cache-dir` or `HASHLOCK_CACHE_DIR`",
            ));
        }
        return Ok(None);
    };
    let refresh = if args.refresh {
        Refresh::Everything
    } else if args.refresh_package.is_empty() {
        Refresh::Nothing
    } else {
        Refresh::Packages(args.refresh_package.iter().cloned().collect())
    };
    Ok(Some(Arc::new(Cache::new(root, args.offline, refresh))))
}

/// pip's configuration files, as `pip install` reads them.
pub(super) fn pip_conf(var: &dyn Fn(&str) -> Option<String>) -> Result<pip_conf::PipConf, Failure> {
    let conf_files = pip_conf::files(var, std::env::home_dir().as_deref());
    pip_conf::read(&conf_files)
        .map_err(|error| Failure::new(Outcome::BadInput, [miette::miette!("{error}")]))
}

/// hashlock's own index settings: its command line (and `HASHLOCK_INDEX_URL`), and
/// its configuration file's.
pub(super) fn command_line(args: &IndexArgs) -> CommandLine {
    let origin = if args.config.index_url_from_env {
        Origin::Environment("HASHLOCK_INDEX_URL")
    } else {
        Origin::CommandLine
    };
    CommandLine {
        index_url: args
            .index_url
            .clone()
            .map(|value| Sourced { value, origin }),
        extra_index_urls: args.extra_index_url.clone(),
        find_links: args.find_links.clone(),
        no_index: args.no_index,
        trusted_hosts: args.trusted_host.clone(),
        cert: args.cert.clone(),
        config: args.config.settings.clone(),
    }
}

/// hashlock's `--index-url` wins over a file's `-i` line, but pip, given both, uses
/// the file's (it replaces the command line's): worth a warning at that line.
fn warn_overridden_index(args: &IndexArgs, lines: &[FileOption]) {
    let Some(index_url) = &args.index_url else {
        return;
    };
    let Some(line) = lines
        .iter()
        .rfind(|line| line.kind == FileOptionKind::IndexUrl)
    else {
        return;
    };
    let Some((source, span)) = &line.at else {
        return;
    };
    let located = source
        .warning(span.clone(), format!(
            "pip installs from this index, but hashes come from `{}` as `--index-url` asks",
            crate::index::shown_url(index_url)
        ))
        .label("not asked")
        .hint("pip uses a file's `-i` over its own command line: drop `--index-url`, or make sure both indexes serve the same files");
    report::report(&Report::new(located));
}

/// How an index is asked. pip reads every index URL as a Simple API root; so does
/// hashlock, but for the index of its own `--index-url` (or `HASHLOCK_INDEX_URL`, the
/// configuration file's `index-url`, or the default, PyPI) when
/// the URL does not end in `/simple`: that names a JSON API base (`https://pypi.org`,
/// or a mirror of its `/pypi/` endpoints), asked through its faster JSON API first.
fn protocol_of(sourced: &Sourced<Url>, primary: bool) -> (Url, Protocol) {
    let url = &sourced.value;
    let own = sourced.origin.is_hashlocks();
    let simple_root = url.path().trim_end_matches('/').ends_with("/simple");
    if primary && own && !simple_root {
        (IndexArgs::base_url(url), Protocol::JsonApi)
    } else {
        (url.clone(), Protocol::Simple)
    }
}

/// The index option lines of every file that parsed, values expanded (`${VAR}`).
fn file_options(workspace: &Workspace) -> Vec<FileOption> {
    let mut lines = Vec::new();
    for file in workspace.files.iter().filter(|file| file.is_clean()) {
        let dir = file
            .path
            .parent()
            .map_or_else(PathBuf::new, Path::to_path_buf);
        for (line, opt) in file.parsed.options() {
            let kind = match opt.name {
                OptionName::IndexUrl => FileOptionKind::IndexUrl,
                OptionName::ExtraIndexUrl => FileOptionKind::ExtraIndexUrl,
                OptionName::NoIndex => FileOptionKind::NoIndex,
                OptionName::FindLinks => FileOptionKind::FindLinks,
                OptionName::TrustedHost => FileOptionKind::TrustedHost,
                _ => continue,
            };
            let value = opt
                .value
                .as_ref()
                .map(|(value, _)| value.clone())
                .unwrap_or_default();
            lines.push(FileOption {
                kind,
                value,
                file: file.source.name.clone(),
                line: line.number,
                dir: dir.clone(),
                at: Some((file.source.clone(), opt.span.clone())),
            });
        }
    }
    lines
}

/// The failure of settings that are not what they need to be, each at its file line
/// when it comes from one.
fn setting_failure(errors: Vec<settings::SettingError>, lines: &[FileOption]) -> Failure {
    let reports = errors.into_iter().map(|error| {
        let line = lines.iter().find(|line| {
            matches!(&error.origin, Origin::RequirementsFile { file, line: number } if *file == line.file && *number == line.line)
        });
        match line.and_then(|line| line.at.as_ref()) {
            Some((source, span)) => {
                let written = source.text[span.clone()].to_owned();
                Report::new(
                    source
                        .error(span.clone(), format!("`{written}` is not {}", error.expected))
                        .label("not an index URL")
                        .hint("pip would refuse it too: give an http:// or https:// URL"),
                )
            }
            None => miette::miette!(help = "give an http:// or https:// URL with a host", "{error}"),
        }
    });
    Failure::new(Outcome::BadInput, reports)
}

/// pip refuses a plain `http://` index unless its host is trusted (or is this
/// machine): credentials and hashes could be read or changed on the way.
fn refuse_untrusted_http(chosen: &settings::Indexes) -> Result<(), Failure> {
    let trusted = |url: &Url| {
        let host = url.host_str().unwrap_or_default();
        let with_port = url.port().map(|port| format!("{host}:{port}"));
        chosen
            .trusted_hosts
            .iter()
            .any(|t| t.value == host || Some(&t.value) == with_port.as_ref())
            || is_loopback(host)
    };
    let urls = chosen
        .index
        .iter()
        .chain(&chosen.extra)
        .map(|s| (&s.value, &s.origin))
        .chain(chosen.find_links.iter().filter_map(|s| match &s.value {
            settings::FindLinks::Url(url) => Some((url, &s.origin)),
            settings::FindLinks::Path(_) => None,
        }));
    let refused: Vec<Report> = urls
        .filter(|(url, _)| url.scheme() == "http" && !trusted(url))
        .map(|(url, origin)| {
            let host = url.host_str().unwrap_or_default().to_owned();
            let message = format!(
                "`{}` (from {origin}) is plain http, which pip refuses for a host it does not trust",
                crate::index::shown_url(url)
            );
            let hint = format!(
                "use https; or, if you accept that anyone on the way can change what it serves, pass `--trusted-host {host}` (or put it in the file, as pip reads it there too)"
            );
            miette::miette!(help = hint, "{message}")
        })
        .collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(Outcome::BadInput, refused))
    }
}

/// `localhost`, `127.0.0.0/8` and `::1`: pip's secure origins besides https.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Credentials from `.netrc` (`$NETRC`, else `~/.netrc`), as pip (through requests)
/// reads them: by host, for indexes whose URL carries none.
struct Netrc(Option<netrc::Netrc>);

impl Netrc {
    fn load(var: &dyn Fn(&str) -> Option<String>) -> Netrc {
        let path = var("NETRC")
            .map(PathBuf::from)
            .or_else(|| std::env::home_dir().map(|home| home.join(".netrc")));
        let parsed = path
            .filter(|path| path.is_file())
            .and_then(|path| netrc::Netrc::from_file(&path).ok());
        Netrc(parsed)
    }

    fn for_url(&self, url: &Url) -> Option<Credentials> {
        let netrc = self.0.as_ref()?;
        let host = url.host_str()?;
        let entry = netrc
            .hosts
            .get(host)
            .or_else(|| netrc.hosts.get("default"))?;
        Some(Credentials {
            username: entry.login.clone(),
            password: Some(entry.password.clone()).filter(|p| !p.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_secure_origins() {
        for host in ["localhost", "127.0.0.1", "127.8.9.1", "[::1]"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["example.org", "10.0.0.1", "localhost.example.org"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn the_protocol_follows_the_url_and_where_it_came_from() {
        let sourced = |url: &str, origin: Origin| Sourced {
            value: Url::parse(url).unwrap(),
            origin,
        };
        let (base, protocol) = protocol_of(&sourced("https://pypi.org", Origin::Default), true);
        assert_eq!(
            (base.as_str(), protocol),
            ("https://pypi.org/", Protocol::JsonApi)
        );
        let (root, protocol) = protocol_of(
            &sourced("https://pypi.org/simple", Origin::CommandLine),
            true,
        );
        assert_eq!(
            (root.as_str(), protocol),
            ("https://pypi.org/simple", Protocol::Simple)
        );
        let file = Origin::RequirementsFile {
            file: "r.txt".into(),
            line: 1,
        };
        let (_, protocol) =
            protocol_of(&sourced("https://download.pytorch.org/whl/cpu", file), true);
        assert_eq!(protocol, Protocol::Simple);
        let (_, protocol) = protocol_of(
            &sourced("https://mirror.example", Origin::CommandLine),
            false,
        );
        assert_eq!(
            protocol,
            Protocol::Simple,
            "extra indexes are Simple API roots"
        );
    }
}
