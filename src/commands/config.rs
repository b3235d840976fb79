//! `hashlock config`: the effective settings, each with where it came from, as
//! text or JSON on stdout, credentials redacted.

use clap::parser::ValueSource;
use serde_json::{Value as Json, json};

use crate::cli::{ConfigArgs, Format};
use crate::config::args::{Configured, command, env_name, find_arg};
use crate::config::keys::{KEYS, Key, Kind, Layer};
use crate::config::{Choice, Item, Loaded};
use crate::exit::{Failure, Outcome};
use crate::settings::{self, Origin, Sourced};

use super::connect::{command_line, pip_conf};

/// One setting as printed: its values (several for a list) and their sources.
struct Shown {
    key: &'static Key,
    values: Vec<(Option<String>, String)>,
}

/// Runs `hashlock config`.
pub(super) fn run(args: &ConfigArgs, configured: &Configured) -> Result<Outcome, Failure> {
    let loaded = configured.loaded.as_deref();
    let var = |name: &str| std::env::var(name).ok();
    let conf = pip_conf(&var)?;
    let indexes =
        settings::indexes(&command_line(&args.index), &[], &var, &conf).map_err(|errors| {
            let reports = errors
                .iter()
                .map(|error| miette::miette!("{error}"))
                .collect::<Vec<_>>();
            Failure::new(Outcome::BadInput, reports)
        })?;
    let command = command();
    let mut shown = Vec::new();
    for key in KEYS {
        let values = match key.layer {
            Layer::Index => index_setting(key, &indexes, args, &conf, &var),
            Layer::Flag => flag_setting(key, configured, loaded, &command, &var),
            Layer::Flags(_) => choice_setting(key, loaded),
            Layer::CacheDir => cache_dir_setting(loaded, &var),
        };
        shown.push(Shown { key, values });
    }
    let file = loaded.map(|loaded| loaded.source.name.clone());
    let text = match args.format {
        Format::Human => human(configured.choice.as_ref(), file.as_deref(), &shown),
        Format::Json => json(
            loaded
                .map(|loaded| loaded.path.display().to_string())
                .as_deref(),
            &shown,
        ),
    };
    crate::output::print_stdout(&crate::redact::text(&text))?;
    Ok(Outcome::Ok)
}

/// How a source reads: `command line`, `env HASHLOCK_X`, `hashlock.toml:3`, the
/// pip configuration file's path, `default`.
fn source(origin: &Origin) -> String {
    match origin {
        Origin::CommandLine => "command line".to_owned(),
        Origin::Environment(var) => format!("env {var}"),
        Origin::Default => "default".to_owned(),
        other => other.to_string(),
    }
}

fn index_setting(
    key: &Key,
    indexes: &settings::Indexes,
    args: &ConfigArgs,
    conf: &settings::pip_conf::PipConf,
    var: &dyn Fn(&str) -> Option<String>,
) -> Vec<(Option<String>, String)> {
    let list = |items: Vec<(String, &Origin)>| -> Vec<(Option<String>, String)> {
        items
            .into_iter()
            .map(|(value, origin)| (Some(value), source(origin)))
            .collect()
    };
    let one = |sourced: Option<&Sourced<String>>| match sourced {
        Some(sourced) => vec![(Some(sourced.value.clone()), source(&sourced.origin))],
        None => vec![(None, "default".to_owned())],
    };
    match key.name {
        "index-url" => match &indexes.index {
            Some(index) => vec![(Some(index.value.to_string()), source(&index.origin))],
            None => vec![(None, "no-index".to_owned())],
        },
        "extra-index-url" => list(
            indexes
                .extra
                .iter()
                .map(|s| (s.value.to_string(), &s.origin))
                .collect(),
        ),
        "find-links" => list(
            indexes
                .find_links
                .iter()
                .map(|s| {
                    let shown = match &s.value {
                        settings::FindLinks::Path(path) => path.display().to_string(),
                        settings::FindLinks::Url(url) => url.to_string(),
                    };
                    (shown, &s.origin)
                })
                .collect(),
        ),
        "trusted-host" => list(
            indexes
                .trusted_hosts
                .iter()
                .map(|s| (s.value.clone(), &s.origin))
                .collect(),
        ),
        "cert" => one(indexes
            .cert
            .as_ref()
            .map(|cert| Sourced {
                value: cert.value.display().to_string(),
                origin: cert.origin.clone(),
            })
            .as_ref()),
        "no-index" => {
            let config = args.index.config.settings.no_index.as_ref();
            let origin = if args.index.no_index {
                Some(Origin::CommandLine)
            } else if let Some(no_index) = config.filter(|no_index| no_index.value) {
                Some(no_index.origin.clone())
            } else if var("PIP_NO_INDEX").is_some_and(|v| settings::truthy(&v)) {
                Some(Origin::Environment("PIP_NO_INDEX"))
            } else {
                conf.get("no-index")
                    .filter(|v| settings::truthy(&v.value))
                    .map(|v| Origin::PipConf(v.file.clone()))
            };
            match origin {
                Some(origin) => vec![(Some("true".to_owned()), source(&origin))],
                None => vec![(Some("false".to_owned()), "default".to_owned())],
            }
        }
        _ => Vec::new(),
    }
}

