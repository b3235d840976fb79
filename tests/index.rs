//! The PyPI JSON client against the loopback index, by IP address: never the
//! internet nor a name resolver, except in the `#[ignore]`d tests that say so.

use std::str::FromStr;
use std::time::{Duration, Instant};

use futures::future::join_all;
use hashlock::digest::{Algorithm, Digest};
use hashlock::index::{ClientOptions, DistFile, IndexClient, IndexError, Release};
use hashlock::pin::Pin;
use pep440_rs::Version;
use pep508_rs::PackageName;
use serde_json::Value;

use crate::support::server::{
    Fault, Redirect, RetryAfter, SIMPLE_JSON, attrs_listing_six, six_with_strangers,
    synthetic_file, synthetic_filenames, synthetic_sha256,
};
use crate::support::{Config, TestIndex};

const REQUESTS_SDIST_SHA256: &str =
    "942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1";

/// Fast retries, generous timeouts: tests that need otherwise say so.
fn options(index: &TestIndex) -> ClientOptions {
    ClientOptions {
        retry_base: Duration::from_millis(10),
        ..ClientOptions::new(index.url().parse().unwrap())
    }
}

/// The lowercase hex sha256 of the file at `url`, hashed as it downloads.
async fn sha256_of_url(client: &IndexClient, url: impl AsRef<str>) -> Result<String, IndexError> {
    let digest = digest_of_url(client, url, Algorithm::Sha256).await?;
    Ok(digest.to_hex())
}

/// The `algorithm` digest of the file at `url`, hashed as it downloads.
async fn digest_of_url(
    client: &IndexClient,
    url: impl AsRef<str>,
    algorithm: Algorithm,
) -> Result<Digest, IndexError> {
    let url = url.as_ref().parse().expect("a URL");
    client.digest_of(&url, algorithm).await
}

/// A client with a short timeout and few retries, for the failure tests.
async fn client_with(index: &TestIndex, timeout_secs: u64, retries: u32) -> IndexClient {
    let options = ClientOptions {
        timeout: Duration::from_secs(timeout_secs),
        retries,
        ..options(index)
    };
    IndexClient::connect(options).await.unwrap()
}

/// The URL and status of an `IndexError::Status`; panics on any other error.
fn expect_status(error: &IndexError) -> (&str, u16) {
    match error {
        IndexError::Status { url, status } => (url.as_str(), *status),
        other => panic!("expected Status, got {other}"),
    }
}

async fn client(index: &TestIndex) -> IndexClient {
    IndexClient::connect(options(index)).await.expect("connect")
}

/// `name==version`.
fn pin(name: &str, version: &str) -> Pin {
    Pin {
        name: PackageName::from_str(name).unwrap(),
        version: Version::from_str(version).unwrap(),
        arbitrary: None,
    }
}

/// `name===version`.
fn arbitrary(name: &str, version: &str) -> Pin {
    Pin {
        arbitrary: Some(version.to_owned()),
        ..pin(name, version)
    }
}

fn filenames(release: &Release) -> Vec<&str> {
    release.files.iter().map(|f| f.filename.as_str()).collect()
}

/// The names of the files set aside, in the index's order.
fn ignored(release: &Release) -> Vec<&str> {
    release
        .ignored
        .iter()
        .map(|f| f.filename.as_str())
        .collect()
}

fn name(name: &str) -> PackageName {
    PackageName::from_str(name).unwrap()
}

/// Every flavour of the loopback index a lookup can go through: the per-version
/// endpoint; without it, the Simple API (with and without PEP 700's `versions`);
/// without either, the JSON API's project documents.
fn all_configs() -> [Config; 4] {
    let mirror = Config::new().without_version_endpoint();
    [
        Config::new(),
        mirror.clone(),
        mirror.clone().simple_api_without_versions(),
        mirror.without_simple_api(),
    ]
}

#[tokio::test]
async fn per_version_endpoint_is_used_when_present() {
    let index = TestIndex::start(Config::new());
    let pypi = client(&index).await;
    let release = pypi.release(&pin("requests", "2.31.0")).await.unwrap();
    assert_eq!(
        (release.name.as_str(), release.version.as_str()),
        ("requests", "2.31.0")
    );
    let expected = ["requests-2.31.0.tar.gz", "requests-2.31.0-py3-none-any.whl"];
    assert_eq!(filenames(&release), expected);
    let sdist = &release.files[0];
    assert_eq!(
        sdist.sha256.map(|d| d.to_string()).as_deref(),
        Some(REQUESTS_SDIST_SHA256)
    );
    assert_eq!(sdist.requires_python.as_deref(), Some(">=3.7"));
    assert_eq!(sdist.yanked, None);
    assert!(
        sdist
            .url
            .as_str()
            .starts_with(&format!("{}/packages/9d/be/", index.url()))
    );
    assert_eq!(index.requests("/pypi/requests/2.31.0/json"), 1);
    assert_eq!(index.project_requests(), 0);
}

/// Looks up a few pins of three packages, the first one alone.
async fn look_up_a_few(pypi: &IndexClient) {
    let release = pypi.release(&pin("requests", "2.31.0")).await.unwrap();
    assert_eq!(release.files.len(), 2);
    assert!(!pypi.uses_version_endpoint());
    for (name, version) in [
        ("urllib3", "2.2.1"),
        ("idna", "3.6"),
        ("requests", "2.32.3"),
    ] {
        let release = pypi.release(&pin(name, version)).await.unwrap();
        assert_eq!(release.version, version);
    }
}

#[tokio::test]
async fn missing_version_endpoint_switches_to_the_simple_api_once() {
    let index = TestIndex::start(Config::new().without_version_endpoint());
    let pypi = client(&index).await;
    assert!(pypi.uses_version_endpoint());
    assert_eq!(pypi.uses_simple_api(), None);
    look_up_a_few(&pypi).await;
    assert_eq!(pypi.uses_simple_api(), Some(true));
    assert_eq!(index.version_requests(), 1, "{:#?}", index.counts());
    assert_eq!(
        index.requests("/simple/requests/"),
        1,
        "Simple API documents are cached"
    );
    assert_eq!(index.simple_requests(), 3);
    assert_eq!(index.project_requests(), 0, "{:#?}", index.counts());
}

#[tokio::test]
async fn without_the_simple_api_project_documents_are_read() {
    for config in [
        Config::new().without_simple_api(),
        Config::new().simple_api_html_only(),
    ] {
        let index = TestIndex::start(config.without_version_endpoint());
        let pypi = client(&index).await;
        look_up_a_few(&pypi).await;
        assert_eq!(pypi.uses_simple_api(), Some(false));
        assert_eq!(index.version_requests(), 1, "{:#?}", index.counts());
        assert_eq!(
            index.simple_requests(),
            1,
            "asked once: {:#?}",
            index.counts()
        );
        assert_eq!(
            index.requests("/pypi/requests/json"),
            1,
            "project documents are cached"
        );
        assert_eq!(index.project_requests(), 3);
    }
}

#[tokio::test]
async fn once_the_simple_api_answered_its_404_means_no_package() {
    let index = TestIndex::start(Config::new().without_version_endpoint().missing("idna"));
    let pypi = client(&index).await;
    pypi.release(&pin("six", "1.16.0")).await.unwrap();
    assert_eq!(pypi.uses_simple_api(), Some(true));
    for name in ["idna", "no-such-package"] {
        let error = pypi.release(&pin(name, "1.0")).await.unwrap_err();
        assert!(
            matches!(error, IndexError::PackageNotFound { .. }),
            "{error}"
        );
        assert_eq!(index.requests(&format!("/simple/{name}/")), 1);
    }
    assert_eq!(index.project_requests(), 0, "{:#?}", index.counts());
    assert_eq!(pypi.uses_simple_api(), Some(true));
}

