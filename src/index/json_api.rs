//! PyPI's JSON API, the wire types of its two documents, reduced to what hashlock
//! reads.
//!
//! `GET /pypi/<name>/<version>/json` lists one version's files under `urls`;
//! `GET /pypi/<name>/json` lists every version's files under `releases`. Both carry
//! `info.name` and `info.version`. Everything else (and every optional field we do
//! read) may be missing: mirrors trim documents differently.

use std::collections::HashMap;
use std::fmt;

use reqwest::Url;
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

use super::http::Fetched;
use super::{DistFile, IndexError, Published, Yanked, decode_json};

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
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    upload_time_iso_8601: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Digests {
    #[serde(default)]
    sha256: Option<String>,
}

impl FileEntry {
    /// Whether pip would still pick this file for a plain `==` pin.
    pub(super) fn is_yanked(&self) -> bool {
        self.yanked.as_ref().is_some_and(Yanked::is_yanked)
    }

    /// The entry as hashlock sees it, its URL resolved against the document's.
    fn to_dist_file(&self, document: &Url) -> Result<DistFile, IndexError> {
        let yanked = match &self.yanked {
            Some(Yanked::Flag(true)) => Some(self.yanked_reason.clone().unwrap_or_default()),
            Some(other) => other.reason(),
            None => None,
        };
        let sha256 = self.digests.as_ref().and_then(|d| d.sha256.as_deref());
        let published = Published {
            filename: &self.filename,
            url: &self.url,
            sha256,
            yanked,
            requires_python: self.requires_python.as_deref(),
            size: self.size,
            upload_time: self.upload_time_iso_8601.as_deref(),
            // PyPI serves `<url>.metadata` for wheels; its JSON API does not say.
            core_metadata: false,
            ..Published::default()
        };
        published.into_dist_file(document)
    }
}

fn to_dist_files(entries: &[FileEntry], document: &Url) -> Result<Vec<DistFile>, IndexError> {
    entries.iter().map(|e| e.to_dist_file(document)).collect()
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
        let raw: Raw = decode_json(fetched)?;
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
    /// Where the document came from (after redirects).
    pub(super) url: Url,
    pub(super) name: Option<String>,
    pub(super) releases: Releases,
}

impl ProjectDocument {
    pub(super) fn parse(fetched: &Fetched) -> Result<Self, IndexError> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            info: Info,
            releases: Releases,
        }
        let raw: Raw = decode_json(fetched)?;
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

    /// Every release as (version key, its files), in the document's order.
    pub(super) fn all_files(&self) -> Result<Vec<(String, Vec<DistFile>)>, IndexError> {
        let release = |(key, entries): (&String, &Vec<FileEntry>)| {
            Ok((key.clone(), to_dist_files(entries, &self.url)?))
        };
        self.releases.iter().map(release).collect()
    }
}

/// The `releases` object of a project document: version key to files, in the
/// document's order (a plain map would lose it, and `project()` promises it).
/// A key given twice keeps its first place and its last files, as a map would.
#[derive(Debug, Default)]
pub(super) struct Releases {
    entries: Vec<(String, Vec<FileEntry>)>,
    positions: HashMap<String, usize>,
}

impl Releases {
    pub(super) fn contains_key(&self, key: &str) -> bool {
        self.positions.contains_key(key)
    }

    /// The version keys, in the document's order.
    pub(super) fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(key, _)| key)
    }

    /// (version key, files) pairs, in the document's order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&String, &Vec<FileEntry>)> {
        self.entries.iter().map(|(key, files)| (key, files))
    }

    fn insert(&mut self, key: String, files: Vec<FileEntry>) {
        match self.positions.get(&key) {
            Some(&at) => self.entries[at].1 = files,
            None => {
                self.positions.insert(key.clone(), self.entries.len());
                self.entries.push((key, files));
            }
        }
    }
}

impl std::ops::Index<&str> for Releases {
    type Output = Vec<FileEntry>;

    /// The files under `key`; panics if there is no such key.
    fn index(&self, key: &str) -> &Vec<FileEntry> {
        &self.entries[self.positions[key]].1
    }
}

impl<'de> Deserialize<'de> for Releases {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;

