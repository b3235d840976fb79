//! peep's hash comments: the legacy `# sha256: <hash>` lines that modern pip ignores.
//!
//! [peep](https://github.com/erikrose/peep) checked downloads against hashes written
//! as comment lines above each requirement:
//!
//! ```text
//! # sha256: HmHDdHehYmRY4297HYKqXJsJT6SAKJIHLknenGDEySY
//! six==1.16.0
//! ```
//!
//! The hash is the urlsafe base64 of the raw 32-byte sha256 digest with the `=`
//! padding stripped (43 characters). pip never reads these lines, so a file that
//! relies on them installs unchecked; this module finds them so they can be
//! converted into pip's `--hash=sha256:<hex>` options.
//!
//! What counts as a peep line follows peep's own reader (`HASH_COMMENT_RE` and
//! `hashes_above` in peep.py, versions 2.5 and later):
//!
//! - the line matches, from its start, optional whitespace, `#`, at least one
//!   whitespace, `sha256:` in lowercase, at least one whitespace, the hash (every
//!   non-whitespace character up to the next whitespace, a `#` included), then
//!   optional whitespace and an optional `#comment`, and nothing else;
//! - the hash lines, blank lines and other comment lines directly above the next
//!   line that is neither blank nor a comment form its block: that line takes all the
//!   hashes of the block, whatever it is (a requirement, or an option line such as
//!   `-i`, which then wastes them).
//!
//! Anything else that looks like a hash line (`# SHA256: ...`, `#sha256: ...`,
//! `# sha256:abc`, `# sha512: ...`, text after the hash) is silently ignored by peep,
//! so the requirement is not protected by it although it looks so: [`find`] reports
//! each as an error.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::diagnostics::{Locate, Located, Severity, Source};
use crate::digest::Sha256;
use crate::requirements::{LineKind, RequirementsFile, Span};

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod tests;

/// Length of a peep sha256 hash: 32 bytes in base64 without padding.
pub(crate) const ENCODED_LEN: usize = 43;

/// Length of a sha256 digest in bytes.
pub(crate) const DIGEST_LEN: usize = 32;

/// peep's form of a sha256 digest: urlsafe base64 without padding (43 chars).
///
/// Any byte string is encoded the same way; only a 32-byte digest gives a hash that
/// [`decode`] accepts.
#[cfg(test)]
pub(crate) fn encode(digest: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(digest)
}

/// peep's form of a lowercase or uppercase hex sha256 digest; `None` if not 64 hex
/// digits.
pub(crate) fn encode_hex(hex: &str) -> Option<String> {
    hex.parse::<Sha256>().ok().map(Sha256::to_urlsafe_base64)
}

/// The digest of peep's form, or why it is not one.
///
/// Strict, as peep's string comparison is: only the urlsafe alphabet (`A-Z`, `a-z`,
/// `0-9`, `-`, `_`), no `=` padding, exactly 43 characters, and no stray bits in the
/// last character (the form peep itself writes, so no two texts decode to one digest).
pub(crate) fn decode(text: &str) -> Result<Sha256, DecodeError> {
    if text.is_empty() {
        return Err(DecodeError::Empty);
    }
    for (index, character) in text.char_indices() {
        match character {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' => {}
            '=' => {
                let trailing = text[index..].bytes().all(|b| b == b'=');
                return Err(DecodeError::Padding { index, trailing });
            }
            '+' | '/' => return Err(DecodeError::StandardAlphabet { index, character }),
            _ => return Err(DecodeError::BadCharacter { index, character }),
        }
    }
    // Every character is ASCII from here on, so characters and bytes count alike.
    if text.len() != ENCODED_LEN {
        return Err(DecodeError::Length { chars: text.len() });
    }
    match URL_SAFE_NO_PAD.decode(text) {
        Ok(bytes) => match <[u8; DIGEST_LEN]>::try_from(bytes) {
            Ok(digest) => Ok(Sha256::from_bytes(digest)),
            Err(bytes) => Err(DecodeError::Length {
                chars: bytes.len() * 4 / 3,
            }),
        },
        Err(base64::DecodeError::InvalidLastSymbol(index, byte)) => {
            Err(DecodeError::TrailingBits {
                index,
                character: char::from(byte),
            })
        }
        // The alphabet and the length were checked above: 43 valid symbols always
        // decode to 32 bytes, unless the last one carries stray bits; anything else
        // would be a bug in this check, reported rather than trusted.
        Err(_) => Err(DecodeError::Length { chars: text.len() }),
    }
}