#[tokio::test]
async fn a_404_before_the_simple_api_answered_asks_the_json_api() {
    let index = TestIndex::start(Config::new().without_version_endpoint());
    let pypi = client(&index).await;
    let error = pypi
        .release(&pin("no-such-package", "1.0"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, IndexError::PackageNotFound { .. }),
        "{error}"
    );
    assert_eq!(index.requests("/pypi/no-such-package/json"), 1);
    assert_eq!(pypi.uses_simple_api(), None, "nothing proves it either way");
    pypi.release(&pin("six", "1.16.0")).await.unwrap();
    assert_eq!(pypi.uses_simple_api(), Some(true));
    assert_eq!(index.project_requests(), 1);
}

#[tokio::test]
async fn simple_api_failures_are_reported_not_skipped() {
    let config = Config::new().without_version_endpoint().failing("six");
    let index = TestIndex::start(config);
    let pypi = client_with(&index, 30, 1).await;
    // The version endpoint fails too; make it look missing first.
    pypi.release(&pin("idna", "3.6")).await.unwrap();
    assert!(!pypi.uses_version_endpoint());
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    let IndexError::Status { url, status } = &error else {
        panic!("expected Status, got {error}");
    };
    let expected = format!("{}/simple/six/", index.url());
    assert_eq!((url.as_str(), *status), (expected.as_str(), 500));
    assert_eq!(index.requests("/simple/six/"), 2);
    assert_eq!(index.project_requests(), 0);
}

#[tokio::test]
async fn rate_limited_simple_api_is_waited_out() {
    let config = Config::new().without_version_endpoint();
    let index = TestIndex::start(config.rate_limited("six", 2, 0));
    let pypi = client(&index).await;
    pypi.release(&pin("idna", "3.6")).await.unwrap();
    assert!(!pypi.uses_version_endpoint());
    let release = pypi.release(&pin("six", "1.16.0")).await.unwrap();
    assert_eq!(release.files.len(), 2);
    assert_eq!(index.requests("/simple/six/"), 3, "{:#?}", index.counts());
    assert_eq!(index.project_requests(), 0);
}

#[tokio::test]
async fn unknown_version_does_not_switch() {
    let index = TestIndex::start(Config::new());
    let pypi = client(&index).await;
    let error = pypi.release(&pin("requests", "9.9.9")).await.unwrap_err();
    assert!(
        matches!(error, IndexError::VersionNotFound { .. }),
        "{error}"
    );
    assert!(pypi.uses_version_endpoint());
    pypi.release(&pin("six", "1.16.0")).await.unwrap();
    assert_eq!(index.version_requests(), 2);
    assert_eq!(index.requests("/pypi/six/json"), 0);
}

#[tokio::test]
async fn differently_spelled_version_does_not_switch() {
    for config in all_configs().into_iter().skip(1) {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        // The project has "4.2", not "4.2.0": the 404 proves nothing about the endpoint.
        let release = pypi.release(&pin("Django", "4.2.0")).await.unwrap();
        assert_eq!(release.version, "4.2");
        assert!(pypi.uses_version_endpoint());
        pypi.release(&pin("six", "1.16.0")).await.unwrap();
        assert!(!pypi.uses_version_endpoint());
        assert_eq!(index.version_requests(), 2);
    }
}

#[tokio::test]
async fn equal_pins_match_versions_with_trailing_zeros() {
    for config in all_configs() {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        let urllib3 = pypi.release(&pin("urllib3", "2.0")).await.unwrap();
        assert_eq!(urllib3.version, "2.0.0");
        assert_eq!(filenames(&urllib3).len(), 2);
        let reason = urllib3.files[0].yanked.as_deref().expect("2.0.0 is yanked");
        assert!(reason.starts_with("Truncated response bodies"), "{reason}");
        let django = pypi.release(&pin("django", "4.2.0")).await.unwrap();
        // The Simple API names projects normalized (PEP 691).
        let name = match pypi.uses_simple_api() {
            Some(true) => "django",
            _ => "Django",
        };
        assert_eq!(
            (django.name.as_str(), django.version.as_str()),
            (name, "4.2")
        );
    }
}

#[tokio::test]
async fn arbitrary_pins_match_the_exact_string() {
    for config in all_configs() {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        let django = pypi.release(&arbitrary("Django", "4.2")).await.unwrap();
        assert_eq!(django.version, "4.2");
        let error = pypi
            .release(&arbitrary("Django", "4.2.0"))
            .await
            .unwrap_err();
        let IndexError::VersionNotFound { version, close, .. } = error else {
            panic!("expected VersionNotFound, got {error}");
        };
        assert_eq!(version, "4.2.0");
        assert_eq!(close.first().map(String::as_str), Some("4.2"));
        let pyyaml = pypi
            .release(&arbitrary("PyYAML", "6.0.2RC1"))
            .await
            .unwrap();
        assert_eq!(pyyaml.version, "6.0.2rc1");
        assert!(pyyaml.files.iter().all(|f| f.yanked.is_some()));
    }
}

#[tokio::test]
async fn relative_file_urls_are_resolved() {
    for config in all_configs() {
        let index = TestIndex::start(config.relative_urls());
        let pypi = client(&index).await;
        let release = pypi.release(&pin("requests", "2.31.0")).await.unwrap();
        let sdist = &release.files[0];
        let path = "/packages/9d/be/10918a2eac4ae9f02f6cfe6414b7a155ccd8f7f9d4380d62fd5b955065c3/requests-2.31.0.tar.gz";
        assert_eq!(sdist.url.as_str(), format!("{}{path}", index.url()));
        let urllib3 = pypi.release(&pin("urllib3", "2.2.1")).await.unwrap();
        let prefix = format!("{}/packages/packages/", index.url());
        assert!(
            urllib3
                .files
                .iter()
                .all(|f| f.url.as_str().starts_with(&prefix))
        );
    }
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let index = TestIndex::start(Config::new().failing("six"));
    let pypi = client_with(&index, 30, 2).await;
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    let IndexError::Status { url, status } = &error else {
        panic!("expected Status, got {error}");
    };
    assert_eq!(
        (url.as_str(), *status),
        (
            format!("{}/pypi/six/1.16.0/json", index.url()).as_str(),
            500
        )
    );
    assert_eq!(index.requests("/pypi/six/1.16.0/json"), 3);
    assert_eq!(index.project_requests(), 0);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let index = TestIndex::start(Config::new().status("six", 403));
    let pypi = client(&index).await;
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    assert!(
        matches!(error, IndexError::Status { status: 403, .. }),
        "{error}"
    );
    assert_eq!(index.total_requests(), 1);
}

#[tokio::test]
async fn rate_limits_are_honoured() {
    let index = TestIndex::start(Config::new().rate_limited("six", 1, 1));
    let pypi = client(&index).await;
    let started = Instant::now();
    let release = pypi.release(&pin("six", "1.16.0")).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(release.files.len(), 2);
    // `Retry-After: 1` was waited out, and once was enough: one 429, one answer.
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    assert_eq!(index.requests("/pypi/six/1.16.0/json"), 2);
}

#[tokio::test]
async fn hanging_index_times_out() {
    let index = TestIndex::start(Config::new().hanging("six"));
    let pypi = client_with(&index, 1, 1).await;
    let started = Instant::now();
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    let elapsed = started.elapsed();
    let IndexError::Timeout { url, seconds } = &error else {
        panic!("expected Timeout, got {error}");
    };
    assert_eq!(*url, format!("{}/pypi/six/1.16.0/json", index.url()));
    assert_eq!(*seconds, 1);
    // Two attempts (one retry), each given up after its 1 s.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(index.requests("/pypi/six/1.16.0/json"), 2);
}

#[tokio::test]
async fn unknown_package_is_reported() {
    for config in all_configs() {
        let index = TestIndex::start(config.missing("six"));
        let pypi = client(&index).await;
        for name in ["no-such-package", "six"] {
            let error = pypi.release(&pin(name, "1.0")).await.unwrap_err();
            let IndexError::PackageNotFound {
                package,
                index: url,
            } = &error
            else {
                panic!("expected PackageNotFound, got {error}");
            };
            assert_eq!((package.as_str(), url.as_str()), (name, index.url()));
            assert_eq!(
                index.requests(&format!("/pypi/{name}/json")),
                1,
                "404 is not retried"
            );
        }
        assert!(pypi.uses_version_endpoint());
    }
}

