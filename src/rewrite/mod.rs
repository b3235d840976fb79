//! Rewriting a parsed file, shared by `lock` and `migrate`: line-level [`Edits`] that
//! copy every other byte verbatim, a requirement line in pip-compile's
//! [`layout`], and peep's comment lines ([`peep_lines`]).

mod edits;
pub(crate) mod layout;
pub(crate) mod peep_lines;

pub(crate) use edits::Edits;
