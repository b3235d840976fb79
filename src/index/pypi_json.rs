//! PyPI's JSON API as an [`Index`].
//!
//! A pin is looked up with the per-version endpoint `GET /pypi/<name>/<version>/json`
//! (small, one version). On a 404 there, the project document `GET /pypi/<name>/json`
//! decides: no project means `PackageNotFound`, no matching version means
//! `VersionNotFound`. Some mirrors answer 404 on the per-version endpoint for every
//! version; once a project document contains the exact version string the endpoint
//! denied, the endpoint is known to be missing and the rest of the run goes straight
//! to project documents.
//!
//! Project documents are fetched once per package and releases once per pin, with
//! concurrent identical lookups sharing one request (see [`memo`]). Listing every
//! release of a project ([`Index::project`]) reads the same cached project document.

mod document;
mod memo;
mod versions;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pep508_rs::PackageName;
use reqwest::Url;

use self::document::{ProjectDocument, VersionDocument};
use self::memo::Memo;
use super::http::{ClientOptions, Fetched, HttpClient};
use super::{Index, IndexError, Pin, Release};

const ACCEPT_JSON: &str = "application/json";
/// How many near misses a `VersionNotFound` suggests.
const CLOSE_VERSIONS: usize = 5;

/// An [`Index`] backed by PyPI's JSON API.
#[derive(Debug)]
pub struct PypiJson {
    http: HttpClient,
    /// The index base URL (`index_url`, without query or fragment).
    base: Url,
    /// Set once a project document proved the per-version endpoint missing.
    version_endpoint_missing: AtomicBool,
    projects: Memo<PackageName, ProjectDocument>,
    releases: Memo<Pin, Release>,
}

/// What the per-version endpoint said about a pin.
enum VersionAnswer {
    Found(Release),
    /// 404: the version, or the endpoint, does not exist.
    Missing,
    /// A document for a version the pin does not accept (`===1.0` answered by `1.0.0`).
    Other,
}

impl PypiJson {
    /// Resolves the index host and builds the shared client.
    pub async fn connect(options: ClientOptions) -> Result<PypiJson, IndexError> {
        let http = HttpClient::connect(&options).await?;
        Ok(Self::with_client(http))
    }

    /// An index over an existing client (whose `index_url` it queries).
    pub fn with_client(http: HttpClient) -> PypiJson {
        // `connect` validated the URL, so this parse cannot fail.
        let mut base = Url::parse(&http.options().index_url).expect("validated by connect");
        base.set_query(None);
        base.set_fragment(None);
        PypiJson {
            http,
            base,
            version_endpoint_missing: AtomicBool::new(false),
            projects: Memo::new(),
            releases: Memo::new(),
        }
    }

    /// The shared HTTP client (to download files with the run's timeouts, retries
    /// and connection pool).
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Whether lookups still try the per-version endpoint first.
    pub fn uses_version_endpoint(&self) -> bool {
        !self.version_endpoint_missing.load(Ordering::Relaxed)
    }

    async fn lookup(&self, pin: &Pin) -> Result<Release, IndexError> {
        let mut denied = false;
        if self.uses_version_endpoint() {
            match self.ask_version_endpoint(pin).await? {
                VersionAnswer::Found(release) => return Ok(release),
                VersionAnswer::Missing => denied = true,
                VersionAnswer::Other => {}
            }
        }
        self.release_from_project(pin, denied).await
    }

    async fn ask_version_endpoint(&self, pin: &Pin) -> Result<VersionAnswer, IndexError> {
        let url = self.endpoint(&[pin.name.as_ref(), &version_text(pin), "json"]);
        let Some(fetched) = self.fetch(&url).await? else {
            return Ok(VersionAnswer::Missing);
        };
        let document = VersionDocument::parse(&fetched)?;
        let version = document.version.unwrap_or_else(|| version_text(pin));
        if !versions::matches(pin, &version) {
            return Ok(VersionAnswer::Other);
        }
        let name = document.name.unwrap_or_else(|| pin.name.to_string());
        let files = document.files;
        Ok(VersionAnswer::Found(Release {
            name,
            version,
            files,
        }))
    }

    /// The release from the project document. `denied`: the per-version endpoint
    /// just answered 404 for this pin.
    async fn release_from_project(&self, pin: &Pin, denied: bool) -> Result<Release, IndexError> {
        let project = self.project_document(&pin.name).await?;
        if denied && project.releases.contains_key(&version_text(pin)) {
            self.version_endpoint_missing.store(true, Ordering::Relaxed);
        }
        let keys = project.releases.keys().map(String::as_str);
        let Some(version) = versions::select(pin, keys) else {
            return Err(self.version_not_found(pin, &project));
        };
        Ok(Release {
            name: project.name.clone().unwrap_or_else(|| pin.name.to_string()),
            version: version.to_owned(),
            files: project.files(version)?,
        })
    }

    /// The project document of `name`, fetched once per run.
    async fn project_document(
        &self,
        name: &PackageName,
    ) -> Result<Arc<ProjectDocument>, IndexError> {
        let fetch = async {
            let url = self.endpoint(&[name.as_ref(), "json"]);
            match self.fetch(&url).await? {
                Some(fetched) => ProjectDocument::parse(&fetched),
                None => Err(IndexError::PackageNotFound {
                    package: name.to_string(),
                    index: self.http.options().index_url.clone(),
                }),
            }
        };
        self.projects.get_or_fetch(name.clone(), fetch).await
    }

    fn version_not_found(&self, pin: &Pin, project: &ProjectDocument) -> IndexError {
        let installable =
            |files: &Vec<document::FileEntry>| files.iter().any(|file| !file.is_yanked());
        let candidates = project
            .releases
            .iter()
            .map(|(key, files)| (key.as_str(), installable(files)));
        IndexError::VersionNotFound {
            package: project.name.clone().unwrap_or_else(|| pin.name.to_string()),
            version: version_text(pin),
            index: self.http.options().index_url.clone(),
            close: versions::nearest(&pin.version, candidates, CLOSE_VERSIONS),
        }
    }

    async fn fetch(&self, url: &Url) -> Result<Option<Fetched>, IndexError> {
        self.http.get(url, ACCEPT_JSON).await
    }

    /// `<base>/pypi/<segments...>`, each segment percent-encoded as a path segment.
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("http(s) URLs have a path")
            .pop_if_empty()
            .push("pypi")
            .extend(segments);
        url
    }
}

/// The version as the pin spells it: the literal text for `===`, else PEP 440's
/// normalized form. (Should the index spell it differently, `1.0` vs `1.0.0`, and
/// its endpoint compare strings, the 404 leads to the project document, which
/// compares PEP 440 versions.)
fn version_text(pin: &Pin) -> String {
    match &pin.arbitrary {
        Some(text) => text.clone(),
        None => pin.version.to_string(),
    }
}

impl Index for PypiJson {
    async fn release(&self, pin: &Pin) -> Result<Release, IndexError> {
        let release = self.releases.get_or_fetch(pin.clone(), self.lookup(pin));
        Ok(Release::clone(&*release.await?))
    }

    async fn project(&self, name: &PackageName) -> Result<Vec<Release>, IndexError> {
        let project = self.project_document(name).await?;
        let project_name = project.name.clone().unwrap_or_else(|| name.to_string());
        let releases = project.all_files()?.into_iter();
        let release = |(version, files)| Release {
            name: project_name.clone(),
            version,
            files,
        };
        Ok(releases.map(release).collect())
    }
}