#[tokio::test]
async fn unknown_version_suggests_close_ones() {
    for config in all_configs() {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        let error = pypi.release(&pin("requests", "2.32.9")).await.unwrap_err();
        let IndexError::VersionNotFound {
            package,
            version,
            close,
            ..
        } = error
        else {
            panic!("expected VersionNotFound, got {error}");
        };
        assert_eq!((package.as_str(), version.as_str()), ("requests", "2.32.9"));
        assert_eq!(close, ["2.32.5", "2.32.4", "2.32.3", "2.32.2", "2.31.0"]);
        let error = pypi.release(&pin("numpy", "1.26.7")).await.unwrap_err();
        let IndexError::VersionNotFound { close, .. } = error else {
            panic!("expected VersionNotFound, got {error}");
        };
        assert_eq!(close, ["1.26.4", "1.26.3", "1.26.2", "2.0.0", "2.0.1"]);
    }
}

#[tokio::test]
async fn concurrent_identical_lookups_share_one_request() {
    let config = Config::new().latency(Duration::from_millis(100));
    let index = TestIndex::start(config);
    let pypi = client(&index).await;
    let pins = [pin("requests", "2.31.0"), pin("requests", "2.31")];
    let lookups = (0..10).map(|i| pypi.release(&pins[i % 2]));
    let releases: Vec<Release> = join_all(lookups)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(releases.iter().all(|r| *r == releases[0]));
    assert_eq!(index.total_requests(), 1, "{:#?}", index.counts());
}

#[tokio::test]
async fn concurrent_lookups_share_one_listing() {
    let simple = Config::new().without_version_endpoint();
    for config in [simple.clone(), simple.without_simple_api()] {
        let index = TestIndex::start(config.latency(Duration::from_millis(100)));
        let pypi = client(&index).await;
        let pins = [
            pin("numpy", "1.26.4"),
            pin("numpy", "1.26.3"),
            pin("numpy", "1.26.2"),
        ];
        let releases = join_all(pins.iter().map(|p| pypi.release(p))).await;
        assert!(
            releases
                .iter()
                .all(|r| r.as_ref().is_ok_and(|r| r.files.len() > 20))
        );
        let counts = (
            index.requests("/simple/numpy/"),
            index.requests("/pypi/numpy/json"),
        );
        let expected = match pypi.uses_simple_api() {
            Some(true) => (1, 0),
            // The Simple API's 404 too is asked for once.
            _ => (1, 1),
        };
        assert_eq!(counts, expected, "{:#?}", index.counts());
        assert!(index.version_requests() <= 3);
    }
}

#[tokio::test]
async fn user_agent_is_sent() {
    let index = TestIndex::start(Config::new().without_version_endpoint());
    let pypi = client(&index).await;
    pypi.release(&pin("six", "1.16.0")).await.unwrap();
    let expected = format!("hashlock/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(index.user_agents(), [expected.clone(), expected]);
}

#[tokio::test]
async fn unreadable_document_is_a_decode_error() {
    for config in all_configs() {
        let index = TestIndex::start(config.corrupt("six"));
        let pypi = client(&index).await;
        let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
        assert!(matches!(error, IndexError::Decode { .. }), "{error}");
    }
}

/// `name==version` and `name===version` for every release of every fixture, as the
/// fixture spells its name.
fn every_fixture_pin() -> Vec<Pin> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pypi");
    let mut pins = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let document: Value = serde_json::from_str(&text).unwrap();
        let name = document["info"]["name"].as_str().unwrap();
        for version in document["releases"].as_object().unwrap().keys() {
            pins.push(pin(name, version));
            pins.push(arbitrary(name, version));
        }
    }
    pins.sort_by_key(ToString::to_string);
    pins
}

/// The release with its name normalized: the Simple API sends it so (PEP 691), the
/// JSON API as the project spells it.
fn normalized(mut release: Release) -> Release {
    release.name = name(&release.name).to_string();
    // Recorded files' URLs point at the server that served them (see
    // `support::server`): each test index has its own port.
    for file in &mut release.files {
        let _ = file.url.set_port(None);
    }
    release
}

#[tokio::test]
async fn every_endpoint_gives_the_same_releases() {
    let pins = every_fixture_pin();
    assert!(pins.len() > 150, "{}", pins.len());
    let direct = TestIndex::start(Config::new());
    let direct_client = client(&direct).await;
    let mut expected = Vec::new();
    for pin in &pins {
        let release = direct_client.release(pin).await.unwrap();
        assert!(release.files.iter().all(well_formed), "{pin}");
        assert!(!release.files.is_empty(), "{pin}");
        expected.push(release);
    }
    assert_eq!(direct.project_requests() + direct.simple_requests(), 0);
    for config in all_configs().into_iter().skip(1) {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        for (pin, expected) in pins.iter().zip(&expected) {
            let release = pypi.release(pin).await.unwrap();
            assert_eq!(release.version, expected.version, "{pin}");
            assert_eq!(normalized(release), normalized(expected.clone()), "{pin}");
        }
        assert_eq!(index.version_requests(), 1, "{:#?}", index.counts());
        let packages = 13;
        match pypi.uses_simple_api() {
            Some(true) => {
                assert_eq!(index.simple_requests(), packages);
                assert_eq!(index.project_requests(), 0, "{:#?}", index.counts());
            }
            _ => {
                assert_eq!(index.simple_requests(), 1);
                assert_eq!(index.project_requests(), packages);
            }
        }
    }
}

fn well_formed(file: &DistFile) -> bool {
    let sha256 = file.sha256.map(|d| d.to_string()).unwrap_or_default();
    let hex = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let url = file.url.as_str();
    // Recorded files' URLs are rewritten to the loopback index that serves them.
    let absolute = url.starts_with("https://") || url.starts_with("http://127.0.0.1:");
    hex && absolute && url.ends_with(&file.filename)
}

#[tokio::test]
#[ignore = "resolves `localhost`: needs the system's name resolver"]
async fn index_host_names_are_resolved() {
    let index = TestIndex::start(Config::new());
    let url = index.url().replace("127.0.0.1", "localhost");
    let pypi = IndexClient::connect(ClientOptions::new(url.parse().unwrap()))
        .await
        .unwrap();
    pypi.release(&pin("six", "1.16.0")).await.unwrap();
}

#[tokio::test]
#[ignore = "looks up `no-such-host.invalid`: needs DNS, and waits for it"]
async fn unresolvable_index_fails_to_connect() {
    let unresolvable = ClientOptions {
        connect_timeout: Duration::from_secs(3),
        ..ClientOptions::new("https://no-such-host.invalid".parse().unwrap())
    };
    let error = IndexClient::connect(unresolvable).await.unwrap_err();
    let is_network = matches!(
        error,
        IndexError::Network { .. } | IndexError::Timeout { .. }
    );
    assert!(is_network, "{error}");
}

/// The unreachable case of `unresolvable_index_fails_to_connect`, without DNS: an
/// index nothing answers on is a network error once the retries are spent.
#[tokio::test]
async fn unreachable_index_is_a_network_error() {
    // A loopback port just freed: nothing listens there, so connecting is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let options = ClientOptions {
        retries: 1,
        retry_base: Duration::from_millis(10),
        ..ClientOptions::new(url.parse().unwrap())
    };
    let pypi = IndexClient::connect(options).await.unwrap();
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    let IndexError::Network { url: reported, .. } = &error else {
        panic!("expected Network, got {error}");
    };
    assert_eq!(*reported, format!("{url}/pypi/six/1.16.0/json"));
}

