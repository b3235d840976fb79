//! A loopback PyPI JSON index for tests and benchmarks.
//!
//! [`TestIndex::start`] serves, on `127.0.0.1` and its own tokio runtime in a
//! background thread (so blocking tests can use it too):
//! - `GET /pypi/<name>/json`: the recorded project document
//!   `fixtures/pypi/<normalized-name>.json`;
//! - `GET /pypi/<name>/<version>/json`: a per-version document synthesized from it,
//!   `{"info": {"name", "version"}, "urls": releases[version]}`, with PyPI's matching
//!   (the exact key, else a PEP 440-equal one); 404 if there is none;
//! - `GET /simple/<name>/`: the Simple API page synthesized from it, as PEP 691 JSON
//!   (`Content-Type: application/vnd.pypi.simple.v1+json`) when the request accepts
//!   it, else as HTML: every file of every release in the document's order, with
//!   `hashes.sha256` from `digests.sha256`, and PEP 700's `versions` (the release
//!   keys);
//! - with [`Config::synthetic`], `GET /files/<filename>`: the body of a file of a
//!   synthetic package, whose `digests.sha256` in the documents is the sha256 of
//!   exactly that body (fixture packages' files are not served).
//!
//! [`Config`] switches on the misbehaviours hashlock must cope with (statuses, rate
//! limits, hangs, and with [`Config::fault`] every way a response can go wrong on
//! the wire: see [`Fault`]), and every request is counted per path, its headers
//! kept, so tests can assert what the client asked for.
//! Dropping the [`TestIndex`] stops the server, hanging requests included.
//!
//! Also compiled into `examples/fake_index.rs` through `#[path]`, so it must only
//! use dependencies examples have too (it does: dev-dependencies are shared).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use super::serving::{Bound, Serving};
use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt;
use pep440_rs::Version;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// What the loopback index serves and how it misbehaves. Builder style:
/// `Config::new().without_version_endpoint().failing("six")`.
#[derive(Debug, Clone)]
pub struct Config {
    fixtures: PathBuf,
    port: u16,
    worker_threads: usize,
    version_endpoint: bool,
    simple_api: SimpleApi,
    simple_versions: bool,
    relative_urls: bool,
    synthetic: bool,
    latency: Duration,
    statuses: HashMap<String, u16>,
    rate_limits: HashMap<String, RateLimit>,
    hanging: HashSet<String>,
    missing: HashSet<String>,
    corrupt: HashSet<String>,
    corrupt_files: HashSet<String>,
    truncated_files: HashMap<String, usize>,
    stalling_files: HashSet<String>,
    frame_interval: Duration,
    gzip_label: bool,
    compress: bool,
    faults: HashMap<String, Fault>,
    cache_control: Option<&'static str>,
    history: usize,
    prefix: String,
    spellings: HashMap<String, String>,
    basic_auth: Option<String>,
}

/// How every response about a package goes wrong (see [`Config::fault`]). Requests
/// whose query holds `redirected` are spared, so that a redirect ends somewhere.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Sends the first half of the body, then nothing more (the connection stays
    /// open).
    StallMidBody,
    /// Sends the first half of the body, then cuts the connection.
    CloseMidBody,
    /// Declares a `Content-Length` 100 bytes longer than the body it sends, then
    /// closes the connection.
    LongContentLength,
    /// Declares a `Content-Length` half the body's: the client gets half a document.
    ShortContentLength,
    /// Answers 200 with an HTML page labelled `text/html`.
    Html,
    /// Sends the usual body labelled with this `Content-Type`.
    ContentType(&'static str),
    /// Sends `{` then spaces, in 64 KiB frames, forever.
    Endless,
    /// Sends, labelled `Content-Encoding: gzip`, a gzip body (a few KiB) that
    /// inflates to this many spaces.
    GzipBomb(usize),
    /// Sends the usual body one byte at a time, this long apart.
    Trickle(Duration),
    /// Answers 302 (see [`Redirect`]).
    Redirect(Redirect),
    /// Sends the usual JSON body with one more member, `"x"`, whose string holds a
    /// byte that is not UTF-8 (which serde reads past, and the fast reader leaves).
    NotUtf8,
}

/// Where [`Fault::Redirect`] sends the client.
#[derive(Debug, Clone)]
pub enum Redirect {
    /// To the same path on this server (marked `?redirected`).
    SameHost,
    /// To the same path under this base URL (`http://127.0.0.1:<port>`), marked
    /// `?redirected`: another server, or a port nothing listens on.
    To(String),
    /// To the very URL asked for.
    Loop,
}

/// What a 429 or 503 says in `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub enum RetryAfter {
    Seconds(u64),
    /// An HTTP date this many seconds from the time of the answer (negative: past).
    DateIn(i64),
}

/// How `/simple/<name>/` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SimpleApi {
    /// PEP 691 JSON when accepted, else HTML.
    Json,
    /// Always the HTML page, whatever the request accepts (an index without PEP 691).
    HtmlOnly,
    /// 404 for every project.
    Missing,
}

/// The first `times` requests about a package are answered with `status`.
#[derive(Debug, Clone, Copy)]
struct RateLimit {
    times: usize,
    status: StatusCode,
    /// `Retry-After`, if sent.
    retry_after: Option<RetryAfter>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            fixtures: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pypi")),
            port: 0,
            worker_threads: 2,
            version_endpoint: true,
            simple_api: SimpleApi::Json,
            simple_versions: true,
            relative_urls: false,
            synthetic: false,
            latency: Duration::ZERO,
            statuses: HashMap::new(),
            rate_limits: HashMap::new(),
            hanging: HashSet::new(),
            missing: HashSet::new(),
            corrupt: HashSet::new(),
            corrupt_files: HashSet::new(),
            truncated_files: HashMap::new(),
            stalling_files: HashSet::new(),
            frame_interval: Duration::ZERO,
            gzip_label: false,
            compress: false,
            faults: HashMap::new(),
            cache_control: None,
            history: 0,
            prefix: String::new(),
            spellings: HashMap::new(),
            basic_auth: None,
        }
    }
}

