//! Parsing (placeholder until the parser lands).
use super::{ParseError, RequirementsFile};

/// Decodes a file's bytes the way pip does, accepting UTF-8 only.
pub fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| ParseError {
        span: e.valid_up_to()..e.valid_up_to() + 1,
        message: "the file is not valid UTF-8".into(),
        label: "invalid byte".into(),
        hint: None,
    })
}

/// Parses a requirements file.
pub fn parse(_text: &str) -> Result<RequirementsFile, Vec<ParseError>> {
    unimplemented!("parser")
}
