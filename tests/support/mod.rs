//! Test support shared by the integration tests: the loopback index.

pub mod server;

// Re-exported at the root for brevity (`use support::{Config, TestIndex}`); not
// every test crate uses both.
#[allow(unused_imports)]
pub use server::{Config, TestIndex};
