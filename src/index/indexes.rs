//! Every index and `--find-links` location of a run, asked as pip asks them.
//!
//! pip collects a project's candidate files from every index and every find-links
//! location and installs the best match, wherever it comes from: that is how
//! dependency confusion works (a public project named like a private one). hashlock
//! hashes exactly the files pip could install: the union of what every location
//! lists for the pinned version ([`Strategy::UnsafeBestMatch`], pip's behaviour), and
//! warns, naming each location, when a project exists on more than one.
//! [`Strategy::FirstIndex`] (uv's term) takes a project's files only from the first
//! location that has the project.

use futures::future::join_all;
use pep508_rs::PackageName;
use reqwest::Url;

use super::find_links::FindLinks;
use super::{IndexClient, IndexError, Release};
use crate::digest::{Algorithm, Digest};
use crate::pin::Pin;

/// Which locations a project's files come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Strategy {
    /// Every location that has the version, as pip does.
    #[default]
    UnsafeBestMatch,
    /// Only the first location (in order: the index, extra indexes, find-links)
    /// that has the project.
    FirstIndex,
}

/// One place files come from.
#[derive(Debug)]
pub(crate) enum Location {
    Index(Box<IndexClient>),
    FindLinks(FindLinks),
}

impl Location {
    /// The location as messages show it (no credentials).
    pub(crate) fn shown(&self) -> String {
        match self {
            Location::Index(client) => client.shown_index(),
            Location::FindLinks(links) => links.shown(),
        }
    }

    async fn release(&self, pin: &Pin) -> Result<Release, IndexError> {
        match self {
            Location::Index(client) => client.release(pin).await,
            Location::FindLinks(links) => links.release(pin).await,
        }
    }

    async fn project(&self, name: &PackageName) -> Result<Vec<Release>, IndexError> {
        match self {
            Location::Index(client) => client.project(name).await,
            Location::FindLinks(links) => links.project(name).await,
        }
    }
}

/// What every location said about a pin.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// The files pip could install, from every location that has the version.
    pub release: Release,
    /// The locations whose files are in `release`, as shown.
    pub from: Vec<String>,
    /// Every location that has the project (the version or not), as shown: more
    /// than one is what dependency confusion needs.
    pub project_on: Vec<String>,
}

/// The locations of a run, in pip's order.
#[derive(Debug)]
pub(crate) struct Indexes {
    locations: Vec<Location>,
    strategy: Strategy,
}

impl Indexes {
    pub(crate) fn new(locations: Vec<Location>, strategy: Strategy) -> Indexes {
        Indexes {
            locations,
            strategy,
        }
    }

    /// The files of `pin`'s version across the locations (see the module doc). A
    /// failure of any location that is not "no such package or version" fails the
    /// lookup: a location that could not answer might have held a file pip takes.
    pub(crate) async fn release(&self, pin: &Pin) -> Result<Found, IndexError> {
        let answers = join_all(self.locations.iter().map(|l| l.release(pin))).await;
        let mut found: Option<Found> = None;
        let mut project_on = Vec::new();
        let mut not_found: Option<IndexError> = None;
        for (location, answer) in self.locations.iter().zip(answers) {
            // With `first-index`, the first location that has the project decides,
            // whether it has the version or not.
            let decided = self.strategy == Strategy::FirstIndex && !project_on.is_empty();
            match answer {
                Ok(release) => {
                    project_on.push(location.shown());
                    if decided {
                        continue;
                    }
                    match &mut found {
                        Some(found) => {
                            merge(&mut found.release, release);
                            found.from.push(location.shown());
                        }
                        None => {
                            found = Some(Found {
                                release,
                                from: vec![location.shown()],
                                project_on: Vec::new(),
                            });
                        }
                    }
                }
                Err(error @ IndexError::VersionNotFound { .. }) => {
                    project_on.push(location.shown());
                    let better = not_found.is_none()
                        || matches!(not_found, Some(IndexError::PackageNotFound { .. }));
                    if better && !decided {
                        not_found = Some(error);
                    }
                }
                Err(error @ IndexError::PackageNotFound { .. }) => {
                    not_found.get_or_insert(error);
                }
                Err(error) => return Err(error),
            }
        }
        match found {
            Some(mut found) => {
                found.project_on = project_on;
                Ok(found)
            }
            None => Err(not_found.unwrap_or_else(|| IndexError::PackageNotFound {
                package: pin.name.to_string(),
                index: "any index (`--no-index` and no `--find-links`)".to_owned(),
            })),
        }
    }

