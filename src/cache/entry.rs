//! One cached answer about a pin on one index, as stored: JSON with a `format`
//! number, so that an entry of another format reads as a miss, never as something
//! else. Only what hashlock uses of a release is kept.

use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::digest::Sha256;
use crate::index::{Caching, DistFile, ProjectStatus, Release};

/// The format of entries, also the name of the folder they live in (`v3/`). 2: a
/// release's eggs and installers apart from its files; 3: one folder per index, not
/// per project (see [`super`]'s layout).
pub(crate) const FORMAT: u32 = 3;

/// What the index answered about a pin, and until when that answer is used as is.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) answer: Answer,
    /// When it was stored or last revalidated (seconds since the epoch).
    pub(crate) checked: u64,
    /// Until when it is used without asking (seconds since the epoch).
    pub(crate) fresh_until: u64,
    /// The document that gave it, to revalidate it, when the index sent validators.
    pub(crate) source: Option<Source>,
}

/// The answer itself.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Release(Release),
    /// The index has no such package (only `--offline` uses this).
    PackageNotFound,
    /// The index has the package but not the version (only `--offline` uses this).
    VersionNotFound {
        package: String,
        close: Vec<String>,
    },
}

/// The document an answer came from, and its validators.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The URL asked (before redirects).
    pub(crate) url: Url,
    /// The `Accept` header it was asked with.
    pub(crate) accept: String,
    pub(crate) validators: Caching,
}

impl Entry {
    pub(crate) fn is_fresh(&self, now: u64) -> bool {
        now < self.fresh_until && now + 60 >= self.checked
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let stored = Stored {
            format: FORMAT,
            checked: self.checked,
            fresh_until: self.fresh_until,
            source: self.source.as_ref().map(|source| StoredSource {
                url: source.url.to_string(),
                accept: source.accept.clone(),
                etag: source.validators.etag.clone(),
                last_modified: source.validators.last_modified.clone(),
            }),
            answer: match &self.answer {
                Answer::Release(release) => StoredAnswer::Release(StoredRelease::of(release)),
                Answer::PackageNotFound => StoredAnswer::PackageNotFound,
                Answer::VersionNotFound { package, close } => StoredAnswer::VersionNotFound {
                    package: package.clone(),
                    close: close.clone(),
                },
            },
        };
        // Serializing plain data to memory cannot fail.
        serde_json::to_vec(&stored).unwrap_or_default()
    }

