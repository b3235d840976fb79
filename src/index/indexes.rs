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

use std::collections::HashMap;
use std::sync::Arc;

use super::find_links::FindLinks;
use super::{ClientOptions, Credentials, HttpClient, IndexClient, IndexError, Release};

use crate::digest::{FileDigests, FileHasher, Hashing};
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

    async fn release(&self, pin: &Pin) -> Result<Arc<Release>, IndexError> {
        match self {
            Location::Index(client) => client.shared_release(pin).await,
            Location::FindLinks(links) => links.release(pin).await.map(Arc::new),
        }
    }

    async fn project(&self, name: &PackageName, listing: bool) -> Result<Vec<Release>, IndexError> {
        match self {
            Location::Index(client) if listing => client.listing(name).await,
            Location::Index(client) => client.project(name).await,
            Location::FindLinks(links) => links.project(name).await,
        }
    }
}

/// What every location said about a pin.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// The files pip could install, from every location that has the version
    /// (shared with the location that answered, unless several did).
    pub release: Arc<Release>,
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
    /// The run's transport settings (timeouts, CA bundle), for files on hosts that
    /// are no location's.
    file_options: ClientOptions,
    /// One client per such host (by origin), built on first use: each host is
    /// looked up once, and its connections are shared by every download.
    elsewhere: tokio::sync::Mutex<HashMap<String, Arc<HttpClient>>>,
    /// The run's cache, for what never changes once read (files' metadata).
    cache: Option<Arc<crate::cache::Cache>>,
}

impl Indexes {
    pub(crate) fn new(locations: Vec<Location>, strategy: Strategy) -> Indexes {
        Indexes {
            locations,
            strategy,
            file_options: ClientOptions::default(),
            elsewhere: tokio::sync::Mutex::default(),
            cache: None,
        }
    }

    /// Keeps what never changes once read (files' metadata) in `cache`.
    pub(crate) fn with_cache(mut self, cache: Option<Arc<crate::cache::Cache>>) -> Indexes {
        self.cache = cache;
        self
    }

    /// Every location as messages show it (no credentials), in order.
    pub(crate) fn shown_locations(&self) -> Vec<String> {
        self.locations.iter().map(Location::shown).collect()
    }

    /// The run's cache, if it has one.
    pub(crate) fn cache(&self) -> Option<&Arc<crate::cache::Cache>> {
        self.cache.as_ref()
    }

    /// The transport settings for files on hosts that are no location's.
    pub(crate) fn with_file_options(mut self, options: ClientOptions) -> Indexes {
        self.file_options = options;
        self
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
                            let release = Arc::unwrap_or_clone(release);
                            merge(Arc::make_mut(&mut found.release), release);
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
        self.releases_of(name, false).await
    }

    /// Every release of the project, to choose a version from (see
    /// [`IndexClient::listing`]), from every location.
    pub(crate) async fn listing(&self, name: &PackageName) -> Result<Vec<Release>, IndexError> {
        self.releases_of(name, true).await
    }

