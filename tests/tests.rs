//! hashlock's integration tests, as one program: a module per area, sharing the
//! harness in `support/`. One binary links once and runs every test in one process
//! (`cargo test --test integration`); a new area is a `mod` line here, not a new
//! file under `tests/` (Cargo builds only the `[[test]]` the manifest names).

// The loopback index and the harness that runs the binary against it.
mod support;

// `verify`'s checks beyond hashes: first-seen digests, --min-age, PEP 740
// publishers, PEP 792 project status.
mod beyond;
// The on-disk cache: warm runs, `--offline`, freshness, `hashlock cache`.
mod cache;
// Completeness: every dependency pinned, per target; `lock --add-missing`.
mod completeness;
// `hashlock.toml` and `[tool.hashlock]`: discovery, precedence, errors, `hashlock config`.
mod config;
// The Python wheel (maturin), shell completions and the man page.
mod distribution;
// Hashing by downloading: `lock --download`, indexes without sha256, direct URLs,
// the blake2b of PyPI paths, memory.
mod download;
// Reading what the user names: regular files only, a size cap, clear errors.
#[cfg(unix)]
mod files;
// Inputs the fuzz targets of `fuzz/` found, through the same checks.
mod fuzz;
// `hashlock export --format pylock.toml`, read by pip itself.
mod export;
// `hashlock hash`: digests checked against coreutils, memory use, errors.
mod hash;
// `lock` and `verify` against a hostile or broken index: every fault, files unchanged.
mod hostile;
// The index client (`hashlock::index`) against the loopback index.
mod index;
// Checks against the live PyPI, all `#[ignore]`d: run by hand.
mod live;
// Every index pip can use: Simple API roots (JSON and HTML), the files' own index
// lines, pip's variables and configuration, several indexes, find-links, credentials.
mod indexes;
// `hashlock lock` end to end.
mod lock;
// Ranges become pins, `--upgrade`, `-P`, `--min-age` on `lock`.
mod resolve;
// `hashlock add`: new lines, lines moved in place, exit codes for bots.
mod add;
// The first-seen log: what is appended where, `hashlock log verify`.
mod log;
// `hashlock migrate` and `lock --peep` end to end.
mod migrate;
// Where results go: closed and full stdout/stderr, `-o`, hard links, read-only
// files, all-or-nothing writes, signals, leftovers of killed runs.
#[cfg(unix)]
mod output;
// `--format json` of `lock` and `migrate`; colour in reports (`--color`, `NO_COLOR`).
mod output_formats;
// A real index server (pypiserver): every way of naming it, with and without
// credentials, and pip downloading what `lock` wrote from it.
mod pypiserver;
// pip itself downloads what `lock` wrote, with `--require-hashes`.
mod pip_accepts;
// pip's own parser reads every requirements fixture as hashlock does.
mod pip_parity;
// The hooks of `.pre-commit-hooks.yaml`, run by pre-commit on real commits.
mod precommit;
// Patterns of real projects' files: hashlock agrees with pip, and with itself.
mod real_files;
// Credentials in index URLs never reach any output.
mod secrets;
// Targets in `lock`: which files are hashed, the header.
mod targets;
// `hashlock verify` end to end.
mod verify;
