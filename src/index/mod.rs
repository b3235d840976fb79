//! Asking a package index which files a pinned version (or every version of a
//! project) has, and their hashes.
//!
//! One module per protocol, each with its wire types: [`json_api`] (PyPI's JSON API,
//! `/pypi/<name>[/<version>]/json`) and [`simple_api`] (the Simple API's PEP 691
//! JSON). [`IndexClient`] holds the strategy: which document to ask first and what a
//! 404 settles. [`http`] is the one HTTP client of a run (timeouts, retries,
//! downloads). What every protocol gives is the same: a [`Release`] of
//! [`DistFile`]s, each checked where it enters (URL resolved, sha256 validated, and
//! its name stating the project and version it is listed under: an index is
//! untrusted, so a file it lists for `attrs==23.1.0` is hashed only if its name says
//! it is a file of attrs 23.1.0; the others are set aside in [`Release::ignored`]).

mod client;
mod find_links;
// The index documents as `crate::fuzzing` drives them.
pub(crate) mod fuzzing;
mod http;
mod indexes;
pub(crate) mod integrity;
mod json_api;
mod memo;
pub(crate) mod metadata;
mod simple_api;
mod simple_html;
mod versions;
mod wheel_ranges;

use std::collections::BTreeSet;

use reqwest::Url;
use serde::Deserialize;

pub use client::IndexClient;
pub(crate) use find_links::FindLinks;
pub(crate) use http::Caching;
pub(crate) use http::HttpClient;
pub use http::{ClientOptions, Credentials, Protocol};
pub use indexes::Strategy;
pub(crate) use indexes::{Found, Indexes, Location};

use crate::digest::Sha256;
use crate::pin::Pin;

/// The releases of a run's pins, shared with the index client's memo of answers
/// (a release of a large project has hundreds of files; copying the 199 of a cold
/// `lock` took a millisecond at its end).
pub(crate) type Releases = std::collections::HashMap<crate::pin::Pin, std::sync::Arc<Release>>;

/// Every distribution file the index publishes for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The project name as the index spells it (the Simple API sends it normalized:
    /// `django` where the JSON API says `Django`).
    pub name: String,
    /// The version as the index spells it (may differ from the pin: `1.0` vs `1.0.0`).
    pub version: String,
    /// Every file of the version pip can install (wheels and sdists), in the
    /// index's order.
    pub files: Vec<DistFile>,
    /// The version's eggs and Windows installers (`.egg`, `.exe`, `.msi`): pip never
    /// installs them, so they are never hashed; a hash of one on a line is not
    /// unknown, only useless (`lock` drops it).
    pub legacy: Vec<DistFile>,
    /// The files the index listed for the version whose names are not a
    /// distribution of this project and version (another project's wheel, another
    /// version's sdist, an `.rpm`): never hashed, and worth a warning. Their names
    /// are the index's text: show them with [`shown_text`].
    pub ignored: Vec<DistFile>,
    /// The project's status (PEP 792: `active`, `archived`, `deprecated`,
    /// `quarantined`) and its reason, when the index says.
    pub status: Option<ProjectStatus>,
}

/// A project's status as the index gives it (PEP 792).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectStatus {
    pub status: String,
    pub reason: Option<String>,
}

impl Release {
    /// The sha256 digests the index publishes for the version's files, sorted.
    pub fn sha256s(&self) -> BTreeSet<Sha256> {
        self.files.iter().filter_map(|f| f.sha256).collect()
    }

    /// The sha256 digests of the version's eggs and installers ([`Release::legacy`]).
    pub fn legacy_sha256s(&self) -> BTreeSet<Sha256> {
        self.legacy.iter().filter_map(|f| f.sha256).collect()
    }

    /// "`pin` is yanked[: reason]" when the whole version is (every file is yanked).
    /// pip still installs a yanked version for an `==` pin, so this is for a warning.
    pub(crate) fn yanked_message(&self, pin: &Pin) -> Option<String> {
        if self.files.is_empty() || !self.files.iter().all(|f| f.yanked.is_some()) {
            return None;
        }
        let reason = self
            .files
            .iter()
            .filter_map(|f| f.yanked.as_deref())
            .find(|r| !r.is_empty());
        Some(match reason {
            Some(reason) => format!("`{pin}` is yanked: {reason}"),
            None => format!("`{pin}` is yanked"),
        })
    }
}

