//! The one HTTP client of a run: connection reuse, timeouts, retries, and the
//! bounds that keep a hostile or broken server from making a run hang or grow.
//!
//! Every index request goes through [`HttpClient::get`], which retries what is worth
//! retrying (429, 5xx, connection errors, timeouts) with exponential backoff and
//! jitter, honouring `Retry-After`, and reports a 404 as `Ok(None)` because the index
//! clients treat "not there" as an answer, not a failure. Distribution files go
//! through [`HttpClient::digest_of`], with the same policy, streamed to a hasher.
//!
//! Bounds, each failing the request with an error that names the URL:
//! - `timeout`: the longest silence (before the answer, and between two chunks);
//! - `deadline`: the longest a request may take in all, retries and waits included,
//!   so a server that trickles a byte at a time cannot hold a run;
//! - `max_document_size`: the most bytes of a document held, counted as decoded
//!   (a gzip body counts inflated), so an endless body or a gzip bomb cannot grow
//!   memory (files are hashed as they stream and never held);
//! - `max_retry_wait`: a `Retry-After` longer than this is not waited out: the
//!   request fails at once saying what the server asked for, and so does every later
//!   request to that host until the time it named.
//!
//! Redirects are followed up to [`MAX_REDIRECTS`], never in a loop nor from https to
//! http; credentials do not cross hosts (reqwest drops `Authorization`, which it
//! builds from the URL's user name and password, on a redirect to another host) and
//! no `Referer` is sent (an index URL can hold a token in its path).
//!
//! The index host is resolved once, before the client exists, and pinned: some
//! mirrors' resolvers stall for seconds when many lookups run at once, and a pool of
//! connections to one host needs only one answer anyway.

mod retry_after;
mod roots;

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as _;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE, ETAG, HeaderMap,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RANGE, RETRY_AFTER,
};
use reqwest::redirect::Policy;
use reqwest::{Certificate, ClientBuilder, RequestBuilder, Response, StatusCode, Url};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::{IndexError, shown_url};
use crate::digest::lanes::Stopped;
use crate::digest::{Algorithm, Digest, DownloadHasher, FileDigests, Hasher, Hashing};

/// Sent with every request, so index operators can tell who is calling.
pub const USER_AGENT: &str = concat!("hashlock/", env!("CARGO_PKG_VERSION"));

/// Redirects followed for one request, as browsers and pip allow.
pub const MAX_REDIRECTS: usize = 10;

tokio::task_local! {
    /// The last URL the redirect policy followed for the request being sent: reqwest
    /// names the URL first asked for in its errors, and a failure after a redirect
    /// must name the URL that failed.
    static FOLLOWED: RefCell<Option<Url>>;
}

/// The default [`ClientOptions::max_document_size`]: 128 MiB. PyPI's largest JSON
/// API project documents are tens of MB (its operators' words when they dropped
/// `releases` from per-version documents for that reason, discuss.python.org/t/17154;
/// a file entry is about 0.8 KB, so a project needs some 40 000 files to reach
/// 32 MB), and the Simple API's are about half as large: four times the largest.
pub const DEFAULT_MAX_DOCUMENT_SIZE: u64 = 128 * 1024 * 1024;

/// Settings of the shared HTTP client.
///
/// Build it with [`ClientOptions::new`] or `..Default::default()`: fields may be added.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Base URL of the index, e.g. `https://pypi.org` (no trailing `/pypi`).
    pub index_url: Url,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// The longest silence allowed: before the answer starts, and between two
    /// chunks of it. A server that keeps sending, however slowly, is bounded by
    /// `deadline` instead.
    pub timeout: Duration,
    /// The longest one request (a document or a file download) may take in all:
    /// every attempt, the waits between them and the whole body.
    pub deadline: Duration,
    /// How many times a failed request is retried (429, 5xx, connection errors).
    pub retries: u32,
    /// Backoff before the first retry; it doubles with each retry, with jitter.
    pub retry_base: Duration,
    /// The longest single wait between attempts. A `Retry-After` asking for more is
    /// not waited out: the request fails, saying what the server asked for.
    pub max_retry_wait: Duration,
    /// The largest index document read, in bytes as decoded (a gzip body counts
    /// inflated). Files are hashed as they stream and are not limited by it.
    pub max_document_size: u64,
    /// A PEM bundle of CA certificates to trust besides the built-in (Mozilla)
    /// roots: for mirrors behind a private CA or a TLS-inspecting proxy.
    pub ca_bundle: Option<PathBuf>,
    /// How the index is asked.
    pub protocol: Protocol,
    /// Credentials for the index's origin (scheme, host, port), sent with every
    /// request to that origin and to no other. A user name and password in
    /// `index_url` are moved here when the client is built.
    pub credentials: Option<Credentials>,
}

/// How an index is asked: the documents it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// PyPI's JSON API at `<url>/pypi/...`, and the Simple API's JSON at
    /// `<url>/simple/<name>/`: what hashlock's own `--index-url` names when it does
    /// not end in `/simple` (PyPI, and mirrors of its JSON API).
    #[default]
    JsonApi,
    /// A Simple API root, as pip reads every index URL: `<url>/<name>/`, PEP 691
    /// JSON where served, else PEP 503 HTML. No JSON API is asked.
    Simple,
}

/// A user name and an optional password (a token alone is a user name).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: Option<String>,
}

impl std::fmt::Debug for Credentials {
    /// Never shows the secret, whatever prints it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(****)")
    }
}