/// Why a text is not a peep sha256 hash. Indexes are byte offsets into the text; every
/// character before the offending one is ASCII, so they are character offsets too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The text is empty.
    Empty,
    /// `+` or `/`: standard base64, where peep's urlsafe alphabet has `-` and `_`.
    StandardAlphabet { index: usize, character: char },
    /// A `=`: peep strips the padding (`trailing` when only `=` follow it).
    Padding { index: usize, trailing: bool },
    /// Any other character outside the urlsafe alphabet (whitespace, `#`, non-ASCII).
    BadCharacter { index: usize, character: char },
    /// Valid characters, but not 43 of them.
    Length { chars: usize },
    /// The 43rd character sets bits past the 256 of the digest, which peep never
    /// writes (its last character is always one of `AEIMQUYcgkosw048`).
    TrailingBits { index: usize, character: char },
}

impl DecodeError {
    /// Byte offset and length of the offending character, when one character is to
    /// blame.
    pub(crate) fn character_span(&self) -> Option<Span> {
        match *self {
            Self::StandardAlphabet { index, character }
            | Self::BadCharacter { index, character }
            | Self::TrailingBits { index, character } => Some(index..index + character.len_utf8()),
            Self::Padding { index, .. } => Some(index..index + 1),
            Self::Empty | Self::Length { .. } => None,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Empty => write!(f, "the hash is empty"),
            Self::StandardAlphabet { index, character } => write!(
                f,
                "bad character {character:?} at index {index}: that is standard base64, \
                 peep's urlsafe base64 has '-' and '_' instead of '+' and '/'"
            ),
            Self::Padding {
                index,
                trailing: true,
            } => write!(
                f,
                "padding '=' at index {index}: peep strips the padding from its hashes"
            ),
            Self::Padding {
                index,
                trailing: false,
            } => write!(f, "padding '=' at index {index}, in the middle of the hash"),
            Self::BadCharacter { index, character } => {
                write!(f, "bad character {character:?}")?;
                if !character.is_ascii() {
                    // Name it: a Cyrillic `е` looks just like the Latin `e`.
                    write!(f, " (U+{:04X})", u32::from(character))?;
                }
                write!(
                    f,
                    " at index {index}: peep hashes use only A-Z, a-z, 0-9, '-' and '_'"
                )
            }
            Self::Length { chars } => {
                write!(f, "wrong length: {chars} characters (")?;
                if chars % 4 == 1 {
                    write!(f, "not a whole number of bytes")?;
                } else {
                    write!(f, "{} bytes", chars * 3 / 4)?;
                }
                write!(
                    f,
                    "), a sha256 digest is {DIGEST_LEN} bytes, {ENCODED_LEN} characters"
                )
            }
            Self::TrailingBits { index, character } => write!(
                f,
                "the last character {character:?} at index {index} sets bits beyond the \
                 {DIGEST_LEN}-byte digest (peep would have written {:?})",
                canonical_last(character)
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The character peep writes in place of a last character with stray low bits.
fn canonical_last(character: char) -> char {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    ALPHABET
        .iter()
        .position(|&b| char::from(b) == character)
        .map_or(character, |value| char::from(ALPHABET[value & !0b11]))
}

/// The peep comment line for a digest, as `lock --peep` writes it:
/// `# sha256: <base64>` (no line break).
pub(crate) fn comment_line(digest: Sha256) -> String {
    format!("# sha256: {}", digest.to_urlsafe_base64())
}

/// One peep hash line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeepHash {
    /// Index into `file.lines` of the comment line.
    pub line: usize,
    /// The base64 text of the hash.
    pub span: Span,
    /// The digest.
    pub digest: Sha256,
}

/// The peep hashes that belong to one requirement line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// Index into `file.lines` of the requirement line the block belongs to.
    pub owner: usize,
    /// The hashes, in file order (never empty).
    pub hashes: Vec<PeepHash>,
}

impl Locate for Problem {
    fn locate(self, source: &Source) -> Located {
        source
            .at(self.severity, self.span, self.message)
            .label(self.label)
            .maybe_hint(self.hint)
    }
}

/// A peep line that peep itself would ignore or misread, or a block that protects
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The offending text: the bad part of a peep line, or for a wasted block the
    /// hash of its first peep line.
    pub span: Span,
    /// [`Severity::Error`] for a line peep ignores or misreads,
    /// [`Severity::Warning`] for valid hashes that protect nothing.
    pub severity: Severity,
    /// One sentence, no trailing period.
    pub message: String,
    /// Short text shown under the caret.
    pub label: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// Every peep block of `file` and every problem with its peep lines.
///
/// Blocks are in file order; problems are sorted by position. Malformed or
/// near-miss peep lines are reported and left out of the blocks (peep ignores or
/// misreads them, so they protect nothing); a block whose hashes go to an option line
/// or to no line at all (the end of the file) is reported as a warning and not
/// returned.
pub(crate) fn find(file: &RequirementsFile) -> (Vec<Block>, Vec<Problem>) {
    let mut blocks = Vec::new();
    let mut problems = Vec::new();
    let mut pending: Vec<PeepHash> = Vec::new();
    for (index, line) in file.lines.iter().enumerate() {
        match &line.kind {
            LineKind::Blank => {}
            LineKind::Comment => {
                let Some(comment) = &line.comment else {
                    continue;
                };
                match scan(&file.text, comment) {
                    Scan::Prose => {}
                    Scan::Hash { span, digest } => pending.push(PeepHash {
                        line: index,
                        span,
                        digest,
                    }),
                    Scan::Problem(problem) => problems.push(problem),
                }
            }
            LineKind::Requirement(_) => {
                if !pending.is_empty() {
                    blocks.push(Block {
                        owner: index,
                        hashes: std::mem::take(&mut pending),
                    });
                }
            }
            LineKind::Options(_) => {
                if !pending.is_empty() {
                    let hashes = std::mem::take(&mut pending);
                    problems.push(wasted(file, &hashes, Some(line.number)));
                }
            }
        }
    }
    if !pending.is_empty() {
        problems.push(wasted(file, &pending, None));
    }
    problems.sort_by_key(|problem| (problem.span.start, problem.span.end));
    (blocks, problems)
}

/// The warning for valid peep hashes that go to the option line `owner` (its line
/// number) or, for `None`, to nothing because the file ends.
fn wasted(file: &RequirementsFile, hashes: &[PeepHash], owner: Option<usize>) -> Problem {
    let numbers: Vec<usize> = hashes
        .iter()
        .map(|hash| file.lines[hash.line].number)
        .collect();
    let (subject, verb, object, pronoun) = match numbers.as_slice() {
        [one] => (
            format!("the peep hash on line {one}"),
            "sits",
            "it",
            "it protects",
        ),
        many => (
            format!("the peep hashes on lines {}", list(many)),
            "sit",
            "them",
            "they protect",
        ),
    };
    let (message, label, hint) = match owner {
        Some(option) => (
            format!(
                "{subject} {verb} above the option line {option}, so peep attaches \
                 {object} to that line and {pronoun} nothing"
            ),
            format!("attached to the option line {option}"),
            "move the hash lines directly above the requirement they are for, with no \
             option line in between, or delete them",
        ),
        None => (
            format!("{subject} {verb} below the last requirement, so {pronoun} nothing"),
            "no requirement below".to_owned(),
            "move the hash lines directly above the requirement they are for, or delete \
             them",
        ),
    };
    Problem {
        span: hashes[0].span.clone(),
        severity: Severity::Warning,
        message,
        label,
        hint: Some(hint.to_owned()),
    }
}

/// `2`, `2 and 3`, `2, 3 and 5`.
fn list(numbers: &[usize]) -> String {
    match numbers {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(usize::to_string).collect();
            format!("{} and {last}", init.join(", "))
        }
    }
}

/// What a comment says, for peep.
enum Scan {
    /// An ordinary comment.
    Prose,
    /// A peep hash line peep reads: the span of the hash and its digest.
    Hash { span: Span, digest: Sha256 },
    /// A peep line peep would ignore or misread.
    Problem(Problem),
}

/// Words that make a comment a would-be hash line when followed by `:`: the one peep
/// reads, and the hashlib algorithms someone might have written instead.
const ALGORITHMS: &[&str] = &["sha256", "sha1", "sha224", "sha384", "sha512", "md5"];

/// Whitespace as Python 3's `\s` has it in a `str` pattern (`str.isspace`): Unicode
/// whitespace plus the information separators U+001C..U+001F.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn leading_space(text: &str) -> usize {
    text.len() - text.trim_start_matches(is_space).len()
}

