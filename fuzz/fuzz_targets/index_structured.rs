#![no_main]
//! Index documents built from JSON-shaped values, so the fuzzer reaches the readers'
//! lookups (not only serde's refusals): the JSON API's `info`/`urls`/`releases` and
//! PEP 691's `meta`/`name`/`files`/`versions`, with file names, URLs and digests drawn
//! from the kinds an index sends or a hostile one might. The body is then checked as
//! `hashlock::fuzzing::index_document` does for raw bytes.

use arbitrary::Arbitrary;
use serde_json::{Map, Value, json};

#[derive(Debug, Arbitrary)]
struct Document {
    base: u8,
    info_name: Option<Text>,
    info_version: Option<Text>,
    api_version: Option<Text>,
    /// Files of the version document and of the Simple API document.
    files: Vec<File>,
    /// Releases of the project document.
    releases: Vec<(Text, Vec<File>)>,
    /// PEP 700's `versions`.
    versions: Option<Vec<Text>>,
    /// Replace one field with a value of the wrong type.
    wrong: Option<(u8, Wrong)>,
}

#[derive(Debug, Arbitrary)]
struct File {
    filename: Filename,
    url: Link,
    sha256: Option<Hex>,
    yanked: Option<Yanked>,
    yanked_reason: Option<Text>,
    requires_python: Option<Text>,
}