impl Credentials {
    /// The user name and password of `url`, percent-decoded, if it has any.
    pub fn of(url: &Url) -> Option<Credentials> {
        if url.username().is_empty() && url.password().is_none() {
            return None;
        }
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(text)
                .decode_utf8_lossy()
                .into_owned()
        };
        Some(Credentials {
            username: decode(url.username()),
            password: url.password().map(decode),
        })
    }
}

impl ClientOptions {
    /// The index URL as messages show it (`https://pypi.org`, no trailing `/`, no
    /// credentials).
    pub fn shown_index(&self) -> String {
        shown_url(&self.index_url).trim_end_matches('/').to_owned()
    }

    /// Default settings for the index at `index_url`.
    pub fn new(index_url: Url) -> Self {
        Self {
            index_url,
            ..Self::default()
        }
    }
}

impl Default for ClientOptions {
    /// PyPI; connect 10 s, silences of 30 s, 300 s per request, 3 retries from
    /// 500 ms, waits of at most 60 s, documents of at most 128 MiB, built-in CA
    /// roots only.
    fn default() -> Self {
        Self {
            index_url: Url::parse("https://pypi.org").expect("a valid URL"),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(300),
            retries: 3,
            retry_base: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(60),
            max_document_size: DEFAULT_MAX_DOCUMENT_SIZE,
            ca_bundle: None,
            protocol: Protocol::JsonApi,
            credentials: None,
        }
    }
}

/// One HTTP client shared by every lookup of a run (cheap to clone: the connection
/// pool is shared).
#[derive(Debug, Clone)]
pub struct HttpClient {
    /// For index documents: accepts gzip and decodes it.
    client: reqwest::Client,
    /// For distribution files, which must be hashed as sent (a `.tar.gz` served
    /// with `Content-Encoding: gzip` must not be unpacked): built on first use, so
    /// runs that download nothing do not pay for a second TLS setup.
    raw: Arc<OnceLock<Result<reqwest::Client, String>>>,
    setup: Arc<Setup>,
    options: ClientOptions,
    /// Hosts (origins) that asked, with a `Retry-After` longer than we wait, to be
    /// left alone: requests to them fail at once until then.
    refusals: Arc<Mutex<HashMap<String, Refusal>>>,
    /// The bytes of document bodies being read at once, in KiB (see
    /// [`DOCUMENT_BUDGET`]).
    budget: Arc<Semaphore>,
    /// Documents asked at once over HTTP/1.1 (see [`H1_READ_AHEAD`]).
    h1: Arc<ReadAhead>,
}

/// What HTTP/1.1 reads ahead outside the budget: hyper fills a connection's buffer
/// with the answer's bytes (up to about 400 KiB) whether or not the body is being
/// read, so every answer waiting for budget holds that much more. Over HTTP/1.1,
/// at most `DOCUMENT_BUDGET / H1_READ_AHEAD` (40) documents are asked at once, which
/// bounds those buffers by the budget again. HTTP/2 needs no such cap: a stream's
/// window ([`STREAM_WINDOW`]) is what a request reserves before it is sent.
const H1_READ_AHEAD: u64 = 400 * 1024;

/// The cap on documents asked at once over HTTP/1.1: on from the start for an
/// `http://` index, from the first HTTP/1.x answer for an `https://` one (which
/// may speak either), and lifted by the first HTTP/2 answer.
#[derive(Debug)]
struct ReadAhead {
    slots: Semaphore,
    /// Whether an answer showed the protocol (the cap then stays as it is).
    known: std::sync::atomic::AtomicBool,
    /// Whether the cap applies.
    capped: std::sync::atomic::AtomicBool,
}

impl ReadAhead {
    fn new(plain_http: bool) -> ReadAhead {
        ReadAhead {
            slots: Semaphore::new((DOCUMENT_BUDGET / H1_READ_AHEAD) as usize),
            known: std::sync::atomic::AtomicBool::new(false),
            capped: std::sync::atomic::AtomicBool::new(plain_http),
        }
    }

    /// A slot when the cap applies (`None` otherwise).
    async fn slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        use std::sync::atomic::Ordering;
        if !self.capped.load(Ordering::Acquire) {
            return None;
        }
        // Never closed; were it, asking without a slot beats failing.
        self.slots.acquire().await.ok()
    }

    /// Notes the protocol of an answer: the first one decides.
    fn answered(&self, version: reqwest::Version) {
        use std::sync::atomic::Ordering;
        if self.known.swap(true, Ordering::AcqRel) {
            return;
        }
        let h1 = version < reqwest::Version::HTTP_2;
        self.capped.store(h1, Ordering::Release);
        if !h1 {
            // Whoever waits for a slot goes at once.
            self.slots.add_permits(MAX_STREAMS as usize);
        }
    }
}

/// How many bytes of document bodies are read at once, however many requests are in
/// flight: peak memory is bounded by this and not by the number of pins or the size
/// of their projects' listings (see [`HttpClient::get_document`]). A body read as it
/// arrives counts what its [`Reader`] holds of it. A body larger than the budget
/// waits for all of it. Never waited for mid-body, and the HTTP/2 windows leave room
/// for every stream (see `Setup::builder`), so a waiting body cannot stall the ones
/// being read.
pub const DOCUMENT_BUDGET: u64 = 16 * 1024 * 1024;
/// HTTP/2 flow control: the most unread bytes one response may have on the way.
const STREAM_WINDOW: u32 = 256 * 1024;
/// The most requests in flight at once (`--concurrency`'s maximum).
const MAX_STREAMS: u32 = 512;
/// What a document request reserves of the budget before it is sent: at most
/// `DOCUMENT_BUDGET / FIRST_RESERVATION` requests wait for an answer at once, so
/// that what their connections buffer is bounded too: an HTTP/2 stream's window
/// is this size; over HTTP/1.1, where hyper reads ahead up to ~400 KiB whatever
/// the budget says, [`H1_READ_AHEAD`] caps the requests instead.
const FIRST_RESERVATION: u64 = 256 * 1024;
/// What a body of unknown size (no `Content-Length`, or compressed) reserves.
const UNKNOWN_SIZE: u64 = 1024 * 1024;

