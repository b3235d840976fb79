//! Digests of distribution files, typed: the algorithms pip accepts, a validated
//! [`Sha256`] (parsed once where it enters: a requirements file, an index document, a
//! peep comment), any-algorithm [`Digest`]s, and [`Hasher`], which computes them
//! incrementally over chunks as they arrive. Nothing here touches the network; the
//! index client streams downloads through a [`Hasher`].

pub(crate) mod lanes;

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::Digest as _;
use sha2::{Sha256 as Sha256State, Sha384, Sha512};

/// A hash algorithm pip accepts in `--hash=<algorithm>:<hex>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    /// Every algorithm, weakest first.
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512];

    /// The name pip uses: `sha256`, `sha384`, `sha512`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Length of a digest in bytes (twice that in hex digits).
    pub fn output_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }

    /// Length of a hex digest, as `--hash` writes it.
    pub fn hex_len(self) -> usize {
        2 * self.output_len()
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not one of `sha256`, `sha384`, `sha512`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported hash algorithm `{0}` (expected sha256, sha384 or sha512)")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// The pip name, case-sensitively (pip rejects `SHA256`).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|algorithm| algorithm.name() == name)
            .ok_or_else(|| UnknownAlgorithm(name.to_owned()))
    }
}

/// An incremental hash: feed it chunks with [`Hasher::update`] (or as an
/// [`std::io::Write`]), then [`Hasher::finalize`]. Cloning it forks the state.
#[derive(Debug, Clone)]
pub struct Hasher {
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    Sha256(Sha256State),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    /// A hasher that has seen no bytes yet.
    pub fn new(algorithm: Algorithm) -> Hasher {
        let state = match algorithm {
            Algorithm::Sha256 => State::Sha256(Sha256State::new()),
            Algorithm::Sha384 => State::Sha384(Sha384::new()),
            Algorithm::Sha512 => State::Sha512(Sha512::new()),
        };
        Hasher { state }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self.state {
            State::Sha256(_) => Algorithm::Sha256,
            State::Sha384(_) => Algorithm::Sha384,
            State::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// Feeds the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.state {
            State::Sha256(state) => state.update(bytes),
            State::Sha384(state) => state.update(bytes),
            State::Sha512(state) => state.update(bytes),
        }
    }

    /// The digest of everything fed so far.
    pub fn finalize(self) -> Digest {
        let algorithm = self.algorithm();
        match self.state {
            State::Sha256(state) => Digest::new(algorithm, &state.finalize()),
            State::Sha384(state) => Digest::new(algorithm, &state.finalize()),
            State::Sha512(state) => Digest::new(algorithm, &state.finalize()),
        }
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A computed digest: the algorithm and the raw bytes, to render as pip wants
/// (lowercase hex) or otherwise. The bytes are held inline (the algorithm's
/// [`Algorithm::output_len`] of them, then zeros), so a copy allocates nothing: a
/// `lock` of 199 pins makes sets of 3,500 of them.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    bytes: [u8; Digest::MAX_LEN],
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Digest")
            .field("algorithm", &self.algorithm)
            .field("bytes", &self.as_bytes())
            .finish()
    }
}

impl Digest {
    /// The longest output of an [`Algorithm`] (sha512's).
    const MAX_LEN: usize = 64;

    /// The digest of `algorithm` whose bytes are `raw` (its output length of them).
    fn new(algorithm: Algorithm, raw: &[u8]) -> Digest {
        let mut bytes = [0; Digest::MAX_LEN];
        if let Some(place) = bytes.get_mut(..raw.len()) {
            place.copy_from_slice(raw);
        }
        Digest { algorithm, bytes }
    }

    /// The digest of `bytes` in one go.
    pub fn of(algorithm: Algorithm, bytes: &[u8]) -> Digest {
        let mut hasher = Hasher::new(algorithm);
        hasher.update(bytes);
        hasher.finalize()
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The raw digest, [`Algorithm::output_len`] bytes.
    pub fn as_bytes(&self) -> &[u8] {
        let len = self.algorithm.output_len().min(Digest::MAX_LEN);
        self.bytes.get(..len).unwrap_or_default()
    }

    /// Lowercase hex, as in `--hash=sha256:<hex>`.
    pub fn to_hex(&self) -> String {
        hex::encode(self.as_bytes())
    }

    /// URL-safe base64 without `=` padding (RFC 4648 §5), as in peep's
    /// `# sha256: <digest>` comments.
    pub fn to_urlsafe_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.as_bytes())
    }
}

