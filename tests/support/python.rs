//! The Python the tests run pip and their helper scripts with.

use std::ffi::OsString;

/// `$HASHLOCK_TEST_PYTHON`, else `python3`. `scripts/test` points the variable at a
/// virtualenv with the pip version the project pins.
pub fn python() -> OsString {
    std::env::var_os("HASHLOCK_TEST_PYTHON").unwrap_or_else(|| "python3".into())
}