impl Config {
    /// Serves `fixtures/pypi` of this repository on a free port.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves project documents from `dir` instead.
    pub fn fixtures(mut self, dir: impl Into<PathBuf>) -> Self {
        self.fixtures = dir.into();
        self
    }

    /// Listens on `port` (0, the default, picks a free one).
    #[allow(dead_code, reason = "for examples/fake_index.rs")]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Worker threads of the server's runtime (default 2).
    #[allow(dead_code, reason = "for examples/fake_index.rs")]
    pub fn worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = threads.max(1);
        self
    }

    /// Answers 404 to every per-version request, like mirrors without that endpoint.
    pub fn without_version_endpoint(mut self) -> Self {
        self.version_endpoint = false;
        self
    }

    /// Answers 404 to every Simple API request (`/simple/<name>/`), like mirrors that
    /// serve only the JSON API.
    pub fn without_simple_api(mut self) -> Self {
        self.simple_api = SimpleApi::Missing;
        self
    }

    /// Answers Simple API requests with the HTML page even when PEP 691 JSON is asked
    /// for, like indexes that predate PEP 691.
    pub fn simple_api_html_only(mut self) -> Self {
        self.simple_api = SimpleApi::HtmlOnly;
        self
    }

    /// Leaves PEP 700's `versions` out of Simple API documents (API version 1.0).
    pub fn simple_api_without_versions(mut self) -> Self {
        self.simple_versions = false;
        self
    }

    /// Rewrites file URLs to `../../packages/...` (relative to each document).
    pub fn relative_urls(mut self) -> Self {
        self.relative_urls = true;
        self
    }

    /// Serves any `synth-<n>` package: version `1.0.0`, 4 files served by this
    /// server at `/files/<filename>` (100 KiB each, sent in several frames), with
    /// their true sha256.
    pub fn synthetic(mut self) -> Self {
        self.synthetic = true;
        self
    }

    /// Gives each synthetic package `releases` older releases (`0.0.<n>`, an sdist
    /// and a wheel each, not served): project pages as large as boto3's or numpy's.
    pub fn synthetic_history(mut self, releases: usize) -> Self {
        self.history = releases;
        self
    }

    /// Waits `latency` before answering each request.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Answers every request about `package` (its documents and, when synthetic,
    /// its files) with HTTP `status` (empty body).
    pub fn status(mut self, package: &str, status: u16) -> Self {
        self.statuses.insert(normalize(package), status);
        self
    }

    /// Answers every request about `package` with HTTP 500.
    pub fn failing(self, package: &str) -> Self {
        self.status(package, 500)
    }

    /// Answers the first `times` requests about `package` with 429 and
    /// `Retry-After: <retry_after_secs>`, then normally.
    pub fn rate_limited(self, package: &str, times: usize, retry_after_secs: u64) -> Self {
        let retry_after = Some(RetryAfter::Seconds(retry_after_secs));
        self.unavailable(package, times, 429, retry_after)
    }

    /// Answers the first `times` requests about `package` with `status` (429 or
    /// 503, say) and `retry_after`, if any, then normally. Replaces an earlier rate
    /// limit of it.
    pub fn unavailable(
        mut self,
        package: &str,
        times: usize,
        status: u16,
        retry_after: Option<RetryAfter>,
    ) -> Self {
        let limit = RateLimit {
            times,
            status: StatusCode::from_u16(status).expect("valid status"),
            retry_after,
        };
        self.rate_limits.insert(normalize(package), limit);
        self
    }

    /// Makes every response about `package` (documents and synthetic files) go
    /// wrong as `fault` says.
    pub fn fault(mut self, package: &str, fault: Fault) -> Self {
        self.faults.insert(normalize(package), fault);
        self
    }

    /// Answers the first `times` requests about `package` with 500 (no
    /// `Retry-After`), then normally. Replaces a [`Config::rate_limited`] of it.
    pub fn flaky(mut self, package: &str, times: usize) -> Self {
        let limit = RateLimit {
            times,
            status: StatusCode::INTERNAL_SERVER_ERROR,
            retry_after: None,
        };
        self.rate_limits.insert(normalize(package), limit);
        self
    }

    /// Never answers requests about `package`, its synthetic files included (the
    /// connection stays open).
    pub fn hanging(mut self, package: &str) -> Self {
        self.hanging.insert(normalize(package));
        self
    }

    /// Pretends `package` does not exist, even if it has a fixture.
    pub fn missing(mut self, package: &str) -> Self {
        self.missing.insert(normalize(package));
        self
    }

    /// Answers requests about `package` with 200 and a body that is not JSON.
    pub fn corrupt(mut self, package: &str) -> Self {
        self.corrupt.insert(normalize(package));
        self
    }

    /// Serves other bytes (same length) for the synthetic file `filename` than the
    /// documents' sha256 says.
    pub fn corrupt_file(mut self, filename: &str) -> Self {
        self.corrupt_files.insert(filename.to_owned());
        self
    }

    /// Cuts the connection halfway through the body of the synthetic file
    /// `filename` the first `times` times it is asked for (a failure mid-body).
    pub fn truncated_file(mut self, filename: &str, times: usize) -> Self {
        self.truncated_files.insert(filename.to_owned(), times);
        self
    }

    /// Sends half the body of the synthetic file `filename`, then nothing more
    /// (the connection stays open): a stall between chunks.
    pub fn stalling_file(mut self, filename: &str) -> Self {
        self.stalling_files.insert(filename.to_owned());
        self
    }

    /// Waits `interval` before each frame of a synthetic file: a slow but steady
    /// download.
    pub fn file_frame_interval(mut self, interval: Duration) -> Self {
        self.frame_interval = interval;
        self
    }

    /// Sends `Cache-Control: <cache_control>` and an `ETag` with every document,
    /// and answers 304 to a request whose `If-None-Match` is that `ETag`.
    pub fn caching(mut self, cache_control: &'static str) -> Self {
        self.cache_control = Some(cache_control);
        self
    }

    /// Serves everything under the path `prefix` (`/artifactory/api/pypi/pypi`), as
    /// Artifactory and Nexus do: [`TestIndex::url`] ends with it, the documents' own
    /// file URLs are under it, and nothing answers outside it. Request logs keep the
    /// whole path.
    pub fn under(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// Serves the Simple API page of `spelled`'s project only at `/simple/<spelled>/`,
    /// spelled exactly so; every other spelling of the name answers 301 there (PyPI
    /// redirects to the normalized name, legacy PyPI and old devpi to the name as
    /// registered).
    pub fn simple_spelled(mut self, spelled: &str) -> Self {
        self.spellings
            .insert(normalize(spelled), spelled.to_owned());
        self
    }

    /// Answers 401 (`WWW-Authenticate: Basic`) to every request, documents and files,
    /// that does not carry HTTP basic credentials `user:password`.
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.basic_auth = Some(format!("Basic {token}"));
        self
    }

    /// Labels synthetic files `Content-Encoding: gzip` though their bytes are not
    /// gzip, as misconfigured servers label `.tar.gz` files: the digest is of the
    /// bytes as sent.
    pub fn gzip_labelled_files(mut self) -> Self {
        self.gzip_label = true;
        self
    }

    /// Sends index documents (JSON, HTML) gzip-compressed to a client that accepts
    /// gzip, as PyPI does: the `Content-Length` is the compressed one.
    #[allow(dead_code, reason = "for examples/fake_index.rs")]
    pub fn compress_documents(mut self) -> Self {
        self.compress = true;
        self
    }
}

