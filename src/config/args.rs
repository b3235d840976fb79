//! The configuration file applied to the command line.
//!
//! The command line is parsed twice: once as typed (for `--config`, `--no-config`,
//! `--color`, and to know which flags were given), then, when the configuration
//! sets flags, again with the file's values as the flags' defaults. A default loses
//! to the flag and to its `HASHLOCK_*` variable (clap's own ranking, which also
//! says where each value came from), and goes through the flag's own value parser.
//! A file's value is dropped for a flag that conflicts with one that was given
//! (`peep = "only"` with `--peep`), as the file only fills in what the command line
//! left open.

use std::ffi::OsString;
use std::sync::Arc;

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command, CommandFactory, FromArgMatches};

use super::keys::{KEYS, Key, Kind, Layer};
use super::{Choice, Item, Loaded};
use crate::cli::{Cli, Color};
use crate::diagnostics::Located;
use crate::exit::{Failure, Outcome};
use crate::settings::ConfigFile;

/// The configuration a run read, for `hashlock config` and `-v`.
#[derive(Debug, Default)]
pub(crate) struct Configured {
    /// Where the configuration was looked for (`None`: not looked for).
    pub(crate) choice: Option<Choice>,
    pub(crate) loaded: Option<Arc<Loaded>>,
    /// For each flag key the running subcommand has: where its value came from and
    /// the value, as given.
    pub(crate) flags: Vec<FlagValue>,
}

/// A flag's value in this run.
#[derive(Debug, Clone)]
pub(crate) struct FlagValue {
    pub(crate) key: &'static str,
    pub(crate) source: ValueSource,
    pub(crate) values: Vec<String>,
}

/// The configuration's index settings, carried by [`crate::cli::IndexArgs`].
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexLayer {
    pub(crate) settings: ConfigFile,
    /// The configuration file as shown, when one was read.
    pub(crate) file: Option<String>,
    /// `--index-url` came from `HASHLOCK_INDEX_URL`.
    pub(crate) index_url_from_env: bool,
}

/// The subcommands that read no settings: no configuration is looked for.
const UNCONFIGURED: [&str; 3] = ["hash", "completions", "man"];

/// The command line, parsed as typed; [`Arguments::configure`] applies the
/// configuration file.
pub struct Arguments {
    args: Vec<OsString>,
    matches: ArgMatches,
    cli: Cli,
}

impl Arguments {
    /// Parses the command line (its first item is the program's name).
    pub fn parse<I, T>(args: I) -> Result<Arguments, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let matches = command().try_get_matches_from(&args)?;
        let cli = Cli::from_arg_matches(&matches)?;
        Ok(Arguments { args, matches, cli })
    }

    /// `--color`, to report what [`Arguments::configure`] finds wrong.
    pub fn color(&self) -> Color {
        self.cli.color
    }

    /// Reads the configuration file and parses the command line again with its
    /// values as defaults. A bad file is bad input (exit 2).
    pub fn configure(self) -> Result<Cli, Failure> {
        let Some((name, given)) = self
            .matches
            .subcommand()
            .map(|(name, given)| (name.to_owned(), given.clone()))
        else {
            return Ok(self.cli);
        };
        let name = name.as_str();
        if UNCONFIGURED.contains(&name) {
            return Ok(self.cli);
        }
        let bad = |reports| Failure::new(Outcome::BadInput, reports);
        let choice = if self.cli.no_config {
            Choice::Disabled
        } else if let Some(path) = &self.cli.config {
            Choice::Explicit(path.clone())
        } else {
            let cwd = std::env::current_dir().map_err(|error| {
                bad(vec![miette::miette!(
                    "cannot read the current directory to look for {}: {error}",
                    super::FILE_NAME
                )])
            })?;
            Choice::Discover(cwd)
        };
        let loaded = super::load(&choice).map_err(bad)?;
        let base = command();
        let (mut cli, matches) = match &loaded {
            Some(loaded) => {
                let errors = check(&base, loaded);
                if !errors.is_empty() {
                    return Err(bad(errors.into_iter().map(miette::Report::new).collect()));
                }
                let command = with_defaults(base, name, loaded, &given);
                let matches = command.try_get_matches_from(&self.args).map_err(|error| {
                    let text = error.render().to_string();
                    bad(vec![miette::miette!("{}", text.trim_end())])
                })?;
                let cli = Cli::from_arg_matches(&matches)
                    .map_err(|error| bad(vec![miette::miette!("{error}")]))?;
                (cli, matches)
            }
            None => (self.cli, self.matches),
        };
        let loaded = loaded.map(Arc::new);
        if let Some(dir) = loaded
            .as_ref()
            .and_then(|loaded| loaded.get("cache-dir"))
            .and_then(|value| match &value.item {
                Item::String(dir) => Some(dir.clone()),
                _ => None,
            })
        {
            crate::log::configure_cache_dir(dir.into());
        }
        let given = matches
            .subcommand_matches(name)
            .expect("the same subcommand");
        let layer = IndexLayer {
            settings: loaded
                .as_ref()
                .map(|loaded| loaded.index_settings())
                .unwrap_or_default(),
            file: loaded.as_ref().map(|loaded| loaded.source.name.clone()),
            index_url_from_env: has_arg(given, "index_url")
                && given.value_source("index_url") == Some(ValueSource::EnvVariable),
        };
        if let Some(index) = cli.command.index_args() {
            index.config = layer;
        }
        cli.configured = Configured {
            choice: Some(choice),
            loaded,
            flags: flag_values(&command(), name, given),
        };
        Ok(cli)
    }
}

