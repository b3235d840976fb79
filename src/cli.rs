//! Command-line definitions (clap derive). Each `///` comment is the option's help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use reqwest::Url;

pub use crate::digest::Algorithm;
use crate::targets::{Implementation, Platform, PythonVersion};

/// Downloads at once by default. Hashing keeps 2 cores busy only if the sockets
/// always hold bytes to hash: the 46-pin freeze's 809 files (763 MiB) took 1.17 s at
/// 8, 1.14 s at 12, 1.10 s at 16, 1.06 s at 24 (but 57 MiB peak, not 47) and 1.09 s
/// at 32 (parallel curl: 1.1-1.2 s). uv downloads 50 at once.
pub const DOWNLOAD_CONCURRENCY: u16 = 16;

/// Make Python installs tamper-proof: pin every requirement to the sha256 of every file
/// the index publishes for it, for `pip install --require-hashes`.
#[derive(Debug, Parser)]
#[command(name = "hashlock", version, about, after_help = GENERAL_EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour error reports: `auto` colours them on a terminal unless
    /// `NO_COLOR` is set, or off a terminal when `FORCE_COLOR` or `CLICOLOR_FORCE` is.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,

    /// Read the settings of this `hashlock.toml` (or `pyproject.toml`'s
    /// `[tool.hashlock]`) instead of the one found walking up from the current
    /// directory.
    #[arg(long, global = true, env = "HASHLOCK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read no configuration file (wins over `--config`).
    #[arg(long, global = true, env = "HASHLOCK_NO_CONFIG", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_config: bool,

    /// The configuration file read, filled in after parsing.
    #[arg(skip)]
    pub(crate) configured: crate::config::args::Configured,
}

/// When to colour error reports (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