/// (version, [(filename, sha256)]) of every release of a recorded fixture, with the
/// releases in the order the loopback index sends them (sorted by key).
fn recorded_releases(fixture: &str) -> Vec<(String, Vec<(String, String)>)> {
    let path = format!(
        "{}/fixtures/pypi/{fixture}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let releases = document["releases"].as_object().unwrap();
    let file = |file: &Value| {
        let sha256 = file["digests"]["sha256"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase();
        (file["filename"].as_str().unwrap().to_owned(), sha256)
    };
    let release = |(version, files): (&String, &Value)| {
        (
            version.clone(),
            files.as_array().unwrap().iter().map(file).collect(),
        )
    };
    releases.iter().map(release).collect()
}

fn summary(releases: &[Release]) -> Vec<(String, Vec<(String, String)>)> {
    let file = |f: &DistFile| {
        let sha256 = f.sha256.map(|d| d.to_string()).unwrap_or_default();
        (f.filename.clone(), sha256)
    };
    let release = |r: &Release| (r.version.clone(), r.files.iter().map(file).collect());
    releases.iter().map(release).collect()
}

#[tokio::test]
async fn project_lists_every_release_with_its_files() {
    for config in all_configs() {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        let six = pypi.project(&name("six")).await.unwrap();
        let versions: Vec<&str> = six.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(versions, ["1.14.0", "1.15.0", "1.16.0", "1.17.0"]);
        assert_eq!(summary(&six), recorded_releases("six"));
        assert!(six.iter().all(|r| r.name == "six"));
        for release in &six {
            assert!(release.files.iter().all(well_formed), "{}", release.version);
            let one = pypi.release(&pin("six", &release.version)).await.unwrap();
            assert_eq!(&one, release, "project() and release() agree");
        }
    }
}

#[tokio::test]
async fn project_keeps_the_index_order_and_spelling() {
    let index = TestIndex::start(Config::new());
    let pypi = client(&index).await;
    let django = pypi.project(&name("django")).await.unwrap();
    let versions: Vec<&str> = django.iter().map(|r| r.version.as_str()).collect();
    // As sent (sorted as strings), not as PEP 440 would order them; "4.2", not "4.2.0".
    let expected = [
        "4.1.12", "4.1.13", "4.2", "4.2.1", "4.2.10", "4.2.11", "4.2.12", "4.2.13", "4.2.2",
        "4.2.9",
    ];
    assert_eq!(versions, expected);
    assert!(django.iter().all(|r| r.name == "Django"));
    assert_eq!(summary(&django), recorded_releases("django"));
    let pyyaml = pypi.project(&name("pyyaml")).await.unwrap();
    let rc = pyyaml.iter().find(|r| r.version == "6.0.2rc1").unwrap();
    assert!(rc.files.iter().all(|f| f.yanked.is_some()));
}

#[tokio::test]
async fn project_resolves_relative_urls() {
    let index = TestIndex::start(Config::new().relative_urls());
    let pypi = client(&index).await;
    let requests = pypi.project(&name("requests")).await.unwrap();
    assert_eq!(requests.len(), 9);
    let prefix = format!("{}/packages/", index.url());
    let files = requests.iter().flat_map(|r| &r.files);
    assert!(
        files.clone().all(|f| f.url.as_str().starts_with(&prefix)),
        "{requests:#?}"
    );
    assert!(files.clone().all(|f| f.url.as_str().ends_with(&f.filename)));
    let sdist = requests.iter().find(|r| r.version == "2.31.0").unwrap();
    assert_eq!(
        sdist.files[0].sha256.map(|d| d.to_string()).as_deref(),
        Some(REQUESTS_SDIST_SHA256)
    );
}

#[tokio::test]
async fn project_shares_the_project_document_with_the_fallback() {
    let config = Config::new()
        .without_version_endpoint()
        .without_simple_api();
    let index = TestIndex::start(config);
    let pypi = client(&index).await;
    // The fallback fetches the document; project() reuses it.
    pypi.release(&pin("six", "1.16.0")).await.unwrap();
    assert_eq!(pypi.project(&name("six")).await.unwrap().len(), 4);
    assert_eq!(pypi.project(&name("Six")).await.unwrap().len(), 4);
    assert_eq!(index.requests("/pypi/six/json"), 1, "{:#?}", index.counts());
    // And the other way round: project() first, then the fallback.
    assert_eq!(pypi.project(&name("requests")).await.unwrap().len(), 9);
    let release = pypi.release(&pin("requests", "2.31.0")).await.unwrap();
    assert_eq!(release.files.len(), 2);
    assert_eq!(
        index.requests("/pypi/requests/json"),
        1,
        "{:#?}",
        index.counts()
    );
    assert_eq!(
        index.version_requests(),
        1,
        "the endpoint was known missing"
    );
}

#[tokio::test]
async fn project_reads_the_json_api_beside_the_simple_api() {
    let index = TestIndex::start(Config::new().without_version_endpoint());
    let pypi = client(&index).await;
    let release = pypi.release(&pin("six", "1.16.0")).await.unwrap();
    let six = pypi.project(&name("six")).await.unwrap();
    let listed = six.iter().find(|r| r.version == "1.16.0").unwrap();
    assert_eq!(listed.files, release.files);
    assert_eq!(index.requests("/simple/six/"), 1);
    assert_eq!(index.requests("/pypi/six/json"), 1);
}

#[tokio::test]
async fn concurrent_project_calls_share_one_request() {
    let index = TestIndex::start(Config::new().latency(Duration::from_millis(100)));
    let pypi = client(&index).await;
    let numpy = name("numpy");
    let calls = (0..8).map(|_| pypi.project(&numpy));
    let answers: Vec<Vec<Release>> = join_all(calls)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(answers.iter().all(|a| *a == answers[0] && a.len() == 6));
    assert_eq!(index.total_requests(), 1, "{:#?}", index.counts());
}

#[tokio::test]
async fn project_of_an_unknown_package_is_reported() {
    for config in all_configs() {
        let index = TestIndex::start(config.missing("six"));
        let pypi = client(&index).await;
        for package in ["no-such-package", "six"] {
            for _ in 0..2 {
                let error = pypi.project(&name(package)).await.unwrap_err();
                let IndexError::PackageNotFound {
                    package: reported,
                    index: url,
                } = &error
                else {
                    panic!("expected PackageNotFound, got {error}");
                };
                assert_eq!((reported.as_str(), url.as_str()), (package, index.url()));
            }
            let path = format!("/pypi/{package}/json");
            assert_eq!(index.requests(&path), 1, "404 is remembered, not retried");
        }
    }
}

#[tokio::test]
async fn project_reports_server_errors() {
    let index = TestIndex::start(Config::new().failing("six"));
    let pypi = client_with(&index, 30, 1).await;
    let error = pypi.project(&name("six")).await.unwrap_err();
    assert!(
        matches!(error, IndexError::Status { status: 500, .. }),
        "{error}"
    );
    assert_eq!(index.requests("/pypi/six/json"), 2);
}

/// Over HTTP/1.1 each answer waiting for the document budget holds hyper's read
/// buffer (up to ~400 KiB) outside the budget: at most 40 documents are asked at
/// once there, however many lookups run (`lock` runs 64).
#[tokio::test]
async fn an_http_1_1_index_is_asked_at_most_40_documents_at_once() {
    let index = TestIndex::start(
        Config::new()
            .synthetic()
            .latency(Duration::from_millis(200)),
    );
    let pypi = client(&index).await;
    let pins: Vec<_> = (1..=100)
        .map(|n| pin(&format!("synth-{n}"), "1.0.0"))
        .collect();
    let lookups = pins.iter().map(|pin| pypi.release(pin));
    for release in futures::future::join_all(lookups).await {
        assert_eq!(release.unwrap().files.len(), 4);
    }
    let most = index.most_in_flight();
    assert!((30..=40).contains(&most), "{most} requests at once");
}

/// `<index>/files/<filename>` of the synthetic package `package`'s `n`th file.
fn synthetic_url(index: &TestIndex, package: &str, n: usize) -> (String, String) {
    let filename = synthetic_filenames(package)[n].clone();
    (format!("{}/files/{filename}", index.url()), filename)
}

#[tokio::test]
async fn downloads_match_the_published_sha256() {
    let index = TestIndex::start(Config::new().synthetic());
    let pypi = client(&index).await;
    let release = pypi.release(&pin("synth-7", "1.0.0")).await.unwrap();
    assert_eq!(release.files.len(), 4);
    for file in &release.files {
        assert_eq!(
            file.url.as_str(),
            format!("{}/files/{}", index.url(), file.filename)
        );
        let published = file.sha256.unwrap().to_string();
        let downloaded = sha256_of_url(&pypi, &file.url).await.unwrap();
        assert_eq!(downloaded, published, "{}", file.filename);
        assert_eq!(index.requests(&format!("/files/{}", file.filename)), 1);
    }
    let sdist = &release.files[0];
    let bytes = synthetic_file(&sdist.filename, false);
    for algorithm in [Algorithm::Sha384, Algorithm::Sha512] {
        let digest = digest_of_url(&pypi, &sdist.url, algorithm).await;
        assert_eq!(digest.unwrap(), Digest::of(algorithm, &bytes));
    }
}

#[tokio::test]
async fn corrupt_file_gives_its_actual_digest() {
    let filename = synthetic_filenames("synth-3")[1].clone();
    let index = TestIndex::start(Config::new().synthetic().corrupt_file(&filename));
    let pypi = client(&index).await;
    let release = pypi.release(&pin("synth-3", "1.0.0")).await.unwrap();
    let wheel = release
        .files
        .iter()
        .find(|f| f.filename == filename)
        .unwrap();
    let published = wheel.sha256.unwrap().to_string();
    let downloaded = sha256_of_url(&pypi, &wheel.url).await.unwrap();
    assert_ne!(downloaded, published);
    let actual = Digest::of(Algorithm::Sha256, &synthetic_file(&filename, true));
    assert_eq!(downloaded, actual.to_hex());
    let sdist = &release.files[0];
    let intact = sha256_of_url(&pypi, &sdist.url).await.unwrap();
    assert_eq!(
        Some(intact.as_str()),
        sdist.sha256.map(|d| d.to_string()).as_deref()
    );
}

#[tokio::test]
async fn gzip_labelled_files_are_hashed_as_sent() {
    let index = TestIndex::start(Config::new().synthetic().gzip_labelled_files());
    let pypi = client(&index).await;
    let (url, filename) = synthetic_url(&index, "synth-5", 0);
    let digest = sha256_of_url(&pypi, &url).await.unwrap();
    assert_eq!(digest, synthetic_sha256(&filename));
}

#[tokio::test]
async fn file_server_errors_are_retried() {
    let config = Config::new()
        .synthetic()
        .flaky("synth-1", 2)
        .failing("synth-2");
    let index = TestIndex::start(config);
    let pypi = client_with(&index, 30, 2).await;
    let (url, filename) = synthetic_url(&index, "synth-1", 2);
    let digest = sha256_of_url(&pypi, &url).await.unwrap();
    assert_eq!(digest, synthetic_sha256(&filename));
    assert_eq!(index.requests(&format!("/files/{filename}")), 3);

    let (url, filename) = synthetic_url(&index, "synth-2", 0);
    let error = sha256_of_url(&pypi, &url).await.unwrap_err();
    assert_eq!(expect_status(&error), (url.as_str(), 500));
    assert_eq!(index.requests(&format!("/files/{filename}")), 3);
}

#[tokio::test]
async fn missing_files_are_a_404_status_not_retried() {
    let index = TestIndex::start(Config::new().synthetic().missing("synth-4"));
    let pypi = client(&index).await;
    let urls = [
        format!("{}/files/synth_1-9.9.9.tar.gz", index.url()),
        synthetic_url(&index, "synth-4", 0).0,
    ];
    for url in urls {
        let error = sha256_of_url(&pypi, &url).await.unwrap_err();
        assert_eq!(expect_status(&error), (url.as_str(), 404));
        assert!(error.to_string().contains("404"), "{error}");
    }
    assert_eq!(index.requests_matching("/files/"), 2);
}

#[tokio::test]
async fn cut_downloads_restart_the_hash() {
    let filename = synthetic_filenames("synth-6")[3].clone();
    let index = TestIndex::start(Config::new().synthetic().truncated_file(&filename, 2));
    let pypi = client(&index).await;
    let url = format!("{}/files/{filename}", index.url());
    let digest = sha256_of_url(&pypi, &url).await.unwrap();
    assert_eq!(digest, synthetic_sha256(&filename));
    assert_eq!(index.requests(&format!("/files/{filename}")), 3);

    index.reset_counters();
    let pypi = client_with(&index, 30, 1).await;
    let error = sha256_of_url(&pypi, &url).await.unwrap_err();
    assert!(matches!(error, IndexError::Network { .. }), "{error}");
    assert_eq!(index.requests(&format!("/files/{filename}")), 2);
}

#[tokio::test]
async fn hanging_file_times_out() {
    let index = TestIndex::start(Config::new().synthetic().hanging("synth-8"));
    let pypi = client_with(&index, 1, 1).await;
    let (url, filename) = synthetic_url(&index, "synth-8", 0);
    let started = Instant::now();
    let error = sha256_of_url(&pypi, &url).await.unwrap_err();
    let elapsed = started.elapsed();
    let IndexError::Timeout {
        url: reported,
        seconds,
    } = &error
    else {
        panic!("expected Timeout, got {error}");
    };
    assert_eq!((reported.as_str(), *seconds), (url.as_str(), 1));
    // Two attempts (one retry), each given up after its 1 s.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(index.requests(&format!("/files/{filename}")), 2);
}

#[tokio::test]
async fn read_timeout_applies_between_chunks() {
    let stalling = synthetic_filenames("synth-9")[0].clone();
    let config = Config::new()
        .synthetic()
        .stalling_file(&stalling)
        .file_frame_interval(Duration::from_millis(250));
    let index = TestIndex::start(config);
    let pypi = client_with(&index, 1, 0).await;
    // Slow but steady: 7 frames 250 ms apart take longer than the timeout.
    let (url, filename) = synthetic_url(&index, "synth-9", 1);
    let started = Instant::now();
    let digest = sha256_of_url(&pypi, &url).await.unwrap();
    assert_eq!(digest, synthetic_sha256(&filename));
    assert!(started.elapsed() > Duration::from_millis(1500));
    assert_eq!(index.requests(&format!("/files/{filename}")), 1, "no retry");
    // A stall after half the body.
    let url = format!("{}/files/{stalling}", index.url());
    let started = Instant::now();
    let error = sha256_of_url(&pypi, &url).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(error, IndexError::Timeout { seconds: 1, .. }),
        "{error}"
    );
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert_eq!(index.requests(&format!("/files/{stalling}")), 1);
}

#[tokio::test]
async fn bad_file_urls_are_network_errors() {
    let index = TestIndex::start(Config::new());
    let pypi = client(&index).await;
    // A file URL is a `Url` from where the index document is read: text that is not
    // one never reaches the client.
    assert!("not a url".parse::<reqwest::Url>().is_err());
    for url in ["ftp://example.org/six.tar.gz"] {
        let error = sha256_of_url(&pypi, url).await.unwrap_err();
        assert!(
            matches!(error, IndexError::Network { .. }),
            "{url}: {error}"
        );
    }
    assert_eq!(index.total_requests(), 0);
}

/// Set `SSL_CERT_FILE` to a PEM bundle when the network path re-signs TLS (a private
/// CA or an inspecting proxy): its roots are trusted besides the built-in ones.
#[tokio::test]
#[ignore = "queries the live PyPI"]
async fn live_pypi_knows_requests_2_31_0() {
    let options = ClientOptions {
        ca_bundle: std::env::var_os("SSL_CERT_FILE").map(Into::into),
        ..ClientOptions::default()
    };
    let pypi = IndexClient::connect(options).await.unwrap();
    let release = pypi.release(&pin("requests", "2.31.0")).await.unwrap();
    // Which endpoints answered (mirrors differ): shown with `--nocapture`.
    eprintln!(
        "per-version endpoint: {}, Simple API: {:?}",
        pypi.uses_version_endpoint(),
        pypi.uses_simple_api()
    );
    let sdist = release
        .files
        .iter()
        .find(|f| f.filename == "requests-2.31.0.tar.gz");
    let sha256 = sdist.and_then(|f| f.sha256).map(|d| d.to_string());
    assert_eq!(sha256.as_deref(), Some(REQUESTS_SDIST_SHA256));
    let url = &sdist.unwrap().url;
    let downloaded = sha256_of_url(&pypi, url).await.unwrap();
    assert_eq!(downloaded, REQUESTS_SDIST_SHA256);
    let six = pypi.project(&name("six")).await.unwrap();
    assert!(six.iter().any(|r| r.version == "1.16.0"));
}

/// The JSON API document of a project whose releases have these files (the sha256
/// of each is its position, repeated).
fn fixture(name: &str, releases: &[(&str, &[&str])]) -> Value {
    let mut digit = 0;
    let mut file = |filename: &&str| {
        digit += 1;
        let yanked = filename.contains("-2.0");
        serde_json::json!({
            "filename": filename,
            "url": format!("https://files.example/packages/ab/cd/{filename}"),
            "digests": {"sha256": format!("{:x}", digit % 16).repeat(64)},
            "requires_python": null,
            "yanked": yanked,
            "yanked_reason": yanked.then_some("bad build"),
        })
    };
    let mut map = serde_json::Map::new();
    for (version, files) in releases {
        let files: Vec<Value> = files.iter().map(&mut file).collect();
        map.insert((*version).to_owned(), Value::Array(files));
    }
    serde_json::json!({"info": {"name": name, "version": "1.0"}, "releases": map})
}

/// Fixtures of projects with legacy file names: `python-dateutil`, whose every file
/// name states its version (with `-` in the sdists' name part, a `-` in a version,
/// a build tag, eggs, installers, an egg-only version), and `oddities`, with an
/// `.rpm` and a `bdist_dumb` archive, whose names do not tell their release.
fn legacy_fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dateutil = fixture(
        "python-dateutil",
        &[
            ("1.0-1", &["python-dateutil-1.0-1.tar.gz"]),
            (
                "2.0",
                &[
                    "Python.DateUtil-2.0.zip",
                    "python_dateutil-2.0-1-py3-none-any.whl",
                ],
            ),
            (
                "2.8.2",
                &[
                    "python_dateutil-2.8.2-py2.7.egg",
                    "python-dateutil-2.8.2.tar.gz",
                    "python-dateutil-2.8.2.win32-py2.7.exe",
                    "python_dateutil-2.8.2-py2.py3-none-any.whl",
                ],
            ),
            ("3.0", &["python_dateutil-3.0-py3.8.egg"]),
        ],
    );
    let oddities = fixture(
        "oddities",
        &[
            ("0.1", &["oddities-0.1.tar.gz", "oddities-0.1-1.noarch.rpm"]),
            (
                "1.0",
                &["oddities-1.0.tar.gz", "oddities-1.0.linux-x86_64.tar.gz"],
            ),
            ("1.1", &["oddities-1.1-py3-none-any.whl"]),
        ],
    );
    for (name, document) in [("python-dateutil", dateutil), ("oddities", oddities)] {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(path, document.to_string()).unwrap();
    }
    dir
}

