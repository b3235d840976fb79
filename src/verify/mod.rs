//! The `verify` checks, the CI gate: every requirement pinned and hashed the way pip
//! requires, every hash one the index really publishes for that version, and none of
//! the traps that make pip silently drop hashes.
//!
//! [`offline`] needs nothing but the files; [`online`] judges the lookups and
//! downloads the command made. Both are pure and produce [`Located`] findings, each
//! with a stable [`Code`]; [`render`] shows them to people or as JSON.
//!
//! [`Located`]: crate::diagnostics::Located
//! [`Code`]: crate::diagnostics::Code

pub(crate) mod beyond;
pub(crate) mod cross_check;
pub(crate) mod offline;
pub(crate) mod online;
pub(crate) mod render;
