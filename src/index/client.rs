//! The index client: which document answers a question, and what a 404 settles.
//!
//! A pin is looked up with the per-version endpoint `GET /pypi/<name>/<version>/json`
//! (small, one version). On a 404 there, a document listing every version of the
//! project decides: no project means `PackageNotFound`, no matching version means
//! `VersionNotFound`. That listing is the Simple API's JSON (PEP 691,
//! `GET /simple/<name>/`), about half the size of the JSON API's project document
//! `GET /pypi/<name>/json`, which is read instead where the index does not serve
//! PEP 691 JSON (a 404 for a project the JSON API knows, a 406, or another content
//! type such as the HTML page): the first such answer settles it for the run, as the
//! first Simple API document settles the other way (after which a 404 there means
//! no such project). Simple API documents list files without their versions, which
//! hashlock reads from the file names; a release that may hold a file whose name
//! does not say its version (an `.rpm`, `aiohttp-2.0.6-1.tar.gz` in 2.0.6) is read
//! from the project document instead, so that a release always has the files the
//! per-version endpoint lists (see [`simple_api`]).
//!
//! Some mirrors answer 404 on the per-version endpoint for every version; once a
//! listing contains the exact version string the endpoint denied, the endpoint is
//! known to be missing and the rest of the run goes straight to listings.
//!
//! Listings are fetched once per package and releases once per pin, with concurrent
//! identical lookups sharing one request (see [`memo`]). Listing every release of a
//! project ([`IndexClient::project`]) reads the JSON API's project document (cached too).
//!
//! Whichever document answers, a release keeps only the files whose names are a
//! distribution of the pinned project and version ([`dist_filename::version_of`],
//! [`versions::Wanted`]): a document that lists another project's wheel, or another
//! version's sdist, under the pin would otherwise have its hash written into the
//! user's file. The others are reported in [`Release::ignored`]; a document that
//! lists files for the pin and none of them its own is an error.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use pep508_rs::PackageName;
use reqwest::Url;
use tokio::sync::OnceCell;

use super::http::{
    Caching, ClientOptions, Document, Fetched, HttpClient, Protocol, Reader, Received, Whole,
};
use super::json_api::{FileEntry, ProjectDocument, VersionDocument};
use super::memo::Memo;
use super::simple_api::{self, Keep, Lookup, SimpleDocument, Stream};
use super::versions::Wanted;
use super::{DistFile, IndexError, Release, shown_text, shown_url, simple_html, versions};
use crate::cache::{Answer, Cache, Entry, IndexCache, Source, freshness};
use crate::digest::{Algorithm, Digest};
use crate::dist_filename::{self, Kind};
use crate::pin::Pin;

const ACCEPT_JSON: &str = "application/json";
/// What pip asks a Simple API for: PEP 691 JSON, else PEP 503 HTML.
const ACCEPT_SIMPLE: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
/// How many near misses a `VersionNotFound` suggests.
const CLOSE_VERSIONS: usize = 5;

/// A package index, asked through PyPI's JSON API and the Simple API's JSON.
#[derive(Debug)]
pub struct IndexClient {
    /// The client's options, checked, credentials out of the URL.
    options: ClientOptions,
    http: Transport,
    /// The on-disk cache of this index's answers, unless `--no-cache`.
    cache: Option<IndexCache>,
    /// What each document read this run said about caching it (see [`Source`]), by
    /// the URL it came from: for the entry of the release it decides.
    sources: Mutex<HashMap<Url, Source>>,
    /// How many pins of each project the run will still look up (see
    /// [`IndexClient::expect`]).
    expected: Mutex<HashMap<PackageName, usize>>,
    /// Which files of each expected project a lookup may read (see
    /// [`IndexClient::expect`]): the rest of its listing is not kept.
    keep: Mutex<HashMap<PackageName, Keep>>,
    /// Entries read before the lookups (to tell whether any needs the network).
    preloaded: Mutex<HashMap<Pin, Entry>>,
    /// A body a revalidation found changed, for the lookup that reads it next, by
    /// (URL, `Accept`).
    prefetched: Mutex<HashMap<(Url, String), Fetched>>,
    /// The index base URL (`index_url`, without query or fragment).
    base: Url,
    /// Set once a listing proved the per-version endpoint missing.
    version_endpoint_missing: AtomicBool,
    /// Whether the cache says a recent run proved it missing (read when first asked).
    known_missing: OnceLock<bool>,
    /// Which document lists a project's versions, once an answer settled it for
    /// the rest of the run (unset: try the Simple API first).
    listing: OnceLock<Listing>,
    projects: Memo<PackageName, ProjectDocument>,
    simple_documents: Memo<PackageName, SimpleAnswer>,
    /// Simple API documents read again whole, where the first kept only some
    /// releases' files and more are needed.
    whole_documents: Memo<PackageName, SimpleAnswer>,
    releases: Memo<Pin, Release>,
}

/// How requests reach the index: a client connected up front, or one connected on
/// first use (a run whose answers are all in the cache opens no connection, and
/// does not even resolve the host), or never (`--offline`).
#[derive(Debug)]
enum Transport {
    Connected(HttpClient),
    Deferred(OnceCell<HttpClient>),
}

tokio::task_local! {
    /// The URL of the document that decided the release being looked up: its
    /// validators go into the release's cache entry.
    static DECIDED: RefCell<Option<Url>>;
}

