//! hashlock: pin every Python requirement to the sha256 of every file the index
//! publishes for it, so `pip install --require-hashes` refuses anything else.
//!
//! Data flows one way, one module per step; the typed values between steps are
//! [`digest::Sha256`], [`pin::Pin`], [`workspace::Record`] and [`index::Release`].
//!
//! | module | owns |
//! | --- | --- |
//! | [`cli`] | the clap definitions, nothing else |
//! | [`color`] | whether error reports are coloured (`--color`, `NO_COLOR`, ...) |
//! | [`config`] | `hashlock.toml` / `[tool.hashlock]`: discovery, keys, defaults of the flags |
//! | [`exit`] | the outcome of a run and its exit code |
//! | [`diagnostics`] | the one located diagnostic, its severity and finding codes |
//! | [`requirements`] | the lossless model of a requirements file and its parser |
//! | [`workspace`] | the include graph: every file with its role, requirements as records |
//! | [`pin`] | the one rule for what a requirement pins |
//! | [`dist_filename`] | distribution file names: archive kinds, the version a name states |
//! | [`digest`] | hash algorithms, typed digests, streaming hashers |
//! | [`index`] | asking an index: one module per protocol, one client that chooses |
//! | [`cache`] | what indexes answered, on disk: freshness, `--offline`, bounds |
//! | [`targets`] | where files will be installed: compatible tags, markers, the default interpreter |
//! | [`peep`] | peep's comment format: codec and block finder |
//! | [`rewrite`] | line edits, pip-compile's layout, peep lines |
//! | [`lock`] | the `lock` planner (pure) |
//! | [`log`] | the first-seen log: records, hash chain, the two copies |
//! | [`migrate`] | the `migrate` planner (pure) |
//! | [`verify`] | the `verify` checks (pure) and their rendering |
//! | [`completeness`] | every dependency pinned, per target; which files a target keeps |
//! | [`resolve`] | choosing versions for missing dependencies (pubgrub, pip's rules) |
//! | [`output`] | atomic writes, diffs, `--check`, `-o`, the stdout writer |
//! | [`report`] | progress and summaries on stderr |
//! | [`commands`] | one module per subcommand: wiring only |

pub(crate) mod cache;
pub mod cli;
pub mod color;
pub mod commands;
pub(crate) mod completeness;
pub(crate) mod config;
pub(crate) mod diagnostics;
pub mod digest;
pub(crate) mod dist_filename;
pub mod exit;
#[doc(hidden)]
pub mod fuzzing;
pub mod index;
pub(crate) mod lock;
pub(crate) mod log;
pub(crate) mod migrate;
pub(crate) mod output;
pub(crate) mod peep;
pub mod pin;
pub(crate) mod redact;
pub(crate) mod report;
pub mod requirements;
pub(crate) mod resolve;
pub(crate) mod rewrite;
pub(crate) mod settings;
pub(crate) mod targets;
pub(crate) mod verify;
pub(crate) mod workspace;

pub use config::Arguments;

/// `text` with the credentials of every URL in it redacted, for the binary's own
/// messages (see the `redact` module).
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    redact::text(text)
}
