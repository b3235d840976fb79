//! Asking a package index which files a pinned version (or every version of a
//! project) has, and their hashes.
//!
//! One module per protocol, each with its wire types: [`json_api`] (PyPI's JSON API,
//! `/pypi/<name>[/<version>]/json`) and [`simple_api`] (the Simple API's PEP 691
//! JSON). [`IndexClient`] holds the strategy: which document to ask first and what a
//! 404 settles. [`http`] is the one HTTP client of a run (timeouts, retries,
//! downloads). What every protocol gives is the same: a [`Release`] of
//! [`DistFile`]s, each checked where it enters (URL resolved, sha256 validated).

mod client;
// The index documents as `crate::fuzzing` drives them.
pub(crate) mod fuzzing;
mod http;
mod json_api;
mod memo;
mod simple_api;
mod versions;

use std::collections::BTreeSet;

use reqwest::Url;
use serde::Deserialize;

pub use client::IndexClient;
pub use http::ClientOptions;

use crate::digest::Sha256;
use crate::pin::Pin;

/// Every distribution file the index publishes for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The project name as the index spells it (the Simple API sends it normalized:
    /// `django` where the JSON API says `Django`).
    pub name: String,
    /// The version as the index spells it (may differ from the pin: `1.0` vs `1.0.0`).
    pub version: String,
    /// Every file of the version (wheels, sdists, and on old releases eggs and
    /// installers), in the index's order.
    pub files: Vec<DistFile>,
}

impl Release {
    /// The sha256 digests the index publishes for the version's files, sorted.
    pub fn sha256s(&self) -> BTreeSet<Sha256> {
        self.files.iter().filter_map(|f| f.sha256).collect()
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
}

/// Why a lookup failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IndexError {
    #[error("package `{package}` was not found on {index}")]
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
    #[error("{url} did not answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    #[error("{url} sent a document hashlock cannot read: {message}")]
    Decode { url: String, message: String },
}

impl IndexError {
    /// Whether the lookup failed because the package or version does not exist (the
    /// input's fault) rather than because the index or network failed.
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(
            self,
            IndexError::PackageNotFound { .. } | IndexError::VersionNotFound { .. }
        )
    }
}

/// `yanked` as both protocols send it: PyPI's JSON API a bool (the reason apart),
/// PEP 691 a bool or the reason itself.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Yanked {
    Flag(bool),
    Reason(String),
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
struct Published<'a> {
    filename: &'a str,
    url: &'a str,
    sha256: Option<&'a str>,
    yanked: Option<String>,
    requires_python: Option<&'a str>,
}

impl Published<'_> {
    /// The file as hashlock sees it: its URL resolved against the document's, its
    /// sha256 checked.
    fn into_dist_file(self, document: &Url) -> Result<DistFile, IndexError> {
        let url = document
            .join(self.url)
            .map_err(|error| IndexError::Decode {
                url: document.to_string(),
                message: format!(
                    "file {} has a bad URL {:?}: {error}",
                    self.filename, self.url
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
        })
    }
}

/// A published sha256 goes into the user's file: anything but 64 hex digits is a
/// broken (or hostile) document, never text to write.
fn checked_sha256(digest: &str, filename: &str, document: &Url) -> Result<Sha256, IndexError> {
    digest.parse().map_err(|_| {
        let shown: String = digest.chars().take(80).collect();
        IndexError::Decode {
            url: document.to_string(),
            message: format!("the sha256 of `{filename}` is not 64 hex digits: {shown:?}"),
        }
    })
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

/// A JSON document's body as `T`; any mismatch is a [`IndexError::Decode`].
fn decode_json<'a, T: Deserialize<'a>>(fetched: &'a http::Fetched) -> Result<T, IndexError> {
    serde_json::from_slice(&fetched.body).map_err(|error| IndexError::Decode {
        url: fetched.url.to_string(),
        message: error.to_string(),
    })
}