/// What a revalidation of a cached release found.
enum Revalidated {
    /// 304: the cached release stands, with the response's caching headers.
    Unchanged(Caching),
    /// A new body (kept for the lookup), or 404.
    Changed,
}

/// The document that lists every version of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    /// The Simple API's PEP 691 JSON (`/simple/<name>/`).
    SimpleApi,
    /// The JSON API's project document (`/pypi/<name>/json`).
    ProjectDocument,
}

/// What `GET /simple/<name>/` said.
#[derive(Debug)]
enum SimpleAnswer {
    Document(Arc<SimpleDocument>),
    /// 404: no such project, or no Simple API.
    NotFound,
    /// 406, or a document that is not PEP 691 JSON: no Simple API in JSON.
    NotServed,
}

/// What the per-version endpoint said about a pin.
enum VersionAnswer {
    Found(Release),
    /// 404: the version, or the endpoint, does not exist.
    Missing,
    /// A document for a version the pin does not accept (`===1.0` answered by `1.0.0`).
    Other,
}

impl IndexClient {
    /// Resolves the index host and builds the shared client.
    pub async fn connect(options: ClientOptions) -> Result<IndexClient, IndexError> {
        let http = HttpClient::connect(&options).await?;
        Ok(Self::with_client(http))
    }

    /// An index over an existing client (whose `index_url` it queries).
    pub fn with_client(http: HttpClient) -> IndexClient {
        let options = http.options().clone();
        Self::new(options, Transport::Connected(http), None)
    }

    /// An index whose answers go through `cache`, connected on first use (see
    /// [`IndexClient::preload`] and [`IndexClient::connect_now`]).
    pub(crate) fn cached(
        options: ClientOptions,
        cache: &Arc<Cache>,
    ) -> Result<IndexClient, IndexError> {
        let options = HttpClient::prepare(&options)?;
        let cache = cache.index(&options.shown_index(), options.protocol);
        Ok(Self::new(
            options,
            Transport::Deferred(OnceCell::new()),
            Some(cache),
        ))
    }

    fn new(options: ClientOptions, http: Transport, cache: Option<IndexCache>) -> IndexClient {
        let mut base = options.index_url.clone();
        base.set_query(None);
        base.set_fragment(None);
        IndexClient {
            options,
            http,
            cache,
            sources: Mutex::default(),
            expected: Mutex::default(),
            keep: Mutex::default(),
            preloaded: Mutex::default(),
            prefetched: Mutex::default(),
            base,
            version_endpoint_missing: AtomicBool::new(false),
            known_missing: OnceLock::new(),
            listing: OnceLock::new(),
            projects: Memo::new(),
            simple_documents: Memo::new(),
            whole_documents: Memo::new(),
            releases: Memo::new(),
        }
    }

    /// Reads the cached answers about `pins`; whether they answer every one without
    /// the network (fresh, or `--offline`, where a miss is an error, not a request).
    pub(crate) fn preload(&self, pins: &[&Pin]) -> bool {
        let Some(cache) = &self.cache else {
            return false;
        };
        let now = freshness::now();
        let mut preloaded = lock(&self.preloaded);
        let mut all = true;
        for (&pin, stored) in pins.iter().zip(cache.read_many(pins)) {
            match stored {
                Some(entry) => {
                    all &= cache.offline() || self.usable(pin, &entry, now);
                    preloaded.insert(pin.clone(), entry);
                }
                None => all &= cache.offline(),
            }
        }
        all
    }

    /// Connects now (resolving the host) unless `--offline`: a failure to reach the
    /// index is then one error before any lookup, not one per pin.
    pub(crate) async fn connect_now(&self) -> Result<(), IndexError> {
        if self.cache.as_ref().is_some_and(IndexCache::offline) {
            return Ok(());
        }
        self.http(|| self.shown_index()).await.map(|_| ())
    }

    /// The files of `pin`'s version. Each pin is looked up once per run; concurrent
    /// calls for the same pin share one lookup.
    pub async fn release(&self, pin: &Pin) -> Result<Release, IndexError> {
        Ok(Release::clone(&*self.shared_release(pin).await?))
    }

    /// [`IndexClient::release`], shared with the run's other askers rather than
    /// copied (a release of a large project has hundreds of files).
    pub(crate) async fn shared_release(&self, pin: &Pin) -> Result<Arc<Release>, IndexError> {
        self.releases
            .get_or_fetch(pin.clone(), self.lookup_and_let_go(pin))
            .await
    }

    /// Says which pins the run will look up: once every expected pin of a project is
    /// answered, its listings are let go. A listing holds every file of every version
    /// (megabytes for some projects): kept for the whole run, the listings of a large
    /// file add up to hundreds of MiB. Projects not expected keep theirs all run.
    ///
    /// A project's listing then keeps the values of the files that may concern its
    /// expected pins' releases only (every name is kept); a lookup that needs more
    /// reads it again whole.
    pub(crate) fn expect(&self, pins: &[&Pin]) {
        let mut expected = lock(&self.expected);
        let mut keep = lock(&self.keep);
        for pin in pins {
            *expected.entry(pin.name.clone()).or_default() += 1;
            let kept = keep
                .entry(pin.name.clone())
                .or_insert_with(|| Keep::Releases(Vec::new()));
            match (kept, &pin.arbitrary) {
                (Keep::Releases(releases), None) => releases.push(pin.version.release().to_vec()),
                // `===` compares text: any file may be the pin's.
                (kept, Some(_)) => *kept = Keep::All,
                (Keep::All, None) => {}
            }
        }
    }

