//! The two documents of PyPI's JSON API, reduced to what hashlock reads.
//!
//! `GET /pypi/<name>/<version>/json` lists one version's files under `urls`;
//! `GET /pypi/<name>/json` lists every version's files under `releases`. Both carry
//! `info.name` and `info.version`. Everything else (and every optional field we do
//! read) may be missing: mirrors trim documents differently.

use std::collections::HashMap;

use reqwest::Url;
use serde::Deserialize;

use crate::index::http::Fetched;
use crate::index::{DistFile, IndexError};

#[derive(Debug, Default, Deserialize)]
struct Info {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

/// One file entry as the index sends it.
#[derive(Debug, Deserialize)]
pub(super) struct FileEntry {
    filename: String,
    url: String,
    #[serde(default)]
    digests: Option<Digests>,
    #[serde(default)]
    yanked: Option<Yanked>,
    #[serde(default)]
    yanked_reason: Option<String>,
    #[serde(default)]
    requires_python: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Digests {
    #[serde(default)]
    sha256: Option<String>,
}

/// PyPI sends a bool (reason apart); PEP 691 style indexes send the reason itself.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Yanked {
    Flag(bool),
    Reason(String),
}

impl FileEntry {
    /// Whether pip would still pick this file for a plain `==` pin.
    pub(super) fn is_yanked(&self) -> bool {
        matches!(self.yanked, Some(Yanked::Flag(true) | Yanked::Reason(_)))
    }

    /// The entry as hashlock sees it, its URL resolved against the document's.
    fn to_dist_file(&self, document: &Url) -> Result<DistFile, IndexError> {
        let url = document
            .join(&self.url)
            .map_err(|error| IndexError::Decode {
                url: document.to_string(),
                message: format!(
                    "file {} has a bad URL {:?}: {error}",
                    self.filename, self.url
                ),
            })?;
        let yanked = match &self.yanked {
            Some(Yanked::Flag(true)) => Some(self.yanked_reason.clone().unwrap_or_default()),
            Some(Yanked::Reason(reason)) => Some(reason.clone()),
            Some(Yanked::Flag(false)) | None => None,
        };
        let sha256 = self.digests.as_ref().and_then(|d| d.sha256.as_deref());
        Ok(DistFile {
            filename: self.filename.clone(),
            url: url.to_string(),
            sha256: non_empty(sha256).map(str::to_ascii_lowercase),
            yanked,
            requires_python: non_empty(self.requires_python.as_deref()).map(str::to_owned),
        })
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

fn to_dist_files(entries: &[FileEntry], document: &Url) -> Result<Vec<DistFile>, IndexError> {
    entries.iter().map(|e| e.to_dist_file(document)).collect()
}

fn decode<'a, T: Deserialize<'a>>(fetched: &'a Fetched) -> Result<T, IndexError> {
    serde_json::from_slice(&fetched.body).map_err(|error| IndexError::Decode {
        url: fetched.url.to_string(),
        message: error.to_string(),
    })
}

/// A per-version document.
#[derive(Debug)]
pub(super) struct VersionDocument {
    pub(super) name: Option<String>,
    pub(super) version: Option<String>,
    pub(super) files: Vec<DistFile>,
}

impl VersionDocument {
    pub(super) fn parse(fetched: &Fetched) -> Result<Self, IndexError> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            info: Info,
            urls: Vec<FileEntry>,
        }
        let raw: Raw = decode(fetched)?;
        Ok(Self {
            name: raw.info.name,
            version: raw.info.version,
            files: to_dist_files(&raw.urls, &fetched.url)?,
        })
    }
}

/// A project document; files stay raw until a version of them is asked for.
#[derive(Debug)]
pub(super) struct ProjectDocument {
    url: Url,
    pub(super) name: Option<String>,
    pub(super) releases: HashMap<String, Vec<FileEntry>>,
}

impl ProjectDocument {
    pub(super) fn parse(fetched: &Fetched) -> Result<Self, IndexError> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            info: Info,
            releases: HashMap<String, Vec<FileEntry>>,
        }
        let raw: Raw = decode(fetched)?;
        Ok(Self {
            url: fetched.url.clone(),
            name: raw.info.name,
            releases: raw.releases,
        })
    }

    /// The files of the release under `key` (which must be a key of `releases`).
    pub(super) fn files(&self, key: &str) -> Result<Vec<DistFile>, IndexError> {
        to_dist_files(&self.releases[key], &self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(url: &str, body: &str) -> Fetched {
        Fetched {
            url: Url::parse(url).unwrap(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn reads_a_version_document() {
        let body = r#"{"info": {"name": "Demo", "version": "1.0"}, "urls": [
            {"filename": "demo-1.0.tar.gz", "url": "../../../packages/ab/demo-1.0.tar.gz",
             "digests": {"sha256": "ABCDEF", "md5": "x"}, "yanked": true,
             "yanked_reason": null, "requires_python": ""},
            {"filename": "demo-1.0-py3-none-any.whl", "url": "https://files.example/d.whl"}
        ]}"#;
        let doc = fetched("https://mirror.example/pypi/demo/1.0/json", body);
        let doc = VersionDocument::parse(&doc).unwrap();
        assert_eq!(doc.version.as_deref(), Some("1.0"));
        let sdist = &doc.files[0];
        assert_eq!(
            sdist.url,
            "https://mirror.example/packages/ab/demo-1.0.tar.gz"
        );
        assert_eq!(sdist.sha256.as_deref(), Some("abcdef"));
        assert_eq!(sdist.yanked.as_deref(), Some(""));
        assert_eq!(sdist.requires_python, None);
        let wheel = &doc.files[1];
        assert_eq!((wheel.sha256.as_ref(), wheel.yanked.as_ref()), (None, None));
    }

    #[test]
    fn reads_pep_691_style_yanked_reasons() {
        let body = r#"{"releases": {"1.0": [
            {"filename": "a.whl", "url": "/a.whl", "yanked": "broken"}]}}"#;
        let doc = fetched("https://mirror.example/pypi/demo/json", body);
        let doc = ProjectDocument::parse(&doc).unwrap();
        assert!(doc.releases["1.0"][0].is_yanked());
        let files = doc.files("1.0").unwrap();
        assert_eq!(files[0].yanked.as_deref(), Some("broken"));
        assert_eq!(files[0].url, "https://mirror.example/a.whl");
    }

    #[test]
    fn other_json_is_a_decode_error() {
        for body in [
            "<html>",
            r#"{"info": {}}"#,
            r#"{"releases": {"1": [{"url": 3}]}}"#,
        ] {
            let doc = fetched("https://mirror.example/pypi/demo/json", body);
            let error = ProjectDocument::parse(&doc).unwrap_err();
            assert!(
                matches!(error, IndexError::Decode { .. }),
                "{body}: {error}"
            );
        }
    }
}