/// Requests seen, per path, and the User-Agent and Accept headers of each.
#[derive(Debug, Default)]
struct Log {
    paths: BTreeMap<String, usize>,
    per_package: HashMap<String, usize>,
    per_file: HashMap<String, usize>,
    user_agents: Vec<String>,
    /// (path, `Accept`) of every request, in order.
    accepts: Vec<(String, String)>,
    /// (path, headers) of every request, in order.
    headers: Vec<(String, HeaderMap)>,
}

struct Server {
    config: Config,
    /// `http://127.0.0.1:<port>` and the prefix, for absolute URLs of files.
    base: String,
    projects: HashMap<String, Value>,
    log: Mutex<Log>,
    /// Requests being answered now (arrived, answer not yet built), and the most
    /// there were at once.
    in_flight: std::sync::atomic::AtomicUsize,
    most_in_flight: std::sync::atomic::AtomicUsize,
}

impl Server {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running loopback index; stops when dropped.
pub struct TestIndex {
    url: String,
    server: Arc<Server>,
    _serving: Serving,
}

impl TestIndex {
    /// Loads the fixtures, binds, and serves in a background thread. Panics on
    /// failure: this is test support.
    pub fn start(config: Config) -> TestIndex {
        let bound = Bound::new(config.port);
        let url = format!("{}{}", bound.url(), config.prefix);
        let projects = load_fixtures(&config, &url);
        let server = Arc::new(Server {
            base: url.clone(),
            projects,
            log: Mutex::default(),
            in_flight: Default::default(),
            most_in_flight: Default::default(),
            config,
        });
        let app = router(Arc::clone(&server));
        let serving = bound.serve(server.config.worker_threads, app);
        TestIndex {
            url,
            server,
            _serving: serving,
        }
    }

    /// `http://127.0.0.1:<port>` (and the [`Config::under`] prefix): the index URL
    /// to give hashlock.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The most requests that were being answered at once (with a latency, the
    /// most a client asked at once).
    #[allow(dead_code, reason = "not every test binary uses it")]
    pub fn most_in_flight(&self) -> usize {
        self.server
            .most_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many requests asked for exactly `path` (e.g. `/pypi/six/json`).
    pub fn requests(&self, path: &str) -> usize {
        self.server.log().paths.get(path).copied().unwrap_or(0)
    }

    /// How many requests had a path starting with `prefix`.
    pub fn requests_matching(&self, prefix: &str) -> usize {
        let log = self.server.log();
        log.paths
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, count)| count)
            .sum()
    }

    /// Requests to per-version endpoints (`/pypi/<name>/<version>/json`).
    pub fn version_requests(&self) -> usize {
        self.count_where(|path| path.starts_with("/pypi/") && path.split('/').count() == 5)
    }

    /// Requests for project documents (`/pypi/<name>/json`).
    pub fn project_requests(&self) -> usize {
        self.count_where(|path| path.starts_with("/pypi/") && path.split('/').count() == 4)
    }

    /// Requests for Simple API pages (`/simple/<name>/`).
    pub fn simple_requests(&self) -> usize {
        self.count_where(|path| path.starts_with("/simple/"))
    }

    /// Every request so far.
    pub fn total_requests(&self) -> usize {
        self.count_where(|_| true)
    }

