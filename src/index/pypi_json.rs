//! PyPI's JSON API (placeholder until the client lands).
use super::{Index, IndexError, Pin, Release};

/// An [`Index`] backed by PyPI's JSON API.
#[derive(Debug)]
pub struct PypiJson;

impl Index for PypiJson {
    async fn release(&self, _pin: &Pin) -> Result<Release, IndexError> {
        unimplemented!()
    }
}