/// hashlock's command: [`Cli`] with a `HASHLOCK_*` variable for each flag a key
/// names (`HASHLOCK_CONCURRENCY` for `--concurrency`), which the configuration file
/// ranks below.
pub(crate) fn command() -> Command {
    let mut command = Cli::command();
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |mut sub| {
            for key in KEYS.iter().filter(|key| key.layer == Layer::Flag) {
                let Some(id) = sub
                    .get_arguments()
                    .find(|arg| arg.get_long() == Some(key.name) && arg.get_env().is_none())
                    .map(|arg| arg.get_id().clone())
                else {
                    continue;
                };
                let bool = key.kind == Kind::Bool;
                sub = sub.mut_arg(id, |arg| {
                    let arg = arg.env(env_name(key));
                    // `HASHLOCK_DOWNLOAD=1` as well as `=true`, as for HASHLOCK_STRICT.
                    if bool {
                        arg.value_parser(clap::builder::BoolishValueParser::new())
                    } else {
                        arg
                    }
                });
            }
            sub
        });
    }
    command
}

/// `HASHLOCK_MIN_AGE` for `min-age`.
pub(crate) fn env_name(key: &Key) -> String {
    format!(
        "HASHLOCK_{}",
        key.name.replace('-', "_").to_ascii_uppercase()
    )
}

/// The first argument named `--long` in any subcommand, and its subcommand.
pub(crate) fn find_arg<'a>(command: &'a Command, long: &str) -> Option<&'a Arg> {
    command
        .get_subcommands()
        .flat_map(Command::get_arguments)
        .find(|arg| arg.get_long() == Some(long))
}

/// Each value of the file that its flag's parser refuses, at the value.
fn check(command: &Command, loaded: &Loaded) -> Vec<Located> {
    let mut errors = Vec::new();
    for value in &loaded.values {
        if !matches!(value.key.layer, Layer::Flag | Layer::Index) || value.key.kind == Kind::Bool {
            continue;
        }
        let Some(arg) = find_arg(command, value.key.name) else {
            continue;
        };
        for (text, span) in value.item.args().iter().zip(&value.spans) {
            let probe = Command::new("hashlock").no_binary_name(true).arg(
                Arg::new("value")
                    .long("value")
                    .action(ArgAction::Set)
                    .value_parser(arg.get_value_parser().clone()),
            );
            if let Err(error) = probe.try_get_matches_from([format!("--value={text}")]) {
                let written = &loaded.source.text[span.clone()];
                errors.push(
                    loaded
                        .source
                        .error(
                            span.clone(),
                            format!(
                                "{written} is not a valid `{}`: {}",
                                value.key.name,
                                reason(&error)
                            ),
                        )
                        .label("invalid value")
                        .hint(format!(
                            "the value is read as `--{}` reads it",
                            value.key.name
                        )),
                );
            }
        }
    }
    errors
}