/// A server's request to be left alone for longer than hashlock waits.
#[derive(Debug, Clone, Copy)]
struct Refusal {
    until: Instant,
    status: u16,
    /// The longest wait hashlock allowed, in seconds.
    limit: u64,
}

/// What both clients are built from.
#[derive(Debug)]
struct Setup {
    /// The platform's CA roots, and those from `ca_bundle`.
    roots: Vec<Certificate>,
    /// The index host and the addresses it was resolved to once.
    pinned: Option<(String, Vec<SocketAddr>)>,
}

/// The body of a successful response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body came from after redirects: relative links resolve against it.
    pub url: Url,
    /// The `Content-Type` header, when sent and readable.
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What a document's response says about caching it: its validators and
/// `Cache-Control`, as sent (the cache decides what they mean).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caching {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub cache_control: Option<String>,
}

impl Caching {
    fn of(headers: &HeaderMap) -> Caching {
        let text = |name| {
            let value = headers.get(name)?.to_str().ok()?;
            Some(value.to_owned())
        };
        Caching {
            etag: text(ETAG),
            last_modified: text(LAST_MODIFIED),
            cache_control: text(CACHE_CONTROL),
        }
    }

    /// Whether a conditional request can revalidate the document.
    pub fn has_validator(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }
}

/// The answer to a document request: a body, or (to a conditional request) "not
/// modified", each with what the response says about caching.
#[derive(Debug)]
pub enum Document<B = Fetched> {
    Fetched(B, Caching),
    NotModified(Caching),
}

/// What reads a document's body as it arrives (see [`HttpClient::get_streamed`]).
pub(crate) trait Reader: Send + 'static {
    /// The body's next bytes.
    fn feed(&mut self, chunk: &[u8]);

    /// About how many bytes it holds at most, fed a body of `size` bytes: what the
    /// body reserves of [`DOCUMENT_BUDGET`].
    fn holds(&self, size: u64) -> u64 {
        size
    }
}

/// No reader: every body is read whole.
pub(crate) enum Whole {}

impl Reader for Whole {
    fn feed(&mut self, _: &[u8]) {
        match *self {}
    }
}

/// A document's body, read whole or fed to a [`Reader`].
#[derive(Debug)]
pub(crate) enum Received<R> {
    Whole(Fetched),
    /// `read` was fed the body that came from `url` (after redirects).
    Streamed {
        url: Url,
        read: R,
    },
}

/// The answer to a range request.
#[derive(Debug, Clone)]
pub struct Ranged {
    /// The server sent the range (206), not the whole file (200).
    pub partial: bool,
    /// The file's length, from `Content-Range`.
    pub total: Option<u64>,
    pub body: Vec<u8>,
}

/// The outcome of one attempt: final, or worth another try.
enum Attempt<T> {
    Done(Result<Option<T>, IndexError>),
    Retry {
        error: IndexError,
        /// The status and `Retry-After` of a 429 or 5xx that sent one.
        retry_after: Option<(u16, Duration)>,
    },
}

/// Why reading a response body stopped.
pub(super) enum BodyError {
    /// The connection failed, timed out or sent a broken encoding.
    Transport(reqwest::Error),
    /// The body is larger than `limit` bytes (as decoded).
    TooLarge { limit: u64 },
    /// The body could not be hashed.
    Hashing(Stopped),
    /// The task reading the body failed (it panicked).
    Task(String),
}

impl From<Stopped> for BodyError {
    fn from(stopped: Stopped) -> Self {
        BodyError::Hashing(stopped)
    }
}

impl From<reqwest::Error> for BodyError {
    fn from(error: reqwest::Error) -> Self {
        BodyError::Transport(error)
    }
}

impl HttpClient {
    /// `options` checked (an http(s) index URL with a host) and with the index URL's
    /// credentials moved to `credentials`: they are sent to the index's origin only,
    /// and a URL without them can be shown anywhere.
    pub fn prepare(options: &ClientOptions) -> Result<ClientOptions, IndexError> {
        check_index_url(&options.index_url)?;
        let mut options = options.clone();
        if let Some(credentials) = Credentials::of(&options.index_url) {
            options.credentials.get_or_insert(credentials);
            let _ = options.index_url.set_username("");
            let _ = options.index_url.set_password(None);
        }
        Ok(options)
    }