const GENERAL_EXIT_CODES: &str = "\
Exit codes (each command's --help says more):
  0  done, or no problem found
  1  a check failed: a file would change, or verify found a problem
  2  bad input or usage
  3  index or network failure (nothing was written, never reported as clean)
  130, 143  stopped by SIGINT (Ctrl-C) or SIGTERM; files are all written or untouched";

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  `--check` found a file to change, a requirement is not pinned, a line's
     hashes are not all published for its version, or a downloaded file does not
     hash to what is published for it (nothing was written)
  2  bad input or usage: unreadable file, syntax pip would reject or misread,
     include cycle, unknown package or version, a missing local archive
  3  index or network failure, or `--strict` and a file the index publishes no
     sha256 for (nothing was written)";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add `--hash=sha256:...` for every file of every pinned version, in place.
    ///
    /// A requirement that is not pinned (`>=`, `~=`, `!=`, a wildcard, a bare name)
    /// is pinned first, to the newest version the files allow for the targets (pip's
    /// rules: no pre-release, yanked release or release without a file for the
    /// targets); `--upgrade` and `-P` move pins. A direct URL or local archive is
    /// downloaded (or read) and hashed. Files named by `-r` are
    /// locked too; `-c` files are read, never modified. Files the index publishes no
    /// sha256 for are downloaded and hashed (`--strict` refuses them). Nothing is
    /// written until every lookup and download succeeded, and then each file is
    /// replaced atomically.
    #[command(after_help = EXIT_CODES)]
    Lock(LockArgs),

    /// Check that every requirement is pinned and hashed, and that every hash is one the
    /// index publishes for exactly that version (the CI gate).
    ///
    /// Offline checks find what pip would refuse or silently skip: unpinned or unhashed
    /// requirements, editables and VCS URLs, bad hashes, continuation traps, peep
    /// comments. Online checks (the default) ask the index about every hash.
    #[command(after_help = VERIFY_EXIT_CODES)]
    Verify(VerifyArgs),

    /// Add requirements to a file (or move the ones it has), pinned and hashed.
    ///
    /// Each NAME[SPEC] gets the newest version SPEC and the files allow (as `lock`
    /// chooses), with its hashes: a new line (in name order when the file's lines
    /// are sorted, else at the end), or the line that already names it (in the file
    /// or one it includes), rewritten in place. Nothing else changes. Running it
    /// again changes nothing: one package at a time is how a bot should call it.
    #[command(after_help = EXIT_CODES)]
    Add(AddArgs),

    /// Turn legacy peep `# sha256:` comments into pip's `--hash=sha256:` options.
    ///
    /// Each requirement's peep hashes become `--hash` options in pip-compile's layout and
    /// the peep lines go; every other comment, blank line and line ending stays. Files
    /// named by `-r` are migrated too.
    #[command(after_help = MIGRATE_EXIT_CODES)]
    Migrate(MigrateArgs),

    /// Print the digest of each file, like `pip hash`, hashing many files in parallel.
    ///
    /// One line per file, in argument order: `FILE: --hash=sha256:<hex>`, or with
    /// `--peep`, `FILE: # sha256: <urlsafe base64>`. `-` reads standard input. A FIFO
    /// (`<(command)`) must get a writer within 5 seconds; character devices such as
    /// `/dev/zero` are refused.
    #[command(after_help = HASH_EXIT_CODES)]
    Hash(HashArgs),

    /// Print a shell completion script to stdout.
    ///
    /// bash: `hashlock completions bash > ~/.local/share/bash-completion/completions/hashlock`;
    /// zsh: `hashlock completions zsh > ~/.zfunc/_hashlock` (with `~/.zfunc` in `fpath`);
    /// fish: `hashlock completions fish > ~/.config/fish/completions/hashlock.fish`.
    Completions(CompletionsArgs),

    /// Write the pinned, hashed requirements of a locked file as another lock format:
    /// PEP 751's `pylock.toml`, with every hashed file of every pin.
    ///
    /// Each package gets the files whose hashes are on its line (URL, size, upload
    /// time, hashes from the index), its marker and requires-python; pip 26.3 installs
    /// from the result (`pip install -r pylock.toml`, experimental). A hash the index
    /// does not publish for the version stops the export (run `verify`).
    #[command(after_help = EXPORT_EXIT_CODES)]
    Export(ExportArgs),

    /// Print the effective settings and where each comes from: the command line, a
    /// `HASHLOCK_*` variable, the configuration file's line, pip's configuration, or
    /// the default. Credentials in URLs are redacted.
    Config(ConfigArgs),

    /// The first-seen log: check its hash chain, or say where it is.
    #[command(subcommand)]
    Log(LogCommand),

    /// Show or trim the cache of index answers: `dir`, `size`, `clean`, `prune`.
    ///
    /// Each answer an index gave about a pinned version is kept, so that later runs
    /// ask only about what may have changed: see `--offline`, `--refresh` and
    /// `--no-cache` of `lock`, `verify` and `migrate`.
    Cache(CacheCommandArgs),

    /// Print the man page (roff) to stdout: `hashlock man > hashlock.1`, or
    /// `hashlock man lock` for `hashlock-lock.1`.
    #[command(hide = true)]
    Man(ManArgs),
}

