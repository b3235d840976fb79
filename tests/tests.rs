//! hashlock's integration tests, as one program: a module per area, sharing the
//! harness in `support/`. One binary links once and runs every test in one process
//! (`cargo test --test integration`); a new area is a `mod` line here, not a new
//! file under `tests/` (Cargo builds only the `[[test]]` the manifest names).

// The loopback index and the harness that runs the binary against it.
mod support;

// Inputs the fuzz targets of `fuzz/` found, through the same checks.
mod fuzz;
// `hashlock hash`: digests checked against coreutils, memory use, errors.
mod hash;
// The index client (`hashlock::index`) against the loopback index.
mod index;
// Checks against the live PyPI, all `#[ignore]`d: run by hand.
mod live;
// `hashlock lock` end to end.
mod lock;
// `hashlock migrate` and `lock --peep` end to end.
mod migrate;
// pip itself downloads what `lock` wrote, with `--require-hashes`.
mod pip_accepts;
// pip's own parser reads every requirements fixture as hashlock does.
mod pip_parity;
// `hashlock verify` end to end.
mod verify;