    /// Request count per path, sorted by path.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.server.log().paths.clone()
    }

    /// The `User-Agent` of every request so far (empty string when absent).
    pub fn user_agents(&self) -> Vec<String> {
        self.server.log().user_agents.clone()
    }

    /// The `Accept` header of every request for exactly `path`, in order (empty
    /// string when absent).
    pub fn accepts(&self, path: &str) -> Vec<String> {
        let log = self.server.log();
        let of_path = log.accepts.iter().filter(|(p, _)| p == path);
        of_path.map(|(_, accept)| accept.clone()).collect()
    }

    /// The value of header `name` in every request for exactly `path`, in order
    /// (`None` where absent).
    pub fn header_values(&self, path: &str, name: &str) -> Vec<Option<String>> {
        let log = self.server.log();
        let of_path = log.headers.iter().filter(|(p, _)| p == path);
        let value = |headers: &HeaderMap| {
            let value = headers.get(name)?;
            Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
        };
        of_path.map(|(_, headers)| value(headers)).collect()
    }

    /// Forgets the requests seen so far (rate limits count afresh too).
    pub fn reset_counters(&self) {
        *self.server.log() = Log::default();
    }

    fn count_where(&self, keep: impl Fn(&str) -> bool) -> usize {
        let log = self.server.log();
        log.paths
            .iter()
            .filter(|(p, _)| keep(p))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Where recorded documents' files live; served by this server instead.
const RECORDED_FILES: &str = "https://files.pythonhosted.org/";

/// `GET /packages/...`: a recorded file's PEP 658 metadata file,
/// `fixtures/metadata/<filename>.metadata`, or a file of `fixtures/files/`; 404
/// for anything else (recorded distribution files are not served).
async fn recorded_file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve_fixture_file(path.rsplit('/').next().unwrap_or_default(), &headers)
}

/// `fixtures/metadata/<name>` for a `.metadata` name, else `fixtures/files/<name>`,
/// with the `Range` asked for (`bytes=-N`, `bytes=A-B`) when there is one.
fn serve_fixture_file(name: &str, headers: &HeaderMap) -> Response {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let dir = if name.ends_with(".metadata") {
        "metadata"
    } else {
        "files"
    };
    if name.contains("..") || name.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(body) = std::fs::read(format!("{root}/{dir}/{name}")) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="));
    let Some(range) = range else {
        return body.into_response();
    };
    let total = body.len();
    let (start, end) = match range.split_once('-') {
        Some(("", last)) => {
            let last: usize = last.parse().unwrap_or(0);
            (total.saturating_sub(last), total)
        }
        Some((first, last)) => {
            let first = first.parse::<usize>().unwrap_or(0).min(total);
            let last = last.parse::<usize>().map_or(total, |l| (l + 1).min(total));
            (first, last.max(first))
        }
        None => (0, total),
    };
    let content_range = format!("bytes {start}-{}/{total}", end.saturating_sub(1));
    (
        StatusCode::PARTIAL_CONTENT,
        [(header::CONTENT_RANGE, content_range)],
        body[start..end].to_vec(),
    )
        .into_response()
}

fn router(server: Arc<Server>) -> Router {
    let routes = Router::new()
        .route("/packages/{*path}", get(recorded_file))
        .route("/pypi/{name}/json", get(project_document))
        .route("/pypi/{name}/{version}/json", get(version_document))
        .route("/simple/{name}/", get(simple_page))
        .route("/files/{filename}", get(file))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&server),
            compress,
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&server), caching))
        .layer(middleware::from_fn_with_state(Arc::clone(&server), inject))
        .layer(middleware::from_fn_with_state(Arc::clone(&server), guard));
    let routes = match server.config.prefix.as_str() {
        "" => routes,
        prefix => Router::new().nest(prefix, routes),
    };
    routes
        .layer(middleware::from_fn_with_state(Arc::clone(&server), record))
        .with_state(server)
}

/// With [`Config::basic_auth`]: 401 to a request without those credentials.
async fn guard(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let Some(expected) = &server.config.basic_auth else {
        return next.run(request).await;
    };
    let sent = request.headers().get(header::AUTHORIZATION);
    if sent.is_some_and(|sent| sent.as_bytes() == expected.as_bytes()) {
        return next.run(request).await;
    }
    let challenge = [(header::WWW_AUTHENTICATE, "Basic realm=\"test index\"")];
    (StatusCode::UNAUTHORIZED, challenge).into_response()
}

/// Counts and logs the request, then applies the latency.
async fn record(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    {
        let headers = request.headers();
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let user_agent = text(header::USER_AGENT).unwrap_or_default().to_owned();
        let accept = text(header::ACCEPT).unwrap_or_default().to_owned();
        // The whole path, prefix included (a nested router sees it stripped).
        let path = request
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| request.uri().path(), |original| original.path())
            .to_owned();
        let mut log = server.log();
        *log.paths.entry(path.clone()).or_default() += 1;
        log.user_agents.push(user_agent);
        log.accepts.push((path.clone(), accept));
        log.headers.push((path, headers.clone()));
    }
    use std::sync::atomic::Ordering;
    let now = server.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    server.most_in_flight.fetch_max(now, Ordering::SeqCst);
    if !server.config.latency.is_zero() {
        tokio::time::sleep(server.config.latency).await;
    }
    let response = next.run(request).await;
    server.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

/// With [`Config::caching`]: `Cache-Control` and an `ETag` (a hash of the body) on
/// every successful answer, and 304 when the request already has that `ETag`.
/// With [`Config::compress_documents`]: a document (JSON or HTML) gzipped for a
/// client that accepts gzip.
async fn compress(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let accepts = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let response = next.run(request).await;
    let document = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json") || v.contains("html"));
    if !(server.config.compress && accepts && document && response.status().is_success()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&body).expect("writing to a Vec");
    let gzipped = encoder.finish().expect("writing to a Vec");
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    Response::from_parts(parts, Body::from(gzipped))
}

async fn caching(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let Some(control) = server.config.cache_control else {
        return next.run(request).await;
    };
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if !response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..8]));
    let etag = HeaderValue::from_str(&etag).expect("an ETag is ASCII");
    parts.headers.insert(header::ETAG, etag.clone());
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(control));
    if asked.as_ref() == Some(&etag) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(body))
}