impl Command {
    /// The index settings of the subcommands that have them.
    pub(crate) fn index_args(&mut self) -> Option<&mut IndexArgs> {
        match self {
            Command::Lock(args) => Some(&mut args.index),
            Command::Verify(args) => Some(&mut args.index),
            Command::Migrate(args) => Some(&mut args.index),
            Command::Export(args) => Some(&mut args.index),
            Command::Add(args) => Some(&mut args.index),
            Command::Config(args) => Some(&mut args.index),
            Command::Hash(_)
            | Command::Completions(_)
            | Command::Log(_)
            | Command::Cache(_)
            | Command::Man(_) => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// How to print the settings: for people, or one JSON document.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print, instead of hashlock's own.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

const EXPORT_EXIT_CODES: &str = "\
Exit codes:
  0  written
  1  a requirement is not pinned and hashed, or a hash is not published for its version
  2  bad input or usage: unreadable file, an output name pip does not read
  3  index or network failure (nothing was written)";

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The locked requirements file to export, with the files it includes.
    #[arg(value_name = "FILE", default_value = "requirements.txt")]
    pub file: PathBuf,

    /// The format to write.
    #[arg(long, value_enum)]
    pub format: ExportFormat,

    /// Where to write [default: `pylock.toml` beside FILE]; `-` for stdout. pip reads
    /// a lock file only when it is named `pylock.toml` or `pylock.<name>.toml`.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// PEP 751's lock file.
    #[value(name = "pylock.toml")]
    PylockToml,
}

/// `hashlock log ...`.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Check each log's hash chain: a record changed, removed, reordered or cut
    /// short, or records cut off the end of a log this machine appended to.
    ///
    /// Without FILE: the user cache's log, and `hashlock.log` in the current
    /// directory when it exists. Exit 0: intact; 1: damaged; 2: unreadable.
    Verify(LogVerifyArgs),

    /// Print the path of the user cache's log.
    Path,
}

#[derive(Debug, Args)]
pub struct LogVerifyArgs {
    /// The logs to check.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Where the first-seen log is kept, for the commands that read an index.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Also keep the first-seen log in this file, to commit next to the requirements
    /// (created if missing). Without it, a `hashlock.log` beside the first requirements
    /// file is used when one exists. The user cache's copy is always kept.
    #[arg(long, value_name = "FILE", env = "HASHLOCK_LOG_FILE")]
    pub log_file: Option<PathBuf>,

    /// Keep no first-seen log this run: read and append to none, not even the
    /// user cache's.
    #[arg(long, conflicts_with = "log_file")]
    pub no_log: bool,
}

const MIGRATE_EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  `--check` found a file to change; `--fill` found a peep hash that no file of
     the version has (possible tampering), or a requirement that is not pinned
  2  bad input or usage: unreadable file, malformed peep lines, include cycle
  3  `--fill`: index or network failure (nothing was written)";

const HASH_EXIT_CODES: &str = "\
Exit codes:
  0  every file hashed
  2  usage, or a file that cannot be read (the others are still printed)";

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Requirements files to migrate.
    #[arg(value_name = "FILE", default_value = "requirements.txt")]
    pub files: Vec<PathBuf>,

    /// Also add the hashes of every other file of each pinned version, after checking
    /// that every peep hash is one of them (peep hashed only the file it downloaded).
    #[arg(long)]
    pub fill: bool,

    #[command(flatten)]
    pub download: DownloadArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Write files whose mode makes them read-only too (`chmod 444`), which are
    /// otherwise refused.
    #[arg(long)]
    pub force: bool,

    /// How to report what changed: for people (a summary on stderr), or one JSON
    /// document (stdout).
    #[arg(long, value_enum, default_value_t = Format::Human, conflicts_with = "diff")]
    pub format: Format,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct HashArgs {
    /// Files to hash; `-` reads standard input.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// The hash algorithm (pip accepts these three).
    #[arg(short, long, value_enum, default_value_t = Algorithm::Sha256)]
    pub algorithm: Algorithm,

    /// Print peep's form: the urlsafe base64 of the digest, without padding.
    #[arg(long)]
    pub peep: bool,
}

const VERIFY_EXIT_CODES: &str = "\
Exit codes:
  0  no errors (warnings allowed)
  1  problems found
  2  bad input or usage: unreadable file, missing include, include cycle
  3  index or network failure (never reported as clean)";

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Requirements files to check, with every file they include
    /// [default: requirements.txt, unless only `-c` files are given].
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Also check this file as a constraints file (as if named by `-c`): its lines
    /// need pins and hashes only where pip uses them. Repeatable.
    #[arg(short = 'c', long = "constraint", value_name = "FILE")]
    pub constraints: Vec<PathBuf>,

    /// Files of a version that have no hash on its line are errors, not warnings;
    /// so are files the index publishes no sha256 for (otherwise downloaded and
    /// hashed). Also `HASHLOCK_STRICT=1`.
    #[arg(long, env = "HASHLOCK_STRICT", value_parser = clap::builder::BoolishValueParser::new())]
    pub strict: bool,

