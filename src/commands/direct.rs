//! Direct URL requirements (`name @ https://host/x.whl`, a bare URL line, `file:`
//! URLs and local archive paths): pip needs their hash too, and no index publishes
//! it, so `lock` downloads (or reads) each file and writes the sha256 it hashes to.
//! A `#sha256=` fragment in the URL is checked against the download; with
//! `--download`, so are the hashes a line already carries. VCS URLs, local
//! directories and editables stay errors (pip can never check them).

use std::collections::HashMap;
use std::path::Path;

use miette::Report;
use reqwest::Url;

use super::download::{Downloaded, Wanted};
use crate::diagnostics::Source;
use crate::digest::{Algorithm, Sha256};
use crate::exit::{Failure, Outcome};
use crate::lock::Direct;
use crate::pin::Pinning;
use crate::requirements::{Location, Requirement, strip_extras};
use crate::workspace::{Record, Workspace};

/// A direct URL requirement to download: its record and the file.
pub(super) struct DirectFile<'r, 'a> {
    pub record: &'r Record<'a>,
    pub wanted: Wanted,
}

/// Whether `lock` hashes `record` by downloading its file: a URL or archive
/// requirement, which it leaves alone when it has hashes unless `all`
/// (`--download` checks them).
pub(super) fn is_direct(record: &Record<'_>, all: bool) -> bool {
    matches!(
        record.pinning,
        Pinning::Location(Location::Remote | Location::LocalArchive)
    ) && (all || record.req.hashes.is_empty())
}

/// The file of every direct URL requirement of `records` to hash ([`is_direct`]).
/// A local archive that does not exist, or a URL hashlock cannot read, is bad input
/// (exit 2), reported at its line.
pub(super) fn files<'r, 'a>(
    workspace: &Workspace,
    records: &'r [Record<'a>],
    all: bool,
) -> Result<Vec<DirectFile<'r, 'a>>, Failure> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for record in records.iter().filter(|record| is_direct(record, all)) {
        let source = &workspace.files[record.file].source;
        match wanted(record.req, source) {
            Some(Ok(wanted)) => files.push(DirectFile { record, wanted }),
            Some(Err(error)) => errors.push(error),
            None => {}
        }
    }
    if errors.is_empty() {
        return Ok(files);
    }
    errors.push(miette::miette!("nothing was written"));
    Err(Failure::new(Outcome::BadInput, errors))
}

/// The file a URL or archive requirement `req` (of `source`) names, to download
/// (or read); `None` when it names no location. A local archive that does not
/// exist, or a URL hashlock cannot read, is an error at the line.
pub(super) fn wanted(req: &Requirement, source: &Source) -> Option<Result<Wanted, Report>> {
    let location = req.location()?;
    Some(match file_url(location) {
        Ok((url, published)) => {
            let filename = url
                .path_segments()
                .and_then(|mut segments| segments.next_back())
                .unwrap_or_default()
                .to_owned();
            Ok(Wanted {
                filename: percent_decoded(&filename),
                url,
                published,
                size: None,
                purpose: req.text.trim().to_owned(),
                at: Some((source.clone(), req.span.clone())),
            })
        }
        Err((reason, hint)) => Err(Report::new(
            source
                .error(req.span.clone(), reason)
                .label("cannot hash")
                .hint(hint),
        )),
    })
}

/// The URL to download (no fragment) and the sha256 its `#sha256=` fragment
/// publishes, of a URL or of a local archive path (relative to the working
/// directory, as pip reads it).
fn file_url(location: &str) -> Result<(Url, Option<Sha256>), (String, &'static str)> {
    let lower = location.to_ascii_lowercase();
    let mut url = if lower.contains("://") || lower.starts_with("file:") {
        Url::parse(location).map_err(|error| {
            (
                format!(
                    "`{}` is not a URL hashlock can read: {error}",
                    crate::index::shown_text(location)
                ),
                "write it as pip would fetch it: `name @ https://host/path/file.whl`",
            )
        })?
    } else {
        let path = Path::new(strip_extras(location));
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if !absolute.is_file() {
            return Err((
                format!("no file `{}` to hash", path.display()),
                "pip reads a path on a requirement line relative to the directory it runs in: run hashlock from there, or write the path from there",
            ));
        }
        Url::from_file_path(&absolute).map_err(|()| {
            (
                format!("`{}` cannot be read as a file", path.display()),
                "write an absolute path, or a `file:` URL",
            )
        })?
    };
    if url.scheme() == "file" {
        let exists = url.to_file_path().is_ok_and(|path| path.is_file());
        if !exists {
            return Err((
                format!("no file at `{}` to hash", crate::index::shown_url(&url)),
                "a `file:` URL needs an absolute path to an existing archive",
            ));
        }
    }
    let published = url.fragment().and_then(fragment_sha256);
    url.set_fragment(None);
    Ok((url, published))
}