/// Why a value parser refused a value, without clap's framing.
fn reason(error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    if let Some(source) = std::error::Error::source(error) {
        return source.to_string();
    }
    if let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue) {
        let quoted: Vec<String> = valid.iter().map(|value| format!("`{value}`")).collect();
        return format!("expected one of {}", quoted.join(", "));
    }
    let text = error.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.trim_start_matches("error: ").to_owned()
}

/// `command` with the file's flag values as defaults of subcommand `name`'s flags,
/// but for flags that conflict with one `given` names.
fn with_defaults(command: Command, name: &str, loaded: &Loaded, given: &ArgMatches) -> Command {
    let Some(sub) = command.find_subcommand(name) else {
        return command;
    };
    let mut defaults = Vec::new();
    for value in &loaded.values {
        let flag: Option<(&str, Vec<String>)> = match (value.key.layer, &value.item) {
            // A list (`python-version = ["3.11", "3.12"]`) is the flag given once per item.
            (Layer::Flag, item) => {
                let all = item.args();
                (!all.is_empty()).then_some((value.key.name, all))
            }
            (Layer::Flags(flags), Item::String(choice)) => {
                let Kind::Choice(choices) = value.key.kind else {
                    continue;
                };
                choices
                    .iter()
                    .position(|known| known == choice)
                    .and_then(|at| flags.get(at).copied().flatten())
                    .map(|flag| (flag, vec!["true".to_owned()]))
            }
            _ => None,
        };
        let Some((long, default)) = flag else {
            continue;
        };
        let Some(arg) = sub.get_arguments().find(|arg| arg.get_long() == Some(long)) else {
            continue;
        };
        if !conflicts_with_given(sub, arg, given) {
            defaults.push((arg.get_id().clone(), default));
        }
    }
    command.mut_subcommand(name, |mut sub| {
        for (id, default) in defaults {
            sub = sub.mut_arg(id, |arg| arg.default_values(default));
        }
        sub
    })
}

/// `arg` conflicts (either way) with an argument given on the command line or by
/// its variable.
fn conflicts_with_given(sub: &Command, arg: &Arg, given: &ArgMatches) -> bool {
    let named = |other: &Arg| {
        let id = other.get_id().as_str();
        has_arg(given, id)
            && given
                .value_source(id)
                .is_some_and(|source| source != ValueSource::DefaultValue)
    };
    let of_arg = sub.get_arg_conflicts_with(arg);
    sub.get_arguments()
        .filter(|other| named(other))
        .any(|other| {
            of_arg.iter().any(|c| c.get_id() == other.get_id())
                || sub
                    .get_arg_conflicts_with(other)
                    .iter()
                    .any(|c| c.get_id() == arg.get_id())
        })
}

/// `matches` knows the argument `id` (asking for an unknown one panics in debug
/// builds).
fn has_arg(matches: &ArgMatches, id: &str) -> bool {
    matches.ids().any(|known| known.as_str() == id)
}

/// Where each flag key's value came from in subcommand `name`.
fn flag_values(command: &Command, name: &str, given: &ArgMatches) -> Vec<FlagValue> {
    let Some(sub) = command.find_subcommand(name) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for key in KEYS.iter().filter(|key| key.layer == Layer::Flag) {
        let Some(arg) = sub
            .get_arguments()
            .find(|arg| arg.get_long() == Some(key.name))
        else {
            continue;
        };
        let id = arg.get_id().as_str();
        if !has_arg(given, id) {
            continue;
        }
        let Some(source) = given.value_source(id) else {
            continue;
        };
        let raw = given
            .get_raw(id)
            .map(|raw| {
                raw.map(|value| value.to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        values.push(FlagValue {
            key: key.name,
            source,
            values: raw,
        });
    }
    values
}