/// One distribution file of a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFile {
    pub filename: String,
    /// Absolute URL (relative URLs from the index are resolved against the document).
    pub url: Url,
    /// The sha256 the index publishes, when it publishes one.
    pub sha256: Option<Sha256>,
    /// `Some(reason)` when the file is yanked (`reason` may be empty).
    pub yanked: Option<String>,
    pub requires_python: Option<String>,
    /// The algorithm of a hash the index publishes instead of a sha256 (`md5`), to
    /// say so when it publishes no sha256.
    pub other_hash: Option<String>,
    /// The size in bytes, when the index says (PEP 700, JSON API `size`).
    pub size: Option<u64>,
    /// When the file was uploaded, as the index writes it (ISO 8601; PEP 700
    /// `upload-time`, JSON API `upload_time_iso_8601`).
    pub upload_time: Option<String>,
    /// Whether the index says it serves the file's metadata at `<url>.metadata`
    /// (PEP 658/714). PyPI serves it for wheels even where a mirror does not say so.
    pub core_metadata: bool,
    /// The URL of the file's provenance (PEP 740), when the index gives one.
    pub provenance: Option<String>,
}

/// Why a lookup failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IndexError {
    #[error("no such package `{package}` on {index}")]
    PackageNotFound { package: String, index: String },
    #[error("`{package}` has no version {version} on {index}")]
    VersionNotFound {
        package: String,
        version: String,
        index: String,
        /// Existing versions closest to the one asked for, best first (at most 5).
        close: Vec<String>,
    },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("could not reach {url}: {message}")]
    Network { url: String, message: String },
    #[error("cannot resolve the host `{host}` of {url}: {message}")]
    Unresolvable {
        url: String,
        host: String,
        message: String,
    },
    /// Silence: nothing arrived for `seconds` (`timeout`).
    #[error("{url} did not answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    /// The request as a whole, retries included, took longer than `deadline`.
    #[error("{url} did not finish within {seconds} s")]
    Deadline { url: String, seconds: u64 },
    /// A 429 or 5xx whose `Retry-After` asks for more than hashlock waits.
    #[error(
        "{url} answered HTTP {status} and asked to retry after {asked} s, longer than hashlock waits ({limit} s)"
    )]
    RetryAfter {
        url: String,
        status: u16,
        asked: u64,
        limit: u64,
    },
    /// A document larger than `max_document_size` once decoded.
    #[error("{url} sent a document larger than {}, the most hashlock reads", shown_size(*.limit))]
    TooLarge { url: String, limit: u64 },
    /// The index listed files for the pin, and none is a file of it.
    #[error(
        "{url} lists no file of `{pin}`: the {} it lists {} another project's or another version's",
        plural(ignored.len(), "file"),
        if ignored.len() == 1 { "is" } else { "are" }
    )]
    NoFiles {
        url: String,
        pin: String,
        /// The files it listed, as shown (see [`shown_text`]).
        ignored: Vec<String>,
    },
    #[error("{url} sent a document hashlock cannot read: {message}")]
    Decode { url: String, message: String },
    /// `--offline`, and the cache does not hold what was asked for.
    #[error("{wanted} is not in hashlock's cache, and `--offline` asks {index} nothing")]
    Offline { wanted: String, index: String },
}

/// What to do about a yanked pin, in every command's words.
pub(crate) const YANKED_HINT: &str =
    "move to a version that is not yanked, unless you need this one";