    /// Yanked versions are errors, not warnings.
    #[arg(long)]
    pub deny_yanked: bool,

    #[command(flatten)]
    pub targets: TargetArgs,

    /// Skip the completeness check (every dependency of every requirement pinned in
    /// the files, for each target).
    #[arg(long)]
    pub no_deps: bool,

    /// Check every hash the index serves against a second index: the same file name
    /// must have the same sha256 there (a poisoned mirror would not). Without a URL,
    /// PyPI.
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "https://pypi.org", value_parser = index_url)]
    pub cross_check: Option<Url>,

    /// Download every hashed file and check its digest as it streams (and, for a
    /// file under PyPI's `/packages/` layout, the blake2b-256 its path names).
    #[arg(long, conflicts_with = "offline")]
    pub download: bool,

    /// How many files download at once.
    #[arg(long, default_value_t = DOWNLOAD_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=256), value_name = "N")]
    pub download_concurrency: u16,

    /// With `--download`: write `--hash=<ALGORITHM>:` digests of the downloaded files
    /// instead of their sha256 (each file is still checked against the sha256 the
    /// index publishes). The index publishes only sha256, so sha384 and sha512 need
    /// `--download`; a line locked with another algorithm is refused.
    #[arg(short, long, value_enum, value_name = "ALGORITHM")]
    pub algorithm: Option<Algorithm>,
    /// Report versions with files uploaded less than this long ago (`too-new`):
    /// `7d`, `36h`, `2w`, or ISO 8601 (`P7D`). A day is 24 hours.
    #[arg(long, value_name = "AGE", value_parser = crate::verify::beyond::MinAge::parse, conflicts_with = "offline")]
    pub(crate) min_age: Option<crate::verify::beyond::MinAge>,

    /// Read each file's PEP 740 provenance (the index's `provenance` URL, or PyPI's
    /// Integrity API) and compare its publisher with earlier versions' in the
    /// first-seen log (`publisher-changed`, `attestation-missing`). Signatures are
    /// not verified.
    #[arg(long, conflicts_with = "offline")]
    pub provenance: bool,

    #[command(flatten)]
    pub log: LogArgs,

    /// How to print findings: for people (stderr), or one JSON document (stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Print only the findings, no progress bar or summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Output formats of `verify`, `lock` and `migrate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// Requirements files to lock.
    #[arg(value_name = "FILE", default_value = "requirements.txt")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Lock the pinned requirements even when others are not pinned (they are listed,
    /// left as they are, and the exit code is still 1: pip will refuse the file with
    /// `--require-hashes` until every requirement has hashes).
    #[arg(long)]
    pub allow_unpinned: bool,

    /// Replace hashes even when some of a line's hashes are published for its version
    /// and some are not (which can mean tampering: look before you force); and write
    /// files whose mode makes them read-only (`chmod 444`), which are otherwise refused.
    #[arg(long)]
    pub force: bool,

    /// Also write peep-style `# sha256:` comment lines above each requirement, for
    /// teams that still install with peep.
    #[arg(long, conflicts_with = "peep_only")]
    pub peep: bool,

    /// Write only the peep-style comment lines, no `--hash` options.
    #[arg(long)]
    pub peep_only: bool,

    #[command(flatten)]
    pub download: DownloadArgs,

    #[command(flatten)]
    pub targets: TargetArgs,

    /// Also pin and hash every dependency the files lack (for each target), in a
    /// block appended to the first file, each with a `# via` comment; versions are
    /// resolved so that every requirement on them holds. A conflict is an error and
    /// nothing is written.
    #[arg(long)]
    pub add_missing: bool,

    #[command(flatten)]
    pub choose: ChooseArgs,

    /// Move every pin to the newest version the other lines and constraints allow
    /// (its hashes are checked and completed even when it is the newest already).
    #[arg(short = 'U', long)]
    pub upgrade: bool,

    /// Move only this pin, to the newest version SPEC allows (`-P django`,
    /// `-P 'django<5'`). Repeatable.
    #[arg(short = 'P', long = "upgrade-package", value_name = "NAME[SPEC]")]
    pub upgrade_package: Vec<String>,

    /// With targets: hash no sdist of these packages (`:all:` for every package),
    /// as pip's `--only-binary`; also read from the files. Repeatable, comma-separated.
    #[arg(long, value_name = "NAMES")]
    pub only_binary: Vec<String>,

    /// With targets: hash no wheel of these packages (`:all:` for every package), as
    /// pip's `--no-binary`; also read from the files. Repeatable, comma-separated.
    #[arg(long, value_name = "NAMES")]
    pub no_binary: Vec<String>,

    /// How to report what changed: for people (a summary on stderr), or one JSON
    /// document (stdout).
    #[arg(long, value_enum, default_value_t = Format::Human, conflicts_with = "diff")]
    pub format: Format,

    #[command(flatten)]
    pub index: IndexArgs,

    #[command(flatten)]
    pub log: LogArgs,

    /// Print nothing but errors (no progress bar, no summary).
    #[arg(short, long)]
    pub quiet: bool,
}