    /// Resolves the index host and builds the client.
    pub async fn connect(options: &ClientOptions) -> Result<HttpClient, IndexError> {
        // Read while the host resolves.
        roots::preload();
        let options = &Self::prepare(options)?;
        let mut roots = extra_roots(options).await?;
        let pinned = resolve_host(&options.index_url, options).await?;
        let platform = roots::platform()
            .as_ref()
            .map_err(|message| IndexError::Network {
                url: options.shown_index(),
                message: format!("cannot use the platform's CA roots: {message}"),
            })?;
        roots.extend(platform.iter().cloned());
        let setup = Setup { roots, pinned };
        let builder = setup.builder(options).gzip(true);
        let client = builder.build().map_err(|error| IndexError::Network {
            url: options.shown_index(),
            message: describe(error),
        })?;
        Ok(HttpClient {
            client,
            raw: Arc::default(),
            setup: Arc::new(setup),
            options: options.clone(),
            refusals: Arc::default(),
            budget: Arc::new(Semaphore::new(kib(DOCUMENT_BUDGET) as usize)),
            h1: Arc::new(ReadAhead::new(options.index_url.scheme() == "http")),
        })
    }

    /// The options the client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// GETs `url`, retrying transient failures. `Ok(None)` means 404. The body is
    /// read up to `max_document_size` bytes, decoded.
    pub async fn get(&self, url: &Url, accept: &str) -> Result<Option<Fetched>, IndexError> {
        match self.get_document(url, accept, None).await? {
            Some(Document::Fetched(fetched, _)) => Ok(Some(fetched)),
            // Only a conditional request is answered 304: this is no document.
            Some(Document::NotModified(_)) => Err(IndexError::Status {
                url: shown_url(url),
                status: 304,
            }),
            None => Ok(None),
        }
    }

    /// [`HttpClient::get`], also giving what the response says about caching; with
    /// `validators` (an earlier answer's), a conditional request, which a 304
    /// answers with [`Document::NotModified`].
    ///
    /// Bodies are read within [`DOCUMENT_BUDGET`]: a request reserves
    /// [`FIRST_RESERVATION`] before it is sent, and once the answer's
    /// `Content-Length` is known (and what a reader holds of that many bytes, see
    /// [`HttpClient::get_streamed`]), gives back what it does not need or waits for
    /// what it lacks; it gives all back once the body is read.
    pub async fn get_document(
        &self,
        url: &Url,
        accept: &str,
        validators: Option<&Caching>,
    ) -> Result<Option<Document>, IndexError> {
        let whole = |_: &Response| None::<Whole>;
        let answer = self.get_streamed(url, accept, validators, whole).await?;
        Ok(answer.map(|document| match document {
            Document::Fetched(Received::Whole(fetched), caching) => {
                Document::Fetched(fetched, caching)
            }
            Document::Fetched(Received::Streamed { read, .. }, _) => match read {},
            Document::NotModified(caching) => Document::NotModified(caching),
        }))
    }

    /// [`HttpClient::get_document`], the body fed as it arrives to the reader
    /// `reader` makes for the response (its headers read), when it makes one: the
    /// body is then never held whole. Each attempt gets a reader of its own.
    pub(crate) async fn get_streamed<R: Reader>(
        &self,
        url: &Url,
        accept: &str,
        validators: Option<&Caching>,
        reader: impl Fn(&Response) -> Option<R>,
    ) -> Result<Option<Document<Received<R>>>, IndexError> {
        let request = || {
            let mut request = self
                .authorized(self.client.get(url.clone()), url)
                .header(ACCEPT, accept);
            if let Some(validators) = validators {
                if let Some(etag) = &validators.etag {
                    request = request.header(IF_NONE_MATCH, etag);
                }
                if let Some(date) = &validators.last_modified {
                    request = request.header(IF_MODIFIED_SINCE, date);
                }
            }
            request
        };
        let limit = self.options.max_document_size;
        let _slot = self.h1.slot().await;
        let budget = &self.budget;
        let first = kib(FIRST_RESERVATION);
        // Never closed: were it, reading unbudgeted beats failing.
        let held = Arc::clone(budget).acquire_many_owned(first).await.ok();
        let held = &Mutex::new(held);
        let reader = &reader;
        let read = |response: Response| async move {
            self.h1.answered(response.version());
            let caching = Caching::of(response.headers());
            if response.status() == StatusCode::NOT_MODIFIED {
                return Ok(Document::NotModified(caching));
            }
            let reading = reader(&response);
            let size = response.content_length().unwrap_or(UNKNOWN_SIZE);
            let needed = reading.as_ref().map_or(size, |reading| reading.holds(size));
            let needed = kib(needed.clamp(1, DOCUMENT_BUDGET));
            let permit = held.lock().unwrap_or_else(PoisonError::into_inner).take();
            let permit = resize(permit, needed, budget).await;
            *held.lock().unwrap_or_else(PoisonError::into_inner) = permit;
            let received = match reading {
                Some(read) => apart(stream_all(response, limit, read)).await?,
                None => Received::Whole(apart(read_all(response, limit)).await?),
            };
            Ok(Document::Fetched(received, caching))
        };
        self.retrying(url, request, read).await
    }

    /// GETs the file at `url` and hands the successful response to `read`, which
    /// consumes the body (typically [`Response::chunk`] in a loop). `Ok(None)`
    /// means 404.
    ///
    /// The body is the bytes exactly as the server sends them: the request asks
    /// for `Accept-Encoding: identity` and nothing is decoded, as pip downloads.
    /// Failures before the body (429, 5xx, connection errors, timeouts) and
    /// transport errors `read` returns (a connection cut or a read timeout mid-body:
    /// the timeout applies between chunks) are retried as in [`HttpClient::get`],
    /// calling `read` afresh on the new response; so `read` must start over from
    /// scratch each time.
    async fn download<T, F, Fut>(&self, url: &Url, read: F) -> Result<Option<T>, IndexError>
    where
        F: FnMut(Response) -> Fut,
        Fut: Future<Output = Result<T, BodyError>>,
    {
        let client = self.raw_client()?;
        let request = || {
            self.authorized(client.get(url.clone()), url)
                .header(ACCEPT, "*/*")
                .header(ACCEPT_ENCODING, "identity")
        };
        self.retrying(url, request, read).await
    }

