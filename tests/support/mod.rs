//! Test support shared by the integration tests: the loopback index, and a harness
//! that runs the binary against it.

pub mod cli;
pub mod server;

// Re-exported at the root for brevity (`use support::{Config, TestIndex}`); not
// every test crate uses both.
#[allow(unused_imports)]
pub use server::{Config, TestIndex};