/// How `lock` and `add` choose a version (for a range, `--upgrade`, `-P`,
/// `--add-missing`).
#[derive(Debug, Clone, Args)]
pub struct ChooseArgs {
    /// Let the versions chosen be pre-releases; without it, only where a specifier
    /// names one, as pip.
    #[arg(long)]
    pub pre: bool,

    /// Keep the specifier a chosen pin replaces in the line's comment
    /// (`requests==2.32.3  # from >=2.28`).
    #[arg(long)]
    pub annotate: bool,

    /// Never choose a version whose files were uploaded less than this long ago:
    /// `7d`, `36h`, `2w`, or ISO 8601 (`P7D`). A day is 24 hours.
    #[arg(long, value_name = "AGE", value_parser = crate::verify::beyond::MinAge::parse)]
    pub(crate) min_age: Option<crate::verify::beyond::MinAge>,

    /// What `--min-age` does with a version the index gives no upload time for:
    /// fail, or take it as old enough.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = MinAgeMissing::Fail, requires = "min_age")]
    pub min_age_missing: MinAgeMissing,
}

/// `hashlock add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// What to add: `requests`, `'requests>=2.31'`, `'psycopg[binary]~=3.2'`.
    #[arg(value_name = "NAME[SPEC]", required = true)]
    pub packages: Vec<String>,

    /// The requirements file to add to.
    #[arg(
        short = 'r',
        long = "requirement",
        value_name = "FILE",
        default_value = "requirements.txt"
    )]
    pub file: PathBuf,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Also pin and hash every dependency the file lacks, as `lock --add-missing`.
    #[arg(long)]
    pub add_missing: bool,

    #[command(flatten)]
    pub choose: ChooseArgs,

    #[command(flatten)]
    pub download: DownloadArgs,

    #[command(flatten)]
    pub targets: TargetArgs,

    /// How to report what changed (as `lock`).
    #[arg(long, value_enum, default_value_t = Format::Human, conflicts_with = "diff")]
    pub format: Format,

    #[command(flatten)]
    pub index: IndexArgs,

    #[command(flatten)]
    pub log: LogArgs,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--min-age-missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MinAgeMissing {
    /// A version without an upload time stops the run.
    Fail,
    /// A version without an upload time counts as old enough.
    Allow,
}