    /// The lookup of a pin, then its project's listings let go if it was the last
    /// expected pin of it.
    async fn lookup_and_let_go(&self, pin: &Pin) -> Result<Release, IndexError> {
        let result = self.cached_lookup(pin).await;
        let last = {
            let mut expected = lock(&self.expected);
            match expected.get_mut(&pin.name) {
                Some(count) => {
                    *count = count.saturating_sub(1);
                    *count == 0
                }
                None => false,
            }
        };
        if last {
            self.simple_documents.forget(&pin.name);
            self.whole_documents.forget(&pin.name);
            self.projects.forget(&pin.name);
        }
        result
    }

    /// Whether a cached entry answers `pin` as it is: a release, fresh, and the
    /// package not to be refreshed. ("No such version" is asked again online.)
    fn usable(&self, pin: &Pin, entry: &Entry, now: u64) -> bool {
        let refresh = self.cache.as_ref().is_some_and(|c| c.refreshes(&pin.name));
        matches!(entry.answer, Answer::Release(_)) && entry.is_fresh(now) && !refresh
    }

    /// The lookup of `pin` through the cache: a usable entry answers; a stale one
    /// with validators is revalidated (a 304 keeps it); else the index is asked and
    /// the answer stored. `--offline`: the entry answers, fresh or not, and no entry
    /// is an error.
    async fn cached_lookup(&self, pin: &Pin) -> Result<Release, IndexError> {
        let Some(cache) = &self.cache else {
            return self.lookup(pin).await;
        };
        let preloaded = lock(&self.preloaded).remove(pin);
        let stored = preloaded.or_else(|| cache.read(pin));
        let now = freshness::now();
        if cache.offline() {
            return match stored {
                Some(entry) => self.answer_of(pin, entry.answer),
                None => Err(IndexError::Offline {
                    wanted: format!("`{pin}`"),
                    index: self.shown_index(),
                }),
            };
        }
        if let Some(entry) = stored {
            if self.usable(pin, &entry, now) {
                return self.answer_of(pin, entry.answer);
            }
            if let (Answer::Release(release), Some(source)) = (entry.answer, entry.source)
                && let Revalidated::Unchanged(caching) = self.revalidate(&source).await?
            {
                let validators = Caching {
                    etag: caching.etag.clone().or(source.validators.etag.clone()),
                    last_modified: caching
                        .last_modified
                        .clone()
                        .or(source.validators.last_modified.clone()),
                    cache_control: caching.cache_control,
                };
                let source = Source {
                    validators,
                    ..source
                };
                self.store(
                    cache,
                    pin,
                    Answer::Release(release.clone()),
                    Some(source),
                    now,
                );
                return Ok(release);
            }
        }
        let lookup = async {
            let result = self.lookup(pin).await;
            (result, DECIDED.with(RefCell::take))
        };
        let (result, decided) = DECIDED.scope(RefCell::new(None), lookup).await;
        let answer = match &result {
            Ok(release) => Answer::Release(release.clone()),
            Err(IndexError::PackageNotFound { .. }) => Answer::PackageNotFound,
            Err(IndexError::VersionNotFound { package, close, .. }) => Answer::VersionNotFound {
                package: package.clone(),
                close: close.clone(),
            },
            Err(_) => return result,
        };
        let source = decided.and_then(|url| lock(&self.sources).get(&url).cloned());
        self.store(cache, pin, answer, source, now);
        result
    }

    /// Stores `answer` about `pin` as the index's caching headers allow (`source`:
    /// the document that decided it, whose validators are kept if it has any).
    fn store(
        &self,
        cache: &IndexCache,
        pin: &Pin,
        answer: Answer,
        source: Option<Source>,
        now: u64,
    ) {
        let caching = source
            .as_ref()
            .map(|s| s.validators.clone())
            .unwrap_or_default();
        let release = match &answer {
            Answer::Release(release) => Some(release),
            _ => None,
        };
        let Some(lifetime) = freshness::lifetime(&caching, release, now) else {
            return;
        };
        let entry = Entry {
            answer,
            checked: now,
            fresh_until: now.saturating_add(lifetime),
            source: source.filter(|source| source.validators.has_validator()),
        };
        cache.write(pin, &entry);
    }

    /// A cached answer as a lookup's result.
    fn answer_of(&self, pin: &Pin, answer: Answer) -> Result<Release, IndexError> {
        match answer {
            Answer::Release(release) => Ok(release),
            Answer::PackageNotFound => Err(self.package_not_found(&pin.name)),
            Answer::VersionNotFound { package, close } => Err(IndexError::VersionNotFound {
                package,
                version: pin.version_text(),
                index: self.shown_index(),
                close,
            }),
        }
    }