    /// Every release of the project across the locations, to tell which version a
    /// hash belongs to. A location without the project is skipped.
    pub(crate) async fn project(&self, name: &PackageName) -> Result<Vec<Release>, IndexError> {
        let answers = join_all(self.locations.iter().map(|l| l.project(name))).await;
        let mut releases: Vec<Release> = Vec::new();
        let mut any = false;
        for answer in answers {
            match answer {
                Ok(found) => {
                    any = true;
                    for release in found {
                        match releases.iter_mut().find(|r| r.version == release.version) {
                            Some(known) => merge(known, release),
                            None => releases.push(release),
                        }
                    }
                }
                Err(IndexError::PackageNotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        if !any {
            return Err(IndexError::PackageNotFound {
                package: name.to_string(),
                index: self.shown_all(),
            });
        }
        Ok(releases)
    }

    /// The `algorithm` digest of the file at `url`, downloaded through the index on
    /// its origin (so that index's credentials, and only them, go with it).
    pub(crate) async fn digest_of(
        &self,
        url: &Url,
        algorithm: Algorithm,
    ) -> Result<Digest, IndexError> {
        let clients = self.locations.iter().filter_map(|location| match location {
            Location::Index(client) => Some(&**client),
            Location::FindLinks(_) => None,
        });
        let mut clients: Vec<&IndexClient> = clients.collect();
        // The index on the file's origin first: its credentials belong there.
        clients.sort_by_key(|client| !client.serves(url));
        match clients.first() {
            Some(client) => client.digest_of(url, algorithm).await,
            None => Err(IndexError::Network {
                url: super::shown_url(url),
                message: "no index to download it through".to_owned(),
            }),
        }
    }

    /// The document or file at `url` (a metadata file, a distribution read for its
    /// metadata), fetched through the index on its origin as [`Indexes::digest_of`]
    /// downloads; `Ok(None)` on 404. Bounded by `--max-document-size`.
    pub(crate) async fn get_file(
        &self,
        url: &Url,
    ) -> Result<Option<super::http::Fetched>, IndexError> {
        let mut clients: Vec<&IndexClient> = self
            .locations
            .iter()
            .filter_map(|location| match location {
                Location::Index(client) => Some(&**client),
                Location::FindLinks(_) => None,
            })
            .collect();
        clients.sort_by_key(|client| !client.serves(url));
        match clients.first() {
            Some(client) => client.get_file(url).await,
            None => Ok(None),
        }
    }

    /// The bytes `range` of the file at `url`, through the index on its origin (see
    /// [`Indexes::get_file`]); `Ok(None)` on 404 or with no index to ask.
    pub(crate) async fn get_range(
        &self,
        url: &Url,
        range: &str,
    ) -> Result<Option<super::http::Ranged>, IndexError> {
        let mut clients: Vec<&IndexClient> = self
            .locations
            .iter()
            .filter_map(|location| match location {
                Location::Index(client) => Some(&**client),
                Location::FindLinks(_) => None,
            })
            .collect();
        clients.sort_by_key(|client| !client.serves(url));
        match clients.first() {
            Some(client) => client.get_range(url, range).await,
            None => Ok(None),
        }
    }

    /// Every location, as shown, joined for a message.
    fn shown_all(&self) -> String {
        let shown: Vec<String> = self.locations.iter().map(Location::shown).collect();
        shown.join(", ")
    }
}

/// Adds `other`'s files (and ignored files) to `release`, each file once.
fn merge(release: &mut Release, other: Release) {
    for file in other.files {
        let known = release
            .files
            .iter()
            .any(|f| f.filename == file.filename && f.sha256 == file.sha256);
        if !known {
            release.files.push(file);
        }
    }
    release.ignored.extend(other.ignored);
}
