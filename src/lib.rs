//! hashlock: pin every Python requirement to the sha256 of every file the index
//! publishes for it, so `pip install --require-hashes` refuses anything else.
//!
//! The pipeline, one module per step:
//! [`requirements`] (parse a file losslessly, with spans) -> [`resolve`] (requirement
//! to exact pin) -> [`index`] (ask the index for the files of a pin) -> [`lock`] (decide
//! the hashes of each line and render the edits) -> [`write`] (atomic write or diff).
//! [`commands`] wires them per subcommand; [`report`] owns what goes to stderr.

pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod exit;
pub mod hashing;
pub mod index;
pub mod lock;
pub mod migrate;
pub mod peep;
pub mod report;
pub mod requirements;
pub mod resolve;
pub mod tree;
pub mod verify;
pub mod write;
