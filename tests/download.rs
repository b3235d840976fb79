//! Hashing by downloading, on loopback: `lock --download` checks every file against
//! the published sha256 and against the blake2b-256 a PyPI `/packages/` path names;
//! files an index publishes no sha256 for are downloaded and hashed (standard) or
//! refused (`--strict`); direct URL requirements get the hash of their file;
//! `verify --download` says what it downloaded; a 512 MiB wheel streams through in
//! constant memory.
//!
//! The index here is a handful of routes: a Simple API page (PEP 691 JSON) per
//! project, and file bodies, each given by the test.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use blake2::Blake2b;
use blake2::digest::consts::U32;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::cli::{Case, ISOLATED, Run};
use crate::support::python::{PEAK_RSS, python};
use crate::support::serving::{Bound, Serving};

const WHEEL: &str = "demo-1.0-py3-none-any.whl";
const SDIST: &str = "demo-1.0.tar.gz";

/// What a route serves.
#[derive(Clone)]
enum Served {
    /// A PEP 691 JSON page.
    Page(Value),
    /// A file's bytes.
    File(Bytes),
    /// `count` times the same block, streamed (never held whole).
    Repeated { block: Bytes, count: usize },
}

/// A loopback server of given routes, stopped when dropped.
struct Loopback {
    url: String,
    routes: Arc<std::sync::Mutex<HashMap<String, Served>>>,
    _serving: Serving,
}

impl Loopback {
    fn start() -> Loopback {
        let bound = Bound::new(0);
        let url = bound.url();
        let routes: Arc<std::sync::Mutex<HashMap<String, Served>>> = Arc::default();
        let app = Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&routes));
        let serving = bound.serve(2, app);
        Loopback {
            url,
            routes,
            _serving: serving,
        }
    }

    fn route(&self, path: &str, served: Served) {
        self.routes.lock().unwrap().insert(path.to_owned(), served);
    }

    /// The Simple API root to give hashlock.
    fn simple(&self) -> String {
        format!("{}/simple/", self.url)
    }

    /// Serves `demo`'s page listing `files` (filename, path, hashes) at version 1.0.
    fn project(&self, files: &[(&str, &str, Value)]) {
        let files: Vec<Value> = files
            .iter()
            .map(|(filename, path, hashes)| {
                json!({"filename": filename, "url": format!("{}{path}", self.url), "hashes": hashes})
            })
            .collect();
        let page = json!({
            "meta": {"api-version": "1.1"},
            "name": "demo",
            "files": files,
            "versions": ["1.0"],
        });
        self.route("/simple/demo/", Served::Page(page));
    }
}