    /// GETs the bytes `range` (a `Range` value: `bytes=-65536`, `bytes=100-199`) of
    /// the file at `url`, as sent (no content decoding), retried as [`HttpClient::get`];
    /// `Ok(None)` on 404. A server that ignores ranges sends the whole file (up to
    /// `max_document_size`): [`Ranged::partial`] says which.
    pub async fn get_range(&self, url: &Url, range: &str) -> Result<Option<Ranged>, IndexError> {
        let client = self.raw_client()?;
        let request = || {
            self.authorized(client.get(url.clone()), url)
                .header(ACCEPT, "*/*")
                .header(ACCEPT_ENCODING, "identity")
                .header(RANGE, range)
        };
        let limit = self.options.max_document_size;
        let read = |response: Response| async move {
            let partial = response.status() == StatusCode::PARTIAL_CONTENT;
            // `bytes 100-199/5000`: the file is 5000 bytes long.
            let total = response
                .headers()
                .get(CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit('/').next())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let fetched = read_all(response, limit).await?;
            Ok(Ranged {
                partial,
                total,
                body: fetched.body,
            })
        };
        self.retrying(url, request, read).await
    }

    /// `request` with the index's credentials when `url` is on the index's origin
    /// (scheme, host and port): never sent anywhere else.
    fn authorized(&self, request: RequestBuilder, url: &Url) -> RequestBuilder {
        match &self.options.credentials {
            Some(credentials) if url.origin() == self.options.index_url.origin() => {
                request.basic_auth(&credentials.username, credentials.password.as_ref())
            }
            _ => request,
        }
    }

    /// The `algorithm` digest of the file at `url`, hashed as it downloads (see
    /// [`HttpClient::download`]); a 404 is [`IndexError::Status`].
    pub async fn digest_of(&self, url: &Url, algorithm: Algorithm) -> Result<Digest, IndexError> {
        let hash = |mut response: Response| async move {
            let mut hasher = Hasher::new(algorithm);
            while let Some(chunk) = response.chunk().await? {
                hasher.update(&chunk);
            }
            Ok::<_, BodyError>(hasher.finalize())
        };
        match self.download(url, hash).await? {
            Some(digest) => Ok(digest),
            None => Err(IndexError::Status {
                url: shown_url(url),
                status: 404,
            }),
        }
    }

    /// The [`FileDigests`] of the file at `url` (with what `hashing` asks besides
    /// the sha256), hashed as it downloads; `received` is told the size of
    /// every chunk (for progress: a retried download counts its bytes again).
    pub(crate) async fn file_digests(
        &self,
        url: &Url,
        hashing: &Hashing,
        received: &(dyn Fn(u64) + Sync),
    ) -> Result<FileDigests, IndexError> {
        let hash = |mut response: Response| {
            let mut hasher = DownloadHasher::new(hashing);
            async move {
                while let Some(chunk) = response.chunk().await? {
                    received(chunk.len() as u64);
                    hasher.update(chunk).await?;
                }
                Ok::<_, BodyError>(hasher.finalize().await?)
            }
        };
        match self.download(url, hash).await? {
            Some(digests) => Ok(digests),
            None => Err(IndexError::Status {
                url: shown_url(url),
                status: 404,
            }),
        }
    }

    /// The client for files, built on first use.
    fn raw_client(&self) -> Result<&reqwest::Client, IndexError> {
        let built = self.raw.get_or_init(|| {
            // HTTP/1.1: one connection per download in flight, as pip and curl
            // download. Over HTTP/2 every download shares one connection and its flow
            // control window: 763 MiB of files took 5.5 s that way, 3.6 s this way
            // (46 pins, 8 at once), and raising the windows bought as much for 20 MiB
            // more memory.
            let builder = self.setup.builder(&self.options).gzip(false).http1_only();
            builder.build().map_err(describe)
        });
        built.as_ref().map_err(|message| IndexError::Network {
            url: self.options.shown_index(),
            message: message.clone(),
        })
    }

    /// Sends `request()` and reads the response with `read` until an attempt is
    /// final, the retries are spent or the deadline passes.
    async fn retrying<T, F, Fut>(
        &self,
        url: &Url,
        request: impl Fn() -> RequestBuilder,
        read: F,
    ) -> Result<Option<T>, IndexError>
    where
        F: FnMut(Response) -> Fut,
        Fut: Future<Output = Result<T, BodyError>>,
    {
        let deadline = Instant::now() + self.options.deadline;
        let attempts = self.attempts(url, request, read, deadline);
        match tokio::time::timeout_at(deadline, attempts).await {
            Ok(result) => result,
            Err(_) => Err(IndexError::Deadline {
                url: shown_url(url),
                seconds: whole_seconds(self.options.deadline),
            }),
        }
    }