/// The `sha256=<hex>` of a URL fragment (`#sha256=...&subdirectory=...`), as pip
/// reads a link's hash.
fn fragment_sha256(fragment: &str) -> Option<Sha256> {
    fragment
        .split('&')
        .find_map(|part| part.strip_prefix("sha256="))
        .and_then(|hex| hex.parse().ok())
}

/// `name%2Bx.whl` as `name+x.whl`, for messages.
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// With `--download`: every direct URL line whose hashes (of the algorithms the
/// download computed: sha256, and `--algorithm`'s) do not include the digest its file
/// has now, as errors (pip would refuse the file).
pub(super) fn wrong_hashes(
    workspace: &Workspace,
    files: &[DirectFile<'_, '_>],
    downloaded: &Downloaded,
) -> Vec<Report> {
    files
        .iter()
        .filter_map(|direct| {
            let req = direct.record.req;
            let url = &direct.wanted.url;
            let got = downloaded.sha256(url)?;
            let mut checked = req
                .hashes
                .iter()
                .filter_map(|h| Some((&h.digest, downloaded.digest(url, h.algorithm())?)))
                .peekable();
            checked.peek()?;
            if checked.any(|(written, got)| *written == got) {
                return None;
            }
            let source = &workspace.files[direct.record.file].source;
            let message = format!(
                "`{}` ({}) hashes to {got}, which is not among this line's hashes",
                direct.wanted.filename,
                crate::index::shown_url(&direct.wanted.url)
            );
            Some(Report::new(
                source
                    .error(req.span.clone(), message)
                    .code(crate::diagnostics::Code::DigestMismatch)
                    .label("digest differs")
                    .hint("the file at this URL changed since its hash was written (or the hash is wrong): pip will refuse it; check where the file comes from before replacing the hash"),
            ))
        })
        .collect()
}

/// The direct URL lines the planner writes a hash on (those without one), by file,
/// with their file's digest of `algorithm`.
pub(super) fn for_planner<'a>(
    files: &[DirectFile<'_, 'a>],
    downloaded: &Downloaded,
    algorithm: Algorithm,
) -> HashMap<usize, Vec<Direct<'a>>> {
    let mut by_file: HashMap<usize, Vec<Direct<'a>>> = HashMap::new();
    for direct in files {
        let req: &'a Requirement = direct.record.req;
        if !req.hashes.is_empty() {
            continue;
        }
        if let Some(digest) = downloaded.digest(&direct.wanted.url, algorithm) {
            by_file.entry(direct.record.file).or_default().push(Direct {
                line: direct.record.line,
                req,
                digest,
            });
        }
    }
    by_file
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "8f2c4c1e4f4d3b8c9a6f1d2e3b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b";

    #[test]
    fn a_fragment_publishes_a_sha256() {
        let (url, published) =
            file_url(&format!("https://host/x-1.0-py3-none-any.whl#sha256={H}")).unwrap();
        assert_eq!(url.as_str(), "https://host/x-1.0-py3-none-any.whl");
        assert_eq!(published, Some(H.parse().unwrap()));
        let (_, published) = file_url(&format!(
            "https://host/x.tar.gz#egg=x&sha256={H}&subdirectory=y"
        ))
        .unwrap();
        assert_eq!(published, Some(H.parse().unwrap()));
        let (_, published) = file_url("https://host/x.tar.gz#md5=abc").unwrap();
        assert_eq!(published, None);
    }

    #[test]
    fn a_missing_local_archive_is_reported() {
        let (reason, hint) = file_url("./nowhere/x-1.0-py3-none-any.whl[extra]").unwrap_err();
        assert_eq!(reason, "no file `./nowhere/x-1.0-py3-none-any.whl` to hash");
        assert!(
            hint.contains("relative to the directory it runs in"),
            "{hint}"
        );
        let (reason, _) = file_url("file:///nowhere/x-1.0-py3-none-any.whl").unwrap_err();
        assert!(reason.contains("no file at"), "{reason}");
    }

    #[test]
    fn a_local_archive_becomes_a_file_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x-1.0-py3-none-any.whl");
        std::fs::write(&path, b"zip").unwrap();
        let (url, _) = file_url(&format!("{}[extra]", path.display())).unwrap();
        assert_eq!(url.to_file_path().unwrap(), path);
    }
}