    async fn releases_of(
        &self,
        name: &PackageName,
        listing: bool,
    ) -> Result<Vec<Release>, IndexError> {
        let answers = join_all(self.locations.iter().map(|l| l.project(name, listing))).await;
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

    /// The digests of the file at `url`: downloaded through the location on its
    /// origin (whose credentials, and only those, go with it), through a client of
    /// the file's host otherwise (with the URL's own credentials, if it has any), or
    /// read from disk for a `file:` URL.
    pub(crate) async fn file_digests(
        &self,
        url: &Url,
        hashing: &Hashing,
        received: &(dyn Fn(u64) + Sync),
    ) -> Result<FileDigests, IndexError> {
        if url.scheme() == "file" {
            return file_on_disk(url, hashing, received).await;
        }
        for location in &self.locations {
            let http = match location {
                Location::Index(client) if client.serves(url) => client.file_client(url).await?,
                Location::FindLinks(links) => match links.client_for(url) {
                    Some(http) => http,
                    None => continue,
                },
                Location::Index(_) => continue,
            };
            return http.file_digests(url, hashing, received).await;
        }
        self.client_elsewhere(url)
            .await?
            .file_digests(url, hashing, received)
            .await
    }

    /// The client of `url`'s host, which no location serves: built once per origin
    /// (and credentials), with the run's transport settings.
    async fn client_elsewhere(&self, url: &Url) -> Result<Arc<HttpClient>, IndexError> {
        let credentials = Credentials::of(url);
        let mut origin = url.clone();
        origin.set_path("/");
        origin.set_query(None);
        origin.set_fragment(None);
        let _ = origin.set_username("");
        let _ = origin.set_password(None);
        // Credentials are part of the key: a URL that carries its own gets its own
        // client, and they are never sent with another URL's requests.
        let key = format!(
            "{}|{}",
            origin,
            credentials.as_ref().map_or("", |c| c.username.as_str())
        );
        let mut clients = self.elsewhere.lock().await;
        if let Some(client) = clients.get(&key) {
            return Ok(Arc::clone(client));
        }
        let options = ClientOptions {
            index_url: origin,
            credentials,
            ..self.file_options.clone()
        };
        let client = Arc::new(HttpClient::connect(&options).await?);
        clients.insert(key, Arc::clone(&client));
        Ok(client)
    }

    /// The indexes of the run (not the find-links locations), in order.
    pub(super) fn index_clients(&self) -> impl Iterator<Item = &IndexClient> {
        self.locations.iter().filter_map(|location| match location {
            Location::Index(client) => Some(&**client),
            Location::FindLinks(_) => None,
        })
    }

    /// The document or file at `url` (a metadata file, a distribution read for its
    /// metadata), fetched through the index on its origin as [`Indexes::digest_of`]
    /// downloads; `Ok(None)` on 404. Bounded by `--max-document-size`.
    pub(crate) async fn get_file(
        &self,
        url: &Url,
    ) -> Result<Option<super::http::Fetched>, IndexError> {
        match self.client_for(url) {
            Some(client) => client.get_file(url).await,
            None => Ok(None),
        }
    }

    /// The index client to fetch `url` through: the one on its origin, else the
    /// first index (none with only find-links locations).
    fn client_for(&self, url: &Url) -> Option<&IndexClient> {
        let mut clients = self.locations.iter().filter_map(|location| match location {
            Location::Index(client) => Some(&**client),
            Location::FindLinks(_) => None,
        });
        let first = clients.next()?;
        Some(
            std::iter::once(first)
                .chain(clients)
                .find(|client| client.serves(url))
                .unwrap_or(first),
        )
    }

    /// The bytes `range` of the file at `url`, through the index on its origin (see
    /// [`Indexes::get_file`]); `Ok(None)` on 404 or with no index to ask.
    pub(crate) async fn get_range(
        &self,
        url: &Url,
        range: &str,
    ) -> Result<Option<super::http::Ranged>, IndexError> {
        match self.client_for(url) {
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

/// Adds `other`'s files (and eggs, and ignored files) to `release`, each file once.
fn merge(release: &mut Release, other: Release) {
    let add = |ours: &mut Vec<crate::index::DistFile>, theirs: Vec<crate::index::DistFile>| {
        for file in theirs {
            let known = ours
                .iter()
                .any(|f| f.filename == file.filename && f.sha256 == file.sha256);
            if !known {
                ours.push(file);
            }
        }
    };
    add(&mut release.files, other.files);
    add(&mut release.legacy, other.legacy);
    release.ignored.extend(other.ignored);
}

/// The digests of a local file, read in a blocking task.
async fn file_on_disk(
    url: &Url,
    hashing: &Hashing,
    received: &(dyn Fn(u64) + Sync),
) -> Result<FileDigests, IndexError> {
    use std::io::Read;
    let mut hasher = FileHasher::new(hashing);
    let unreadable = |message: String| IndexError::Network {
        url: super::shown_url(url),
        message,
    };
    let path = url
        .to_file_path()
        .map_err(|()| unreadable("not a local path".to_owned()))?;
    let digests = tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = file.read(&mut buffer).map_err(|e| e.to_string())?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        Ok::<_, String>(hasher.finalize())
    })
    .await
    .map_err(|error| unreadable(error.to_string()))?
    .map_err(unreadable)?;
    received(digests.bytes);
    Ok(digests)
}