/// The release with its name normalized and `index`'s URL cut from its file URLs.
fn comparable(release: Release, index: &TestIndex) -> Release {
    let mut release = normalized(release);
    for file in release.files.iter_mut().chain(&mut release.legacy) {
        let relative = file
            .url
            .as_str()
            .replace(index.url(), "https://index.example");
        file.url = relative.parse().unwrap();
    }
    release
}

/// Every release of `package` in the legacy fixtures, through `config`.
async fn legacy_releases(config: Config, package: &str, versions: &[&str]) -> Vec<Release> {
    let index = TestIndex::start(config);
    let pypi = client(&index).await;
    let mut releases = Vec::new();
    for version in versions {
        let release = pypi.release(&pin(package, version)).await.unwrap();
        releases.push(comparable(release, &index));
    }
    releases
}

#[tokio::test]
async fn simple_api_reads_legacy_file_names() {
    let dir = legacy_fixtures();
    let mirror = Config::new()
        .fixtures(dir.path())
        .without_version_endpoint()
        .relative_urls();
    let versions = ["1.0.post1", "2.0", "2.8.2", "3.0"];
    let json_api = mirror.clone().without_simple_api();
    let expected = legacy_releases(json_api, "python-dateutil", &versions).await;
    for config in [mirror.clone(), mirror.simple_api_without_versions()] {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        for (version, expected) in versions.iter().zip(&expected) {
            let release = pypi.release(&pin("python-dateutil", version)).await;
            assert_eq!(&comparable(release.unwrap(), &index), expected, "{version}");
        }
        assert_eq!(pypi.uses_simple_api(), Some(true));
        assert_eq!(index.project_requests(), 0, "{:#?}", index.counts());

        let release = pypi
            .release(&pin("Python_Dateutil", "2.8.2"))
            .await
            .unwrap();
        assert_eq!(
            (release.name.as_str(), release.version.as_str()),
            ("python-dateutil", "2.8.2")
        );
        assert_eq!(filenames(&release).len(), 2, "{:?}", filenames(&release));
        let legacy: Vec<&str> = release.legacy.iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(
            legacy,
            [
                "python_dateutil-2.8.2-py2.7.egg",
                "python-dateutil-2.8.2.win32-py2.7.exe"
            ],
            "eggs and installers apart: pip never installs them"
        );
        let sdist = &release.files[0];
        let url = format!("{}/packages/ab/cd/{}", index.url(), sdist.filename);
        assert_eq!(sdist.url.as_str(), url);
        let legacy = arbitrary("python-dateutil", "1.0-1");
        assert_eq!(pypi.release(&legacy).await.unwrap().version, "1.0-1");
        let yanked = pypi.release(&pin("python-dateutil", "2")).await.unwrap();
        let reasons = yanked.files.iter().map(|f| f.yanked.as_deref());
        assert!(reasons.clone().all(|r| r == Some("bad build")));
        let eggs = pypi.release(&pin("python-dateutil", "3")).await.unwrap();
        assert!(eggs.files.is_empty());
        assert_eq!(eggs.legacy[0].filename, "python_dateutil-3.0-py3.8.egg");

        let error = pypi
            .release(&pin("python-dateutil", "2.8.9"))
            .await
            .unwrap_err();
        let IndexError::VersionNotFound { package, close, .. } = error else {
            panic!("expected VersionNotFound, got {error}");
        };
        assert_eq!(package, "python-dateutil");
        assert_eq!(close, ["2.8.2", "3.0", "1.0-1", "2.0"], "yanked last");
    }
}