/// `<algorithm>:<lowercase hex>`, the form `--hash=` takes (written without
/// allocating: a `lock` writes thousands).
impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.algorithm)?;
        write_hex(f, self.as_bytes())
    }
}

/// `bytes` (at most [`Digest::MAX_LEN`]) as lowercase hex, encoded on the stack: a
/// `lock` writes thousands of digests.
fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let mut hex = [0; 2 * Digest::MAX_LEN];
    let hex = hex.get_mut(..2 * bytes.len()).ok_or(fmt::Error)?;
    hex::encode_to_slice(bytes, hex).map_err(|_| fmt::Error)?;
    f.write_str(std::str::from_utf8(hex).map_err(|_| fmt::Error)?)
}

/// The digests of one distribution file, computed in one pass as it streams: its
/// sha256 (what the index publishes), its blake2b-256 when asked (PyPI names its file
/// paths after it: a second witness), the digests of the other algorithms asked
/// (`--algorithm sha512`), and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileDigests {
    pub sha256: Sha256,
    pub blake2b_256: Option<[u8; 32]>,
    /// One digest per algorithm of [`Hashing::also`].
    pub also: Vec<Digest>,
    pub bytes: u64,
}

impl FileDigests {
    /// The file's digest of `algorithm`, if it was computed.
    pub(crate) fn digest(&self, algorithm: Algorithm) -> Option<Digest> {
        match algorithm {
            Algorithm::Sha256 => Some(self.sha256.into()),
            _ => self
                .also
                .iter()
                .find(|digest| digest.algorithm() == algorithm)
                .cloned(),
        }
    }
}

/// What a download computes besides the sha256.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Hashing {
    /// The blake2b-256 (a PyPI `/packages/` path names it).
    pub blake2b: bool,
    /// Digests of other algorithms (sha256 among them is ignored: always computed).
    pub also: Vec<Algorithm>,
}

/// Computes [`FileDigests`] over chunks, in place.
#[derive(Clone)]
pub(crate) struct FileHasher {
    sha256: Sha256State,
    blake2b: Option<blake2b_simd::State>,
    also: Vec<Hasher>,
    bytes: u64,
}

/// A blake2b state with a 32-byte output: the blake2b-256 PyPI names paths after.
fn blake2b_256() -> blake2b_simd::State {
    blake2b_simd::Params::new().hash_length(32).to_state()
}

/// The blake2b-256 of what `state` (from [`blake2b_256`]) has seen.
fn blake2b_256_of(state: &blake2b_simd::State) -> [u8; 32] {
    let mut digest = [0; 32];
    digest.copy_from_slice(state.finalize().as_bytes());
    digest
}

impl FileHasher {
    pub(crate) fn new(hashing: &Hashing) -> FileHasher {
        let mut also: Vec<Algorithm> = hashing
            .also
            .iter()
            .copied()
            .filter(|algorithm| *algorithm != Algorithm::Sha256)
            .collect();
        also.sort();
        also.dedup();
        FileHasher {
            sha256: Sha256State::new(),
            blake2b: hashing.blake2b.then(blake2b_256),
            also: also.into_iter().map(Hasher::new).collect(),
            bytes: 0,
        }
    }

    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.sha256.update(chunk);
        if let Some(blake2b) = &mut self.blake2b {
            blake2b.update(chunk);
        }
        for hasher in &mut self.also {
            hasher.update(chunk);
        }
        self.bytes += chunk.len() as u64;
    }

    pub(crate) fn finalize(self) -> FileDigests {
        FileDigests {
            sha256: Sha256(self.sha256.finalize().into()),
            blake2b_256: self.blake2b.as_ref().map(blake2b_256_of),
            also: self.also.into_iter().map(Hasher::finalize).collect(),
            bytes: self.bytes,
        }
    }
}

