//! Reading a wheel's `METADATA` with range requests, for indexes that serve no
//! PEP 658 metadata file: the end of the zip (its central directory), then the one
//! entry, instead of the whole wheel (a GPU wheel is gigabytes; its `METADATA`
//! a few KiB).
//!
//! What a range gives cannot be checked against the wheel's sha256 (that needs the
//! whole file); like a metadata file, it only ever names dependencies, whose hashes
//! come from the index. Anything this reader does not handle (a server that ignores
//! ranges is fine: its whole answer is the wheel; zip64, an unknown compression) is
//! [`Ranges::Unreadable`], and the caller downloads the wheel instead.

use std::io::Read;

use reqwest::Url;

use super::{IndexError, Indexes};

/// How much of the end of a wheel is asked for first: the central directory of
/// nearly every wheel fits.
const TAIL: u64 = 64 * 1024;
/// The longest `METADATA` read.
const MAX_METADATA: u64 = 16 * 1024 * 1024;

/// What reading by ranges gave.
#[derive(Debug)]
pub(crate) enum Ranges {
    /// The `METADATA` text.
    Metadata(String),
    /// The server sent the whole wheel (it ignores ranges).
    Whole(Vec<u8>),
    /// 404.
    Missing,
    /// The ranges cannot be read as a wheel's: the reason.
    Unreadable(String),
}

/// A central directory entry: where its data is, and how it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    local_offset: u64,
    compressed: u64,
    method: u16,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The central directory's (offset, size) from the end of the file, `tail`.
fn end_of_directory(tail: &[u8]) -> Option<(u64, u64)> {
    const SIGNATURE: [u8; 4] = *b"PK\x05\x06";
    let at = (0..=tail.len().checked_sub(22)?)
        .rev()
        .find(|&i| tail[i..i + 4] == SIGNATURE)?;
    let size = u32_at(tail, at + 12)?;
    let offset = u32_at(tail, at + 16)?;
    // Zip64 marks these 0xFFFFFFFF: not for this reader.
    if size == u32::MAX || offset == u32::MAX {
        return None;
    }
    Some((u64::from(offset), u64::from(size)))
}