    async fn attempts<T, F, Fut>(
        &self,
        url: &Url,
        request: impl Fn() -> RequestBuilder,
        mut read: F,
        deadline: Instant,
    ) -> Result<Option<T>, IndexError>
    where
        F: FnMut(Response) -> Fut,
        Fut: Future<Output = Result<T, BodyError>>,
    {
        let mut retry = 0;
        loop {
            self.check_refusal(url)?;
            let (error, retry_after) = match self.attempt(url, request(), &mut read).await {
                Attempt::Done(result) => return result,
                Attempt::Retry { error, retry_after } => (error, retry_after),
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if let Some((status, asked)) = retry_after {
                let limit = self.options.max_retry_wait.min(left);
                if asked > limit {
                    let refusal = Refusal {
                        until: Instant::now() + asked,
                        status,
                        limit: whole_seconds(limit),
                    };
                    // Only a wait past the cap says the host is unavailable; one
                    // past this request's deadline says nothing of the others.
                    if asked > self.options.max_retry_wait {
                        self.remember(url, refusal);
                    }
                    return Err(refusal.error(url, asked));
                }
            }
            if retry >= self.options.retries {
                return Err(error);
            }
            let wait = self.wait(retry, retry_after.map(|(_, asked)| asked));
            if wait >= left {
                // Waiting would only end in a deadline error: this one says more.
                return Err(error);
            }
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// Fails at once if `url`'s host asked to be left alone until later.
    fn check_refusal(&self, url: &Url) -> Result<(), IndexError> {
        let refusals = self.refusals.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(refusal) = refusals.get(&origin(url)) else {
            return Ok(());
        };
        let left = refusal.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        Err(refusal.error(url, left))
    }

    fn remember(&self, url: &Url, refusal: Refusal) {
        let mut refusals = self.refusals.lock().unwrap_or_else(PoisonError::into_inner);
        refusals.insert(origin(url), refusal);
    }

    async fn attempt<T, F, Fut>(&self, url: &Url, request: RequestBuilder, read: F) -> Attempt<T>
    where
        F: FnOnce(Response) -> Fut,
        Fut: Future<Output = Result<T, BodyError>>,
    {
        let sent = async {
            let sent = request.send().await;
            (sent, FOLLOWED.with(|followed| followed.take()))
        };
        let response = match FOLLOWED.scope(RefCell::new(None), sent).await {
            (Ok(response), _) => response,
            (Err(error), followed) => {
                return self.transport_failure(followed.as_ref().unwrap_or(url), error);
            }
        };
        // After redirects: errors name the URL that failed.
        let answered = response.url().clone();
        let status = response.status();
        let error = IndexError::Status {
            url: shown_url(&answered),
            status: status.as_u16(),
        };
        if status == StatusCode::NOT_FOUND {
            Attempt::Done(Ok(None))
        } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let retry_after = retry_after(&response).map(|asked| (status.as_u16(), asked));
            Attempt::Retry { error, retry_after }
        } else if !status.is_success() && status != StatusCode::NOT_MODIFIED {
            // A 304 answers only a conditional request, whose `read` expects it.
            Attempt::Done(Err(error))
        } else {
            match read(response).await {
                Ok(value) => Attempt::Done(Ok(Some(value))),
                Err(BodyError::Transport(error)) => self.transport_failure(&answered, error),
                Err(BodyError::TooLarge { limit }) => Attempt::Done(Err(IndexError::TooLarge {
                    url: shown_url(&answered),
                    limit,
                })),
                Err(BodyError::Hashing(stopped)) => Attempt::Done(Err(IndexError::Network {
                    url: shown_url(&answered),
                    message: stopped.to_string(),
                })),
                Err(BodyError::Task(message)) => Attempt::Done(Err(IndexError::Network {
                    url: shown_url(&answered),
                    message: format!("reading the answer failed: {message}"),
                })),
            }
        }
    }

    /// Classifies a failure below HTTP at `url` (after redirects, the URL that
    /// failed): timeouts and broken connections are retried; redirect loops and
    /// malformed requests would only fail again.
    fn transport_failure<T>(&self, url: &Url, error: reqwest::Error) -> Attempt<T> {
        let url = shown_url(url);
        let error = if error.is_timeout() {
            let limit = if error.is_connect() {
                self.options.connect_timeout
            } else {
                self.options.timeout
            };
            let seconds = whole_seconds(limit);
            IndexError::Timeout { url, seconds }
        } else {
            let hopeless = error.is_redirect() || error.is_builder();
            let message = describe(error);
            if hopeless {
                return Attempt::Done(Err(IndexError::Network { url, message }));
            }
            IndexError::Network { url, message }
        };
        let retry_after = None;
        Attempt::Retry { error, retry_after }
    }

    /// The pause before retry number `retry` (0-based): what the server asked for if
    /// it said, else `retry_base * 2^retry` scaled by a random factor in [0.5, 1.5) so
    /// that parallel lookups that failed together do not come back together.
    fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let wait = retry_after.unwrap_or_else(|| {
            let exponential = self.options.retry_base.saturating_mul(1 << retry.min(20));
            exponential.mul_f64(0.5 + fastrand::f64())
        });
        wait.min(self.options.max_retry_wait)
    }
}

impl Setup {
    /// A builder with everything but content decoding set.
    fn builder(&self, options: &ClientOptions) -> ClientBuilder {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            // The platform's roots are in `roots`, read once (see [`roots`]).
            .tls_built_in_native_certs(false)
            .user_agent(USER_AGENT)
            .connect_timeout(options.connect_timeout)
            .read_timeout(options.timeout)
            .redirect(redirect_policy())
            .referer(false)
            .pool_idle_timeout(Duration::from_secs(90))
            // A body waiting for the document budget must not stall the others: each
            // stream may have at most STREAM_WINDOW unread, and the connection room
            // for every stream's, so the bodies being read always get their bytes.
            .http2_initial_stream_window_size(STREAM_WINDOW)
            .http2_initial_connection_window_size(STREAM_WINDOW.saturating_mul(MAX_STREAMS))
            // Frames as large as a stream's window, not 16 KiB: every frame is a wakeup
            // of the response it is for, and 65 MB of listings (199 pins) came 12%
            // faster in frames of up to 256 KiB.
            .http2_max_frame_size(STREAM_WINDOW);
        for certificate in &self.roots {
            builder = builder.add_root_certificate(certificate.clone());
        }
        if let Some((host, addrs)) = &self.pinned {
            builder = builder.resolve_to_addrs(host, addrs);
        }
        builder
    }
}

/// The reading of a body ([`read_all`], [`stream_all`]) as a task of its own, which
/// the runtime's workers run next to the connection that feeds it: the thread that
/// drives every lookup no longer wakes for each chunk of every body and copies it (a
/// cold 199-pin `lock` went from 0.203 s to 0.191 s, paired medians). Dropping the
/// request (a deadline, Ctrl-C) stops the task, so no body is read outside the
/// budget.
async fn apart<T: Send + 'static>(
    read: impl Future<Output = Result<T, BodyError>> + Send + 'static,
) -> Result<T, BodyError> {
    struct AbortOnDrop(tokio::task::AbortHandle);

    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }

    let task = tokio::spawn(read);
    let _abort = AbortOnDrop(task.abort_handle());
    task.await
        .map_err(|error| BodyError::Task(error.to_string()))?
}

