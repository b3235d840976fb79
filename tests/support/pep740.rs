//! A loopback Simple API index whose documents a test writes, and rewrites between
//! runs, for the checks beyond hashes: upload times (PEP 700), provenance URLs and
//! objects (PEP 740), project status (PEP 792), files that change or vanish.
//!
//! [`Pep740Index::start`] serves, on `127.0.0.1`, whatever was [`Pep740Index::put`]
//! at a path (404 elsewhere); [`Pep740Index::project`] writes a project's PEP 691
//! page at `/simple/<name>/` from [`File`]s, and each file's body at
//! `/files/<filename>` and its provenance object at the PyPI Integrity API's path
//! `/integrity/<name>/<version>/<filename>/provenance` when it has one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::serving::{Bound, Serving};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// What a path answers.
#[derive(Debug, Clone)]
struct Resource {
    content_type: &'static str,
    body: Bytes,
}

type Resources = Arc<Mutex<HashMap<String, Resource>>>;

/// A running index; dropping it stops the server.
pub struct Pep740Index {
    url: String,
    resources: Resources,
    _serving: Serving,
}

/// A file of a project page.
#[derive(Debug, Clone)]
pub struct File {
    pub filename: String,
    pub version: String,
    pub body: Vec<u8>,
    /// PEP 700 `upload-time`.
    pub upload_time: Option<String>,
    /// The publisher of its provenance object: `Some(("owner/repo", "release.yml"))`.
    pub publisher: Option<(String, String)>,
    /// Whether the page gives the provenance URL (PEP 740's `provenance` key); else
    /// only the Integrity API has it.
    pub provenance_key: bool,
}

impl File {
    /// A file of `version` whose body is its own name, uploaded in 2020.
    pub fn new(filename: &str, version: &str) -> File {
        File {
            filename: filename.to_owned(),
            version: version.to_owned(),
            body: filename.as_bytes().to_vec(),
            upload_time: Some("2020-01-02T03:04:05.123456Z".to_owned()),
            publisher: None,
            provenance_key: false,
        }
    }

    pub fn body(mut self, body: &[u8]) -> File {
        self.body = body.to_vec();
        self
    }

    pub fn uploaded(mut self, time: Option<&str>) -> File {
        self.upload_time = time.map(str::to_owned);
        self
    }

    pub fn published_by(mut self, repository: &str, workflow: &str) -> File {
        self.publisher = Some((repository.to_owned(), workflow.to_owned()));
        self
    }

    pub fn with_provenance_key(mut self) -> File {
        self.provenance_key = true;
        self
    }

    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.body))
    }
}

impl Pep740Index {
    pub fn start() -> Pep740Index {
        let resources: Resources = Arc::default();
        let bound = Bound::new(0);
        let url = bound.url();
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&resources));
        let serving = bound.serve(1, app);
        Pep740Index {
            url,
            resources,
            _serving: serving,
        }
    }

    /// The Simple API root, as `--index-url` takes it.
    pub fn simple(&self) -> String {
        format!("{}/simple/", self.url)
    }

    /// Serves `body` at `path`.
    pub fn put(&self, path: &str, content_type: &'static str, body: impl Into<Bytes>) {
        let resource = Resource {
            content_type,
            body: body.into(),
        };
        self.lock().insert(path.to_owned(), resource);
    }

    /// Answers 404 at `path` from now on.
    pub fn remove(&self, path: &str) {
        self.lock().remove(path);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Resource>> {
        self.resources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the project's page (replacing the one before), its files, and their
    /// provenance objects; `status` is PEP 792's `(status, reason)`.
    pub fn project(&self, name: &str, files: &[File], status: Option<(&str, &str)>) {
        let mut entries = Vec::new();
        for file in files {
            let path = format!("/files/{}", file.filename);
            self.put(&path, "application/octet-stream", file.body.clone());
            let provenance_path = format!(
                "/integrity/{name}/{}/{}/provenance",
                file.version, file.filename
            );
            let mut entry = json!({
                "filename": file.filename,
                "url": format!("{}{path}", self.url),
                "hashes": {"sha256": file.sha256()},
                "size": file.body.len(),
                "yanked": false,
            });
            if let Some(time) = &file.upload_time {
                entry["upload-time"] = json!(time);
            }
            match &file.publisher {
                Some((repository, workflow)) => {
                    self.put(
                        &provenance_path,
                        "application/vnd.pypi.integrity.v1+json",
                        provenance(repository, workflow).to_string(),
                    );
                    if file.provenance_key {
                        entry["provenance"] = json!(format!("{}{provenance_path}", self.url));
                    }
                }
                None => {
                    self.remove(&provenance_path);
                    entry["provenance"] = Value::Null;
                }
            }
            entries.push(entry);
        }
        let mut versions: Vec<&str> = files.iter().map(|f| f.version.as_str()).collect();
        versions.dedup();
        let mut page = json!({
            "meta": {"api-version": "1.4"},
            "name": name,
            "files": entries,
            "versions": versions,
        });
        if let Some((status, reason)) = status {
            page["project-status"] = json!({"status": status, "reason": reason});
        }
        self.put(
            &format!("/simple/{name}/"),
            "application/vnd.pypi.simple.v1+json",
            page.to_string(),
        );
    }
}

async fn answer(State(resources): State<Resources>, uri: Uri) -> Response {
    let found = resources
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(uri.path())
        .cloned();
    match found {
        Some(resource) => (
            [(header::CONTENT_TYPE, resource.content_type)],
            resource.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The recorded provenance object (`fixtures/integrity/`) with another GitHub
/// publisher.
pub fn provenance(repository: &str, workflow: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/integrity/sampleproject-4.0.0.tar.gz.provenance.json"
    );
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    let publisher = &mut document["attestation_bundles"][0]["publisher"];
    publisher["repository"] = json!(repository);
    publisher["workflow"] = json!(workflow);
    document
}
