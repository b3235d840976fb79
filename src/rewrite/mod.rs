//! Rewriting a parsed file, shared by `lock` and `migrate`: line-level [`Edits`] that
//! copy every other byte verbatim, a requirement line in pip-compile's
//! [`layout`], peep's comment lines ([`peep_lines`]), and what changed for each
//! requirement ([`changes`]); with targets, the `# hashlock targets:` line and the
//! block of pins `lock --add-missing` appends ([`added`]).

pub(crate) mod added;
pub(crate) mod changes;
mod edits;
pub(crate) mod layout;
pub(crate) mod peep_lines;
pub(crate) mod pinned;

pub(crate) use edits::Edits;