/// A [`FileHasher`] for a download, one of many at once: its blake2b-256 is computed
/// on the [`lanes`] thread, side by side with the other downloads'.
pub(crate) struct DownloadHasher {
    here: FileHasher,
    blake2b: Option<lanes::Stream>,
}

impl DownloadHasher {
    pub(crate) fn new(hashing: &Hashing) -> DownloadHasher {
        let lanes = hashing.blake2b.then(lanes::shared).flatten();
        let here = Hashing {
            // Without a thread for the lanes, in place.
            blake2b: hashing.blake2b && lanes.is_none(),
            also: hashing.also.clone(),
        };
        DownloadHasher {
            here: FileHasher::new(&here),
            blake2b: lanes.map(lanes::Lanes::stream),
        }
    }

    pub(crate) async fn update(&mut self, chunk: bytes::Bytes) -> Result<(), lanes::Stopped> {
        self.here.update(&chunk);
        match &mut self.blake2b {
            Some(stream) => stream.update(chunk).await,
            None => Ok(()),
        }
    }

    pub(crate) async fn finalize(self) -> Result<FileDigests, lanes::Stopped> {
        let mut digests = self.here.finalize();
        if let Some(stream) = self.blake2b {
            digests.blake2b_256 = Some(stream.finalize().await?);
        }
        Ok(digests)
    }
}

/// A sha256 digest: 32 bytes, shown as 64 lowercase hex digits (pip's `--hash`) or
/// as peep's urlsafe base64. Parsing accepts either case, so two spellings of one
/// digest compare equal.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256([u8; 32]);

impl Sha256 {
    /// The digest whose raw bytes are `bytes`.
    pub fn from_bytes(bytes: [u8; 32]) -> Sha256 {
        Sha256(bytes)
    }

    /// peep's form: urlsafe base64 without `=` padding (43 characters).
    pub fn to_urlsafe_base64(self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }
}

impl fmt::Display for Sha256 {
    /// Lowercase hex, as `--hash=sha256:` takes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

/// Why a text is not a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("a {algorithm} digest has {expected} hex digits, not {found}")]
    Length {
        algorithm: Algorithm,
        expected: usize,
        found: usize,
    },
    #[error("a {algorithm} digest is hex, but this one contains {found:?}")]
    NotHex { algorithm: Algorithm, found: char },
}

/// Checks that `hex` is a hex digest of `algorithm` (either case) and decodes it.
fn decode_hex(algorithm: Algorithm, hex: &str) -> Result<Vec<u8>, DigestError> {
    let mut bytes = vec![0; algorithm.hex_len() / 2];
    if decode_hex_into(hex.as_bytes(), &mut bytes) {
        return Ok(bytes);
    }
    if let Some(found) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(DigestError::NotHex { algorithm, found });
    }
    // Every digit is hex, so the length is what is wrong.
    Err(DigestError::Length {
        algorithm,
        expected: algorithm.hex_len(),
        found: hex.len(),
    })
}

/// Decodes `hex` (twice `out`'s length, either case) into `out`; `false` when it is
/// not that. A digest is read for every file of every pin a run sees (requirement
/// files, cached answers, logs): this is a few times faster than the `hex` crate's.
fn decode_hex_into(hex: &[u8], out: &mut [u8]) -> bool {
    /// Each byte's value as a hex digit; 0xff for what is not one.
    const NIBBLE: [u8; 256] = {
        let mut table = [0xff; 256];
        let mut at = 0;
        while at < 10 {
            table[b'0' as usize + at] = at as u8;
            at += 1;
        }
        let mut at = 0;
        while at < 6 {
            table[b'a' as usize + at] = 10 + at as u8;
            table[b'A' as usize + at] = 10 + at as u8;
            at += 1;
        }
        table
    };
    if hex.len() != out.len() * 2 {
        return false;
    }
    // Decoded whatever the digits, checked once at the end: no branch per digit.
    let mut bad = 0;
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (high, low) = (NIBBLE[usize::from(pair[0])], NIBBLE[usize::from(pair[1])]);
        bad |= high | low;
        *byte = high << 4 | (low & 0x0f);
    }
    bad & 0xf0 == 0
}