    /// Asks whether the document behind a cached release changed since.
    async fn revalidate(&self, source: &Source) -> Result<Revalidated, IndexError> {
        let http = self.http(|| shown_url(&source.url)).await?;
        let answer = http
            .get_document(&source.url, &source.accept, Some(&source.validators))
            .await?;
        match answer {
            Some(Document::NotModified(caching)) => Ok(Revalidated::Unchanged(caching)),
            Some(Document::Fetched(fetched, caching)) => {
                self.remember(&source.url, &source.accept, &fetched.url, caching);
                let key = (source.url.clone(), source.accept.clone());
                lock(&self.prefetched).insert(key, fetched);
                Ok(Revalidated::Changed)
            }
            None => Ok(Revalidated::Changed),
        }
    }

    /// Notes what the document from `answered` (asked as `url` with `accept`) said
    /// about caching it.
    fn remember(&self, url: &Url, accept: &str, answered: &Url, validators: Caching) {
        let source = Source {
            url: url.clone(),
            accept: accept.to_owned(),
            validators,
        };
        lock(&self.sources).insert(answered.clone(), source);
    }

    /// The HTTP client, connected on first use; `--offline`, an error saying that
    /// `wanted` (as shown) is not in the cache.
    async fn http(&self, wanted: impl FnOnce() -> String) -> Result<&HttpClient, IndexError> {
        match &self.http {
            Transport::Connected(http) => Ok(http),
            Transport::Deferred(_) if self.cache.as_ref().is_some_and(IndexCache::offline) => {
                Err(IndexError::Offline {
                    wanted: wanted(),
                    index: self.shown_index(),
                })
            }
            Transport::Deferred(cell) => {
                let connect = || HttpClient::connect(&self.options);
                cell.get_or_try_init(connect).await
            }
        }
    }

    /// GETs a document: one a revalidation already fetched, else from the index,
    /// noting what it says about caching when there is a cache.
    async fn get(&self, url: &Url, accept: &str) -> Result<Option<Fetched>, IndexError> {
        let whole = |_: &reqwest::Response| None::<Whole>;
        Ok(match self.get_streamed(url, accept, whole).await? {
            Some(Received::Whole(fetched)) => Some(fetched),
            Some(Received::Streamed { read, .. }) => match read {},
            None => None,
        })
    }

    /// [`IndexClient::get`], the body fed as it arrives to the reader `reader` makes
    /// for the response, when it makes one (see [`HttpClient::get_streamed`]).
    async fn get_streamed<R: Reader>(
        &self,
        url: &Url,
        accept: &str,
        reader: impl Fn(&reqwest::Response) -> Option<R>,
    ) -> Result<Option<Received<R>>, IndexError> {
        let key = (url.clone(), accept.to_owned());
        if let Some(fetched) = lock(&self.prefetched).remove(&key) {
            return Ok(Some(Received::Whole(fetched)));
        }
        let http = self.http(|| format!("`{}`", shown_url(url))).await?;
        match http.get_streamed(url, accept, None, reader).await? {
            Some(Document::Fetched(received, caching)) => {
                if self.cache.is_some() {
                    let answered = match &received {
                        Received::Whole(fetched) => &fetched.url,
                        Received::Streamed { url, .. } => url,
                    };
                    self.remember(url, accept, answered, caching);
                }
                Ok(Some(received))
            }
            // Only a conditional request is answered 304: a server that sends it
            // otherwise sent no document.
            Some(Document::NotModified(_)) => Err(IndexError::Status {
                url: shown_url(url),
                status: 304,
            }),
            None => Ok(None),
        }
    }

    /// Every release of the project, in the index's order: to tell which version an
    /// unknown hash belongs to. Served from the JSON API's project document (cached,
    /// and shared with lookups on indexes without the Simple API). Each release keeps
    /// the files whose names state its version, as [`IndexClient::release`] does.
    pub async fn project(&self, name: &PackageName) -> Result<Vec<Release>, IndexError> {
        let (project_name, releases, status) = if self.protocol() == Protocol::Simple {
            let SimpleAnswer::Document(document) = &*self.whole_simple_document(name).await? else {
                return Err(self.package_not_found(name));
            };
            let project_name = name_of(name, document.name.as_deref());
            (
                project_name,
                document.all_releases()?,
                document.status.clone(),
            )
        } else {
            let project = self.project_document(name).await?;
            (
                name_of(name, project.name.as_deref()),
                project.all_files()?,
                None,
            )
        };
        Ok(releases_of(name, &project_name, status.as_ref(), releases))
    }

    /// Every release of the project, to choose a version from: the Simple API's
    /// PEP 691 JSON where the index serves it (what pip reads, and smaller than
    /// the JSON API's project document), each release the files whose names state
    /// its version; else [`IndexClient::project`]. A release chosen from it is
    /// then looked up as any pin is.
    pub async fn listing(&self, name: &PackageName) -> Result<Vec<Release>, IndexError> {
        if self.protocol() == Protocol::Simple || self.uses_simple_api() == Some(false) {
            return self.project(name).await;
        }
        match &*self.whole_simple_document(name).await? {
            SimpleAnswer::Document(document) => {
                self.settle(Listing::SimpleApi);
                let project_name = name_of(name, document.name.as_deref());
                let status = document.status.clone();
                let releases = document.listed_releases()?;
                Ok(releases_of(name, &project_name, status.as_ref(), releases))
            }
            SimpleAnswer::NotFound if self.uses_simple_api() == Some(true) => {
                Err(self.package_not_found(name))
            }
            SimpleAnswer::NotServed => {
                self.settle(Listing::ProjectDocument);
                self.project(name).await
            }
            SimpleAnswer::NotFound => self.project(name).await,
        }
    }

