//! What a requirement points at when it names a URL or a path instead of a version.

use pep508_rs::VersionOrUrl;

use super::{Requirement, Target};

/// The kind of place a URL or path requirement names, as pip would fetch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// `git+`, `hg+`, `svn+`, `bzr+` URLs: a checkout, never a file with a hash.
    Vcs,
    /// An `http(s)://` (or other remote) URL of a file.
    Remote,
    /// A local archive (`.whl`, `.tar.gz`, ...), by path or `file:` URL.
    LocalArchive,
    /// Anything else local: a project directory.
    LocalDirectory,
}

impl Location {
    /// Classifies a URL or path as written.
    pub fn of(location: &str) -> Self {
        let lower = location.to_ascii_lowercase();
        if ["git+", "hg+", "svn+", "bzr+"]
            .iter()
            .any(|vcs| lower.starts_with(vcs))
        {
            return Self::Vcs;
        }
        if lower.contains("://") && !lower.starts_with("file:") {
            return Self::Remote;
        }
        let path = lower.split(['#', '?']).next().unwrap_or_default();
        if crate::dist_filename::is_archive(strip_extras(path)) {
            Self::LocalArchive
        } else {
            Self::LocalDirectory
        }
    }
}

/// pip's `strip_extras`: `^(.+)(\[[^\]]+\])$` without its extras.
pub(crate) fn strip_extras(text: &str) -> &str {
    if let Some(body) = text.strip_suffix(']')
        && let Some(open) = body.rfind('[')
        && open > 0
        && open + 1 < body.len()
        && !body[open + 1..].contains(']')
    {
        return &text[..open];
    }
    text
}

impl Requirement {
    /// The URL or path the requirement names instead of a version (`name @ url`, or
    /// a bare path or URL), as written.
    pub fn location(&self) -> Option<&str> {
        match &self.target {
            Target::Unnamed { location } => Some(location),
            Target::Pep508(parsed) => match &parsed.version_or_url {
                Some(VersionOrUrl::Url(url)) => Some(url.given().unwrap_or(url.as_str())),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Location, strip_extras};

    #[test]
    fn extras_are_stripped_as_pip_strips_them() {
        assert_eq!(
            strip_extras("./pkg-1.0-py3-none-any.whl[a,b]"),
            "./pkg-1.0-py3-none-any.whl"
        );
        assert_eq!(strip_extras("pkg[]"), "pkg[]");
        assert_eq!(strip_extras("[x]"), "[x]");
        assert_eq!(strip_extras("pkg"), "pkg");
    }

    #[test]
    fn locations_are_classified_as_pip_would_fetch_them() {
        assert_eq!(
            Location::of("git+https://github.com/a/b#egg=b"),
            Location::Vcs
        );
        assert_eq!(Location::of("HG+https://host/repo"), Location::Vcs);
        assert_eq!(
            Location::of("https://host/pkg-1.0.tar.gz"),
            Location::Remote
        );
        assert_eq!(
            Location::of("./dist/pkg-1.0-py3-none-any.whl"),
            Location::LocalArchive
        );
        assert_eq!(
            Location::of("file:///tmp/pkg-1.0.zip#sha256=ab"),
            Location::LocalArchive
        );
        assert_eq!(Location::of("./src/pkg"), Location::LocalDirectory);
        assert_eq!(
            Location::of("pkg-1.0-py3-none-any.whl[extra]"),
            Location::LocalArchive
        );
        assert_eq!(
            Location::of("file:///srv/project"),
            Location::LocalDirectory
        );
    }
}