        impl<'de> Visitor<'de> for InOrder {
            type Value = Releases;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of version to files")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Releases, A::Error> {
                let mut releases = Releases::default();
                while let Some((key, files)) = map.next_entry()? {
                    releases.insert(key, files);
                }
                Ok(releases)
            }
        }

        deserializer.deserialize_map(InOrder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(url: &str, body: &str) -> Fetched {
        Fetched {
            url: Url::parse(url).unwrap(),
            content_type: Some("application/json".to_owned()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn reads_a_version_document() {
        let body = r#"{"info": {"name": "Demo", "version": "1.0"}, "urls": [
            {"filename": "demo-1.0.tar.gz", "url": "../../../packages/ab/demo-1.0.tar.gz",
             "digests": {"sha256": "ABCDEF0000000000000000000000000000000000000000000000000000000000", "md5": "x"}, "yanked": true,
             "yanked_reason": null, "requires_python": ""},
            {"filename": "demo-1.0-py3-none-any.whl", "url": "https://files.example/d.whl"}
        ]}"#;
        let doc = fetched("https://mirror.example/pypi/demo/1.0/json", body);
        let doc = VersionDocument::parse(&doc).unwrap();
        assert_eq!(doc.version.as_deref(), Some("1.0"));
        let sdist = &doc.files[0];
        assert_eq!(
            sdist.url.as_str(),
            "https://mirror.example/packages/ab/demo-1.0.tar.gz"
        );
        assert_eq!(
            sdist.sha256.map(|d| d.to_string()).as_deref(),
            Some("abcdef0000000000000000000000000000000000000000000000000000000000")
        );
        assert_eq!(sdist.yanked.as_deref(), Some(""));
        assert_eq!(sdist.requires_python, None);
        let wheel = &doc.files[1];
        assert_eq!((wheel.sha256.as_ref(), wheel.yanked.as_ref()), (None, None));
    }

    #[test]
    fn a_digest_that_is_not_hex_is_refused_not_written() {
        for digest in ["abc", "zz".repeat(32).as_str(), "a\n-r evil.txt"] {
            let body = format!(
                r#"{{"info": {{}}, "urls": [{{"filename": "demo-1.0.tar.gz", "url": "https://f.example/d", "digests": {{"sha256": {digest:?}}}}}]}}"#
            );
            let doc = fetched("https://mirror.example/pypi/demo/1.0/json", &body);
            let error = VersionDocument::parse(&doc).unwrap_err();
            assert!(error.to_string().contains("demo-1.0.tar.gz"), "{error}");
        }
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
        assert_eq!(files[0].url.as_str(), "https://mirror.example/a.whl");
    }

    #[test]
    fn releases_keep_the_document_order() {
        let body = r#"{"releases": {
            "2.0": [{"filename": "b.whl", "url": "/b.whl"}],
            "1.0": [],
            "10.0": [{"filename": "c.whl", "url": "/c.whl"}],
            "1.5": [{"filename": "a.whl", "url": "/a.whl"}],
            "1.0": [{"filename": "d.whl", "url": "/d.whl"}]}}"#;
        let doc = fetched("https://mirror.example/pypi/demo/json", body);
        let doc = ProjectDocument::parse(&doc).unwrap();
        let keys: Vec<&str> = doc.releases.keys().map(String::as_str).collect();
        assert_eq!(keys, ["2.0", "1.0", "10.0", "1.5"]);
        assert!(doc.releases.contains_key("1.5") && !doc.releases.contains_key("1.5.0"));
        let all = doc.all_files().unwrap();
        let files: Vec<(&str, Vec<&str>)> = all
            .iter()
            .map(|(key, files)| {
                let names = files.iter().map(|f| f.filename.as_str()).collect();
                (key.as_str(), names)
            })
            .collect();
        let expected = [
            ("2.0", vec!["b.whl"]),
            ("1.0", vec!["d.whl"]),
            ("10.0", vec!["c.whl"]),
            ("1.5", vec!["a.whl"]),
        ];
        assert_eq!(
            files, expected,
            "a repeated key keeps its place, last files win"
        );
        assert_eq!(all[1].1[0].url.as_str(), "https://mirror.example/d.whl");
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