/// Downloading the files that get hashed, for the commands that write hashes.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Download every file that gets hashed and hash it as it streams, checking it
    /// against the sha256 the index publishes (and, for a file under PyPI's
    /// `/packages/` layout, the blake2b-256 its path names): any difference stops
    /// the run before anything is written. Direct URL lines that have hashes are
    /// checked too.
    #[arg(long)]
    pub download: bool,

    /// How many files download at once.
    #[arg(long, default_value_t = DOWNLOAD_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=256), value_name = "N")]
    pub download_concurrency: u16,

    /// With `--download`: write `--hash=<ALGORITHM>:` digests of the downloaded files
    /// instead of their sha256 (each file is still checked against the sha256 the
    /// index publishes). The index publishes only sha256, so sha384 and sha512 need
    /// `--download`; a line locked with another algorithm is refused.
    #[arg(short, long, value_enum, value_name = "ALGORITHM")]
    pub algorithm: Option<Algorithm>,

    /// Fail when the index publishes no sha256 for a file (pypiserver with
    /// `--hash-algo off`, an md5-only proxy), naming each file, instead of
    /// downloading and hashing it. Also `HASHLOCK_STRICT=1`.
    #[arg(long, env = "HASHLOCK_STRICT", value_parser = clap::builder::BoolishValueParser::new())]
    pub strict: bool,
}

/// Where the rewritten files go, for the commands that rewrite files.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write nothing; exit 1 if any file would change (for pre-commit and CI). With
    /// `--diff`, also print the changes.
    #[arg(long, conflicts_with = "output")]
    pub check: bool,

    /// Print a unified diff of the changes to stdout; write nothing.
    #[arg(long, conflicts_with = "output")]
    pub diff: bool,

    /// Write the result here instead of in place (`-` for stdout; a character device
    /// or a FIFO is written through). Takes one FILE; files it includes are not
    /// written, and its relative `-r`/`-c` paths are rewritten to name the same files
    /// from the new directory.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Where the locked files will be installed: which of a release's files can install
/// there, and which requirements' markers apply. Without flags, the one target is the
/// `python3` on PATH (or `--python`), as pip sees its own platform.
// The fields are `pub(crate)`: their types belong to the crate-private `targets`.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// A target's Python version, `X.Y` or `X.Y.Z`. Repeatable: the targets are every
    /// version on every `--platform` [default: the interpreter's].
    #[arg(
        long = "python-version",
        value_name = "X.Y",
        conflicts_with = "universal"
    )]
    pub(crate) python_versions: Vec<PythonVersion>,

    /// A target's platform tag: `manylinux_2_17_x86_64` (a glibc 2.17 Linux, which
    /// also takes older manylinux wheels), `musllinux_1_2_aarch64`,
    /// `macosx_11_0_arm64`, `macosx_10_13_x86_64`, `win_amd64`, `win32`, `win_arm64`,
    /// `linux_x86_64` or `any`. Repeatable [default: the interpreter's].
    #[arg(long = "platform", value_name = "TAG", conflicts_with = "universal")]
    pub(crate) platforms: Vec<Platform>,

    /// The targets' Python implementation: CPython (`cp`) or PyPy (`pp`)
    /// [default: the interpreter's, else `cp`].
    #[arg(long, value_enum, value_name = "IMPL", conflicts_with = "universal")]
    pub(crate) implementation: Option<Implementation>,

    /// Target CPython 3.9 to 3.14 on manylinux_2_17 x86_64 and aarch64,
    /// musllinux_1_2 x86_64, macosx_11_0 arm64, macosx_10_13 x86_64 and win_amd64.
    #[arg(long)]
    pub(crate) universal: bool,

    /// The interpreter that describes the default target [default: python3].
    #[arg(long, value_name = "PATH", conflicts_with = "universal")]
    pub(crate) python: Option<PathBuf>,
}

