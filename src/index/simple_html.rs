//! The Simple API's HTML form (PEP 503, with PEP 592's `data-yanked` and PEP 503's
//! `data-requires-python`), and `--find-links` pages, which are the same markup:
//! one `<a href>` per file.
//!
//! pip reads every `<a>` of the page (`pip._internal.index.collector`): the file name
//! is the last path segment of the link (percent-decoded), the hash is the URL's
//! fragment (`#sha256=...`, or another algorithm), relative links resolve against a
//! `<base href>` if the page has one, else against the page's URL. Attribute values
//! are HTML: entities (`&amp;`, `&#43;`, `&gt;=`) are decoded.

use reqwest::Url;

use super::IndexError;

/// One link of a page, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Link {
    pub filename: String,
    /// The link resolved against the page (fragment and all).
    pub url: Url,
    /// The `#<algorithm>=<hex>` of the link, when it has one: `("sha256", "ab...")`.
    pub hash: Option<(String, String)>,
    pub requires_python: Option<String>,
    /// `Some(reason)` when `data-yanked` is present (the reason may be empty).
    pub yanked: Option<String>,
    /// `data-core-metadata` (or PEP 658's `data-dist-info-metadata`) is present and
    /// not `false`.
    pub core_metadata: bool,
    /// `data-provenance` (PEP 740).
    pub provenance: Option<String>,
}

/// A start tag's name (lowercase) and attributes (entities decoded).
struct Tag {
    name: Vec<u8>,
    attributes: std::collections::BTreeMap<Vec<u8>, String>,
}

impl Tag {
    fn attribute(&self, name: &str) -> Option<String> {
        self.attributes.get(name.as_bytes()).cloned()
    }
}

/// Every start tag of the page, read by a WHATWG tokenizer: any quoting, any case,
/// entities decoded, as browsers and pip's `html.parser` read them.
fn start_tags(text: &str) -> Vec<Tag> {
    html5gum::Tokenizer::new(text)
        .flatten()
        .filter_map(|token| match token {
            html5gum::Token::StartTag(tag) => Some(Tag {
                name: tag.name.to_vec(),
                attributes: tag
                    .attributes
                    .iter()
                    .map(|(key, value)| (key.to_vec(), String::from_utf8_lossy(value).into_owned()))
                    .collect(),
            }),
            _ => None,
        })
        .collect()
}

/// Every link of a page whose href names a file.
pub(super) fn links(text: &str, page: &Url) -> Result<Vec<Link>, IndexError> {
    let decode_error = |message: String| IndexError::Decode {
        url: page.to_string(),
        message,
    };
    let tags = start_tags(text);
    // A `<base>` counts only before the first link (the HTML rule pip follows too).
    let base = tags
        .iter()
        .take_while(|tag| tag.name != b"a")
        .find(|tag| tag.name == b"base")
        .and_then(|tag| tag.attribute("href"))
        .and_then(|href| page.join(&href).ok())
        .unwrap_or_else(|| page.clone());
    let mut links = Vec::new();
    for tag in tags.iter().filter(|tag| tag.name == b"a") {
        let Some(href) = tag.attribute("href").filter(|href| !href.trim().is_empty()) else {
            continue;
        };
        let url = base
            .join(href.trim())
            .map_err(|error| decode_error(format!("a link has a bad URL {href:?}: {error}")))?;
        let Some(filename) = filename(&url) else {
            continue;
        };
        let hash = url.fragment().and_then(|fragment| {
            let (algorithm, hex) = fragment.split_once('=')?;
            Some((algorithm.to_ascii_lowercase(), hex.to_owned()))
        });
        links.push(Link {
            filename,
            hash,
            requires_python: tag
                .attribute("data-requires-python")
                .filter(|value| !value.trim().is_empty()),
            // Present, even without a value: yanked (the value is the reason).
            yanked: tag.attribute("data-yanked"),
            core_metadata: tag
                .attribute("data-core-metadata")
                .or_else(|| tag.attribute("data-dist-info-metadata"))
                .is_some_and(|value| value != "false"),
            provenance: tag.attribute("data-provenance").filter(|v| !v.is_empty()),
            url,
        });
    }
    Ok(links)
}

/// The project's status from a page's `<meta name="pypi:project-status">` (and
/// `pypi:project-status-reason`), PEP 792's HTML form.
pub(super) fn project_status(text: &str) -> Option<super::ProjectStatus> {
    let tags = start_tags(text);
    let meta = |name: &str| {
        tags.iter()
            .filter(|tag| tag.name == b"meta")
            .find(|tag| tag.attribute("name").as_deref() == Some(name))
            .and_then(|tag| tag.attribute("content"))
    };
    Some(super::ProjectStatus {
        status: meta("pypi:project-status")?,
        reason: meta("pypi:project-status-reason").filter(|r| !r.is_empty()),
    })
}

