//! PEP 751's `pylock.toml` from a locked requirements file (pure): one package per
//! requirement line, with the files whose hashes are on the line.
//!
//! ```toml
//! lock-version = "1.0"
//! created-by = "hashlock"
//!
//! [[packages]]
//! name = "attrs"
//! version = "23.1.0"
//! marker = "python_version >= \"3.8\""
//! requires-python = ">=3.7"
//! sdist = { name = "attrs-23.1.0.tar.gz", url = "...", size = 1234, upload-time = 2023-04-16T10:00:00Z, hashes = { sha256 = "..." } }
//! wheels = [{ name = "attrs-23.1.0-py3-none-any.whl", url = "...", ... }]
//! ```
//!
//! A package has at most one sdist (PEP 751): with several (old releases have a
//! `.zip` and a `.tar.gz`), the `.tar.gz` is kept. Eggs and installers, which pip
//! never installs, are left out.

use toml::{Table, Value};

use crate::dist_filename::{self, Kind};
use crate::index::{DistFile, shown_url};

/// One requirement line's package.
#[derive(Debug, Clone)]
pub(crate) struct Package<'a> {
    /// The normalized name.
    pub name: String,
    pub version: String,
    pub marker: Option<String>,
    /// The files whose hashes are on the line.
    pub files: Vec<&'a DistFile>,
}

/// What was left out of a package, to say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Left {
    pub package: String,
    pub filename: String,
    pub why: &'static str,
}

/// The document, and what it leaves out.
pub(crate) fn document(source: &str, packages: &[Package<'_>]) -> (String, Vec<Left>) {
    let mut left = Vec::new();
    let mut entries = Vec::new();
    for package in packages {
        let mut entry = Table::new();
        entry.insert("name".into(), package.name.clone().into());
        entry.insert("version".into(), package.version.clone().into());
        if let Some(marker) = &package.marker {
            entry.insert("marker".into(), marker.clone().into());
        }
        let requires: Vec<Option<&str>> = package
            .files
            .iter()
            .map(|f| f.requires_python.as_deref())
            .collect();
        if let Some(Some(first)) = requires.first()
            && requires.iter().all(|r| *r == Some(*first))
        {
            entry.insert("requires-python".into(), (*first).into());
        }
        let mut wheels = Vec::new();
        let mut sdists: Vec<&DistFile> = Vec::new();
        for file in &package.files {
            let kind = dist_filename::version_of(&file.filename, &package.name).map(|(_, k)| k);
            if kind == Some(Kind::Wheel) {
                wheels.push(Value::Table(artifact(file)));
            } else if kind == Some(Kind::Sdist) {
                sdists.push(file);
            } else {
                left.push(Left {
                    package: package.name.clone(),
                    filename: file.filename.clone(),
                    why: "pip installs only wheels and sdists from a lock file",
                });
            }
        }
        // The `.tar.gz` (PEP 625's format), else the first.
        sdists.sort_by_key(|f| !f.filename.ends_with(".tar.gz"));
        let mut sdists = sdists.into_iter();
        if let Some(sdist) = sdists.next() {
            entry.insert("sdist".into(), Value::Table(artifact(sdist)));
        }
        for other in sdists {
            left.push(Left {
                package: package.name.clone(),
                filename: other.filename.clone(),
                why: "a package has one sdist in a pylock.toml",
            });
        }
        if !wheels.is_empty() {
            entry.insert("wheels".into(), Value::Array(wheels));
        }
        entries.push(Value::Table(entry));
    }
    let mut root = Table::new();
    root.insert("lock-version".into(), "1.0".into());
    root.insert("created-by".into(), "hashlock".into());
    root.insert("packages".into(), Value::Array(entries));
    let body = toml::to_string(&root).unwrap_or_default();
    let header = format!(
        "# Written by `hashlock export --format pylock.toml` from {}: the files of each\n# pinned version whose hashes are in that file (PEP 751).\n",
        source.replace('\n', " ")
    );
    (header + &body, left)
}

/// A file as PEP 751 writes it: name, URL (never with credentials), size, upload
/// time, hashes.
fn artifact(file: &DistFile) -> Table {
    let mut table = Table::new();
    table.insert("name".into(), file.filename.clone().into());
    table.insert("url".into(), shown_url(&file.url).into());
    if let Some(size) = file.size.and_then(|s| i64::try_from(s).ok()) {
        table.insert("size".into(), size.into());
    }
    if let Some(time) = file.upload_time.as_deref().and_then(upload_time) {
        table.insert("upload-time".into(), Value::Datetime(time));
    }
    let mut hashes = Table::new();
    if let Some(sha256) = file.sha256 {
        hashes.insert("sha256".into(), sha256.to_string().into());
    }
    table.insert("hashes".into(), Value::Table(hashes));
    table
}

/// An upload time as a TOML offset date-time, in UTC (PEP 751 wants a datetime,
/// not a string).
fn upload_time(text: &str) -> Option<toml::value::Datetime> {
    let timestamp: jiff::Timestamp = text.parse().ok()?;
    timestamp.to_string().parse().ok()
}

/// Whether pip reads a lock file of this name: `pylock.toml` or `pylock.<name>.toml`
/// (PEP 751; `<name>` without dots).
pub(crate) fn is_pylock_name(name: &str) -> bool {
    if name == "pylock.toml" {
        return true;
    }
    name.strip_prefix("pylock.")
        .and_then(|rest| rest.strip_suffix(".toml"))
        .is_some_and(|middle| !middle.is_empty() && !middle.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_reads_only_pylock_names() {
        for good in ["pylock.toml", "pylock.dev.toml", "pylock.py312-linux.toml"] {
            assert!(is_pylock_name(good), "{good}");
        }
        for bad in [
            "pylock.a.b.toml",
            "lock.toml",
            "pylock..toml",
            "requirements.toml",
        ] {
            assert!(!is_pylock_name(bad), "{bad}");
        }
    }

    #[test]
    fn upload_times_are_toml_datetimes() {
        let time = upload_time("2023-04-16T10:00:00.123456Z").unwrap();
        assert_eq!(time.to_string(), "2023-04-16T10:00:00.123456Z");
        let offset = upload_time("2023-04-16T12:00:00+02:00").unwrap();
        assert_eq!(offset.to_string(), "2023-04-16T10:00:00Z");
        assert!(upload_time("yesterday").is_none());
    }
}