async fn serve(
    State(routes): State<Arc<std::sync::Mutex<HashMap<String, Served>>>>,
    request: Request,
) -> Response {
    let served = routes.lock().unwrap().get(request.uri().path()).cloned();
    match served {
        Some(Served::Page(page)) => (
            [(header::CONTENT_TYPE, "application/vnd.pypi.simple.v1+json")],
            page.to_string(),
        )
            .into_response(),
        Some(Served::File(bytes)) => bytes.into_response(),
        Some(Served::Repeated { block, count }) => {
            let length = block.len() * count;
            let chunks = futures::stream::iter(
                std::iter::repeat_n(block, count).map(Ok::<_, std::convert::Infallible>),
            );
            (
                [(header::CONTENT_LENGTH, length.to_string())],
                Body::from_stream(chunks),
            )
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn blake2b_256(bytes: &[u8]) -> String {
    hex::encode(Blake2b::<U32>::digest(bytes))
}

/// The path PyPI stores a file at: its blake2b-256 split 2/2/60.
fn pypi_path(hex: &str, filename: &str) -> String {
    format!(
        "/packages/{}/{}/{}/{filename}",
        &hex[..2],
        &hex[2..4],
        &hex[4..]
    )
}

/// `hashlock ARGS` in `case`'s dir against `index`, with `env`.
fn run(case: &Case, index: &Loopback, args: &[&str], env: &[(&str, &str)]) -> Run {
    let simple = index.simple();
    let mut all = vec![args[0], "--index-url", &simple, "--timeout", "5"];
    all.extend_from_slice(&args[1..]);
    case.run_raw(&all, env)
}

#[test]
fn a_file_that_does_not_hash_to_its_published_digest_stops_the_run() {
    let index = Loopback::start();
    let (wheel, sdist) = (b"the wheel".to_vec(), b"the sdist".to_vec());
    index.project(&[
        (WHEEL, "/files/w", json!({"sha256": sha256(&wheel)})),
        (
            SDIST,
            "/files/s",
            json!({"sha256": sha256(b"what was published")}),
        ),
    ]);
    index.route("/files/w", Served::File(wheel.into()));
    index.route("/files/s", Served::File(sdist.clone().into()));
    let case = Case::new();
    let text = "demo==1.0\n";
    case.file("r.txt", text);
    let run = run(&case, &index, &["lock", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(case.read("r.txt"), text, "nothing was written");
    for expected in [
        SDIST,
        &sha256(&sdist),
        &sha256(b"what was published"),
        &format!("{}/files/s", index.url),
        "r.txt:1:1",
        "nothing was written",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    // Without `--download` the published digests are trusted, and written.
    let run = self::run(&case, &index, &["lock", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(case.read("r.txt").contains(&sha256(b"what was published")));
}

#[test]
fn lock_download_checks_every_file_and_says_what_it_downloaded() {
    let index = Loopback::start();
    let (wheel, sdist) = (b"wheel bytes".to_vec(), b"sdist bytes".to_vec());
    index.project(&[
        (WHEEL, "/files/w", json!({"sha256": sha256(&wheel)})),
        (SDIST, "/files/s", json!({"sha256": sha256(&sdist)})),
    ]);
    index.route("/files/w", Served::File(wheel.clone().into()));
    index.route("/files/s", Served::File(sdist.clone().into()));
    let case = Case::new();
    case.file("r.txt", "demo==1.0\n");
    let run = run(&case, &index, &["lock", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("downloaded and hashed 2 files"),
        "{}",
        run.stderr
    );
    let locked = case.read("r.txt");
    assert!(locked.contains(&sha256(&wheel)) && locked.contains(&sha256(&sdist)));
    // verify --download shares the path, and its summary says what it did.
    let run = self::run(&case, &index, &["verify", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("downloaded and re-hashed 2 files"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_pypi_path_whose_blake2b_differs_is_tampering() {
    let index = Loopback::start();
    let wheel = b"wheel as uploaded".to_vec();
    let right = pypi_path(&blake2b_256(&wheel), WHEEL);
    index.project(&[(WHEEL, &right, json!({"sha256": sha256(&wheel)}))]);
    index.route(&right, Served::File(wheel.clone().into()));
    let case = Case::new();
    case.file("r.txt", "demo==1.0\n");
    let run = run(&case, &index, &["lock", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 0, "the path names the file: {}", run.stderr);

    // A mirror that serves other bytes, and publishes their sha256 too: only the
    // path still names what PyPI stored.
    let index = Loopback::start();
    let swapped = b"wheel swapped in the mirror".to_vec();
    index.project(&[(WHEEL, &right, json!({"sha256": sha256(&swapped)}))]);
    index.route(&right, Served::File(swapped.clone().into()));
    let case = Case::new();
    case.file("r.txt", "demo==1.0\n");
    let run = self::run(&case, &index, &["lock", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(case.read("r.txt"), "demo==1.0\n");
    assert!(
        run.stderr.contains(&blake2b_256(&swapped)) && run.stderr.contains("its path names"),
        "{}",
        run.stderr
    );
    // verify --download reports it as a finding.
    case.file(
        "r.txt",
        &format!("demo==1.0 --hash=sha256:{}\n", sha256(&swapped)),
    );
    let run = self::run(&case, &index, &["verify", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("its path names"), "{}", run.stderr);
}

/// An index that publishes only an md5 for the wheel and nothing for the sdist.
fn index_without_sha256() -> (Loopback, Vec<u8>, Vec<u8>) {
    let index = Loopback::start();
    let (wheel, sdist) = (b"md5 only wheel".to_vec(), b"bare sdist".to_vec());
    index.project(&[
        (
            WHEEL,
            "/files/w",
            json!({"md5": "0123456789abcdef0123456789abcdef"}),
        ),
        (SDIST, "/files/s", json!({})),
    ]);
    index.route("/files/w", Served::File(wheel.clone().into()));
    index.route("/files/s", Served::File(sdist.clone().into()));
    (index, wheel, sdist)
}

#[test]
fn files_without_a_published_sha256_are_downloaded_or_refused() {
    let (index, wheel, sdist) = index_without_sha256();
    // Standard: downloaded, hashed, said so; md5 never written.
    let case = Case::new();
    case.file("r.txt", "demo==1.0\n");
    let run = run(&case, &index, &["lock", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let locked = case.read("r.txt");
    assert!(
        locked.contains(&sha256(&wheel)) && locked.contains(&sha256(&sdist)),
        "{locked}"
    );
    assert!(!locked.contains("md5"), "{locked}");
    for expected in [
        "publishes no sha256 for 2 files of `demo==1.0`",
        "only md5",
        "2 had no published sha256",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    // verify agrees, with a warning that says how the hashes were checked.
    let run = self::run(&case, &index, &["verify", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("publishes no sha256"), "{}", run.stderr);
    let run = self::run(&case, &index, &["verify", "--strict", "r.txt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);

    // Strict, by flag or variable: refused, each file named, nothing written.
    for (args, env) in [
        (&["lock", "--strict", "r.txt"][..], &[][..]),
        (&["lock", "r.txt"][..], &[("HASHLOCK_STRICT", "1")][..]),
    ] {
        let case = Case::new();
        case.file("r.txt", "demo==1.0\n");
        let run = self::run(&case, &index, args, env);
        assert_eq!(run.code, 3, "{args:?} {env:?}: {}", run.stderr);
        assert_eq!(case.read("r.txt"), "demo==1.0\n");
        for expected in [WHEEL, SDIST, "no sha256", "nothing was written"] {
            assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
        }
    }
}

#[test]
fn direct_urls_get_the_hash_of_their_file() {
    let index = Loopback::start();
    let wheel = b"a wheel at a URL".to_vec();
    index.route(
        "/direct/demo-1.0-py3-none-any.whl",
        Served::File(wheel.clone().into()),
    );
    let url = format!("{}/direct/demo-1.0-py3-none-any.whl", index.url);
    let digest = sha256(&wheel);
    let case = Case::new();
    std::fs::write(case.path("local-1.0-py3-none-any.whl"), b"a local wheel").unwrap();
    let local = case.path("local-1.0-py3-none-any.whl");
    let text = format!(
        "demo @ {url}\n\
         {url}#sha256={digest}\n\
         ./local-1.0-py3-none-any.whl\n\
         local @ file://{}  # a file: URL\n",
        local.display()
    );
    case.file("r.txt", &text);
    let run = run(&case, &index, &["lock", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let local_digest = sha256(b"a local wheel");
    let want = format!(
        "demo @ {url} \\\n    --hash=sha256:{digest}\n\
         {url}#sha256={digest} \\\n    --hash=sha256:{digest}\n\
         ./local-1.0-py3-none-any.whl \\\n    --hash=sha256:{local_digest}\n\
         local @ file://{} \\\n    --hash=sha256:{local_digest}  # a file: URL\n",
        local.display()
    );
    assert_eq!(case.read("r.txt"), want);
    // A second lock changes nothing, and asks for nothing.
    let run = self::run(&case, &index, &["lock", "--check", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // With `--download` the hashes already there are checked against the files.
    std::fs::write(&local, b"the local wheel, rebuilt").unwrap();
    let run = self::run(&case, &index, &["lock", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("which is not among this"),
        "{}",
        run.stderr
    );
    assert_eq!(case.read("r.txt"), want, "nothing was written");
}

#[test]
fn a_direct_url_fragment_is_checked() {
    let index = Loopback::start();
    index.route(
        "/d/demo-1.0-py3-none-any.whl",
        Served::File(Bytes::from_static(b"served")),
    );
    let url = format!("{}/d/demo-1.0-py3-none-any.whl", index.url);
    let case = Case::new();
    let text = format!("demo @ {url}#sha256={}\n", sha256(b"promised"));
    case.file("r.txt", &text);
    let run = run(&case, &index, &["lock", "r.txt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains(&sha256(b"served")), "{}", run.stderr);
    assert_eq!(case.read("r.txt"), text);
}

#[test]
fn what_pip_can_never_check_stays_an_error() {
    let index = Loopback::start();
    let case = Case::new();
    case.file(
        "r.txt",
        "demo @ git+https://example.invalid/demo.git\n./missing-1.0-py3-none-any.whl\n",
    );
    let run = run(&case, &index, &["lock", "r.txt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("pip wheel"),
        "a wheel hint: {}",
        run.stderr
    );
    let case = Case::new();
    case.file("r.txt", "./missing-1.0-py3-none-any.whl\n");
    let run = self::run(&case, &index, &["lock", "r.txt"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no file `./missing-1.0-py3-none-any.whl`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_512_mib_wheel_is_hashed_in_constant_memory() {
    const MIB: usize = 1024 * 1024;
    const COUNT: usize = 512;
    let mut state: u32 = 0x1234_5678;
    let block: Vec<u8> = (0..MIB)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    let case = Case::new();
    std::fs::write(case.path("block"), &block).unwrap();
    let index = Loopback::start();
    index.project(&[(WHEEL, "/files/big", json!({}))]);
    index.route(
        "/files/big",
        Served::Repeated {
            block: block.into(),
            count: COUNT,
        },
    );
    case.file("r.txt", "demo==1.0\n");
    let hashlock = assert_cmd::cargo::cargo_bin("hashlock");
    let simple = index.simple();
    let output = std::process::Command::new(python())
        .args(["-c", PEAK_RSS])
        .arg(&hashlock)
        .args(["lock", "--download", "--index-url", &simple, "r.txt"])
        .current_dir(case.dir.path())
        .env("NO_COLOR", "1")
        .envs(ISOLATED)
        .env_remove("HASHLOCK_STRICT")
        .env("HASHLOCK_CACHE_DIR", case.cache.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let expected = std::process::Command::new(python())
        .args([
            "-c",
            &format!(
                "import hashlib; b = open('block', 'rb').read(); h = hashlib.sha256()\n\
                 for _ in range({COUNT}): h.update(b)\nprint(h.hexdigest())"
            ),
        ])
        .current_dir(case.dir.path())
        .output()
        .unwrap();
    let expected = String::from_utf8(expected.stdout).unwrap();
    assert!(
        case.read("r.txt").contains(expected.trim()),
        "{}",
        case.read("r.txt")
    );
    let peak_kib: usize = stderr
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in: {stderr}"));
    eprintln!("lock --download of a 512 MiB wheel: peak RSS {peak_kib} KiB");
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
}

fn sha512(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha512::digest(bytes))
}

/// `demo` 1.0 with a wheel and an sdist whose published sha256 are right.
fn demo_index(wheel: &[u8], sdist: &[u8]) -> Loopback {
    let index = Loopback::start();
    index.project(&[
        (WHEEL, "/files/w", json!({"sha256": sha256(wheel)})),
        (SDIST, "/files/s", json!({"sha256": sha256(sdist)})),
    ]);
    index.route("/files/w", Served::File(wheel.to_vec().into()));
    index.route("/files/s", Served::File(sdist.to_vec().into()));
    index
}

#[test]
fn lock_download_algorithm_sha512_writes_each_files_sha512_and_a_second_run_changes_nothing() {
    let (wheel, sdist) = (b"wheel bytes".to_vec(), b"sdist bytes".to_vec());
    let index = demo_index(&wheel, &sdist);
    let case = Case::new();
    case.file("r.txt", "demo==1.0\n");
    let args = ["lock", "--download", "--algorithm", "sha512", "r.txt"];
    let run = run(&case, &index, &args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut digests = [sha512(&wheel), sha512(&sdist)];
    digests.sort();
    let want = format!(
        "demo==1.0 \\\n    --hash=sha512:{} \\\n    --hash=sha512:{}\n",
        digests[0], digests[1]
    );
    assert_eq!(
        case.read("r.txt"),
        want,
        "the sha512 only: pip accepts any listed digest"
    );
    let run = self::run(&case, &index, &args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(case.read("r.txt"), want);
    let check = ["lock", "--download", "-a", "sha512", "--check", "r.txt"];
    assert_eq!(self::run(&case, &index, &check, &[]).code, 0);
    // A sha256 line switches when asked; plain `lock` refuses a sha512 line rather than
    // adding sha256 hashes pip would accept instead.
    case.file(
        "s.txt",
        &format!("demo==1.0 --hash=sha256:{}\n", sha256(&wheel)),
    );
    let run = self::run(
        &case,
        &index,
        &["lock", "--download", "-a", "sha512", "s.txt"],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(case.read("s.txt"), want);
    let run = self::run(&case, &index, &["lock", "r.txt"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(case.read("r.txt"), want, "nothing was written");
    assert!(
        run.stderr.contains("locked with sha512")
            && run.stderr.contains("--download --algorithm sha512"),
        "{}",
        run.stderr
    );
}

#[test]
fn lock_download_algorithm_sha512_still_aborts_on_a_wrong_published_sha256() {
    let index = Loopback::start();
    let wheel = b"the wheel".to_vec();
    index.project(&[(
        WHEEL,
        "/files/w",
        json!({"sha256": sha256(b"what was published")}),
    )]);
    index.route("/files/w", Served::File(wheel.clone().into()));
    let case = Case::new();
    case.file("r.txt", "demo==1.0\n");
    let args = ["lock", "--download", "--algorithm", "sha512", "r.txt"];
    let run = run(&case, &index, &args, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(case.read("r.txt"), "demo==1.0\n");
    assert!(run.stderr.contains(&sha256(&wheel)), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
}

#[test]
fn algorithm_without_download_is_a_usage_error() {
    let index = demo_index(b"w", b"s");
    let case = Case::new();
    case.file("r.txt", "demo==1.0\n");
    for args in [
        &["lock", "--algorithm", "sha512", "r.txt"][..],
        &["migrate", "--fill", "-a", "sha384", "r.txt"][..],
    ] {
        let run = run(&case, &index, args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("needs `--download`"), "{}", run.stderr);
        assert!(
            run.stderr.contains("publishes only sha256"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(case.read("r.txt"), "demo==1.0\n");
    // sha256 is what the index publishes: nothing to download for it.
    let run = run(&case, &index, &["lock", "-a", "sha256", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn verify_download_checks_sha512_hashes_and_without_download_says_they_are_unchecked() {
    let (wheel, sdist) = (b"wheel bytes".to_vec(), b"sdist bytes".to_vec());
    let index = demo_index(&wheel, &sdist);
    let case = Case::new();
    let good = format!(
        "demo==1.0 --hash=sha512:{} --hash=sha512:{}\n",
        sha512(&wheel),
        sha512(&sdist)
    );
    case.file("r.txt", &good);
    let run = run(&case, &index, &["verify", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("re-hashed 2 files"), "{}", run.stderr);
    assert!(!run.stderr.contains("not checked"), "{}", run.stderr);
    // Without `--download` a sha512 hash is not silently passed.
    let run = self::run(&case, &index, &["verify", "r.txt"], &[]);
    assert_eq!(run.code, 0, "a warning: {}", run.stderr);
    assert!(
        run.stderr
            .contains("2 sha512 hashes on this line are not checked")
            && run.stderr.contains("`hashlock verify --download`"),
        "{}",
        run.stderr
    );
    // A sha512 that is no file's: an error naming it.
    let forged = sha512(b"a file of no version");
    case.file(
        "r.txt",
        &format!(
            "demo==1.0 --hash=sha512:{} --hash=sha512:{forged}\n",
            sha512(&wheel)
        ),
    );
    let run = self::run(&case, &index, &["verify", "--download", "r.txt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("`sha512:{forged}`"))
            && run.stderr.contains("is the sha512 of no file of demo 1.0"),
        "{}",
        run.stderr
    );
    // A line missing a file's sha512 misses that file, as a sha256 line would.
    case.file(
        "r.txt",
        &format!("demo==1.0 --hash=sha512:{}\n", sha512(&wheel)),
    );
    let run = self::run(&case, &index, &["verify", "--download", "r.txt"], &[]);
    assert!(
        run.stderr
            .contains("1 of 2 files of demo 1.0 has no hash here")
            && run.stderr.contains(SDIST),
        "{}",
        run.stderr
    );
}

#[test]
fn migrate_fill_download_algorithm_sha512_writes_sha512_options() {
    let (wheel, sdist) = (b"wheel bytes".to_vec(), b"sdist bytes".to_vec());
    let index = demo_index(&wheel, &sdist);
    let case = Case::new();
    let peep = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&sdist))
    };
    case.file("r.txt", &format!("# sha256: {peep}\ndemo==1.0\n"));
    let args = [
        "migrate",
        "--fill",
        "--download",
        "--algorithm",
        "sha512",
        "r.txt",
    ];
    let run = run(&case, &index, &args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let migrated = case.read("r.txt");
    assert!(
        migrated.contains(&sha512(&wheel)) && migrated.contains(&sha512(&sdist)),
        "{migrated}"
    );
    assert!(!migrated.contains("sha256"), "{migrated}");
}