/// The body of a document response fed to `read` as it arrives, counted as
/// [`read_all`] counts it.
async fn stream_all<R: Reader>(
    mut response: Response,
    limit: u64,
    mut read: R,
) -> Result<Received<R>, BodyError> {
    let url = response.url().clone();
    let mut received = 0u64;
    while let Some(chunk) = response.chunk().await? {
        received += chunk.len() as u64;
        if received > limit {
            return Err(BodyError::TooLarge { limit });
        }
        read.feed(&chunk);
    }
    Ok(Received::Streamed { url, read })
}

/// The whole body of a document response, and where it came from. The body is
/// counted as it streams, decoded: past `limit` bytes, reading stops (whatever
/// `Content-Length` said, and however small the compressed body was).
async fn read_all(mut response: Response, limit: u64) -> Result<Fetched, BodyError> {
    let url = response.url().clone();
    let content_type = response.headers().get(CONTENT_TYPE);
    let content_type = content_type
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Sized once from `Content-Length` (never past the limit): a body grown by
    // doubling holds up to twice its size, and a copy of itself while it grows.
    let declared = response.content_length().unwrap_or(0).min(limit);
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(chunk) = response.chunk().await? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        url,
        content_type,
        body,
    })
}

/// `permit` (of `budget`) grown or shrunk to `needed` KiB.
async fn resize(
    permit: Option<OwnedSemaphorePermit>,
    needed: u32,
    budget: &Arc<Semaphore>,
) -> Option<OwnedSemaphorePermit> {
    let mut permit = permit?;
    let held = u32::try_from(permit.num_permits()).unwrap_or(u32::MAX);
    if held > needed {
        drop(permit.split((held - needed) as usize));
    } else if needed > held {
        // Let go before waiting: holding a part while waiting for more would let
        // answers that each hold a part wait for each other forever.
        drop(permit);
        permit = Arc::clone(budget).acquire_many_owned(needed).await.ok()?;
    }
    Some(permit)
}

/// `bytes` in whole KiB, rounded up.
fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

/// Redirects as browsers follow them, minus what only helps an attacker: at most
/// [`MAX_REDIRECTS`], never back to a URL already visited (a loop fails at once
/// instead of after ten round trips), never from https to plain http.
fn redirect_policy() -> Policy {
    Policy::custom(|attempt| {
        let next = attempt.url();
        let refused = if attempt.previous().len() > MAX_REDIRECTS {
            Some(RedirectRefused::TooMany)
        } else if attempt.previous().contains(next) {
            Some(RedirectRefused::Loop(shown_url(next)))
        } else if attempt.previous().last().map(Url::scheme) == Some("https")
            && next.scheme() != "https"
        {
            Some(RedirectRefused::Downgrade(shown_url(next)))
        } else {
            None
        };
        match refused {
            Some(refused) => attempt.error(refused),
            None => {
                // Outside a request's scope (never, in this client) nothing is kept.
                let next = Some(next.clone());
                let _ = FOLLOWED.try_with(|followed| followed.replace(next));
                attempt.follow()
            }
        }
    })
}

/// Why a redirect was not followed (reqwest names the URL that sent it).
#[derive(Debug)]
enum RedirectRefused {
    TooMany,
    Loop(String),
    Downgrade(String),
}

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefused::TooMany => write!(f, "more than {MAX_REDIRECTS} redirects"),
            RedirectRefused::Loop(url) => write!(f, "a redirect loop back to {url}"),
            RedirectRefused::Downgrade(url) => {
                write!(f, "a redirect from https to plain http ({url})")
            }
        }
    }
}

impl std::error::Error for RedirectRefused {}

impl Refusal {
    /// The error of a request to `url` the server asked to wait `asked` for.
    fn error(&self, url: &Url, asked: Duration) -> IndexError {
        IndexError::RetryAfter {
            url: shown_url(url),
            status: self.status,
            asked: whole_seconds(asked),
            limit: self.limit,
        }
    }
}

/// Where `url` is served from (`https://pypi.org:443`): what a `Retry-After` is about.
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// A duration in whole seconds, rounded up (`0.2 s` is `1 s`, not `0 s`).
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