/// A flag's value: as this command parsed it when `config` has the flag, else the
/// variable, the file or the flag's default.
fn flag_setting(
    key: &Key,
    configured: &Configured,
    loaded: Option<&Loaded>,
    command: &clap::Command,
    var: &dyn Fn(&str) -> Option<String>,
) -> Vec<(Option<String>, String)> {
    let env = env_name(key);
    let from_file = || {
        loaded.and_then(|loaded| {
            let value = loaded.get(key.name)?;
            let origin = loaded.origin(&value.span);
            Some(vec![(
                value.item.args().into_iter().next(),
                source(&origin),
            )])
        })
    };
    if let Some(flag) = configured.flags.iter().find(|flag| flag.key == key.name) {
        let value = flag.values.first().cloned();
        return match flag.source {
            ValueSource::CommandLine => vec![(value, "command line".to_owned())],
            ValueSource::EnvVariable => vec![(value, format!("env {env}"))],
            _ => from_file().unwrap_or_else(|| vec![(value, "default".to_owned())]),
        };
    }
    if let Some(value) = var(&env).filter(|value| !value.is_empty()) {
        return vec![(Some(value), format!("env {env}"))];
    }
    if let Some(values) = from_file() {
        return values;
    }
    let default = find_arg(command, key.name)
        .and_then(|arg| arg.get_default_values().first())
        .map(|value| value.to_string_lossy().into_owned())
        .or_else(|| (key.kind == Kind::Bool).then(|| "false".to_owned()));
    vec![(default, "default".to_owned())]
}

/// `peep`: the file's choice, or `off`.
fn choice_setting(key: &Key, loaded: Option<&Loaded>) -> Vec<(Option<String>, String)> {
    match loaded.and_then(|loaded| Some((loaded, loaded.get(key.name)?))) {
        Some((loaded, value)) => {
            let origin = loaded.origin(&value.span);
            vec![(value.item.args().into_iter().next(), source(&origin))]
        }
        None => vec![(Some("off".to_owned()), "default".to_owned())],
    }
}

fn cache_dir_setting(
    loaded: Option<&Loaded>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Vec<(Option<String>, String)> {
    if let Some(dir) = var("HASHLOCK_CACHE_DIR").filter(|dir| !dir.is_empty()) {
        return vec![(Some(dir), "env HASHLOCK_CACHE_DIR".to_owned())];
    }
    if let Some(loaded) = loaded
        && let Some(value) = loaded.get("cache-dir")
        && let Item::String(dir) = &value.item
    {
        return vec![(Some(dir.clone()), source(&loaded.origin(&value.span)))];
    }
    let dir = crate::log::cache_dir().map(|dir| dir.display().to_string());
    vec![(dir, "default".to_owned())]
}

/// `key = value  (source)`, one line per value of a list.
fn human(choice: Option<&Choice>, file: Option<&str>, shown: &[Shown]) -> String {
    let mut out = match (file, choice) {
        (Some(file), _) => format!("configuration file: {file}\n"),
        (None, Some(Choice::Disabled)) => "configuration file: none (--no-config)\n".to_owned(),
        (None, Some(Choice::Discover(dir))) => {
            format!("configuration file: none found from {}\n", dir.display())
        }
        (None, _) => "configuration file: none\n".to_owned(),
    };
    let width = KEYS.iter().map(|key| key.name.len()).max().unwrap_or(0);
    for setting in shown {
        if setting.values.is_empty() {
            out.push_str(&format!(
                "{:width$} = (none)  (default)\n",
                setting.key.name
            ));
        }
        for (value, source) in &setting.values {
            let value = value.as_deref().unwrap_or("(none)");
            out.push_str(&format!(
                "{:width$} = {value}  ({source})\n",
                setting.key.name
            ));
        }
    }
    out
}

/// `{"config_file": ..., "settings": [{"key", "value", "source"}, ...]}`; a list's
/// setting has `values`: `[{"value", "source"}]`.
fn json(file: Option<&str>, shown: &[Shown]) -> String {
    let settings: Vec<Json> = shown
        .iter()
        .map(|setting| {
            let typed = |value: &Option<String>| typed(setting.key, value.as_deref());
            if setting.key.kind.is_list() {
                let values: Vec<Json> = setting
                    .values
                    .iter()
                    .map(|(value, source)| json!({"value": typed(value), "source": source}))
                    .collect();
                json!({"key": setting.key.name, "values": values})
            } else {
                let (value, source) = setting
                    .values
                    .first()
                    .cloned()
                    .unwrap_or((None, "default".to_owned()));
                json!({"key": setting.key.name, "value": typed(&value), "source": source})
            }
        })
        .collect();
    let document = json!({"config_file": file, "settings": settings});
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// A value in JSON as the key types it: booleans and integers as such.
fn typed(key: &Key, value: Option<&str>) -> Json {
    let Some(value) = value else {
        return Json::Null;
    };
    match key.kind {
        Kind::Bool => Json::Bool(settings::truthy(value)),
        Kind::Integer => value
            .parse::<i64>()
            .map_or_else(|_| Json::String(value.to_owned()), Json::from),
        _ => Json::String(value.to_owned()),
    }
}