/// The file name a link points at: its last path segment, percent-decoded.
fn filename(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    if last.is_empty() {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(last)
        .decode_utf8()
        .ok()?;
    Some(decoded.into_owned())
}

/// Whether a page's `Content-Type` is HTML (what an index without PEP 691 JSON sends).
pub(super) fn is_html(content_type: Option<&str>) -> bool {
    let essence = content_type
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    matches!(
        essence.as_deref(),
        Some("text/html" | "application/vnd.pypi.simple.v1+html" | "application/xhtml+xml") | None
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "6088930bfe239f0e6710546ab9c19c9ef35e29792895fed6e6e31a023a182a61";

    fn page() -> Url {
        Url::parse("https://host.example/artifactory/api/pypi/pypi/simple/jinja2/").unwrap()
    }

    #[test]
    fn relative_and_absolute_links_with_their_hashes() {
        let text = format!(
            r#"<!DOCTYPE html><html><body><h1>Links for jinja2</h1>
            <a href="../../packages/Jinja2-3.1.2-py3-none-any.whl#sha256={SHA}" data-requires-python="&gt;=3.7">Jinja2-3.1.2-py3-none-any.whl</a><br/>
            <a href='https://files.example/p/Jinja2-3.1.2.tar.gz#md5=0123456789abcdef0123456789abcdef'>Jinja2-3.1.2.tar.gz</a>
            <a href=/abs/Jinja2-3.1.1.tar.gz data-yanked>x</a>
            <a href="/abs/Jinja2-3.1.0.tar.gz" data-yanked="broken &amp; withdrawn">y</a>
            <a>no href</a><a href="">empty</a>
            </body></html>"#
        );
        let links = links(&text, &page()).unwrap();
        assert_eq!(links.len(), 4);
        assert_eq!(links[0].filename, "Jinja2-3.1.2-py3-none-any.whl");
        assert_eq!(
            links[0].url.as_str(),
            format!(
                "https://host.example/artifactory/api/pypi/pypi/packages/Jinja2-3.1.2-py3-none-any.whl#sha256={SHA}"
            )
        );
        assert_eq!(links[0].hash, Some(("sha256".into(), SHA.into())));
        assert_eq!(links[0].requires_python.as_deref(), Some(">=3.7"));
        assert_eq!(links[1].hash.as_ref().map(|h| h.0.as_str()), Some("md5"));
        assert_eq!(links[2].yanked.as_deref(), Some(""));
        assert_eq!(
            links[2].url.as_str(),
            "https://host.example/abs/Jinja2-3.1.1.tar.gz"
        );
        assert_eq!(links[3].yanked.as_deref(), Some("broken & withdrawn"));
    }

    #[test]
    fn entities_and_percent_escapes_in_file_names() {
        let text = format!(
            r#"<a href="/whl/Jinja2-3.1.2&#43;233fca715f49-py3-none-any.whl#sha256={SHA}">x</a>
               <a href="/whl/pkg%2B1-1.0.tar.gz">y</a>"#
        );
        let links = links(&text, &page()).unwrap();
        assert_eq!(
            links[0].filename,
            "Jinja2-3.1.2+233fca715f49-py3-none-any.whl"
        );
        assert_eq!(links[1].filename, "pkg+1-1.0.tar.gz");
    }

    #[test]
    fn a_base_tag_before_the_links_sets_where_they_resolve() {
        let text = r#"<html><head><base href="https://mirror.example/root/"></head>
            <body><a href="pkg-1.0.tar.gz">pkg</a></body></html>"#;
        let links = links(text, &page()).unwrap();
        assert_eq!(
            links[0].url.as_str(),
            "https://mirror.example/root/pkg-1.0.tar.gz"
        );
    }

    #[test]
    fn odd_markup_still_reads() {
        let text = "<A HREF=\"pkg-1.0.tar.gz#SHA256=AB\">pkg</A><a href = 'pkg-2.0.zip' >z</a>\
                    <a href=pkg-3.0.zip data-yanked>y</a><!-- <a href=commented-1.0.zip> -->";
        let links = links(text, &page()).unwrap();
        let names: Vec<&str> = links.iter().map(|l| l.filename.as_str()).collect();
        assert_eq!(names, ["pkg-1.0.tar.gz", "pkg-2.0.zip", "pkg-3.0.zip"]);
        assert_eq!(links[0].hash, Some(("sha256".into(), "AB".into())));
        assert_eq!(links[2].yanked.as_deref(), Some(""));
    }

    #[test]
    fn status_and_metadata_attributes() {
        let text = r#"<html><head><meta name="pypi:repository-version" content="1.4">
            <meta name="pypi:project-status" content="quarantined">
            <meta name="pypi:project-status-reason" content="malware"></head>
            <body><a href="/p/pkg-1.0-py3-none-any.whl" data-dist-info-metadata="sha256=ab"
               data-provenance="/p/pkg-1.0-py3-none-any.whl.provenance">pkg</a>
            <a href="/p/pkg-1.0.tar.gz" data-core-metadata="false">pkg</a></body></html>"#;
        let status = project_status(text).unwrap();
        assert_eq!(
            (status.status.as_str(), status.reason.as_deref()),
            ("quarantined", Some("malware"))
        );
        let links = links(text, &page()).unwrap();
        assert!(links[0].core_metadata && !links[1].core_metadata);
        assert_eq!(
            links[0].provenance.as_deref(),
            Some("/p/pkg-1.0-py3-none-any.whl.provenance")
        );
        assert_eq!(project_status("<a href=x>"), None);
    }

    #[test]
    fn html_content_types() {
        assert!(is_html(Some("text/html; charset=utf-8")));
        assert!(is_html(Some("application/vnd.pypi.simple.v1+html")));
        assert!(is_html(None));
        assert!(!is_html(Some("application/vnd.pypi.simple.v1+json")));
    }
}