#[tokio::test]
async fn releases_that_may_hold_orphans_are_read_from_the_project_document() {
    let dir = legacy_fixtures();
    let mirror = Config::new()
        .fixtures(dir.path())
        .without_version_endpoint();
    // 1.1 first: nothing else may be in it.
    let versions = ["1.1", "0.1", "1.0"];
    let json_api = mirror.clone().without_simple_api();
    let expected = legacy_releases(json_api, "oddities", &versions).await;
    // The `.rpm`, and the `bdist_dumb` archive, whose name states a version
    // `1.0.linux-x86_64` (pip would not pick it for 1.0 either), are no file of their
    // release: set aside, whichever document is read.
    assert_eq!(ignored(&expected[1]), ["oddities-0.1-1.noarch.rpm"]);
    assert_eq!(filenames(&expected[2]), ["oddities-1.0.tar.gz"]);
    assert_eq!(ignored(&expected[2]), ["oddities-1.0.linux-x86_64.tar.gz"]);
    let index = TestIndex::start(mirror.clone());
    let pypi = client(&index).await;
    for (version, expected) in versions.iter().zip(&expected) {
        let release = pypi.release(&pin("oddities", version)).await.unwrap();
        assert_eq!(&comparable(release, &index), expected, "{version}");
        let project_documents = usize::from(*version != "1.1");
        assert_eq!(index.requests("/pypi/oddities/json"), project_documents);
    }
    assert_eq!(index.requests("/simple/oddities/"), 1);
    // The Simple API still serves the others.
    assert_eq!(pypi.uses_simple_api(), Some(true));
    pypi.release(&pin("python-dateutil", "2.8.2"))
        .await
        .unwrap();
    assert_eq!(index.requests("/simple/python-dateutil/"), 1);
    assert_eq!(index.project_requests(), 1, "{:#?}", index.counts());

    // Without PEP 700's `versions`, the `bdist_dumb` archive reads as a version of
    // its own: the release has the same files, read from the Simple API alone, which
    // cannot tell that the archive was uploaded to it.
    let index = TestIndex::start(mirror.simple_api_without_versions());
    let pypi = client(&index).await;
    let release = pypi.release(&pin("oddities", "1.0")).await.unwrap();
    assert_eq!(filenames(&release), ["oddities-1.0.tar.gz"]);
    assert!(release.ignored.is_empty());
    assert_eq!(index.project_requests(), 0);
}