fn check_index_url(url: &Url) -> Result<(), IndexError> {
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(()),
        _ => Err(IndexError::Network {
            url: shown_url(url),
            message: "the index URL must be http:// or https://".to_owned(),
        }),
    }
}

/// The certificates of `options.ca_bundle`, if any.
async fn extra_roots(options: &ClientOptions) -> Result<Vec<Certificate>, IndexError> {
    let Some(path) = &options.ca_bundle else {
        return Ok(Vec::new());
    };
    let unusable = |message: String| IndexError::Network {
        url: options.shown_index(),
        message: format!("cannot use the CA bundle {}: {message}", path.display()),
    };
    let pem = tokio::fs::read(path)
        .await
        .map_err(|e| unusable(e.to_string()))?;
    Certificate::from_pem_bundle(&pem).map_err(|e| unusable(describe(e)))
}

/// Looks the index host up once (bounded by the connect timeout). `None` for IP
/// literals, which need no lookup.
async fn resolve_host(
    index: &Url,
    options: &ClientOptions,
) -> Result<Option<(String, Vec<SocketAddr>)>, IndexError> {
    let Some(host) = index.domain() else {
        return Ok(None);
    };
    // Through a proxy the proxy resolves the name, and this machine may not be able
    // to (reqwest reads the same variables and sends the request there).
    if proxied(index, &|name| std::env::var(name).ok()) {
        return Ok(None);
    }
    let port = index.port_or_known_default().unwrap_or(443);
    let url = options.shown_index();
    let lookup = tokio::net::lookup_host((host, port));
    let addrs = match tokio::time::timeout(options.connect_timeout, lookup).await {
        Ok(Ok(addrs)) => addrs.collect::<Vec<_>>(),
        Ok(Err(error)) => {
            let host = host.to_owned();
            let message = error.to_string();
            return Err(IndexError::Unresolvable { url, host, message });
        }
        Err(_) => {
            let seconds = whole_seconds(options.connect_timeout);
            return Err(IndexError::Timeout { url, seconds });
        }
    };
    if addrs.is_empty() {
        let message = format!("{host} resolves to no address");
        return Err(IndexError::Network { url, message });
    }
    Ok(Some((host.to_owned(), addrs)))
}

/// Whether `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` (either case) send requests for
/// `url` through a proxy, `NO_PROXY` not excluding its host: reqwest's reading of
/// them (`*`, host names matching themselves and their subdomains).
fn proxied(url: &Url, var: &dyn Fn(&str) -> Option<String>) -> bool {
    let get = |name: &str| {
        var(name)
            .or_else(|| var(&name.to_ascii_uppercase()))
            .filter(|value| !value.trim().is_empty())
    };
    let scheme_proxy = match url.scheme() {
        "https" => get("https_proxy"),
        _ => get("http_proxy"),
    };
    if scheme_proxy.or_else(|| get("all_proxy")).is_none() {
        return false;
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let excluded = get("no_proxy").is_some_and(|list| {
        list.split(',').map(str::trim).any(|entry| {
            let entry = entry.trim_start_matches('.').to_ascii_lowercase();
            entry == "*"
                || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
        })
    });
    !excluded
}

/// `Retry-After` of a response, when present and readable.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    retry_after::parse(value, SystemTime::now())
}

/// An error and its causes on one line, without the URL (the caller names it):
/// reqwest's own message only says "error sending request"; the useful part
/// ("Connection refused") is in the sources.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !message.contains(&cause_text) {
            message = format!("{message}: {cause_text}");
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn proxied_with(url: &str, pairs: &[(&str, &str)]) -> bool {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        proxied(&Url::parse(url).unwrap(), &|name| {
            map.get(name).map(|v| (*v).to_owned())
        })
    }

    #[test]
    fn proxies_apply_per_scheme_unless_no_proxy_says_otherwise() {
        let https = [("HTTPS_PROXY", "http://proxy:3128")];
        assert!(proxied_with("https://pypi.org/simple/", &https));
        assert!(!proxied_with("http://pypi.org/simple/", &https));
        assert!(proxied_with(
            "http://host/",
            &[("http_proxy", "http://p:1")]
        ));
        assert!(proxied_with(
            "http://host/",
            &[("ALL_PROXY", "socks5://p:1")]
        ));
        assert!(!proxied_with("https://pypi.org/", &[]));
        for no_proxy in ["pypi.org", ".pypi.org", "*", "other, pypi.org"] {
            let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            assert!(!proxied_with("https://pypi.org/", &vars), "{no_proxy}");
            assert!(
                !proxied_with("https://files.pypi.org/", &vars),
                "{no_proxy}"
            );
        }
        let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "notpypi.org")];
        assert!(proxied_with("https://pypi.org/", &vars));
    }

    #[test]
    fn credentials_never_show_in_debug_output() {
        let url = Url::parse("https://user:s3cret@host/simple").unwrap();
        let credentials = Credentials::of(&url).unwrap();
        assert_eq!(credentials.username, "user");
        assert_eq!(credentials.password.as_deref(), Some("s3cret"));
        let options = ClientOptions {
            credentials: Some(credentials),
            ..ClientOptions::default()
        };
        assert!(!format!("{options:?}").contains("s3cret"));
        let token = Credentials::of(&Url::parse("https://t%40k@host/").unwrap()).unwrap();
        assert_eq!((token.username.as_str(), token.password), ("t@k", None));
    }
}