/// Which indexes to ask, and how. Without `--index-url`, the index is the one pip
/// would use: the requirements files' own `-i` line, else the configuration file's
/// `index-url`, else `PIP_INDEX_URL`, else pip's configuration files, else PyPI.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The index, as pip's `--index-url`: a Simple API root (`https://host/simple`,
    /// read as PEP 691 JSON or PEP 503 HTML). A URL without `/simple` (such as
    /// `https://pypi.org`) is read through PyPI's JSON API where it serves one.
    #[arg(
        short = 'i',
        long,
        env = "HASHLOCK_INDEX_URL",
        value_name = "URL",
        value_parser = index_url
    )]
    pub index_url: Option<Url>,

    /// Another index to take files from, as pip's `--extra-index-url`. Repeatable.
    #[arg(long, value_name = "URL", value_parser = index_url)]
    pub extra_index_url: Vec<Url>,

    /// A directory of distributions, or an HTML page of links, to take files from
    /// too, as pip's `--find-links`. Repeatable.
    #[arg(short = 'f', long, value_name = "PATH_OR_URL")]
    pub find_links: Vec<String>,

    /// Ask no index: only `--find-links` locations.
    #[arg(long)]
    pub no_index: bool,

    /// A host (`host` or `host:port`) that may be reached over plain `http://`, as
    /// pip's `--trusted-host`. Repeatable.
    #[arg(long, value_name = "HOST")]
    pub trusted_host: Vec<String>,

    /// A PEM bundle of CA certificates to trust besides the system's, as pip's
    /// `--cert` (also `PIP_CERT`, `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`).
    #[arg(long, value_name = "PATH")]
    pub cert: Option<PathBuf>,

    /// Where a project's files come from when several indexes have it:
    /// `unsafe-best-match` takes them from every one, as pip does (and warns);
    /// `first-index` only from the first that has the project.
    #[arg(long, value_enum, default_value_t = crate::index::Strategy::UnsafeBestMatch, value_name = "STRATEGY")]
    pub index_strategy: crate::index::Strategy,

    /// Say which index answered for what (URLs without credentials).
    #[arg(short, long)]
    pub verbose: bool,

    /// How many index requests run at once.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=512), value_name = "N")]
    pub concurrency: u16,

    /// Seconds the index may stay silent (before it answers, or between two chunks of
    /// an answer) before the attempt is given up and retried. An index that keeps
    /// sending, however slowly, is stopped by `--deadline` instead.
    #[arg(long, default_value_t = 30, value_parser = seconds, value_name = "SECONDS")]
    pub timeout: u64,

    /// Seconds one index request or file download may take in all, its retries and
    /// the waits between them included [default: 10 times `--timeout`].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..), value_name = "SECONDS")]
    pub deadline: Option<u64>,

    /// Retries of a request that failed with 429, 5xx, a timeout or a connection error.
    /// A `Retry-After` of more than 60 s is not waited out: the run fails at once.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub retries: u32,

    /// The largest index document read, in MiB once decompressed (PyPI's largest are
    /// tens of MB).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=1 << 20), value_name = "MIB")]
    pub max_document_size: u64,

    #[command(flatten, next_help_heading = "Cache")]
    pub cache: CacheArgs,

    /// The configuration file's index settings, filled in after parsing.
    #[arg(skip)]
    pub(crate) config: crate::config::args::IndexLayer,
}

/// How the cache of index answers is used. An answer is used without asking the
/// index while it is fresh: as long as the index's `Cache-Control` says, else a tenth
/// of the release's age (10 minutes to a day); then it is revalidated
/// (`ETag`/`Last-Modified`) or asked anew.
#[derive(Debug, Clone, Default, Args)]
pub struct CacheArgs {
    /// Use no network. `lock` and `migrate --fill` answer from the cache alone,
    /// however old its answers, and a pin it does not hold is an error (exit 3).
    /// `verify` checks each hashed pin against what is already known (the cache's
    /// answer, however old, else the first-seen log's file digests) and names the
    /// pins neither holds as not checked.
    #[arg(long)]
    pub offline: bool,

    /// Ask the index again about every pin, even where the cache has a fresh answer
    /// (a revalidation where the index allows it).
    #[arg(long)]
    pub refresh: bool,

    /// Ask the index again about this package's pins. Repeatable.
    #[arg(long, value_name = "NAME")]
    pub refresh_package: Vec<pep508_rs::PackageName>,

    /// Neither read nor write the cache.
    #[arg(long, env = "HASHLOCK_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,

