//! PEP 740 provenance: who published a file, as its index attests.
//!
//! A file's provenance object is at the URL its Simple API entry gives
//! (`provenance`, `data-provenance`), else, on PyPI and indexes like it, at the
//! Integrity API's `GET /integrity/<project>/<version>/<filename>/provenance`. It
//! bundles the file's attestations by the Trusted Publisher identity that signed
//! them:
//!
//! ```json
//! {"version": 1, "attestation_bundles": [
//!   {"publisher": {"kind": "GitHub", "repository": "pypa/sampleproject",
//!                  "workflow": "release.yml", "environment": null},
//!    "attestations": [{"version": 1, "verification_material": {...}, "envelope": {...}}]}]}
//! ```
//!
//! hashlock reads the publisher identities only: it does not verify the
//! attestations' signatures (Sigstore certificates, transparency log entries).

use std::collections::BTreeSet;

use reqwest::Url;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{DistFile, IndexError, Indexes, decode_json};

/// What the Integrity API's media type is, then plain JSON.
const ACCEPT_INTEGRITY: &str = "application/vnd.pypi.integrity.v1+json, application/json;q=0.9";

/// A file's provenance as hashlock reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Provenance {
    /// The publisher identities whose attestations the file has (at least one).
    Attested(BTreeSet<String>),
    /// A provenance object without any attested publisher.
    Unattested,
}

#[derive(Debug, Deserialize)]
struct Document {
    #[serde(default)]
    attestation_bundles: Vec<Bundle>,
}

#[derive(Debug, Deserialize)]
struct Bundle {
    #[serde(default)]
    publisher: Option<Map<String, Value>>,
    #[serde(default)]
    attestations: Vec<serde::de::IgnoredAny>,
}

impl Document {
    fn provenance(&self) -> Provenance {
        let identities: BTreeSet<String> = self
            .attestation_bundles
            .iter()
            .filter(|bundle| !bundle.attestations.is_empty())
            .filter_map(|bundle| bundle.publisher.as_ref().map(identity))
            .collect();
        if identities.is_empty() {
            Provenance::Unattested
        } else {
            Provenance::Attested(identities)
        }
    }
}

/// A Trusted Publisher as one line: `GitHub:pypa/sampleproject@release.yml`,
/// `GitLab:group/project@.gitlab-ci.yml`, `Google:someone@example.com`; for other
/// kinds, `Kind:` and every text field but `environment`, as `key=value`, sorted.
/// The environment is left out: a publisher that adds one is the same workflow.
pub(crate) fn identity(publisher: &Map<String, Value>) -> String {
    let text = |key: &str| publisher.get(key).and_then(Value::as_str).unwrap_or("");
    let kind = match text("kind") {
        "" => "unknown",
        kind => kind,
    };
    let shown = match kind {
        "GitHub" => format!("{}@{}", text("repository"), text("workflow")),
        "GitLab" => format!("{}@{}", text("repository"), text("workflow_filepath")),
        "Google" => text("email").to_owned(),
        _ => {
            let mut fields: Vec<String> = publisher
                .iter()
                .filter(|(key, _)| !matches!(key.as_str(), "kind" | "environment" | "claims"))
                .filter_map(|(key, value)| Some(format!("{key}={}", value.as_str()?)))
                .collect();
            fields.sort();
            fields.join(",")
        }
    };
    super::shown_text_upto(&format!("{kind}:{shown}"), 300)
}

/// The Integrity API URL of a file's provenance on the index at `base` (its URL
/// without `/simple`).
pub(crate) fn integrity_url(base: &Url, project: &str, version: &str, filename: &str) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(["integrity", project, version, filename, "provenance"]);
    }
    url
}

/// Reads a provenance document.
fn parse(fetched: &super::http::Fetched) -> Result<Provenance, IndexError> {
    let document: Document = decode_json(fetched)?;
    Ok(document.provenance())
}

impl Indexes {
    /// The provenance of `file` of `project` `version`: from the URL the index gave
    /// for it, else from the Integrity API of the index it is on (the first index
    /// when none serves its URL). `Ok(None)`: no provenance there (404), which on an
    /// index without the Integrity API says nothing about the file.
    pub(crate) async fn provenance(
        &self,
        file: &DistFile,
        project: &str,
        version: &str,
    ) -> Result<Option<Provenance>, IndexError> {
        let mut clients: Vec<_> = self.index_clients().collect();
        let given = file
            .provenance
            .as_deref()
            .and_then(|url| file.url.join(url).ok());
        let sort_by = given.clone().unwrap_or_else(|| file.url.clone());
        clients.sort_by_key(|client| !client.serves(&sort_by));
        let Some(client) = clients.first() else {
            return Ok(None);
        };
        let url = match given {
            Some(url) => url,
            None => {
                let base = crate::cli::IndexArgs::base_url(client.index_url());
                integrity_url(&base, project, version, &file.filename)
            }
        };
        match client.document(&url, ACCEPT_INTEGRITY).await? {
            Some(fetched) => parse(&fetched).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/fixtures/integrity/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn provenance_of(value: &Value) -> Provenance {
        serde_json::from_value::<Document>(value.clone())
            .unwrap()
            .provenance()
    }

    #[test]
    fn publisher_identities_read_from_a_recorded_provenance() {
        let document = fixture("sampleproject-4.0.0.tar.gz.provenance.json");
        let expected: BTreeSet<String> =
            ["GitHub:pypa/sampleproject@release.yml".to_owned()].into();
        assert_eq!(provenance_of(&document), Provenance::Attested(expected));
    }

    #[test]
    fn identities_of_each_publisher_kind() {
        let of = |value: Value| identity(value.as_object().unwrap());
        let gitlab = serde_json::json!({"kind": "GitLab", "repository": "g/p", "workflow_filepath": ".gitlab-ci.yml", "environment": ""});
        assert_eq!(of(gitlab), "GitLab:g/p@.gitlab-ci.yml");
        let google = serde_json::json!({"kind": "Google", "email": "a@b.example"});
        assert_eq!(of(google), "Google:a@b.example");
        let other = serde_json::json!({"kind": "ActiveState", "organization": "o", "project": "p", "environment": "x"});
        assert_eq!(of(other), "ActiveState:organization=o,project=p");
    }

    #[test]
    fn bundles_without_attestations_are_no_attestation() {
        let empty = serde_json::json!({"version": 1, "attestation_bundles": []});
        assert_eq!(provenance_of(&empty), Provenance::Unattested);
        let hollow = serde_json::json!({"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub"}, "attestations": []}]});
        assert_eq!(provenance_of(&hollow), Provenance::Unattested);
    }

    #[test]
    fn integrity_urls_escape_their_parts() {
        let base = Url::parse("https://pypi.org").unwrap();
        let url = integrity_url(
            &base,
            "sampleproject",
            "4.0.0",
            "sampleproject-4.0.0.tar.gz",
        );
        assert_eq!(
            url.as_str(),
            "https://pypi.org/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance"
        );
        let odd = integrity_url(&base, "p", "1", "a/b?.whl");
        assert_eq!(
            odd.as_str(),
            "https://pypi.org/integrity/p/1/a%2Fb%3F.whl/provenance"
        );
    }
}
