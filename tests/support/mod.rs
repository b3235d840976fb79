//! Test support shared by the integration tests: the loopback index, a harness that
//! runs the binary against it, and which Python to run.

pub mod cli;
pub mod pep740;
pub mod python;
pub mod server;
pub mod serving;
pub mod site;

// Re-exported at the root for brevity (`use crate::support::{Config, TestIndex}`).
pub use server::{Config, TestIndex};