    /// Whether `url` is on this index's origin (scheme, host, port): a download there
    /// goes with the index's credentials.
    pub(crate) fn serves(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    /// The index URL as messages show it (no credentials).
    pub fn shown_index(&self) -> String {
        self.options.shown_index()
    }

    /// The `algorithm` digest of the file at `url`, hashed chunk by chunk as it
    /// downloads (never held in memory), of the bytes exactly as the server sends
    /// them (no content decoding, like pip). Failures are retried as for documents,
    /// mid-body ones included (the hash starts over); a 404 is
    /// [`IndexError::Status`].
    pub async fn digest_of(&self, url: &Url, algorithm: Algorithm) -> Result<Digest, IndexError> {
        let http = self
            .http(|| format!("the file `{}`", shown_url(url)))
            .await?;
        http.digest_of(url, algorithm).await
    }

    /// The HTTP client the index is asked through, for `url`, a file on its origin
    /// (`--offline`: an error saying the file cannot be fetched).
    pub(crate) async fn file_client(&self, url: &Url) -> Result<&HttpClient, IndexError> {
        self.http(|| format!("the file `{}`", shown_url(url))).await
    }

    /// The index URL (without query or fragment).
    pub(super) fn index_url(&self) -> &Url {
        &self.base
    }

    /// Any other document of the index at `url` (`Ok(None)`: 404), with this
    /// index's credentials when `url` is on its origin.
    pub(super) async fn document(
        &self,
        url: &Url,
        accept: &str,
    ) -> Result<Option<Fetched>, IndexError> {
        let http = self.http(|| format!("`{}`", shown_url(url))).await?;
        http.get(url, accept).await
    }

    /// The document or file at `url`, decoded, up to `--max-document-size`;
    /// `Ok(None)` on 404 (see [`super::metadata`]).
    pub(crate) async fn get_file(&self, url: &Url) -> Result<Option<Fetched>, IndexError> {
        let http = self.file_client(url).await?;
        http.get(url, "*/*").await
    }

    /// The bytes `range` of the file at `url` (see [`super::http::HttpClient::get_range`]).
    pub(crate) async fn get_range(
        &self,
        url: &Url,
        range: &str,
    ) -> Result<Option<super::http::Ranged>, IndexError> {
        let http = self.file_client(url).await?;
        http.get_range(url, range).await
    }

    /// Whether lookups still try the per-version endpoint first: not once this run
    /// or a recent one (the cache says) found it missing.
    pub fn uses_version_endpoint(&self) -> bool {
        !self.version_endpoint_missing.load(Ordering::Relaxed) && !self.knows_it_missing()
    }

    fn knows_it_missing(&self) -> bool {
        *self.known_missing.get_or_init(|| {
            let cache = self.cache.as_ref();
            cache.is_some_and(|cache| cache.version_endpoint_missing(freshness::now()))
        })
    }

    /// A listing has the version the per-version endpoint just denied: that
    /// endpoint is missing, for this run and (through the cache) the next day's.
    fn found_version_endpoint_missing(&self) {
        let first = !self.version_endpoint_missing.swap(true, Ordering::Relaxed);
        if first
            && !self.knows_it_missing()
            && let Some(cache) = &self.cache
        {
            cache.remember_version_endpoint_missing(freshness::now());
        }
    }

    /// How this index is asked.
    fn protocol(&self) -> Protocol {
        self.options.protocol
    }

    async fn lookup(&self, pin: &Pin) -> Result<Release, IndexError> {
        if self.protocol() == Protocol::Simple {
            return self.lookup_simple(pin).await;
        }
        // A listing already read this run (versions were chosen from it) answers
        // without another request, as it would after a 404 below; where it cannot
        // tell, the usual questions are asked.
        if let Some(answer) = self.simple_documents.peek(&pin.name)
            && let SimpleAnswer::Document(document) = &*answer
            && let Ok(Some(release)) = self.release_from_simple(pin, false, document).await
        {
            return Ok(release);
        }
        let mut denied = false;
        if self.uses_version_endpoint() {
            match self.ask_version_endpoint(pin).await? {
                VersionAnswer::Found(release) => return Ok(release),
                VersionAnswer::Missing => denied = true,
                VersionAnswer::Other => {}
            }
        }
        self.release_from_listing(pin, denied).await
    }

    async fn ask_version_endpoint(&self, pin: &Pin) -> Result<VersionAnswer, IndexError> {
        let url = self.endpoint(&[pin.name.as_ref(), &pin.version_text(), "json"]);
        let Some(fetched) = self.fetch(&url).await? else {
            return Ok(VersionAnswer::Missing);
        };
        let document = VersionDocument::parse(&fetched)?;
        let version = document.version.unwrap_or_else(|| pin.version_text());
        if !versions::matches(pin, &version) {
            return Ok(VersionAnswer::Other);
        }
        let name = name_of(&pin.name, document.name.as_deref());
        let release = admit(pin, &fetched.url, name, version, document.files)?;
        Ok(VersionAnswer::Found(release))
    }

    /// A lookup on an index that is only a Simple API: its page for the project, JSON
    /// or HTML, is all there is.
    async fn lookup_simple(&self, pin: &Pin) -> Result<Release, IndexError> {
        let document = match &*self.simple_document(&pin.name).await? {
            SimpleAnswer::Document(document) => Arc::clone(document),
            SimpleAnswer::NotFound => return Err(self.package_not_found(&pin.name)),
            SimpleAnswer::NotServed => return Err(self.not_json(&pin.name)),
        };
        let (document, lookup) = self.looked_up(pin, &document, true).await?;
        let name = document.name.as_deref();
        match lookup {
            Lookup::Found(version, files) => {
                let name = name_of(&pin.name, name);
                let mut release = admit(pin, &document.url, name, version, files)?;
                release.status = document.status.clone();
                Ok(release)
            }
            Lookup::Missing | Lookup::Uncertain => {
                let candidates = document.candidates().into_iter();
                Err(self.version_not_found(pin, name, candidates))
            }
            Lookup::NotKept => Err(self.not_json(&pin.name)),
        }
    }

    /// The error of a Simple API page neither JSON nor HTML.
    fn not_json(&self, name: &PackageName) -> IndexError {
        IndexError::Decode {
            url: shown_url(&self.simple_endpoint(name)),
            message: "the page is neither PEP 691 JSON nor PEP 503 HTML".to_owned(),
        }
    }

    /// What `document` says about `pin` (by file names alone: `by_names`), and the
    /// document that said it: the project's whole document when `document` did not
    /// keep the release's files.
    async fn looked_up(
        &self,
        pin: &Pin,
        document: &Arc<SimpleDocument>,
        by_names: bool,
    ) -> Result<(Arc<SimpleDocument>, Lookup), IndexError> {
        let read = |document: &SimpleDocument| match by_names {
            true => document.release_by_names(pin),
            false => document.release(pin),
        };
        let lookup = read(document)?;
        if !matches!(lookup, Lookup::NotKept) {
            return Ok((Arc::clone(document), lookup));
        }
        let whole = match &*self.whole_simple_document(&pin.name).await? {
            SimpleAnswer::Document(whole) => Arc::clone(whole),
            SimpleAnswer::NotFound => return Err(self.package_not_found(&pin.name)),
            SimpleAnswer::NotServed => return Err(self.not_json(&pin.name)),
        };
        let lookup = read(&whole)?;
        Ok((whole, lookup))
    }

    /// Whether lookups that need a listing read the Simple API (`Some(true)`), the
    /// project document (`Some(false)`), or try the Simple API first (`None`).
    pub fn uses_simple_api(&self) -> Option<bool> {
        self.listing
            .get()
            .map(|listing| *listing == Listing::SimpleApi)
    }

    /// Settles which document lists versions, unless already settled.
    fn settle(&self, listing: Listing) {
        let _ = self.listing.set(listing);
    }

    /// The release from a listing of every version: the Simple API document where
    /// the index serves one, else the project document. `denied`: the per-version
    /// endpoint just answered 404 for this pin.
    async fn release_from_listing(&self, pin: &Pin, denied: bool) -> Result<Release, IndexError> {
        if self.uses_simple_api() != Some(false) {
            match &*self.simple_document(&pin.name).await? {
                SimpleAnswer::Document(document) => {
                    self.settle(Listing::SimpleApi);
                    if let Some(release) = self.release_from_simple(pin, denied, document).await? {
                        return Ok(release);
                    }
                    // The release may hold a file only the JSON API places.
                    let project = self.project_document(&pin.name).await?;
                    return self.release_in_project(pin, denied, &project);
                }
                SimpleAnswer::NotFound if self.uses_simple_api() == Some(true) => {
                    return Err(self.package_not_found(&pin.name));
                }
                SimpleAnswer::NotFound => {
                    // No project at all, or no Simple API: the JSON API tells.
                    let project = self.project_document(&pin.name).await?;
                    self.settle(Listing::ProjectDocument);
                    return self.release_in_project(pin, denied, &project);
                }
                SimpleAnswer::NotServed => self.settle(Listing::ProjectDocument),
            }
        }
        let project = self.project_document(&pin.name).await?;
        self.release_in_project(pin, denied, &project)
    }

    /// The release from the Simple API document; `None` when it cannot tell the
    /// release's files (see [`simple_api`]).
    async fn release_from_simple(
        &self,
        pin: &Pin,
        denied: bool,
        document: &Arc<SimpleDocument>,
    ) -> Result<Option<Release>, IndexError> {
        if denied && document.has_version(&pin.version_text()) {
            self.found_version_endpoint_missing();
        }
        let (document, lookup) = self.looked_up(pin, document, false).await?;
        let name = document.name.as_deref();
        match lookup {
            Lookup::Found(version, files) => {
                let name = name_of(&pin.name, name);
                let mut release = admit(pin, &document.url, name, version, files)?;
                release.status = document.status.clone();
                Ok(Some(release))
            }
            Lookup::Missing => {
                let candidates = document.candidates().into_iter();
                Err(self.version_not_found(pin, name, candidates))
            }
            // A whole document keeps every file: the JSON API answers if need be.
            Lookup::Uncertain | Lookup::NotKept => Ok(None),
        }
    }

    /// The release from the project document. `denied`: the per-version endpoint
    /// just answered 404 for this pin.
    fn release_in_project(
        &self,
        pin: &Pin,
        denied: bool,
        project: &ProjectDocument,
    ) -> Result<Release, IndexError> {
        if denied && project.releases.contains_key(&pin.version_text()) {
            self.found_version_endpoint_missing();
        }
        let keys = project.releases.keys().map(String::as_str);
        let Some(version) = versions::select(pin, keys) else {
            let installable = |files: &Vec<FileEntry>| files.iter().any(|file| !file.is_yanked());
            let candidates = project
                .releases
                .iter()
                .map(|(key, files)| (key.as_str(), installable(files)));
            return Err(self.version_not_found(pin, project.name.as_deref(), candidates));
        };
        let name = name_of(&pin.name, project.name.as_deref());
        let files = project.files(version)?;
        admit(pin, &project.url, name, version.to_owned(), files)
    }

    /// The project document of `name`, fetched once per run.
    async fn project_document(
        &self,
        name: &PackageName,
    ) -> Result<Arc<ProjectDocument>, IndexError> {
        let fetch = async {
            let url = self.endpoint(&[name.as_ref(), "json"]);
            match self.fetch(&url).await? {
                Some(fetched) => parsed_apart(fetched, |f| ProjectDocument::parse(&f)).await,
                None => Err(self.package_not_found(name)),
            }
        };
        self.projects.get_or_fetch(name.clone(), fetch).await
    }

    /// The Simple API's answer about `name`, fetched once per run, keeping the files
    /// the run's lookups may read (see [`IndexClient::expect`]).
    async fn simple_document(&self, name: &PackageName) -> Result<Arc<SimpleAnswer>, IndexError> {
        let keep = lock(&self.keep).get(name).cloned().unwrap_or(Keep::All);
        let read = self.read_simple(name, keep);
        self.simple_documents.get_or_fetch(name.clone(), read).await
    }

    /// [`IndexClient::simple_document`] with every file's values: read again whole
    /// if the run's read kept only some.
    async fn whole_simple_document(
        &self,
        name: &PackageName,
    ) -> Result<Arc<SimpleAnswer>, IndexError> {
        let answer = match self.simple_documents.peek(name) {
            Some(answer) => answer,
            None => {
                let read = self.read_simple(name, Keep::All);
                self.simple_documents
                    .get_or_fetch(name.clone(), read)
                    .await?
            }
        };
        match &*answer {
            SimpleAnswer::Document(document) if !document.is_whole() => {
                let read = self.read_simple(name, Keep::All);
                self.whole_documents.get_or_fetch(name.clone(), read).await
            }
            _ => Ok(answer),
        }
    }

    /// `GET /simple/<name>/`: PEP 691 JSON read as it arrives, keeping what `keep`
    /// says; anything else (and JSON the fast reader leaves to serde, asked again)
    /// read whole.
    async fn read_simple(
        &self,
        name: &PackageName,
        keep: Keep,
    ) -> Result<SimpleAnswer, IndexError> {
        let simple_only = self.protocol() == Protocol::Simple;
        let url = self.simple_endpoint(name);
        // Next to a JSON API only PEP 691 JSON is worth reading (an HTML page says
        // less than the project document); a Simple API alone is read either way.
        let accept = if simple_only {
            ACCEPT_SIMPLE
        } else {
            simple_api::CONTENT_TYPE
        };
        let project = name.to_string();
        let reader = |response: &reqwest::Response| {
            let content_type = response.headers().get(reqwest::header::CONTENT_TYPE);
            let content_type = content_type.and_then(|value| value.to_str().ok());
            simple_api::is_simple_json_type(content_type)
                .then(|| Stream::new(&project, keep.clone(), response.content_length()))
        };
        let fetched = match self.get_streamed(&url, accept, reader).await {
            Ok(Some(Received::Streamed { url: from, read })) => match read.finish() {
                Some(streamed) => {
                    let document = SimpleDocument::streamed(from, streamed, name)?;
                    return Ok(SimpleAnswer::Document(Arc::new(document)));
                }
                None => self.get(&url, accept).await,
            },
            Ok(Some(Received::Whole(fetched))) => Ok(Some(fetched)),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        match fetched {
            Ok(Some(fetched)) if simple_api::is_simple_json(&fetched) => {
                let name = name.clone();
                let document =
                    parsed_apart(fetched, move |f| SimpleDocument::parse(f, &name)).await?;
                Ok(SimpleAnswer::Document(Arc::new(document)))
            }
            Ok(Some(fetched))
                if simple_only && simple_html::is_html(fetched.content_type.as_deref()) =>
            {
                let name = name.clone();
                let parse = move |f: Fetched| SimpleDocument::parse_html(&f, &name);
                let document = parsed_apart(fetched, parse).await?;
                Ok(SimpleAnswer::Document(Arc::new(document)))
            }
            Ok(Some(_)) | Err(IndexError::Status { status: 406, .. }) => {
                Ok(SimpleAnswer::NotServed)
            }
            Ok(None) => Ok(SimpleAnswer::NotFound),
            Err(error) => Err(error),
        }
    }

    fn package_not_found(&self, name: &PackageName) -> IndexError {
        IndexError::PackageNotFound {
            package: name.to_string(),
            index: self.shown_index(),
        }
    }

    /// `candidates`: (version, installable) of every published version.
    fn version_not_found<'a>(
        &self,
        pin: &Pin,
        name: Option<&str>,
        candidates: impl Iterator<Item = (&'a str, bool)>,
    ) -> IndexError {
        IndexError::VersionNotFound {
            package: name.map_or_else(|| pin.name.to_string(), str::to_owned),
            version: pin.version_text(),
            index: self.shown_index(),
            close: versions::nearest(&pin.version, candidates, CLOSE_VERSIONS),
        }
    }

    async fn fetch(&self, url: &Url) -> Result<Option<Fetched>, IndexError> {
        self.get(url, ACCEPT_JSON).await
    }

    /// `<base>/pypi/<segments...>`, each segment percent-encoded as a path segment.
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        // `ClientOptions` holds only http(s) URLs, which always have a path.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("pypi").extend(segments);
        }
        url
    }