/// A file name: `name-version.ext` pieces, or any text.
#[derive(Debug, Arbitrary)]
enum Filename {
    Parts {
        name: Name,
        version: Text,
        tail: Option<Text>,
        ext: Ext,
    },
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Name {
    Demo,
    DemoUpper,
    Zope,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Ext {
    Whl,
    TarGz,
    Zip,
    Egg,
    Exe,
    Rpm,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Text {
    Version(u8, u8, Option<u8>),
    Known(u8),
    Raw(String),
}

const VERSIONS: &[&str] = &[
    "1.0",
    "1.0.0",
    "1.0.post1",
    "1!1.0",
    "1.0rc1",
    "2.0.6-1",
    "1.0.1.dev3460",
    "0",
    "",
    "v1.0",
    "1.0+local",
    "1.0-py3-none-any",
    "1.0.win32-py2.4",
    "   ",
    "1.*",
    "== 1.0",
];

#[derive(Debug, Arbitrary)]
enum Link {
    Absolute(Text),
    Relative(u8),
    Raw(String),
}

const LINKS: &[&str] = &[
    "../../packages/ab/demo-1.0.tar.gz",
    "/demo-1.0.whl",
    "demo-1.0.whl",
    "//other.host/x.whl",
    "",
    "#frag",
    "?q=1",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:,x",
    "http://[::1]:80/x",
    "https://exa mple/x",
    "\\\\host\\share\\x",
    "%zz",
    "http://",
];

#[derive(Debug, Arbitrary)]
enum Hex {
    Good([u8; 32], bool),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Yanked {
    Flag(bool),
    Reason(String),
    Null,
}

#[derive(Debug, Arbitrary)]
enum Wrong {
    Null,
    Number(i64),
    Bool(bool),
    Text(String),
    Array,
    Object,
}

impl Text {
    fn value(&self) -> String {
        match self {
            Text::Version(a, b, c) => match c {
                Some(c) => format!("{a}.{b}.{c}"),
                None => format!("{a}.{b}"),
            },
            Text::Known(i) => VERSIONS[usize::from(*i) % VERSIONS.len()].to_owned(),
            Text::Raw(s) => s.clone(),
        }
    }
}

impl Filename {
    fn value(&self) -> String {
        match self {
            Filename::Parts {
                name,
                version,
                tail,
                ext,
            } => {
                let name = match name {
                    Name::Demo => "demo",
                    Name::DemoUpper => "Demo",
                    Name::Zope => "zope.interface",
                    Name::Other(s) => s,
                };
                let ext = match ext {
                    Ext::Whl => "-py3-none-any.whl",
                    Ext::TarGz => ".tar.gz",
                    Ext::Zip => ".zip",
                    Ext::Egg => "-py2.7.egg",
                    Ext::Exe => ".win32.exe",
                    Ext::Rpm => "-1.noarch.rpm",
                    Ext::Other(s) => s,
                };
                let tail = tail
                    .as_ref()
                    .map(|t| format!("-{}", t.value()))
                    .unwrap_or_default();
                format!("{name}-{}{tail}{ext}", version.value())
            }
            Filename::Raw(s) => s.clone(),
        }
    }
}

impl Link {
    fn value(&self, filename: &str) -> String {
        match self {
            Link::Absolute(t) => format!("https://files.example/{}/{filename}", t.value()),
            Link::Relative(i) => LINKS[usize::from(*i) % LINKS.len()].to_owned(),
            Link::Raw(s) => s.clone(),
        }
    }
}

impl Hex {
    fn value(&self) -> String {
        match self {
            Hex::Good(bytes, upper) => {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                if *upper { hex.to_uppercase() } else { hex }
            }
            Hex::Raw(s) => s.clone(),
        }
    }
}

impl Wrong {
    fn value(&self) -> Value {
        match self {
            Wrong::Null => Value::Null,
            Wrong::Number(n) => json!(n),
            Wrong::Bool(b) => json!(b),
            Wrong::Text(s) => json!(s),
            Wrong::Array => json!([]),
            Wrong::Object => json!({}),
        }
    }
}

impl File {
    /// The entry as the JSON API (`json_api`) or PEP 691 (`!json_api`) writes it.
    fn value(&self, json_api: bool) -> Value {
        let filename = self.filename.value();
        let mut entry = Map::new();
        entry.insert("url".into(), json!(self.url.value(&filename)));
        entry.insert("filename".into(), json!(filename));
        if let Some(hex) = &self.sha256 {
            let key = if json_api { "digests" } else { "hashes" };
            entry.insert(key.into(), json!({ "sha256": hex.value(), "md5": "x" }));
        }
        if let Some(yanked) = &self.yanked {
            let value = match yanked {
                Yanked::Flag(b) => json!(b),
                Yanked::Reason(s) => json!(s),
                Yanked::Null => Value::Null,
            };
            entry.insert("yanked".into(), value);
        }
        if let Some(reason) = &self.yanked_reason {
            entry.insert("yanked_reason".into(), json!(reason.value()));
        }
        if let Some(requires) = &self.requires_python {
            let key = if json_api {
                "requires_python"
            } else {
                "requires-python"
            };
            entry.insert(key.into(), json!(requires.value()));
        }
        Value::Object(entry)
    }
}

impl Document {
    /// One body that each reader finds its fields in: `info`/`urls`/`releases` for
    /// the JSON API, `meta`/`name`/`files`/`versions` for PEP 691.
    fn value(&self) -> Value {
        let mut info = Map::new();
        if let Some(name) = &self.info_name {
            info.insert("name".into(), json!(name.value()));
        }
        if let Some(version) = &self.info_version {
            info.insert("version".into(), json!(version.value()));
        }
        let mut releases = Map::new();
        for (version, files) in &self.releases {
            let files: Vec<Value> = files.iter().map(|f| f.value(true)).collect();
            releases.insert(version.value(), Value::Array(files));
        }
        let mut doc = Map::new();
        doc.insert("info".into(), Value::Object(info));
        doc.insert(
            "urls".into(),
            self.files.iter().map(|f| f.value(true)).collect(),
        );
        doc.insert("releases".into(), Value::Object(releases));
        if let Some(api) = &self.api_version {
            doc.insert("meta".into(), json!({ "api-version": api.value() }));
        }
        if let Some(name) = &self.info_name {
            doc.insert("name".into(), json!(name.value()));
        }
        doc.insert(
            "files".into(),
            self.files.iter().map(|f| f.value(false)).collect(),
        );
        if let Some(versions) = &self.versions {
            doc.insert(
                "versions".into(),
                versions.iter().map(|v| json!(v.value())).collect(),
            );
        }
        if let Some((at, wrong)) = &self.wrong {
            let keys: Vec<String> = doc.keys().cloned().collect();
            let key = &keys[usize::from(*at) % keys.len()];
            doc.insert(key.clone(), wrong.value());
        }
        Value::Object(doc)
    }
}

const BASES: &[(&str, &str)] = &[
    ("https://pypi.org/pypi/demo/json", "demo"),
    ("https://mirror.example/simple/demo/", "demo"),
    (
        "http://127.0.0.1:8080/root/pypi/+simple/zope-interface/",
        "zope.interface",
    ),
];

libfuzzer_sys::fuzz_target!(|document: Document| {
    let body = serde_json::to_vec(&document.value()).expect("a JSON value serializes");
    let (base, project) = BASES[usize::from(document.base) % BASES.len()];
    hashlock::fuzzing::index_document(&body, base, project);
});
