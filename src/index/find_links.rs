//! `--find-links` locations: a local directory of distributions, a local HTML file, or
//! an HTML page of links (PEP 503 markup), as pip reads them.
//!
//! A directory's files are hashed from disk (pip checks what it will install, and so
//! does hashlock); a page's files carry the hash of their link's fragment, when it
//! has one. Only files whose names are a distribution of the pinned project and
//! version count, as on an index.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use pep508_rs::PackageName;
use reqwest::Url;

use super::http::{ClientOptions, HttpClient};
use super::memo::Memo;
use super::{DistFile, IndexError, Release, simple_html};
use crate::digest::Sha256;
use crate::dist_filename;
use crate::pin::Pin;

/// One `--find-links` location.
#[derive(Debug)]
pub(crate) struct FindLinks {
    location: Location,
    /// The files of the location (read once per run).
    listing: Memo<(), Vec<DistFile>>,
    /// Digests of local files, by path (hashed once per run).
    digests: Mutex<HashMap<PathBuf, Sha256>>,
}

#[derive(Debug)]
enum Location {
    Directory(PathBuf),
    /// A local HTML file of links.
    HtmlFile(PathBuf),
    /// A page of links, and the client that reads it.
    Page(Url, Box<HttpClient>),
}

impl FindLinks {
    /// A local directory or HTML file.
    pub(crate) fn path(path: PathBuf) -> FindLinks {
        // File URLs need an absolute path.
        let path = std::path::absolute(&path).unwrap_or(path);
        let location = if path.is_file() {
            Location::HtmlFile(path)
        } else {
            Location::Directory(path)
        };
        Self::with(location)
    }

    /// A page of links, read with `options` (its `index_url` set to the page).
    pub(crate) async fn page(options: ClientOptions) -> Result<FindLinks, IndexError> {
        let url = options.index_url.clone();
        let http = HttpClient::connect(&options).await?;
        Ok(Self::with(Location::Page(url, Box::new(http))))
    }

    fn with(location: Location) -> FindLinks {
        FindLinks {
            location,
            listing: Memo::new(),
            digests: Mutex::default(),
        }
    }

    /// The client of a page of links, when `url` is on the page's origin: files
    /// there go with the page's credentials.
    pub(crate) fn client_for(&self, url: &Url) -> Option<&HttpClient> {
        match &self.location {
            Location::Page(page, http) if page.origin() == url.origin() => Some(http),
            _ => None,
        }
    }

    /// The location as messages show it.
    pub(crate) fn shown(&self) -> String {
        match &self.location {
            Location::Directory(path) | Location::HtmlFile(path) => path.display().to_string(),
            Location::Page(url, _) => super::shown_url(url),
        }
    }

    /// The files of `pin`'s version here; `PackageNotFound` when there is none of the
    /// project, `VersionNotFound` when there are files of the project but not of the
    /// version.
    pub(crate) async fn release(&self, pin: &Pin) -> Result<Release, IndexError> {
        let files = self.listing.get_or_fetch((), self.list()).await?;
        let project = pin.name.as_ref();
        let mut ours = Vec::new();
        let mut legacy = Vec::new();
        let mut versions = Vec::new();
        for file in files.iter() {
            let Some((version, kind)) = dist_filename::version_of(&file.filename, project) else {
                continue;
            };
            if super::versions::Wanted::Pin(pin).accepts(version, kind) {
                if kind == dist_filename::Kind::Legacy {
                    legacy.push(file.clone());
                } else {
                    ours.push(file.clone());
                }
            } else {
                versions.push(version.to_owned());
            }
        }
        if ours.is_empty() && legacy.is_empty() {
            return Err(if versions.is_empty() {
                IndexError::PackageNotFound {
                    package: pin.name.to_string(),
                    index: self.shown(),
                }
            } else {
                let candidates = versions.iter().map(|v| (v.as_str(), true));
                IndexError::VersionNotFound {
                    package: pin.name.to_string(),
                    version: pin.version_text(),
                    index: self.shown(),
                    close: super::versions::nearest(&pin.version, candidates, 5),
                }
            });
        }
        for file in &mut ours {
            if file.sha256.is_none() && file.url.scheme() == "file" {
                file.sha256 = Some(self.digest_of_local(&file.url).await?);
            }
        }
        let first = ours.first().or(legacy.first());
        let version = first
            .and_then(|file| dist_filename::version_of(&file.filename, project))
            .map_or_else(|| pin.version_text(), |(version, _)| version.to_owned());
        Ok(Release {
            name: pin.name.to_string(),
            version,
            files: ours,
            legacy,
            ignored: Vec::new(),
            status: None,
        })
    }