    /// `<base>/simple/<name>/` next to a JSON API, `<root>/<name>/` on a Simple API
    /// root, the name normalized (as PEP 503 asks clients to).
    fn simple_endpoint(&self, name: &PackageName) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            if self.protocol() == Protocol::JsonApi {
                path.push("simple");
            }
            path.extend([name.as_ref(), ""]);
        }
        url
    }
}

/// The project name as the index spells it, when it is `project`'s name (PEP 503
/// normalized); else `project` itself: a document about another project names
/// nothing of ours (and none of its files will be kept).
fn name_of(project: &PackageName, spelled: Option<&str>) -> String {
    let ours = |spelled: &&str| spelled.parse::<PackageName>().is_ok_and(|n| n == *project);
    spelled
        .filter(ours)
        .map_or_else(|| project.to_string(), str::to_owned)
}

/// The release of `pin` from the `files` the document at `url` lists for it: those
/// whose names are a distribution of `pin`'s project and version. A document that
/// lists files and none of them `pin`'s is an error: it is broken or hostile, and a
/// release with no file would only say so later, less clearly.
fn admit(
    pin: &Pin,
    url: &Url,
    name: String,
    version: String,
    files: Vec<DistFile>,
) -> Result<Release, IndexError> {
    // Outside a cached lookup's scope there is nothing to note.
    let _ = DECIDED.try_with(|decided| decided.replace(Some(url.clone())));
    let (files, legacy, ignored) = sort_out(files, &pin.name, Wanted::Pin(pin));
    if files.is_empty() && legacy.is_empty() && !ignored.is_empty() {
        return Err(IndexError::NoFiles {
            url: shown_url(url),
            pin: pin.to_string(),
            ignored: ignored
                .iter()
                .map(|file| shown_text(&file.filename))
                .collect(),
        });
    }
    Ok(Release {
        name,
        version,
        files,
        legacy,
        ignored,
        status: None,
    })
}

