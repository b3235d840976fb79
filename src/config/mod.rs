//! hashlock's configuration file: `hashlock.toml`, or the `[tool.hashlock]` table of
//! `pyproject.toml`, giving defaults to the command line's flags and index settings.
//!
//! Precedence, highest first: the command line, its `HASHLOCK_*` variables, the
//! configuration file, then pip's own configuration for the index settings (which
//! also rank below the requirements files' own `-i`/`--extra-index-url` lines, see
//! [`crate::settings`]), then the built-in defaults.
//!
//! Discovery ([`discover`]) walks up from the current directory, as ruff and uv do
//! (not from the requirements file's: one run reads one configuration, whatever
//! files it names): the first directory with a `hashlock.toml`, or a
//! `pyproject.toml` that has a `[tool.hashlock]` table, wins, `hashlock.toml` first;
//! the walk stops after a directory holding `.git`, or at the root. `--config PATH`
//! names the file; `--no-config` (`HASHLOCK_NO_CONFIG=1`) reads none.
//!
//! Keys are the long flags they give a default to ([`keys`]); an unknown key or a
//! value of the wrong type is an error at its line and column, never ignored.

pub(crate) mod args;
pub(crate) mod keys;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Located, Source};
use crate::requirements::Span;
use crate::settings::{ConfigFile, Origin, Sourced};
use keys::{Key, Kind, Layer};

pub use args::Arguments;

/// The configuration file's name.
pub(crate) const FILE_NAME: &str = "hashlock.toml";
const PYPROJECT: &str = "pyproject.toml";

/// A configuration file is small: anything larger is a mistake (a wrong `--config`).
const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// A configuration file that was read and checked.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The file, as found (absolute when discovered).
    pub(crate) path: PathBuf,
    /// Its text, named as messages show it.
    pub(crate) source: Source,
    /// Its settings, in file order.
    pub(crate) values: Vec<Value>,
}

/// One setting of the file.
#[derive(Debug)]
pub(crate) struct Value {
    pub(crate) key: &'static Key,
    pub(crate) item: Item,
    /// The value's span in the file (for lists, of the whole array).
    pub(crate) span: Span,
    /// For lists, each element's span.
    pub(crate) spans: Vec<Span>,
}

/// A value, of the type its key takes. Paths are already relative to the current
/// directory (they are written relative to the file's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    Bool(bool),
    Integer(i64),
    String(String),
    Strings(Vec<String>),
}

impl Item {
    /// The value as the flag would take it on the command line, one per occurrence.
    pub(crate) fn args(&self) -> Vec<String> {
        match self {
            Item::Bool(value) => vec![value.to_string()],
            Item::Integer(value) => vec![value.to_string()],
            Item::String(value) => vec![value.clone()],
            Item::Strings(values) => values.clone(),
        }
    }
}

impl Loaded {
    /// The value of `name`, if the file sets it.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|value| value.key.name == name)
    }

    /// Where a value came from: the file and the line.
    pub(crate) fn origin(&self, span: &Span) -> Origin {
        Origin::Config {
            file: self.source.name.clone(),
            line: self.source.line_of(span.start),
        }
    }

    /// The index settings of the file, for [`crate::settings::indexes`].
    pub(crate) fn index_settings(&self) -> ConfigFile {
        let mut file = ConfigFile::default();
        for value in &self.values {
            if value.key.layer != Layer::Index {
                continue;
            }
            let origin = self.origin(&value.span);
            let one = |value: String| Sourced {
                value,
                origin: origin.clone(),
            };
            let many = |values: &[String], spans: &[Span]| -> Vec<Sourced<String>> {
                values
                    .iter()
                    .zip(spans)
                    .map(|(value, span)| Sourced {
                        value: value.clone(),
                        origin: self.origin(span),
                    })
                    .collect()
            };
            match (value.key.name, &value.item) {
                ("index-url", Item::String(url)) => file.index_url = Some(one(url.clone())),
                ("extra-index-url", Item::Strings(urls)) => {
                    file.extra_index_urls = many(urls, &value.spans);
                }
                ("find-links", Item::Strings(links)) => file.find_links = many(links, &value.spans),
                ("trusted-host", Item::Strings(hosts)) => {
                    file.trusted_hosts = many(hosts, &value.spans);
                }
                ("no-index", Item::Bool(no_index)) => {
                    file.no_index = Some(Sourced {
                        value: *no_index,
                        origin,
                    });
                }
                ("cert", Item::String(path)) => {
                    file.cert = Some(Sourced {
                        value: PathBuf::from(path),
                        origin,
                    });
                }
                _ => {}
            }
        }
        file
    }
}

