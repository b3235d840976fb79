//! Asking a package index which files a pinned version (or every version of a
//! project) has, and their hashes.
//!
//! [`Index`] holds the questions the rest of hashlock asks; [`PypiJson`] answers
//! them from PyPI's JSON API, and from the Simple API's JSON (PEP 691) where the
//! JSON API's per-version endpoint is missing. Lookups are cached and deduplicated
//! per client, so one run asks about each (name, version) once, and for each
//! project's listing at most once.

mod http;
mod pypi_json;

use std::collections::BTreeSet;
use std::future::Future;

use pep440_rs::Version;
use pep508_rs::PackageName;

pub use http::{ClientOptions, HttpClient};
pub use pypi_json::PypiJson;

/// A pinned version to look up: `name==version` or `name===version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pin {
    /// The project name (compared normalized, per PEP 503).
    pub name: PackageName,
    /// The pinned version. For `==` it matches any PEP 440-equal version (`1.0` matches
    /// a release `1.0.0`).
    pub version: Version,
    /// For `===`: the version string that must match the published one exactly
    /// (case-insensitively, as pip compares arbitrary equality).
    pub arbitrary: Option<String>,
}

impl std::fmt::Display for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.arbitrary {
            Some(text) => write!(f, "{}==={}", self.name, text),
            None => write!(f, "{}=={}", self.name, self.version),
        }
    }
}

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
    pub fn sha256s(&self) -> BTreeSet<String> {
        self.files.iter().filter_map(|f| f.sha256.clone()).collect()
    }

    /// "`pin` is yanked[: reason]" when the whole version is (every file is yanked).
    /// pip still installs a yanked version for an `==` pin, so this is for a warning.
    pub fn yanked_message(&self, pin: &Pin) -> Option<String> {
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
    pub url: String,
    /// Lowercase hex sha256, when the index publishes one.
    pub sha256: Option<String>,
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

/// A package index that can list the files of a pinned version, or of every version.
pub trait Index: Send + Sync {
    /// The files of `pin`'s version. Calls for the same pin may be served from cache.
    fn release(&self, pin: &Pin) -> impl Future<Output = Result<Release, IndexError>> + Send;

    /// Every release of the project, in the index's order: to tell which version an
    /// unknown hash belongs to. Served from the JSON API's project document (cached,
    /// and shared with lookups on indexes without the Simple API).
    fn project(
        &self,
        name: &PackageName,
    ) -> impl Future<Output = Result<Vec<Release>, IndexError>> + Send;
}