impl FromStr for Sha256 {
    type Err = DigestError;

    /// 64 hex digits, either case.
    fn from_str(hex: &str) -> Result<Sha256, DigestError> {
        let mut out = [0; 32];
        // The common case (64 hex digits) without allocating; `decode_hex` says
        // what is wrong otherwise.
        if decode_hex_into(hex.as_bytes(), &mut out) {
            return Ok(Sha256(out));
        }
        let bytes = decode_hex(Algorithm::Sha256, hex)?;
        out.copy_from_slice(&bytes);
        Ok(Sha256(out))
    }
}

impl Digest {
    /// A hex digest of `algorithm` as written (either case).
    pub fn from_hex(algorithm: Algorithm, hex: &str) -> Result<Digest, DigestError> {
        let bytes = decode_hex(algorithm, hex)?;
        Ok(Digest::new(algorithm, &bytes))
    }

    /// The digest as a [`Sha256`], when it is one.
    pub fn sha256(&self) -> Option<Sha256> {
        let bytes: [u8; 32] = self.as_bytes().try_into().ok()?;
        (self.algorithm == Algorithm::Sha256).then_some(Sha256(bytes))
    }
}

impl From<Sha256> for Digest {
    fn from(digest: Sha256) -> Digest {
        Digest::new(Algorithm::Sha256, &digest.0)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// FIPS 180-2 / NIST vectors.
    const VECTORS: [(Algorithm, &str, &str); 6] = [
        (
            Algorithm::Sha256,
            "",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            Algorithm::Sha256,
            "abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            Algorithm::Sha384,
            "",
            "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da\
             274edebfe76f65fbd51ad2f14898b95b",
        ),
        (
            Algorithm::Sha384,
            "abc",
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            Algorithm::Sha512,
            "",
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
             47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        ),
        (
            Algorithm::Sha512,
            "abc",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];

    #[test]
    fn known_vectors() {
        for (algorithm, input, expected) in VECTORS {
            let digest = Digest::of(algorithm, input.as_bytes());
            assert_eq!(digest.to_hex(), expected, "{algorithm}({input:?})");
            assert_eq!(digest.algorithm(), algorithm);
            assert_eq!(digest.as_bytes().len(), algorithm.output_len());
        }
    }

    #[test]
    fn chunks_hash_like_the_whole() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for algorithm in Algorithm::ALL {
            let whole = Digest::of(algorithm, &data);
            let mut hasher = Hasher::new(algorithm);
            for chunk in data.chunks(977) {
                hasher.update(chunk);
            }
            assert_eq!(hasher.finalize(), whole, "{algorithm}");
            let mut writer = Hasher::new(algorithm);
            writer.write_all(&data).unwrap();
            assert_eq!(writer.finalize(), whole, "{algorithm} as io::Write");
        }
    }

    #[test]
    fn abc_in_pieces_and_forked() {
        let mut hasher = Hasher::new(Algorithm::Sha256);
        hasher.update(b"a");
        let fork = hasher.clone();
        hasher.update(b"");
        hasher.update(b"bc");
        assert_eq!(hasher.finalize().to_hex(), VECTORS[1].2);
        let mut fork = fork;
        fork.update(b"bc");
        assert_eq!(fork.finalize().to_hex(), VECTORS[1].2);
    }

    #[test]
    fn urlsafe_base64_without_padding() {
        // The sha256 of nothing as peep prints it, and RFC 4648 §10 without `=`.
        let empty = Digest::of(Algorithm::Sha256, b"");
        assert_eq!(
            empty.to_urlsafe_base64(),
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        for (bytes, expected) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (b"\xfb\xff\xbf", "-_-_"),
        ] {
            assert_eq!(URL_SAFE_NO_PAD.encode(bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for algorithm in Algorithm::ALL {
            assert_eq!(algorithm.name().parse::<Algorithm>(), Ok(algorithm));
        }
        assert!("SHA256".parse::<Algorithm>().is_err());
        assert!("md5".parse::<Algorithm>().is_err());
        let digest = Digest::of(Algorithm::Sha256, b"abc");
        assert_eq!(digest.to_string(), format!("sha256:{}", VECTORS[1].2));
    }

    #[test]
    fn one_pass_gives_sha256_blake2b_other_algorithms_and_size() {
        let hashing = Hashing {
            blake2b: true,
            also: vec![Algorithm::Sha512, Algorithm::Sha256, Algorithm::Sha512],
        };
        let mut hasher = FileHasher::new(&hashing);
        hasher.update(b"a");
        hasher.update(b"bc");
        let digests = hasher.finalize();
        // sha256 is not computed twice, nor sha512.
        assert_eq!(digests.also, vec![Digest::of(Algorithm::Sha512, b"abc")]);
        assert_eq!(
            digests.digest(Algorithm::Sha512).map(|d| d.to_hex()),
            Some(VECTORS[5].2.to_owned())
        );
        assert_eq!(digests.digest(Algorithm::Sha384), None);
        assert_eq!(
            digests.digest(Algorithm::Sha256),
            Some(Digest::of(Algorithm::Sha256, b"abc"))
        );
        assert_eq!(digests.sha256.to_string(), VECTORS[1].2);
        assert_eq!(digests.bytes, 3);
        // RFC 7693's test vector family: BLAKE2b-256 of "abc".
        assert_eq!(
            hex::encode(digests.blake2b_256.unwrap()),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
        );
        assert_eq!(
            FileHasher::new(&Hashing::default()).finalize().blake2b_256,
            None
        );
    }

    #[tokio::test]
    async fn a_download_hashes_as_a_file_does() {
        let hashing = Hashing {
            blake2b: true,
            also: vec![Algorithm::Sha384],
        };
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let mut here = FileHasher::new(&hashing);
        let mut download = DownloadHasher::new(&hashing);
        let bytes = bytes::Bytes::from(bytes);
        for chunk in bytes.chunks(65_536) {
            here.update(chunk);
            download.update(bytes.slice_ref(chunk)).await.unwrap();
        }
        let expected = here.finalize();
        assert!(expected.blake2b_256.is_some());
        assert_eq!(download.finalize().await.unwrap(), expected);
    }

    #[test]
    fn sha256_parses_either_case_and_shows_lowercase() {
        let upper = VECTORS[1].2.to_ascii_uppercase();
        let digest: Sha256 = upper.parse().unwrap();
        assert_eq!(digest, VECTORS[1].2.parse().unwrap());
        assert_eq!(digest.to_string(), VECTORS[1].2);
        assert_eq!(Digest::from(digest), Digest::of(Algorithm::Sha256, b"abc"));
        assert_eq!(Digest::of(Algorithm::Sha256, b"abc").sha256(), Some(digest));
        assert_eq!(Digest::of(Algorithm::Sha512, b"abc").sha256(), None);
    }

    #[test]
    fn sha256_refuses_what_is_not_64_hex_digits() {
        for bad in [
            "",
            "abc",
            &"zz".repeat(32),
            &"a".repeat(63),
            &"a".repeat(65),
            "a\n-r evil.txt",
        ] {
            assert!(bad.parse::<Sha256>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "x".repeat(64).parse::<Sha256>(),
            Err(DigestError::NotHex {
                algorithm: Algorithm::Sha256,
                found: 'x'
            })
        );
        assert!(Digest::from_hex(Algorithm::Sha384, VECTORS[1].2).is_err());
    }

    /// The decoder reads every byte value as the `hex` crate does.
    #[test]
    fn hex_is_decoded_as_the_hex_crate_decodes_it() {
        for high in 0..=255u8 {
            for low in [b'0', b'9', b'a', b'f', b'A', b'F', b'g', b'G', b' ', 0xff] {
                let pair = [high, low];
                let mut ours = [0u8; 1];
                let mut theirs = [0u8; 1];
                let ok = decode_hex_into(&pair, &mut ours);
                assert_eq!(
                    ok,
                    hex::decode_to_slice(pair, &mut theirs).is_ok(),
                    "{pair:?}"
                );
                if ok {
                    assert_eq!(ours, theirs, "{pair:?}");
                }
            }
        }
        assert!(!decode_hex_into(b"abc", &mut [0u8; 1]));
    }
}