    #[command(flatten)]
    pub dir: CacheDirArg,
}

/// Where the cache is.
#[derive(Debug, Clone, Default, Args)]
pub struct CacheDirArg {
    /// The cache directory [default: `hashlock` in the platform's cache directory,
    /// `~/.cache/hashlock` on Linux].
    #[arg(long, env = "HASHLOCK_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CacheCommandArgs {
    #[command(subcommand)]
    pub action: CacheAction,

    #[command(flatten)]
    pub dir: CacheDirArg,
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Print the cache directory.
    Dir,
    /// Print the size of the cache: bytes (`--bytes`) or a human size, and entries.
    Size {
        /// Print only the number of bytes.
        #[arg(long)]
        bytes: bool,
    },
    /// Remove the whole cache, or only the answers about these packages.
    Clean {
        /// Packages whose answers to remove [default: everything].
        #[arg(value_name = "PACKAGE")]
        packages: Vec<pep508_rs::PackageName>,
    },
    /// Remove answers not checked for `--older-than` days, then the oldest until the
    /// cache fits in `--max-size` (hashlock also does this by itself once a day).
    Prune {
        /// Remove answers not checked with the index for this many days.
        #[arg(long, default_value_t = 30, value_name = "DAYS")]
        older_than: u64,
        /// Then remove the least recently checked answers until the cache holds at
        /// most this many MiB.
        #[arg(long, default_value_t = 512, value_name = "MIB")]
        max_size: u64,
    },
}

/// A whole number of seconds, at least 1 (0 would time every request out at once).
fn seconds(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("a timeout of 0 seconds would fail every request: give 1 or more".to_owned()),
        Ok(seconds) => Ok(seconds),
        Err(_) => Err(format!("`{text}` is not a whole number of seconds")),
    }
}

/// An index URL: http(s) with a host, so that a typo is bad input (exit 2), not a
/// network failure.
fn index_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("not a URL: {error}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err("the index URL must be http:// or https:// with a host".to_owned()),
    }
}

impl IndexArgs {
    /// `--deadline`, else ten times `--timeout`: a request may be silent for a
    /// `--timeout` on each attempt (four with the default retries) and still finish.
    pub fn deadline_secs(&self) -> u64 {
        self.deadline
            .unwrap_or_else(|| self.timeout.saturating_mul(10))
    }

    /// `--max-document-size` in bytes.
    pub fn max_document_bytes(&self) -> u64 {
        self.max_document_size.saturating_mul(1024 * 1024)
    }

    /// `url` without a trailing `/`, and without one trailing `/simple` or `/pypi`
    /// (a path prefix such as Artifactory's `/api/pypi/pypi` stays).
    pub fn base_url(url: &Url) -> Url {
        let mut url = url.clone();
        let path = url.path().trim_end_matches('/');
        let path = ["/simple", "/pypi"]
            .iter()
            .find_map(|suffix| path.strip_suffix(suffix))
            .unwrap_or(path)
            .to_owned();
        url.set_path(path.trim_end_matches('/'));
        url
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn index_urls_must_be_http_with_a_host() {
        for bad in [
            "pypi.org",
            "ftp://pypi.org",
            "file:///srv/index",
            "https://",
            "http://[::1",
        ] {
            assert!(index_url(bad).is_err(), "{bad}");
        }
        let prefixed = index_url("https://host/artifactory/api/pypi/pypi/simple/").unwrap();
        assert_eq!(
            IndexArgs::base_url(&prefixed).as_str(),
            "https://host/artifactory/api/pypi/pypi"
        );
    }

    #[test]
    fn index_url_suffixes_are_ignored() {
        for given in [
            "https://pypi.org",
            "https://pypi.org/",
            "https://pypi.org/simple/",
            "https://pypi.org/pypi",
        ] {
            let url = index_url(given).unwrap();
            assert_eq!(IndexArgs::base_url(&url).as_str(), "https://pypi.org/");
        }
    }
}