/// The releases of project `name` (spelled `project_name`), each of its version's
/// files sorted out as [`sort_out`] does.
fn releases_of(
    name: &PackageName,
    project_name: &str,
    status: Option<&super::ProjectStatus>,
    releases: Vec<(String, Vec<DistFile>)>,
) -> Vec<Release> {
    releases
        .into_iter()
        .map(|(version, files)| {
            let (files, legacy, ignored) = sort_out(files, name, Wanted::Key(&version));
            Release {
                name: project_name.to_owned(),
                version,
                files,
                legacy,
                ignored,
                status: status.cloned(),
            }
        })
        .collect()
}

/// `files` split into those whose names are a distribution pip installs (wheel or
/// sdist) of `project` at the `wanted` version, on the web (an index that points at
/// a `file:` URL would have hashlock read this machine's files); the version's eggs
/// and installers, which pip never installs; and the others.
fn sort_out(
    files: Vec<DistFile>,
    project: &PackageName,
    wanted: Wanted<'_>,
) -> (Vec<DistFile>, Vec<DistFile>, Vec<DistFile>) {
    let mut kept = Vec::with_capacity(files.len());
    let mut legacy = Vec::new();
    let mut ignored = Vec::new();
    for file in files {
        let stated = dist_filename::version_of(&file.filename, project.as_ref());
        let on_the_web = matches!(file.url.scheme(), "http" | "https");
        match stated {
            Some((version, kind)) if on_the_web && wanted.accepts(version, kind) => {
                if kind == Kind::Legacy {
                    legacy.push(file);
                } else {
                    kept.push(file);
                }
            }
            _ => ignored.push(file),
        }
    }
    (kept, legacy, ignored)
}

/// `parse(fetched)`, run as a task of its own: the thread that drives every lookup
/// does not parse too. A cold 199-pin `lock` spent two thirds of its CPU on that
/// thread, half of it parsing; parsed apart, 0.237 s became 0.220 s (paired
/// medians).
async fn parsed_apart<T, F>(fetched: Fetched, parse: F) -> Result<T, IndexError>
where
    T: Send + 'static,
    F: FnOnce(Fetched) -> Result<T, IndexError> + Send + 'static,
{
    let url = shown_url(&fetched.url);
    match tokio::spawn(async move { parse(fetched) }).await {
        Ok(parsed) => parsed,
        Err(error) => Err(IndexError::Decode {
            url,
            message: format!("reading the document failed: {error}"),
        }),
    }
}

/// `mutex`'s guard, even if a panicking holder poisoned it (the maps stay whole).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
