//! Test support shared by the integration tests: the loopback index, and a harness
//! that runs the binary against it.

pub mod cli;
pub mod server;

// Re-exported at the root for brevity (`use crate::support::{Config, TestIndex}`).
pub use server::{Config, TestIndex};