#[tokio::test]
async fn simple_api_file_names_with_separators_and_case() {
    let config = Config::new()
        .without_version_endpoint()
        .simple_api_without_versions();
    let index = TestIndex::start(config);
    let pypi = client(&index).await;
    let zope = pypi.release(&pin("Zope.Interface", "6.4")).await.unwrap();
    assert_eq!(
        (zope.name.as_str(), zope.version.as_str()),
        ("zope-interface", "6.4")
    );
    assert!(filenames(&zope).contains(&"zope_interface-6.4.tar.gz"));
    assert_eq!(zope.files.len(), 28);
    let zope = pypi.release(&pin("zope_interface", "6.2")).await.unwrap();
    assert!(filenames(&zope).contains(&"zope.interface-6.2.tar.gz"));
    let typing = pypi
        .release(&pin("Typing.Extensions", "4.10.0"))
        .await
        .unwrap();
    let expected = [
        "typing_extensions-4.10.0-py3-none-any.whl",
        "typing_extensions-4.10.0.tar.gz",
    ];
    let mut found = filenames(&typing);
    found.sort();
    assert_eq!(found, expected);
    let pyyaml = pypi
        .release(&arbitrary("pyyaml", "6.0.2RC1"))
        .await
        .unwrap();
    assert_eq!(pyyaml.version, "6.0.2rc1");
    let pyyaml = pypi.release(&pin("PYYAML", "6.0.1")).await.unwrap();
    assert!(filenames(&pyyaml).contains(&"PyYAML-6.0.1.tar.gz"));
    let paths = [
        "/simple/zope-interface/",
        "/simple/typing-extensions/",
        "/simple/pyyaml/",
    ];
    for path in paths {
        assert_eq!(index.requests(path), 1, "{:#?}", index.counts());
    }
    assert_eq!(index.project_requests(), 0);
}

#[tokio::test]
async fn the_simple_api_is_asked_for_in_json() {
    let index = TestIndex::start(Config::new().without_version_endpoint());
    let pypi = client(&index).await;
    pypi.release(&pin("six", "1.16.0")).await.unwrap();
    // PEP 691: the loopback index sends JSON only to a client that asks for it.
    let accepts = index.accepts("/simple/six/");
    assert_eq!(accepts.len(), 1, "{:#?}", index.counts());
    assert!(accepts[0].contains(SIMPLE_JSON), "Accept: {}", accepts[0]);
    assert_eq!(pypi.uses_simple_api(), Some(true));
}

/// Every flavour of `all_configs`, over the fixtures in `dir`.
fn all_configs_over(dir: &tempfile::TempDir) -> [Config; 4] {
    all_configs().map(|config| config.fixtures(dir.path()))
}

#[tokio::test]
async fn releases_keep_only_the_files_named_for_the_pin() {
    let dir = six_with_strangers();
    for config in all_configs_over(&dir) {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        let release = pypi.release(&pin("six", "1.16.0")).await.unwrap();
        let own = ["six-1.16.0.tar.gz", "six-1.16.0-py2.py3-none-any.whl"];
        assert_eq!(filenames(&release), own);
        let strangers = [
            "evilpkg-6.6.6-py3-none-any.whl",
            "six-1.15.0-py2.py3-none-any.whl",
        ];
        assert_eq!(ignored(&release), strangers);
        // Listing the whole project sets them aside the same way.
        let project = pypi.project(&name("six")).await.unwrap();
        let listed = project.iter().find(|r| r.version == "1.16.0").unwrap();
        assert_eq!(
            (&listed.files, &listed.ignored),
            (&release.files, &release.ignored)
        );
        let other = project.iter().find(|r| r.version == "1.15.0").unwrap();
        assert!(other.ignored.is_empty());
    }
}