/// The `<name>.dist-info/METADATA` entry of a central directory.
fn metadata_entry(directory: &[u8]) -> Option<Entry> {
    const SIGNATURE: [u8; 4] = *b"PK\x01\x02";
    let mut at = 0;
    while directory.get(at..at + 4)? == SIGNATURE {
        let method = u16_at(directory, at + 10)?;
        let compressed = u32_at(directory, at + 20)?;
        let name_len = usize::from(u16_at(directory, at + 28)?);
        let extra_len = usize::from(u16_at(directory, at + 30)?);
        let comment_len = usize::from(u16_at(directory, at + 32)?);
        let local_offset = u32_at(directory, at + 42)?;
        let name = directory.get(at + 46..at + 46 + name_len)?;
        let name = String::from_utf8_lossy(name);
        let mut parts = name.split('/');
        if let (Some(dir), Some("METADATA"), None) = (parts.next(), parts.next(), parts.next())
            && dir.ends_with(".dist-info")
        {
            if compressed == u32::MAX || local_offset == u32::MAX {
                return None;
            }
            return Some(Entry {
                local_offset: u64::from(local_offset),
                compressed: u64::from(compressed),
                method,
            });
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    None
}

/// The entry's text from `bytes`, which start at its local header. `Err(needed)`
/// when `bytes` is too short: the length from the local header that would do.
fn entry_text(bytes: &[u8], entry: &Entry) -> Result<Result<String, String>, u64> {
    let short = || 30 + entry.compressed + 2 * 65535;
    if bytes.get(0..4) != Some(b"PK\x03\x04") {
        return Ok(Err("no local header where the directory says".to_owned()));
    }
    let (Some(name_len), Some(extra_len)) = (u16_at(bytes, 26), u16_at(bytes, 28)) else {
        return Err(short());
    };
    let start = 30 + usize::from(name_len) + usize::from(extra_len);
    let Ok(compressed) = usize::try_from(entry.compressed) else {
        return Ok(Err("the entry is too large".to_owned()));
    };
    let Some(data) = bytes.get(start..start + compressed) else {
        return Err((start + compressed) as u64);
    };
    let mut text = Vec::new();
    let read = match entry.method {
        0 => data.take(MAX_METADATA).read_to_end(&mut text),
        8 => flate2::read::DeflateDecoder::new(data)
            .take(MAX_METADATA)
            .read_to_end(&mut text),
        other => return Ok(Err(format!("compression method {other}"))),
    };
    Ok(match read {
        Ok(_) => Ok(String::from_utf8_lossy(&text).into_owned()),
        Err(error) => Err(format!("the entry does not inflate: {error}")),
    })
}

/// A wheel's `METADATA`, by ranges (see the module doc).
pub(crate) async fn metadata(indexes: &Indexes, url: &Url) -> Result<Ranges, IndexError> {
    let unreadable = |why: &str| Ok(Ranges::Unreadable(why.to_owned()));
    let Some(tail) = indexes.get_range(url, &format!("bytes=-{TAIL}")).await? else {
        return Ok(Ranges::Missing);
    };
    if !tail.partial {
        return Ok(Ranges::Whole(tail.body));
    }
    let Some(total) = tail.total else {
        return unreadable("no `Content-Range` length");
    };
    let tail_start = total.saturating_sub(tail.body.len() as u64);
    let Some((offset, size)) = end_of_directory(&tail.body) else {
        return unreadable("no zip directory at the end");
    };
    let directory = if offset >= tail_start {
        let from = usize::try_from(offset - tail_start).unwrap_or(usize::MAX);
        match tail
            .body
            .get(from..)
            .and_then(|d| d.get(..usize::try_from(size).ok()?))
        {
            Some(directory) => directory.to_vec(),
            None => return unreadable("the zip directory is cut"),
        }
    } else {
        let range = format!("bytes={offset}-{}", offset + size.saturating_sub(1));
        match indexes.get_range(url, &range).await? {
            Some(answer) if answer.partial => answer.body,
            _ => return unreadable("the zip directory's range was not sent"),
        }
    };
    let Some(entry) = metadata_entry(&directory) else {
        return unreadable("no `.dist-info/METADATA` in the zip directory");
    };
    // The local header and the data; its name and extra field are guessed short
    // first, and asked for again at their length if not.
    let mut length = 30 + 512 + entry.compressed;
    for _ in 0..2 {
        let end = (entry.local_offset + length).min(total).saturating_sub(1);
        let range = format!("bytes={}-{end}", entry.local_offset);
        let bytes = match indexes.get_range(url, &range).await? {
            Some(answer) if answer.partial => answer.body,
            _ => return unreadable("the entry's range was not sent"),
        };
        match entry_text(&bytes, &entry) {
            Ok(Ok(text)) => return Ok(Ranges::Metadata(text)),
            Ok(Err(why)) => return Ok(Ranges::Unreadable(why)),
            Err(needed) => length = needed,
        }
    }
    unreadable("the entry's range is cut")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn wheel(method: zip::CompressionMethod, padding: usize) -> Vec<u8> {
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        writer.start_file("a/__init__.py", options).unwrap();
        writer.write_all(&vec![b'#'; padding]).unwrap();
        writer
            .start_file("a-1.0.dist-info/METADATA", options)
            .unwrap();
        writer
            .write_all(b"Metadata-Version: 2.1\nName: a\nRequires-Dist: b>=1\n")
            .unwrap();
        writer
            .start_file("a-1.0.dist-info/RECORD", options)
            .unwrap();
        writer.finish().unwrap();
        buffer.into_inner()
    }

    /// What the ranges give on `bytes`, as a server would answer them.
    fn read(bytes: &[u8]) -> Result<String, String> {
        let tail_start = bytes.len().saturating_sub(TAIL as usize);
        let (offset, size) = end_of_directory(&bytes[tail_start..]).ok_or("eocd")?;
        let directory = &bytes[offset as usize..(offset + size) as usize];
        let entry = metadata_entry(directory).ok_or("entry")?;
        let start = entry.local_offset as usize;
        match entry_text(&bytes[start..(start + 40).min(bytes.len())], &entry) {
            Ok(text) => text,
            Err(needed) => entry_text(&bytes[start..start + needed as usize], &entry)
                .map_err(|_| "short twice".to_owned())?,
        }
    }

    #[test]
    fn metadata_is_found_through_the_zip_directory() {
        for method in [
            zip::CompressionMethod::Stored,
            zip::CompressionMethod::Deflated,
        ] {
            // A directory inside the tail, and one far before it.
            for padding in [10, 200_000] {
                let text = read(&wheel(method, padding)).unwrap();
                assert!(
                    text.contains("Requires-Dist: b>=1"),
                    "{method:?} {padding}: {text}"
                );
            }
        }
    }

    #[test]
    fn what_is_not_a_zip_is_no_directory() {
        assert_eq!(
            end_of_directory(b"not a zip at all, not even close........"),
            None
        );
        assert_eq!(end_of_directory(b"PK\x05\x06"), None);
        assert_eq!(metadata_entry(b"PK\x01\x02 short"), None);
    }
}