    /// The entry in `bytes`; `None` for anything but an entry of this format (another
    /// format, a torn write, a hand edit).
    pub(crate) fn decode(bytes: &[u8]) -> Option<Entry> {
        let stored: Stored = serde_json::from_slice(bytes).ok()?;
        if stored.format != FORMAT {
            return None;
        }
        let source = match stored.source {
            Some(source) => Some(Source {
                url: Url::parse(&source.url).ok()?,
                accept: source.accept,
                validators: Caching {
                    etag: source.etag,
                    last_modified: source.last_modified,
                    cache_control: None,
                },
            }),
            None => None,
        };
        let answer = match stored.answer {
            StoredAnswer::Release(release) => Answer::Release(release.into_release()?),
            StoredAnswer::PackageNotFound => Answer::PackageNotFound,
            StoredAnswer::VersionNotFound { package, close } => {
                Answer::VersionNotFound { package, close }
            }
        };
        Some(Entry {
            answer,
            checked: stored.checked,
            fresh_until: stored.fresh_until,
            source,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    checked: u64,
    fresh_until: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<StoredSource>,
    answer: StoredAnswer,
}

#[derive(Serialize, Deserialize)]
struct StoredSource {
    url: String,
    accept: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredAnswer {
    Release(StoredRelease),
    PackageNotFound,
    VersionNotFound { package: String, close: Vec<String> },
}

#[derive(Serialize, Deserialize)]
struct StoredRelease {
    name: String,
    version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<(String, Option<String>)>,
    files: Vec<StoredFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    legacy: Vec<StoredFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ignored: Vec<StoredFile>,
}

/// A file, its optional fields left out when absent (most are, on most indexes).
#[derive(Serialize, Deserialize)]
struct StoredFile {
    filename: String,
    url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    yanked: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requires_python: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    other_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upload_time: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    core_metadata: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provenance: Option<String>,
}

impl StoredRelease {
    fn of(release: &Release) -> StoredRelease {
        StoredRelease {
            name: release.name.clone(),
            version: release.version.clone(),
            status: release
                .status
                .as_ref()
                .map(|status| (status.status.clone(), status.reason.clone())),
            files: release.files.iter().map(StoredFile::of).collect(),
            legacy: release.legacy.iter().map(StoredFile::of).collect(),
            ignored: release.ignored.iter().map(StoredFile::of).collect(),
        }
    }

    fn into_release(self) -> Option<Release> {
        let files = |stored: Vec<StoredFile>| {
            stored
                .into_iter()
                .map(StoredFile::into_file)
                .collect::<Option<Vec<_>>>()
        };
        Some(Release {
            name: self.name,
            version: self.version,
            files: files(self.files)?,
            legacy: files(self.legacy)?,
            ignored: files(self.ignored)?,
            status: self
                .status
                .map(|(status, reason)| ProjectStatus { status, reason }),
        })
    }
}

impl StoredFile {
    fn of(file: &DistFile) -> StoredFile {
        StoredFile {
            filename: file.filename.clone(),
            url: file.url.to_string(),
            sha256: file.sha256.map(|digest| digest.to_string()),
            yanked: file.yanked.clone(),
            requires_python: file.requires_python.clone(),
            other_hash: file.other_hash.clone(),
            size: file.size,
            upload_time: file.upload_time.clone(),
            core_metadata: file.core_metadata,
            provenance: file.provenance.clone(),
        }
    }

    /// The file; `None` if a field does not read back (the entry is then a miss:
    /// a digest in the cache is checked as one from the index is).
    fn into_file(self) -> Option<DistFile> {
        let sha256 = match self.sha256 {
            Some(text) => Some(text.parse::<Sha256>().ok()?),
            None => None,
        };
        Some(DistFile {
            filename: self.filename,
            url: Url::parse(&self.url).ok()?,
            sha256,
            yanked: self.yanked,
            requires_python: self.requires_python,
            other_hash: self.other_hash,
            size: self.size,
            upload_time: self.upload_time,
            core_metadata: self.core_metadata,
            provenance: self.provenance,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release() -> Release {
        let file = |name: &str, sha: Option<&str>| DistFile {
            filename: name.to_owned(),
            url: Url::parse(&format!("https://files.example/{name}")).unwrap(),
            sha256: sha.map(|s| s.parse().unwrap()),
            yanked: Some("broken".into()),
            requires_python: Some(">=3.8".into()),
            other_hash: None,
            size: Some(12),
            upload_time: Some("2024-01-01T00:00:00Z".into()),
            core_metadata: true,
            provenance: None,
        };
        Release {
            name: "Demo".into(),
            version: "1.0".into(),
            files: vec![file("demo-1.0.tar.gz", Some(&"ab".repeat(32)))],
            legacy: vec![file("demo-1.0-py2.7.egg", Some(&"cd".repeat(32)))],
            ignored: vec![file("evil-1.0.tar.gz", None)],
            status: Some(ProjectStatus {
                status: "archived".into(),
                reason: None,
            }),
        }
    }

    #[test]
    fn entries_read_back_as_written() {
        let entry = Entry {
            answer: Answer::Release(release()),
            checked: 5,
            fresh_until: 10,
            source: Some(Source {
                url: Url::parse("https://pypi.org/simple/demo/").unwrap(),
                accept: "application/json".into(),
                validators: Caching {
                    etag: Some("\"x\"".into()),
                    ..Caching::default()
                },
            }),
        };
        let back = Entry::decode(&entry.encode()).unwrap();
        let Answer::Release(read) = back.answer else {
            panic!("not a release")
        };
        assert_eq!(read, release());
        assert_eq!((back.checked, back.fresh_until), (5, 10));
        assert_eq!(
            back.source.unwrap().validators.etag.as_deref(),
            Some("\"x\"")
        );
    }

    #[test]
    fn other_formats_and_broken_entries_are_misses() {
        let entry = Entry {
            answer: Answer::PackageNotFound,
            checked: 1,
            fresh_until: 2,
            source: None,
        };
        let text = String::from_utf8(entry.encode()).unwrap();
        assert!(Entry::decode(text.as_bytes()).is_some());
        let current = format!("\"format\":{FORMAT}");
        assert!(text.contains(&current));
        let other = text.replace(&current, &format!("\"format\":{}", FORMAT + 1));
        assert!(Entry::decode(other.as_bytes()).is_none());
        assert!(Entry::decode(&text.as_bytes()[..text.len() / 2]).is_none());
        let bad_digest = String::from_utf8(
            Entry {
                answer: Answer::Release(release()),
                ..entry
            }
            .encode(),
        )
        .unwrap()
        .replace(&"ab".repeat(32), "not-a-digest");
        assert!(Entry::decode(bad_digest.as_bytes()).is_none());
    }
}