#[tokio::test]
async fn a_document_listing_only_other_files_is_an_error_naming_it() {
    let dir = attrs_listing_six();
    for (config, path) in all_configs_over(&dir).into_iter().zip([
        "/pypi/attrs/23.1.0/json",
        "/pypi/attrs/json",
        "/pypi/attrs/json",
        "/pypi/attrs/json",
    ]) {
        let index = TestIndex::start(config);
        let pypi = client(&index).await;
        let error = pypi.release(&pin("attrs", "23.1.0")).await.unwrap_err();
        let IndexError::NoFiles { url, pin, ignored } = &error else {
            panic!("expected NoFiles, got {error}");
        };
        assert_eq!(*url, format!("{}{path}", index.url()));
        assert_eq!(pin, "attrs==23.1.0");
        assert_eq!(ignored.len(), 2, "{ignored:?}");
        assert!(
            error.to_string().contains("2 files it lists are"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn file_names_from_the_index_are_shown_escaped() {
    let dir = crate::support::server::edited_fixtures(|documents| {
        let six = documents.get_mut("six").unwrap();
        let release = six["releases"]["1.16.0"].as_array_mut().unwrap();
        let evil = "six-1.16.0\u{1b}[2J.tar.gz".replace("\\u{1b}", "\u{1b}");
        release.push(crate::support::server::file_entry(&evil, 'e'));
        release[2]["digests"]["sha256"] = serde_json::json!("\u{1b}[31mnot a digest");
    });
    let index = TestIndex::start(Config::new().fixtures(dir.path()));
    let pypi = client(&index).await;
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, IndexError::Decode { .. }), "{message}");
    assert!(!message.contains('\u{1b}'), "{message:?}");
    assert!(message.contains("\\u{1b}[2J"), "{message:?}");
}

#[tokio::test]
async fn documents_are_read_up_to_the_size_limit_decoded() {
    let config = Config::new()
        .fault("six", Fault::Endless)
        .fault("idna", Fault::GzipBomb(4 * 1024 * 1024));
    let index = TestIndex::start(config);
    let options = ClientOptions {
        max_document_size: 256 * 1024,
        ..options(&index)
    };
    let pypi = IndexClient::connect(options).await.unwrap();
    for (name, version) in [("six", "1.16.0"), ("idna", "3.6")] {
        let error = pypi.release(&pin(name, version)).await.unwrap_err();
        let IndexError::TooLarge { url, limit } = &error else {
            panic!("expected TooLarge, got {error}");
        };
        let path = format!("/pypi/{name}/{version}/json");
        assert_eq!(
            (url.clone(), *limit),
            (format!("{}{path}", index.url()), 256 * 1024)
        );
        assert!(error.to_string().contains("262144 bytes"), "{error}");
        assert_eq!(index.requests(&path), 1, "not retried");
    }
    // A document within the limit is read whole.
    let release = pypi.release(&pin("requests", "2.31.0")).await.unwrap();
    assert_eq!(release.files.len(), 2);
}

#[tokio::test]
async fn the_deadline_bounds_the_whole_request() {
    let config = Config::new()
        .fault("six", Fault::Trickle(Duration::from_millis(20)))
        .hanging("idna");
    let index = TestIndex::start(config);
    let options = ClientOptions {
        timeout: Duration::from_millis(200),
        deadline: Duration::from_millis(500),
        retries: 5,
        ..options(&index)
    };
    let pypi = IndexClient::connect(options).await.unwrap();
    for (name, version) in [("six", "1.16.0"), ("idna", "3.6")] {
        let error = pypi.release(&pin(name, version)).await.unwrap_err();
        let path = format!("/pypi/{name}/{version}/json");
        let expected = format!("{}{path}", index.url());
        let requests = index.requests(&path);
        match (&error, name) {
            // Bytes keep coming: only the deadline stops it, in the first attempt.
            (IndexError::Deadline { url, seconds: 1 }, "six") => {
                assert_eq!((url, requests), (&expected, 1));
            }
            // Silence: each attempt times out, and the retries end at the deadline.
            (IndexError::Deadline { url, .. } | IndexError::Timeout { url, .. }, "idna") => {
                assert_eq!(url, &expected);
                assert!((2..=3).contains(&requests), "{requests}");
            }
            _ => panic!("{name}: {error}"),
        }
    }
}

#[tokio::test]
async fn unavailable_statuses_are_retried_with_or_without_retry_after() {
    for (status, retry_after) in [
        (503, None),
        (429, None),
        (503, Some(RetryAfter::Seconds(0))),
        (429, Some(RetryAfter::Seconds(1))),
        (503, Some(RetryAfter::DateIn(-60))),
    ] {
        let config = Config::new().unavailable("six", 2, status, retry_after);
        let index = TestIndex::start(config);
        let pypi = client_with(&index, 30, 2).await;
        let release = pypi.release(&pin("six", "1.16.0")).await.unwrap();
        assert_eq!(release.files.len(), 2);
        assert_eq!(index.total_requests(), 3, "{status} {retry_after:?}");

        let config = Config::new().unavailable("six", 100, status, retry_after);
        let index = TestIndex::start(config);
        let pypi = client_with(&index, 30, 1).await;
        let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
        let url = format!("{}/pypi/six/1.16.0/json", index.url());
        assert_eq!(expect_status(&error), (url.as_str(), status));
        assert_eq!(index.total_requests(), 2, "{status} {retry_after:?}");
    }
}

#[tokio::test]
async fn retry_after_beyond_the_cap_fails_fast_for_the_whole_host() {
    for retry_after in [RetryAfter::Seconds(5), RetryAfter::DateIn(3600)] {
        let config = Config::new().unavailable("six", 100, 503, Some(retry_after));
        let index = TestIndex::start(config);
        let options = ClientOptions {
            max_retry_wait: Duration::from_secs(1),
            ..options(&index)
        };
        let pypi = IndexClient::connect(options).await.unwrap();
        let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
        let IndexError::RetryAfter {
            url,
            status,
            asked,
            limit,
        } = &error
        else {
            panic!("expected RetryAfter, got {error}");
        };
        assert_eq!(*url, format!("{}/pypi/six/1.16.0/json", index.url()));
        assert_eq!((*status, *limit), (503, 1));
        assert!(*asked >= 4, "{asked}");
        assert_eq!(index.total_requests(), 1, "not waited, not retried");
        // The host asked to be left alone: other lookups fail without asking.
        let error = pypi.release(&pin("idna", "3.6")).await.unwrap_err();
        assert!(matches!(error, IndexError::RetryAfter { .. }), "{error}");
        assert_eq!(index.total_requests(), 1);
    }
}

#[tokio::test]
async fn retry_after_beyond_the_deadline_fails_that_request_only() {
    let later = Some(RetryAfter::Seconds(5));
    let index = TestIndex::start(Config::new().unavailable("six", 100, 429, later));
    let options = ClientOptions {
        deadline: Duration::from_secs(2),
        ..options(&index)
    };
    let pypi = IndexClient::connect(options).await.unwrap();
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    assert!(
        matches!(
            error,
            IndexError::RetryAfter {
                asked: 5,
                limit: 2,
                ..
            }
        ),
        "{error}"
    );
    pypi.release(&pin("idna", "3.6")).await.unwrap();
}

#[tokio::test]
async fn errors_after_a_redirect_name_the_url_that_failed() {
    let other = TestIndex::start(Config::new().failing("six"));
    let redirect = Fault::Redirect(Redirect::To(other.url().to_owned()));
    let index = TestIndex::start(Config::new().fault("six", redirect));
    let pypi = client_with(&index, 30, 0).await;
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    let failed = format!("{}/pypi/six/1.16.0/json?redirected", other.url());
    assert_eq!(expect_status(&error), (failed.as_str(), 500));
}

#[tokio::test]
async fn redirects_are_refused_in_a_loop_and_to_a_closed_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = Config::new()
        .fault("six", Fault::Redirect(Redirect::Loop))
        .fault("idna", Fault::Redirect(Redirect::To(nowhere.clone())));
    let index = TestIndex::start(config);
    let pypi = client_with(&index, 30, 2).await;
    let error = pypi.release(&pin("six", "1.16.0")).await.unwrap_err();
    let IndexError::Network { url, message } = &error else {
        panic!("expected Network, got {error}");
    };
    assert_eq!(*url, format!("{}/pypi/six/1.16.0/json", index.url()));
    assert!(message.contains("redirect loop"), "{message}");
    assert_eq!(index.requests("/pypi/six/1.16.0/json"), 1, "not retried");
    let error = pypi.release(&pin("idna", "3.6")).await.unwrap_err();
    let IndexError::Network { url, .. } = &error else {
        panic!("expected Network, got {error}");
    };
    assert_eq!(*url, format!("{nowhere}/pypi/idna/3.6/json?redirected"));
}

/// Issue 10: a version's files are its wheels and sdists. `lock` writes no hash of an
/// egg or installer, drops one a line has, `verify` takes one as the version's (not
/// unknown) and does not ask for them, and an egg-only version is an error that says so.
#[test]
fn eggs_and_installers_are_never_hashed() {
    use crate::support::cli::Case;
    let dir = legacy_fixtures();
    let config = Config::new()
        .fixtures(dir.path())
        .without_version_endpoint();
    let hash = |digit: char| format!("--hash=sha256:{}", digit.to_string().repeat(64));
    let case = Case::with(config.clone());
    case.file("requirements.txt", "python-dateutil==2.8.2\n");
    let lock = case.run("lock", &["requirements.txt"]);
    assert_eq!(lock.code, 0, "{}", lock.stderr);
    let locked = case.read("requirements.txt");
    assert!(
        locked.contains(&hash('5')) && locked.contains(&hash('7')),
        "{locked}"
    );
    assert!(
        !locked.contains(&hash('4')) && !locked.contains(&hash('6')),
        "{locked}"
    );
    let verify = case.run("verify", &["--strict", "--no-deps", "requirements.txt"]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);

    // A line written when eggs were hashed too (hashin, old hashlock).
    let old = format!(
        "python-dateutil==2.8.2 {} {} {} {}\n",
        hash('4'),
        hash('5'),
        hash('6'),
        hash('7')
    );
    let case = Case::with(config.clone());
    case.file("requirements.txt", &old);
    let verify = case.run("verify", &["--strict", "--no-deps", "requirements.txt"]);
    assert_eq!(verify.code, 0, "not unknown: {}", verify.stderr);
    let lock = case.run("lock", &["requirements.txt"]);
    assert_eq!(lock.code, 0, "{}", lock.stderr);
    let relocked = case.read("requirements.txt");
    assert!(
        !relocked.contains(&hash('4')) && !relocked.contains(&hash('6')),
        "{relocked}"
    );
    assert!(
        relocked.contains(&hash('5')) && relocked.contains(&hash('7')),
        "{relocked}"
    );

    let case = Case::with(config);
    case.file("requirements.txt", "python-dateutil==3.0\n");
    let lock = case.run("lock", &["requirements.txt"]);
    assert_eq!(lock.code, 1, "{}", lock.stderr);
    assert!(
        lock.stderr.contains("only eggs or installers"),
        "{}",
        lock.stderr
    );
    assert!(
        lock.stderr.contains("python_dateutil-3.0-py3.8.egg"),
        "{}",
        lock.stderr
    );
    assert_eq!(case.read("requirements.txt"), "python-dateutil==3.0\n");
}