impl IndexError {
    /// What to do about it. `writes`: the command would have written files (so
    /// "nothing was written" is worth saying).
    pub(crate) fn hint(&self, writes: bool) -> Option<String> {
        let repeat = if writes {
            "; nothing was written, so the run can simply be repeated"
        } else {
            ""
        };
        Some(match self {
            IndexError::PackageNotFound { .. } => {
                "check the name's spelling, or pass `--index-url` for a private index".to_owned()
            }
            IndexError::VersionNotFound { close, .. } if !close.is_empty() => {
                format!("versions that exist: {}", close.join(", "))
            }
            IndexError::VersionNotFound { .. } => "check the version".to_owned(),
            IndexError::Timeout { .. } => format!("retry later, or raise `--timeout`{repeat}"),
            IndexError::Deadline { .. } => format!(
                "retry later, or raise `--deadline` (10 times `--timeout` unless given){repeat}"
            ),
            IndexError::RetryAfter { .. } => format!(
                "the index is rate limiting or down: retry once the time it asked for has passed{repeat}"
            ),
            IndexError::TooLarge { .. } => {
                "if you trust the index and the project is that large, raise `--max-document-size`"
                    .to_owned()
            }
            IndexError::NoFiles { ignored, .. } => {
                const SHOWN: usize = 5;
                let shown: Vec<String> = ignored
                    .iter()
                    .take(SHOWN)
                    .map(|name| format!("`{name}`"))
                    .collect();
                let more = if ignored.len() > SHOWN { ", ..." } else { "" };
                format!(
                    "it lists {}{more}: the index is misconfigured or compromised, do not trust it until it is fixed",
                    shown.join(", ")
                )
            }
            IndexError::Status { status: 401, .. } => {
                "the index wants credentials: put them in the index URL \
                 (`https://user:${TOKEN}@host/simple`, expanded from the environment), or in \
                 `~/.netrc` (or `$NETRC`) for its host"
                    .to_owned()
            }
            IndexError::Status { status: 403, .. } => {
                "the index refused these credentials (or any): check the user, the token and \
                 what it may read"
                    .to_owned()
            }
            IndexError::Offline { .. } => {
                "run once without `--offline` to fill the cache (`hashlock cache dir` shows where it is)"
                    .to_owned()
            }
            IndexError::Unresolvable { host, .. } => {
                format!("check the spelling of `{host}` in the URL, and your network")
            }
            _ => format!("retry later{repeat}"),
        })
    }

    /// Whether the lookup failed because the package or version does not exist (the
    /// input's fault) rather than because the index or network failed.
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(
            self,
            IndexError::PackageNotFound { .. } | IndexError::VersionNotFound { .. }
        )
    }
}

/// `n thing` or `n things`.
fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// A size in bytes as messages show it: whole MiB when it is a number of them.
fn shown_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// `url` as messages show it: without the user name and password it may carry
/// (credentials are never printed).
pub(crate) fn shown_url(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut url = url.clone();
    // Only URLs that cannot have credentials refuse these, and they have none.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// Text an index sent (a file name, a version) as messages show it: control
/// characters escaped, so a hostile name cannot move the cursor or clear the
/// screen, and cut to 100 characters.
pub fn shown_text(text: &str) -> String {
    shown_text_upto(text, 100)
}

/// [`shown_text`], cut to `longest` characters.
fn shown_text_upto(text: &str, longest: usize) -> String {
    let mut shown = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == longest {
            shown.push_str("...");
            break;
        }
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown
}

/// `yanked` as both protocols send it: PyPI's JSON API a bool (the reason apart),
/// PEP 691 a bool or the reason itself.
#[derive(Debug, Clone)]
enum Yanked {
    Flag(bool),
    Reason(String),
}

/// Read without serde's `untagged` (which buffers each value first): every file of a
/// listing has one.
impl<'de> Deserialize<'de> for Yanked {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;

        impl serde::de::Visitor<'_> for Visit {
            type Value = Yanked;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a boolean or the reason a file is yanked")
            }

            fn visit_bool<E>(self, flag: bool) -> Result<Yanked, E> {
                Ok(Yanked::Flag(flag))
            }

            fn visit_str<E>(self, reason: &str) -> Result<Yanked, E> {
                Ok(Yanked::Reason(reason.to_owned()))
            }
        }

        deserializer.deserialize_any(Visit)
    }
}