async fn project_document(State(server): State<Arc<Server>>, Path(name): Path<String>) -> Response {
    let name = normalize(&name);
    if let Some(refusal) = misbehave(&server, &name, JSON).await {
        return refusal;
    }
    let Some(mut document) = server.project(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if server.config.relative_urls {
        let releases = document["releases"].as_object_mut().into_iter();
        releases
            .flat_map(|r| r.values_mut())
            .for_each(|files| relativize(files, &server.base, 2));
    }
    Json(document).into_response()
}

async fn version_document(
    State(server): State<Arc<Server>>,
    Path((name, version)): Path<(String, String)>,
) -> Response {
    let name = normalize(&name);
    if let Some(refusal) = misbehave(&server, &name, JSON).await {
        return refusal;
    }
    let not_found = StatusCode::NOT_FOUND.into_response();
    if !server.config.version_endpoint {
        return not_found;
    }
    let Some(document) = server.project(&name) else {
        return not_found;
    };
    let Some((key, mut files)) = find_release(&document, &version) else {
        return not_found;
    };
    if server.config.relative_urls {
        relativize(&mut files, &server.base, 3);
    }
    let info = json!({"name": document["info"]["name"], "version": key});
    Json(json!({"info": info, "urls": files})).into_response()
}

const JSON: &str = "application/json";
/// PEP 691's media type for the Simple API in JSON.
pub const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// `GET /simple/<name>/`: the Simple API page of the project, as PEP 691 JSON when
/// the request accepts it (and the index is configured to), else as HTML.
async fn simple_page(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let spelled = name;
    let name = normalize(&spelled);
    if let Some(canonical) = server.config.spellings.get(&name)
        && spelled != *canonical
    {
        let location = format!("{}/simple/{canonical}/", server.base);
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let json = server.config.simple_api == SimpleApi::Json
        && accept.is_some_and(|accept| accept.contains(SIMPLE_JSON));
    let label = if json { SIMPLE_JSON } else { "text/html" };
    if let Some(refusal) = misbehave(&server, &name, label).await {
        return refusal;
    }
    let not_found = StatusCode::NOT_FOUND.into_response();
    if server.config.simple_api == SimpleApi::Missing {
        return not_found;
    }
    let Some(mut document) = server.project(&name) else {
        return not_found;
    };
    if server.config.relative_urls {
        let releases = document["releases"].as_object_mut().into_iter();
        releases
            .flat_map(|r| r.values_mut())
            .for_each(|files| relativize(files, &server.base, 2));
    }
    let page = simple_json(&name, &document, server.config.simple_versions);
    if json {
        let body = serde_json::to_vec(&page).expect("serializable page");
        ([(header::CONTENT_TYPE, SIMPLE_JSON)], body).into_response()
    } else {
        ([(header::CONTENT_TYPE, "text/html")], simple_html(&page)).into_response()
    }
}

/// The PEP 691 page of the project of normalized `name` from its JSON API
/// `document`.
fn simple_json(name: &str, document: &Value, with_versions: bool) -> Value {
    let releases = document["releases"].as_object();
    let files: Vec<Value> = releases
        .into_iter()
        .flat_map(|releases| releases.values())
        .flat_map(|files| files.as_array().into_iter().flatten())
        .map(|file| {
            let yanked = match (file["yanked"].as_bool(), file["yanked_reason"].as_str()) {
                (Some(true), Some(reason)) if !reason.is_empty() => json!(reason),
                (Some(true), _) => json!(true),
                _ => json!(false),
            };
            let mut hashes = serde_json::Map::new();
            if let Some(sha256) = file["digests"]["sha256"].as_str() {
                hashes.insert("sha256".to_owned(), json!(sha256));
            }
            let mut entry = json!({
                "filename": file["filename"],
                "url": file["url"],
                "hashes": hashes,
                "requires-python": file["requires_python"],
                "yanked": yanked,
            });
            // PEP 700's upload time, where the fixture has one.
            if let Some(time) = file["upload_time_iso_8601"].as_str() {
                entry["upload-time"] = json!(time);
            }
            entry
        })
        .collect();
    let meta = json!({"api-version": if with_versions { "1.1" } else { "1.0" }});
    let mut page = json!({"meta": meta, "name": name, "files": files});
    if with_versions {
        let versions: Vec<&String> = releases.into_iter().flat_map(|r| r.keys()).collect();
        page["versions"] = json!(versions);
    }
    page
}

/// The PEP 503 HTML form of a PEP 691 `page`.
fn simple_html(page: &Value) -> String {
    let mut html = String::from("<!DOCTYPE html>\n<html><body>\n");
    for file in page["files"].as_array().into_iter().flatten() {
        let url = file["url"].as_str().unwrap_or_default();
        let fragment = file["hashes"]["sha256"].as_str();
        let fragment = fragment.map(|h| format!("#sha256={h}")).unwrap_or_default();
        let filename = file["filename"].as_str().unwrap_or_default();
        html.push_str(&format!(
            "<a href=\"{url}{fragment}\">{filename}</a><br/>\n"
        ));
    }
    html.push_str("</body></html>\n");
    html
}

/// The configured misbehaviour for documents of `name`, if any (after counting the
/// request). A corrupt document is labelled `content_type`, as a good one would be.
async fn misbehave(server: &Server, name: &str, content_type: &'static str) -> Option<Response> {
    if let Some(refusal) = refuse(server, name).await {
        return Some(refusal);
    }
    if server.config.corrupt.contains(name) {
        let label = [(header::CONTENT_TYPE, content_type)];
        return Some((StatusCode::OK, label, "<html>this is not JSON</html>").into_response());
    }
    None
}

/// The configured refusal of any request about `name` (document or file), if any.
async fn refuse(server: &Server, name: &str) -> Option<Response> {
    let config = &server.config;
    if config.missing.contains(name) {
        return Some(StatusCode::NOT_FOUND.into_response());
    }
    if config.hanging.contains(name) {
        std::future::pending::<()>().await;
    }
    if let Some(status) = config.statuses.get(name) {
        let status = StatusCode::from_u16(*status).expect("valid status");
        return Some(status.into_response());
    }
    if let Some(limit) = config.rate_limits.get(name) {
        let seen = {
            let mut log = server.log();
            let seen = log.per_package.entry(name.to_owned()).or_default();
            *seen += 1;
            *seen
        };
        if seen <= limit.times {
            let mut response = limit.status.into_response();
            let value = match limit.retry_after {
                Some(RetryAfter::Seconds(seconds)) => Some(HeaderValue::from(seconds)),
                Some(RetryAfter::DateIn(offset)) => {
                    let now = SystemTime::now();
                    let magnitude = Duration::from_secs(offset.unsigned_abs());
                    let at = if offset < 0 {
                        now - magnitude
                    } else {
                        now + magnitude
                    };
                    HeaderValue::from_str(&httpdate::fmt_http_date(at)).ok()
                }
                None => None,
            };
            if let Some(value) = value {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Some(response);
        }
    }
    None
}

/// `GET /files/<filename>`: a synthetic package's file, in frames of
/// [`FRAME`] bytes, with its `Content-Length`.
async fn file(State(server): State<Arc<Server>>, Path(filename): Path<String>) -> Response {
    if filename.ends_with(".metadata") {
        return serve_fixture_file(&filename, &HeaderMap::new());
    }
    let Some(package) = server.synthetic_package_of(&filename) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(refusal) = refuse(&server, &package).await {
        return refusal;
    }
    let config = &server.config;
    let body = synthetic_file(&filename, config.corrupt_files.contains(&filename));
    let length = body.len();
    let cut = match config.truncated_files.get(&filename) {
        Some(&times) => {
            let mut log = server.log();
            let seen = log.per_file.entry(filename.clone()).or_default();
            *seen += 1;
            *seen <= times
        }
        None => false,
    };
    let stall = config.stalling_files.contains(&filename);
    let mut frames: Vec<Bytes> = body.chunks(FRAME).map(Bytes::copy_from_slice).collect();
    if cut || stall {
        frames.truncate(frames.len() / 2);
    }
    let interval = config.frame_interval;
    let frames = futures::stream::iter(frames).then(move |frame| async move {
        if !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
        Ok::<_, std::io::Error>(frame)
    });
    let body = if cut {
        let broken = futures::stream::once(async {
            flush_pause().await;
            Err(std::io::Error::other("cut off mid-body by the test index"))
        });
        Body::from_stream(frames.chain(broken))
    } else if stall {
        Body::from_stream(frames.chain(futures::stream::pending()))
    } else {
        Body::from_stream(frames)
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let octets = HeaderValue::from_static("application/octet-stream");
    headers.insert(header::CONTENT_TYPE, octets);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if config.gzip_label {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// Applies the [`Fault`] configured for the package a request is about, if any.
async fn inject(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let spared = request
        .uri()
        .query()
        .is_some_and(|q| q.contains("redirected"));
    let package = server.package_of_path(&path);
    let fault = package.and_then(|package| server.config.faults.get(&package).cloned());
    let Some(fault) = fault.filter(|_| !spared) else {
        return next.run(request).await;
    };
    let content_type = |label: &'static str| [(header::CONTENT_TYPE, label)];
    match fault {
        Fault::Redirect(to) => {
            let location = match to {
                Redirect::SameHost => format!("{path}?redirected"),
                Redirect::To(base) => format!("{base}{path}?redirected"),
                Redirect::Loop => path,
            };
            let location = [(header::LOCATION, location)];
            (StatusCode::FOUND, location).into_response()
        }
        Fault::Html => {
            let page = "<!DOCTYPE html>\n<html><body><h1>Welcome</h1></body></html>\n";
            (content_type("text/html"), page).into_response()
        }
        Fault::Endless => {
            let open = futures::stream::once(async { Bytes::from_static(b"{") });
            let spaces = Bytes::from(vec![b' '; 64 * 1024]);
            let forever = open.chain(futures::stream::repeat(spaces));
            let body = Body::from_stream(forever.map(Ok::<_, std::io::Error>));
            (content_type(JSON), body).into_response()
        }
        Fault::GzipBomb(inflated) => {
            let headers = [
                (header::CONTENT_TYPE, JSON),
                (header::CONTENT_ENCODING, "gzip"),
            ];
            (headers, gzip_of_spaces(inflated)).into_response()
        }
        fault => {
            let (mut parts, body) = next.run(request).await.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            let half = body.slice(..body.len() / 2);
            let body = match fault {
                Fault::StallMidBody => {
                    let first = futures::stream::once(async { Ok::<_, std::io::Error>(half) });
                    Body::from_stream(first.chain(futures::stream::pending()))
                }
                Fault::CloseMidBody => {
                    let first = futures::stream::once(async { Ok(half) });
                    let cut = futures::stream::once(async {
                        flush_pause().await;
                        Err(std::io::Error::other("cut off mid-body by the test index"))
                    });
                    Body::from_stream(first.chain(cut))
                }
                Fault::LongContentLength | Fault::ShortContentLength => {
                    let declared = match fault {
                        Fault::LongContentLength => body.len() + 100,
                        _ => body.len() / 2,
                    };
                    let length = HeaderValue::from(declared);
                    parts.headers.insert(header::CONTENT_LENGTH, length);
                    // A stream, so that hyper keeps the declared length; it closes
                    // the connection when the stream ends short of it.
                    let whole = futures::stream::once(async { Ok::<_, std::io::Error>(body) });
                    let end = futures::stream::once(flush_pause()).filter_map(|()| async { None });
                    Body::from_stream(whole.chain(end))
                }
                Fault::ContentType(label) => {
                    let label = HeaderValue::from_static(label);
                    parts.headers.insert(header::CONTENT_TYPE, label);
                    Body::from(body)
                }
                Fault::NotUtf8 => {
                    let mut bytes = body.to_vec();
                    let end = bytes.iter().rposition(|&b| b == b'}').unwrap_or(0);
                    bytes.splice(end..end, b", \"x\": \"\xff\"".iter().copied());
                    Body::from(bytes)
                }
                Fault::Trickle(interval) => {
                    let bytes = futures::stream::iter(0..body.len());
                    let trickle = bytes.then(move |at| {
                        let byte = body.slice(at..at + 1);
                        async move {
                            tokio::time::sleep(interval).await;
                            Ok::<_, std::io::Error>(byte)
                        }
                    });
                    Body::from_stream(trickle)
                }
                _ => unreachable!("answered above"),
            };
            Response::from_parts(parts, body)
        }
    }
}

/// A pause before a body fails or ends short: hyper drops what it has not flushed
/// when a body fails, and the client must see the bytes before the break.
async fn flush_pause() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// A gzip stream of `inflated` spaces (a few KiB for megabytes).
fn gzip_of_spaces(inflated: usize) -> Vec<u8> {
    let block = vec![b' '; 64 * 1024];
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut left = inflated;
    while left > 0 {
        let take = left.min(block.len());
        encoder.write_all(&block[..take]).expect("write to memory");
        left -= take;
    }
    encoder.finish().expect("write to memory")
}

impl Server {
    /// The normalized name of the package a request path is about:
    /// `/pypi/<name>/...`, `/simple/<name>/`, or a synthetic file's.
    fn package_of_path(&self, path: &str) -> Option<String> {
        let mut segments = path.trim_start_matches('/').split('/');
        match (segments.next()?, segments.next()?) {
            ("pypi" | "simple", name) => Some(normalize(name)),
            ("files", filename) => self.synthetic_package_of(filename),
            _ => None,
        }
    }

    /// The project document of normalized `name`: a fixture, or a synthetic one.
    fn project(&self, name: &str) -> Option<Value> {
        if let Some(document) = self.projects.get(name) {
            return Some(document.clone());
        }
        self.is_synthetic(name)
            .then(|| synthetic_project(&self.base, name, self.config.history))
    }

    /// Whether normalized `name` is a synthetic package this server serves.
    fn is_synthetic(&self, name: &str) -> bool {
        let number = name.strip_prefix("synth-");
        self.config.synthetic && number.is_some_and(|n| n.parse::<u64>().is_ok())
    }

    /// The normalized name of the synthetic package `filename` belongs to.
    fn synthetic_package_of(&self, filename: &str) -> Option<String> {
        let package = normalize(filename.split('-').next()?);
        let known = synthetic_filenames(&package).contains(&filename.to_owned());
        (self.is_synthetic(&package) && known).then_some(package)
    }
}

/// `releases[version]` with its key: the exact key, else a PEP 440-equal one.
fn find_release(document: &Value, version: &str) -> Option<(String, Value)> {
    let releases = document["releases"].as_object()?;
    if let Some(files) = releases.get(version) {
        return Some((version.to_owned(), files.clone()));
    }
    let wanted = Version::from_str(version).ok()?;
    releases
        .iter()
        .find(|(key, _)| Version::from_str(key).is_ok_and(|v| v == wanted))
        .map(|(key, files)| (key.clone(), files.clone()))
}

/// Rewrites the absolute `url` of each file to `../` * `depth` + `packages/...`
/// (or + `files/...` for this server's own files), which resolves back to the same
/// path against the document's own URL.
fn relativize(files: &mut Value, base: &str, depth: usize) {
    for file in files.as_array_mut().into_iter().flatten() {
        let Some(url) = file["url"].as_str() else {
            continue;
        };
        let own = url
            .strip_prefix(base)
            .and_then(|path| path.strip_prefix('/'));
        let path = own.or_else(|| url.find("/packages/").map(|at| &url[at + 1..]));
        if let Some(path) = path {
            let relative = format!("{}{}", "../".repeat(depth), path);
            file["url"] = Value::String(relative);
        }
    }
}

/// Size of a synthetic file: [`FILLER`] bytes shared by all, then [`TAIL`] bytes
/// of the file name repeated.
const SYNTHETIC_FILE_SIZE: usize = FILLER + TAIL;
const FILLER: usize = 96 * 1024;
const TAIL: usize = 4 * 1024;
/// The frames a file body is sent in.
const FRAME: usize = 16 * 1024;
/// The byte [`Config::corrupt_file`] changes (in the shared part, so only a hash
/// of the whole body notices).
const CORRUPTED_BYTE: usize = FILLER / 2 + 1;

/// The shared first part of every synthetic file (pseudo-random, deterministic),
/// and the sha256 state after it: each file's digest then costs only its tail, so
/// serving documents of many synthetic packages (benchmarks) stays cheap.
fn filler() -> &'static (Vec<u8>, Sha256) {
    static FILLER_STATE: OnceLock<(Vec<u8>, Sha256)> = OnceLock::new();
    FILLER_STATE.get_or_init(|| {
        let mut state: u32 = 0x9e37_79b9;
        let bytes: Vec<u8> = (0..FILLER)
            .map(|_| {
                // xorshift32
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect();
        let hashed = Sha256::new_with_prefix(&bytes);
        (bytes, hashed)
    })
}

/// The last [`TAIL`] bytes of the synthetic file `filename`.
fn synthetic_tail(filename: &str) -> Vec<u8> {
    filename.bytes().cycle().take(TAIL).collect()
}

/// The body of the synthetic file `filename` (`corrupt`: one byte changed).
pub fn synthetic_file(filename: &str, corrupt: bool) -> Vec<u8> {
    let mut body = Vec::with_capacity(SYNTHETIC_FILE_SIZE);
    body.extend_from_slice(&filler().0);
    body.extend(synthetic_tail(filename));
    if corrupt {
        body[CORRUPTED_BYTE] ^= 0xff;
    }
    body
}

/// The lowercase hex sha256 of the (uncorrupted) synthetic file `filename`.
pub fn synthetic_sha256(filename: &str) -> String {
    let mut hasher = filler().1.clone();
    hasher.update(synthetic_tail(filename));
    hex::encode(hasher.finalize())
}

/// The files of the synthetic project of normalized `name`: an sdist, three wheels.
pub fn synthetic_filenames(name: &str) -> [String; 4] {
    let stem = format!("{}-1.0.0", name.replace('-', "_"));
    [
        format!("{stem}.tar.gz"),
        format!("{stem}-py3-none-any.whl"),
        format!("{stem}-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        format!("{stem}-cp312-cp312-win_amd64.whl"),
    ]
}

/// A project `synth-<n>` with version 1.0.0: an sdist and three wheels served at
/// `<base>/files/<filename>`, with the sha256 of their body; and `history` older
/// releases whose files are listed only.
fn synthetic_project(base: &str, name: &str, history: usize) -> Value {
    let files: Vec<Value> = synthetic_filenames(name)
        .into_iter()
        .map(|filename| {
            let sha256 = synthetic_sha256(&filename);
            let packagetype = if filename.ends_with(".whl") {
                "bdist_wheel"
            } else {
                "sdist"
            };
            json!({
                "filename": filename,
                "url": format!("{base}/files/{filename}"),
                "digests": {"sha256": sha256},
                "packagetype": packagetype,
                "requires_python": ">=3.8",
                "yanked": false,
                "yanked_reason": null,
            })
        })
        .collect();
    let mut releases = serde_json::Map::new();
    let stem = name.replace('-', "_");
    for n in 0..history {
        let version = format!("0.0.{n}");
        let old: Vec<Value> = [".tar.gz", "-py3-none-any.whl"]
            .iter()
            .map(|suffix| {
                let filename = format!("{stem}-{version}{suffix}");
                json!({
                    "filename": filename,
                    "url": format!("{base}/files/{filename}"),
                    "digests": {"sha256": hex::encode(Sha256::digest(filename.as_bytes()))},
                    "requires_python": ">=3.8",
                    "yanked": false,
                    "yanked_reason": null,
                })
            })
            .collect();
        releases.insert(version, Value::Array(old));
    }
    releases.insert("1.0.0".to_owned(), Value::Array(files));
    json!({"info": {"name": name, "version": "1.0.0"}, "releases": releases})
}

/// The recorded project document `fixtures/pypi/<stem>.json`.
pub fn recorded(stem: &str) -> Value {
    let path = format!("{}/fixtures/pypi/{stem}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The recorded fixtures, by file stem, with `edit` applied, written to a temp dir
/// for [`Config::fixtures`] (keep it alive as long as the index).
pub fn edited_fixtures(edit: impl FnOnce(&mut BTreeMap<String, Value>)) -> tempfile::TempDir {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pypi");
    let mut documents = BTreeMap::new();
    for entry in std::fs::read_dir(root).expect("fixtures/pypi") {
        let path = entry.expect("fixture directory entry").path();
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            documents.insert(stem.to_owned(), recorded(stem));
        }
    }
    edit(&mut documents);
    let dir = tempfile::tempdir().expect("temp dir");
    for (stem, document) in documents {
        let path = dir.path().join(format!("{stem}.json"));
        std::fs::write(path, document.to_string()).expect("write a fixture");
    }
    dir
}

/// A file entry of a project document, its sha256 made of `digit`.
pub fn file_entry(filename: &str, digit: char) -> Value {
    json!({
        "filename": filename,
        "url": format!("https://files.example/packages/ab/{filename}"),
        "digests": {"sha256": digit.to_string().repeat(64)},
        "packagetype": "bdist_wheel",
        "requires_python": null,
        "yanked": false,
        "yanked_reason": null,
    })
}

/// The fixtures with six 1.16.0 listing, besides its own files, another project's
/// wheel (`evilpkg-6.6.6-py3-none-any.whl`) and six 1.15.0's wheel.
pub fn six_with_strangers() -> tempfile::TempDir {
    edited_fixtures(|documents| {
        let six = documents.get_mut("six").expect("six.json");
        let wheel_1_15 = six["releases"]["1.15.0"][0].clone();
        let release = six["releases"]["1.16.0"].as_array_mut().expect("1.16.0");
        release.push(file_entry("evilpkg-6.6.6-py3-none-any.whl", 'e'));
        release.push(wheel_1_15);
    })
}

/// The fixtures with attrs 23.1.0 listing six 1.15.0's files instead of its own.
pub fn attrs_listing_six() -> tempfile::TempDir {
    edited_fixtures(|documents| {
        let six_1_15 = documents["six"]["releases"]["1.15.0"].clone();
        documents.get_mut("attrs").expect("attrs.json")["releases"]["23.1.0"] = six_1_15;
    })
}

/// Every `<name>.json` of the fixtures directory, keyed by normalized name.
fn load_fixtures(config: &Config, base: &str) -> HashMap<String, Value> {
    let dir = &config.fixtures;
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut projects = HashMap::new();
    for entry in entries {
        let path = entry.expect("fixture directory entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("readable fixture");
            // Recorded files' URLs point at this server, which serves their metadata
            // files (`fixtures/metadata/`): nothing a test does reaches PyPI.
            let text = text.replace(RECORDED_FILES, &format!("{base}/"));
            let document =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            projects.insert(normalize(stem), document);
        }
    }
    projects
}

/// PEP 503 normalized name: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !normalized.ends_with('-') {
                normalized.push('-');
            }
        } else {
            normalized.push(c.to_ascii_lowercase());
        }
    }
    normalized
}