    /// Every file here named for `name`, grouped by the version it states.
    pub(crate) async fn project(&self, name: &PackageName) -> Result<Vec<Release>, IndexError> {
        let files = self.listing.get_or_fetch((), self.list()).await?;
        let mut releases: Vec<Release> = Vec::new();
        for file in files.iter() {
            let Some((version, kind)) = dist_filename::version_of(&file.filename, name.as_ref())
            else {
                continue;
            };
            if kind == dist_filename::Kind::Legacy {
                continue;
            }
            let mut file = file.clone();
            if file.sha256.is_none() && file.url.scheme() == "file" {
                file.sha256 = Some(self.digest_of_local(&file.url).await?);
            }
            match releases.iter_mut().find(|r| r.version == version) {
                Some(release) => release.files.push(file),
                None => releases.push(Release {
                    name: name.to_string(),
                    version: version.to_owned(),
                    files: vec![file],
                    legacy: Vec::new(),
                    ignored: Vec::new(),
                    status: None,
                }),
            }
        }
        Ok(releases)
    }

    /// Every file of the location, unhashed for local ones.
    async fn list(&self) -> Result<Vec<DistFile>, IndexError> {
        match &self.location {
            Location::Directory(dir) => list_directory(dir),
            Location::HtmlFile(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| IndexError::Network {
                    url: path.display().to_string(),
                    message: error.to_string(),
                })?;
                let base = Url::from_file_path(path).map_err(|()| IndexError::Network {
                    url: path.display().to_string(),
                    message: "not an absolute path".to_owned(),
                })?;
                page_files(&text, &base)
            }
            Location::Page(url, http) => {
                let fetched =
                    http.get(url, "text/html")
                        .await?
                        .ok_or_else(|| IndexError::Status {
                            url: super::shown_url(url),
                            status: 404,
                        })?;
                page_files(&String::from_utf8_lossy(&fetched.body), &fetched.url)
            }
        }
    }

    /// The sha256 of a local file, hashed once per run.
    async fn digest_of_local(&self, url: &Url) -> Result<Sha256, IndexError> {
        let path = url.to_file_path().map_err(|()| IndexError::Network {
            url: url.to_string(),
            message: "not a local file".to_owned(),
        })?;
        let known = self
            .digests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&path)
            .copied();
        if let Some(digest) = known {
            return Ok(digest);
        }
        let for_thread = path.clone();
        let digest = tokio::task::spawn_blocking(move || hash_file(&for_thread))
            .await
            .map_err(|error| IndexError::Network {
                url: path.display().to_string(),
                message: error.to_string(),
            })??;
        self.digests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path, digest);
        Ok(digest)
    }
}

/// The distributions of a local directory (not recursing, as pip does not). A
/// directory that does not exist holds nothing (pip skips it too).
fn list_directory(dir: &Path) -> Result<Vec<DistFile>, IndexError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let unreadable = |error: std::io::Error| IndexError::Network {
        url: dir.display().to_string(),
        message: error.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        if !entry.file_type().map_err(unreadable)?.is_file() {
            continue;
        }
        let Some(filename) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !dist_filename::is_archive(&filename) {
            continue;
        }
        let Ok(url) = Url::from_file_path(entry.path()) else {
            continue;
        };
        files.push(DistFile {
            filename,
            url,
            sha256: None,
            yanked: None,
            requires_python: None,
            other_hash: None,
            size: None,
            upload_time: None,
            core_metadata: false,
            provenance: None,
        });
    }
    files.sort_by(|a, b| a.filename.cmp(&b.filename));
    Ok(files)
}

/// The files a page of links lists: the sha256 of a link's fragment is its digest.
fn page_files(text: &str, base: &Url) -> Result<Vec<DistFile>, IndexError> {
    let mut files = Vec::new();
    for link in simple_html::links(text, base)? {
        if !dist_filename::is_archive(&link.filename) {
            continue;
        }
        let (sha256, other_hash) = match &link.hash {
            Some((algorithm, hex)) if algorithm == "sha256" => {
                let digest = hex.parse().map_err(|_| IndexError::Decode {
                    url: super::shown_url(base),
                    message: format!(
                        "the sha256 of `{}` is not 64 hex digits",
                        super::shown_text(&link.filename)
                    ),
                })?;
                (Some(digest), None)
            }
            Some((algorithm, _)) => (None, Some(algorithm.clone())),
            None => (None, None),
        };
        let mut url = link.url;
        url.set_fragment(None);
        files.push(DistFile {
            filename: link.filename,
            url,
            sha256,
            yanked: link.yanked,
            requires_python: link.requires_python,
            other_hash,
            size: None,
            upload_time: None,
            core_metadata: link.core_metadata,
            provenance: link.provenance,
        });
    }
    Ok(files)
}

/// The sha256 of a local file, streamed.
fn hash_file(path: &Path) -> Result<Sha256, IndexError> {
    use std::io::Read;
    let unreadable = |error: std::io::Error| IndexError::Network {
        url: path.display().to_string(),
        message: error.to_string(),
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut hasher = crate::digest::Hasher::new(crate::digest::Algorithm::Sha256);
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = file.read(&mut buffer).map_err(unreadable)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    hasher
        .finalize()
        .sha256()
        .ok_or_else(|| unreadable(std::io::Error::other("not a sha256")))
}