impl Yanked {
    /// `Some(reason)` when yanked: PEP 691's `true` has no reason (`""`).
    fn reason(&self) -> Option<String> {
        match self {
            Yanked::Flag(true) => Some(String::new()),
            Yanked::Reason(reason) => Some(reason.clone()),
            Yanked::Flag(false) => None,
        }
    }

    fn is_yanked(&self) -> bool {
        !matches!(self, Yanked::Flag(false))
    }
}

/// A file entry of either protocol, as read, before checks.
#[derive(Default)]
struct Published<'a> {
    filename: &'a str,
    url: &'a str,
    sha256: Option<&'a str>,
    /// Another algorithm the index publishes a hash in, when it has no sha256.
    other_hash: Option<&'a str>,
    yanked: Option<String>,
    requires_python: Option<&'a str>,
    size: Option<u64>,
    upload_time: Option<&'a str>,
    core_metadata: bool,
    provenance: Option<&'a str>,
}

impl Published<'_> {
    /// The file as hashlock sees it: its URL resolved against the document's, its
    /// sha256 checked.
    fn into_dist_file(self, document: &Url) -> Result<DistFile, IndexError> {
        let url = document
            .join(self.url)
            .map_err(|error| IndexError::Decode {
                url: shown_url(document),
                message: format!(
                    "file `{}` has a bad URL {:?}: {error}",
                    shown_text(self.filename),
                    shown_text(self.url)
                ),
            })?;
        let sha256 = non_empty(self.sha256)
            .map(|digest| checked_sha256(digest, self.filename, document))
            .transpose()?;
        Ok(DistFile {
            filename: self.filename.to_owned(),
            url,
            sha256,
            yanked: self.yanked,
            requires_python: non_empty(self.requires_python).map(str::to_owned),
            other_hash: self
                .other_hash
                .filter(|_| sha256.is_none())
                .map(str::to_owned),
            size: self.size,
            upload_time: non_empty(self.upload_time).map(str::to_owned),
            core_metadata: self.core_metadata,
            provenance: non_empty(self.provenance).map(str::to_owned),
        })
    }
}

/// A published sha256 goes into the user's file: anything but 64 hex digits is a
/// broken (or hostile) document, never text to write.
fn checked_sha256(digest: &str, filename: &str, document: &Url) -> Result<Sha256, IndexError> {
    digest.parse().map_err(|_| IndexError::Decode {
        url: shown_url(document),
        message: format!(
            "the sha256 of `{}` is not 64 hex digits: {:?}",
            shown_text(filename),
            shown_text(digest)
        ),
    })
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

/// A JSON document's body as `T`; any mismatch is a [`IndexError::Decode`].
fn decode_json<'a, T: Deserialize<'a>>(fetched: &'a http::Fetched) -> Result<T, IndexError> {
    decode_json_at(&fetched.url, &fetched.body)
}

/// [`decode_json`] of `body`, which came from `url`.
fn decode_json_at<'a, T: Deserialize<'a>>(url: &Url, body: &'a [u8]) -> Result<T, IndexError> {
    // serde's messages quote what they did not expect: index text, so shown as such.
    // Checked as UTF-8 once, not string by string (`from_slice` checks each value it
    // keeps); a body that is not UTF-8 is still read as far as `from_slice` can.
    let decoded = match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    };
    decoded.map_err(|error| IndexError::Decode {
        url: shown_url(url),
        message: shown_text_upto(&error.to_string(), 300),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_fit_the_failure() {
        let unresolvable = IndexError::Unresolvable {
            url: "https://pypi.orgg/simple".into(),
            host: "pypi.orgg".into(),
            message: "failed to lookup address information".into(),
        };
        let hint = unresolvable.hint(true).unwrap();
        assert!(
            hint.contains("`pypi.orgg`") && !hint.contains("retry later"),
            "{hint}"
        );
        let refused = IndexError::Network {
            url: "https://host/".into(),
            message: "connection refused".into(),
        };
        assert!(refused.hint(true).unwrap().contains("nothing was written"));
        assert!(!refused.hint(false).unwrap().contains("nothing was written"));
    }
}