fn error(span: Span, message: String, label: impl Into<String>, hint: Option<String>) -> Scan {
    Scan::Problem(Problem {
        span,
        severity: Severity::Error,
        message,
        label: label.into(),
        hint,
    })
}

/// Reads the comment at `comment` (from its `#` to the end of the line) as peep would.
fn scan(text: &str, comment: &Span) -> Scan {
    let base = comment.start;
    let line = &text[comment.clone()];
    let Some(after_pound) = line.strip_prefix('#') else {
        return Scan::Prose;
    };
    let space1 = leading_space(after_pound);
    let rest = &after_pound[space1..];
    let word_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let word = &rest[..word_len];
    let Some(after_colon) = rest[word_len..].strip_prefix(':') else {
        return Scan::Prose;
    };
    let lower = word.to_ascii_lowercase();
    if !ALGORITHMS.contains(&lower.as_str()) {
        return Scan::Prose;
    }

    // Offsets into `text`.
    let word_start = base + 1 + space1;
    let colon_end = word_start + word_len + 1;
    let space2 = leading_space(after_colon);
    let token_rest = &after_colon[space2..];
    let token_len = token_rest.find(is_space).unwrap_or(token_rest.len());
    let token = &token_rest[..token_len];
    let token_start = colon_end + space2;
    let token_span = token_start..token_start + token_len;
    let tail = token_rest[token_len..].trim_matches(is_space);
    let tail_start = token_span.end + leading_space(&token_rest[token_len..]);

    if lower != "sha256" {
        return error(
            word_start..colon_end,
            format!("peep ignores this `{word}:` line: it only ever checked sha256 hashes"),
            "peep reads only `sha256:`",
            Some(
                "replace it with the peep sha256 line of the same file, or drop it: \
                 peep never checked it"
                    .to_owned(),
            ),
        );
    }
    let fixed = format!(
        "# sha256: {}",
        if token.is_empty() { "<hash>" } else { token }
    );
    if word != "sha256" {
        return error(
            word_start..colon_end,
            format!("peep ignores this `{word}:` line: it reads only the lowercase `sha256:`"),
            "must be lowercase",
            Some(format!("write `{fixed}`")),
        );
    }
    if space1 == 0 {
        return error(
            base..colon_end,
            "peep ignores this line: it needs whitespace between `#` and `sha256:`".to_owned(),
            "no space after `#`",
            Some(format!("write `{fixed}`")),
        );
    }
    if token.is_empty() {
        return error(
            word_start..colon_end,
            "peep ignores this `sha256:` line: it has no hash".to_owned(),
            "no hash",
            None,
        );
    }
    if space2 == 0 {
        return error(
            word_start..token_span.end,
            "peep ignores this line: it needs whitespace between `sha256:` and the hash".to_owned(),
            "no space after the colon",
            Some(format!("write `{fixed}`")),
        );
    }
    if !tail.is_empty() && !tail.starts_with('#') {
        return error(
            tail_start..tail_start + tail.len(),
            "peep ignores this line: the hash is followed by text that is not a `#` \
             comment"
                .to_owned(),
            "not a `#` comment",
            Some("put one hash per line, and start any text after it with `#`".to_owned()),
        );
    }
    match decode(token) {
        Ok(digest) => Scan::Hash {
            span: token_span,
            digest,
        },
        Err(err) => {
            let span = match err.character_span() {
                Some(at) => token_start + at.start..token_start + at.end,
                None => token_span,
            };
            let (label, hint) = explain(token, &err);
            error(span, format!("malformed peep hash: {err}"), label, hint)
        }
    }
}