/// Which configuration file a run reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// Walk up from this directory.
    Discover(PathBuf),
    /// This file (`--config`).
    Explicit(PathBuf),
    /// None (`--no-config`).
    Disabled,
}

/// Why no configuration could be used: the reports to print (exit 2).
pub(crate) type Problems = Vec<miette::Report>;

/// The configuration `choice` names, read and checked (keys and types; the values
/// themselves are checked by their flags' parsers in [`args`]).
pub(crate) fn load(choice: &Choice) -> Result<Option<Loaded>, Problems> {
    match choice {
        Choice::Disabled => Ok(None),
        Choice::Explicit(path) => {
            let text = read(path)?;
            let table = if path.file_name().is_some_and(|name| name == PYPROJECT) {
                Table::Tool
            } else {
                Table::Top
            };
            match parse(path, &shown(path), text, table)? {
                Some(loaded) => Ok(Some(loaded)),
                None => Err(vec![miette::miette!(
                    help = "add a `[tool.hashlock]` table, or name a `hashlock.toml`",
                    "{} has no `[tool.hashlock]` table",
                    path.display()
                )]),
            }
        }
        Choice::Discover(start) => discover(start),
    }
}

/// The first configuration found walking up from `start` (see the module doc).
pub(crate) fn discover(start: &Path) -> Result<Option<Loaded>, Problems> {
    for dir in start.ancestors() {
        let own = dir.join(FILE_NAME);
        if own.is_file() {
            let text = read(&own)?;
            return parse(&own, &shown(&own), text, Table::Top);
        }
        let pyproject = dir.join(PYPROJECT);
        if pyproject.is_file() {
            let text = read(&pyproject)?;
            // Only a file that mentions hashlock is parsed: a broken pyproject.toml
            // of some other tool's is not hashlock's to refuse.
            if text.contains("hashlock")
                && let Some(loaded) = parse(&pyproject, &shown(&pyproject), text, Table::Tool)?
            {
                return Ok(Some(loaded));
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    Ok(None)
}

/// `path` relative to the current directory when it is under it, for messages.
fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    relative
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

fn read(path: &Path) -> Result<String, Problems> {
    let fail = |reason: String| {
        vec![miette::miette!(
            "cannot read the configuration file {}: {reason}",
            path.display()
        )]
    };
    let metadata = std::fs::metadata(path).map_err(|e| fail(crate::workspace::io_reason(&e)))?;
    if !metadata.is_file() {
        return Err(fail("it is not a regular file".to_owned()));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(crate::workspace::io_reason(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(crate::workspace::io_reason(&e)))?;
    if bytes.len() as u64 > MAX_SIZE {
        return Err(fail(format!(
            "it is larger than the {} MiB a configuration file may hold",
            MAX_SIZE >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 (TOML must be)".to_owned()))
}

/// Where the settings are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    /// At the top level (`hashlock.toml`).
    Top,
    /// In `[tool.hashlock]` (`pyproject.toml`).
    Tool,
}

/// Parses `text`, the file at `path`: `None` when it is a `pyproject.toml` without
/// a `[tool.hashlock]` table.
fn parse(path: &Path, name: &str, text: String, table: Table) -> Result<Option<Loaded>, Problems> {
    let source = Source::new(name, Arc::new(text));
    let text = source.text.clone();
    let located = |errors: Vec<Located>| -> Problems {
        errors.into_iter().map(miette::Report::new).collect()
    };
    let document = DeTable::parse(&text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim_end().to_owned();
        located(vec![
            source
                .error(span, format!("{name} is not valid TOML: {message}"))
                .label("here"),
        ])
    })?;
    let settings = match table {
        Table::Top => document.get_ref(),
        Table::Tool => {
            let tool = document.get_ref().get("tool").map(|tool| tool.get_ref());
            match tool.and_then(|tool| tool.as_table()?.get("hashlock")) {
                Some(hashlock) => match hashlock.get_ref() {
                    DeValue::Table(settings) => settings,
                    _ => {
                        let error = source
                            .error(hashlock.span(), "`tool.hashlock` must be a table")
                            .label("not a table")
                            .hint("write the settings under a `[tool.hashlock]` header");
                        return Err(located(vec![error]));
                    }
                },
                None => return Ok(None),
            }
        }
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (key, value) in settings {
        let name = key.get_ref().as_ref();
        let Some(known) = keys::find(name) else {
            errors.push(unknown(&source, name, key.span(), table));
            continue;
        };
        match typed(known, value, dir) {
            Ok((item, spans)) => values.push(Value {
                key: known,
                item,
                span: value.span(),
                spans,
            }),
            Err((span, message)) => errors.push(
                source
                    .error(span, message)
                    .label(format!("expected {}", known.kind.expected())),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(located(errors));
    }
    Ok(Some(Loaded {
        path: path.to_path_buf(),
        source,
        values,
    }))
}

/// The error of an unknown key, with the key it resembles.
fn unknown(source: &Source, name: &str, span: Span, table: Table) -> Located {
    let error = source
        .error(span, format!("unknown key `{name}` in {}", source.name))
        .label("unknown key");
    if name == "tool" && table == Table::Top {
        return error.hint(format!(
            "in {FILE_NAME} the settings are at the top level, without `[tool.hashlock]`"
        ));
    }
    match keys::closest(name) {
        Some(key) => error.hint(format!("did you mean `{}`?", key.name)),
        None => {
            let names: Vec<&str> = keys::KEYS.iter().map(|key| key.name).collect();
            error.hint(format!("the keys are: {}", names.join(", ")))
        }
    }
}

type Mistyped = (Span, String);

/// `value` as `key` takes it, with each list element's span.
fn typed(
    key: &Key,
    value: &toml::Spanned<DeValue<'_>>,
    dir: &Path,
) -> Result<(Item, Vec<Span>), Mistyped> {
    let wrong = |value: &toml::Spanned<DeValue<'_>>| {
        (
            value.span(),
            format!(
                "`{}` takes {}, not {}",
                key.name,
                key.kind.expected(),
                article(value.get_ref().type_str())
            ),
        )
    };
    let item = match (key.kind, value.get_ref()) {
        (Kind::Bool, DeValue::Boolean(value)) => Item::Bool(*value),
        (Kind::Integer, DeValue::Integer(integer)) => {
            let parsed = i64::from_str_radix(integer.as_str(), integer.radix());
            Item::Integer(parsed.map_err(|_| (value.span(), "the integer is too large".into()))?)
        }
        (Kind::String, DeValue::String(text)) => Item::String(text.to_string()),
        (Kind::Path, DeValue::String(text)) => Item::String(relative_to(dir, text)),
        (Kind::Choice(choices), DeValue::String(text)) => {
            if !choices.contains(&text.as_ref()) {
                let quoted: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
                return Err((
                    value.span(),
                    format!(
                        "`{}` is one of {}, not `{text}`",
                        key.name,
                        quoted.join(", ")
                    ),
                ));
            }
            Item::String(text.to_string())
        }
        (Kind::Strings | Kind::Paths, DeValue::Array(array)) => {
            let mut items = Vec::new();
            let mut spans = Vec::new();
            for element in array {
                let DeValue::String(text) = element.get_ref() else {
                    return Err(wrong(element));
                };
                items.push(if key.kind == Kind::Paths {
                    location_relative_to(dir, text)
                } else {
                    text.to_string()
                });
                spans.push(element.span());
            }
            return Ok((Item::Strings(items), spans));
        }
        _ => return Err(wrong(value)),
    };
    Ok((item, vec![value.span()]))
}

/// `a string`, `an integer`, `an array`.
fn article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

/// A path written in the file, relative to the file's directory (`~/` is the home
/// directory).
fn relative_to(dir: &Path, path: &str) -> String {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = std::env::home_dir()
    {
        return home.join(rest).display().to_string();
    }
    dir.join(path).display().to_string()
}

/// A find-links location: a URL as written, a path relative to the file's directory.
fn location_relative_to(dir: &Path, location: &str) -> String {
    match reqwest::Url::parse(location) {
        Ok(url) if url.scheme().len() > 1 => location.to_owned(),
        _ => relative_to(dir, location),
    }
}

#[cfg(test)]
mod tests;