/// Label and hint for a hash that does not decode.
fn explain(token: &str, err: &DecodeError) -> (String, Option<String>) {
    match *err {
        DecodeError::Empty => ("no hash".to_owned(), None),
        DecodeError::StandardAlphabet { .. } => {
            let urlsafe = token.replace('+', "-").replace('/', "_");
            let urlsafe = urlsafe.trim_end_matches('=');
            let hint = decode(urlsafe)
                .is_ok()
                .then(|| format!("peep's form of this hash is `{urlsafe}`"));
            ("standard base64".to_owned(), hint)
        }
        DecodeError::Padding { trailing, .. } => {
            let stripped = token.trim_end_matches('=');
            let hint = (trailing && decode(stripped).is_ok())
                .then(|| format!("drop the padding: peep wrote `{stripped}`"));
            ("padding".to_owned(), hint)
        }
        DecodeError::BadCharacter { character: '#', .. } => (
            "`#` inside the hash".to_owned(),
            Some(
                "peep reads a `#` glued to the hash as part of the hash; put a space \
                 before the comment"
                    .to_owned(),
            ),
        ),
        DecodeError::BadCharacter { .. } => ("not a base64 character".to_owned(), None),
        DecodeError::Length { chars } => {
            let hint = match encode_hex(token) {
                Some(peep) => Some(format!(
                    "this is a hex digest; peep's form of it is `{peep}` (pip's `--hash` \
                     takes the hex)"
                )),
                None if chars < ENCODED_LEN => {
                    Some("the hash looks cut short; take it again from the file".to_owned())
                }
                None => None,
            };
            (format!("{chars} characters, not {ENCODED_LEN}"), hint)
        }
        DecodeError::TrailingBits { .. } => ("stray bits in the last character".to_owned(), None),
    }
}
